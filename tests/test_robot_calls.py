"""Robot calls as an integration (kapok.visits.robot): vendors and their secrets, batches POSTed
signed or downloaded as CSV, the results webhook (signatures, replays, malformed payloads), the
reading of transcripts into visits and needs, the review queue, emergencies, and the simulated
vendor closing the loop."""

import csv
import datetime as dt
import hashlib
import hmac
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kapok.accounts.roles import Role
from kapok.audit.models import LogEntry
from kapok.needs.models import Need
from kapok.visits.calling import claim_next
from kapok.visits.models import (
    CallTask,
    RobotAlert,
    RobotBatch,
    RobotResult,
    RobotVendor,
    Team,
    Visit,
)
from kapok.visits.robot import results as results_module
from kapok.visits.robot.batches import prepare_batch, send_batch
from kapok.visits.robot.reading import RobotReading
from kapok.visits.robot.signing import signed_headers
from kapok.visits.robot.vendors import (
    SIMULATED_NAME,
    create_vendor,
    ensure_simulated_vendor,
    vendor_secret,
)
from tests.factories import PersonFactory, UserFactory
from tests.robot_vendor import VendorServer

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/robot/results"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def vendor_server():
    with VendorServer() as server:
        yield server


class Setup:
    """A vendor with its robot team, a human callers' team with a leader and a caller, and
    robot tasks for today."""

    def __init__(self, personas, *, url="https://robot.example/batches", delivery="HTTPS"):
        self.personas = personas
        self.vendor, self.secret = create_vendor(
            actor=None, name="某某智能外呼", code="acme", delivery=delivery, batch_url=url
        )
        self.robot_team = Team.objects.create(
            name="机器人外呼", unit=personas.city_unit, kind=Team.Kind.ROBOT, vendor=self.vendor
        )
        self.leader = UserFactory(
            username="leader", unit=personas.city_unit, roles=[Role.TEAM_LEADER]
        )
        self.caller = UserFactory(username="caller", unit=personas.city_unit, roles=[Role.CALLER])
        self.callers = Team.objects.create(
            name="市一队", unit=personas.city_unit, leader=self.leader
        )
        self.callers.members.add(self.caller, self.leader)

    def task(self, team=None, **person) -> CallTask:
        person = PersonFactory(categories=["TEKUN"], **person)
        return CallTask.objects.create(
            day=timezone.localdate(),
            kind=CallTask.Kind.CALL,
            person=person,
            team=team or self.robot_team,
            region_code=person.residence_region_id,
        )

    def sent(self, count=1) -> list[CallTask]:
        """``count`` robot tasks, in a batch that went to the vendor."""
        tasks = [self.task() for _ in range(count)]
        prepare_batch(self.vendor, send=False)
        return tasks


@pytest.fixture
def robot(personas):
    return Setup(personas)


