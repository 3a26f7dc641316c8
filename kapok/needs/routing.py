"""Where a new need goes (派单): the one place routing is decided.

- To the community committee where the person lives (居住地); its street, district and city see it
  and supervise it, because they contain its region.
- A person living outside their registered (户籍) district is helped where they live; the hukou
  district's bureau is told and sees the need (跨区救助).
- Routing rules (RoutingRule, kept as data) send some kinds elsewhere too: GUARDIANSHIP to the
  minor-protection centre and the street's child supervisor, SHELTER to the rescue station. The
  need is shared with the unit named, and that unit (or the duty person) is told.
- A person whose community is not known (or has no committee in Kapok) goes to the nearest street
  or district office above what is known, for dispatch by hand: the need stays REPORTED there.
"""

from dataclasses import dataclass, field

from kapok.needs.models import RoutingRule
from kapok.regions.models import Region
from kapok.units.models import Unit, level_of

CITY, DISTRICT, STREET, COMMUNITY = (
    Region.Level.CITY,
    Region.Level.DISTRICT,
    Region.Level.STREET,
    Region.Level.COMMUNITY,
)


@dataclass
class Route:
    unit: Unit | None  # who handles it, or dispatches it by hand
    dispatched: bool  # False: waits at ``unit`` for dispatch by hand
    region_code: str  # where it is seen from
    hukou_region_code: str = ""  # set when the hukou lies in another district
    shared_with: list[Unit] = field(default_factory=list)
    # Who else is told: (unit, duties) pairs; duties None means the unit's usual duty people.
    told: list[tuple[Unit, frozenset[str] | None]] = field(default_factory=list)


def ancestors(code: str) -> list[str]:
    """The code and the codes of the regions above it, deepest first, down to the city."""
    codes = []
    for level in range(level_of(code), CITY - 1, -1):
        codes.append(code[: Region.PREFIX_LENGTH[level]].ljust(len(code), "0"))
    return codes


def nearest_administrative_unit(code: str, *, deepest: int = COMMUNITY) -> Unit | None:
    """The administrative unit of the deepest level (at most ``deepest``) that contains ``code``."""
    for level in range(min(level_of(code), deepest), CITY - 1, -1):
        unit = Unit.objects.administrative_for(code, level)
        if unit is not None:
            return unit
    return None


def city_unit() -> Unit | None:
    return Unit.objects.active().filter(kind=Unit.Kind.CITY_BUREAU).order_by("pk").first()


def route(*, person, kind: str, reporter_unit: Unit | None = None) -> Route:
    residence = person.residence_region_id or ""
    hukou = person.hukou_region_id or ""
    if residence and level_of(residence) == COMMUNITY:
        community = Unit.objects.administrative_for(residence, COMMUNITY)
        if community is not None:
            result = Route(unit=community, dispatched=True, region_code=residence)
        else:  # no committee in Kapok for that community: its street dispatches by hand
            unit = nearest_administrative_unit(residence, deepest=STREET)
            result = Route(unit=unit, dispatched=False, region_code=residence)
    else:
        # Where the person lives is not known to the community: the street or district that is
        # known (of the residence, else of the hukou, else of the reporter) dispatches by hand.
        known = residence or hukou or (reporter_unit.region_id if reporter_unit else "")
        unit = (
            nearest_administrative_unit(known, deepest=STREET) if known else None
        ) or city_unit()
        result = Route(
            unit=unit, dispatched=False, region_code=unit.region_id if unit else residence
        )
    if residence and hukou and residence[:6] != hukou[:6]:
        result.hukou_region_code = hukou
        hukou_bureau = Unit.objects.administrative_for(hukou, DISTRICT)
        if hukou_bureau is not None:
            result.shared_with.append(hukou_bureau)
            result.told.append((hukou_bureau, None))
    place = result.region_code
    for rule in RoutingRule.objects.filter(kind=kind, is_active=True):
        if rule.unit_kind:
            unit = nearest_unit_of_kind(rule.unit_kind, place)
            if unit is not None and unit not in result.shared_with:
                result.shared_with.append(unit)
                result.told.append((unit, None))
        if rule.duty and place:
            street = Unit.objects.administrative_for(place, STREET)
            if street is not None:
                result.told.append((street, frozenset({rule.duty})))
    return result


def nearest_unit_of_kind(unit_kind: str, code: str) -> Unit | None:
    """The active unit of that kind whose region is nearest above ``code`` (a district's centre
    before the city's); None if there is none."""
    if not code:
        return Unit.objects.active().filter(kind=unit_kind).order_by("region_id", "pk").first()
    codes = ancestors(code)
    candidates = {
        unit.region_id: unit
        for unit in Unit.objects.active()
        .filter(kind=unit_kind, region_id__in=codes)
        .order_by("-pk")
    }
    for region_code in codes:
        if region_code in candidates:
            return candidates[region_code]
    return None


def unit_above(unit: Unit) -> Unit | None:
    """The administrative unit one level above ``unit`` (its parent as a rule): where a
    returned need goes, and where a breach escalates to."""
    if (
        unit.parent_id is not None
        and unit.parent.kind in Unit.ADMINISTRATIVE_KIND_BY_LEVEL.values()
    ):
        return unit.parent
    level = unit.region.level
    if level <= CITY:
        return None
    return nearest_administrative_unit(unit.region_id, deepest=level - 1)
