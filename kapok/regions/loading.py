"""Loading division codes from a CSV in the NBS layout: code,name,level,parent_code."""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.regions.lookup import invalidate_index
from kapok.regions.models import CODE_LENGTH, Region

BUNDLED = {
    "guangzhou": Path(__file__).parent / "data" / "guangzhou_divisions_nbs2023.csv",
}
REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
# NBS gives reservoirs, forest farms and the like a "virtual living area" (虚拟生活区) so that
# their staff have a code; they are not administrative units and nobody is registered there.
VIRTUAL_MARK = "虚拟"


class RegionFileError(ValueError):
    pass


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dropped": self.dropped,
        }


@dataclass
class _Row:
    code: str
    name: str
    level: int
    parent_code: str | None


def read_rows(text: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise RegionFileError(
            _("The file lacks the columns %(columns)s (expected: %(expected)s).")
            % {"columns": ", ".join(missing), "expected": ",".join(REQUIRED_COLUMNS)}
        )
    rows = []
    lines: dict[str, int] = {}
    for line, record in enumerate(reader, start=2):
        code = (record["code"] or "").strip()
        name = (record["name"] or "").strip()
        parent = (record["parent_code"] or "").strip() or None
        try:
            level = int(record["level"])
        except (TypeError, ValueError):
            level = 0
        if len(code) != CODE_LENGTH or not code.isdigit():
            raise RegionFileError(
                _("Line %(line)d: “%(code)s” is not a 12-digit division code.")
                % {"line": line, "code": code}
            )
        if level not in Region.PREFIX_LENGTH:
            raise RegionFileError(
                _("Line %(line)d: the level must be 1 to 5, not “%(level)s”.")
                % {"line": line, "level": record["level"]}
            )
        if not _code_fits_level(code, level):
            raise RegionFileError(
                _("Line %(line)d: “%(code)s” is not the code of a region of level %(level)d.")
                % {"line": line, "code": code, "level": level}
            )
        if not name:
            raise RegionFileError(_("Line %(line)d: the name is empty.") % {"line": line})
        if code in lines:
            raise RegionFileError(
                _("Line %(line)d: the code %(code)s is already on line %(first)d.")
                % {"line": line, "code": code, "first": lines[code]}
            )
        lines[code] = line
        rows.append(_Row(code, name, level, parent))
    return rows


def _code_fits_level(code: str, level: int) -> bool:
    """A level-4 code has its street digits set and nothing after them: 440111003000.

    The digits of a skipped level may be zero (东莞市's streets lie directly under the city)."""
    end = Region.PREFIX_LENGTH[level]
    start = Region.PREFIX_LENGTH.get(level - 1, 0)
    return code[end:].strip("0") == "" and code[start:end].strip("0") != ""


def drop_virtual(rows: list[_Row], extra_names: tuple[str, ...] = ()) -> tuple[list[_Row], list]:
    """Drop virtual living areas, units whose only children are virtual, and named extras."""
    children: dict[str, list[_Row]] = {}
    for row in rows:
        if row.parent_code:
            children.setdefault(row.parent_code, []).append(row)
    virtual = {row.code for row in rows if VIRTUAL_MARK in row.name}
    drop = virtual | {row.code for row in rows if row.name in extra_names}
    # Decided on the virtual units alone, so that the result does not depend on the order of
    # the rows, and a district is not dropped because its one street was.
    for row in rows:
        kids = children.get(row.code)
        if kids and all(kid.code in virtual for kid in kids):
            drop.add(row.code)
    # Whatever sits below a dropped unit goes with it.
    changed = True
    while changed:
        changed = False
        for row in rows:
            if row.code not in drop and row.parent_code in drop:
                drop.add(row.code)
                changed = True
    kept = [row for row in rows if row.code not in drop]
    dropped = [row.name for row in rows if row.code in drop and VIRTUAL_MARK not in row.name]
    return kept, dropped


@transaction.atomic
def load_regions(text: str, *, exclude_names: tuple[str, ...] = ()) -> LoadResult:
    rows, dropped = drop_virtual(read_rows(text), exclude_names)
    rows.sort(key=lambda row: (row.level, row.code))
    # One read of the whole table: a list of every code in the file would overflow the
    # database's limit on query parameters for a province or the whole country.
    existing = {
        region.code: region
        for region in Region.objects.only("code", "name", "level", "parent_id", "full_name")
    }
    known_levels = {code: region.level for code, region in existing.items()}
    names: dict[str, tuple[int, str]] = {
        code: (region.level, region.full_name) for code, region in existing.items()
    }
    result = LoadResult(dropped=dropped)
    to_create, to_update = [], []
    for row in rows:
        if row.parent_code is not None:
            parent_level = known_levels.get(row.parent_code)
            if parent_level is None:
                raise RegionFileError(
                    _("%(name)s (%(code)s): its parent %(parent)s is not in the file.")
                    % {"name": row.name, "code": row.code, "parent": row.parent_code}
                )
            parent_prefix = row.parent_code[: Region.PREFIX_LENGTH[parent_level]]
            if parent_level >= row.level or not row.code.startswith(parent_prefix):
                raise RegionFileError(
                    _("%(name)s (%(code)s) cannot lie under %(parent)s.")
                    % {"name": row.name, "code": row.code, "parent": row.parent_code}
                )
        known_levels[row.code] = row.level
        full_name = _full_name(row, names)
        names[row.code] = (row.level, full_name)
        region = existing.get(row.code)
        wanted = {
            "name": row.name,
            "level": row.level,
            "parent_id": row.parent_code,
            "full_name": full_name,
        }
        if region is None:
            to_create.append(Region(code=row.code, **wanted))
        elif any(getattr(region, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(region, key, value)
            to_update.append(region)
        else:
            result.unchanged += 1
    # bulk_update() leaves auto_now alone; other processes notice changes by updated_at.
    now = timezone.now()
    for region in to_update:
        region.updated_at = now
    Region.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        Region.objects.bulk_update(
            to_update, ["name", "level", "parent", "full_name", "updated_at"], batch_size=1000
        )
    result.created, result.updated = len(to_create), len(to_update)
    # Now for this connection, which sees its own changes, and again once they are committed.
    invalidate_index()
    transaction.on_commit(invalidate_index)
    return result


def _full_name(row: _Row, names: dict[str, tuple[int, str]]) -> str:
    """Province names are left out: 广州市白云区松洲街道螺涌社区."""
    if row.level <= Region.Level.CITY or row.parent_code is None:
        return row.name
    parent_level, parent_full = names[row.parent_code]
    if parent_level < Region.Level.CITY:
        return row.name
    return parent_full + row.name
