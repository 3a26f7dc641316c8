"""Deduplication: one human is one Person, across rosters and within one.

    result = find_duplicates(actor=user)
    result.compared, result.merged, result.to_review   # pairs scored, merged now, queued

Exact matching on the ID number happens at import (a unique keyed hash). What is left are the
records without a usable ID number (young children, IDs Excel damaged): each is compared with
every plausible record, with or without an ID, by a Fellegi-Sunter model run by Splink on an
in-process DuckDB. Two records that both carry an ID number are never compared: different ID
numbers are different people.

The model's m and u probabilities are fixed priors (below, with their reasons), so that the result
is deterministic and sensible on a registry of a hundred people as on a million; on a large
registry (``U_SAMPLE_MIN`` people and more) the u probabilities are re-estimated by seeded random
sampling. The prior that two random records match is 1 / (2n) (at most 1 in 500): a record
without an ID number has about an even chance of being somebody already in the registry.

Pairs at or above ``auto_threshold`` are merged at once (kept: the record with an ID number, else
the older record); pairs in [``review_threshold``, ``auto_threshold``) become a DuplicateCandidate
for a person to decide. Running it again proposes nothing twice and never a pair decided
DISTINCT. A merge moves memberships and household links and can be undone exactly.

What leaves the database for DuckDB: names, their pinyin and initials, birth dates, sex, community
codes, address text and household ids; never an ID number, and phones only as keyed hashes.
"""

import logging
import re
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from kapok.audit.actions import log_action
from kapok.registry.identity import normalize_name, pinyin_initials
from kapok.registry.models import (
    DuplicateCandidate,
    Household,
    HouseholdMember,
    Membership,
    Person,
    PersonMerge,
)
from kapok.registry.protection import blind_index

__all__ = [
    "DedupeError",
    "DedupeResult",
    "find_duplicates",
    "mark_distinct",
    "merge_people",
    "undo_merge",
]

logger = logging.getLogger(__name__)

PHONE_PURPOSE = "dedupe.phone"
# The prior that two records are one human is 1 / (2n), but never above this: on a registry of a
# handful of people 1 / (2n) would let a shared phone and address outweigh different names.
MAX_PRIOR = 0.002
SEED = 20220428
# From this many people on, u probabilities are estimated from the data by random sampling.
U_SAMPLE_MIN = 5000
# Fields of the kept record that a merge fills from the merged one when they are blank.
FILLABLE = ["sex", "birth_date", "residence_region", "compound", "address", "hukou_region"]
# Two records that both carry an ID number are never compared.
WITHOUT_ID = "(l.has_id = 0 OR r.has_id = 0)"


class DedupeError(ValueError):
    pass


@dataclass
class DedupeResult:
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


def name_pinyin(name: str) -> str:
    """Full toneless pinyin: 张三明 and 张三名 are both "zhang san ming"."""
    return " ".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")).lower()


# Administrative prefixes that some rosters write and others leave out.
ADDRESS_PREFIX = re.compile(
    r"^(?:广东省|[\u4e00-\u9fff]{2,3}市|[\u4e00-\u9fff]{1,4}区|[\u4e00-\u9fff]{1,5}街道|"
    r"[\u4e00-\u9fff]{1,4}镇)"
)


def normalize_address(address: str, street_names=()) -> str:
    text = re.sub(r"\s+", "", address or "")
    while True:
        stripped = ADDRESS_PREFIX.sub("", text, count=1)
        for street in street_names:  # 南石头街 written without 道
            if street and stripped.startswith(street):
                stripped = stripped[len(street) :]
        if stripped == text:
            return text
        text = stripped


def _records(people) -> list[dict]:
    people = people.alive().select_related("residence_region__parent")
    households: dict[int, list[str]] = {}
    links = HouseholdMember.objects.filter(person__in=people.values("pk"))
    for person_id, household_id in links.values_list("person_id", "household_id"):
        households.setdefault(person_id, []).append(str(household_id))
    records = []
    for person in people.order_by("pk"):
        name = normalize_name(person.name) if person.name else ""
        region = person.residence_region
        street_names = []
        if region is not None and region.parent is not None:
            street = region.parent.name
            street_names = [street, street.removesuffix("道")]
        phones = sorted(blind_index(phone, PHONE_PURPOSE) for phone in person.phones if phone)
        records.append(
            {
                "unique_id": person.pk,
                "has_id": 1 if person.id_number_hash else 0,
                "name": name or None,
                "name_pinyin": name_pinyin(name) or None,
                "initials": person.name_initials or pinyin_initials(name) or None,
                "birth_date": person.birth_date,
                "sex": person.sex or None,
                "phones": phones or None,
                "phone1": phones[0] if phones else None,
                "community": person.residence_region_id,
                "street": person.residence_region_id[:9] if person.residence_region_id else None,
                "address": normalize_address(person.address, street_names) or None,
                "households": sorted(households.get(person.pk, [])) or None,
                "created": person.created_at,
            }
        )
    return records


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


