"""The pages of notifications: a unit's settings (channels, duty people, the test message) and
the outbox with its retry — who may, what is masked, what is audited."""

import pytest
from django.urls import reverse

from kapok.audit.models import LogEntry
from kapok.notifications.actions import notify
from kapok.notifications.models import DutyPerson, Notification, UnitChannel
from tests.notification_service import OK, StandInService

pytestmark = pytest.mark.django_db

ROBOT_KEY = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
PHONE = "13812345678"


@pytest.fixture
def service():
    with StandInService() as stand_in:
        yield stand_in


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def settings_url(unit):
    return reverse("notifications:unit_settings", args=[unit.pk])


def save(client, unit, **data):
    return client.post(settings_url(unit), data)


def add_person(client, unit, **data):
    values = {"name": "值班员甲", "duty": "DUTY", "phone": PHONE, "email": ""}
    return client.post(reverse("notifications:person_new", args=[unit.pk]), values | data)


def test_an_administrator_sets_the_channels_and_the_webhook_is_kept_encrypted_and_shown_masked(
    personas, login, service
):
    client = login(personas.sysadmin)
    unit = personas.community_unit
    webhook = service.url(f"/wecom?key={ROBOT_KEY}")
    response = save(client, unit, wecom_enabled="on", webhook=webhook, sms_enabled="on")
    assert response.status_code == 302
    channels = {c.kind: c for c in UnitChannel.objects.filter(unit=unit)}
    assert {kind: c.enabled for kind, c in channels.items()} == {"WECOM": True, "SMS": True}
    assert ROBOT_KEY not in channels["WECOM"].webhook_encrypted
    page = client.get(settings_url(unit)).content.decode()
    assert ROBOT_KEY not in page
    assert "key=****6789" in page
    entry = LogEntry.objects.get(action="notifications.channels.changed")
    assert entry.actor == personas.sysadmin
    assert entry.region_code == unit.region_id
    assert ROBOT_KEY not in str(entry.data)
    assert entry.data["wecom"]["enabled"] == [False, True]
    assert entry.data["wecom"]["webhook"][1].endswith("key=****6789")
    # Saving again without a webhook keeps it; switching SMS off is recorded.
    save(client, unit, wecom_enabled="on")
    assert UnitChannel.objects.get(unit=unit, kind="WECOM").webhook_masked.endswith("****6789")
    assert not UnitChannel.objects.get(unit=unit, kind="SMS").enabled
    last = LogEntry.objects.filter(action="notifications.channels.changed").first()
    assert last.data == {"sms": {"enabled": [True, False]}}


def test_the_group_robot_cannot_be_switched_on_without_its_webhook(personas, login):
    client = login(personas.sysadmin)
    response = save(client, personas.community_unit, wecom_enabled="on")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    response = save(client, personas.community_unit, wecom_enabled="on", webhook="ftp://x/y")
    assert response.status_code == 200
    assert not UnitChannel.objects.exists()
    assert not LogEntry.objects.filter(action="notifications.channels.changed").exists()


def test_duty_people_are_added_edited_and_taken_off_with_phones_masked_and_audited(personas, login):
    client = login(personas.district_sysadmin)
    unit = personas.community_unit
    assert add_person(client, unit, email="zhang.san@example.cn").status_code == 302
    person = DutyPerson.objects.get()
    assert (person.unit, person.phone, person.duty) == (unit, PHONE, "DUTY")
    page = client.get(settings_url(unit)).content.decode()
    assert PHONE not in page
    assert "138****5678" in page
    assert "zhang.san@example.cn" not in page
    assert "z***@example.cn" in page
    added = LogEntry.objects.get(action="notifications.duty_person.added")
    assert PHONE not in str(added.data)
    assert "zhang.san" not in str(added.data)
    assert added.data["phone"] == "138****5678"

    edit_url = reverse("notifications:person_edit", args=[person.pk])
    assert PHONE not in client.get(edit_url).content.decode()
    # An empty phone keeps the number; the duty changes.
    response = client.post(
        edit_url, {"name": "值班员甲", "duty": "LEADER", "phone": "", "email": ""}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.duty, person.email) == (PHONE, "LEADER", "")
    changed = LogEntry.objects.get(action="notifications.duty_person.changed")
    assert changed.data["duty"] == ["DUTY", "LEADER"]
    assert changed.data["email"] == ["z***@example.cn", ""]
    client.post(edit_url, {"name": "值班员甲", "duty": "LEADER", "phone": "13900001111"})
    person.refresh_from_db()
    assert person.phone == "13900001111"
    last = LogEntry.objects.filter(action="notifications.duty_person.changed").first()
    assert last.data == {"phone": ["138****5678", "139****1111"]}

    client.post(reverse("notifications:person_active", args=[person.pk]), {"active": "0"})
    person.refresh_from_db()
    assert not person.is_active
    assert LogEntry.objects.get(action="notifications.duty_person.activated").data == {
        "active": False
    }


def test_a_duty_person_needs_a_phone_or_an_address(personas, login):
    client = login(personas.sysadmin)
    response = add_person(client, personas.community_unit, phone="", email="")
    assert response.status_code == 200
    response = add_person(client, personas.community_unit, phone="call me")
    assert response.status_code == 200
    assert not DutyPerson.objects.exists()


def test_a_units_own_need_supervisors_configure_their_unit_and_no_other(personas, login):
    client = login(personas.district)
    district = personas.district_unit
    assert client.get(settings_url(district)).status_code == 200
    assert add_person(client, district).status_code == 302
    assert DutyPerson.objects.get().unit == district
    # A unit below theirs is not theirs to configure; a community worker configures nothing.
    assert client.get(settings_url(personas.community_unit)).status_code == 403
    assert add_person(client, personas.community_unit).status_code == 403
    worker = login(personas.community)
    assert worker.get(settings_url(personas.community_unit)).status_code == 403
    assert worker.get(reverse("notifications:outbox")).status_code == 403


