"""Deduplicated figures: how many people, by category, counted once each.

    category_figures(people, day)
    == {"people": 765, "memberships": 975,
        "by_category": {"DIBAO": {"people": 344, "households": 177}, "TEKUN": {"people": 14}, ...}}

    figures_by_area(people, day, Region.Level.DISTRICT)
    == {"440111": {...the same for 白云区...}, "440103": {...}, ...}

``people`` is any Person queryset: already region-scoped, and narrowed to those inside zones
(kapok.zones.models.people_in_zones) when the question is about zones. Three queries, whatever
the number of areas.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Substr

from kapok.regions.models import Region
from kapok.registry.models import Category, HouseholdMember, Membership


def current_memberships(day: dt.date):
    return Membership.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day),
        Q(started_on__isnull=True) | Q(started_on__lte=day),
    )


def category_figures(people, day: dt.date) -> dict:
    return figures_by_area(people, day, None).get("", empty_figures(_categories()))


def figures_by_area(people, day: dt.date, level: int | None) -> dict[str, dict]:
    """Figures for each area of ``level`` (keyed by the area's code prefix) where anybody is
    counted; with ``level`` None, one area keyed "" for everyone."""

    def area(path: str):
        if level is None:
            return Value("", output_field=CharField())
        return Substr(path, 1, Region.PREFIX_LENGTH[level])

    people = people.alive()
    memberships = current_memberships(day).filter(
        person__in=people.values("pk"), category__is_active=True
    )
    counted = memberships.annotate(area=area("person__residence_region_id"))
    per_area = counted.values_list("area").annotate(n=Count("person", distinct=True)).order_by()
    per_category = (
        counted.values_list("area", "category__code")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    # A programme's households that have a counted member who holds that programme on the day
    # (one filter() call: the conditions speak of the same membership row).
    households = (
        HouseholdMember.objects.filter(
            Q(person__memberships__ended_on__isnull=True)
            | Q(person__memberships__ended_on__gte=day),
            Q(person__memberships__started_on__isnull=True)
            | Q(person__memberships__started_on__lte=day),
            household__category__is_household_programme=True,
            person__in=people.values("pk"),
            person__memberships__category=F("household__category"),
        )
        .annotate(area=area("person__residence_region_id"))
        .values_list("area", "household__category__code")
        .annotate(n=Count("household", distinct=True))
        .order_by()
    )
    categories = _categories()
    figures: dict[str, dict] = defaultdict(lambda: empty_figures(categories))
    for code, n in per_area:
        figures[code]["people"] = n
    for code, category, n in per_category:
        figures[code]["by_category"][category]["people"] = n
        figures[code]["memberships"] += n
    for code, category, n in households:
        figures[code]["by_category"][category]["households"] = n
    return dict(figures)


def _categories() -> list[tuple[str, bool]]:
    return list(
        Category.objects.filter(is_active=True).values_list("code", "is_household_programme")
    )


def empty_figures(categories=None) -> dict:
    """Figures of nobody: every active category at zero."""
    if categories is None:
        categories = _categories()
    categories = [
        (c.code, c.is_household_programme) if isinstance(c, Category) else c for c in categories
    ]
    return {
        "people": 0,
        "memberships": 0,
        "by_category": {
            code: ({"people": 0, "households": 0} if household else {"people": 0})
            for code, household in categories
        },
    }
