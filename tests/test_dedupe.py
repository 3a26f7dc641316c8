import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from kapok.audit.models import LogEntry
from kapok.registry.dedupe import find_duplicates, mark_distinct, merge_people, undo_merge
from kapok.registry.identity import pinyin_initials
from kapok.registry.models import (
    Category,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    Membership,
    Person,
)
from kapok.registry.statistics import category_figures
from kapok.zones.models import people_in_zones
from tests.factories import UserFactory, region
from tests.test_roster_import import DAY, EXPECTED, import_samples

pytestmark = pytest.mark.django_db

XUEYUAN = "海珠区官洲街学院"


def person(name, *, id_number="", birth=None, phones=(), where=XUEYUAN, address="", sex="", **kw):
    record = Person(
        name=name,
        name_initials=pinyin_initials(name),
        birth_date=birth,
        phones=list(phones),
        residence_region=region(where) if where else None,
        address=address,
        sex=sex,
        **kw,
    )
    if id_number:
        record.set_id_number(id_number)
    record.save()
    return record


def member(someone, code, **kw):
    return Membership.objects.create(person=someone, category=Category.objects.get(code=code), **kw)


def state():
    """Everything a merge touches, to compare before and after an undo."""
    return {
        "people": sorted(
            Person.objects.values_list(
                "pk", "merged_into_id", "sex", "birth_date", "residence_region_id", "address"
            )
        ),
        "phones": {p.pk: p.phones for p in Person.objects.all()},
        "memberships": sorted(
            Membership.objects.values_list("pk", "person_id", "category_id", "ended_on")
        ),
        "links": sorted(HouseholdMember.objects.values_list("pk", "household_id", "person_id")),
        "heads": sorted(Household.objects.values_list("pk", "head_id")),
    }


def test_a_child_without_id_on_two_rosters_with_a_homophone_typo_is_merged():
    older = person("张三明", birth=dt.date(2016, 3, 12), address="兴业路54号富力半岛花园9栋1806")
    member(older, "CHILD_IN_DIFFICULTY")
    typo = person(
        "张三名",
        birth=dt.date(2016, 3, 12),
        address="广州市海珠区官洲街道兴业路54号富力半岛花园9栋1806",
    )
    member(typo, "DIBAO")
    person("李四", id_number="440105194503121234", birth=dt.date(1945, 3, 12))

    result = find_duplicates()

    assert (result.merged, result.to_review) == (1, 0)
    typo.refresh_from_db()
    assert typo.merged_into == older
    assert set(older.memberships.values_list("category__code", flat=True)) == {
        "CHILD_IN_DIFFICULTY",
        "DIBAO",
    }
    assert Person.objects.alive().count() == 2
    assert LogEntry.objects.filter(action="registry.person.merged").count() == 1


def test_the_record_with_an_id_number_is_kept():
    child = person("陈子涵", birth=dt.date(2018, 5, 1), address="兴业路1号2栋303")
    with_id = person(
        "陈子晗",
        id_number="440105201805011234",
        birth=dt.date(2018, 5, 1),
        address="兴业路1号2栋303",
    )
    result = find_duplicates()
    assert result.merged == 1
    assert result.merges[0].kept == with_id
    child.refresh_from_db()
    assert child.merged_into == with_id


def test_two_people_with_a_common_name_in_different_communities_stay_apart():
    person("王伟", birth=dt.date(1950, 1, 2), phones=["13800000001"], address="兴业路3号")
    person(
        "王伟",
        birth=dt.date(1962, 7, 9),
        phones=["13900000002"],
        where="白云区松洲街螺涌",
        address="螺涌北路8号",
    )
    result = find_duplicates()
    assert (result.merged, result.to_review) == (0, 0)
    assert Person.objects.alive().count() == 2


def test_a_damaged_id_record_with_the_same_name_and_phone_is_merged_or_reviewed():
    with_id = person(
        "古国银",
        id_number="440111195507121234",
        birth=dt.date(1955, 7, 12),
        phones=["15976203685"],
        sex="M",
        address="新市路247号嘉禾新都2栋1603",
    )
    damaged = person("古国银", phones=["15976203685"], address="新市路247号嘉禾新都")
    result = find_duplicates()
    damaged.refresh_from_db()
    merged = damaged.merged_into == with_id
    queued = DuplicateCandidate.objects.filter(person_a=with_id, person_b=damaged).exists()
    assert merged or queued
    assert result.merged + result.to_review == 1


