"""Deduplication at city scale: kapok.registry.dedupe on a synthetic registry whose truth is known.

A seeded generator makes a registry as a city's would look: households (elderly people alone or
in couples, families with children, adults on their own) in Guangzhou's communities (the regions
the bench world loads, some communities several times bigger than others), common surnames and
given-name characters, birth dates, phones shared in a household, addresses. Most people carry an
ID number; young children often do not, and a few IDs are damaged. Some people appear twice or
three times, the extra records without an ID number and typed by hand on another roster: a
homophone in the name (明/名), swapped digits in the birth date, no phone or only the second one,
the address written with the city and street before it, another community of the same street.
Twins with different names are there too: same birth date, household, phone and address.

Measured, each against the rule a clerk would use (same name, birth date and community: an exact
self-join in the database, of the pairs with a record without an ID number):

- the full run, ``find_duplicates()`` over the registry;
- the incremental run after an import of 5,000 people (some of them people already registered,
  some children who now have an ID number), ``find_duplicates(new=pks)``.

Precision, recall and F1 are those of the pairs a run merges or queues for review, against the
generator's truth: pairs of records of one human, one of them at least without an ID number.
Every run is rolled back but the last full one, which the import then comes on top of.
"""

import json
import random
import re
import time
import tracemalloc
from array import array
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

from django.db import connection, transaction
from django.utils import timezone

from bench.imports import empty_registry
from bench.measure import Result, Timing, max_rss
from kapok.regions.models import Region
from kapok.registry import dedupe
from kapok.registry.dedupe import find_duplicates, name_pinyin
from kapok.registry.identity import SURNAME_INITIALS, pinyin_initials
from kapok.registry.models import Category, Person

# Guangdong's common surnames, the most common first (weighted by rank).
SURNAMES = (
    "陈李黄张梁林刘吴罗何郑杨谢郭王冯周曾邓蔡许叶朱彭苏潘钟卢胡廖赖余麦方江孔温徐陆"
    "欧区莫严甘姚丘施龙韩邱杜袁戴马孙程沈萧范汤洪骆翟卓单覃关岑谭植"
)
# Given-name characters, in groups read alike: a typo swaps one for another of its group.
GIVEN = (
    "明名铭鸣 丽莉俐利 华桦骅 伟玮炜韦 芳方 静晶菁婧 军君钧均 文雯闻 红宏鸿虹 英莹瑛 玲凌铃 "
    "敏民 杰洁捷 涛韬滔 燕艳彦雁 婷亭庭 欣新心鑫馨 宇雨语羽玉 子梓紫 涵晗含寒 轩萱宣 浩昊皓 "
    "佳家嘉 怡宜仪 晨辰臣 梅美媚 兰岚蓝 峰锋丰枫 平萍苹 志智芝 建健剑 锦金津 荣蓉容 云芸耘 "
    "珍真贞 春纯 东冬栋 勇永泳 斌彬滨 辉晖徽 飞菲非 琴勤芹 凯恺 博波 瑞睿锐 思诗丝 娟鹃涓 "
    "慧惠蕙 霞夏 秀 强 国 海 雪 凤 桂 娣 妹 顺 福 银 德 坤 添 财 有 喜 少 小 亚 伯 泉 标 彩"
)
ROADS = "新市 兴业 螺涌 黄石 广园 江南 宝华 龙津 人民 解放 东风 中山 沙河 同和 均禾 石井 大塘"
ROAD_KINDS = ("路", "街", "大道", "北路", "南路", "大街")
# How many people (quick / full), and how many an import brings.
PEOPLE = {True: 50_000, False: 1_000_000}
IMPORTED = 5_000
# Of the import: records of people already registered, typed again without an ID number; people
# registered without an ID number who now come with one; people new to the registry twice.
IMPORTED_AGAIN = 250
IMPORTED_WITH_ID_NOW = 100
IMPORTED_TWICE = 20
SOURCE = "bench-dedupe"  # the roster the synthetic memberships come from
_INSERT_PEOPLE = (
    "INSERT INTO registry_person (id, name, name_initials, id_number_encrypted, id_number_hash,"
    " id_number_masked, sex, birth_date, phones, residence_region_id, compound, address, status,"
    " notes, created_at, updated_at)"
    " VALUES (%s, %s, %s, '', %s, %s, %s, %s, {phones}, %s, '', %s, 'ALIVE', '', %s, %s)"
)
INSERT_PEOPLE = {
    "sqlite": _INSERT_PEOPLE.format(phones="%s"),
    "postgresql": _INSERT_PEOPLE.format(phones="%s::jsonb"),
}
CLERK_RULE = (
    "same name, birth date and community (an exact self-join in the database, pairs with a record"
    " without an ID number)"
)
CLERK_FULL = """
SELECT a.id, b.id FROM registry_person a
JOIN registry_person b ON b.name = a.name AND b.birth_date = a.birth_date
    AND b.residence_region_id = a.residence_region_id AND b.id > a.id
WHERE (a.id_number_hash = '' OR b.id_number_hash = '')
    AND a.status = 'ALIVE' AND a.merged_into_id IS NULL
    AND b.status = 'ALIVE' AND b.merged_into_id IS NULL
"""
CLERK_NEW = """
SELECT n.id, o.id FROM registry_person n
JOIN registry_person o ON o.name = n.name AND o.birth_date = n.birth_date
    AND o.residence_region_id = n.residence_region_id AND o.id <> n.id
WHERE n.id >= %s AND (n.id_number_hash = '' OR o.id_number_hash = '')
    AND n.status = 'ALIVE' AND n.merged_into_id IS NULL
    AND o.status = 'ALIVE' AND o.merged_into_id IS NULL
"""