def post(client, vendor, secret, payload, *, now=None, headers=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signed = signed_headers(secret, body, vendor_code=vendor.code, now=now)
    return client.post(
        WEBHOOK, data=body, content_type="application/json", headers={**signed, **(headers or {})}
    )


def result(task, result_id="r-1", **fields):
    return {
        "result_id": result_id,
        "task_id": task.pk,
        "call_status": "answered",
        "duration_seconds": 48,
        "transcript": "没什么困难，吃的用的都有，谢谢关心。",
        **fields,
    }


# ---------------------------------------------------------------------------------------------
# The webhook: signatures, replays, malformed payloads
# ---------------------------------------------------------------------------------------------


def test_a_reached_result_with_needs_records_a_robot_visit_and_its_needs(client, robot):
    (task,) = robot.sent()
    response = post(
        client,
        robot.vendor,
        robot.secret,
        result(
            task,
            transcript="家里的米吃完了，降压药也只剩两天了。",
            recording_url="https://robot.example/rec/1.mp3",
        ),
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["handling"], answer["outcome"], answer["duplicate"]) == (
        "RECORDED",
        "REACHED",
        False,
    )
    visit = Visit.objects.get()
    assert (visit.channel, visit.outcome, visit.has_difficulty) == ("ROBOT", "REACHED", True)
    assert visit.transcript.startswith("家里的米吃完了")
    assert visit.duration_seconds == 48
    assert visit.made_by is None
    assert visit.team == robot.robot_team
    assert answer["visit_id"] == visit.pk
    needs = {need.kind: need.urgency for need in Need.objects.filter(visit=visit)}
    assert needs == {"FOOD": "urgent", "MEDICINE": "urgent"}
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE
    stored = RobotResult.objects.get()
    assert stored.recording_url.endswith("1.mp3")
    assert stored.reading["needs"][0]["kind"] == "FOOD"
    assert LogEntry.objects.filter(action="visits.robot_result.received").count() == 1


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, robot):
    (task,) = robot.sent()
    payload = result(task)
    wrong = post(client, robot.vendor, "not-the-secret", payload)
    assert wrong.status_code == 401
    assert "X-Kapok-Signature" in wrong.json()["error"]
    body = json.dumps(payload).encode()
    unsigned = client.post(
        WEBHOOK, data=body, content_type="application/json", headers={"X-Kapok-Vendor": "acme"}
    )
    assert unsigned.status_code == 401
    tampered = signed_headers(robot.secret, body, vendor_code="acme")
    changed = body.replace(b"48", b"49")
    assert (
        client.post(WEBHOOK, data=changed, content_type="application/json", headers=tampered)
    ).status_code == 401
    stranger = post(client, robot.vendor, robot.secret, payload, headers={"X-Kapok-Vendor": "x"})
    assert stranger.status_code == 401
    assert RobotResult.objects.count() == 0
    assert Visit.objects.count() == 0


def test_a_signature_older_than_five_minutes_is_refused(client, robot):
    (task,) = robot.sent()
    now = timezone.now()
    old = post(client, robot.vendor, robot.secret, result(task), now=now - dt.timedelta(minutes=6))
    assert old.status_code == 401
    assert "five minutes" in old.json()["error"]
    ahead = post(
        client, robot.vendor, robot.secret, result(task), now=now + dt.timedelta(minutes=6)
    )
    assert ahead.status_code == 401
    assert RobotResult.objects.count() == 0
    recent = post(
        client, robot.vendor, robot.secret, result(task), now=now - dt.timedelta(minutes=4)
    )
    assert recent.status_code == 201


