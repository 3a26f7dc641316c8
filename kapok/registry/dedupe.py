"""Deduplication: one human is one Person, across rosters and within one.

    result = find_duplicates(actor=user)                        # the whole registry
    result = find_duplicates(new=people_it_brought, actor=user)  # after an import
    result.compared, result.merged, result.to_review   # pairs scored, merged now, queued

Exact matching on the ID number happens at import (a unique keyed hash). What is left are the
records without a usable ID number (young children, IDs Excel damaged): each is compared with
every plausible record, with or without an ID, by a Fellegi-Sunter model run by Splink on an
in-process DuckDB. Two records that both carry an ID number are never compared: different ID
numbers are different people.

Plausible (``BLOCKING_RULES``): the two records share a blocking key, their community, one of
their phones (any of them, not only the first), the full pinyin of the name, or the birth date
with the name's initials. Splink links the new records without an ID number with all the
records on those keys, one row per key (``arrays_to_explode``), so that the joins only ever pair
a record without an ID number: in a city of a million people, a few percent of them without one,
that is some 35 million candidate pairs instead of the hundreds of millions every two neighbours
of a big community would make. Of those, a pair is scored only if its best possible score still
reaches the review threshold (``hopeful``, worked out on cheap columns in the join): a pair in a
thousand on a city registry, and the pairs kept are the same.

Incremental runs: ``find_duplicates(new=pks, actor=...)`` with the pks of the people an import
has just created or changed. Only pairs with at least one side in ``new`` are scored (and still
never two records that both carry an ID number), and only those people and the ones that could
pair with them (same community, a shared phone, a name with the same initials, ...) are read
from the database, so that an import of 5,000 rows into a registry of a million people does not
score the whole city again. The pairs it merges or queues, and their probabilities, are the ones a
full run would give for these people; pairs among older records wait for a full run
(``kapok dedupe``).

The model's m and u probabilities are fixed priors (below, with their reasons), so that the result
is deterministic and sensible on a registry of a hundred people as on a million; on a large
registry (``U_SAMPLE_MIN`` people and more) the u probabilities are re-estimated from random
pairs of a seeded sample of the registry: the same sample whichever people are compared, so that
an incremental run scores a pair as a full run does. The prior that two random records match is
1 / (2n) for a registry of n people (at most 1 in 500): a record without an ID number has about an
even chance of being somebody already in the registry.

Pairs at or above ``auto_threshold`` are merged at once (kept: the record with an ID number, else
the older record; a record that took in another in a run is not merged in turn before the next
run); pairs in [``review_threshold``, ``auto_threshold``) become a DuplicateCandidate for a person
to decide. Running it again proposes nothing twice and never a pair decided DISTINCT. A merge
moves memberships and household links and can be undone exactly.

What leaves the database for DuckDB: names, their pinyin and initials, birth dates, sex, community
codes, address text and household ids; never an ID number, and phones only as numbers given out
for the run (equal phones, equal numbers) that mean nothing outside it.
"""

import gc
import json
import logging
import math
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import product

from django.db import connection, transaction
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PHRASES_DICT, RE_HANS

from kapok.audit.actions import log_action
from kapok.regions.models import Region
from kapok.registry.identity import SURNAME_INITIALS, normalize_name, pinyin_initials
from kapok.registry.models import (
    DuplicateCandidate,
    Household,
    HouseholdMember,
    Membership,
    Person,
    PersonMerge,
)

__all__ = [
    "DedupeError",
    "DedupeResult",
    "find_duplicates",
    "mark_distinct",
    "merge_people",
    "undo_merge",
]

logger = logging.getLogger(__name__)

# The prior that two records are one human is 1 / (2n), but never above this: on a registry of a
# handful of people 1 / (2n) would let a shared phone and address outweigh different names.
MAX_PRIOR = 0.002
SEED = 20220428
# From this many people on, u probabilities are estimated from the data by random sampling,
# from at most this many pairs (and at most 100 per person).
U_SAMPLE_MIN = 5000
U_MAX_PAIRS = 2_000_000
# Only the u of what is one's own is estimated so. Phones, community, address and household are
# shared by the people of one household, which random pairs do not show: estimated, their u
# would let a shared home outweigh two different names, and twins would be merged.
ESTIMATED_U = ("name", "birth_date", "sex")
# The people u is estimated from: those whose pk times the multiplier falls below a threshold
# modulo the prime. A pure function of the pk, in Python as in SQL, so that every run on the same
# registry, full or incremental, takes the same people; 618034 / 1000003 is close to the golden
# ratio, which spreads the chosen pks evenly.
SAMPLE_MULTIPLIER = 618_034
SAMPLE_MODULUS = 1_000_003
# Fields of the kept record that a merge fills from the merged one when they are blank.
FILLABLE = ["sex", "birth_date", "residence_region", "compound", "address", "hukou_region"]
# Rows read from the database at a time, and handed to DuckDB at a time.
CHUNK = 20_000
BATCH = 65_536
# DuckDB's threads. The result does not depend on them: blocking and scoring are set
# operations, each pair scored on its own; u is estimated from counts over pairs that a hash of
# their pks chooses; and the pairs are sorted before anything is decided.
THREADS = max(1, min(4, os.cpu_count() or 1))
# Automatic merges committed together: fewer commits, and the database is not held for long.
MERGES_PER_TRANSACTION = 200

# Each record's role in a run. A new record without an ID number (ANCHOR) is compared with every
# plausible record; a new record with one (NEW_WITH_ID) only with those without one, new
# (ANCHOR) or older (OLD_WITHOUT_ID); older records are not compared with each other. In a full
# run every record is new.
ANCHOR, NEW_WITH_ID, OLD_WITHOUT_ID, OLD_WITH_ID = "a", "b", "c", "d"
# Blocking: Splink links the new records (the left side, l) with all the records read (r) on the
# keys they share, one row per key (arrays_to_explode): the community, the birth date with the
# initials, the pinyin of the name, and every phone (not only the first). The left side holds
# the anchors and, when there are older records without an ID number, the new records with one:
# the joins never pair two records that both have an ID number, nor every two neighbours of a big
# community. A pair of anchors is taken once, from the lower pk.
BLOCKING_RULES = (
    f"l.role = '{ANCHOR}' AND l.blocking_keys = r.blocking_keys AND l.unique_id <> r.unique_id "
    f"AND (r.role <> '{ANCHOR}' OR l.unique_id < r.unique_id) AND hopeful(l.sketch, r.sketch)",
    f"l.role = '{NEW_WITH_ID}' AND r.role = '{OLD_WITHOUT_ID}' "
    "AND l.blocking_keys = r.blocking_keys AND hopeful(l.sketch, r.sketch)",
)
# What is read of a person.
FIELDS = (
    "pk",
    "has_id",
    "name",
    "name_initials",
    "birth_text",
    "sex",
    "phones_text",
    "residence_region_id",
    "address",
)


class DedupeError(ValueError):
    pass


