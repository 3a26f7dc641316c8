"""Region look-up: kapok.regions.lookup.find_region (an in-memory index) against the database.

Two alternatives, both plain SQL through Django's cursor on indexed columns, no cache:

* the same resolution rules with every index probe made a query (identical answers, checked);
* one query per look-up (code = …, or name prefix): a lower bound for any database look-up,
  cheaper than a correct one because it does not resolve qualified names (白云区松洲街螺涌).
"""

import random
from contextlib import suppress

from django.db import connection

from bench.measure import Result, compare, peak_memory, retained_memory, timed
from bench.sql import for_vendor, prefix_params
from kapok.regions.lookup import (
    DIGITS,
    SEPARATORS,
    AmbiguousRegion,
    RegionIndex,
    RegionLookupError,
    RegionNotFound,
    _Entry,
    _pad_code,
    find_region,
    get_index,
)
from kapok.regions.models import Region
from kapok.regions.names import clean, variants

BY_CODE = "SELECT code, name, level, parent_id, full_name FROM regions_region WHERE code = %s"
BY_NAME = "SELECT code, name, level, parent_id, full_name FROM regions_region WHERE name = %s"
# A name prefix, written so that the name index serves it (see bench.sql.prefix_params).
BY_PREFIX = {
    "sqlite": (
        "SELECT code, name, level, parent_id, full_name FROM regions_region "
        "WHERE name >= %s AND name < %s"
    ),
    "postgresql": (
        "SELECT code, name, level, parent_id, full_name FROM regions_region WHERE name LIKE %s"
    ),
}
ALL_ROWS = "SELECT code, name, level, parent_id, full_name FROM regions_region"


class _Probe:
    def __init__(self, cursor):
        self.cursor = cursor


class _CodeProbe(_Probe):
    def get(self, code, default=None):
        self.cursor.execute(BY_CODE, (code,))
        row = self.cursor.fetchone()
        return _Entry(*row) if row else default


class _NameProbe(_Probe):
    def get(self, name, default=()):
        self.cursor.execute(BY_NAME, (name,))
        return [_Entry(*row) for row in self.cursor.fetchall()] or default


class _VariantProbe(_Probe):
    """Regions that ``text`` is a shorter spelling of (their names start with it), each with the
    kind of suffix taken off, as RegionIndex.by_variant holds them."""

    def get(self, text, default=()):
        self.cursor.execute(for_vendor(BY_PREFIX), prefix_params(text))
        found = [
            (_Entry(*row), kind)
            for row in self.cursor.fetchall()
            for variant, kind in variants(row[1])
            if variant == text
        ]
        return found or default


class DatabaseResolver(RegionIndex):
    """Kapok's resolution rules, reading the database on every probe instead of an index."""

    def __init__(self, cursor):  # no super().__init__(): nothing is loaded into memory
        self.by_code = _CodeProbe(cursor)
        self.by_name = _NameProbe(cursor)
        self.by_variant = _VariantProbe(cursor)


def _stem(name: str) -> str:
    """The shortest spelling: 螺涌 for 螺涌社区居委会."""
    return variants(name)[-1][0]


def one_query(cursor, text: str) -> list[tuple]:
    """The cheapest database look-up: a code, or the last part's name prefix, in one query."""
    text = text.strip()
    if DIGITS.fullmatch(text):
        cursor.execute(BY_CODE, (_pad_code(text),))
        return cursor.fetchall()
    last = [part for part in SEPARATORS.split(text) if part][-1]
    stem = _stem(last)
    cursor.execute(for_vendor(BY_PREFIX), prefix_params(clean(stem)))
    return cursor.fetchall()


