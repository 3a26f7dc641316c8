"""Importing a department's roster into the registry.

    import_roster(path, filename="低保.xlsx", category=dibao, actor=user)

Every row becomes, or updates, one Person with a membership of the category; household
programmes also build Households. Nothing is lost: a row that cannot be imported is kept as a
RejectedRow with its reason (the rejects download back as xlsx with a reason column), and a row
imported with a doubt (a damaged ID number, a bad phone) is kept too, marked doubtful.
Importing the same file again changes nothing.

A person is recognised by their ID number (through its keyed hash). A row without a usable ID
number is matched on name, birth date and community; anything looser is left to
deduplication (kapok dedupe), which finds the probable pairs.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.audit.actions import log_action
from kapok.audit.masking import mask_value
from kapok.regions.lookup import RegionLookupError, find_region
from kapok.regions.models import Region
from kapok.registry import identity
from kapok.registry.columns import recognise
from kapok.registry.models import (
    Category,
    Household,
    HouseholdMember,
    Membership,
    Person,
    RejectedRow,
    RosterImport,
)
from kapok.registry.protection import blind_index, decrypt, encrypt
from kapok.registry.reading import open_roster

# The roster fields the importer reads (kapok.registry.columns.FIELDS names the rest).
READ_FIELDS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phones",
    "district",
    "street",
    "community",
    "compound",
    "address",
    "household_no",
    "head_id_number",
    "relation",
)
CELLS_PURPOSE = "rejected_row.cells"
HEAD_PURPOSE = "household.head"
SEX_WORDS = {"男": Person.Sex.MALE, "女": Person.Sex.FEMALE, "M": "M", "F": "F"}
HEAD_WORDS = {"户主", "本人", "申请人"}
BATCH_SIZE = 500
PROGRESS_EVERY = 200  # rows between two calls of import_roster's ``progress``


class RosterImportError(ValueError):
    """The roster as a whole cannot be imported (no header, no name column, …)."""


class RowError(ValueError):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass
class RowOutcome:
    person: Person | None = None
    doubts: list[tuple[str, str]] = field(default_factory=list)


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_roster(
    path,
    *,
    filename: str,
    category: Category,
    actor=None,
    sheet: str | None = None,
    source: str = "",
    overrides: dict[str, str] | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    into: RosterImport | None = None,
    progress: Callable[[int], None] | None = None,
) -> RosterImport:
    """Import one roster. With ``dry_run`` everything is checked and counted, nothing kept.

    ``into``: an uploaded import waiting in the database (the web's background import) to fill,
    instead of a new one; it is marked running, and saved so, before the import's transaction
    starts, so that other connections see it running. ``progress``: called with the number of
    rows done every PROGRESS_EVERY rows, from inside the import's transaction; with it, the rows
    are counted first, and the count is saved in ``rows_total`` before the import starts, as
    the end of a progress bar."""
    roster = open_roster(path, filename=filename, sheet=sheet)
    columns = recognise(roster.columns, overrides=overrides or {})
    if "name" not in columns:
        roster.close()
        raise RosterImportError(
            _("No column holds the names (looked for 姓名, 成员姓名, 儿童姓名 …).")
        )
    described = {
        "category": category,
        "file_name": filename,
        "file_sha256": file_sha256(path),
        "sheet": roster.sheet or "",
        "source": source or filename,
        "headers": roster.columns,
        "column_map": columns.as_dict(),
        "status": RosterImport.Status.RUNNING,
    }
    if into is None:
        batch = RosterImport(
            **described,
            started_by=actor if actor is not None and actor.pk else None,
            unit=getattr(actor, "unit", None),
        )
    else:
        batch = into
        for name, value in described.items():
            setattr(batch, name, value)
        for counter in _COUNTERS:
            setattr(batch, counter, 0)  # a retry starts afresh: the failed try was rolled back
        batch.error = ""
        batch.finished_at = None
        if progress is not None:
            batch.rows_total = sum(1 for _row in roster.rows())
        batch.save()
        batch.rows_total = 0  # the importer counts the rows again as it imports them
    importer = _Importer(batch, columns, today or timezone.localdate())
    try:
        with transaction.atomic():
            if batch.pk is None:
                batch.save()
            # An import given ``into`` is not written again until the end: a write would lock
            # its row until the commit, and the progress reports update that row from another
            # connection (kapok.registry.tasks).
            for row_number, cells in roster.rows():
                importer.add(row_number, cells)
                if progress is not None and batch.rows_total % PROGRESS_EVERY == 0:
                    progress(batch.rows_total)
            importer.finish()
            batch.status = RosterImport.Status.DONE
            batch.finished_at = timezone.now()
            batch.save()
            log_action(
                "registry.roster.imported",
                actor=actor,
                obj=batch,
                data={
                    "file": filename,
                    "category": category.code,
                    "rows": batch.rows_total,
                    "created": batch.people_created,
                    "updated": batch.people_updated,
                    "rejected": batch.rows_rejected,
                },
            )
            if dry_run:
                transaction.set_rollback(True)
    finally:
        roster.close()
    return batch


_COUNTERS = (
    "rows_total",
    "rows_done",
    "people_created",
    "people_updated",
    "rows_unchanged",
    "rows_rejected",
)


class _Importer:
    def __init__(self, batch: RosterImport, columns, today: dt.date):
        self.batch = batch
        self.columns = columns
        self.today = today
        self.category = batch.category
        self.households: dict[str, Household] = {}
        self.regions: dict[tuple, Region] = {}

    def cell(self, cells, name):
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def add(self, row_number: int, cells: list) -> None:
        self.batch.rows_total += 1
        try:
            outcome = self.row(cells)
        except RowError as error:
            self.reject(row_number, cells, error.code, str(error))
            return
        for code, reason in outcome.doubts:
            self.reject(row_number, cells, code, reason, doubtful=True)

    def reject(self, row_number, cells, code, reason, doubtful=False):
        if not doubtful:
            self.batch.rows_rejected += 1
        RejectedRow.objects.create(
            roster_import=self.batch,
            row_number=row_number,
            code=code,
            reason=reason[:500],
            cells_encrypted=encrypt(
                json.dumps([_plain(value) for value in cells], ensure_ascii=False),
                CELLS_PURPOSE,
            ),
            is_doubtful=doubtful,
        )

    def row(self, cells) -> RowOutcome:
        outcome = RowOutcome()
        name = identity.normalize_name(str(self.cell(cells, "name") or ""))
        if not name:
            raise RowError("name_missing", _("The name is empty."))
        id_number = None
        raw_id = self.cell(cells, "id_number")
        if raw_id is not None:
            try:
                id_number = identity.parse_id_number(raw_id, today=self.today)
            except identity.IdNumberError as error:
                outcome.doubts.append((f"id_{error.code}", str(error)))
        birth_date = id_number.birth_date if id_number else self.date(cells, outcome)
        sex = id_number.sex if id_number else SEX_WORDS.get(str(self.cell(cells, "sex") or ""), "")
        phones = self.phones(cells, outcome)
        residence = self.residence(cells)
        values = {
            "name": name,
            "name_initials": identity.pinyin_initials(name),
            "birth_date": birth_date,
            "sex": sex or "",
            "residence_region": residence,
            "address": str(self.cell(cells, "address") or "")[:300],
            "compound": str(self.cell(cells, "compound") or "")[:100],
        }
        person = self.find(id_number, values)
        if person is None:
            person = Person(**values, phones=phones)
            if id_number:
                person.set_id_number(id_number.value)
            person.save()
            self.batch.people_created += 1
        elif self.update(person, values, phones, outcome):
            self.batch.people_updated += 1
        else:
            self.batch.rows_unchanged += 1
        self.membership(person)
        if self.category.is_household_programme:
            self.household(person, cells, id_number)
        outcome.person = person
        return outcome

    def date(self, cells, outcome):
        raw = self.cell(cells, "birth_date")
        if raw is None:
            return None
        try:
            return identity.parse_date(raw)
        except identity.DateError as error:
            outcome.doubts.append(("bad_birth_date", str(error)))
            return None

    def phones(self, cells, outcome) -> list[str]:
        raw = self.cell(cells, "phones")
        if raw is None:
            return []
        try:
            return identity.normalize_phones(raw)
        except identity.PhoneError as error:
            outcome.doubts.append(("bad_phone", str(error)))
            return list(error.phones or [])

    def residence(self, cells) -> Region:
        district = self.cell(cells, "district")
        street = self.cell(cells, "street")
        community = self.cell(cells, "community")
        if community is None:
            raise RowError("community_missing", _("The community is empty."))
        key = (district, street, community)
        if key not in self.regions:
            parts = [str(part) for part in key if part is not None]
            try:
                self.regions[key] = find_region("/".join(parts), level=Region.Level.COMMUNITY)
            except RegionLookupError as error:
                raise RowError("unknown_community", str(error)) from None
        return self.regions[key]

    def find(self, id_number, values) -> Person | None:
        person = self._find(id_number, values)
        while person is not None and person.merged_into_id is not None:
            person = person.merged_into  # deduplication found this record is that one
        return person

    def _find(self, id_number, values) -> Person | None:
        if id_number is not None:
            return Person.objects.with_id_number(id_number.value).first()
        if values["birth_date"] is None:
            return Person.objects.filter(
                name=values["name"],
                residence_region=values["residence_region"],
                id_number_hash="",
                birth_date__isnull=True,
            ).first()
        return Person.objects.filter(
            name=values["name"],
            birth_date=values["birth_date"],
            residence_region=values["residence_region"],
        ).first()

    def update(self, person: Person, values: dict, phones: list[str], outcome) -> bool:
        """Fill what the registry does not know yet and add new phones; never overwrite what
        another roster said (re-importing either roster then changes nothing). A different
        residence is worth a look: it decides where needs are routed."""
        changed = []
        for name, value in values.items():
            current = getattr(person, name)
            if value in (None, "") or current == value:
                continue
            if current in (None, ""):
                setattr(person, name, value)
                changed.append(name)
            elif name == "residence_region":
                outcome.doubts.append(
                    (
                        "residence_differs",
                        _("This roster places the person in %(new)s; the registry keeps %(old)s.")
                        % {"new": value.full_name, "old": current.full_name},
                    )
                )
        merged = list(dict.fromkeys([*person.phones, *phones]))
        if merged != person.phones:
            person.phones = merged
            changed.append("phones")
        if changed:
            person.save(update_fields=[*changed, "updated_at"])
        return bool(changed)

    def membership(self, person: Person) -> None:
        exists = Membership.objects.filter(
            person=person, category=self.category, ended_on__isnull=True
        ).exists()
        if not exists:
            Membership.objects.create(
                person=person,
                category=self.category,
                source=self.batch.source[:200],
                roster_import=self.batch,
            )

    def household(self, person: Person, cells, id_number) -> None:
        number = str(self.cell(cells, "household_no") or "")
        relation = str(self.cell(cells, "relation") or "")
        head_raw = self.cell(cells, "head_id_number")
        head_id = None
        if head_raw is not None:
            try:
                head_id = identity.parse_id_number(head_raw, today=self.today).value
            except identity.IdNumberError:
                head_id = None
        if number:
            key = number
        elif head_id:
            key = "head:" + blind_index(head_id, HEAD_PURPOSE)
        else:
            key = "person:" + str(person.pk)
        household = self.households.get(key)
        if household is None:
            household, _created = Household.objects.get_or_create(
                category=self.category, key=key, defaults={"number": number}
            )
            self.households[key] = household
        is_head = relation in HEAD_WORDS or (
            head_id is not None and id_number is not None and head_id == id_number.value
        )
        if is_head and household.head_id != person.pk:
            household.head = person
            household.save(update_fields=["head", "updated_at"])
        HouseholdMember.objects.get_or_create(
            household=household, person=person, defaults={"relation": relation}
        )

    def finish(self) -> None:
        self.batch.rows_done = self.batch.rows_total


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def masked_cells(rejected: RejectedRow) -> list:
    return mask_value(json.loads(decrypt(rejected.cells_encrypted, CELLS_PURPOSE) or "[]"))
