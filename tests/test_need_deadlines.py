"""Deadlines in Asia/Shanghai: the end of the local day, the cut-off, urgent hours and the minutes
an emergency is accepted in; and the overdue sweep that escalates each breach exactly once."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from kapok.audit.models import LogEntry
from kapok.needs.actions import NeedConflict, accept_need, report_need, resolve_need
from kapok.needs.deadlines import deadlines_for, same_day_due
from kapok.needs.escalation import sweep_overdue
from kapok.needs.models import Escalation, Need
from kapok.notifications.models import ChannelKind, DutyPerson, Notification, UnitChannel
from tests.factories import PersonFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        (local(23, 0, 5), local(23, 23, 59)),  # just after midnight: the same day
        (local(23, 10), local(23, 23, 59)),
        (local(23, 19, 59), local(23, 23, 59)),  # one minute before the cut-off
        (local(23, 20, 0), local(24, 10)),  # at the cut-off: the next morning
        (local(23, 23, 30), local(24, 10)),
        (local(30, 21), local(1, 10, month=12)),  # across the end of the month
    ],
)
def test_a_normal_need_is_due_at_the_end_of_the_local_day_or_the_next_morning(reported, due):
    assert timezone.localtime(same_day_due(reported)).replace(second=0) == due


def test_the_local_day_is_shanghais_whatever_the_clock_of_the_server():
    # 15:30 UTC is 23:30 in Shanghai: past the cut-off, so due the next morning there.
    reported = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)
    assert same_day_due(reported) == local(24, 10)
    # 15:30 UTC the day before the cut-off is 23:30 in Shanghai too; 11:00 UTC is 19:00.
    assert same_day_due(dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)).date() == dt.date(
        2026, 11, 23
    )


def test_without_a_cut_off_a_late_need_is_still_due_that_night(settings):
    settings.KAPOK_NEED_CUTOFF = None
    assert timezone.localtime(same_day_due(local(23, 23, 30))).replace(second=0) == local(
        23, 23, 59
    )


def test_the_cut_off_and_the_morning_are_configurable(settings):
    settings.KAPOK_NEED_CUTOFF = dt.time(18, 0)
    settings.KAPOK_NEED_NEXT_MORNING = dt.time(9, 0)
    assert same_day_due(local(23, 18, 30)) == local(24, 9)
    assert timezone.localtime(same_day_due(local(23, 17, 59))).hour == 23


def test_an_urgent_need_is_due_within_the_configured_hours(settings):
    settings.KAPOK_NEED_URGENT_HOURS = 4
    assert deadlines_for("urgent", local(23, 10)).clear_by == local(23, 14)
    # Never later than a normal need: at 21:00, four hours is 01:00, before the next morning.
    assert deadlines_for("urgent", local(23, 21)).clear_by == local(24, 1)
    assert deadlines_for("urgent", local(23, 21)).accept_by is None
    settings.KAPOK_NEED_URGENT_HOURS = 48
    assert deadlines_for("urgent", local(23, 10)).clear_by.date() == dt.date(2026, 11, 23)


def test_an_emergency_must_be_accepted_within_minutes(settings):
    settings.KAPOK_NEED_EMERGENCY_ACCEPT_MINUTES = 10
    deadlines = deadlines_for("emergency", local(23, 23, 55))
    assert deadlines.accept_by == local(24, 0, 5)  # across midnight
    assert deadlines.first_breach == deadlines.accept_by


@pytest.mark.django_db
def test_a_reported_need_carries_its_deadlines(personas):
    need = report_need(person=PersonFactory(), kind="FOOD", urgency="normal", now=local(23, 20, 30))
    assert need.due_at == local(24, 10)
    assert need.next_escalation_at == need.due_at
    assert need.accept_due_at is None


# -- the overdue sweep -------------------------------------------------------------------------


def sms(unit, phone):
    UnitChannel.objects.get_or_create(unit=unit, kind=ChannelKind.SMS)
    DutyPerson.objects.create(unit=unit, name="值班员", phone=phone)


@pytest.mark.django_db
def test_each_breach_escalates_one_level_up_exactly_once(personas, settings):
    settings.KAPOK_NEED_ESCALATION_HOURS = 2
    sms(personas.street_unit, "13900000021")
    sms(personas.community_unit, "13900000022")
    need = report_need(person=PersonFactory(), kind="FOOD", urgency="normal", now=local(23, 9))
    assert sweep_overdue(now=local(23, 23, 0)) == {"due": 0, "escalated": 0}
    after_midnight = local(24, 0, 1)
    assert sweep_overdue(now=after_midnight)["escalated"] == 1
    assert sweep_overdue(now=after_midnight)["escalated"] == 0  # the same breach: once
    need.refresh_from_db()
    assert (need.escalation_level, need.escalated_to) == (1, personas.street_unit)
    assert need.next_escalation_at == after_midnight + dt.timedelta(hours=2)
    assert Notification.objects.filter(
        unit=personas.street_unit, event="needs.need.escalated"
    ).exists()
    assert Notification.objects.filter(
        unit=personas.community_unit, event="needs.need.overdue"
    ).exists()
    # Still not cleared two hours later: the street missed it too, so the district is told.
    assert sweep_overdue(now=local(24, 2, 1))["escalated"] == 1
    assert sweep_overdue(now=local(24, 4, 2))["escalated"] == 1
    need.refresh_from_db()
    assert (need.escalation_level, need.escalated_to) == (3, personas.city_unit)
    # The city is the top: nobody to escalate to any more.
    assert sweep_overdue(now=local(24, 9))["escalated"] == 0
    assert sweep_overdue(now=local(25, 9))["due"] == 0
    levels = list(Escalation.objects.values_list("level", "to_unit__name", "breach"))
    assert levels == [
        (1, "松洲街道办事处", "CLEAR"),
        (2, "白云区民政局", "CLEAR"),
        (3, "广州市民政局", "CLEAR"),
    ]
    assert LogEntry.objects.filter(action="needs.need.escalated").count() == 3
    assert need.is_overdue(local(25, 9))


@pytest.mark.django_db
def test_an_emergency_not_accepted_in_time_escalates_at_once(personas, settings):
    settings.KAPOK_NEED_EMERGENCY_ACCEPT_MINUTES = 15
    need = report_need(
        person=PersonFactory(), kind="MEDICAL", urgency="emergency", now=local(23, 10)
    )
    assert sweep_overdue(now=local(23, 10, 14))["escalated"] == 0
    assert sweep_overdue(now=local(23, 10, 16))["escalated"] == 1
    escalation = Escalation.objects.get()
    assert (escalation.breach, escalation.to_unit) == ("ACCEPT", personas.street_unit)
    need.refresh_from_db()
    # The street now has the accept minutes again before the district is told.
    assert need.next_escalation_at == local(23, 10, 31)


@pytest.mark.django_db
def test_an_accepted_emergency_is_due_by_its_clearance_time_not_the_acceptance(personas):
    need = report_need(
        person=PersonFactory(), kind="MEDICAL", urgency="emergency", now=local(23, 10)
    )
    need = accept_need(need, actor=personas.community, version=need.version, now=local(23, 10, 5))
    assert need.next_escalation_at == need.due_at == local(23, 14)
    assert sweep_overdue(now=local(23, 10, 30))["escalated"] == 0


@pytest.mark.django_db
def test_a_resolved_need_is_never_escalated(personas):
    need = report_need(person=PersonFactory(), kind="FOOD", urgency="normal", now=local(23, 9))
    need = accept_need(need, actor=personas.community, version=need.version)
    resolve_need(need, actor=personas.community, version=need.version, result="送到了")
    assert sweep_overdue(now=local(25, 9)) == {"due": 0, "escalated": 0}


@pytest.mark.django_db
def test_an_escalation_tells_a_worker_acting_on_the_old_state(personas):
    need = report_need(person=PersonFactory(), kind="FOOD", urgency="normal", now=local(23, 9))
    sweep_overdue(now=local(24, 0, 1))
    with pytest.raises(NeedConflict) as conflict:
        accept_need(need, actor=personas.community, version=need.version)
    assert conflict.value.need.escalation_level == 1
    fresh = Need.objects.get(pk=need.pk)
    accept_need(fresh, actor=personas.community, version=fresh.version)


def _at_once(count: int, work):
    """Run ``work(n)`` in ``count`` threads released together; return results and errors."""
    barrier = threading.Barrier(count, timeout=30)
    results, errors = [], []

    def run(n):
        try:
            barrier.wait()
            results.append(work(n))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_sweeping_at_the_same_moment_escalate_each_breach_once(personas):
    """On PostgreSQL, with real concurrent transactions."""
    sms(personas.street_unit, "13900000031")
    needs = [
        report_need(person=PersonFactory(), kind="FOOD", urgency="normal", now=local(23, 9))
        for _ in range(20)
    ]
    results, errors = _at_once(4, lambda n: sweep_overdue(now=local(24, 0, 1)))
    assert errors == []
    assert sum(result["escalated"] for result in results) == len(needs)
    assert Escalation.objects.count() == len(needs)
    assert LogEntry.objects.filter(action="needs.need.escalated").count() == len(needs)
    assert Notification.objects.filter(event="needs.need.escalated").count() == len(needs)
    assert set(Need.objects.values_list("escalation_level", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_one_need_at_once_one_wins_the_other_is_told(personas):
    """On PostgreSQL: two workers press 签收 on the same version at the same moment."""
    need = report_need(person=PersonFactory(), kind="FOOD", urgency="normal")
    workers = [personas.community, personas.street]

    def accept(n):
        try:
            return accept_need(need, actor=workers[n], version=need.version).accepted_by_id
        except NeedConflict as conflict:
            return conflict.need.status

    results, errors = _at_once(2, accept)
    assert errors == []
    assert sorted(map(str, results)) == sorted(
        [str(Need.Status.ACCEPTED), str(Need.objects.get().accepted_by_id)]
    )
    fresh = Need.objects.get()
    assert fresh.version == need.version + 1
    assert LogEntry.objects.filter(action="needs.need.accepted").count() == 1