def test_two_records_with_different_id_numbers_are_never_compared():
    person("刘芳", id_number="440105195001021234", birth=dt.date(1950, 1, 2), address="兴业路3号")
    person("刘芳", id_number="440105195001025678", birth=dt.date(1950, 1, 2), address="兴业路3号")
    assert find_duplicates().compared == 0


def test_a_merge_moves_and_fills_and_its_undo_restores_everything_exactly():
    actor = UserFactory()
    kept = person("黄美玲", id_number="440105195001021234", birth=dt.date(1950, 1, 2), sex="")
    merged = person(
        "黄美玲", phones=["13800000009"], sex="F", address="兴业路9号", birth=dt.date(1950, 1, 2)
    )
    kept_dibao = member(kept, "DIBAO")
    merged_dibao = member(merged, "DIBAO")
    merged_tekun = member(merged, "TEKUN")
    old_dibao = member(merged, "DIBAO", ended_on=dt.date(2020, 1, 1))
    dibao = Category.objects.get(code="DIBAO")
    shared = Household.objects.create(category=dibao, key="H1", head=kept)
    own = Household.objects.create(category=dibao, key="H2", head=merged)
    HouseholdMember.objects.create(household=shared, person=kept, relation="户主")
    left = HouseholdMember.objects.create(household=shared, person=merged, relation="配偶")
    moved_link = HouseholdMember.objects.create(household=own, person=merged, relation="户主")
    before = state()

    merge = merge_people(kept=kept, merged=merged, actor=actor)

    kept.refresh_from_db()
    merged.refresh_from_db()
    assert merged.merged_into == kept
    assert merge.moved["ended_memberships"] == [merged_dibao.pk]
    assert set(merge.moved["memberships"]) == {merged_tekun.pk, old_dibao.pk}
    assert merge.moved["household_links"] == [moved_link.pk]
    assert merge.moved["heads"] == [own.pk]
    assert set(merge.moved["filled"]) == {"sex", "address"}
    assert kept.sex == "F"
    assert kept.phones == ["13800000009"]
    assert Membership.objects.get(pk=merged_dibao.pk).ended_on is not None
    assert Membership.objects.get(pk=kept_dibao.pk).ended_on is None
    assert HouseholdMember.objects.get(pk=left.pk).person == merged  # already in that household
    assert Household.objects.get(pk=own.pk).head == kept
    assert category_figures(Person.objects.all(), DAY)["people"] == 1

    undo_merge(merge=merge, actor=actor)

    assert state() == before
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert merge.undone_by == actor
    assert LogEntry.objects.filter(action="registry.person.merge_undone").count() == 1
    # Undoing says they are not the same person: deduplication does not merge them again.
    pair = DuplicateCandidate.objects.get(person_a=kept, person_b=merged)
    assert pair.status == DuplicateCandidate.Status.DISTINCT
    assert find_duplicates().merged == 0


def doubtful_pair():
    a = person("赵丽", birth=dt.date(1980, 4, 4), address="兴业路5号")
    b = person("赵莉", birth=dt.date(1980, 4, 4), address="兴业路5号")
    return a, b


def test_doubtful_pairs_are_queued_once_with_evidence_and_no_values():
    a, b = doubtful_pair()
    first = find_duplicates(auto_threshold=1.01)
    assert (first.merged, first.to_review) == (0, 1)
    candidate = DuplicateCandidate.objects.get()
    assert (candidate.person_a, candidate.person_b) == (a, b)
    assert candidate.status == DuplicateCandidate.Status.PENDING
    assert candidate.evidence["name"] == "pinyin"
    assert candidate.evidence["birth_date"] == "exact"
    assert "赵" not in json.dumps(candidate.evidence, ensure_ascii=False)

    again = find_duplicates(auto_threshold=1.01)
    assert (again.merged, again.to_review) == (0, 0)
    assert DuplicateCandidate.objects.count() == 1


