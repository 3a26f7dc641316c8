"""The city's "问题当天清零" view: a local day's needs by district and by kind — reported,
resolved, verified, still open, overdue, escalated — and the same-day clearance rate; the oldest
open needs first.

    figures = clearance(day, user)       # what ``user`` answers for; user=None: the whole city
    figures.total.rate, figures.by_district, figures.by_kind, figures.as_dict()
    needs = oldest_open(user)            # open needs, oldest first (bounded)

What is counted, for the local day D (Asia/Shanghai, kapok.zones.models.local_day_bounds):

- reported: needs reported on D (created_at within D), cancelled ones left out (a duplicate
  reported twice, or one reported in error, is not work to clear);
- resolved: of those, the ones with a result given (反馈: RESOLVED, VERIFIED or CLOSED, with
  resolved_at) before the end of D; a need reopened since has no result and does not count;
- verified: of those, the ones verified by the reporting team (回访: VERIFIED or CLOSED) before
  the end of D;
- open: of those, the ones still open now (OPEN_STATUSES);
- overdue: of those, the ones overdue now (past their acceptance or clearance deadline and still
  open: Need.objects.overdue);
- escalated: of those, the ones escalated at least once (督办);
- cleared the same day: of those, the ones resolved (as above) before the end of D — or, for a
  need reported after the evening cut-off (KAPOK_NEED_CUTOFF, whose deadline is the next
  morning), by that next morning (KAPOK_NEED_NEXT_MORNING);
- the same-day clearance rate: cleared the same day ÷ reported (None when nothing was reported).
  For today it is live: it rises through the day as needs are cleared.

Needs count where the person lives: by district (the first six digits of region_code, named by
the district Region) and by kind. A user sees the figures of the area they answer for — their
region, within what kapok.access.policy lets them see; needs shared with their unit from
another district (跨区救助) count in that district's figures, not theirs. One grouped query
makes the figures, however many needs the day has.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.policy import scope_of, scoped
from kapok.audit.masking import mask_name
from kapok.needs.kinds import NEED_ORDER, NeedKind
from kapok.needs.models import OPEN_STATUSES, Need
from kapok.regions.models import Region, prefix_range
from kapok.web.spreadsheets import new_sheet, saved
from kapok.zones.models import local_day_bounds

DISTRICT_DIGITS = Region.PREFIX_LENGTH[Region.Level.DISTRICT]
# The most open needs the "oldest first" list shows (and the download holds).
OLDEST_LIMIT = 50

S = Need.Status
WITH_RESULT = (S.RESOLVED, S.VERIFIED, S.CLOSED)
VERIFIED = (S.VERIFIED, S.CLOSED)
AWAITING_ACCEPTANCE = (S.REPORTED, S.DISPATCHED, S.RETURNED)


def overdue_condition(now: dt.datetime) -> Q:
    """The condition of Need.objects.overdue(now), as a Q a conditional Count can use."""
    return Q(status__in=OPEN_STATUSES) & (
        Q(due_at__lt=now) | Q(accept_due_at__lt=now, status__in=AWAITING_ACCEPTANCE)
    )


def cleared_condition(day: dt.date) -> Q:
    """Resolved in time to count as cleared the same day (see the module's docstring)."""
    _start, end = local_day_bounds(day)
    resolved = Q(status__in=WITH_RESULT, resolved_at__isnull=False)
    in_time = Q(resolved_at__lt=end)
    cutoff = settings.KAPOK_NEED_CUTOFF
    if cutoff is not None:
        evening = timezone.make_aware(dt.datetime.combine(day, cutoff))
        next_morning = timezone.make_aware(
            dt.datetime.combine(day + dt.timedelta(days=1), settings.KAPOK_NEED_NEXT_MORNING)
        )
        in_time |= Q(created_at__gte=evening, resolved_at__lte=next_morning)
    return resolved & in_time


@dataclass
class Counts:
    reported: int = 0
    resolved: int = 0
    verified: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    cleared: int = 0

    def add(self, other: "Counts") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    @property
    def rate(self) -> float | None:
        return self.cleared / self.reported if self.reported else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.cleared / self.reported) if self.reported else None

    def as_dict(self) -> dict:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["rate"] = None if self.rate is None else round(self.rate, 4)
        return data


@dataclass
class DistrictRow:
    prefix: str  # the district's six digits; "" when the need's place is not known
    region: Region | None = None
    counts: Counts = field(default_factory=Counts)
    by_kind: dict[str, Counts] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.region.name if self.region else _("Area not known")

    def as_dict(self) -> dict:
        return {
            "code": self.prefix,
            "name": self.label,
            **self.counts.as_dict(),
            "by_kind": {kind: counts.as_dict() for kind, counts in self.by_kind.items()},
        }


@dataclass
class KindRow:
    kind: str
    counts: Counts = field(default_factory=Counts)

    @property
    def label(self) -> str:
        return NeedKind(self.kind).label

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": str(self.label), **self.counts.as_dict()}


@dataclass
class Clearance:
    day: dt.date
    now: dt.datetime
    total: Counts
    by_district: list[DistrictRow]
    by_kind: list[KindRow]

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "as_of": self.now.isoformat(),
            "total": self.total.as_dict(),
            "by_district": [row.as_dict() for row in self.by_district],
            "by_kind": [row.as_dict() for row in self.by_kind],
        }