def spellings(rng: random.Random) -> list[tuple[str, str, str | None]]:
    """Look-ups as people type them: (kind of spelling, text, code of the region to look within)."""
    rows = {row[0]: row for row in Region.objects.values_list("code", "name", "level", "parent_id")}
    streets = [row for row in rows.values() if row[2] == Region.Level.STREET]
    communities = [row for row in rows.values() if row[2] == Region.Level.COMMUNITY]
    counts: dict[str, int] = {}
    for row in communities:
        counts[_stem(row[1])] = counts.get(_stem(row[1]), 0) + 1

    def short(name: str) -> str:  # 松洲街道 -> 松洲街; 太和镇 stays
        return name[:-1] if name.endswith("街道") else name

    texts: list[tuple[str, str, str | None]] = []
    for code, name, _level, parent in rng.sample(communities, 60):
        street = rows[parent]
        district = rows[street[3]]
        stem = _stem(name)
        texts += [
            ("community 螺涌社区", stem + ("社区" if "社区" in name else "村"), None),
            ("official 螺涌社区居委会", name, None),
            ("joined 白云区松洲街螺涌", district[1] + short(street[1]) + stem, None),
            ("path 白云区/松洲/螺涌", f"{district[1]}/{_stem(street[1])}/{stem}", None),
            ("螺涌 within a street", stem, parent),
            ("12-digit code", code, None),
        ]
    for code, name, _level, parent in rng.sample(streets, 30):
        texts += [
            ("street 松洲街", short(name), None),
            ("9-digit code", code[:9], None),
            ("joined 白云区松洲街", rows[parent][1] + short(name), None),
        ]
    ambiguous = sorted(stem for stem, count in counts.items() if count > 1)
    texts += [
        ("ambiguous 三联村", stem + "村", None)
        for stem in rng.sample(ambiguous, min(20, len(ambiguous)))
    ]
    texts += [
        ("ambiguous 三联", stem, None) for stem in rng.sample(ambiguous, min(10, len(ambiguous)))
    ]
    texts += [
        ("unknown", text, None)
        for text in ("火星社区", "不存在街道", "白云区/不存在/螺涌", "天河区松洲街", "440111999999")
    ]
    texts += [("district 白云区", text, None) for text in ("4401", "白云区", "白云")]
    rng.shuffle(texts)
    return texts


def _outcome(resolve, text: str, within: Region | None):
    try:
        return ("found", resolve(text, within=within).code)
    except AmbiguousRegion as error:
        return ("ambiguous", tuple(sorted(region.code for region in error.candidates)))
    except RegionNotFound:
        return ("not found",)


def cold() -> None:
    """Forget the spellings kapok.regions.names has worked out (it caches them), so that every
    timed run meets each spelling for the first time, as an index build or a varied stream of
    look-ups does; repeated runs would otherwise measure the cache."""
    clear = getattr(variants, "cache_clear", None)
    if clear is not None:
        clear()


def _per_kind(lookups, resolve, *, repeat: int) -> dict[str, float]:
    """Microseconds per look-up for each kind of spelling (cold, see cold())."""
    kinds: dict[str, list] = {}
    for kind, text, within in lookups:
        kinds.setdefault(kind, []).append((text, within))
    result = {}
    for kind, items in sorted(kinds.items()):

        def loop(items=items):
            for text, within in items:
                with suppress(RegionLookupError):
                    resolve(text, within=within)

        result[kind] = timed(loop, repeat=repeat, setup=cold).median / len(items) * 1e6
    return result


