"""What a caller or a community worker sees of the person they visit: who they are (ID masked),
the numbers to dial, categories, household, zone, address, the last visits and the open needs.
One panel (template visits/includes/person_panel.html) for the phone and the home-visit pages.

Phones: the text is always masked. The full number goes only into the ``tel:`` link, and only
when the page is the user's to dial from (a caller holding the task, a worker of the person's
community on a home visit); the number this attempt should try comes first.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from kapok.access.policy import scoped
from kapok.audit.masking import mask_phone
from kapok.needs.models import OPEN_STATUSES, Need
from kapok.registry.models import HouseholdMember, Membership
from kapok.visits.models import Visit
from kapok.zones.models import RiskArea

LAST_VISITS = 5
ZONE_SEVERITY = [RiskArea.Level.LOCKDOWN, RiskArea.Level.CONTROL, RiskArea.Level.PREVENTION]


@dataclass(frozen=True)
class Phone:
    masked: str
    dial: str | None  # the full number for the tel: link; None: not to be dialled from here
    to_try: bool = False


def phones_of(person, *, to_try: str | None, may_dial: bool) -> list[Phone]:
    numbers = list(person.phones or [])
    if to_try in numbers:
        numbers.remove(to_try)
        numbers.insert(0, to_try)
    return [
        Phone(
            masked=mask_phone(number),
            dial=number if may_dial else None,
            to_try=number == to_try,
        )
        for number in numbers
    ]


def zone_of(person, day: dt.date) -> RiskArea | None:
    """The most severe risk zone the person lives in on ``day`` (kapok.zones' rule: the whole
    community, or the compound named in their compound or address)."""
    if not person.residence_region_id:
        return None
    areas = [
        area
        for area in RiskArea.objects.in_force_on(day).filter(region=person.residence_region_id)
        if not area.compound
        or area.compound == person.compound
        or area.compound in (person.address or "")
    ]
    return min(areas, key=lambda area: ZONE_SEVERITY.index(area.level), default=None)


def households_of(person) -> list[dict]:
    links = HouseholdMember.objects.filter(person=person).select_related(
        "household__category", "household__head"
    )
    households = []
    for link in links:
        household = link.household
        members = (
            HouseholdMember.objects.filter(household=household)
            .exclude(person=person)
            .exclude(person=household.head_id)
            .select_related("person")
        )
        households.append(
            {
                "household": household,
                "head": household.head,
                "is_head": household.head_id == person.pk,
                "relation": link.relation,
                "members": [(member.person.name, member.relation) for member in members],
            }
        )
    return households


def person_panel(
    person, *, user, day: dt.date, to_try: str | None = None, may_dial: bool = False
) -> dict:
    """The template context of the person panel. Visits and needs are read through the
    region-scoping policy like every other record."""
    categories = (
        Membership.objects.filter(person=person)
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=day))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .select_related("category")
        .order_by("category__position")
    )
    visits = (
        scoped(Visit.objects.filter(person=person), user)
        .select_related("made_by", "team")
        .prefetch_related("needs", "photos")
        .order_by("-made_at", "-id")[:LAST_VISITS]
    )
    needs = scoped(Need.objects.filter(person=person, status__in=OPEN_STATUSES), user).order_by(
        "-created_at"
    )
    return {
        "person": person,
        "age": person.age_on(day),
        "phones": phones_of(person, to_try=to_try, may_dial=may_dial),
        "categories": [membership.category for membership in categories],
        "households": households_of(person),
        "zone": zone_of(person, day),
        "last_visits": list(visits),
        "open_needs": list(needs),
    }