def test_a_pair_decided_distinct_is_not_proposed_again():
    doubtful_pair()
    find_duplicates(auto_threshold=1.01)
    candidate = DuplicateCandidate.objects.get()
    mark_distinct(candidate=candidate, actor=UserFactory())
    for auto_threshold in (1.01, 0.5):
        result = find_duplicates(auto_threshold=auto_threshold)
        assert (result.merged, result.to_review) == (0, 0)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.DISTINCT
    assert Person.objects.alive().count() == 2


def test_a_reviewer_can_merge_a_queued_pair():
    a, b = doubtful_pair()
    find_duplicates(auto_threshold=1.01)
    candidate = DuplicateCandidate.objects.get()
    merge_people(kept=a, merged=b, candidate=candidate, actor=UserFactory())
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.MERGED
    assert find_duplicates().to_review == 0


def test_the_dedupe_command_reports_as_json():
    doubtful_pair()
    out = io.StringIO()
    call_command("dedupe", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) == {"compared", "merged", "to_review", "seconds"}
    assert result["compared"] == 1
    assert result["merged"] + result["to_review"] == 1


def test_the_sample_rosters_deduplicated_give_the_true_figures():
    import_samples()
    assert category_figures(Person.objects.all(), DAY)["people"] == EXPECTED["all"]["people"] + 3
    result = find_duplicates()
    assert result.merged == 3
    assert category_figures(Person.objects.all(), DAY)["people"] == EXPECTED["all"]["people"]
    in_zones = category_figures(people_in_zones(Person.objects.all(), DAY), DAY)
    assert in_zones["people"] == EXPECTED["in_zones"]["people"]
    assert in_zones["memberships"] == EXPECTED["in_zones"]["memberships"]
    # Running it again finds nothing more.
    again = find_duplicates()
    assert (again.merged, again.to_review) == (0, 0)


def test_on_a_large_registry_u_is_estimated_by_seeded_sampling(monkeypatch):
    monkeypatch.setattr("kapok.registry.dedupe.U_SAMPLE_MIN", 2)
    import_samples()
    result = find_duplicates()
    assert (result.merged, result.to_review) == (3, 0)
    assert category_figures(Person.objects.all(), DAY)["people"] == EXPECTED["all"]["people"]


def test_people_of_one_household_sharing_a_phone_and_an_address_stay_apart():
    head = person(
        "廖带军", id_number="440105195001021234", phones=["13800000007"], address="兴业路7号"
    )
    for name in ("袁秀强", "廖红带"):
        person(name, phones=["13800000007"], address="兴业路7号")
    result = find_duplicates()
    assert (result.merged, result.to_review) == (0, 0)
    assert Person.objects.alive().count() == 3
    assert head.merged_records.count() == 0


BEISHAN = "海珠区官洲街北山"


def test_an_incremental_run_scores_only_the_pairs_of_the_new_records():
    # Two records of one child already in the registry, not deduplicated yet.
    old_a = person("陈子涵", birth=dt.date(2018, 5, 1), address="兴业路1号2栋303")
    old_b = person("陈子晗", birth=dt.date(2018, 5, 1), address="兴业路1号2栋303")
    registered = person(
        "张三明", id_number="440105201603121234", birth=dt.date(2016, 3, 12), address="兴业路54号"
    )
    # An import brings a retyped record of a registered child, and a new person.
    retyped = person("张三名", birth=dt.date(2016, 3, 12), address="兴业路54号")
    newcomer = person("李四", id_number="440105194503121234", birth=dt.date(1945, 3, 12))

    result = find_duplicates(new=[retyped.pk, newcomer.pk])

    assert result.compared == 1
    assert [(m.kept, m.merged) for m in result.merges] == [(registered, retyped)]
    assert Person.objects.get(pk=old_b.pk).merged_into is None
    assert not DuplicateCandidate.objects.exists()
    # The older pair waits for a full run.
    assert [(m.kept, m.merged) for m in find_duplicates().merges] == [(old_a, old_b)]


