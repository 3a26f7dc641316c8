"""The needs queue and the need page, through HTTP as the personas: the tabs and their counts,
filters, bulk accept, the timeline, every action form, photos checked, conflicts, masking, and
another district's need hidden."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kapok.accounts.roles import Role
from kapok.audit.models import LogEntry
from kapok.needs.actions import accept_need, report_need, resolve_need, return_need
from kapok.needs.models import Need, NeedPhoto
from tests.factories import PersonFactory, UserFactory, region, unit_for

pytestmark = pytest.mark.django_db

S = Need.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def caller(personas):
    """A city caller: reports needs found on calls, and verifies them after."""
    return UserFactory(username="caller", unit=personas.city_unit, roles=[Role.CALLER])


def a_need(caller, *, name="陈桂英", kind="FOOD", urgency="normal", due_in_hours=10, **person):
    person.setdefault("phones", ["13800000001"])
    chen = PersonFactory(name=name, **person)
    need = report_need(
        person=chen, kind=kind, urgency=urgency, description="米只够吃一天", actor=caller
    )
    due = timezone.now() + dt.timedelta(hours=due_in_hours)
    Need.objects.filter(pk=need.pk).update(due_at=due)
    need.refresh_from_db()
    return need


def jpeg(color=(200, 30, 40), size=(64, 48), fmt="JPEG", name="result.jpg"):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def post(client, need, action, **data):
    data.setdefault("version", need.version)
    return client.post(reverse("needs:act", args=[need.pk, action]), data)


def queue(client, **params):
    response = client.get(reverse("needs:queue"), params)
    assert response.status_code == 200
    return response


def counts(response) -> dict:
    html = response.content.decode()
    return {key: int(value) for key, value in re.findall(r'data-testid="count-(\w+)">(\d+)<', html)}


def rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-need="(\d+)"', response.content.decode())]


# -- the queue ---------------------------------------------------------------------------------


def test_the_community_queue_counts_new_accepted_overdue_due_soon(personas, caller, login):
    new = a_need(caller, name="陈一")
    accepted = a_need(caller, name="陈二")
    accept_need(accepted, actor=personas.community, version=accepted.version)
    overdue = a_need(caller, name="陈三", due_in_hours=-3)
    soon = a_need(caller, name="陈四", due_in_hours=1)
    elsewhere = a_need(caller, name="黄五", residence_region=region("荔湾区茶滘街红棉"))

    client = login(personas.community)
    response = queue(client)
    assert counts(response) == {
        "new": 3,
        "accepted": 1,
        "overdue": 1,
        "due_soon": 1,
        "to_verify": 0,
    }
    assert set(rows(response)) == {new.pk, overdue.pk, soon.pk}
    assert rows(queue(client, tab="accepted")) == [accepted.pk]
    assert rows(queue(client, tab="overdue")) == [overdue.pk]
    assert rows(queue(client, tab="due_soon")) == [soon.pk]
    assert elsewhere.pk not in rows(queue(client, tab="all"))  # no such tab: the first one


def test_a_row_shows_the_masked_name_urgency_community_and_how_late_it_is(personas, caller, login):
    overdue = a_need(caller, name="陈桂英", urgency="emergency", due_in_hours=-3)
    html = queue(login(personas.community), tab="overdue").content.decode()
    assert "陈*英" in html
    assert "陈桂英" not in html
    assert "螺涌" in html
    assert 'class="badge urgency-emergency"' in html
    assert f'data-need="{overdue.pk}"' in html
    assert re.search(r"超时 \d+ 小时|\d+ hours? overdue", html)


def test_a_street_supervisor_has_the_escalated_and_whole_area_tabs(personas, caller, login):
    need = a_need(caller)
    Need.objects.filter(pk=need.pk).update(escalated_to=personas.street_unit, escalation_level=1)
    response = queue(login(personas.street))
    assert set(counts(response)) == {
        "new",
        "accepted",
        "overdue",
        "due_soon",
        "to_verify",
        "escalated",
        "all",
    }
    assert counts(response)["escalated"] == 1
    assert counts(response)["all"] == 1
    assert rows(queue(login(personas.street), tab="escalated")) == [need.pk]


def test_needs_reported_by_the_callers_team_wait_for_their_call_back(personas, caller, login):
    need = a_need(caller)
    accept_need(need, actor=personas.community, version=need.version)
    need.refresh_from_db()
    resolve_need(need, actor=personas.community, version=need.version, result="送去大米十斤")
    response = queue(login(caller))
    assert counts(response) == {"to_verify": 1}
    assert rows(response) == [need.pk]


def test_the_queue_filters_by_kind_urgency_status_and_community(personas, caller, login):
    food = a_need(caller, name="陈一", kind="FOOD")
    medicine = a_need(caller, name="陈二", kind="MEDICINE", urgency="urgent")
    client = login(personas.street)
    assert rows(queue(client, tab="all", kind="MEDICINE")) == [medicine.pk]
    assert rows(queue(client, tab="all", urgency="normal")) == [food.pk]
    accept_need(food, actor=personas.community, version=food.version)
    assert rows(queue(client, tab="all", status="ACCEPTED")) == [food.pk]
    assert set(rows(queue(client, tab="all", community="螺涌"))) == {food.pk, medicine.pk}
    assert rows(queue(client, tab="all", community="红棉")) == []


def test_the_queue_takes_the_same_queries_however_many_needs_it_shows(personas, caller, login):
    client = login(personas.street)
    url = reverse("needs:queue") + "?tab=all"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    a_need(caller, name="陈一")
    few = queries()
    for number in range(8):
        need = a_need(caller, name=f"陈{number}号", urgency="emergency")
        Need.objects.filter(pk=need.pk).update(
            escalated_to=personas.street_unit, escalation_level=1
        )
    assert queries() == few <= 14


def test_bulk_accept_accepts_each_and_says_which_one_conflicted(personas, caller, login):
    first = a_need(caller, name="陈一")
    second = a_need(caller, name="陈二")
    stale = second.version
    Need.objects.filter(pk=second.pk).update(version=stale + 1)  # someone else changed it
    client = login(personas.community)
    response = client.post(
        reverse("needs:bulk_accept"),
        {
            "need": [first.pk, second.pk],
            f"version-{first.pk}": first.version,
            f"version-{second.pk}": stale,
        },
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.ACCEPTED, S.DISPATCHED)
    assert "陈*" in messages[0]
    assert "陈*" in messages[1]
    assert re.search("已签收|Accepted", messages[0])
    assert re.search("冲突|Conflict", messages[1])


def test_bulk_accept_is_refused_to_a_city_commander(personas, caller, login):
    need = a_need(caller)
    response = login(personas.city).post(
        reverse("needs:bulk_accept"), {"need": [need.pk], f"version-{need.pk}": need.version}
    )
    assert response.status_code == 403


# -- the need page -----------------------------------------------------------------------------


def test_the_need_page_shows_the_person_masked_and_the_timeline(personas, caller, login):
    need = a_need(caller, name="陈桂英")
    need.person.set_id_number("44011119450312123X")
    need.person.save()
    accept_need(need, actor=personas.community, version=need.version)
    response = login(personas.street).get(reverse("needs:detail", args=[need.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "陈桂英" in html
    assert "440111********123X" in html
    assert "44011119450312123X" not in html
    assert "138****0001" in html
    assert "13800000001" not in html
    events = re.findall(r'data-event="needs\.need\.(\w+)"', html)
    assert events == ["reported", "dispatched", "accepted"]
    assert personas.community.full_name in html
    assert reverse("registry:person_detail", args=[need.person.pk]) in html
    assert LogEntry.objects.filter(
        action="registry.person.viewed", object_id=str(need.person.pk), actor=personas.street
    ).exists()


def test_the_handling_worker_can_dial_the_person(personas, caller, login):
    need = a_need(caller)
    html = login(personas.community).get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert 'href="tel:13800000001"' in html
    assert "☎ 138****0001" in html


def test_the_page_offers_only_what_the_user_may_do(personas, caller, login):
    need = a_need(caller)
    url = reverse("needs:detail", args=[need.pk])
    community = login(personas.community).get(url).content.decode()
    assert set(re.findall(r'data-action="(\w+)"', community)) == {"accept", "return"}
    city = login(personas.city).get(url).content.decode()
    assert set(re.findall(r'data-action="(\w+)"', city)) == {"cancel"}


def test_a_need_of_another_district_is_not_found(personas, caller, login):
    need = a_need(caller)
    client = login(personas.outsider)
    assert client.get(reverse("needs:detail", args=[need.pk])).status_code == 404
    assert post(client, need, "accept").status_code == 404
    assert (
        LogEntry.objects.filter(action="access.out_of_scope", actor=personas.outsider).count() == 2
    )


def test_a_worker_accepts_then_resolves_with_a_photo(personas, caller, login):
    need = a_need(caller)
    client = login(personas.community)
    response = post(client, need, "accept")
    assert response.status_code == 302
    assert response.url == reverse("needs:detail", args=[need.pk])
    need.refresh_from_db()
    assert need.status == S.ACCEPTED

    response = client.post(
        reverse("needs:act", args=[need.pk, "resolve"]),
        {
            "version": need.version,
            "result": "送去大米十斤",
            "photos": [jpeg(), jpeg(fmt="PNG", name="b.png")],
        },
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.status, need.result) == (S.RESOLVED, "送去大米十斤")
    photos = list(need.photos.all())
    assert len(photos) == 2

    page = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    photo_url = reverse("needs:photo", args=[need.pk, photos[0].pk])
    assert photo_url in page
    assert "送去大米十斤" in page
    assert "/media/" not in page
    served = client.get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"].startswith("private")
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    assert login(personas.outsider).get(photo_url).status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_and_the_result_kept(personas, caller, login):
    need = a_need(caller)
    accept_need(need, actor=personas.community, version=need.version)
    need.refresh_from_db()
    fake = SimpleUploadedFile("photo.jpg", b"this is text, not a photo", content_type="image/jpeg")
    response = login(personas.community).post(
        reverse("needs:act", args=[need.pk, "resolve"]),
        {"version": need.version, "result": "送去大米十斤", "photos": [fake]},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "photo.jpg" in html
    assert "送去大米十斤" in html
    need.refresh_from_db()
    assert need.status == S.ACCEPTED
    assert not NeedPhoto.objects.exists()


def test_a_photo_too_large_is_refused(personas, caller, login, settings):
    settings.KAPOK_UPLOAD_MAX_BYTES = 100
    need = a_need(caller)
    accept_need(need, actor=personas.community, version=need.version)
    need.refresh_from_db()
    response = login(personas.community).post(
        reverse("needs:act", args=[need.pk, "resolve"]),
        {"version": need.version, "result": "送去大米", "photos": [jpeg(size=(400, 300))]},
    )
    assert response.status_code == 422
    assert re.search("MB", response.content.decode())
    need.refresh_from_db()
    assert need.status == S.ACCEPTED


def test_an_empty_result_is_refused(personas, caller, login):
    need = a_need(caller)
    accept_need(need, actor=personas.community, version=need.version)
    need.refresh_from_db()
    response = post(login(personas.community), need, "resolve", result="  ")
    assert response.status_code == 422
    need.refresh_from_db()
    assert need.status == S.ACCEPTED


def test_two_people_accepting_at_once_the_second_sees_the_conflict(personas, caller, login):
    need = a_need(caller)
    other = UserFactory(unit=personas.community_unit, roles=[Role.COMMUNITY_WORKER])
    first = post(login(personas.community), need, "accept")
    assert first.status_code == 302
    response = post(login(other), need, "accept")  # the version both saw
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="conflict"' in html
    fresh = Need.objects.get(pk=need.pk)
    assert fresh.status == S.ACCEPTED
    assert re.search(r'data-testid="status">(已签收|accepted)<', html)
    assert f'name="version" value="{fresh.version}"' in html


def test_a_worker_returns_a_need_that_is_not_theirs(personas, caller, login):
    need = a_need(caller)
    client = login(personas.community)
    assert post(client, need, "return", reason="").status_code == 422
    assert post(client, need, "return", reason="此人已搬到景泰街").status_code == 302
    need.refresh_from_db()
    assert (need.status, need.unit, need.reason) == (
        S.RETURNED,
        personas.street_unit,
        "此人已搬到景泰街",
    )


def test_the_street_dispatches_a_returned_need_to_another_community(personas, caller, login):
    need = a_need(caller)
    return_need(need, actor=personas.community, version=need.version, reason="不是本社区")
    need.refresh_from_db()
    other = unit_for("白云区松洲街槎龙", parent=personas.street_unit)
    client = login(personas.street)
    page = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert f'<option value="{other.pk}"' in page
    assert f'<option value="{personas.street_unit.pk}"' not in page  # it holds it now
    assert f'<option value="{personas.outsider_unit.pk}"' not in page
    assert post(client, need, "dispatch", unit=personas.outsider_unit.pk).status_code == 422
    assert post(client, need, "dispatch", unit=other.pk).status_code == 302
    need.refresh_from_db()
    assert (need.status, need.unit) == (S.DISPATCHED, other)


def _resolved(personas, caller):
    need = a_need(caller)
    need = accept_need(need, actor=personas.community, version=need.version)
    return resolve_need(need, actor=personas.community, version=need.version, result="送去大米")


def test_the_caller_verifies_then_closes(personas, caller, login):
    need = _resolved(personas, caller)
    client = login(caller)
    assert post(client, need, "verify", note="本人说已收到").status_code == 302
    need.refresh_from_db()
    assert need.status == S.VERIFIED
    assert post(client, need, "close").status_code == 302
    need.refresh_from_db()
    assert need.status == S.CLOSED
    html = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    events = re.findall(r'data-event="needs\.need\.(\w+)"', html)
    assert events[-3:] == ["resolved", "verified", "closed"]
    assert "本人说已收到" in html


def test_the_caller_reopens_a_need_not_met(personas, caller, login):
    need = _resolved(personas, caller)
    client = login(caller)
    assert post(client, need, "reopen", reason="").status_code == 422
    assert post(client, need, "reopen", reason="老人说没收到").status_code == 302
    need.refresh_from_db()
    assert (need.status, need.reason) == (S.REOPENED, "老人说没收到")


def test_the_community_may_not_verify_what_it_resolved(personas, caller, login):
    need = _resolved(personas, caller)
    assert post(login(personas.community), need, "verify").status_code == 403


def test_the_street_cancels_a_duplicate(personas, caller, login):
    first = a_need(caller)
    second = report_need(person=first.person, kind="FOOD", urgency="normal", actor=caller)
    client = login(personas.street)
    page = client.get(reverse("needs:detail", args=[second.pk])).content.decode()
    assert f'<option value="{first.pk}"' in page
    response = post(client, second, "cancel", reason="重复上报", duplicate_of=first.pk)
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.duplicate_of) == (S.CANCELLED, first)


def test_a_community_worker_may_not_cancel(personas, caller, login):
    need = a_need(caller)
    assert post(login(personas.community), need, "cancel", reason="重复").status_code == 403


def test_an_action_no_longer_possible_is_a_bad_request(personas, caller, login):
    need = _resolved(personas, caller)
    response = post(login(personas.community), need, "accept")
    assert response.status_code == 400
    need.refresh_from_db()
    assert need.status == S.RESOLVED


def test_an_unknown_action_is_not_found(personas, caller, login):
    need = a_need(caller)
    assert post(login(personas.community), need, "explode").status_code == 404
