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
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.audit.actions import log_action
from kapok.audit.masking import mask_id_number, mask_value
from kapok.regions.lookup import RegionLookupError, find_region
from kapok.regions.models import Region
from kapok.registry import identity
from kapok.registry.columns import recognise
from kapok.registry.models import (
    ID_NUMBER_PURPOSE,
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
BATCH_SIZE = 500  # rows in one INSERT or UPDATE statement
CHUNK_ROWS = 2000  # roster rows read before they are written together
PROGRESS_EVERY = 1000  # rows between two calls of import_roster's ``progress``


class RosterImportError(ValueError):
    """The roster as a whole cannot be imported (no header, no name column, …)."""


class RowError(ValueError):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


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
    the end of a progress bar.

    The import returned carries ``people_touched`` (not stored): the pks of the people it created
    or changed, for deduplication to compare with the rest (find_duplicates(new=...))."""
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
            # Not a field: what deduplication should look at after this import.
            batch.people_touched = sorted(importer.touched)
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


@dataclass
class _Row:
    """One roster row, read and checked, waiting for its chunk to be written."""

    number: int
    cells: list
    values: dict
    id_number: identity.IdNumber | None
    id_hash: str
    phones: list[str]
    doubts: list[tuple[str, str]]
    person: Person | None = None


class _Importer:
    """Reads rows one by one and writes them a chunk (CHUNK_ROWS) at a time: a few queries per
    chunk instead of several per row.

    Within a chunk the rows are still decided in order, as if imported one after the other: the
    people of the chunk's earlier rows are kept in memory under the keys they are recognised by
    (their ID number's hash; name, birth date and community), so a second row for the same
    person finds the first before it is written. Rows of later chunks find it in the database."""

    def __init__(self, batch: RosterImport, columns, today: dt.date):
        self.batch = batch
        self.columns = columns
        self.today = today
        self.category = batch.category
        self.regions: dict[tuple, Region] = {}
        self.pending: list[_Row] = []
        self.rejected: list[RejectedRow] = []
        # People met in this import, by the keys rows find them by (see _keys).
        self.known: dict[tuple, Person] = {}
        # Pks of the people this import created or changed: what deduplication looks at next.
        self.touched: set[int] = set()
        self.with_membership: set[int] = set()
        self.households: dict[str, Household] = {}
        self.household_links: set[tuple[int, int]] = set()
        self.head_ids: dict[object, str | None] = {}

    def cell(self, cells, name):
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    # Reading rows

    def add(self, row_number: int, cells: list) -> None:
        self.batch.rows_total += 1
        try:
            row = self.read(row_number, cells)
        except RowError as error:
            self.reject(row_number, cells, error.code, str(error))
            return
        self.pending.append(row)
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def reject(self, row_number, cells, code, reason, doubtful=False):
        if not doubtful:
            self.batch.rows_rejected += 1
        self.rejected.append(
            RejectedRow(
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
        )

    def read(self, row_number: int, cells) -> _Row:
        doubts: list[tuple[str, str]] = []
        name = identity.normalize_name(str(self.cell(cells, "name") or ""))
        if not name:
            raise RowError("name_missing", _("The name is empty."))
        id_number = None
        raw_id = self.cell(cells, "id_number")
        if raw_id is not None:
            try:
                id_number = identity.parse_id_number(raw_id, today=self.today)
            except identity.IdNumberError as error:
                doubts.append((f"id_{error.code}", str(error)))
        birth_date = id_number.birth_date if id_number else self.date(cells, doubts)
        sex = id_number.sex if id_number else SEX_WORDS.get(str(self.cell(cells, "sex") or ""), "")
        phones = self.phones(cells, doubts)
        residence = self.residence(cells)
        values = {
            "name": name,
            "name_initials": _initials(name),
            "birth_date": birth_date,
            "sex": sex or "",
            "residence_region": residence,
            "address": str(self.cell(cells, "address") or "")[:300],
            "compound": str(self.cell(cells, "compound") or "")[:100],
        }
        id_hash = blind_index(id_number.value, ID_NUMBER_PURPOSE) if id_number else ""
        return _Row(row_number, cells, values, id_number, id_hash, phones, doubts)

    def date(self, cells, doubts):
        raw = self.cell(cells, "birth_date")
        if raw is None:
            return None
        try:
            return identity.parse_date(raw)
        except identity.DateError as error:
            doubts.append(("bad_birth_date", str(error)))
            return None

    def phones(self, cells, doubts) -> list[str]:
        raw = self.cell(cells, "phones")
        if raw is None:
            return []
        try:
            return identity.normalize_phones(raw)
        except identity.PhoneError as error:
            doubts.append(("bad_phone", str(error)))
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
                self.regions[key] = RowError("unknown_community", str(error))
        found = self.regions[key]
        if isinstance(found, RowError):
            raise found
        return found

    # Writing a chunk

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if rows:
            stored = self.stored_people(rows)
            created: list[Person] = []
            changed: dict[int, tuple[Person, set[str]]] = {}
            for row in rows:
                self.decide(row, stored, created, changed)
            self.write_people(created, changed)
            self.memberships(rows)
            if self.category.is_household_programme:
                self.write_households(rows)
            for row in rows:
                for code, reason in row.doubts:
                    self.reject(row.number, row.cells, code, reason, doubtful=True)
        if self.rejected:
            _insert(self.rejected, batch_size=BATCH_SIZE)
            self.rejected = []
        # What was written is found in the database from now on: memory stays bounded by the
        # chunk, however long the roster.
        self.known.clear()
        self.households.clear()
        self.household_links.clear()
        self.with_membership.clear()
        self.head_ids.clear()

    def stored_people(self, rows: list[_Row]) -> dict[tuple, Person]:
        """The people already in the registry that the chunk's rows may be, by key: two
        queries, then one per link of merged records (a merged record stands for the record it
        was merged into)."""
        hashes = {
            row.id_hash for row in rows if row.id_hash and ("id", row.id_hash) not in self.known
        }
        names = {
            (row.values["name"], row.values["residence_region"].pk)
            for row in rows
            if not row.id_hash
        }
        found: list[Person] = []
        for part in _chunks(sorted(hashes), BATCH_SIZE):
            found += Person.objects.filter(id_number_hash__in=part)
        if names:
            for part in _chunks(sorted(names), BATCH_SIZE):
                condition = models.Q()
                for name, region in part:
                    condition |= models.Q(name=name, residence_region_id=region)
                found += Person.objects.filter(condition)
        stored: dict[tuple, Person] = {}
        for person in sorted(found, key=lambda person: person.pk):  # the oldest record first
            for key in _keys(person):
                stored.setdefault(key, person)
        # Records merged into another stand for it.
        followed = {person.pk: person for person in found}
        waiting = {p.merged_into_id for p in found if p.merged_into_id} - set(followed)
        while waiting:
            more = list(Person.objects.filter(pk__in=waiting))
            followed.update((person.pk, person) for person in more)
            waiting = {p.merged_into_id for p in more if p.merged_into_id} - set(followed)
        for key, person in stored.items():
            while person.merged_into_id is not None:
                person = followed[person.merged_into_id]
            stored[key] = person
        return stored

    def decide(self, row: _Row, stored, created: list, changed: dict) -> None:
        """Find the row's person, or make one; fill what the registry did not know."""
        key = ("id", row.id_hash) if row.id_hash else _row_key(row.values)
        person = self.known.get(key) if key else None
        if person is None and key:
            person = stored.get(key)
        if person is None:
            person = Person(**row.values, phones=row.phones)
            if row.id_number:
                person.id_number_encrypted = encrypt(row.id_number.value, ID_NUMBER_PURPOSE)
                person.id_number_hash = row.id_hash
                person.id_number_masked = mask_id_number(row.id_number.value)
            created.append(person)
            self.batch.people_created += 1
        else:
            fields = self.update(person, row)
            if fields:
                if person.pk is not None:
                    changed.setdefault(person.pk, (person, set()))[1].update(fields)
                self.batch.people_updated += 1
            else:
                self.batch.rows_unchanged += 1
        for person_key in _keys(person):
            self.known.setdefault(person_key, person)
        row.person = person

    def update(self, person: Person, row: _Row) -> list[str]:
        """Fill what the registry does not know yet and add new phones; never overwrite what
        another roster said (re-importing either roster then changes nothing). A different
        residence is worth a look: it decides where needs are routed."""
        changed = []
        for name, value in row.values.items():
            if value in (None, ""):
                continue
            if name == "residence_region":  # compared by code: no query for the stored region
                current = person.residence_region_id
                if current == value.pk:
                    continue
                if current is None:
                    person.residence_region = value
                    changed.append(name)
                else:
                    row.doubts.append(
                        (
                            "residence_differs",
                            _(
                                "This roster places the person in %(new)s; the registry keeps "
                                "%(old)s."
                            )
                            % {"new": value.full_name, "old": person.residence_region.full_name},
                        )
                    )
                continue
            current = getattr(person, name)
            if current in (None, ""):
                setattr(person, name, value)
                changed.append(name)
        merged = list(dict.fromkeys([*person.phones, *row.phones]))
        if merged != person.phones:
            person.phones = merged
            changed.append("phones")
        return changed

    def write_people(self, created: list[Person], changed: dict) -> None:
        if created:
            _insert(created, batch_size=BATCH_SIZE)
            self.touched.update(person.pk for person in created)
        if changed:
            now = timezone.now()
            by_fields: dict[tuple, list[Person]] = {}
            for person, fields in changed.values():
                person.updated_at = now
                by_fields.setdefault(tuple(sorted(fields)), []).append(person)
            for fields, people in by_fields.items():
                Person.objects.bulk_update(people, [*fields, "updated_at"], batch_size=BATCH_SIZE)
            self.touched.update(changed)

    def memberships(self, rows: list[_Row]) -> None:
        people = {row.person.pk for row in rows} - self.with_membership
        if not people:
            return
        for part in _chunks(sorted(people), BATCH_SIZE):
            self.with_membership.update(
                Membership.objects.filter(
                    person_id__in=part, category=self.category, ended_on__isnull=True
                ).values_list("person_id", flat=True)
            )
        source = self.batch.source[:200]
        missing = sorted(people - self.with_membership)
        _insert(
            [
                Membership(
                    person_id=pk, category=self.category, source=source, roster_import=self.batch
                )
                for pk in missing
            ],
            batch_size=BATCH_SIZE,
        )
        self.with_membership.update(missing)

    def write_households(self, rows: list[_Row]) -> None:
        placed = [(row, *self.household_of(row)) for row in rows]
        keys = {key for _row, key, _number, _is_head in placed} - set(self.households)
        for part in _chunks(sorted(keys), BATCH_SIZE):
            for household in Household.objects.filter(category=self.category, key__in=part):
                self.households[household.key] = household
        new: dict[str, Household] = {}
        heads: dict[int, Household] = {}  # stored households whose head changes
        for row, key, number, is_head in placed:
            household = self.households.get(key) or new.get(key)
            if household is None:
                household = new[key] = Household(category=self.category, key=key, number=number)
            if is_head and household.head_id != row.person.pk:
                household.head = row.person
                if household.pk is not None:
                    heads[household.pk] = household
        _insert(list(new.values()), batch_size=BATCH_SIZE)
        self.households.update(new)
        if heads:
            now = timezone.now()
            for household in heads.values():
                household.updated_at = now
            Household.objects.bulk_update(
                list(heads.values()), ["head", "updated_at"], batch_size=BATCH_SIZE
            )
        pairs: dict[tuple[int, int], _Row] = {}
        for row, key, _number, _is_head in placed:
            pairs.setdefault((self.households[key].pk, row.person.pk), row)
        unknown = set(pairs) - self.household_links
        households = {household for household, _person in unknown}
        people = {person for _household, person in unknown}
        if unknown:
            for part in _chunks(sorted(households), BATCH_SIZE):
                self.household_links.update(
                    HouseholdMember.objects.filter(
                        household_id__in=part, person_id__in=people
                    ).values_list("household_id", "person_id")
                )
        missing = sorted(set(pairs) - self.household_links)
        _insert(
            [
                HouseholdMember(
                    household_id=household,
                    person_id=person,
                    relation=str(self.cell(pairs[(household, person)].cells, "relation") or ""),
                )
                for household, person in missing
            ],
            batch_size=BATCH_SIZE,
        )
        self.household_links.update(missing)

    def household_of(self, row: _Row) -> tuple[str, str, bool]:
        """The row's household key and number, and whether the row is its head."""
        number = str(self.cell(row.cells, "household_no") or "")
        relation = str(self.cell(row.cells, "relation") or "")
        head_raw = self.cell(row.cells, "head_id_number")
        head_id = None
        if head_raw is not None:
            if head_raw not in self.head_ids:  # the same head on every row of the household
                try:
                    self.head_ids[head_raw] = identity.parse_id_number(
                        head_raw, today=self.today
                    ).value
                except identity.IdNumberError:
                    self.head_ids[head_raw] = None
            head_id = self.head_ids[head_raw]
        if number:
            key = number
        elif head_id:
            key = "head:" + blind_index(head_id, HEAD_PURPOSE)
        else:
            key = "person:" + str(row.person.pk)
        is_head = relation in HEAD_WORDS or (
            head_id is not None and row.id_number is not None and head_id == row.id_number.value
        )
        return key, number, is_head

    def finish(self) -> None:
        self.flush()
        self.batch.rows_done = self.batch.rows_total


def _row_key(values: dict) -> tuple | None:
    """How a row without a usable ID number finds its person: name, birth date and community;
    without a birth date, only a record that has neither an ID number nor a birth date."""
    region = values["residence_region"].pk
    if values["birth_date"] is None:
        return ("nobirth", values["name"], region)
    return ("birth", values["name"], values["birth_date"], region)


def _keys(person: Person) -> list[tuple]:
    keys = []
    if person.id_number_hash:
        keys.append(("id", person.id_number_hash))
    if person.residence_region_id is not None:
        if person.birth_date is not None:
            keys.append(("birth", person.name, person.birth_date, person.residence_region_id))
        elif not person.id_number_hash:
            keys.append(("nobirth", person.name, person.residence_region_id))
    return keys


@functools.lru_cache(maxsize=65536)
def _initials(name: str) -> str:
    return identity.pinyin_initials(name)


def _insert(objs: list[models.Model], batch_size: int = BATCH_SIZE) -> None:
    """Model.objects.bulk_create() for the importer's rows, several times faster: what costs in
    bulk_create is preparing every value (expressions, per-field checks), and these objects
    hold plain values. Only the conversions the database needs remain: dates and times as the
    backend stores them, JSON encoded. auto_now(_add) fields are set to now; each object gets
    its primary key back, as from bulk_create(). On PostgreSQL the rows go in by COPY."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    converters = []
    for field in fields:
        convert = _converter(field)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
            stored_now = convert(now)
            convert = lambda _value, stored=stored_now: stored  # noqa: E731 - converted once
        converters.append(convert)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    attnames = [(field.attname, convert) for field, convert in zip(fields, converters, strict=True)]
    if connection.vendor == "postgresql":
        _copy(objs, meta, fields, attnames)
        return
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params
    size = min(batch_size, limit // len(fields)) if limit else batch_size
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        for part in _chunks(objs, size):
            params = []
            for obj in part:
                values = obj.__dict__
                for attname, convert in attnames:
                    value = values[attname]
                    params.append(value if convert is None or value is None else convert(value))
            values_sql = ", ".join([marks] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values_sql} "  # noqa: S608 - model's names
                f"RETURNING {quote(meta.pk.column)}",
                params,
            )
            for obj, (pk,) in zip(part, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def _copy(objs, meta, fields, attnames) -> None:
    """PostgreSQL: primary keys drawn from the table's sequence, then COPY (the fastest way in;
    a multi-row INSERT of thousands of parameters is slow for psycopg to build)."""
    quote = connection.ops.quote_name
    pk_column = meta.pk.column
    columns = ", ".join(quote(field.column) for field in [meta.pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk_column, len(objs)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        alias = connection.alias
        with cursor.cursor.copy(statement) as copy:
            for obj, pk in zip(objs, pks, strict=True):
                values = obj.__dict__
                row = [pk]
                for attname, convert in attnames:
                    value = values[attname]
                    row.append(value if convert is None or value is None else convert(value))
                copy.write_row(row)
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = alias


def _converter(field) -> Callable | None:
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return functools.partial(field.get_db_prep_save, connection=connection)
    return None


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def masked_cells(rejected: RejectedRow) -> list:
    return mask_value(json.loads(decrypt(rejected.cells_encrypted, CELLS_PURPOSE) or "[]"))
