import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kapok.audit.models import LogEntry
from kapok.regions.lookup import find_region
from kapok.registry.actions import update_person
from kapok.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(db):
    return Person.objects.create(name="张三明", residence_region=find_region("白云区松洲街螺涌"))


def test_a_community_worker_corrects_phones_and_it_is_audited_masked(personas, zhang):
    update_person(
        actor=personas.community, person=zhang, phones=["138-1234-5678", "+86 13912345678"]
    )
    zhang.refresh_from_db()
    assert zhang.phones == ["13812345678", "13912345678"]
    entry = LogEntry.objects.get(action="registry.person.updated")
    assert entry.actor == personas.community
    assert "13812345678" not in str(entry.data)
    assert entry.data["phones"] == [[], ["138****5678", "139****5678"]]


def test_a_bad_phone_is_refused_and_nothing_changes(personas, zhang):
    with pytest.raises(ValidationError):
        update_person(actor=personas.community, person=zhang, phones=["12345"])
    zhang.refresh_from_db()
    assert zhang.phones == []
    assert not LogEntry.objects.filter(action="registry.person.updated").exists()


def test_moving_a_person_out_of_the_workers_region_is_refused(personas, zhang):
    with pytest.raises(PermissionDenied):
        update_person(
            actor=personas.community,
            person=zhang,
            residence_region=find_region("荔湾区沙面街翠洲社区"),
        )
    moved = update_person(
        actor=personas.district, person=zhang, residence_region=find_region("白云区松洲街槎龙")
    )
    assert moved.residence_region.name == "槎龙社区居委会"


def test_an_outsider_cannot_edit_and_an_auditor_has_no_right(personas, zhang):
    with pytest.raises(PermissionDenied):
        update_person(actor=personas.outsider, person=zhang, notes="x")
    with pytest.raises(PermissionDenied):
        update_person(actor=personas.auditor, person=zhang, notes="x")


def test_status_and_notes(personas, zhang):
    update_person(
        actor=personas.street, person=zhang, status=Person.Status.DECEASED, notes="4月去世"
    )
    zhang.refresh_from_db()
    assert zhang.status == Person.Status.DECEASED
    assert not Person.objects.alive().filter(pk=zhang.pk).exists()
    with pytest.raises(ValidationError):
        update_person(actor=personas.street, person=zhang, status="ZOMBIE")
