"""The audit log: writing entries with log_action, and exporting them to xlsx."""

import json
import tempfile
from contextlib import nullcontext
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bench.measure import Result, compare, peak_memory, timed
from kapok.access.policy import scoped
from kapok.audit.actions import log_action
from kapok.audit.exports import write_log_xlsx
from kapok.audit.masking import mask_text, mask_value
from kapok.audit.models import LogEntry
from kapok.units.models import Unit

INSERT = {
    "sqlite": (
        "INSERT INTO audit_logentry (created_at, actor_id, actor_name, unit_id, unit_name, action,"
        " object_type, object_id, object_repr, region_code, data, ip)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    ),
    "postgresql": (
        "INSERT INTO audit_logentry (created_at, actor_id, actor_name, unit_id, unit_name, action,"
        " object_type, object_id, object_repr, region_code, data, ip)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)"
    ),
}
EXPORT = (
    "SELECT created_at, actor_name, unit_name, action, object_type, object_id, object_repr,"
    " region_code, ip, data FROM audit_logentry ORDER BY created_at DESC, id DESC LIMIT %s"
)
# What a person-view entry carries: the masking has work to do.
DATA = {
    "phone": "13812345678",
    "id_number": "44011119450312123X",
    "reason": "回访：电话 13812345678 未接通，改由社区上门",
    "fields": ["phone", "address"],
}


def _writes(world, *, count: int, repeat: int, atomic: bool) -> Result:
    """One person-view entry after another, as views write them; the raw side inserts the same
    row (masked once beforehand) without the ORM. Autocommit pays a commit per entry."""
    user = world.district_user
    obj = Unit.objects.select_related("region").get(
        region__code__startswith=world.district_prefix,
        kind=Unit.Kind.COMMUNITY_COMMITTEE,
        name="螺涌社区居委会",
    )
    masked = mask_value(DATA)
    adapt = connection.ops.adapt_datetimefield_value
    insert = INSERT[connection.vendor]
    fixed = (
        user.pk,
        str(user),
        user.unit_id,
        user.unit.name,
        "person.viewed",
        obj._meta.label_lower,
        str(obj.pk),
        mask_text(str(obj)),
        obj.region_id,
    )

    def ours():
        with transaction.atomic() if atomic else nullcontext():
            for _ in range(count):
                log_action("person.viewed", actor=user, obj=obj, data=DATA)

    def raw():
        with transaction.atomic() if atomic else nullcontext(), connection.cursor() as cursor:
            for _ in range(count):
                params = (adapt(timezone.now()), *fixed, json.dumps(masked), None)
                cursor.execute(insert, params)

    def masking_only():
        for _ in range(count):
            mask_value(DATA)
            mask_text(str(obj))

    ours_time, raw_time, masking_time = compare(ours, raw, masking_only, repeat=repeat)
    mode = "one transaction" if atomic else "autocommit, a transaction each"
    return Result(
        name=f"audit write ({'1 transaction' if atomic else 'autocommit'})",
        description=f"log_action() with masking vs a raw INSERT, {mode}",
        unit="entries",
        operations=count,
        ours=ours_time,
        alternative=raw_time,
        alternative_label="raw INSERT on the cursor (values masked beforehand)",
        peak_ours=peak_memory(ours),
        peak_alternative=peak_memory(raw),
        extra={"masking_seconds_per_entry": masking_time.median / count},
    )


_LOCAL = ZoneInfo(settings.TIME_ZONE)


def _local(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_LOCAL).replace(tzinfo=None)


def raw_export(limit: int):
    """The same workbook as write_log_xlsx, from rows fetched raw: the export's floor."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Audit log")
    widths = [20, 18, 24, 32, 18, 12, 24, 14, 16, 60]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    titles = ["time", "actor", "unit", "action", "type", "id", "object", "region", "IP", "data"]
    header = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    with connection.cursor() as cursor:
        cursor.execute(EXPORT, (limit,))
        while chunk := cursor.fetchmany(2000):
            for created, actor, unit, action, kind, oid, obj, region, ip, data in chunk:
                data = json.loads(data) if isinstance(data, str) else data
                sheet.append(
                    [
                        _local(created),
                        actor,
                        unit,
                        action,
                        kind,
                        oid,
                        obj,
                        region,
                        ip or "",
                        json.dumps(data, ensure_ascii=False) if data else "",
                    ]
                )
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return output


def _export(world, *, rows: int, repeat: int, alternative: bool) -> Result:
    """The export view's work for a city auditor: the newest ``rows`` entries to an xlsx."""
    user = world.city_user
    sizes = []

    def ours():
        with write_log_xlsx(scoped(LogEntry.objects.all(), user)[:rows]) as output:
            sizes.append(output.seek(0, 2))

    def raw():
        raw_export(rows).close()

    if alternative:
        ours_time, raw_time = compare(ours, raw, repeat=repeat)
    else:  # the larger size: our rate and memory, to set beside the smaller size's
        ours_time, raw_time = timed(ours, repeat=repeat), None
    return Result(
        name=f"audit export {rows:,} rows",
        description=f"write_log_xlsx() of {rows} entries (openpyxl write-only)"
        + (" vs the same rows fetched raw" if alternative else ""),
        unit="rows",
        operations=rows,
        ours=ours_time,
        alternative=raw_time,
        alternative_label="raw cursor rows into the same write-only workbook"
        if alternative
        else "",
        peak_ours=peak_memory(ours),
        peak_alternative=peak_memory(raw) if alternative else None,
        extra={"xlsx_bytes": sizes[0]},
    )


def run_writes(world, *, repeat: int, count: int) -> list[Result]:
    return [
        _writes(world, count=count, repeat=repeat, atomic=False),
        _writes(world, count=count, repeat=repeat, atomic=True),
    ]


def run_exports(world, *, repeat: int, sizes: tuple[int, ...]) -> list[Result]:
    results = [
        _export(world, rows=rows, repeat=repeat, alternative=index == 0)
        for index, rows in enumerate(sizes)
    ]
    small, large = results[0], results[-1]
    if large is not small and small.peak_ours:
        growth = large.peak_ours / small.peak_ours
        large.notes.append(
            f"peak memory ×{growth:.2f} for ×{large.operations / small.operations:.1f} the rows"
        )
    return results