def test_a_new_record_with_an_id_number_is_compared_with_older_ones_without():
    child = person("黄小明", birth=dt.date(2019, 8, 8), address="兴业路8号")
    member(child, "LEFT_BEHIND_CHILD")
    twin_of_nobody = person("梁大伟", id_number="440105195001021234", birth=dt.date(1950, 1, 2))
    with_id = person(
        "黄小明", id_number="440105201908081234", birth=dt.date(2019, 8, 8), address="兴业路8号"
    )

    result = find_duplicates(new=[with_id.pk])

    assert [(m.kept, m.merged) for m in result.merges] == [(with_id, child)]
    assert result.compared == 1  # the old record with an ID number is not compared
    assert with_id.memberships.filter(category__code="LEFT_BEHIND_CHILD").exists()
    assert twin_of_nobody.merged_records.count() == 0


def test_an_incremental_run_of_everyone_finds_what_a_full_run_finds():
    first = person("赵丽", birth=dt.date(1980, 4, 4), address="兴业路5号")
    second = person("赵莉", birth=dt.date(1980, 4, 4), address="兴业路5号")
    person("王伟", birth=dt.date(1950, 1, 2), phones=["13800000001"], address="兴业路3号")
    everyone = list(Person.objects.values_list("pk", flat=True))

    result = find_duplicates(new=everyone, auto_threshold=1.01)

    assert (result.compared, result.merged, result.to_review) == (1, 0, 1)
    candidate = DuplicateCandidate.objects.get()
    assert (candidate.person_a, candidate.person_b) == (first, second)
    assert (find_duplicates(auto_threshold=1.01).to_review, find_duplicates().merged) == (0, 1)


def test_two_records_sharing_only_one_of_their_phones_are_compared():
    shared = "13912345678"
    # Moved to another community of the street, a name read a little differently, no birth
    # date on one roster: only the phone they both give brings them together.
    first = person(
        "古国银",
        id_number="440111195507121234",
        birth=dt.date(1955, 7, 12),
        phones=["13800000001", "13700000002", shared],
        address="新市路247号嘉禾新都2栋1603",
    )
    second = person(
        "古国英",
        phones=["13600000003", "13500000004", shared],
        where=BEISHAN,
        address="新市路247号嘉禾新都2栋1603",
    )

    result = find_duplicates()

    assert result.compared == 1
    assert result.merged + result.to_review == 1
    pair = DuplicateCandidate.objects.filter(person_a=first, person_b=second).exists()
    assert pair or second.pk in {merge.merged.pk for merge in result.merges}


def test_a_new_record_without_an_id_number_pairs_with_an_older_one_by_its_second_phone():
    registered = person(
        "古国银",
        id_number="440111195507121234",
        birth=dt.date(1955, 7, 12),
        phones=["13800000001", "13912345678"],
        address="新市路247号嘉禾新都2栋1603",
    )
    retyped = person(
        "古国英", phones=["13912345678"], where=BEISHAN, address="新市路247号嘉禾新都2栋1603"
    )

    result = find_duplicates(new=[retyped.pk])

    assert result.compared == 1
    assert result.merged + result.to_review == 1
    assert {registered.pk, retyped.pk} == {
        *(pk for merge in result.merges for pk in (merge.kept.pk, merge.merged.pk)),
        *(pk for c in result.candidates for pk in (c.person_a_id, c.person_b_id)),
    }


def test_three_records_of_one_child_become_one_in_one_run_and_each_merge_can_be_undone():
    actor = UserFactory()
    with_id = person(
        "陈子涵",
        id_number="440105201805011234",
        birth=dt.date(2018, 5, 1),
        phones=["13800000001", "13800000002"],
        address="兴业路1号",
    )
    records = []
    for name, phone in (("陈子晗", "13800000001"), ("陈子含", "13800000002")):
        record = person(name, birth=dt.date(2018, 5, 1), phones=[phone], address="兴业路1号")
        member(record, "CHILD_IN_DIFFICULTY")
        records.append(record)
    before = state()

    result = find_duplicates(actor=actor)

    assert sorted((m.kept.pk, m.merged.pk) for m in result.merges) == [
        (with_id.pk, records[0].pk),
        (with_id.pk, records[1].pk),
    ]
    # One current membership per category: the second record's ends.
    assert with_id.memberships.filter(ended_on__isnull=True).count() == 1
    for merge in sorted(result.merges, key=lambda merge: -merge.pk):
        undo_merge(merge=merge, actor=actor)
    assert state() == before
