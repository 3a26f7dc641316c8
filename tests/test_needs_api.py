"""The needs API (/api/v1/needs) through HTTP, as an integration calls it: token authentication,
region scoping, every transition, the optimistic lock, and Idempotency-Key."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from kapok.api.idempotency import REPLAY_HEADER, purge_idempotency_keys
from kapok.api.integrations import create_integration, revoke_integration
from kapok.api.models import IdempotencyKey
from kapok.api.v1 import closed_by_default
from kapok.audit.models import LogEntry
from kapok.needs.actions import report_need
from kapok.needs.models import Need
from kapok.registry.models import Person
from kapok.site.daily import DAILY_JOBS
from tests.factories import PersonFactory, region, unit_for

pytestmark = pytest.mark.django_db

S = Need.Status
ID_NUMBER = "44011119450312123X"  # a valid check character (GB 11643)
LIST = "/api/v1/needs"


def detail_url(need) -> str:
    return f"/api/v1/needs/{need.pk if hasattr(need, 'pk') else need}"


def transitions_url(need) -> str:
    return detail_url(need) + "/transitions"


class Caller:
    """The Django test client with an integration's bearer token."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url, data=None, headers=None):
        return self.client.get(url, data, headers=self._headers(headers))

    def post(self, url, body, headers=None):
        return self.client.post(
            url,
            json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            headers=self._headers(headers),
        )


@pytest.fixture
def api(client, personas):
    """One integration per persona that acts for a unit: api("district").get(...)."""
    made = {}

    def as_integration(persona: str) -> Caller:
        if persona not in made:
            _integration, token = create_integration(
                actor=None, name=f"{persona} system", user=getattr(personas, persona)
            )
            made[persona] = Caller(client, token)
        return made[persona]

    return as_integration


def a_person(place="白云区松洲街螺涌", **kwargs) -> Person:
    return PersonFactory(name="张小明", residence_region=region(place), **kwargs)


def a_need(personas, person=None, **kwargs) -> Need:
    return report_need(
        person=person or a_person(),
        kind=kwargs.pop("kind", "FOOD"),
        urgency=kwargs.pop("urgency", "normal"),
        description="家里没米了，电话13812345678",
        actor=kwargs.pop("actor", personas.district),
        **kwargs,
    )


# -- authentication ----------------------------------------------------------------------------


def test_a_request_without_a_token_is_refused_with_a_json_401(client, personas):
    response = client.get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_refused(client, personas):
    response = Caller(client, "kpk_not-a-real-token").get(LIST)

    assert response.status_code == 401


def test_a_logged_in_session_is_not_enough_without_a_token(client, personas):
    client.force_login(personas.district)

    assert client.get(LIST).status_code == 401


def test_a_revoked_token_stops_working_at_once(client, personas):
    integration, token = create_integration(actor=None, name="12345", user=personas.district)
    assert Caller(client, token).get(LIST).status_code == 200

    revoke_integration(integration, actor=None)

    assert Caller(client, token).get(LIST).status_code == 401


def test_the_token_of_a_deactivated_account_is_refused(client, personas):
    _integration, token = create_integration(actor=None, name="12345", user=personas.district)
    personas.district.is_active = False
    personas.district.save(update_fields=["is_active"])

    assert Caller(client, token).get(LIST).status_code == 401


def test_the_token_is_stored_only_as_a_hash_and_use_is_recorded(client, personas):
    integration, token = create_integration(actor=None, name="12345", user=personas.district)

    Caller(client, token).get(LIST)

    integration.refresh_from_db()
    assert token not in integration.token_hash
    assert token.startswith(integration.token_prefix)
    assert integration.last_used_at is not None
    assert not LogEntry.objects.filter(data__icontains=token).exists()


def test_an_operation_not_marked_region_safe_refuses_region_limited_accounts(personas, rf):
    view = closed_by_default(lambda request: "records")
    request = rf.get("/")

    request.user = personas.city
    assert view(request) == "records"
    request.user = personas.district
    with pytest.raises(PermissionDenied):
        view(request)


# -- create --------------------------------------------------------------------------------------