@dataclass
class DedupeResult:
    """compared: the pairs scored (sharing a blocking key, and hopeful); merged, to_review: the
    merges made (merges) and the possible duplicates queued (candidates)."""

    compared: int = 0
    merged: int = 0
    to_review: int = 0
    seconds: float = 0.0
    merges: list = field(default_factory=list)
    candidates: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "compared": self.compared,
            "merged": self.merged,
            "to_review": self.to_review,
            "seconds": round(self.seconds, 3),
        }


# What is compared


@lru_cache(maxsize=65_536)
def _char_pinyin(char: str) -> str:
    return "".join(lazy_pinyin(char, style=Style.NORMAL, errors="ignore"))


# The first two characters of pypinyin's phrases: a name with none of them has no phrase.
_PHRASE_STARTS = frozenset(phrase[:2] for phrase in PHRASES_DICT if len(phrase) >= 2)


@lru_cache(maxsize=65_536)
def name_pinyin(name: str) -> str:
    """Full toneless pinyin: 张三明 and 张三名 are both "zhang san ming"."""
    return _name_pinyin(name)


def _name_pinyin(name: str) -> str:
    """pypinyin reads a name by its words; a name none of whose runs of two characters or more
    is a word of its phrase dictionary is read character by character, which is the same reading
    from the characters' own cache, several times faster (a registry has hundreds of thousands
    of distinct names)."""
    if RE_HANS.fullmatch(name) and not _has_phrase(name):
        syllables = [_char_pinyin(char) for char in name]
        return " ".join(syllable for syllable in syllables if syllable).lower()
    return " ".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")).lower()


def _has_phrase(name: str) -> bool:
    length = len(name)
    for start in range(length - 1):
        if name[start : start + 2] in _PHRASE_STARTS:
            for end in range(start + 2, length + 1):
                if name[start:end] in PHRASES_DICT:
                    return True
    return False


# Administrative prefixes that some rosters write and others leave out.
ADDRESS_PREFIX = re.compile(
    r"^(?:广东省|[\u4e00-\u9fff]{2,3}市|[\u4e00-\u9fff]{1,4}区|[\u4e00-\u9fff]{1,5}街道|"
    r"[\u4e00-\u9fff]{1,4}镇)"
)
SPACES = re.compile(r"\s+")
# A name of these characters alone is as normalize_name leaves it.
HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def normalize_address(address: str, street_names=()) -> str:
    text = SPACES.sub("", address or "")
    while True:
        stripped = ADDRESS_PREFIX.sub("", text, count=1)
        for street in street_names:  # 南石头街 written without 道
            if street and stripped.startswith(street):
                stripped = stripped[len(street) :]
        if stripped == text:
            return text
        text = stripped