def area_needs(user=None):
    """The needs of the area ``user`` answers for (None: the whole city): what the region policy
    lets them see, less what is only shared with their unit from elsewhere."""
    if user is None:
        return Need.objects.all()
    needs = scoped(Need.objects.all(), user)
    scope = scope_of(user)
    if scope.restricted and scope.prefix:
        # Narrowing only: scoped() decided what may be seen; the figures are of the own area.
        # (A subquery rather than scoped()'s DISTINCT join, so that counts are not multiplied.)
        return Need.objects.filter(
            prefix_range("region_code", scope.prefix), pk__in=needs.values("pk")
        )
    return Need.objects.filter(pk__in=needs.values("pk"))


def clearance(day: dt.date, user=None, *, now: dt.datetime | None = None) -> Clearance:
    """The figures of ``day`` for ``user`` (None: the whole city), open and overdue as of
    ``now``."""
    now = now or timezone.now()
    start, end = local_day_bounds(day)
    conditions = {
        "resolved": Q(status__in=WITH_RESULT, resolved_at__isnull=False, resolved_at__lt=end),
        "verified": Q(status__in=VERIFIED, verified_at__isnull=False, verified_at__lt=end),
        "open": Q(status__in=OPEN_STATUSES),
        "overdue": overdue_condition(now),
        "escalated": Q(escalation_level__gt=0),
        "cleared": cleared_condition(day),
    }
    rows = (
        area_needs(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=S.CANCELLED)
        .order_by()
        .values("kind", district=Substr("region_code", 1, DISTRICT_DIGITS))
        .annotate(
            reported=Count("pk"),
            **{name: Count("pk", filter=condition) for name, condition in conditions.items()},
        )
    )
    total = Counts()
    districts: dict[str, DistrictRow] = {}
    kinds: dict[str, Counts] = defaultdict(Counts)
    for row in rows:
        counts = Counts(**{item.name: row[item.name] for item in fields(Counts)})
        prefix = row["district"] if len(row["district"] or "") == DISTRICT_DIGITS else ""
        district = districts.setdefault(prefix, DistrictRow(prefix))
        district.counts.add(counts)
        district.by_kind.setdefault(row["kind"], Counts()).add(counts)
        kinds[row["kind"]].add(counts)
        total.add(counts)
    regions = Region.objects.in_bulk([prefix.ljust(12, "0") for prefix in districts if prefix])
    for row in districts.values():
        row.region = regions.get(row.prefix.ljust(12, "0")) if row.prefix else None
        row.by_kind = dict(sorted(row.by_kind.items(), key=lambda item: NEED_ORDER[item[0]]))
    return Clearance(
        day=day,
        now=now,
        total=total,
        by_district=sorted(districts.values(), key=lambda row: row.prefix or "z"),
        by_kind=[KindRow(kind, kinds[kind]) for kind in sorted(kinds, key=NEED_ORDER.get)],
    )


def oldest_open(user=None, *, limit: int = OLDEST_LIMIT):
    """The open needs of ``user``'s area, oldest first (at most ``limit``): what has waited
    longest is cleared first, whatever day it was reported."""
    return (
        area_needs(user)
        .open()
        .select_related("person", "unit", "escalated_to")
        .order_by("created_at", "pk")[:limit]
    )


def district_name(need: Need, regions: dict[str, Region]) -> str:
    region = regions.get(need.region_code[:DISTRICT_DIGITS].ljust(12, "0"))
    return region.name if region else ""


def districts_of(needs) -> dict[str, Region]:
    codes = {need.region_code[:DISTRICT_DIGITS].ljust(12, "0") for need in needs}
    return Region.objects.in_bulk(list(codes))


def write_clearance_xlsx(figures: Clearance, needs) -> object:
    """The figures and the oldest open needs as an xlsx, names masked and no ID number or
    phone. The view that serves it audits the download."""
    headers = [
        _("Area"),
        _("Kind"),
        _("Reported"),
        _("Resolved"),
        _("Verified"),
        _("Still open"),
        _("Overdue"),
        _("Escalated"),
        _("Cleared the same day"),
        _("Same-day clearance rate"),
    ]
    workbook, sheet = new_sheet(
        _("Clearance") + f" {figures.day.isoformat()}", headers, [14, 20] + [10] * 8
    )

    def line(area: str, kind: str, counts: Counts) -> list:
        return [
            area,
            kind,
            counts.reported,
            counts.resolved,
            counts.verified,
            counts.open,
            counts.overdue,
            counts.escalated,
            counts.cleared,
            "" if counts.percent is None else f"{counts.percent}%",
        ]

    for district in figures.by_district:
        sheet.append(line(district.label, _("All kinds"), district.counts))
        for kind, counts in district.by_kind.items():
            sheet.append(line(district.label, str(NeedKind(kind).label), counts))
    sheet.append(line(_("Total"), _("All kinds"), figures.total))
    sheet.append([])
    sheet.append([_("Oldest open needs")])
    sheet.append(
        [
            _("Reported at"),
            _("Name"),
            _("District"),
            _("Kind"),
            _("Urgency"),
            _("Status"),
            _("Handling unit"),
            _("Due"),
            _("Overdue"),
            _("Escalated to"),
        ]
    )
    needs = list(needs)
    regions = districts_of(needs)
    for need in needs:
        sheet.append(
            [
                _local(need.created_at),
                mask_name(need.person.name),
                district_name(need, regions),
                need.get_kind_display(),
                need.get_urgency_display(),
                need.get_status_display(),
                need.unit.name if need.unit else "",
                _local(need.due_at),
                _("yes") if need.is_overdue(figures.now) else "",
                need.escalated_to.name if need.escalated_to else "",
            ]
        )
    return saved(workbook)


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
