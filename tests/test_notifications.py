"""Notifications (kapok.notifications): the outbox written with the event, delivered by WeCom,
SMS and e-mail with retries and back-off and never twice, against a local stand-in for the
outside services that fails and then recovers; and the periodic run that sends what is due."""

import datetime as dt
import json
import logging

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from kapok.audit.models import LogEntry
from kapok.environment import env_optional_secret
from kapok.notifications import delivery
from kapok.notifications.actions import add_duty_person, notify, notify_people, save_channels
from kapok.notifications.models import ChannelKind, DutyPerson, Notification, UnitChannel
from kapok.notifications.recipients import mask_email, mask_webhook
from kapok.notifications.senders import sms_payload
from kapok.site import periodic
from kapok.site.periodic import ensure_periodic_run, run_periodic
from tests.notification_service import OK, StandInService

pytestmark = pytest.mark.django_db

ROBOT_KEY = "693a91f6-7e1d-4c2b-9f3a-0d5e8b7c6a21"
PHONE = "13812345678"
OTHER_PHONE = "13987654321"


@pytest.fixture
def service():
    with StandInService() as stand_in:
        yield stand_in


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def configured(personas, service, settings):
    """The 螺涌 community with its WeCom robot, SMS and e-mail on, and two duty people."""
    settings.KAPOK_SMS_GATEWAY_URL = service.url("/sms")
    settings.KAPOK_SMS_GATEWAY_TOKEN = "gateway-token-123"
    unit = personas.community_unit
    save_channels(
        actor=personas.sysadmin,
        unit=unit,
        wecom_enabled=True,
        sms_enabled=True,
        email_enabled=True,
        webhook=service.url(f"/wecom?key={ROBOT_KEY}"),
    )
    add_duty_person(
        actor=personas.sysadmin, unit=unit, name="值班员甲", phone=PHONE, email="zhang@example.cn"
    )
    add_duty_person(
        actor=personas.sysadmin,
        unit=unit,
        name="督导员乙",
        phone=OTHER_PHONE,
        duty=DutyPerson.Duty.CHILD_SUPERVISOR,
    )
    return unit


def tell(unit, key="need:1:dispatched", **kwargs):
    values = {
        "units": unit if isinstance(unit, list) else [unit],
        "event": "needs.need.dispatched",
        "subject": "新的需求",
        "body": "螺涌社区：张三 缺药，今天办结。",
        "key": key,
    }
    return notify(**(values | kwargs))


def test_a_message_is_retried_with_backoff_against_a_failing_service_and_sent_once_it_recovers(
    configured, service, django_capture_on_commit_callbacks, immediate_tasks
):
    service.answer(
        "/wecom", (500, {"error": "down"}), (200, {"errcode": 93000, "errmsg": "busy"}), OK
    )
    service.answer("/sms", (500, {"error": "down"}), (200, {"ok": True}))
    with django_capture_on_commit_callbacks(execute=True):
        rows = tell(configured)
    # The robot, and 甲 (on duty) by SMS and e-mail; 乙 (a child supervisor) is not told.
    assert sorted((row.kind, row.recipient_masked[-4:]) for row in rows) == [
        ("EMAIL", "e.cn"),
        ("SMS", "5678"),
        ("WECOM", "6a21"),
    ]
    wecom = Notification.objects.get(kind="WECOM")
    sms = Notification.objects.get(kind="SMS")
    assert Notification.objects.get(kind="EMAIL").status == "SENT"  # locmem mail never fails
    assert wecom.status == sms.status == "PENDING"
    assert wecom.attempts == sms.attempts == 1
    assert wecom.last_error == "HTTP 500 Internal Server Error"
    first_failure = wecom.next_attempt_at
    assert dt.timedelta(seconds=29) < first_failure - timezone.now() <= dt.timedelta(seconds=30)

    # Not due yet: nothing is tried.
    assert delivery.deliver_due(now=timezone.now()) == {}
    # 30 seconds on: WeCom answers 200 with an errcode (a failure), the gateway takes the SMS.
    later = first_failure + dt.timedelta(seconds=1)
    assert delivery.deliver_due(now=later) == {"PENDING": 1, "SENT": 1}
    wecom.refresh_from_db()
    assert wecom.attempts == 2
    assert wecom.last_error == "WeCom errcode 93000: busy"
    assert wecom.next_attempt_at == later + dt.timedelta(minutes=2)
    assert delivery.deliver_due(now=later + dt.timedelta(minutes=1)) == {}
    # Two minutes on, WeCom has recovered.
    recovered = later + dt.timedelta(minutes=2)
    assert delivery.deliver_due(now=recovered) == {"SENT": 1}
    wecom.refresh_from_db()
    assert (wecom.status, wecom.attempts, wecom.sent_at, wecom.last_error) == (
        "SENT",
        3,
        recovered,
        "",
    )
    # Nothing more is sent, however often the periodic job runs.
    assert delivery.deliver_due(now=recovered + dt.timedelta(hours=3)) == {}
    assert [request.succeeded for request in service.to("/wecom")] == [False, False, True]
    assert [request.succeeded for request in service.to("/sms")] == [False, True]
    message = service.to("/wecom")[-1]
    assert message.query == f"key={ROBOT_KEY}"
    assert message.payload == {
        "msgtype": "text",
        "text": {"content": "新的需求\n螺涌社区：张三 缺药，今天办结。"},
    }
    text = service.to("/sms")[-1]
    assert text.payload == {"phone": PHONE, "text": "【新的需求】螺涌社区：张三 缺药，今天办结。"}
    assert text.headers["Authorization"] == "Bearer gateway-token-123"