def _people(queryset):
    """Chunks of the rows of ``queryset`` that deduplication reads (FIELDS), straight from a
    cursor (a server-side one on PostgreSQL), without model instances or field converters:
    birth dates as ISO text, phones as JSON text."""
    sql, params = (
        queryset.annotate(
            has_id=ExpressionWrapper(~Q(id_number_hash=""), output_field=BooleanField()),
            birth_text=Cast("birth_date", CharField()),
            phones_text=Cast("phones", TextField()),
        )
        .values_list(*FIELDS)
        .query.sql_with_params()
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows


@contextmanager
def _collector_paused():
    """Loading makes millions of small tuples and lists that live until the run ends: the
    cyclic garbage collector would walk the growing heap again and again for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rows(queryset) -> list[tuple]:
    return [row for chunk in _people(queryset) for row in chunk]


def _rows_of(queryset, fields) -> list[tuple]:
    """``fields`` of queryset straight from the cursor; birth_text: the birth date as ISO."""
    sql, params = (
        queryset.annotate(birth_text=Cast("birth_date", CharField()))
        .values_list(*fields)
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _chunks(values, size: int):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _in_list_size() -> int:
    """How many values a query's IN (...) may hold: SQLite from 3.32 takes 32,766 parameters
    (Django assumes the 999 of older versions)."""
    if connection.vendor == "sqlite":
        import sqlite3

        return 20_000 if sqlite3.sqlite_version_info >= (3, 32) else 900
    return connection.features.max_query_params or 20_000


class _Records:
    """The records handed to DuckDB, a chunk of rows at a time into Arrow batches, column by
    column; every name, pinyin, address and phone is worked out once per distinct value."""

    def __init__(self):
        import pyarrow as pa

        self._pa = pa
        self.schema = pa.schema(
            [
                ("unique_id", pa.int64()),
                ("has_id", pa.int8()),
                ("name", pa.string()),
                ("name_pinyin", pa.string()),
                ("initials", pa.string()),
                ("birth_date", pa.string()),  # ISO, a date in DuckDB
                ("sex", pa.string()),
                ("phones", pa.list_(pa.int64())),
                ("phone_bits", pa.int64()),
                ("community", pa.string()),
                ("address", pa.string()),
                ("role", pa.string()),
            ]
        )
        self.batches = []
        self.count = 0
        self.roles = dict.fromkeys((ANCHOR, NEW_WITH_ID, OLD_WITHOUT_ID, OLD_WITH_ID), 0)
        self._names: dict[str, tuple[str, str]] = {}
        self._initials: dict[str, str] = {}
        self._addresses: dict[tuple, str | None] = {}
        self._phones: dict[str, int] = {}
        self._streets = {
            code: (street, street.removesuffix("道"))
            for code, street in Region.objects.filter(parent__isnull=False).values_list(
                "code", "parent__name"
            )
        }

    def name(self, raw: str) -> tuple[str, str]:
        """(normalised name, pinyin) of a name as stored."""
        known = self._names.get(raw)
        if known is None:
            name = raw if raw and HAN_ONLY.fullmatch(raw) else normalize_name(raw) if raw else ""
            known = self._names[raw] = (name, _name_pinyin(name))
        return known

    def initials(self, stored: str, name: str) -> str:
        """The initials stored with a name, else worked out from it."""
        if stored:
            return stored
        if name not in self._initials:
            self._initials[name] = pinyin_initials(name)
        return self._initials[name]

    def address(self, address: str, community: str | None) -> str | None:
        key = (address, community)
        known = self._addresses.get(key, False)
        if known is False:
            streets = self._streets.get(community, ()) if community else ()
            known = self._addresses[key] = normalize_address(address, streets) or None
        return known

    def phones(self, text: str | None) -> tuple[list[int] | None, int | None]:
        """(sorted numbers of the phones of a JSON list, their 61-bit signature)."""
        if not text or text == "[]":
            return None, None
        # ["138…", "139…"] as json.dumps and PostgreSQL write it, without escapes: split.
        phones = text[2:-2].split('", "')
        if text[:2] != '["' or text[-2:] != '"]' or "\\" in text or '"' in "".join(phones):
            phones = json.loads(text)
        tokens = self._phones
        numbers = sorted({tokens.setdefault(phone, len(tokens) + 1) for phone in phones if phone})
        if not numbers:
            return None, None
        bits = 0
        for number in numbers:
            bits |= 1 << (number % 61)
        return numbers, bits

    def add(self, rows: list[tuple], roles: list[str]) -> None:
        """Rows of _people(), each with its role."""
        if not rows:
            return
        pks, has_ids, names, initials, births, sexes, phones, communities, addresses = zip(
            *rows, strict=True
        )
        known = self._names
        named = [known.get(raw) or self.name(raw) for raw in names]
        phoned = [self.phones(text) for text in phones]
        columns = [
            pks,
            [1 if has_id else 0 for has_id in has_ids],
            [name or None for name, _pinyin in named],
            [pinyin_text or None for _name, pinyin_text in named],
            [
                stored or self.initials("", name) or None
                for stored, (name, _pinyin) in zip(initials, named, strict=True)
            ],
            births,
            [sex or None for sex in sexes],
            [numbers for numbers, _bits in phoned],
            [bits for _numbers, bits in phoned],
            communities,
            [
                self.address(address, community)
                for address, community in zip(addresses, communities, strict=True)
            ],
            roles,
        ]
        self.batches.append(self._pa.RecordBatch.from_arrays(columns, schema=self.schema))
        self.count += len(rows)
        for role in roles:
            self.roles[role] += 1

    def table(self):
        return self._pa.Table.from_batches(self.batches, schema=self.schema)


def _sample_threshold(n: int) -> int:
    """The people u is estimated from are those with pk * SAMPLE_MULTIPLIER % SAMPLE_MODULUS
    below this: about as many as give ``U_MAX_PAIRS`` pairs (or 100 per person), everyone on a
    small registry."""
    max_pairs = _u_max_pairs(n)
    people = (1 + math.sqrt(1 + 8 * max_pairs)) / 2
    return min(SAMPLE_MODULUS, math.ceil(SAMPLE_MODULUS * people / n))


def _u_max_pairs(n: int) -> float:
    return min(U_MAX_PAIRS, n * 100)


# Who could pair with the new people (incremental runs)


@lru_cache(maxsize=256)
def _surname_readings(surname: str) -> set[tuple[str, ...]]:
    readings = pinyin(surname, style=Style.NORMAL, heteronym=True, errors="ignore")
    return set(product(*readings)) if len(readings) == len(surname) else set()


def _initials_variants(pinyin_text: str, initials: str) -> set[str]:
    """The initials a name read ``pinyin_text`` may be stored with: the first letters of its
    syllables, and the surname exceptions of pinyin_initials (区 is read qu, its initial is o)."""
    syllables = pinyin_text.split()
    letters = "".join(syllable[0] for syllable in syllables)
    variants = {initials, letters} - {""}
    for surname, surname_initials in SURNAME_INITIALS.items():
        if tuple(syllables[: len(surname)]) in _surname_readings(surname):
            variants.add(surname_initials + letters[len(surname) :])
    return variants


def _sharing_a_phone(registry, anchor_phones: set[str], id_phones: set[str]) -> set[int]:
    """The pks of ``registry`` with one of ``anchor_phones``, or without an ID number and with
    one of ``id_phones``. There is no index on phones: the database reads the column through
    (once), without returning it."""
    found = set()
    if connection.vendor == "postgresql":
        for phones, partners in (
            (anchor_phones, registry),
            (id_phones, registry.filter(id_number_hash="")),
        ):
            for chunk in _chunks(sorted(phones), _in_list_size()):
                # ?| on a jsonb array: is any of these strings an element of it.
                found.update(
                    partners.filter(phones__has_any_keys=chunk).values_list("pk", flat=True)
                )
        return found
    # SQLite: has_any_keys looks at object keys, json_each at the array's elements.
    sql, params = registry.order_by().values("pk").query.sql_with_params()
    table = connection.ops.quote_name(Person._meta.db_table)
    for chunk in _chunks(sorted(anchor_phones | id_phones), _in_list_size()):
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                "SELECT DISTINCT p.id, p.id_number_hash = '', phone.value "  # noqa: S608 - no value in the text
                f"FROM {table} p, json_each(p.phones) AS phone "
                f"WHERE phone.value IN ({placeholders}) AND p.id IN ({sql})",
                [*chunk, *params],
            )
            for pk, without_id, phone in cursor.fetchall():
                if phone in anchor_phones or (without_id and phone in id_phones):
                    found.add(pk)
    return found


def _partners(registry, new_rows: list[tuple], records: _Records, *, births=None) -> set[int]:
    """The pks of the people of ``registry`` that a blocking key could pair with one of the new
    people: any record sharing a key with a new record without an ID number, and records
    without one sharing a key with a new record that has one. Of those who share nothing but the
    community, only the ones whose birth date is at one of the levels of ``births`` against a
    new record's of that community (_neighbour_births; None: all of them). A superset is
    harmless (the blocking rules decide); what is missed here would be missed by the run."""
    found: set[int] = set()
    anchors = [row for row in new_rows if not row[1]]
    with_id = [row for row in new_rows if row[1]]
    phones = [
        {phone for row in rows for phone in json.loads(row[6] or "[]") if phone}
        for rows in (anchors, with_id)
    ]
    found |= _sharing_a_phone(registry, *phones)
    for rows, partners in ((anchors, registry), (with_id, registry.filter(id_number_hash=""))):
        if not rows:
            continue
        found |= _neighbours(partners, rows, births, records)
        pinyins, birth_keys, initials = set(), set(), set()
        for row in rows:
            name, pinyin_text = records.name(row[2])
            own = records.initials(row[3], name)
            if pinyin_text:
                pinyins.add(pinyin_text)
                initials |= _initials_variants(pinyin_text, own)
            if row[4] is not None and own:
                birth_keys.add((row[4], own))
        # The pinyin of a name: the distinct names with the initials it may have (indexed;
        # blank initials are worked out from the name, as the run does), read here.
        initials.add("")
        names = set()
        for chunk in _chunks(sorted(initials), _in_list_size()):
            names.update(
                partners.filter(name_initials__in=chunk)
                .order_by()
                .values_list("name", flat=True)
                .distinct()
            )
        same = [name for name in names if records.name(name)[1] in pinyins]
        for chunk in _chunks(same, _in_list_size()):
            found.update(partners.filter(name__in=chunk).values_list("pk", flat=True))
        # The birth date with the initials.
        dates = sorted({birth for birth, _own in birth_keys})
        owns = sorted({own for _birth, own in birth_keys} | {""})
        for chunk in _chunks(dates, _in_list_size() - len(owns)):
            for pk, raw_name, stored, birth in _rows_of(
                partners.filter(name_initials__in=owns, birth_date__in=chunk),
                ("pk", "name", "name_initials", "birth_text"),
            ):
                if (birth, records.initials(stored, records.name(raw_name)[0])) in birth_keys:
                    found.add(pk)
    return found


def _neighbours(partners, rows: list[tuple], births, records: _Records) -> set[int]:
    """The pks of ``partners`` living in the community of one of ``rows`` (new records), with a
    birth date at one of the levels of ``births`` against one of theirs there (or the same name,
    if it has no pinyin, hence no key of its own)."""
    by_community: dict[str, list] = {}
    for row in rows:
        if row[7]:
            by_community.setdefault(row[7], []).append(row)
    found = set()
    for chunk in _chunks(sorted(by_community), _in_list_size()):
        chosen = partners.filter(residence_region_id__in=chunk).order_by()
        if births is None:
            found.update(chosen.values_list("pk", flat=True))
            continue
        unread = {}  # community: normalised names without pinyin
        for community in chunk:
            for row in by_community[community]:
                name, pinyin_text = records.name(row[2])
                if not pinyin_text:
                    unread.setdefault(community, set()).add(name)
        levels: dict[tuple, str] = {}
        for pk, community, name, birth in _rows_of(
            chosen, ("pk", "residence_region_id", "name", "birth_text")
        ):
            for row in by_community[community]:
                key = (row[4], birth)
                level = levels.get(key) or levels.setdefault(key, _birth_level(*key))
                if level in births:
                    found.add(pk)
                    break
            else:
                if community in unread and records.name(name)[0] in unread[community]:
                    found.add(pk)
    return found


def _birth_level(first: str | None, second: str | None) -> str:
    """The level of the birth_date comparison (SPEC) two ISO dates reach."""
    if first is None or second is None:
        return "missing"
    a, b = date.fromisoformat(first), date.fromisoformat(second)
    if a == b:
        return "exact"
    if abs((a - b).days) <= 31:
        return "month"
    if a.year == b.year or (a.month, a.day) == (b.month, b.day):
        return "year_or_day"
    return "different"


def _neighbour_births(estimated_u: dict | None, prior: float, review_threshold: float):
    """The birth-date levels at which two records that share nothing but their community can
    still be hopeful: every other comparison at its best but for the levels that would have
    given them another key (a shared phone, the same pinyin). None: at every level."""
    if review_threshold <= 0:
        return None
    weights = {name: dict(levels) for name, levels in _weights(estimated_u).items()}

    def best(name, *but):
        return max([0.0] + [w for label, w in weights[name].items() if label not in but])

    others = (
        best("name", "exact", "pinyin")
        + best("sex")
        + best("phone", "shared")
        + weights["residence"]["community"]
        + best("address")
        + best("household")
    )
    minimum = _threshold_weight(review_threshold) - math.log2(prior / (1 - prior))
    levels = {"missing": 0.0, **weights["birth_date"]}
    hopeful = {label for label, weight in levels.items() if others + weight >= minimum - 1e-6}
    return None if "different" in hopeful else hopeful


# The model


def _level(sql, label, m, u, null=False):
    from splink.comparison_level_library import CustomLevel, ElseLevel

    if sql == "ELSE":
        return ElseLevel().configure(m_probability=m, u_probability=u, label_for_charts=label)
    # Comparison levels name the two sides' columns name_l and name_r.
    level = CustomLevel(re.sub(r"\b([lr])\.(\w+)", r"\2_\1", sql), label_for_charts=label)
    if null:
        return level.configure(is_null_level=True)
    return level.configure(m_probability=m, u_probability=u)


def _spec() -> dict:
    """Each comparison: (null sql, [(sql, label, m, u)], (m, u) of the rest). m: how often a true
    match falls in the level (rosters are typed by hand; children's names are often misspelt by
    homophones); u: how often two different people do, in a city registry of the elderly,
    disabled and children. Shared phones and households are looked for in a 61-bit signature of
    each list first (no common bit, no common element), then in the lists.
    """
    return {
        "name": (
            "l.name IS NULL OR r.name IS NULL",
            [
                ("l.name = r.name", "exact", 0.86, 0.001),
                ("l.name_pinyin = r.name_pinyin", "pinyin", 0.08, 0.0005),
                (
                    "jaro_winkler_similarity(l.name_pinyin, r.name_pinyin) >= 0.92",
                    "close",
                    0.04,
                    0.005,
                ),
                ("l.initials = r.initials", "initials", 0.019, 0.01),
            ],
            # A wholly different name is almost never the same human, whatever else agrees:
            # people of one household share a phone and an address.
            (0.001, 0.9835),
        ),
        "birth_date": (
            "l.birth_date IS NULL OR r.birth_date IS NULL",
            [
                ("l.birth_date = r.birth_date", "exact", 0.9, 0.0001),
                ("abs(date_diff('day', l.birth_date, r.birth_date)) <= 31", "month", 0.03, 0.003),
                (
                    "year(l.birth_date) = year(r.birth_date) OR (month(l.birth_date) = "
                    "month(r.birth_date) AND day(l.birth_date) = day(r.birth_date))",
                    "year_or_day",
                    0.03,
                    0.02,
                ),
            ],
            (0.04, 0.9769),
        ),
        "sex": (
            "l.sex IS NULL OR r.sex IS NULL",
            [("l.sex = r.sex", "exact", 0.95, 0.5)],
            (0.05, 0.5),
        ),
        "phone": (
            "l.phones IS NULL OR r.phones IS NULL",
            [
                (
                    "(l.phone_bits & r.phone_bits) <> 0 "
                    "AND len(list_intersect(l.phones, r.phones)) > 0",
                    "shared",
                    0.6,
                    0.01,
                )
            ],
            (0.4, 0.99),
        ),
        "residence": (
            "l.community IS NULL OR r.community IS NULL",
            [
                ("l.community = r.community", "community", 0.85, 0.05),
                ("l.street = r.street", "street", 0.1, 0.2),
            ],
            (0.05, 0.75),
        ),
        "address": (
            "l.address IS NULL OR r.address IS NULL",
            [
                (
                    "l.address = r.address OR (least(length(l.address), length(r.address)) >= 6 "
                    "AND (suffix(l.address, r.address) OR suffix(r.address, l.address)))",
                    "exact",
                    0.6,
                    0.01,
                ),
                ("jaro_winkler_similarity(l.address, r.address) >= 0.9", "close", 0.25, 0.03),
            ],
            (0.15, 0.96),
        ),
        "household": (
            "l.households IS NULL OR r.households IS NULL",
            [
                (
                    "(l.household_bits & r.household_bits) <> 0 "
                    "AND len(list_intersect(l.households, r.households)) > 0",
                    "shared",
                    0.2,
                    0.002,
                )
            ],
            (0.8, 0.998),
        ),
    }


def _comparisons(estimated_u: dict | None = None, only=None):
    """Splink's comparisons (SPEC), with ``estimated_u`` ({comparison: {level: u}}) instead of
    those u; ``only`` names the comparisons wanted (default: all). Returns (comparisons, the
    labels of their levels by Splink's number)."""
    from splink.comparison_library import CustomComparison

    comparisons, labels = [], {}
    for name, (null_sql, levels, (else_m, else_u)) in _spec().items():
        if only is not None and name not in only:
            continue
        u_of = (estimated_u or {}).get(name, {})
        creators = [_level(null_sql, "null", None, None, null=True)]
        creators += [_level(sql, label, m, u_of.get(label, u)) for sql, label, m, u in levels]
        creators.append(_level("ELSE", "different", else_m, u_of.get("different", else_u)))
        comparisons.append(CustomComparison(creators, output_column_name=name))
        # Splink numbers the levels from the most alike (highest) to ELSE (0), null is -1.
        ordered = [label for _sql, label, _m, _u in levels] + ["different"]
        labels[name] = {len(ordered) - 1 - i: label for i, label in enumerate(ordered)}
        labels[name][-1] = "missing"
    return comparisons, labels


# A pair is scored only if it is hopeful: if its match weight can still reach the review
# threshold, its comparisons' levels told apart on each record's sketch (hashes, day numbers, bit
# signatures: RECORDS_SQL) as far as they can be, and taken at their best where not (similar
# strings). On a city registry most pairs of one community are two different names and two
# different birth dates: they are dropped in the join instead of being scored by Splink. The
# pairs kept and their scores are the same.
SAME, IMPLIED = "same", "implied"
# What the test looks at instead of a level's own SQL: the same condition on the sketches, or one
# the level implies (equal hashes, a common bit). Levels not named are taken at their best.
HOPEFUL_LEVELS = {
    ("name", "null"): ("l.name_hash IS NULL OR r.name_hash IS NULL", SAME),
    ("name", "exact"): ("l.name_hash = r.name_hash", IMPLIED),
    ("name", "pinyin"): ("l.pinyin_hash = r.pinyin_hash", IMPLIED),
    ("name", "initials"): ("l.initials_hash = r.initials_hash", IMPLIED),
    ("birth_date", "null"): ("l.birth_day IS NULL OR r.birth_day IS NULL", SAME),
    ("birth_date", "exact"): ("l.birth_day = r.birth_day", SAME),
    ("birth_date", "month"): ("abs(l.birth_day - r.birth_day) <= 31", SAME),
    ("birth_date", "year_or_day"): (
        "l.birth_year = r.birth_year OR l.birth_month_day = r.birth_month_day",
        SAME,
    ),
    ("sex", "null"): ("l.sex IS NULL OR r.sex IS NULL", SAME),
    ("sex", "exact"): ("l.sex = r.sex", SAME),
    ("phone", "null"): ("l.phone_bits IS NULL OR r.phone_bits IS NULL", SAME),
    ("phone", "shared"): ("(l.phone_bits & r.phone_bits) <> 0", IMPLIED),
    ("residence", "null"): ("l.community IS NULL OR r.community IS NULL", SAME),
    ("residence", "community"): ("l.community = r.community", SAME),
    ("residence", "street"): ("l.street = r.street", SAME),
    ("address", "null"): ("l.address_hash IS NULL OR r.address_hash IS NULL", SAME),
    ("household", "null"): ("l.household_bits IS NULL OR r.household_bits IS NULL", SAME),
    ("household", "shared"): ("(l.household_bits & r.household_bits) <> 0", IMPLIED),
}
# The comparisons the test looks at first: their sketches are whole numbers.
COARSE = ("name", "birth_date", "phone", "household")


def _weights(estimated_u: dict | None) -> dict:
    """{comparison: [(level label, match weight)], "different" last}: the weights log2(m / u)
    Splink gives the levels."""
    weights = {}
    for name, (_null_sql, levels, (else_m, else_u)) in _spec().items():
        u_of = (estimated_u or {}).get(name, {})
        weights[name] = [
            (label, math.log2(m / u_of.get(label, u))) for _sql, label, m, u in levels
        ] + [("different", math.log2(else_m / u_of.get("different", else_u)))]
    return weights


def _hopeful_macro(estimated_u: dict | None, prior: float, review_threshold: float) -> str:
    """The DuckDB macro hopeful(l.sketch, r.sketch): true if the pair's match weight may reach
    the review threshold (HOPEFUL_LEVELS)."""
    if review_threshold <= 0:
        return "CREATE MACRO hopeful(l, r) AS true"
    terms, coarse = [], []
    for name, levels in _weights(estimated_u).items():
        best = repr(levels[-1][1])
        for label, weight in reversed(levels[:-1]):
            sql, kind = HOPEFUL_LEVELS.get((name, label), (None, None))
            if sql is None:
                best = f"greatest({weight!r}, {best})"
            elif kind == SAME:
                best = f"CASE WHEN {sql} THEN {weight!r} ELSE {best} END"
            else:
                best = f"CASE WHEN {sql} THEN greatest({weight!r}, {best}) ELSE {best} END"
        null_sql, _kind = HOPEFUL_LEVELS[(name, "null")]
        term = f"(CASE WHEN {null_sql} THEN 0 ELSE {best} END)"
        terms.append(term)
        # First on whole numbers alone, the rest of the comparisons at their best.
        coarse.append(term if name in COARSE else repr(max(0.0, *(w for _l, w in levels))))
    minimum = repr(_threshold_weight(review_threshold) - math.log2(prior / (1 - prior)))
    return (
        f"CREATE MACRO hopeful(l, r) AS CASE WHEN {' + '.join(coarse)} >= {minimum} "
        f"THEN {' + '.join(terms)} >= {minimum} ELSE false END"
    )


def _threshold_weight(review_threshold: float) -> float | None:
    """The match weight of the review threshold, a little lower: the probability is checked
    again on the pairs scored."""
    if review_threshold <= 0:
        return None
    if review_threshold >= 1:
        return 50.0  # a probability that rounds to 1
    return math.log2(review_threshold / (1 - review_threshold)) - 1e-6


# The records as DuckDB holds them for Splink: households as a list, the blocking keys, and the
# sketch the hopeful test looks at (a hash is NULL with what it
# hashes; bit signatures: one of 61 bits per phone or household).
RECORDS_SQL = """
CREATE TABLE {target} AS
SELECT p.unique_id, p.has_id, p.name, p.name_pinyin, p.initials, p.birth_date, p.sex,
       p.phones, p.phone_bits, p.community, left(p.community, 9) AS street, p.address,
       h.households, h.household_bits, p.role,
       list_filter(
           ['c:' || p.community, 'b:' || p.birth_date || ':' || p.initials,
            'n:' || p.name_pinyin],
           lambda key: key IS NOT NULL
       ) || coalesce(list_transform(p.phones, lambda phone: 'p:' || phone), [])
           AS blocking_keys,
       struct_pack(
           name_hash := if(p.name IS NULL, NULL, hash(p.name)),
           pinyin_hash := if(p.name_pinyin IS NULL, NULL, hash(p.name_pinyin)),
           initials_hash := if(p.initials IS NULL, NULL, hash(p.initials)),
           birth_day := date_diff('day', DATE '1970-01-01', p.birth_date),
           birth_year := year(p.birth_date),
           birth_month_day := month(p.birth_date) * 100 + day(p.birth_date),
           sex := p.sex,
           phone_bits := p.phone_bits,
           community := p.community,
           street := left(p.community, 9),
           address_hash := if(p.address IS NULL, NULL, hash(p.address)),
           household_bits := h.household_bits
       ) AS sketch
FROM (SELECT * REPLACE (CAST(birth_date AS DATE) AS birth_date) FROM {people}) AS p
LEFT JOIN (
    SELECT person_id, list_sort(list(household_id)) AS households,
           bit_or(1::BIGINT << (household_id % 61)) AS household_bits
    FROM {links}
    GROUP BY person_id
) AS h ON h.person_id = p.unique_id
ORDER BY p.unique_id
"""


def _links(queryset_or_pks):
    """(person_id, household_id) of the household links of a queryset of people or of pks, as
    an Arrow table."""
    import pyarrow as pa

    people, households = [], []
    if isinstance(queryset_or_pks, list):
        sources = (
            HouseholdMember.objects.filter(person_id__in=chunk)
            for chunk in _chunks(queryset_or_pks, _in_list_size())
        )
    else:
        sources = [HouseholdMember.objects.filter(person__in=queryset_or_pks.values("pk"))]
    for source in sources:
        for person_id, household_id in (
            source.order_by().values_list("person_id", "household_id").iterator(chunk_size=CHUNK)
        ):
            people.append(person_id)
            households.append(household_id)
    return pa.table(
        {
            "person_id": pa.array(people, pa.int64()),
            "household_id": pa.array(households, pa.int64()),
        }
    )


def _prior(n: int) -> float:
    return min(MAX_PRIOR, 1 / (2 * n))


def _estimated_u(registry, n: int) -> dict | None:
    """{comparison: {level: u}} of ESTIMATED_U, from random pairs of the seeded sample of the
    registry (_training), when it has U_SAMPLE_MIN people or more."""
    if n < U_SAMPLE_MIN:
        return None
    from splink import DuckDBAPI, Linker, SettingsCreator

    records, links = _training(registry, n)
    db = _duckdb()
    try:
        db.register("training_people", records)
        db.register("training_links", links)
        db.execute(
            RECORDS_SQL.format(target="training", people="training_people", links="training_links")
        )
        trainer = Linker(
            DuckDBAPI(db).register("training"),
            SettingsCreator(
                link_type="dedupe_only",
                unique_id_column_name="unique_id",
                comparisons=_comparisons(only=ESTIMATED_U)[0],
                probability_two_random_records_match=_prior(n),
            ),
            log_level=logging.WARNING,
        )
        trainer.training.estimate_u_using_random_sampling(max_pairs=_u_max_pairs(n), seed=SEED)
        return {
            comparison["output_column_name"]: {
                level["label_for_charts"]: level["u_probability"]
                for level in comparison["comparison_levels"]
                if "u_probability" in level
            }
            for comparison in trainer.misc.save_model_to_json()["comparisons"]
        }
    finally:
        db.close()


def _score(db, records, links, *, n: int, estimated_u, review_threshold: float):
    """Score the pairs of ``records`` (Arrow) that BLOCKING_RULES give, with the households of
    ``links`` and the u of ``estimated_u`` (if given). Returns (the pairs at or above
    review_threshold, the levels' labels, how many pairs were scored)."""
    from splink import DuckDBAPI, Linker, SettingsCreator
    from splink.blocking_rule_library import CustomRule

    prior = _prior(n)
    db.register("people_input", records)
    db.register("links_input", links)
    db.execute(RECORDS_SQL.format(target="records", people="people_input", links="links_input"))
    db.unregister("people_input")
    db.unregister("links_input")
    db_api = DuckDBAPI(db)
    comparisons, labels = _comparisons(estimated_u)
    db.execute(_hopeful_macro(estimated_u, prior, review_threshold))
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            CustomRule(rule, arrays_to_explode=["blocking_keys"]) for rule in BLOCKING_RULES
        ],
        probability_two_random_records_match=prior,
        # gamma_* (the level reached, for the evidence) come with the matching columns; these
        # stay in this process.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )
    db.execute(
        "CREATE TABLE new_records AS SELECT * FROM records WHERE role = ? "
        "OR (role = ? AND EXISTS (SELECT 1 FROM records WHERE role = ?))",
        [ANCHOR, NEW_WITH_ID, OLD_WITHOUT_ID],
    )
    # Splink puts on the left the dataset whose name comes first.
    linker = Linker(
        [
            db_api.register("new_records", dataset_display_name="new"),
            db_api.register("records", dataset_display_name="registry"),
        ],
        settings,
        log_level=logging.WARNING,
    )
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    ((compared,),) = db.execute(f"SELECT count(*) FROM {blocked.physical_name}").fetchall()  # noqa: S608 - Splink's table
    predictions = linker.inference.predict(
        threshold_match_weight=_threshold_weight(review_threshold)
    )
    pairs = [
        pair
        for pair in predictions.as_record_list()
        if pair["match_probability"] >= review_threshold
    ]
    return pairs, labels, compared


def _duckdb():
    import duckdb

    db = duckdb.connect(":memory:")
    db.execute(f"SET threads TO {THREADS}")
    return db


# The run


def find_duplicates(
    *,
    people=None,
    new=None,
    actor=None,
    auto_threshold: float = 0.99,
    review_threshold: float = 0.80,
) -> DedupeResult:
    """Score the plausible pairs among ``people`` (default: everyone) that involve a record
    without a usable ID number; merge the confident ones, queue the doubtful ones.

    ``new``: the pks of the people an import has just created or changed. Only pairs with at
    least one side among them are scored, and only they and the people who could pair with
    them are read; without it, every pair of the registry is (a full run, ``kapok dedupe``).
    After an import: ``find_duplicates(new=pks, actor=user)``.
    """
    started = time.monotonic()
    result = DedupeResult()
    registry = (Person.objects.all() if people is None else people).alive()
    n = registry.count()
    estimated_u = _estimated_u(registry, n)
    with _collector_paused():
        records, links = _load(
            registry, new, births=_neighbour_births(estimated_u, _prior(n), review_threshold)
        )
    roles = records.roles
    new_count = roles[ANCHOR] + roles[NEW_WITH_ID]
    comparable = (roles[ANCHOR] and records.count >= 2) or (
        roles[NEW_WITH_ID] and roles[OLD_WITHOUT_ID]
    )
    if not comparable:
        result.seconds = time.monotonic() - started
        return result
    db = _duckdb()
    try:
        pairs, labels, result.compared = _score(
            db,
            records.table(),
            links,
            n=n,
            estimated_u=estimated_u,
            review_threshold=review_threshold,
        )
    finally:
        db.close()
    del records, links
    _decide(pairs, labels, result, actor=actor, auto_threshold=auto_threshold)
    result.seconds = time.monotonic() - started
    data = {**result.as_dict(), "people": n}
    if new is not None:
        data["new"] = new_count
    log_action("registry.dedupe.run", actor=actor, data=data)
    return result


def _load(registry, new, *, births=None):
    """(the records, their household links); ``births``: see _partners."""
    records = _Records()
    if new is None:
        for rows in _people(registry.order_by("pk")):
            records.add(rows, [NEW_WITH_ID if row[1] else ANCHOR for row in rows])
        return records, _links(registry)
    new_pks = sorted({int(pk) for pk in new})
    new_rows = [
        row
        for chunk in _chunks(new_pks, _in_list_size())
        for row in _rows(registry.filter(pk__in=chunk).order_by())
    ]
    fresh = {row[0] for row in new_rows}
    partners = _partners(registry, new_rows, records, births=births) - fresh
    rows = new_rows + [
        row
        for chunk in _chunks(sorted(partners), _in_list_size())
        for row in _rows(registry.filter(pk__in=chunk).order_by())
    ]
    rows.sort(key=lambda row: row[0])
    for chunk in _chunks(rows, CHUNK):
        records.add(
            chunk,
            [
                (NEW_WITH_ID if has_id else ANCHOR)
                if pk in fresh
                else (OLD_WITH_ID if has_id else OLD_WITHOUT_ID)
                for pk, has_id, *_rest in chunk
            ],
        )
    return records, _links([row[0] for row in rows])


def _training(registry, n: int):
    """The seeded sample of the registry u is estimated from, as (records, links) in Arrow."""
    sample = _Records()
    chosen = registry.annotate(sample_bucket=F("pk") * SAMPLE_MULTIPLIER % SAMPLE_MODULUS).filter(
        sample_bucket__lt=_sample_threshold(n)
    )
    pks = []
    for rows in _people(chosen.order_by("pk")):
        sample.add(rows, [OLD_WITH_ID] * len(rows))
        pks += [row[0] for row in rows]
    return sample.table(), _links(pks)


def _decide(pairs, labels, result, *, actor, auto_threshold: float) -> None:
    """Merge the confident pairs, queue the doubtful ones: the most probable first. A record
    merged into another in this run is done with; one that took in another is not merged in
    turn until the next run (no chains of merges, each can be undone)."""
    decided = {
        (a, b): (status, pk)
        for a, b, status, pk in DuplicateCandidate.objects.values_list(
            "person_a_id", "person_b_id", "status", "pk"
        )
    }
    ranked = []
    for pair in pairs:
        a, b = sorted((int(pair["unique_id_l"]), int(pair["unique_id_r"])))
        ranked.append((float(pair["match_probability"]), a, b, pair))
    ranked.sort(key=lambda item: (-item[0], item[1], item[2]))
    order = _keeping_order(
        {pk for p, a, b, _pair in ranked if p >= auto_threshold for pk in (a, b)}
    )
    merged_away: set[int] = set()
    took_in: set[int] = set()
    merges, candidates = [], []
    for probability, a, b, pair in ranked:
        if a in merged_away or b in merged_away:
            continue
        status, candidate_pk = decided.get((a, b), (None, None))
        if status in (DuplicateCandidate.Status.DISTINCT, DuplicateCandidate.Status.MERGED):
            continue
        if probability >= auto_threshold:
            kept, merged = sorted((a, b), key=order.__getitem__)
            if merged in took_in:
                continue
            merges.append((kept, merged, candidate_pk))
            merged_away.add(merged)
            took_in.add(kept)
        elif status is None:
            candidates.append(
                DuplicateCandidate(
                    person_a_id=a,
                    person_b_id=b,
                    match_probability=probability,
                    evidence=_evidence(pair, labels),
                )
            )
    for batch in _chunks(merges, MERGES_PER_TRANSACTION):
        result.merges += _merge_many(batch, actor=actor, automatic=True)
    result.merged = len(result.merges)
    for batch in _chunks(candidates, 1000):
        result.candidates += DuplicateCandidate.objects.bulk_create(batch)
    result.to_review = len(result.candidates)


def _keeping_order(pks) -> dict:
    """A sort key per pk: the record with an ID number is kept, else the older one."""
    order = {}
    for chunk in _chunks(sorted(pks), _in_list_size()):
        order.update(
            (pk, (not has_id, created, pk))
            for pk, has_id, created in Person.objects.filter(pk__in=chunk)
            .annotate(has_id=ExpressionWrapper(~Q(id_number_hash=""), output_field=BooleanField()))
            .values_list("pk", "has_id", "created_at")
        )
    return order


def _evidence(pair: dict, labels: dict) -> dict:
    evidence = {
        name: levels.get(int(pair[f"gamma_{name}"]), "missing")
        for name, levels in labels.items()
        if f"gamma_{name}" in pair
    }
    evidence["match_weight"] = round(float(pair["match_weight"]), 2)
    return evidence


# Merging, undoing, deciding


def merge_people(*, kept, merged, actor=None, candidate=None, automatic=False) -> PersonMerge:
    """Merge ``merged`` into ``kept``: its memberships and household links move to ``kept``
    (a category ``kept`` already holds ends on the merged record instead), blank fields of
    ``kept`` are filled from it, and it is no longer counted. Undo with undo_merge()."""
    candidate_pk = candidate.pk if candidate is not None else None
    return _merge_many([(kept.pk, merged.pk, candidate_pk)], actor=actor, automatic=automatic)[0]


def _merge_many(pairs, *, actor=None, automatic=False) -> list[PersonMerge]:
    """merge_people for many (kept pk, merged pk, candidate pk or None) at once, in one
    transaction and a few queries, each merge recorded and logged as merge_people does, as if
    they were done one after the other (a record may take in several)."""
    with transaction.atomic():
        locked = Person.objects.select_for_update().in_bulk(
            {pk for kept, merged, _candidate in pairs for pk in (kept, merged)}
        )
        for kept_pk, merged_pk, _candidate in pairs:
            kept, merged = locked[kept_pk], locked[merged_pk]
            if kept.pk == merged.pk:
                raise DedupeError(_("A record cannot be merged into itself."))
            if kept.merged_into_id or merged.merged_into_id:
                raise DedupeError(_("One of these records has already been merged."))
            if kept.id_number_hash and merged.id_number_hash:
                raise DedupeError(_("Two records with different ID numbers are different people."))
        kept_of = {merged: kept for kept, merged, _candidate in pairs}
        if len(kept_of) != len(pairs) or set(kept_of) & set(kept_of.values()):
            raise DedupeError(_("One of these records has already been merged."))
        today, now = timezone.localdate(), timezone.now()
        moved = {
            merged: {
                "memberships": [],
                "ended_memberships": [],
                "household_links": [],
                "heads": [],
                "filled": [],
                "phones_added": [],
            }
            for merged in kept_of
        }
        current: dict[int, set] = {}
        for person_id, category_id in Membership.objects.filter(
            person_id__in=kept_of.values(), ended_on__isnull=True
        ).values_list("person_id", "category_id"):
            current.setdefault(person_id, set()).add(category_id)
        ended, moving = [], []
        memberships: dict[int, list] = {}
        for membership in Membership.objects.select_for_update().filter(person_id__in=kept_of):
            memberships.setdefault(membership.person_id, []).append(membership)
        for kept_pk, merged_pk, _candidate in pairs:
            held = current.setdefault(kept_pk, set())
            for membership in memberships.get(merged_pk, ()):
                membership.updated_at = now
                if membership.ended_on is None and membership.category_id in held:
                    membership.ended_on = today
                    ended.append(membership)
                    moved[merged_pk]["ended_memberships"].append(membership.pk)
                else:
                    membership.person_id = kept_pk
                    moving.append(membership)
                    moved[merged_pk]["memberships"].append(membership.pk)
                    if membership.ended_on is None:
                        held.add(membership.category_id)
        _save_fields(ended, ["ended_on", "updated_at"])
        _save_fields(moving, ["person", "updated_at"])
        kept_households: dict[int, set] = {}
        for person_id, household_id in HouseholdMember.objects.filter(
            person_id__in=kept_of.values()
        ).values_list("person_id", "household_id"):
            kept_households.setdefault(person_id, set()).add(household_id)
        links, links_of = [], {}
        for link in HouseholdMember.objects.select_for_update().filter(person_id__in=kept_of):
            links_of.setdefault(link.person_id, []).append(link)
        for kept_pk, merged_pk, _candidate in pairs:
            joined = kept_households.setdefault(kept_pk, set())
            for link in links_of.get(merged_pk, ()):
                if link.household_id not in joined:
                    link.person_id = kept_pk
                    links.append(link)
                    joined.add(link.household_id)
                    moved[merged_pk]["household_links"].append(link.pk)
        _save_fields(links, ["person"])
        households = list(Household.objects.select_for_update().filter(head_id__in=kept_of))
        for household in households:
            moved[household.head_id]["heads"].append(household.pk)
            household.head_id = kept_of[household.head_id]
            household.updated_at = now
        _save_fields(households, ["head", "updated_at"])
        for kept_pk, merged_pk, _candidate in pairs:
            kept, merged = locked[kept_pk], locked[merged_pk]
            for name in FILLABLE:
                attname = Person._meta.get_field(name).attname
                value = getattr(merged, attname)
                if getattr(kept, attname) in (None, "") and value not in (None, ""):
                    setattr(kept, attname, value)
                    moved[merged_pk]["filled"].append(name)
            added = [phone for phone in merged.phones if phone not in kept.phones]
            if added:
                kept.phones = [*kept.phones, *added]
                moved[merged_pk]["phones_added"] = added
            kept.updated_at = merged.updated_at = now
            merged.merged_into_id = kept_pk
        # The kept records, grouped by the fields they changed: an index is only written for a
        # column that changes.
        changed: dict[int, list] = {}
        for kept_pk, merged_pk, _candidate in pairs:
            changed.setdefault(kept_pk, [])
            changed[kept_pk] += moved[merged_pk]["filled"]
            if moved[merged_pk]["phones_added"]:
                changed[kept_pk].append("phones")
        groups: dict[tuple, list] = {}
        for kept_pk, fields in changed.items():
            key = (*sorted(set(fields)), "updated_at")
            groups.setdefault(key, []).append(locked[kept_pk])
        for fields, people in groups.items():
            _save_fields(people, list(fields))
        _save_fields(
            [locked[merged] for _kept, merged, _candidate in pairs], ["merged_into", "updated_at"]
        )
        decided_by = actor if actor is not None and actor.pk else None
        candidates = DuplicateCandidate.objects.select_for_update().in_bulk(
            [candidate for _kept, _merged, candidate in pairs if candidate is not None]
        )
        for candidate in candidates.values():
            candidate.status = DuplicateCandidate.Status.MERGED
            candidate.decided_by = decided_by
            candidate.decided_at = now
        _save_fields(list(candidates.values()), ["status", "decided_by", "decided_at"])
        merges = PersonMerge.objects.bulk_create(
            [
                PersonMerge(
                    kept_id=kept,
                    merged_id=merged,
                    candidate=candidates.get(candidate),
                    automatic=automatic,
                    moved=moved[merged],
                    created_by=decided_by,
                )
                for kept, merged, candidate in pairs
            ]
        )
        for merge in merges:
            merge.kept, merge.merged = locked[merge.kept_id], locked[merge.merged_id]
            done = moved[merge.merged_id]
            log_action(
                "registry.person.merged",
                actor=actor,
                obj=merge.kept,
                data={
                    "merge": merge.pk,
                    "kept": merge.kept_id,
                    "merged": merge.merged_id,
                    "automatic": automatic,
                    "memberships": len(done["memberships"]),
                    "ended_memberships": len(done["ended_memberships"]),
                    "household_links": len(done["household_links"]),
                    "filled": done["filled"],
                },
            )
        return merges


def _save_fields(objects: list, fields: list[str]) -> None:
    """Write ``fields`` of ``objects`` (of one model), one UPDATE per object in a single
    executemany: what bulk_update does, without the CASE expressions that cost it more than the
    writes on a batch of merges."""
    if not objects:
        return
    meta = type(objects[0])._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 - names from the model
        quote(meta.db_table),
        ", ".join(f"{quote(column.column)} = %s" for column in columns),
        quote(meta.pk.column),
    )
    rows = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def undo_merge(*, merge, actor) -> PersonMerge:
    """Put everything back as it was before ``merge``. The pair is then recorded as not the same
    person, so that deduplication does not merge it again."""
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise DedupeError(_("This merge has already been undone."))
        locked = Person.objects.select_for_update().in_bulk([merge.kept_id, merge.merged_id])
        kept, merged = locked[merge.kept_id], locked[merge.merged_id]
        moved = merge.moved
        Membership.objects.filter(pk__in=moved.get("memberships", []), person=kept).update(
            person=merged, updated_at=timezone.now()
        )
        Membership.objects.filter(pk__in=moved.get("ended_memberships", []), person=merged).update(
            ended_on=None, updated_at=timezone.now()
        )
        HouseholdMember.objects.filter(pk__in=moved.get("household_links", []), person=kept).update(
            person=merged
        )
        Household.objects.filter(pk__in=moved.get("heads", []), head=kept).update(
            head=merged, updated_at=timezone.now()
        )
        for name in moved.get("filled", []):
            attname = Person._meta.get_field(name).attname
            if getattr(kept, attname) == getattr(merged, attname):
                setattr(
                    kept, attname, None if attname.endswith("_id") or name == "birth_date" else ""
                )
        added = set(moved.get("phones_added", []))
        kept.phones = [phone for phone in kept.phones if phone not in added]
        kept.save()
        merged.merged_into = None
        merged.save(update_fields=["merged_into", "updated_at"])
        now = timezone.now()
        merge.undone_at = now
        merge.undone_by = actor if actor is not None and actor.pk else None
        merge.save(update_fields=["undone_at", "undone_by"])
        a, b = sorted((kept.pk, merged.pk))
        DuplicateCandidate.objects.update_or_create(
            person_a_id=a,
            person_b_id=b,
            defaults={
                "status": DuplicateCandidate.Status.DISTINCT,
                "decided_by": merge.undone_by,
                "decided_at": now,
            },
            create_defaults={
                "match_probability": 1.0,
                "status": DuplicateCandidate.Status.DISTINCT,
                "decided_by": merge.undone_by,
                "decided_at": now,
            },
        )
        log_action(
            "registry.person.merge_undone",
            actor=actor,
            obj=kept,
            data={"merge": merge.pk, "kept": kept.pk, "merged": merged.pk},
        )
        return merge


def mark_distinct(*, candidate, actor) -> DuplicateCandidate:
    """A person decided the two records are different people: never propose them again."""
    with transaction.atomic():
        candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.status != DuplicateCandidate.Status.PENDING:
            raise DedupeError(_("This pair has already been decided."))
        candidate.status = DuplicateCandidate.Status.DISTINCT
        candidate.decided_by = actor if actor is not None and actor.pk else None
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        log_action(
            "registry.duplicate.marked_distinct",
            actor=actor,
            obj=candidate,
            data={"person_a": candidate.person_a_id, "person_b": candidate.person_b_id},
        )
        return candidate
