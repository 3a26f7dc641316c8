"""Deduplicated figures: how many people, by category, counted once each.

    category_figures(people, day)
    == {"people": 765, "memberships": 975,
        "by_category": {"DIBAO": {"people": 344, "households": 177}, "TEKUN": {"people": 14}, ...}}

``people`` is any Person queryset: already region-scoped, and narrowed to those inside zones
(kapok.zones.models.people_in_zones) when the question is about zones.
"""

import datetime as dt

from django.db.models import Count, F, Q

from kapok.registry.models import Category, HouseholdMember, Membership


def current_memberships(day: dt.date):
    return Membership.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day),
        Q(started_on__isnull=True) | Q(started_on__lte=day),
    )


def category_figures(people, day: dt.date) -> dict:
    people = people.alive()
    memberships = current_memberships(day).filter(person__in=people.values("pk"))
    per_category = dict(
        memberships.values_list("category__code")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    # A programme's households that have a counted member who holds that programme on the day
    # (one filter() call: the conditions speak of the same membership row).
    households = dict(
        HouseholdMember.objects.filter(
            Q(person__memberships__ended_on__isnull=True)
            | Q(person__memberships__ended_on__gte=day),
            Q(person__memberships__started_on__isnull=True)
            | Q(person__memberships__started_on__lte=day),
            household__category__is_household_programme=True,
            person__in=people.values("pk"),
            person__memberships__category=F("household__category"),
        )
        .values_list("household__category__code")
        .annotate(n=Count("household", distinct=True))
        .order_by()
    )
    by_category = {}
    for category in Category.objects.filter(is_active=True):
        figure = {"people": per_category.get(category.code, 0)}
        if category.is_household_programme:
            figure["households"] = households.get(category.code, 0)
        by_category[category.code] = figure
    return {
        "people": memberships.values("person").distinct().count(),
        "memberships": sum(per_category.values()),
        "by_category": by_category,
    }