def test_an_integration_reports_a_need_that_is_routed_and_dispatched(api, personas):
    person = a_person()

    response = api("district").post(
        LIST, {"person_id": person.pk, "kind": "FOOD", "urgency": "urgent", "description": "缺米"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    need = Need.objects.get(pk=body["id"])
    assert need.status == S.DISPATCHED
    assert need.unit == personas.community_unit
    assert need.reported_by == personas.district
    assert body["status"] == "DISPATCHED"
    assert body["unit"] == {"id": personas.community_unit.pk, "name": personas.community_unit.name}
    assert body["person"]["name"] == "张*明"
    assert body["deadlines"]["due"] is not None
    assert LogEntry.objects.for_object(need).filter(action="needs.need.reported").exists()


def test_a_need_can_be_reported_by_the_persons_id_number(api, personas):
    person = a_person()
    person.set_id_number(ID_NUMBER)
    person.save()

    response = api("district").post(LIST, {"id_number": ID_NUMBER.lower(), "kind": "MEDICINE"})

    assert response.status_code == 201, response.content
    assert Need.objects.get().person == person
    assert ID_NUMBER not in response.content.decode()
    assert ID_NUMBER[6:14] not in response.content.decode()


def test_a_person_of_another_district_is_not_found(api, personas):
    stranger = a_person("荔湾区")

    response = api("district").post(LIST, {"person_id": stranger.pk, "kind": "FOOD"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Need.objects.exists()


def test_an_unknown_id_number_is_not_found_and_a_bad_one_is_explained(api, personas):
    assert api("district").post(LIST, {"id_number": ID_NUMBER, "kind": "FOOD"}).status_code == 404

    response = api("district").post(LIST, {"id_number": "12345", "kind": "FOOD"})

    assert response.status_code == 422
    assert response.json()["code"] == "id_number"


def test_a_person_must_be_named_once(api, personas):
    response = api("district").post(LIST, {"kind": "FOOD"})

    assert response.status_code == 422
    assert response.json()["code"] == "person"


def test_an_account_without_the_right_to_report_is_refused(api, personas):
    person = a_person()

    response = api("sysadmin").post(LIST, {"person_id": person.pk, "kind": "FOOD"})

    assert response.status_code == 403
    assert not Need.objects.exists()


def test_a_bad_body_is_a_422_naming_the_field(api, personas):
    response = api("district").post(LIST, {"person_id": 1, "kind": "GOLD"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert any("kind" in error["loc"] for error in body["errors"])


def test_labels_and_messages_are_in_chinese_by_default_and_english_when_asked(api, personas):
    need = a_need(personas)

    chinese = api("district").get(detail_url(need)).json()
    english = api("district").get(detail_url(need), headers={"Accept-Language": "en"}).json()
    message = api("district").post(LIST, {"kind": "FOOD"}, headers={"Accept-Language": "en"})

    assert (chinese["kind_label"], chinese["status_label"]) == ("缺粮", "已派单")
    assert (english["kind_label"], english["status_label"]) == ("short of food", "dispatched")
    assert message.json()["message"] == "Give either person_id or id_number."


# -- list and read -------------------------------------------------------------------------------


def test_the_list_shows_only_the_integrations_region(api, personas):
    ours = a_need(personas)
    theirs = a_need(personas, person=a_person("荔湾区"), actor=personas.outsider)

    district = api("district").get(LIST).json()
    outsider = api("outsider").get(LIST).json()

    assert [item["id"] for item in district["items"]] == [ours.pk]
    assert [item["id"] for item in outsider["items"]] == [theirs.pk]
    assert district["count"] == 1


def test_the_list_filters_and_pages_in_a_stable_order(api, personas):
    needs = [a_need(personas, kind=kind) for kind in ("FOOD", "OIL", "FOOD")]
    urgent = a_need(personas, kind="MEDICAL", urgency="urgent")
    caller = api("district")

    food = caller.get(LIST, {"kind": "FOOD"}).json()
    first = caller.get(LIST, {"limit": 2}).json()
    second = caller.get(LIST, {"limit": 2, "offset": 2}).json()

    assert {item["id"] for item in food["items"]} == {needs[0].pk, needs[2].pk}
    assert [item["id"] for item in caller.get(LIST, {"urgency": "urgent"}).json()["items"]] == [
        urgent.pk
    ]
    assert first["count"] == 4
    assert len(first["items"]) == 2
    paged = [item["id"] for item in first["items"] + second["items"]]
    assert sorted(paged) == sorted(need.pk for need in [*needs, urgent])
    assert caller.get(LIST, {"status": "CLOSED"}).json()["items"] == []
    assert caller.get(LIST, {"limit": 1000}).status_code == 422


def test_the_list_finds_overdue_needs_and_changes_since_a_time(api, personas):
    late = a_need(personas, now=timezone.now() - dt.timedelta(days=2))
    fresh = a_need(personas)
    Need.objects.filter(pk=late.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    caller = api("district")

    overdue = caller.get(LIST, {"overdue": "true"}).json()["items"]
    on_time = caller.get(LIST, {"overdue": "false"}).json()["items"]
    since = caller.get(
        LIST, {"updated_since": (timezone.now() - dt.timedelta(hours=1)).isoformat()}
    )

    assert [item["id"] for item in overdue] == [late.pk]
    assert overdue[0]["deadlines"]["overdue"] is True
    assert [item["id"] for item in on_time] == [fresh.pk]
    assert [item["id"] for item in since.json()["items"]] == [fresh.pk]


def test_a_need_is_read_with_its_deadlines_and_timeline_masked(api, personas):
    person = a_person()
    person.set_id_number(ID_NUMBER)
    person.save()
    need = a_need(personas, person=person)

    response = api("district").get(detail_url(need))

    assert response.status_code == 200
    body = response.json()
    text = response.content.decode()
    assert body["version"] == need.version
    assert [entry["action"] for entry in body["timeline"]][:2] == [
        "needs.need.reported",
        "needs.need.dispatched",
    ]
    assert body["timeline"][0]["actor"] == str(personas.district)
    assert "13812345678" not in text
    assert "138****5678" in body["description"]
    assert "张小明" not in text
    assert ID_NUMBER not in text
    assert "phones" not in text
    assert "cancel" in body["allowed_actions"]


def test_another_regions_need_is_a_404_like_a_missing_one_and_is_audited(api, personas):
    theirs = a_need(personas, person=a_person("荔湾区"), actor=personas.outsider)

    hidden = api("district").get(detail_url(theirs))
    missing = api("district").get(detail_url(theirs.pk + 1000))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    attempt = LogEntry.objects.get(action="access.out_of_scope")
    assert attempt.actor == personas.district
    assert attempt.object_id == str(theirs.pk)


# -- transitions ---------------------------------------------------------------------------------


def move(caller, need_id, action, version, **fields):
    return caller.post(transitions_url(need_id), {"action": action, "version": version, **fields})


def test_the_whole_lifecycle_through_the_api(api, personas):
    created = api("district").post(LIST, {"person_id": a_person().pk, "kind": "FOOD"}).json()
    community, district = api("community"), api("district")

    accepted = move(community, created["id"], "accept", created["version"])
    resolved = move(
        community, created["id"], "resolve", accepted.json()["version"], result="送去大米"
    )
    verified = move(district, created["id"], "verify", resolved.json()["version"], note="已回访")
    closed = move(district, created["id"], "close", verified.json()["version"])

    assert [r.status_code for r in (accepted, resolved, verified, closed)] == [200] * 4
    assert [r.json()["status"] for r in (accepted, resolved, verified, closed)] == [
        "ACCEPTED",
        "RESOLVED",
        "VERIFIED",
        "CLOSED",
    ]
    need = Need.objects.get(pk=created["id"])
    assert need.status == S.CLOSED
    assert need.result == "送去大米"
    assert need.accepted_by == personas.community
    assert closed.json()["timeline"][-1]["action"] == "needs.need.closed"


def test_return_dispatch_reopen_and_cancel_through_the_api(api, personas):
    other = unit_for("白云区松洲街槎龙", parent=personas.street_unit)
    need = a_need(personas)
    community, street, district = api("community"), api("street"), api("district")

    returned = move(community, need.pk, "return", need.version, reason="不住本社区")
    dispatched = move(street, need.pk, "dispatch", returned.json()["version"], unit_id=other.pk)
    assert returned.json()["status"] == "RETURNED"
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["unit"]["id"] == other.pk

    need.refresh_from_db()
    need.unit = personas.community_unit  # back to 螺涌 for the rest, as a re-dispatch would
    need.save(update_fields=["unit"])
    version = move(community, need.pk, "accept", need.version).json()["version"]
    version = move(community, need.pk, "resolve", version, result="已送").json()["version"]
    reopened = move(district, need.pk, "reopen", version, reason="老人说没收到")
    assert reopened.json()["status"] == "REOPENED"

    duplicate = a_need(personas, person=need.person)
    cancelled = move(
        street,
        duplicate.pk,
        "cancel",
        duplicate.version,
        reason="重复上报",
        duplicate_of=need.pk,
    )
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["duplicate_of"] == need.pk


def test_a_stale_version_is_a_409_with_the_need_as_it_is_now(api, personas):
    need = a_need(personas)
    community = api("community")
    move(community, need.pk, "accept", need.version)

    response = move(community, need.pk, "return", need.version, reason="不住本社区")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["need"]["status"] == "ACCEPTED"
    assert body["need"]["version"] == need.version + 1
    assert Need.objects.get(pk=need.pk).status == S.ACCEPTED


def test_an_illegal_transition_is_a_422_with_its_code_and_message(api, personas):
    need = a_need(personas)

    response = move(api("district"), need.pk, "close", need.version)

    assert response.status_code == 422
    assert response.json()["code"] == "illegal"
    assert response.json()["message"]
    assert Need.objects.get(pk=need.pk).status == S.DISPATCHED


def test_a_missing_reason_is_a_422(api, personas):
    need = a_need(personas)

    response = move(api("community"), need.pk, "return", need.version)

    assert response.status_code == 422
    assert response.json()["code"] == "reason"


def test_an_account_whose_roles_do_not_allow_the_transition_gets_a_403(api, personas):
    need = a_need(personas)

    response = move(api("community"), need.pk, "cancel", need.version, reason="重复")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_another_regions_need_cannot_be_moved(api, personas):
    theirs = a_need(personas, person=a_person("荔湾区"), actor=personas.outsider)

    response = move(api("district"), theirs.pk, "cancel", theirs.version, reason="重复")

    assert response.status_code == 404
    assert Need.objects.get(pk=theirs.pk).status == theirs.status


# -- idempotency -------------------------------------------------------------------------------


def test_a_repeated_idempotency_key_creates_one_need_and_replays_the_answer(api, personas):
    body = {"person_id": a_person().pk, "kind": "FOOD", "description": "缺米"}
    caller = api("district")

    first = caller.post(LIST, body, headers={"Idempotency-Key": "report-1"})
    again = caller.post(LIST, body, headers={"Idempotency-Key": "report-1"})

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Need.objects.count() == 1
    assert REPLAY_HEADER not in first
    assert again[REPLAY_HEADER] == "true"


def test_the_same_key_with_another_body_is_refused(api, personas):
    person = a_person()
    caller = api("district")
    caller.post(LIST, {"person_id": person.pk, "kind": "FOOD"}, headers={"Idempotency-Key": "k"})

    response = caller.post(
        LIST, {"person_id": person.pk, "kind": "OIL"}, headers={"Idempotency-Key": "k"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Need.objects.count() == 1


def test_keys_belong_to_one_integration(api, personas):
    body = {"person_id": a_person().pk, "kind": "FOOD"}

    api("district").post(LIST, body, headers={"Idempotency-Key": "same"})
    other = api("city").post(LIST, body, headers={"Idempotency-Key": "same"})

    assert other.status_code == 201
    assert REPLAY_HEADER not in other
    assert Need.objects.count() == 2


def test_a_repeated_transition_is_not_done_twice_nor_turned_into_a_conflict(api, personas):
    need = a_need(personas)
    community = api("community")
    body = {"action": "accept", "version": need.version}

    first = community.post(transitions_url(need), body, headers={"Idempotency-Key": "a-1"})
    again = community.post(transitions_url(need), body, headers={"Idempotency-Key": "a-1"})

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert LogEntry.objects.for_object(need).filter(action="needs.need.accepted").count() == 1


def test_a_request_without_a_key_is_done_each_time(api, personas):
    body = {"person_id": a_person().pk, "kind": "FOOD"}

    api("district").post(LIST, body)
    api("district").post(LIST, body)

    assert Need.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_old_keys_are_purged_daily(api, personas):
    caller = api("district")
    caller.post(
        LIST, {"person_id": a_person().pk, "kind": "FOOD"}, headers={"Idempotency-Key": "o"}
    )
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    caller.post(
        LIST, {"person_id": a_person().pk, "kind": "FOOD"}, headers={"Idempotency-Key": "n"}
    )

    assert purge_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["n"]
    assert "kapok.api.idempotency.purge_idempotency_keys" in DAILY_JOBS


# -- schema and docs -----------------------------------------------------------------------------


def test_the_openapi_schema_and_the_docs_are_served_without_a_cdn(client, personas):
    schema = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert schema.status_code == 200
    assert set(schema.json()["paths"]) == {
        "/api/v1/needs",
        "/api/v1/needs/{need_id}",
        "/api/v1/needs/{need_id}/transitions",
    }
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert reverse("api:needs-api:need_list") == LIST


def test_the_loser_of_two_identical_requests_at_once_replays_the_winners_answer(
    api, personas, monkeypatch
):
    """The unique constraint decides: a claim that fails because the same key committed in
    between is answered with the stored answer, and the action is not run again."""
    body = {"person_id": a_person().pk, "kind": "FOOD"}
    caller = api("district")
    first = caller.post(LIST, body, headers={"Idempotency-Key": "race"})
    real_filter = IdempotencyKey.objects.filter
    looked = []

    def first_look_misses(*args, **kwargs):
        found = real_filter(*args, **kwargs)
        if not looked:  # the look before the claim: the winner had not committed yet
            looked.append(True)
            return found.none()
        return found

    monkeypatch.setattr(IdempotencyKey.objects, "filter", first_look_misses)
    again = caller.post(LIST, body, headers={"Idempotency-Key": "race"})

    assert looked
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again[REPLAY_HEADER] == "true"
    assert Need.objects.count() == 1