def test_an_outsider_of_another_district_is_told_the_unit_does_not_exist(personas, login):
    person = DutyPerson.objects.create(unit=personas.community_unit, name="值班员", phone=PHONE)
    client = login(personas.outsider_sysadmin)
    assert client.get(settings_url(personas.community_unit)).status_code == 404
    assert client.get(reverse("notifications:person_edit", args=[person.pk])).status_code == 404
    response = client.post(
        reverse("notifications:person_active", args=[person.pk]), {"active": "0"}
    )
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.is_active
    attempts = LogEntry.objects.filter(action="access.out_of_scope")
    assert attempts.count() == 3
    assert {entry.actor for entry in attempts} == {personas.outsider_sysadmin}


def test_the_test_button_sends_on_every_channel_and_the_outbox_shows_it_masked(
    personas, login, service, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.KAPOK_SMS_GATEWAY_URL = service.url("/sms")
    client = login(personas.sysadmin)
    unit = personas.community_unit
    save(client, unit, wecom_enabled="on", webhook=service.url(f"/wecom?key={ROBOT_KEY}"))
    save(client, unit, wecom_enabled="on", sms_enabled="on")
    add_person(client, unit, duty="CHILD_SUPERVISOR")  # every duty gets the test
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:send_test", args=[unit.pk]))
    assert response.status_code == 302
    assert response.url == reverse("notifications:outbox") + f"?unit={unit.pk}"
    assert len(service.to("/wecom")) == len(service.to("/sms")) == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {"SENT"}
    assert personas.community_unit.name in service.to("/wecom")[0].payload["text"]["content"]
    page = client.get(response.url).content.decode()
    assert PHONE not in page
    assert ROBOT_KEY not in page
    assert "138****5678" in page
    entry = LogEntry.objects.get(action="notifications.test_sent")
    assert entry.data == {"notifications": 2, "channels": ["SMS", "WECOM"]}


def test_a_given_up_message_is_retried_from_the_outbox_once_and_audited(
    personas, login, service, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.KAPOK_NOTIFY_MAX_ATTEMPTS = 1
    service.answer("/wecom", (500, {}), OK)
    client = login(personas.sysadmin)
    unit = personas.community_unit
    save(client, unit, wecom_enabled="on", webhook=service.url(f"/wecom?key={ROBOT_KEY}"))
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(
            units=[unit], event="needs.need.dispatched", subject="新需求", body="请签收", key="n:1"
        )
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("FAILED", 1)
    page = client.get(reverse("notifications:outbox"), {"status": "FAILED"})
    assert [r.pk for r in page.context["page"]] == [row.pk]
    assert page.context["page"][0].may_retry
    assert "HTTP 500" in page.content.decode()

    retry_url = reverse("notifications:retry", args=[row.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry_url).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("SENT", 2)
    assert [request.succeeded for request in service.to("/wecom")] == [False, True]
    entry = LogEntry.objects.get(action="notifications.notification.retried")
    assert (entry.actor, entry.object_id) == (personas.sysadmin, str(row.pk))
    # Only what was given up is retried: a sent message is not sent again.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url, follow=True)
    assert len(service.to("/wecom")) == 2
    assert LogEntry.objects.filter(action="notifications.notification.retried").count() == 1
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"


def test_the_outbox_shows_a_supervisor_the_rows_of_their_own_unit_only(personas, login):
    for unit in (personas.district_unit, personas.community_unit, personas.outsider_unit):
        DutyPerson.objects.create(unit=unit, name="值班员", phone=PHONE)
        UnitChannel.objects.create(unit=unit, kind="SMS")
        notify(units=[unit], event="e", subject="s", body="b", key=f"k{unit.pk}")

    def units_seen(user, **query):
        response = login(user).get(reverse("notifications:outbox"), query)
        return {row.unit for row in response.context["page"]}

    assert units_seen(personas.district) == {personas.district_unit}
    assert units_seen(personas.outsider) == {personas.outsider_unit}
    assert units_seen(personas.district_sysadmin) == {
        personas.district_unit,
        personas.community_unit,
    }
    assert units_seen(personas.sysadmin, unit=personas.community_unit.pk) == {
        personas.community_unit
    }
    response = login(personas.outsider_sysadmin).get(
        reverse("notifications:outbox"), {"unit": personas.community_unit.pk}
    )
    assert response.status_code == 404


def test_the_outbox_takes_the_same_number_of_queries_for_many_rows(
    personas, login, django_assert_max_num_queries
):
    client = login(personas.sysadmin)
    UnitChannel.objects.create(unit=personas.community_unit, kind="SMS")
    for n in range(30):
        DutyPerson.objects.create(
            unit=personas.community_unit, name=f"值班{n}", phone=PHONE[:-2] + f"{n:02}"
        )
    notify(units=[personas.community_unit], event="e", subject="s", body="b", key="k")
    DutyPerson.objects.update(is_active=False)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:outbox"))
    assert len(response.context["page"]) == 30


def test_the_navigation_offers_the_outbox_to_administrators_and_need_supervisors(personas, login):
    url = reverse("notifications:outbox")
    for user, shown in (
        (personas.sysadmin, True),
        (personas.district, True),
        (personas.district_sysadmin, True),
        (personas.community, False),
        (personas.auditor, False),
    ):
        page = login(user).get(reverse("web:home")).content.decode()
        assert (f'href="{url}"' in page) is shown, user