def _comparisons():
    """Each comparison: (name, [(sql, label, m, u)], null sql). m: how often a true match falls in
    the level (rosters are typed by hand; children's names are often misspelt by homophones); u:
    how often two different people do, in a city registry of the elderly, disabled and children.
    """
    from splink.comparison_library import CustomComparison

    spec = {
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
            [("len(list_intersect(l.phones, r.phones)) > 0", "shared", 0.6, 0.01)],
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
            [("len(list_intersect(l.households, r.households)) > 0", "shared", 0.2, 0.002)],
            (0.8, 0.998),
        ),
    }
    comparisons, labels = [], {}
    for name, (null_sql, levels, (else_m, else_u)) in spec.items():
        creators = [_level(null_sql, "null", None, None, null=True)]
        creators += [_level(sql, label, m, u) for sql, label, m, u in levels]
        creators.append(_level("ELSE", "different", else_m, else_u))
        comparisons.append(CustomComparison(creators, output_column_name=name))
        # Splink numbers the levels from the most alike (highest) to ELSE (0), null is -1.
        ordered = [label for _sql, label, _m, _u in levels] + ["different"]
        labels[name] = {len(ordered) - 1 - i: label for i, label in enumerate(ordered)}
        labels[name][-1] = "missing"
    return comparisons, labels


BLOCKING_RULES = [
    f"l.community = r.community AND {WITHOUT_ID}",
    f"l.phone1 = r.phone1 AND {WITHOUT_ID}",
    f"l.birth_date = r.birth_date AND l.initials = r.initials AND {WITHOUT_ID}",
    f"l.name_pinyin = r.name_pinyin AND {WITHOUT_ID}",
]


def _score(records: list[dict]) -> tuple[list[dict], dict]:
    import duckdb
    import pyarrow as pa
    from splink import DuckDBAPI, Linker, SettingsCreator

    comparisons, labels = _comparisons()
    n = len(records)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        probability_two_random_records_match=min(MAX_PRIOR, 1 / (2 * n)),
        # gamma_* (the level reached, for the evidence) come with the matching columns; these
        # stay in this process.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )
    connection = duckdb.connect(":memory:")
    connection.execute("SET threads TO 1")  # deterministic order and sampling
    try:
        db_api = DuckDBAPI(connection)
        rows = [{key: value for key, value in r.items() if key != "created"} for r in records]
        table = pa.Table.from_pylist(rows, schema=_schema(pa))
        linker = Linker(db_api.register(table), settings, log_level=logging.WARNING)
        if n >= U_SAMPLE_MIN:
            linker.training.estimate_u_using_random_sampling(max_pairs=min(1e7, n * 100), seed=SEED)
        pairs = linker.inference.predict().as_record_list()
    finally:
        connection.close()
    return pairs, labels


def _schema(pa):
    return pa.schema(
        [
            ("unique_id", pa.int64()),
            ("has_id", pa.int8()),
            ("name", pa.string()),
            ("name_pinyin", pa.string()),
            ("initials", pa.string()),
            ("birth_date", pa.date32()),
            ("sex", pa.string()),
            ("phones", pa.list_(pa.string())),
            ("phone1", pa.string()),
            ("community", pa.string()),
            ("street", pa.string()),
            ("address", pa.string()),
            ("households", pa.list_(pa.string())),
        ]
    )


# The run