def test_the_same_key_twice_makes_one_row_and_one_send(
    configured, service, django_capture_on_commit_callbacks, immediate_tasks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = tell(configured)
        again = tell(configured)
    assert [row.pk for row in again] == [row.pk for row in first]
    assert Notification.objects.count() == 3
    assert len(callbacks) == 1  # the second call queued nothing
    assert len(service.to("/wecom")) == 1
    assert len(service.to("/sms")) == 1
    # Another key is another message.
    with django_capture_on_commit_callbacks(execute=True):
        tell(configured, key="need:1:escalated")
    assert Notification.objects.count() == 6


def test_a_rolled_back_event_queues_nothing_and_sends_nothing(
    configured, service, django_capture_on_commit_callbacks, immediate_tasks
):
    inside = []

    @transaction.atomic
    def event_that_fails():
        tell(configured)
        inside.append(Notification.objects.count())
        raise RuntimeError("the event failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        event_that_fails()
    assert inside == [3]
    assert Notification.objects.count() == 0
    assert callbacks == []
    assert delivery.deliver_due(now=timezone.now() + dt.timedelta(days=1)) == {}
    assert service.received == []


def test_the_delivery_is_queued_only_when_the_transaction_commits(configured):
    with transaction.atomic():
        tell(configured)
        assert not DBTaskResult.objects.exists()
    # (pytest-django's test transaction holds the commit: the callback waits.)
    assert not DBTaskResult.objects.exists()


def test_two_deliveries_of_one_row_send_it_once(configured, service, monkeypatch):
    tell(configured, duties=[])  # WeCom only
    row = Notification.objects.get()
    assert delivery.deliver(row.pk) == "SENT"
    assert delivery.deliver(row.pk) == "SKIPPED"
    assert len(service.to("/wecom")) == 1


def test_a_second_worker_arriving_while_the_first_sends_does_nothing(
    configured, service, monkeypatch
):
    tell(configured, duties=[])
    row = Notification.objects.get()
    second = []
    real_send = delivery.SENDERS[ChannelKind.WECOM]

    def send_while_another_worker_tries(url, **kwargs):
        second.append(delivery.deliver(row.pk))  # the other worker, at the same moment
        real_send(url, **kwargs)

    monkeypatch.setitem(delivery.SENDERS, ChannelKind.WECOM, send_while_another_worker_tries)
    assert delivery.deliver(row.pk) == "SENT"
    assert second == ["SKIPPED"]
    assert len(service.to("/wecom")) == 1


def test_a_row_left_sending_by_a_dead_worker_is_sent_again_after_a_while(configured, service):
    tell(configured, duties=[])
    row = Notification.objects.get()
    now = timezone.now()
    # A worker claimed it and died before sending.
    Notification.objects.filter(pk=row.pk).update(
        status="SENDING", attempts=1, next_attempt_at=now + delivery.STALE_SENDING
    )
    assert delivery.deliver_due(now=now + dt.timedelta(minutes=4)) == {}
    assert delivery.deliver_due(now=now + dt.timedelta(minutes=6)) == {"released": 1, "SENT": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("SENT", 2)
    assert len(service.to("/wecom")) == 1


def test_a_message_is_given_up_after_the_last_attempt_and_the_audit_log_says_so(
    configured, service, settings
):
    settings.KAPOK_NOTIFY_MAX_ATTEMPTS = 3
    service.answer("/wecom", (500, {}))
    tell(configured, duties=[])
    row = Notification.objects.get()
    now = timezone.now()
    outcomes = []
    for _try in range(3):
        outcomes.append(delivery.deliver(row.pk, now=now))
        row.refresh_from_db()
        now = row.next_attempt_at
    assert outcomes == ["PENDING", "PENDING", "FAILED"]
    assert (row.status, row.attempts) == ("FAILED", 3)
    assert delivery.deliver_due(now=now + dt.timedelta(days=1)) == {}
    assert len(service.to("/wecom")) == 3
    entry = LogEntry.objects.get(action="notifications.notification.gave_up")
    assert entry.object_id == str(row.pk)
    assert entry.region_code == configured.region_id
    assert ROBOT_KEY not in json.dumps(entry.data)


def test_the_back_off_grows_and_then_stays_at_two_hours():
    pauses = [delivery.backoff(n) for n in range(1, 9)]
    assert pauses == [
        dt.timedelta(seconds=30),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=10),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=1),
        dt.timedelta(hours=2),
        dt.timedelta(hours=2),
        dt.timedelta(hours=2),
    ]


def test_errors_and_log_lines_never_hold_the_robot_key_or_a_phone_in_clear(
    configured, service, monkeypatch, caplog
):
    def leaky(url, **kwargs):
        raise OSError(f"cannot reach {url} for {PHONE}")

    monkeypatch.setitem(delivery.SENDERS, ChannelKind.WECOM, leaky)
    service.answer("/sms", (500, {}))
    tell(configured)
    with caplog.at_level(logging.INFO, logger="kapok.notifications"):
        delivery.deliver_due()
    wecom = Notification.objects.get(kind="WECOM")
    assert wecom.status == "PENDING"
    assert ROBOT_KEY not in wecom.last_error
    assert PHONE not in wecom.last_error
    assert "138****5678" in wecom.last_error
    assert ROBOT_KEY[-4:] in wecom.last_error  # masked, not gone: the robots can be told apart
    assert ROBOT_KEY not in caplog.text
    assert PHONE not in caplog.text
    assert "138****5678" in caplog.text


def test_recipients_are_encrypted_at_rest_and_shown_masked(configured):
    channel = UnitChannel.objects.get(unit=configured, kind="WECOM")
    assert ROBOT_KEY not in channel.webhook_encrypted
    assert channel.webhook_masked.endswith("/wecom?key=****6a21")
    tell(configured)
    for row in Notification.objects.all():
        assert ROBOT_KEY not in row.recipient_encrypted + row.key + row.recipient_masked
        assert PHONE not in row.recipient_encrypted + row.key + row.recipient_masked
    masked = set(Notification.objects.values_list("recipient_masked", flat=True))
    assert masked == {channel.webhook_masked, "138****5678", "z***@example.cn"}


def test_e_mail_goes_through_django_mail(configured, mailoutbox):
    tell(configured, duties=[DutyPerson.Duty.DUTY])
    email = Notification.objects.get(kind="EMAIL")
    assert delivery.deliver(email.pk) == "SENT"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["zhang@example.cn"]
    assert mailoutbox[0].subject == "新的需求"
    assert mailoutbox[0].body == "螺涌社区：张三 缺药，今天办结。"


def test_the_duties_asked_choose_the_people_and_inactive_people_and_channels_are_skipped(
    configured, personas
):
    rows = tell(configured, duties=[DutyPerson.Duty.CHILD_SUPERVISOR])
    assert sorted(row.recipient_masked for row in rows if row.kind == "SMS") == ["139****4321"]
    DutyPerson.objects.filter(name="督导员乙").update(is_active=False)
    save_channels(
        actor=personas.sysadmin,
        unit=configured,
        wecom_enabled=False,
        sms_enabled=True,
        email_enabled=False,
    )
    rows = tell(configured, key="need:2:dispatched", duties=DutyPerson.Duty.values)
    assert [(row.kind, row.recipient_masked) for row in rows] == [("SMS", "138****5678")]
    # A unit with nothing configured tells nobody.
    assert tell(personas.street_unit, key="need:3:dispatched") == []


def test_several_units_are_told_each_on_its_own_channels(configured, personas, service):
    save_channels(
        actor=personas.sysadmin,
        unit=personas.street_unit,
        wecom_enabled=True,
        sms_enabled=False,
        email_enabled=False,
        webhook=service.url("/wecom?key=street-robot-key-0001"),
    )
    rows = tell([configured, personas.street_unit, None, configured], duties=[])
    assert sorted((row.unit_id, row.kind) for row in rows) == sorted(
        [(configured.pk, "WECOM"), (personas.street_unit.pk, "WECOM")]
    )
    assert {row.object_type for row in rows} == {""}


def test_chosen_duty_people_are_told_whatever_their_duty(configured, personas):
    supervisor = DutyPerson.objects.get(name="督导员乙")
    rows = notify_people(
        people=[supervisor],
        event="needs.need.child",
        subject="儿童",
        body="请跟进",
        key="need:9:child",
        obj=configured,
    )
    assert [(row.kind, row.recipient_masked) for row in rows] == [("SMS", "139****4321")]
    assert (rows[0].object_type, rows[0].object_id) == ("units.unit", str(configured.pk))


def test_a_key_too_long_is_refused(configured):
    with pytest.raises(ValueError, match="key"):
        tell(configured, key="x" * 201)


def test_without_a_gateway_a_text_fails_with_the_reason(configured, settings):
    settings.KAPOK_SMS_GATEWAY_URL = ""
    tell(configured, duties=[DutyPerson.Duty.CHILD_SUPERVISOR])
    sms = Notification.objects.get(kind="SMS")
    assert delivery.deliver(sms.pk) == "PENDING"
    sms.refresh_from_db()
    assert "KAPOK_SMS_GATEWAY_URL" in sms.last_error


def test_the_sms_template_takes_the_shape_the_gateway_wants():
    template = '{"mobiles": ["{phone}"], "content": "{text}", "sign": "民政局", "n": 1}'
    assert sms_payload(PHONE, 'a "quoted" text', template) == {
        "mobiles": [PHONE],
        "content": 'a "quoted" text',
        "sign": "民政局",
        "n": 1,
    }


def test_masks_hide_the_secret_parts():
    assert (
        mask_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7e1d")
        == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****7e1d"
    )
    assert mask_webhook("https://user:pw@host.example/hook") == "https://host.example/hook"
    assert mask_email("zhang.san@example.gov.cn") == "z***@example.gov.cn"


def test_an_optional_secret_is_read_from_a_file_or_left_empty(monkeypatch, tmp_path):
    monkeypatch.delenv("KAPOK_SMS_GATEWAY_TOKEN", raising=False)
    monkeypatch.delenv("KAPOK_SMS_GATEWAY_TOKEN_FILE", raising=False)
    assert env_optional_secret("KAPOK_SMS_GATEWAY_TOKEN") == ""
    secret = tmp_path / "token"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("KAPOK_SMS_GATEWAY_TOKEN_FILE", str(secret))
    assert env_optional_secret("KAPOK_SMS_GATEWAY_TOKEN") == "from-a-file"


# The periodic run (kapok.site.periodic).


@pytest.fixture
def run_worker(monkeypatch):
    """The real worker, in this process, keeping the test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run(*args):
        call_command("worker", "--no-startup-delay", *args, verbosity=0)

    return run


def test_a_starting_worker_starts_the_periodic_chain_which_sends_what_is_due(
    configured, service, run_worker
):
    service.answer("/wecom", (500, {}), OK)
    tell(configured, duties=[])
    row = Notification.objects.get()
    assert delivery.deliver(row.pk) == "PENDING"
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    run_worker("--max-tasks", "2")  # the daily run and the periodic run, queued at start
    done = DBTaskResult.objects.get(task_path=run_periodic.module_path, status="SUCCESSFUL")
    assert done.return_value["kapok.notifications.delivery.deliver_due"] == {"SENT": 1}
    row.refresh_from_db()
    assert row.status == "SENT"
    following = DBTaskResult.objects.get(task_path=run_periodic.module_path, status="READY")
    expected = done.finished_at + dt.timedelta(seconds=60)
    assert abs(following.run_after - expected) < dt.timedelta(seconds=5)
    # Another worker starting does not start a second chain; a batch worker starts none.
    assert ensure_periodic_run() is False
    run_worker("--batch")
    assert DBTaskResult.objects.filter(task_path=run_periodic.module_path).count() == 2


def test_a_failing_periodic_job_is_seen_and_the_next_run_is_queued_all_the_same(monkeypatch):
    monkeypatch.setattr(periodic, "PERIODIC_JOBS", ("tests.test_notifications.broken_job",))
    with pytest.raises(RuntimeError, match="periodic jobs failed"):
        run_periodic.call()
    assert (
        DBTaskResult.objects.filter(task_path=run_periodic.module_path, status="READY").count() == 1
    )


def broken_job():
    raise RuntimeError("the job broke")


def test_old_successful_periodic_runs_are_pruned_and_failed_ones_kept():
    now = timezone.now()
    for status, age in (("SUCCESSFUL", 2), ("SUCCESSFUL", 0), ("FAILED", 2)):
        result = run_periodic.enqueue()
        DBTaskResult.objects.filter(id=result.id).update(
            status=status, finished_at=now - dt.timedelta(hours=age)
        )
    assert periodic.prune_runs(now) == 1
    assert sorted(
        DBTaskResult.objects.filter(task_path=run_periodic.module_path).values_list(
            "status", flat=True
        )
    ) == ["FAILED", "SUCCESSFUL"]


# Robot-call emergencies (kapok.visits.robot.alerts) go out on the team's unit's channels.


def test_an_emergency_heard_on_a_robot_call_is_sent_to_the_callback_teams_unit(
    personas, service, django_capture_on_commit_callbacks, immediate_tasks
):
    from kapok.visits.models import CallTask, Team
    from kapok.visits.robot.alerts import call_back
    from tests.factories import PersonFactory

    unit = personas.district_unit
    save_channels(
        actor=personas.sysadmin,
        unit=unit,
        wecom_enabled=True,
        sms_enabled=False,
        email_enabled=False,
        webhook=service.url(f"/wecom?key={ROBOT_KEY}"),
    )
    team = Team.objects.create(name="白云一队", unit=unit)
    person = PersonFactory(name="张小明")
    task = CallTask.objects.create(
        day=timezone.localdate(), person=person, region_code=person.residence_region_id
    )
    with django_capture_on_commit_callbacks(execute=True):
        callback, made = call_back(
            task, needs=["MEDICAL"], transcript=f"老伴摔倒了起不来，打 {PHONE}"
        )
    assert made
    row = Notification.objects.get()
    assert (row.unit, row.event, row.status) == (unit, "visits.robot.emergency", "SENT")
    assert (row.object_type, row.object_id) == ("visits.robotalert", str(callback.robot_alert.pk))
    content = service.to("/wecom")[0].payload["text"]["content"]
    assert "张*明" in content
    assert "张小明" not in content
    assert PHONE not in content
    assert team.name in content
    # The same emergency again makes no second call-back and no second message.
    with django_capture_on_commit_callbacks(execute=True):
        call_back(task, needs=["MEDICAL"], transcript="老伴摔倒了起不来")
    assert Notification.objects.count() == 1
    assert len(service.to("/wecom")) == 1