def test_a_replayed_result_is_answered_with_what_was_done_and_nothing_is_done_twice(client, robot):
    (task,) = robot.sent()
    payload = result(task, transcript="米没有了，药也没有了。")
    first = post(client, robot.vendor, robot.secret, payload)
    again = post(client, robot.vendor, robot.secret, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["visit_id"] == first.json()["visit_id"]
    assert again.json()["handling"] == "RECORDED"
    assert Visit.objects.count() == 1
    assert Need.objects.count() == 2
    assert RobotResult.objects.count() == 1


def test_of_two_identical_posts_at_the_same_moment_one_stores_and_the_other_is_a_replay(
    client, robot, monkeypatch
):
    """The second post passed the look-up before the first was stored; the unique constraint
    on (vendor, result id) stops its insert, and it is answered as a replay."""
    (task,) = robot.sent()
    payload = result(task, transcript="米没有了。")
    assert post(client, robot.vendor, robot.secret, payload).status_code == 201
    real = results_module._stored
    looked_up = []

    def missed_once(vendor, result_id):
        looked_up.append(result_id)
        return None if len(looked_up) == 1 else real(vendor, result_id)

    monkeypatch.setattr(results_module, "_stored", missed_once)
    raced = post(client, robot.vendor, robot.secret, payload)
    assert raced.status_code == 200
    assert raced.json()["duplicate"] is True
    assert len(looked_up) == 2
    assert (RobotResult.objects.count(), Visit.objects.count(), Need.objects.count()) == (1, 1, 1)


def _not_json(task, other):
    return b"{not json"


MALFORMED = {
    "not JSON": (_not_json, 400, None),
    "not an object": (lambda task, other: b"[1, 2]", 400, None),
    "no result id": (lambda task, other: {**result(task), "result_id": ""}, 400, "result_id"),
    "no task id": (
        lambda task, other: {k: v for k, v in result(task).items() if k != "task_id"},
        400,
        "task_id",
    ),
    "unknown task": (lambda task, other: result(task, task_id=999_999), 422, "task_id"),
    "another vendor's task": (lambda task, other: result(other), 422, "task_id"),
    "unknown call status": (
        lambda task, other: result(task, call_status="maybe"),
        400,
        "call_status",
    ),
    "duration not a number": (
        lambda task, other: result(task, duration_seconds="long"),
        400,
        "duration_seconds",
    ),
    "transcript not text": (lambda task, other: result(task, transcript=["米"]), 400, "transcript"),
    "recording not a URL": (
        lambda task, other: result(task, recording_url="ftp://x"),
        400,
        "recording_url",
    ),
    "called_at without offset": (
        lambda task, other: result(task, called_at="2026-04-28T10:00:00"),
        400,
        "called_at",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_payload_gets_a_clear_4xx_naming_the_field_and_nothing_is_stored(
    client, robot, case
):
    (task,) = robot.sent()
    other_vendor, _secret = create_vendor(actor=None, name="另一家", code="other", delivery="CSV")
    other_team = Team.objects.create(
        name="另一家机器人", unit=robot.personas.city_unit, kind="ROBOT", vendor=other_vendor
    )
    other = robot.task(team=other_team)
    prepare_batch(other_vendor, send=False)
    make, status, field = MALFORMED[case]
    response = post(client, robot.vendor, robot.secret, make(task, other))
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["field"] == field
    assert response.json()["error"]
    assert RobotResult.objects.count() == 0
    assert Visit.objects.count() == 0


def test_an_oversized_body_is_refused(client, robot):
    (task,) = robot.sent()
    payload = result(task, transcript="米" * 100_000)
    response = post(client, robot.vendor, robot.secret, payload)
    assert response.status_code == 413
    assert RobotResult.objects.count() == 0


def test_the_webhook_takes_no_session_and_no_get(client, robot):
    # The webhook ignores whoever is logged in: the signature is what counts.
    client.force_login(robot.leader)
    assert client.post(WEBHOOK, data=b"{}", content_type="application/json").status_code == 401
    assert client.get(WEBHOOK).status_code == 405


# ---------------------------------------------------------------------------------------------
# Reading: unreached calls, review, emergencies, finished tasks
# ---------------------------------------------------------------------------------------------


def test_a_call_that_did_not_connect_is_an_unreached_visit_and_the_task_goes_out_again(
    client, robot
):
    first, second = robot.sent(2)
    # The vendor's status outranks whatever the transcript says.
    off = post(
        client,
        robot.vendor,
        robot.secret,
        result(first, "r-off", call_status="powered_off", transcript="没事，都好。"),
    )
    carrier = post(
        client,
        robot.vendor,
        robot.secret,
        result(second, "r-carrier", transcript="您拨打的号码是空号，请查证后再拨。"),
    )
    assert (off.json()["outcome"], carrier.json()["outcome"]) == ("POWERED_OFF", "WRONG_NUMBER")
    assert set(Visit.objects.values_list("channel", flat=True)) == {"ROBOT"}
    first.refresh_from_db()
    assert (first.status, first.attempts) == (CallTask.Status.OPEN, 1)
    assert prepare_batch(robot.vendor, send=False) is None  # waits its gap
    later = prepare_batch(robot.vendor, send=False, now=timezone.now() + dt.timedelta(minutes=61))
    assert set(later.tasks.all()) == {first, second}


def test_a_low_confidence_reading_waits_for_review_and_confirming_it_records_the_visit(
    client, robot, login
):
    (task,) = robot.sent()
    response = post(
        client, robot.vendor, robot.secret, result(task, transcript="喂？喂？听不清，你说什么？")
    )
    assert response.json()["handling"] == "TO_REVIEW"
    assert Visit.objects.count() == 0
    stored = RobotResult.objects.get()
    assert stored.review == RobotResult.Review.PENDING
    # Not sent again while it waits for its review.
    assert (
        prepare_batch(robot.vendor, send=False, now=timezone.now() + dt.timedelta(hours=4)) is None
    )

    caller = login(robot.caller)
    queue = caller.get(reverse("visits:robot_review_list"))
    assert queue.status_code == 200
    assert "听不清" in queue.content.decode()
    page = caller.get(reverse("visits:robot_review_detail", args=[stored.pk]))
    assert page.status_code == 200
    assert "听不清" in page.content.decode()
    assert LogEntry.objects.filter(action="visits.robot_result.viewed").count() == 1
    answer = caller.post(
        reverse("visits:robot_review_detail", args=[stored.pk]),
        {
            "outcome": "REACHED",
            "has_difficulty": "on",
            "needs": ["MEDICINE"],
            "urgency": "urgent",
            "notes": "回拨核实：降压药快没了",
        },
    )
    assert answer.status_code == 302
    visit = Visit.objects.get()
    assert (visit.channel, visit.outcome, visit.notes) == (
        "ROBOT",
        "REACHED",
        "回拨核实：降压药快没了",
    )
    assert list(visit.needs.values_list("kind", "urgency")) == [("MEDICINE", "urgent")]
    stored.refresh_from_db()
    assert (stored.review, stored.reviewed_by, stored.visit) == ("DONE", robot.caller, visit)
    entry = LogEntry.objects.get(action="visits.robot_result.reviewed")
    assert entry.actor == robot.caller
    assert entry.data["confirmed"] is False
    again = caller.post(
        reverse("visits:robot_review_detail", args=[stored.pk]),
        {"outcome": "REACHED", "urgency": "normal"},
    )
    assert again.status_code == 200  # reviewed already: nothing recorded twice
    assert Visit.objects.count() == 1
    queue = caller.get(reverse("visits:robot_review_list")).content.decode()
    assert reverse("visits:robot_review_detail", args=[stored.pk]) not in queue


def test_the_review_queue_shows_only_the_reviewers_area(client, robot, login):
    (task,) = robot.sent()
    post(client, robot.vendor, robot.secret, result(task, transcript="喂？听不清。"))
    stored = RobotResult.objects.get()
    outsider_caller = UserFactory(
        username="liwan_caller", unit=robot.personas.outsider_unit, roles=[Role.CALLER]
    )
    other = login(outsider_caller)
    assert "听不清" not in other.get(reverse("visits:robot_review_list")).content.decode()
    assert other.get(reverse("visits:robot_review_detail", args=[stored.pk])).status_code == 404
    assert LogEntry.objects.filter(action="access.out_of_scope").count() == 1


def test_an_emergency_makes_a_human_call_back_first_in_line_and_alerts_the_leader(
    client, robot, login
):
    (task,) = robot.sent()
    ordinary = robot.task(team=robot.callers)  # an ordinary call waiting for the team
    response = post(
        client, robot.vendor, robot.secret, result(task, transcript="老伴摔倒了起不来，叫也不应。")
    )
    answer = response.json()
    callback = CallTask.objects.get(kind=CallTask.Kind.CALLBACK)
    assert answer["callback_task_id"] == callback.pk
    assert (callback.team, callback.person, callback.origin) == (robot.callers, task.person, task)
    assert callback.day == timezone.localdate()
    assert Need.objects.get().urgency == "emergency"
    # claim_next hands out the call-back before the ordinary call.
    assert claim_next(robot.caller) == callback
    assert ordinary.status == CallTask.Status.OPEN
    alert = RobotAlert.objects.get()
    assert (alert.recipient, alert.team, alert.callback) == (robot.leader, robot.callers, callback)
    assert alert.needs == ["MEDICAL"]
    assert alert.delivered_at is None
    raised = LogEntry.objects.get(action="visits.robot_alert.raised")
    assert raised.data["recipient"] == robot.leader.pk
    # On the leader's pages at once.
    leader = login(robot.leader)
    for page_name in ("visits:robot_review_list", "visits:board"):
        page = leader.get(reverse(page_name)).content.decode()
        assert 'data-testid="robot-alerts"' in page, page_name
        assert task.person.name in page
    # A replay makes no second call-back.
    post(
        client, robot.vendor, robot.secret, result(task, transcript="老伴摔倒了起不来，叫也不应。")
    )
    assert CallTask.objects.filter(kind=CallTask.Kind.CALLBACK).count() == 1
    # Seen: off the list.
    leader.post(reverse("visits:robot_alert_ack", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.acknowledged_by == robot.leader
    page = leader.get(reverse("visits:robot_alerts")).content.decode()
    assert 'data-testid="robot-alerts"' not in page


def test_an_emergency_in_a_result_that_waits_for_review_is_called_back_at_once(
    client, robot, monkeypatch
):
    """A reading the reader is unsure of waits for a human, but not its emergency."""
    unsure = RobotReading(
        reached=True,
        ok=False,
        needs=(("PSYCHOLOGICAL", "emergency"),),
        urgency="emergency",
        confidence=0.4,
    )
    monkeypatch.setattr(results_module, "read", lambda text: unsure)
    (task,) = robot.sent()
    answer = post(
        client, robot.vendor, robot.secret, result(task, transcript="有时候觉得活着没意思")
    ).json()
    assert answer["handling"] == "TO_REVIEW"
    assert Visit.objects.count() == 0
    callback = CallTask.objects.get(kind=CallTask.Kind.CALLBACK, origin=task)
    assert answer["callback_task_id"] == callback.pk
    assert RobotAlert.objects.get().callback == callback


def test_a_result_for_a_finished_task_is_kept_without_a_second_visit(client, robot):
    (task,) = robot.sent()
    post(client, robot.vendor, robot.secret, result(task, "r-1"))
    late = post(client, robot.vendor, robot.secret, result(task, "r-2", transcript="米没有了。"))
    assert late.status_code == 201
    assert late.json()["handling"] == "TASK_FINISHED"
    assert late.json()["visit_id"] is None
    assert RobotResult.objects.count() == 2
    assert Visit.objects.count() == 1
    assert Need.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Sending batches
# ---------------------------------------------------------------------------------------------


def test_the_days_batch_is_posted_signed_to_the_vendor(
    personas, login, vendor_server, immediate_tasks, django_capture_on_commit_callbacks
):
    robot = Setup(personas, url=vendor_server.url)
    tasks = [robot.task(phones=["13800001111", "02081234567"]), robot.task()]
    robot.task(team=robot.callers)  # a human team's task: not the robot's
    leader = login(personas.city)
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(reverse("visits:robot_batch_prepare"), {"vendor": robot.vendor.pk})
    assert response.status_code == 302
    (received,) = vendor_server.received
    headers = {key.lower(): value for key, value in received.headers.items()}
    timestamp = headers["x-kapok-timestamp"]
    expected = hmac.new(
        robot.secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    assert headers["x-kapok-signature"] == expected
    assert headers["content-type"].startswith("application/json")
    payload = json.loads(received.body)
    assert payload["vendor"] == "acme"
    assert [row["task_id"] for row in payload["tasks"]] == [task.pk for task in tasks]
    assert payload["tasks"][0]["phone"] == "13800001111"
    assert payload["tasks"][0]["phones"] == ["13800001111", "02081234567"]
    batch = RobotBatch.objects.get()
    assert (batch.status, batch.attempts, batch.prepared_by) == ("SENT", 1, personas.city)
    assert set(CallTask.objects.filter(team=robot.robot_team).values_list("status", flat=True)) == {
        "CLAIMED"
    }
    page = leader.get(reverse("visits:robot_batches")).content.decode()
    assert "13800001111" not in page  # numbers only in what goes to the vendor
    assert LogEntry.objects.filter(action="visits.robot_batch.sent").count() == 1


def test_a_vendor_that_fails_then_recovers_gets_the_batch_when_sent_again(
    personas, login, immediate_tasks, django_capture_on_commit_callbacks
):
    with VendorServer(statuses=[503, 200]) as server:
        robot = Setup(personas, url=server.url)
        task = robot.task()
        batch = prepare_batch(robot.vendor, send=False)
        assert send_batch(batch.pk) == "FAILED"
        batch.refresh_from_db()
        assert (batch.status, batch.attempts) == ("FAILED", 1)
        assert "503" in batch.error
        leader = login(personas.city)
        page = leader.get(reverse("visits:robot_batches")).content.decode()
        assert "503" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = leader.post(reverse("visits:robot_batch_retry", args=[batch.pk]))
        assert response.status_code == 302
        batch.refresh_from_db()
        assert (batch.status, batch.attempts, batch.error) == ("SENT", 2, "")
        assert len(server.received) == 2
        assert json.loads(server.received[1].body)["tasks"][0]["task_id"] == task.pk
    assert LogEntry.objects.filter(action="visits.robot_batch.failed").count() == 1


def test_a_vendor_nobody_answers_for_fails_the_batch_with_the_reason(personas):
    with VendorServer() as server:
        url = server.url  # a port that was free, and is closed again below
    robot = Setup(personas, url=url)
    robot.task()
    batch = prepare_batch(robot.vendor, send=False)
    assert send_batch(batch.pk) == "FAILED"
    batch.refresh_from_db()
    assert batch.error
    assert send_batch(batch.pk) == "SKIPPED"  # a failed batch is sent again only when retried


def test_the_robot_send_command_sends_the_due_tasks_and_the_failed_batches(personas):
    with VendorServer(statuses=[500, 200, 200]) as server:
        robot = Setup(personas, url=server.url)
        robot.task()
        out = io.StringIO()
        call_command("robot", "send", stdout=out)
        assert "FAILED" in out.getvalue()
        robot.task()
        out = io.StringIO()
        call_command("robot", "send", "--json", stdout=out)
        report = json.loads(out.getvalue())
    assert [b["status"] for b in report["batches"]] == ["SENT", "SENT"]
    assert RobotBatch.objects.filter(status="SENT").count() == 2


def test_a_csv_vendor_downloads_the_days_robot_tasks(personas, login):
    robot = Setup(personas, url="", delivery="CSV")
    first = robot.task(phones=["13800002222"], name="=HYPERLINK(1)")
    second = robot.task()
    leader = login(personas.city)
    response = leader.post(reverse("visits:robot_batch_prepare"), {"vendor": robot.vendor.pk})
    assert response.status_code == 302
    batch = RobotBatch.objects.get()
    assert batch.status == "PENDING"
    download = leader.get(reverse("visits:robot_batch_csv", args=[batch.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    text = download.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["task_id"]) for row in rows] == [first.pk, second.pk]
    assert rows[0]["phone"] == "13800002222"
    assert rows[0]["name"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    batch.refresh_from_db()
    assert batch.status == "SENT"
    entry = LogEntry.objects.get(action="visits.robot_batch.downloaded")
    assert entry.actor == personas.city
    assert entry.data["rows"] == 2


# ---------------------------------------------------------------------------------------------
# Vendors
# ---------------------------------------------------------------------------------------------


def test_a_vendors_secret_is_shown_once_stored_encrypted_and_can_be_replaced(
    client, personas, login
):
    leader = login(personas.city)
    response = leader.post(
        reverse("visits:robot_vendor_new"),
        {
            "name": "某某外呼",
            "code": "mm",
            "delivery": "HTTPS",
            "batch_url": "https://mm.example/b",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret in response.content.decode()
    vendor = RobotVendor.objects.get(code="mm")
    assert secret not in vendor.secret_encrypted
    assert vendor_secret(vendor) == secret
    assert secret not in leader.get(reverse("visits:robot_vendors")).content.decode()
    assert LogEntry.objects.filter(action="visits.robot_vendor.created").count() == 1
    assert secret not in json.dumps(list(LogEntry.objects.values_list("data", flat=True)))

    replaced = leader.post(reverse("visits:robot_vendor_secret", args=[vendor.pk]))
    new = replaced.context["secret"]
    assert new != secret
    team = Team.objects.create(
        name="外呼", unit=personas.city_unit, kind=Team.Kind.ROBOT, vendor=vendor
    )
    person = PersonFactory(categories=["TEKUN"])
    task = CallTask.objects.create(
        day=timezone.localdate(), person=person, team=team, region_code=person.residence_region_id
    )
    prepare_batch(vendor, send=False)
    assert post(client, vendor, secret, result(task)).status_code == 401  # the old one
    assert post(client, vendor, new, result(task)).status_code == 201


def test_a_vendor_is_only_sent_batches_over_https_in_production(personas, login, settings):
    settings.PRODUCTION = True
    leader = login(personas.city)
    response = leader.post(
        reverse("visits:robot_vendor_new"),
        {
            "name": "明文外呼",
            "code": "plain",
            "delivery": "HTTPS",
            "batch_url": "http://x.example/",
        },
    )
    assert response.status_code == 200
    assert not RobotVendor.objects.filter(code="plain").exists()


# ---------------------------------------------------------------------------------------------
# The simulated vendor
# ---------------------------------------------------------------------------------------------


def test_the_simulated_vendor_closes_the_loop(personas):
    vendor = ensure_simulated_vendor()
    assert (vendor.name, vendor.is_simulated) == (SIMULATED_NAME, True)
    assert ensure_simulated_vendor() == vendor  # idempotent
    team = Team.objects.create(
        name="模拟机器人", unit=personas.city_unit, kind=Team.Kind.ROBOT, vendor=vendor
    )
    Team.objects.create(name="市一队", unit=personas.city_unit)
    today = timezone.localdate()
    people = [PersonFactory(categories=["TEKUN"]) for _ in range(40)]
    CallTask.objects.bulk_create(
        CallTask(day=today, person=p, team=team, region_code=p.residence_region_id) for p in people
    )
    out = io.StringIO()
    call_command("robot", "simulate", "--share", "0.5", stdout=out)
    assert RobotResult.objects.count() == 20  # half of them: a day in progress
    call_command("robot", "simulate", stdout=out)
    results = RobotResult.objects.all()
    assert results.count() == 40
    assert set(results.values_list("vendor", flat=True)) == {vendor.pk}
    # Through the webhook's code path: each result received and logged as a signed post is.
    assert LogEntry.objects.filter(action="visits.robot_result.received").count() == 40
    visits = Visit.objects.filter(channel="ROBOT")
    outcomes = set(visits.values_list("outcome", flat=True))
    assert "REACHED" in outcomes
    handled = set(results.values_list("handling", flat=True))
    assert handled <= {"RECORDED", "TO_REVIEW", "TASK_FINISHED"}
    assert "RECORDED" in handled
    assert RobotResult.objects.filter(handling="RECORDED").count() == visits.count()
    # The mix: someone fine, someone with needs, someone unreached, across the forty.
    assert Visit.objects.filter(outcome="REACHED", has_difficulty=False).exists()
    assert Need.objects.exists()
    assert Visit.objects.exclude(outcome="REACHED").exists()
    # Answered again: nothing new (every task has its result for this attempt).
    call_command("robot", "simulate", stdout=out)
    assert RobotResult.objects.count() == 40


def test_the_robot_command_adds_and_lists_vendors_and_prints_the_secret_once(db):
    out = io.StringIO()
    call_command(
        "robot", "add-vendor", "某某外呼", "mm", "--url", "https://mm.example/b", stdout=out
    )
    secret = out.getvalue().rsplit(" ", 1)[-1].strip()
    vendor = RobotVendor.objects.get(code="mm")
    assert vendor_secret(vendor) == secret
    listed = io.StringIO()
    call_command("robot", "vendors", stdout=listed)
    assert "mm" in listed.getvalue()
    assert "某某外呼" in listed.getvalue()
    assert secret not in listed.getvalue()
    with pytest.raises(CommandError, match="HTTPS"):
        call_command("robot", "add-vendor", "无地址", "none", stdout=io.StringIO())
