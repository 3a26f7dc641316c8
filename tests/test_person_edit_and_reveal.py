import pytest
from django.urls import reverse

from kapok.audit.models import LogEntry
from kapok.regions.lookup import find_region
from kapok.registry.models import Person

pytestmark = pytest.mark.django_db
ID = "44011119450312123X"


@pytest.fixture
def zhang(db):
    person = Person(
        name="张三明", residence_region=find_region("白云区松洲街螺涌"), phones=["13812345678"]
    )
    person.set_id_number(ID)
    person.save()
    return person


def test_a_community_worker_edits_a_person_on_the_web(personas, login, zhang):
    client = login(personas.community)
    response = client.post(
        reverse("registry:person_edit", args=[zhang.pk]),
        {
            "phones": "138-1234-5678 / 020-81234567",
            "residence_region": "螺涌社区",
            "compound": "富力半岛花园",
            "address": "螺涌北路1号",
            "status": Person.Status.ALIVE,
            "notes": "行动不便",
        },
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.phones == ["13812345678", "020-81234567"]
    assert zhang.compound == "富力半岛花园"
    assert LogEntry.objects.filter(action="registry.person.updated").exists()


def test_a_bad_phone_is_shown_on_the_form(personas, login, zhang):
    response = login(personas.community).post(
        reverse("registry:person_edit", args=[zhang.pk]),
        {"phones": "12345", "residence_region": "螺涌社区", "status": Person.Status.ALIVE},
    )
    assert response.status_code == 200
    assert "既不是手机号也不是固定电话" in response.content.decode()


def test_the_full_id_number_is_shown_once_with_a_reason_and_audited(personas, login, zhang):
    client = login(personas.district)
    page = client.get(reverse("registry:person_detail", args=[zhang.pk])).content.decode()
    assert ID not in page
    assert "13812345678" not in page
    assert "138****5678" in page
    response = client.post(
        reverse("registry:person_reveal", args=[zhang.pk]), {"reason": "核实家属联系方式"}
    )
    assert ID in response.content.decode()
    assert 'href="tel:13812345678"' in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = LogEntry.objects.get(action="registry.person.unmasked")
    assert entry.data == {"reason": "核实家属联系方式"}
    again = client.get(reverse("registry:person_detail", args=[zhang.pk])).content.decode()
    assert ID not in again
    assert "13812345678" not in again


def test_the_person_page_shows_the_visits_and_the_open_needs(personas, login, zhang):
    from django.utils import timezone

    from kapok.needs.actions import report_need
    from kapok.visits.models import Visit

    visit = Visit.objects.create(
        person=zhang,
        channel="PHONE",
        outcome="REACHED",
        has_difficulty=True,
        notes="腿脚不便",
        made_by=personas.city,
        region_code=zhang.residence_region_id,
        made_at=timezone.now(),
    )
    report_need(person=zhang, kind="FOOD", urgency="urgent", description="米吃完了", visit=visit)
    page = login(personas.street).get(reverse("registry:person_detail", args=[zhang.pk]))
    text = page.content.decode()
    assert "腿脚不便" in text
    assert "米吃完了" in text
    outsider = login(personas.outsider).get(reverse("registry:person_detail", args=[zhang.pk]))
    assert outsider.status_code == 404


def test_no_reason_no_numbers(personas, login, zhang):
    response = login(personas.district).post(
        reverse("registry:person_reveal", args=[zhang.pk]), {"reason": "看"}, follow=True
    )
    assert ID not in response.content.decode()
    assert not LogEntry.objects.filter(action="registry.person.unmasked").exists()


def test_community_workers_cannot_unmask(personas, login, zhang):
    response = login(personas.community).post(
        reverse("registry:person_reveal", args=[zhang.pk]), {"reason": "核实家属联系方式"}
    )
    assert response.status_code == 403