@dataclass
class Human:
    """One human and what a roster writes of them."""

    number: int
    name: str
    sex: str
    birth: date | None
    community: str
    address: str
    phones: list
    has_id: bool
    household: int | None = None

    def record(self) -> dict:
        return {
            "name": self.name,
            "sex": self.sex,
            "birth": self.birth,
            "community": self.community,
            "address": self.address,
            "phones": self.phones,
            "household": self.household,
        }


class Generator:
    """Seeded humans, households and retyped records."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames = list(SURNAMES)
        self.surname_weights = [1 / (rank + 3) for rank in range(len(self.surnames))]
        self.given = [char for group in GIVEN.split() for char in group]
        self.alike = {char: group for group in GIVEN.split() for char in group if len(group) > 1}
        self.communities = list(
            Region.objects.filter(level=Region.Level.COMMUNITY)
            .order_by("code")
            .values_list("code", "parent_id", "parent__name", "parent__parent__name")
        )
        self.by_code = {community[0]: community for community in self.communities}
        # Community sizes vary: a few hold several times the mean.
        self.community_weights = [rng.lognormvariate(0, 0.6) for _ in self.communities]
        self.of_street: dict[str, list[str]] = {}
        for code, street, *_names in self.communities:
            self.of_street.setdefault(street, []).append(code)
        self.roads = {
            code: [
                rng.choice(ROADS.split()) + rng.choice(ROAD_KINDS) for _ in range(rng.randint(2, 4))
            ]
            for code, *_rest in self.communities
        }
        self.humans = 0
        self.households = 0

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.surname_weights)[0]

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def birth(self, first_year: int, last_year: int) -> date:
        start = date(first_year, 1, 1)
        return start + timedelta(days=self.rng.randrange((date(last_year, 12, 31) - start).days))

    def human(self, surname, birth, phones, where, child=False, family=()) -> Human:
        """A human; no two of one ``family`` have names that sound the same."""
        rng = self.rng
        self.humans += 1
        young = child and birth.year >= 2019
        taken = {name_pinyin(relative.name) for relative in family}
        while True:
            given = "".join(rng.choice(self.given) for _ in range(1 + (rng.random() < 0.75)))
            if name_pinyin(surname + given) not in taken:
                break
        return Human(
            number=self.humans,
            name=surname + given,
            sex=rng.choice("MF"),
            birth=birth,
            phones=phones,
            has_id=rng.random() >= (0.35 if young else 0.012),
            **where,
        )

    def household(self) -> list[Human]:
        rng = self.rng
        community = rng.choices(self.communities, self.community_weights)[0][0]
        self.households += 1
        where = {
            "community": community,
            "address": (
                f"{rng.choice(self.roads[community])}{rng.randint(1, 400)}号"
                f"{rng.randint(1, 30)}栋{rng.randint(1, 33)}{rng.randint(1, 8):02d}"
            ),
            # Half the households are on a household programme (低保) and recorded as one.
            "household": self.households if rng.random() < 0.5 else None,
        }
        home = self.phone() if rng.random() < 0.3 else None

        def phones(chance=0.85):
            own = [self.phone()] if rng.random() < chance else []
            if rng.random() < 0.15:
                own.append(self.phone())
            if home and rng.random() < 0.6:
                own.append(home)
            return own

        kind = rng.random()
        if kind < 0.35:  # an elderly person alone
            return [self.human(self.surname(), self.birth(1925, 1964), phones(), where)]
        if kind < 0.55:  # an elderly couple
            return [
                self.human(self.surname(), self.birth(1925, 1964), phones(), where) for _ in "ab"
            ]
        if kind < 0.80:  # parents and their children, who have their father's surname
            surname = self.surname()
            parents = [
                self.human(surname, self.birth(1968, 1996), phones(0.95), where),
                self.human(self.surname(), self.birth(1968, 1996), phones(0.95), where),
            ]
            guardian = (parents[0].phones or parents[1].phones)[:1]
            children, birth = [], None
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                twin = birth is not None and rng.random() < 0.03
                birth = birth if twin else self.birth(2005, 2024)
                shared = guardian if rng.random() < 0.7 else []
                family = parents + children
                children.append(
                    self.human(surname, birth, list(shared), where, child=True, family=family)
                )
            return parents + children
        # an adult on their own (a disability, a low income)
        return [self.human(self.surname(), self.birth(1960, 2004), phones(), where)]

    def retyped(self, human: Human) -> dict:
        """The human's record typed again by hand on another roster, without the ID number."""
        rng = self.rng
        record = human.record()
        name = record["name"]
        position = rng.randrange(1, len(name))
        draw = rng.random()
        if draw < 0.18 and name[position] in self.alike:  # a homophone: 明 for 名
            others = self.alike[name[position]].replace(name[position], "")
            record["name"] = name[:position] + rng.choice(others) + name[position + 1 :]
        elif 0.18 <= draw < 0.20:  # another character altogether
            record["name"] = name[:position] + rng.choice(self.given) + name[position + 1 :]
        record["birth"] = self._mistyped(record["birth"])
        draw = rng.random()
        if draw < 0.2 and len(record["phones"]) > 1:  # only the second phone
            record["phones"] = record["phones"][1:]
        elif draw < 0.5:
            record["phones"] = []
        elif draw < 0.6:
            record["phones"] = [self.phone()]  # a relative's
        if rng.random() < 0.07:  # moved within the street
            record["community"] = rng.choice(self.of_street[self.by_code[human.community][1]])
        draw = rng.random()
        if draw < 0.25:  # with the city, district and street before it
            _code, _street, street, district = self.by_code[human.community]
            record["address"] = f"广州市{district}{street}{human.address}"
        elif draw < 0.35:
            record["address"] = human.address + "房"
        elif draw < 0.45:
            record["address"] = ""
        elif draw < 0.50:  # the building number mistyped
            record["address"] = re.sub(
                r"(\d+)栋", lambda match: f"{int(match[1]) + 1}栋", human.address, count=1
            )
        record["sex"] = human.sex if rng.random() < 0.9 else ""
        if rng.random() < 0.8:  # another programme's roster: another household, or none
            record["household"] = None
        return record

    def _mistyped(self, birth: date | None) -> date | None:
        if birth is None:
            return None
        draw = self.rng.random()
        try:
            if draw < 0.06:  # the day's digits swapped (12 → 21), else day and month
                day = int(f"{birth.day:02d}"[::-1])
                if 1 <= day <= 28 and day != birth.day:
                    return birth.replace(day=day)
                return birth.replace(month=birth.day, day=birth.month)
            if draw < 0.10:  # the year's last digits swapped (1945 → 1954)
                year = str(birth.year)
                return birth.replace(year=int(year[:2] + year[3] + year[2]))
            if draw < 0.13:
                return birth + timedelta(days=self.rng.choice((-1, 1)))
        except ValueError:  # no such date: written as it was
            return birth
        if draw < 0.23:
            return None
        return birth