def find_duplicates(
    *, people=None, actor=None, auto_threshold: float = 0.99, review_threshold: float = 0.80
) -> DedupeResult:
    """Score the plausible pairs among ``people`` (default: everyone) that involve a record
    without a usable ID number; merge the confident ones, queue the doubtful ones."""
    started = time.monotonic()
    result = DedupeResult()
    if people is None:
        people = Person.objects.all()
    records = _records(people)
    if not any(record["has_id"] == 0 for record in records) or len(records) < 2:
        result.seconds = time.monotonic() - started
        return result
    pairs, labels = _score(records)
    result.compared = len(pairs)
    by_id = {record["unique_id"]: record for record in records}
    decided = {
        (a, b): (status, pk)
        for a, b, status, pk in DuplicateCandidate.objects.values_list(
            "person_a_id", "person_b_id", "status", "pk"
        )
    }
    pairs = [p for p in pairs if p["match_probability"] >= review_threshold]
    pairs.sort(key=lambda p: (-p["match_probability"], p["unique_id_l"], p["unique_id_r"]))
    touched: set[int] = set()  # merged in this run: their other pairs wait for the next run
    for pair in pairs:
        a, b = sorted((int(pair["unique_id_l"]), int(pair["unique_id_r"])))
        if a in touched or b in touched:
            continue
        status, candidate_pk = decided.get((a, b), (None, None))
        if status in (DuplicateCandidate.Status.DISTINCT, DuplicateCandidate.Status.MERGED):
            continue
        probability = float(pair["match_probability"])
        if probability >= auto_threshold:
            kept, merged = _kept_and_merged(by_id[a], by_id[b])
            candidate = None
            if candidate_pk is not None:
                candidate = DuplicateCandidate.objects.get(pk=candidate_pk)
            merge = merge_people(
                kept=Person.objects.get(pk=kept),
                merged=Person.objects.get(pk=merged),
                actor=actor,
                candidate=candidate,
                automatic=True,
            )
            touched.update((a, b))
            result.merges.append(merge)
            result.merged += 1
        elif status is None:
            candidate = DuplicateCandidate.objects.create(
                person_a_id=a,
                person_b_id=b,
                match_probability=probability,
                evidence=_evidence(pair, labels),
            )
            decided[(a, b)] = (candidate.status, candidate.pk)
            result.candidates.append(candidate)
            result.to_review += 1
    result.seconds = time.monotonic() - started
    log_action(
        "registry.dedupe.run",
        actor=actor,
        data={**result.as_dict(), "people": len(records)},
    )
    return result


def _kept_and_merged(a: dict, b: dict) -> tuple[int, int]:
    """Keep the record with an ID number, else the older one."""
    first, second = sorted((a, b), key=lambda r: (-r["has_id"], r["created"], r["unique_id"]))
    return first["unique_id"], second["unique_id"]


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
    with transaction.atomic():
        locked = Person.objects.select_for_update().in_bulk([kept.pk, merged.pk])
        kept, merged = locked[kept.pk], locked[merged.pk]
        if kept.pk == merged.pk:
            raise DedupeError(_("A record cannot be merged into itself."))
        if kept.merged_into_id or merged.merged_into_id:
            raise DedupeError(_("One of these records has already been merged."))
        if kept.id_number_hash and merged.id_number_hash:
            raise DedupeError(_("Two records with different ID numbers are different people."))
        today = timezone.localdate()
        moved = {
            "memberships": [],
            "ended_memberships": [],
            "household_links": [],
            "heads": [],
            "filled": [],
            "phones_added": [],
        }
        current = set(
            Membership.objects.filter(person=kept, ended_on__isnull=True).values_list(
                "category_id", flat=True
            )
        )
        for membership in Membership.objects.select_for_update().filter(person=merged):
            if membership.ended_on is None and membership.category_id in current:
                membership.ended_on = today
                membership.save(update_fields=["ended_on", "updated_at"])
                moved["ended_memberships"].append(membership.pk)
            else:
                membership.person = kept
                membership.save(update_fields=["person", "updated_at"])
                moved["memberships"].append(membership.pk)
        kept_households = set(
            HouseholdMember.objects.filter(person=kept).values_list("household_id", flat=True)
        )
        for link in HouseholdMember.objects.select_for_update().filter(person=merged):
            if link.household_id not in kept_households:
                link.person = kept
                link.save(update_fields=["person"])
                moved["household_links"].append(link.pk)
        for household in Household.objects.select_for_update().filter(head=merged):
            household.head = kept
            household.save(update_fields=["head", "updated_at"])
            moved["heads"].append(household.pk)
        for name in FILLABLE:
            attname = Person._meta.get_field(name).attname
            if getattr(kept, attname) in (None, "") and getattr(merged, attname) not in (None, ""):
                setattr(kept, attname, getattr(merged, attname))
                moved["filled"].append(name)
        added = [phone for phone in merged.phones if phone not in kept.phones]
        if added:
            kept.phones = [*kept.phones, *added]
            moved["phones_added"] = added
        kept.save()
        merged.merged_into = kept
        merged.save(update_fields=["merged_into", "updated_at"])
        if candidate is not None:
            candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
            candidate.status = DuplicateCandidate.Status.MERGED
            candidate.decided_by = actor if actor is not None and actor.pk else None
            candidate.decided_at = timezone.now()
            candidate.save(update_fields=["status", "decided_by", "decided_at"])
        merge = PersonMerge.objects.create(
            kept=kept,
            merged=merged,
            candidate=candidate,
            automatic=automatic,
            moved=moved,
            created_by=actor if actor is not None and actor.pk else None,
        )
        log_action(
            "registry.person.merged",
            actor=actor,
            obj=kept,
            data={
                "merge": merge.pk,
                "kept": kept.pk,
                "merged": merged.pk,
                "automatic": automatic,
                "memberships": len(moved["memberships"]),
                "ended_memberships": len(moved["ended_memberships"]),
                "household_links": len(moved["household_links"]),
                "filled": moved["filled"],
            },
        )
        return merge


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
