import pytest
from django.urls import reverse

from kapok.audit.models import LogEntry
from kapok.regions.lookup import find_region
from kapok.registry.models import Category, DuplicateCandidate, Membership, Person, PersonMerge

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    place = find_region("白云区松洲街螺涌")
    with_id = Person(name="张三明", residence_region=place)
    with_id.set_id_number("44011119450312123X")
    with_id.save()
    without = Person.objects.create(name="张三名", residence_region=place, phones=["13812345678"])
    Membership.objects.create(person=without, category=Category.objects.get(code="TEKUN"))
    candidate = DuplicateCandidate.objects.create(
        person_a=with_id, person_b=without, match_probability=0.93, evidence={"name": "pinyin"}
    )
    return with_id, without, candidate


def test_the_queue_and_the_side_by_side_page(personas, login, pair):
    _with_id, _without, candidate = pair
    client = login(personas.community)
    assert list(client.get(reverse("registry:duplicate_list")).context["page"]) == [candidate]
    page = client.get(reverse("registry:duplicate_detail", args=[candidate.pk])).content.decode()
    assert "440111********123X" in page
    assert "44011119450312123X" not in page
    assert "特困" in page


def test_merging_keeps_the_chosen_record_and_can_be_undone(personas, login, pair):
    with_id, without, candidate = pair
    client = login(personas.community)
    response = client.post(
        reverse("registry:duplicate_decide", args=[candidate.pk]),
        {"decision": "merge", "keep": with_id.pk},
    )
    assert response.url == reverse("registry:person_detail", args=[with_id.pk])
    without.refresh_from_db()
    assert without.merged_into == with_id
    assert with_id.memberships.filter(category__code="TEKUN").exists()
    assert Person.objects.alive().count() == 1
    merge = PersonMerge.objects.get()
    page = client.get(reverse("registry:person_detail", args=[with_id.pk])).content.decode()
    assert reverse("registry:merge_undo", args=[merge.pk]) in page
    client.post(reverse("registry:merge_undo", args=[merge.pk]))
    without.refresh_from_db()
    assert without.merged_into is None
    assert without.memberships.filter(category__code="TEKUN").exists()
    assert Person.objects.alive().count() == 2
    assert LogEntry.objects.filter(action="registry.person.merge_undone").count() == 1


def test_not_the_same_person_leaves_both(personas, login, pair):
    _with_id, _without, candidate = pair
    login(personas.community).post(
        reverse("registry:duplicate_decide", args=[candidate.pk]), {"decision": "distinct"}
    )
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.DISTINCT
    assert candidate.decided_by == personas.community
    assert Person.objects.alive().count() == 2


def test_half_a_pair_in_another_region_is_not_for_this_region_to_decide(personas, login, pair):
    _with_id, without, candidate = pair
    without.residence_region = find_region("荔湾区沙面街翠洲社区")
    without.save()
    response = login(personas.community).get(
        reverse("registry:duplicate_detail", args=[candidate.pk])
    )
    assert response.status_code == 404