class Registry:
    """The synthetic people, written to the database with executemany in big batches, and the
    truth: the human behind every record (pks are given out in order)."""

    BATCH = 50_000

    def __init__(self):
        self.human = array("q", [0])  # pk → human number
        self.has_id = bytearray(1)
        self.dibao = Category.objects.get(code="DIBAO").pk
        self.categories = list(Category.objects.order_by("pk").values_list("pk", flat=True))
        self.now = timezone.now()
        self.households: set[int] = set()
        self._people, self._memberships, self._links = [], [], []
        self._initials: dict[str, str] = {}

    @property
    def next_pk(self) -> int:
        return len(self.human)

    def initials(self, name: str) -> str:
        """pinyin_initials(name), from the pinyin (the same for these names: checked)."""
        known = self._initials.get(name)
        if known is None:
            known = "".join(syllable[0] for syllable in name_pinyin(name).split())
            for surname, letters in SURNAME_INITIALS.items():
                if name.startswith(surname):
                    known = letters + known[len(surname) :]
            self._initials[name] = known
        return known

    def add(self, human: Human, record: dict | None = None, *, has_id=None) -> int:
        """Write the human's own record (with an ID number if they have one), or ``record``
        (without one)."""
        pk = self.next_pk
        has_id = (human.has_id and record is None) if has_id is None else has_id
        record = record or human.record()
        created = connection.ops.adapt_datetimefield_value(
            self.now - timedelta(seconds=10_000_000 - pk)
        )
        self._people.append(
            (
                pk,
                record["name"],
                self.initials(record["name"]),
                f"{pk:064x}" if has_id else "",  # stands for the keyed hash
                "440111********123X" if has_id else "",
                record["sex"],
                connection.ops.adapt_datefield_value(record["birth"]),
                json.dumps(record["phones"]),
                record["community"],
                record["address"],
                created,
            )
        )
        self._memberships.append((pk, self.categories[pk % len(self.categories)]))
        if record["household"] is not None:
            self._links.append((record["household"], pk))
        self.human.append(human.number)
        self.has_id.append(1 if has_id else 0)
        if len(self._people) >= self.BATCH:
            self.flush()
        return pk

    def flush(self) -> None:
        now = connection.ops.adapt_datetimefield_value(self.now)
        heads: dict[int, int] = {}  # the first member written heads the household
        for household, pk in self._links:
            if household not in self.households:
                heads.setdefault(household, pk)
        self.households.update(heads)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                INSERT_PEOPLE[connection.vendor], [(*r, r[-1]) for r in self._people]
            )
            cursor.executemany(
                "INSERT INTO registry_membership (person_id, category_id, source, created_at,"
                " updated_at) VALUES (%s, %s, %s, %s, %s)",
                [(*row, SOURCE, now, now) for row in self._memberships],
            )
            cursor.executemany(
                "INSERT INTO registry_household (id, category_id, key, number, head_id,"
                " created_at, updated_at) VALUES (%s, %s, %s, '', %s, %s, %s)",
                [(h, self.dibao, f"bench:{h}", head, now, now) for h, head in heads.items()],
            )
            cursor.executemany(
                "INSERT INTO registry_householdmember (household_id, person_id, relation,"
                " created_at) VALUES (%s, %s, '', %s)",
                [(*row, now) for row in self._links],
            )
            if connection.vendor == "postgresql":
                for table in ("registry_person", "registry_household"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id))"  # noqa: S608
                        f" FROM {table}"
                    )
        self._people, self._memberships, self._links = [], [], []

    def same(self, a: int, b: int) -> bool:
        return self.human[a] == self.human[b]

    def pairs(self, pks=None, *, gone=frozenset()) -> set[tuple[int, int]]:
        """The true pairs: two records of one human, at least one without an ID number. With
        ``pks``, only pairs with a side in them; records in ``gone`` (merged) are left out."""
        records: dict[int, list[int]] = {}
        for pk in range(1, len(self.human)):
            if pk not in gone:
                records.setdefault(self.human[pk], []).append(pk)
        truth = set()
        for group in records.values():
            for a, b in combinations(group, 2):
                if not (self.has_id[a] and self.has_id[b]) and (
                    pks is None or a in pks or b in pks
                ):
                    truth.add((a, b))
        return truth


