"""Importing risk zones in the layout a district epidemic-control office publishes:

    区, 街道, 社区, 小区 (optional: only that compound),
    等级 (封控区/管控区/防范区), 开始时间, 结束时间

An empty 结束时间 means still in force. Importing the same file again changes nothing; a row
whose place or level cannot be read is reported with its reason, never guessed.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.audit.actions import log_action
from kapok.regions.lookup import RegionLookupError, find_region
from kapok.regions.models import Region
from kapok.registry.identity import DateError, parse_date
from kapok.registry.reading import open_roster
from kapok.zones.models import RiskArea

LEVELS = {
    "封控区": RiskArea.Level.LOCKDOWN,
    "封控": RiskArea.Level.LOCKDOWN,
    "管控区": RiskArea.Level.CONTROL,
    "管控": RiskArea.Level.CONTROL,
    "防范区": RiskArea.Level.PREVENTION,
    "防范": RiskArea.Level.PREVENTION,
}
COLUMN_NAMES = {
    "level": ("等级", "风险等级", "区域类型", "类型"),
    "starts_at": ("开始时间", "起始时间", "实施时间"),
    "ends_at": ("结束时间", "解除时间", "截止时间"),
}


class ZoneFileError(ValueError):
    pass


@dataclass
class ZoneImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"row": row, "reason": reason} for row, reason in self.errors],
        }


def parse_moment(raw) -> dt.datetime | None:
    """2022-04-20 18:00, 2022/4/20 18:00, an Excel date-time, or a bare date (its midnight)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, dt.datetime):
        moment = raw
    else:
        text = str(raw).strip().replace("/", "-").replace("T", " ")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            day = parse_date(raw)  # raises DateError with a clear message
            moment = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@transaction.atomic
def import_zones(
    path, *, filename: str, actor=None, shift: dt.timedelta | None = None, allowed=None
):
    """Import a zones file; ``allowed(region)`` may refuse places outside the importer's
    region (each such row is reported, the others imported)."""
    result = ZoneImportResult()
    with open_roster(path, filename=filename) as roster:
        columns = roster.column_map
        extra = {name: _find(roster.columns, names) for name, names in COLUMN_NAMES.items()}
        missing = [COLUMN_NAMES[name][0] for name in ("level", "starts_at") if extra[name] is None]
        if "community" not in columns:
            missing.insert(0, "社区")
        if missing:
            raise ZoneFileError(
                _("The zones file lacks the columns %(columns)s.") % {"columns": "、".join(missing)}
            )
        for row_number, cells in roster.rows():
            cell = _cell_reader(cells)
            try:
                zone = _zone(cell, columns, extra, shift)
                if allowed is not None and not allowed(zone["region"]):
                    raise ZoneFileError(
                        _("%(region)s is outside your region.")
                        % {"region": zone["region"].full_name}
                    )
            except (RegionLookupError, DateError, ZoneFileError) as error:
                result.errors.append((row_number, str(error)))
                continue
            existing = RiskArea.objects.filter(
                region=zone["region"],
                compound=zone["compound"],
                level=zone["level"],
                starts_at=zone["starts_at"],
            ).first()
            if existing is None:
                area = RiskArea.objects.create(**zone, source=filename[:200], created_by=actor)
                result.created += 1
                log_action("zones.area.declared", actor=actor, obj=area)
            elif existing.ends_at != zone["ends_at"]:
                existing.ends_at = zone["ends_at"]
                existing.save(update_fields=["ends_at", "updated_at"])
                result.updated += 1
                log_action("zones.area.updated", actor=actor, obj=existing)
            else:
                result.unchanged += 1
    return result


def _cell_reader(cells):
    def cell(index):
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        if isinstance(value, str):
            return value.strip() or None
        return value

    return cell


def _find(headers: list[str], names: tuple[str, ...]) -> int | None:
    for index, header in enumerate(headers):
        if header in names:
            return index
    return None


def _zone(cell, columns, extra, shift) -> dict:
    parts = [cell(columns.get(name)) for name in ("district", "street", "community")]
    region = find_region(
        "/".join(str(part) for part in parts if part), level=Region.Level.COMMUNITY
    )
    level_text = str(cell(extra["level"]) or "")
    level = LEVELS.get(level_text)
    if level is None:
        raise ZoneFileError(
            _("“%(level)s” is not a zone level: write 封控区, 管控区 or 防范区.")
            % {"level": level_text}
        )
    starts_at = parse_moment(cell(extra["starts_at"]))
    if starts_at is None:
        raise ZoneFileError(_("The start time is empty."))
    ends_at = parse_moment(cell(extra["ends_at"]))
    if shift:
        starts_at += shift
        ends_at = ends_at + shift if ends_at else None
    if ends_at is not None and ends_at <= starts_at:
        raise ZoneFileError(_("The zone ends before it starts."))
    return {
        "region": region,
        "compound": str(cell(columns.get("compound")) or "")[:100],
        "level": level,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