def run(rng: random.Random, *, repeat: int) -> list[Result]:
    mix = spellings(rng)
    within_of = {code: Region.objects.get(code=code) for _k, _t, code in mix if code}
    lookups = [(kind, text, within_of.get(code)) for kind, text, code in mix]
    cursor = connection.cursor()
    resolver = DatabaseResolver(cursor)

    def ours():
        for _kind, text, within in lookups:
            with suppress(RegionLookupError):
                find_region(text, within=within)

    def database():
        for _kind, text, within in lookups:
            with suppress(RegionLookupError):
                resolver.find(text, within=within)

    def single_query():
        for _kind, text, _within in lookups:
            one_query(cursor, text)

    get_index()  # warm: the index is built once per process (then on change or after its TTL)
    ours_outcomes = [_outcome(find_region, text, within) for _k, text, within in lookups]
    queries = []
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        database_outcomes = [_outcome(resolver.find, text, within) for _k, text, within in lookups]
    mismatches = [
        (text, mine, theirs)
        for (_k, text, _w), mine, theirs in zip(
            lookups, ours_outcomes, database_outcomes, strict=True
        )
        if mine != theirs
    ]
    outcome_counts: dict[str, int] = {}
    for outcome in ours_outcomes:
        outcome_counts[outcome[0]] = outcome_counts.get(outcome[0], 0) + 1

    ours_time, database_time, single_time = compare(
        ours, database, single_query, repeat=repeat, setup=cold
    )
    warm = timed(ours, repeat=repeat)
    peak = peak_memory(ours, setup=cold)
    notes = [
        f"{len(lookups)} spellings: {outcome_counts}",
        "spelling cache cleared before each run; with it warm (the same spellings again) ours "
        f"does {len(lookups) / warm.median:,.0f} look-ups/s",
    ]
    if mismatches:
        notes.append(f"{len(mismatches)} answers differ from the database resolver's")
    ours_by_kind = _per_kind(lookups, find_region, repeat=3)
    database_by_kind = _per_kind(lookups, resolver.find, repeat=3)
    slowest = max(ours_by_kind, key=ours_by_kind.get)
    notes.append(f"slowest kind for ours: {slowest}, {ours_by_kind[slowest]:.0f} µs per look-up")
    results = [
        Result(
            name="region look-up",
            description="find_region() on realistic spellings vs the same rules over SQL",
            unit="look-ups",
            operations=len(lookups),
            ours=ours_time,
            alternative=database_time,
            alternative_label=(
                f"database resolver, same answers ({len(queries) / len(lookups):.1f} "
                "indexed queries per look-up)"
            ),
            peak_ours=peak,
            peak_alternative=peak_memory(database, setup=cold),
            notes=notes,
            extra={
                "outcomes": outcome_counts,
                "mismatches": [list(map(str, mismatch)) for mismatch in mismatches[:20]],
                "queries_per_lookup_database": len(queries) / len(lookups),
                "ours_warm_spelling_cache": {
                    **warm.as_dict(),
                    "rate_per_s": len(lookups) / warm.median,
                },
                "microseconds_per_lookup_by_kind": {
                    kind: {"ours": ours_by_kind[kind], "database": database_by_kind[kind]}
                    for kind in ours_by_kind
                },
            },
        ),
        Result(
            name="region look-up (1-query floor)",
            description="find_region() vs one indexed SQL query per look-up (incomplete answers)",
            unit="look-ups",
            operations=len(lookups),
            ours=ours_time,
            alternative=single_time,
            alternative_label="1 indexed query per look-up: code = / name prefix",
            peak_ours=peak,
            peak_alternative=peak_memory(single_query, setup=cold),
            notes=["a lower bound: does not resolve qualified names, ambiguity or suffixes"],
        ),
    ]

    def fetch_all():
        with connection.cursor() as raw:
            raw.execute(ALL_ROWS)
            return raw.fetchall()

    build_time, fetch_time = compare(RegionIndex.build, fetch_all, repeat=repeat, setup=cold)
    warm_build = timed(RegionIndex.build, repeat=repeat)
    cold()
    index, retained, build_peak = retained_memory(RegionIndex.build)
    results.append(
        Result(
            name="region index build",
            description="RegionIndex.build() of every region vs fetching the same rows raw",
            unit="regions",
            operations=len(index.by_code),
            ours=build_time,
            alternative=fetch_time,
            alternative_label="SELECT of the same columns, fetchall()",
            peak_ours=build_peak,
            peak_alternative=peak_memory(fetch_all),
            notes=[
                f"the index (with the spelling cache it fills) holds {retained / 1024:.0f} KiB",
                f"a rebuild with the spelling cache warm takes {warm_build.median * 1e3:.0f} ms, "
                f"cold {build_time.median * 1e3:.0f} ms",
            ],
            extra={
                "retained_bytes": retained,
                "warm_spelling_cache": warm_build.as_dict(),
                "names": len(index.by_name),
                "variants": len(index.by_variant),
            },
        )
    )
    del index
    cursor.close()
    return results