def _build(generator: Generator, registry: Registry, people: int):
    """Households until ``people`` records; about 2.5% more records of people already written.
    Returns people registered with and without an ID number, to come again in the import."""
    rng = generator.rng
    seen_with, seen_without = [], []
    while registry.next_pk <= people:
        for human in generator.household():
            if registry.next_pk > people:
                break
            registry.add(human)
            child = human.birth.year >= 2005
            for chance in (0.08 if child else 0.015, 0.05):
                if rng.random() >= chance or registry.next_pk > people:
                    break
                registry.add(human, generator.retyped(human))
            # Reservoirs of people registered, for the import.
            reservoir = seen_with if human.has_id else seen_without
            if len(reservoir) < 4 * IMPORTED_AGAIN:
                reservoir.append(human)
            elif rng.random() < 0.01:
                reservoir[rng.randrange(len(reservoir))] = human
    registry.flush()
    return seen_with, seen_without


def _import(generator: Generator, registry: Registry, seen_with, seen_without) -> list[int]:
    """An import of IMPORTED records: new households, records of people already registered
    typed again, children now with an ID number, a few new people twice."""
    rng = generator.rng
    pks = []
    for human in rng.sample(seen_with + seen_without, IMPORTED_AGAIN):
        pks.append(registry.add(human, generator.retyped(human)))
    for human in rng.sample(seen_without, min(IMPORTED_WITH_ID_NOW, len(seen_without))):
        pks.append(registry.add(human, has_id=True))
    twice = 0
    while len(pks) < IMPORTED:
        for human in generator.household():
            if len(pks) >= IMPORTED:
                break
            pks.append(registry.add(human))
            if twice < IMPORTED_TWICE and len(pks) < IMPORTED and rng.random() < 0.05:
                pks.append(registry.add(human, generator.retyped(human)))
                twice += 1
    registry.flush()
    return pks


