"""Deduplicated figures: how many people, by category, counted once each.

    category_figures(people, day)
    == {"people": 765, "memberships": 975,
        "by_category": {"DIBAO": {"people": 344, "households": 177}, "TEKUN": {"people": 14}, ...}}

    figures_by_area(people, day, Region.Level.DISTRICT)
    == {"440111": {...the same for 白云区...}, "440103": {...}, ...}

``people`` is any Person queryset: already region-scoped, and narrowed to those inside zones
(kapok.zones.models.people_in_zones) or to an age band (``age_band_condition``) when the question
is about them. Three queries, whatever the number of areas.

Who is counted on a day: a living person, not merged into another record, who holds an active
category that day. ``counted_people`` lists exactly them, so that a list reached from a figure
shows as many people as the figure says.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Substr

from kapok.regions.models import Region
from kapok.registry.models import Category, HouseholdMember, Membership

# Age bands of the figures and the people list: (youngest, oldest) in whole years on the day.
AGE_BANDS = {
    "0-17": (0, 17),
    "18-59": (18, 59),
    "60-79": (60, 79),
    "80+": (80, 200),
}


def current_memberships(day: dt.date):
    return Membership.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day),
        Q(started_on__isnull=True) | Q(started_on__lte=day),
    )


def counted_people(people, day: dt.date, category: Category | None = None):
    """The people of a Person queryset whom the figures count on ``day`` (in ``category``, or in
    any active category): living, not merged, holding the category that day."""
    memberships = current_memberships(day).filter(category__is_active=True)
    if category is not None:
        memberships = memberships.filter(category=category)
    return people.alive().filter(pk__in=memberships.values("person"))


def holding_category(people, day: dt.date, category: Category):
    """The people of a Person queryset who hold ``category`` on ``day``, whether counted or not
    (deceased, moved out)."""
    return people.filter(pk__in=current_memberships(day).filter(category=category).values("person"))


def age_band_condition(band: str, day: dt.date) -> Q:
    """People aged within an AGE_BANDS band on ``day`` (Person.age_on); nobody without a birth
    date."""
    youngest, oldest = AGE_BANDS[band]
    latest = _years_before(day, youngest)
    earliest = _years_before(day, oldest + 1) + dt.timedelta(days=1)
    return Q(birth_date__gte=earliest, birth_date__lte=latest)


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier; 29 February becomes the 28th in a common year,
    as Person.age_on counts it (a person born on the 28th has had their birthday that day)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


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
