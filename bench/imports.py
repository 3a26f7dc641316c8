"""Roster import: kapok's import_roster() against django-import-export and the raw database.

Each timed run starts from an empty registry and imports one synthetic 低保 roster
(bench/rosters.py) whole: every row read, its ID number validated, encrypted and hashed, its
phones and community resolved, people matched and created, memberships and households built,
rejected rows kept. A second result imports the same roster again into the registry it made,
which must change nothing.

- The alternative, django-import-export (the library most Django projects import spreadsheets
  with), loads the same file into Person through a ModelResource with bulk writes on, matching
  rows on name, birth date and community as a clerk would; it neither validates, encrypts nor
  builds households, so it does less work than Kapok.
- The floor, the raw database: the same rows inserted into the person table by executemany (COPY
  on PostgreSQL) after a plain csv read, with the community looked up in a dict; no checks.
"""

import csv
import json
import random
import tempfile
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from bench import rosters
from bench.measure import Result, compare, peak_memory
from kapok.regions.lookup import RegionLookupError, find_region
from kapok.regions.models import Region
from kapok.registry.importing import import_roster
from kapok.registry.models import Category, Person

TABLES = (
    "registry_rejectedrow",
    "registry_householdmember",
    "registry_household",
    "registry_membership",
    "registry_personmerge",
    "registry_duplicatecandidate",
    "registry_person",
    "registry_rosterimport",
)
RAW_COLUMNS = (
    "name",
    "name_initials",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "sex",
    "phones",
    "residence_region_id",
    "compound",
    "address",
    "status",
    "notes",
    "created_at",
    "updated_at",
)


def empty_registry() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def _kapok(path: Path, filename: str, category: Category):
    def run():
        batch = import_roster(path, filename=filename, category=category)
        return batch

    return run


def _community_codes() -> dict[tuple[str, str, str], str]:
    return {
        (region.parent.parent.name, region.parent.name, region.name): region.code
        for region in Region.objects.filter(level=Region.Level.COMMUNITY).select_related(
            "parent__parent"
        )
    }


def _raw(path: Path):
    """The floor: csv rows straight into registry_person."""
    codes = _community_codes()
    columns = ", ".join(RAW_COLUMNS)

    def run():
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = []
        with open(path, newline="", encoding="utf-8") as file:
            reader = csv.reader(file)
            next(reader)
            for cells in reader:
                code = codes.get((cells[7], cells[8], cells[9]))
                if code is None or not cells[1]:
                    continue
                phones = json.dumps([cells[6]] if cells[6] else [])
                name, address = cells[1], cells[10]
                rows.append(
                    (name, "", "", "", "", "", phones, code, "", address, "ALIVE", "", now, now)
                )
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY registry_person ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(RAW_COLUMNS))
                cursor.executemany(
                    f"INSERT INTO registry_person ({columns}) VALUES ({marks})",  # noqa: S608
                    rows,
                )

    return run


def _import_export(path: Path):
    """django-import-export: a ModelResource for Person, bulk writes on."""
    import tablib
    from import_export import fields, resources, widgets

    class CommunityWidget(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            try:
                return find_region(value, level=Region.Level.COMMUNITY)
            except RegionLookupError as error:
                raise ValueError(str(error)) from error

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        sex = fields.Field(attribute="sex", column_name="性别")
        address = fields.Field(attribute="address", column_name="家庭住址")
        residence_region = fields.Field(
            attribute="residence_region",
            column_name="residence",
            widget=CommunityWidget(Region),
        )

        def before_import_row(self, row, **kwargs):
            row["residence"] = "/".join((row["所属区"], row["所属街道"], row["所属社区"]))
            row["性别"] = {"男": "M", "女": "F"}.get(row["性别"], "")

        class Meta:
            model = Person
            fields = ("name", "sex", "address", "residence_region")
            import_id_fields = ("name", "residence_region")
            use_bulk = True
            batch_size = 1000
            skip_diff = True

    def run():
        dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
        result = PersonResource().import_data(dataset, raise_errors=False, use_transactions=True)
        return result

    return run


def run(rng: random.Random, *, rows: int, xlsx_rows: int, repeat: int) -> list[Result]:
    category = Category.objects.get(code="DIBAO")
    communities = rosters.guangzhou_communities()
    results = []
    with tempfile.TemporaryDirectory(prefix="kapok-bench-rosters-") as tmp:
        csv_path = Path(tmp) / "低保家庭成员.csv"
        rosters.write_csv(csv_path, rosters.roster_rows(rows, rng, communities))
        xlsx_path = Path(tmp) / "低保家庭成员.xlsx"
        rosters.write_xlsx(xlsx_path, rosters.roster_rows(xlsx_rows, rng, communities))

        ours = _kapok(csv_path, csv_path.name, category)
        alternative = _import_export(csv_path)
        raw = _raw(csv_path)
        ours_time, alternative_time, raw_time = compare(
            ours, alternative, raw, repeat=repeat, setup=empty_registry
        )
        empty_registry()
        batch = ours()
        people = Person.objects.count()
        results.append(
            Result(
                name=f"import CSV {rows:,} rows",
                description="import_roster() of a 低保 roster into an empty registry, vs "
                "django-import-export",
                unit="rows",
                operations=rows,
                ours=ours_time,
                alternative=alternative_time,
                alternative_label="django-import-export ModelResource, use_bulk, no checks",
                peak_ours=peak_memory(ours, setup=empty_registry),
                peak_alternative=peak_memory(alternative, setup=empty_registry),
                notes=[
                    f"raw database floor ({connection.vendor}: "
                    f"{'COPY' if connection.vendor == 'postgresql' else 'executemany'}): "
                    f"{rows / raw_time.median:,.0f} rows/s; ours takes "
                    f"{ours_time.median / raw_time.median:.1f}× its time",
                    f"people {people:,}, rejected {batch.rows_rejected:,}",
                ],
                extra={
                    "raw_floor": raw_time.as_dict(),
                    "time_ratio_ours_over_raw": ours_time.median / raw_time.median,
                },
            )
        )

        def again():
            import_roster(csv_path, filename=csv_path.name, category=category)

        (again_time,) = compare(again, repeat=repeat)
        results.append(
            Result(
                name=f"re-import CSV {rows:,} rows",
                description="the same roster again: every row found, nothing changed",
                unit="rows",
                operations=rows,
                ours=again_time,
                peak_ours=peak_memory(again),
            )
        )

        ours_xlsx = _kapok(xlsx_path, xlsx_path.name, category)
        (xlsx_time,) = compare(ours_xlsx, repeat=repeat, setup=empty_registry)
        results.append(
            Result(
                name=f"import xlsx {xlsx_rows:,} rows",
                description="import_roster() of the same kind of roster as .xlsx (calamine)",
                unit="rows",
                operations=xlsx_rows,
                ours=xlsx_time,
                peak_ours=peak_memory(ours_xlsx, setup=empty_registry),
            )
        )
        empty_registry()
    return results