# Measuring


def _scores(found: set, truth: set) -> dict:
    right = len(found & truth)
    precision = right / len(found) if found else 1.0
    recall = right / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "found": len(found),
        "true": len(truth),
        "right": right,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def _pairs_of(result) -> tuple[set, set]:
    """(pairs merged, pairs merged or queued) of a find_duplicates result."""
    merged = {tuple(sorted((merge.kept_id, merge.merged_id))) for merge in result.merges}
    queued = {(candidate.person_a_id, candidate.person_b_id) for candidate in result.candidates}
    return merged, merged | queued


def _clerk(sql: str, params=()) -> set:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(sorted(pair)) for pair in cursor.fetchall()}


def _peak_rss(fn):
    """(what fn returns, the process's peak resident memory while it ran, in bytes). Linux
    resets the high-water mark on request; elsewhere the process's peak so far."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        value = fn()
        return value, max_rss()
    value = fn()
    with open("/proc/self/status") as status:
        peak = int(re.search(r"VmHWM:\s+(\d+) kB", status.read())[1]) * 1024
    return value, peak


def _traced(fn) -> tuple[object, int]:
    """(what ``fn`` returns, the peak of Python's allocations while it ran: tracemalloc)."""
    tracemalloc.start()
    try:
        value = fn()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rolled_back(fn):
    def run():
        with transaction.atomic():
            value = fn()
            transaction.set_rollback(True)
        return value

    return run


def _timed(fn) -> tuple[object, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _outcome(result) -> tuple:
    """What a run decided: the pairs merged and queued, with their probabilities."""
    return (
        sorted((m.kept_id, m.merged_id) for m in result.merges),
        sorted((c.person_a_id, c.person_b_id, c.match_probability) for c in result.candidates),
    )


def _measure(ours, clerk, *, repeat: int, keep_last: bool):
    """Time ours and the clerk's rule alternately; peaks apart (tracemalloc), rolled back, with
    DuckDB on one thread: the timed runs, on dedupe.THREADS, must decide the same. Returns
    (result of our last run, our timing, the clerk's pairs, their timing, our tracemalloc peak,
    the clerk's, our peak RSS)."""
    threads, dedupe.THREADS = dedupe.THREADS, 1
    try:
        single, peak_ours = _traced(_rolled_back(ours))
    finally:
        dedupe.THREADS = threads
    single = _outcome(single)
    _pairs, peak_clerk = _traced(clerk)
    ours_samples, clerk_samples = [], []
    result = pairs = rss = None
    for round_ in range(repeat):
        pairs, seconds = _timed(clerk)
        clerk_samples.append(seconds)
        run = ours if keep_last and round_ == repeat - 1 else _rolled_back(ours)
        (result, seconds), rss = _peak_rss(lambda run=run: _timed(run))
        ours_samples.append(seconds)
        assert _outcome(result) == single, f"{dedupe.THREADS} threads decided otherwise than 1"
    return (
        result,
        Timing(ours_samples),
        pairs,
        Timing(clerk_samples),
        peak_ours,
        peak_clerk,
        rss,
    )


def _mib(count: int) -> str:
    return f"{count / 2**20:,.0f} MiB"


def _notes(ours: dict, clerk: dict, merged: dict, result, rss: int, timing, alternative) -> list:
    return [
        f"ours: {timing.median:.1f} s, precision {ours['precision']:.4f}, recall "
        f"{ours['recall']:.4f}, F1 {ours['f1']:.4f} ({ours['found']:,} pairs merged or queued, "
        f"{ours['true']:,} true; {result.merged:,} merged with precision "
        f"{merged['precision']:.4f}, {result.to_review:,} queued; {result.compared:,} pairs "
        f"scored); peak RSS {_mib(rss)}; DuckDB on {dedupe.THREADS} threads, the same "
        "decisions as on one",
        f"clerk's rule: {alternative.median:.2f} s, precision {clerk['precision']:.4f}, recall "
        f"{clerk['recall']:.4f}, F1 {clerk['f1']:.4f} ({clerk['found']:,} pairs)",
    ]


def run(*, rng: random.Random, quick: bool) -> list[Result]:
    people = PEOPLE[quick]
    started = time.perf_counter()
    empty_registry()  # what the import benchmark left
    generator = Generator(rng)
    registry = Registry()
    seen_with, seen_without = _build(generator, registry, people)
    _check_initials(registry)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    setup = time.perf_counter() - started
    without_id = registry.has_id.count(0) - 1
    results = []

    truth = registry.pairs()
    result, timing, clerk_pairs, clerk_timing, peak, clerk_peak, rss = _measure(
        find_duplicates,
        lambda: _clerk(CLERK_FULL),
        repeat=1 if not quick else 2,
        keep_last=True,
    )
    merged, flagged = _pairs_of(result)
    ours, clerk = _scores(flagged, truth), _scores(clerk_pairs, truth)
    results.append(
        Result(
            name="dedupe: full run",
            description=f"find_duplicates() over {people:,} people, {without_id:,} of them "
            f"without an ID number (set-up {setup:.0f} s)",
            unit="people",
            operations=people,
            ours=timing,
            alternative=clerk_timing,
            alternative_label=f"the clerk's rule: {CLERK_RULE}",
            peak_ours=peak,
            peak_alternative=clerk_peak,
            notes=_notes(ours, clerk, _scores(merged, truth), result, rss, timing, clerk_timing),
            extra={
                "people": people,
                "without_id": without_id,
                "ours": ours,
                "merged_only": _scores(merged, truth),
                "clerk": clerk,
                "compared": result.compared,
                "peak_rss_bytes": rss,
                "setup_seconds": setup,
            },
        )
    )

    first_new = registry.next_pk
    new = _import(generator, registry, seen_with, seen_without)
    merged_away = set(Person.objects.filter(merged_into__isnull=False).values_list("pk", flat=True))
    truth = registry.pairs(set(new), gone=merged_away)
    result, timing, clerk_pairs, clerk_timing, peak, clerk_peak, rss = _measure(
        lambda: find_duplicates(new=new),
        lambda: _clerk(CLERK_NEW, [first_new]),
        repeat=3,
        keep_last=False,
    )
    merged, flagged = _pairs_of(result)
    ours, clerk = _scores(flagged, truth), _scores(clerk_pairs, truth)
    results.append(
        Result(
            name="dedupe: incremental run",
            description=f"find_duplicates(new=…) after an import of {len(new):,} people into "
            f"the {people:,}",
            unit="new people",
            operations=len(new),
            ours=timing,
            alternative=clerk_timing,
            alternative_label=f"the clerk's rule for the imported people: {CLERK_RULE}",
            peak_ours=peak,
            peak_alternative=clerk_peak,
            notes=_notes(ours, clerk, _scores(merged, truth), result, rss, timing, clerk_timing),
            extra={
                "imported": len(new),
                "ours": ours,
                "merged_only": _scores(merged, truth),
                "clerk": clerk,
                "compared": result.compared,
                "peak_rss_bytes": rss,
            },
        )
    )
    return results


def _check_initials(registry: Registry) -> None:
    """The initials written are pinyin_initials' (checked on a sample of the names)."""
    names = sorted(registry._initials)[:: max(1, len(registry._initials) // 2000)]
    wrong = [name for name in names if pinyin_initials(name) != registry.initials(name)]
    assert not wrong, f"initials differ from pinyin_initials for {len(wrong)} names"
