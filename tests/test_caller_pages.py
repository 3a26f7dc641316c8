"""The caller's page (kapok.visits.views_caller): the next person claimed and shown, masked; the
outcome recorded in a few fields; retries; skipping, giving back; errors that keep the input."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kapok.accounts.roles import Role
from kapok.audit.models import LogEntry
from kapok.needs.models import Need
from kapok.registry.models import Household, HouseholdMember
from kapok.visits.calling import NeedFound, claim_next, record_visit
from kapok.visits.models import AssignmentRule, CallPolicy, CallTask, Team, Visit
from kapok.visits.planning import plan_day
from tests.factories import PersonFactory, UserFactory, zone

pytestmark = pytest.mark.django_db

ID_NUMBER = "44011119450312123X"


@pytest.fixture
def city_team(personas):
    CallPolicy.objects.create(name="封控区、管控区每日电访", scope=CallPolicy.Scope.IN_ZONES)
    team = Team.objects.create(name="市一队", unit=personas.city_unit)
    AssignmentRule.objects.create(position=100).teams.add(team)
    zone("白云区松洲街螺涌", level="LOCKDOWN")
    return team


def caller(team, name):
    user = UserFactory(username=name, full_name=name, unit=team.unit, roles=[Role.CALLER])
    team.members.add(user)
    return user


def plan():
    plan_day(timezone.localdate())


def outcome_data(outcome="", *, difficulty="", needs=(), notes=""):
    """The POST of the outcome form: ``needs`` as (kind, urgency, description) rows."""
    data = {
        "outcome": outcome,
        "difficulty": difficulty,
        "notes": notes,
        "needs-TOTAL_FORMS": str(max(len(needs), 1)),
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "10",
    }
    for index, (kind, urgency, description) in enumerate(needs):
        data[f"needs-{index}-kind"] = kind
        data[f"needs-{index}-urgency"] = urgency
        data[f"needs-{index}-description"] = description
    return data


@pytest.fixture
def chen(city_team, personas):
    """An elderly woman living alone in 螺涌, with two numbers, a household, a past visit with
    an open need."""
    person = PersonFactory(
        name="陈桂英",
        sex="F",
        birth_date=dt.date(1945, 3, 12),
        phones=["13800000001", "02081234567"],
        compound="螺涌新村",
        address="螺涌新村三巷5号",
        categories=["TEKUN", "LIVING_ALONE_ELDERLY"],
    )
    person.set_id_number(ID_NUMBER)
    person.save()
    son = PersonFactory(name="李志强", phones=["13900000009"])
    household = Household.objects.create(
        category_id=person.memberships.first().category_id, key="h-1", head=son
    )
    HouseholdMember.objects.create(household=household, person=son, relation="户主")
    HouseholdMember.objects.create(household=household, person=person, relation="母亲")
    yesterday = timezone.now() - dt.timedelta(days=1)
    earlier = Visit.objects.create(
        person=person,
        channel="PHONE",
        outcome="REACHED",
        has_difficulty=True,
        made_at=yesterday,
        region_code=person.residence_region_id,
    )
    Need.objects.create(
        person=person,
        kind="MEDICINE",
        urgency="urgent",
        description="降压药快吃完了",
        visit=earlier,
        region_code=person.residence_region_id,
    )
    return person


def test_the_page_claims_the_next_call_and_shows_the_person_and_the_script(chen, city_team, login):
    zhou = caller(city_team, "zhou")
    plan()
    client = login(zhou)
    response = client.get(reverse("visits:call_next"))
    task = CallTask.objects.get(person=chen)
    assert response.status_code == 302
    assert response.url == reverse("visits:call_task", args=[task.pk])
    task.refresh_from_db()
    assert (task.status, task.claimed_by) == (CallTask.Status.CLAIMED, zhou)

    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "陈桂英" in html
    assert "您好，这里是民政局，请问您目前有没有遇到基本生活困难？" in html
    assert "平时吃的药还够吗" in html
    assert "440111********123X" in html
    assert "螺涌新村三巷5号" in html
    assert "李志强" in html  # the head of her household
    assert "降压药快吃完了" in html  # the open need from yesterday's visit
    facts = page.context
    assert [category.code for category in facts["categories"]] == ["TEKUN", "LIVING_ALONE_ELDERLY"]
    assert facts["zone"].level == "LOCKDOWN"
    assert facts["age"] == timezone.localdate().year - 1945 - (
        (timezone.localdate().month, timezone.localdate().day) < (3, 12)
    )
    assert [visit.outcome for visit in facts["last_visits"]] == ["REACHED"]
    viewed = LogEntry.objects.filter(action="registry.person.viewed", actor=zhou)
    assert viewed.count() == 1
    assert viewed.get().object_id == str(chen.pk)


def test_ids_are_masked_and_the_full_number_is_only_in_the_holders_tel_link(chen, city_team, login):
    zhou = caller(city_team, "zhou")
    plan()
    client = login(zhou)
    html = client.get(reverse("visits:call_next"), follow=True).content.decode()
    assert ID_NUMBER not in html
    assert ID_NUMBER[6:14] not in html  # not even the birth date part of it
    # Each number appears once in full: in its tel: link, whose text is masked.
    for number in ("13800000001", "02081234567"):
        assert html.count(number) == 1
        assert f'href="tel:{number}"' in html
    assert "138****0001" in html
    assert "020****4567" in html
    links = re.findall(r'href="tel:(\d+)"', html)
    assert links == ["13800000001", "02081234567"]  # the number to try first
    assert "13900000009" not in html  # the son's number is not hers to dial


def test_the_second_attempt_puts_the_next_number_first(chen, city_team, login):
    zhou = caller(city_team, "zhou")
    plan()
    task = claim_next(zhou)
    record_visit(task, actor=zhou, outcome="NO_ANSWER")
    # The gap between attempts has passed (moving the clock back would cross midnight at night).
    CallTask.objects.filter(pk=task.pk).update(not_before=timezone.now() - dt.timedelta(seconds=1))
    html = login(zhou).get(reverse("visits:call_next"), follow=True).content.decode()
    assert re.findall(r'href="tel:(\d+)"', html) == ["02081234567", "13800000001"]
    assert re.search(r'class="dial-button to-try" href="tel:02081234567"', html)


def test_two_callers_are_given_two_different_people(chen, city_team, client):
    PersonFactory(name="黄伯", categories=["DIBAO"])
    zhou, wu = caller(city_team, "zhou"), caller(city_team, "wu")
    plan()
    client.force_login(zhou)
    first = client.get(reverse("visits:call_next"), follow=True).context["person"]
    client.force_login(wu)
    second = client.get(reverse("visits:call_next"), follow=True).context["person"]
    assert {first.name, second.name} == {"陈桂英", "黄伯"}
    client.force_login(zhou)  # zhou still holds his
    assert client.get(reverse("visits:call_next"), follow=True).context["person"] == first


def test_reached_with_two_needs_makes_two_needs_and_moves_on_to_the_next_call(
    chen, city_team, login
):
    PersonFactory(name="黄伯", categories=["DIBAO"])
    zhou = caller(city_team, "zhou")
    plan()
    client = login(zhou)
    client.get(reverse("visits:call_next"))
    task = CallTask.objects.get(claimed_by=zhou)
    response = client.post(
        reverse("visits:call_record", args=[task.pk]),
        outcome_data(
            "REACHED",
            difficulty="some",
            needs=[("FOOD", "urgent", "米只够吃一天"), ("MEDICINE", "normal", "降压药")],
            notes="独居，腿脚不便",
        ),
    )
    assert response.status_code == 302
    assert response.url == reverse("visits:call_next")
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE
    visit = Visit.objects.get(task=task)
    assert (visit.outcome, visit.has_difficulty, visit.notes, visit.made_by) == (
        "REACHED",
        True,
        "独居，腿脚不便",
        zhou,
    )
    assert visit.phone_masked.endswith("****" + task.person.phones[0][-4:])
    needs = Need.objects.filter(visit=visit).order_by("kind")
    assert [(n.kind, n.urgency, n.description, n.reported_by) for n in needs] == [
        ("FOOD", "urgent", "米只够吃一天", zhou),
        ("MEDICINE", "normal", "降压药", zhou),
    ]
    assert LogEntry.objects.filter(action="visits.visit.recorded", actor=zhou).count() == 1
    assert LogEntry.objects.filter(action="needs.need.reported", actor=zhou).count() == 2
    # On to the next person.
    following = client.get(response.url, follow=True)
    assert following.context["person"] != task.person
    assert following.context["task"].claimed_by == zhou


def test_an_unreached_call_is_tried_again_later(chen, city_team, login):
    zhou = caller(city_team, "zhou")
    plan()
    client = login(zhou)
    client.get(reverse("visits:call_next"))
    task = CallTask.objects.get(claimed_by=zhou)
    before = timezone.now()
    response = client.post(
        reverse("visits:call_record", args=[task.pk]), outcome_data("POWERED_OFF")
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.attempts, task.claimed_by) == (CallTask.Status.OPEN, 1, None)
    assert task.not_before >= before + dt.timedelta(minutes=task.retry_minutes)
    assert Need.objects.count() == 1  # yesterday's only
    # Nothing else is due: no more calls for now, with the day's counts.
    idle = client.get(reverse("visits:call_next"))
    assert idle.status_code == 200
    assert idle.context["counts"] == {
        "made": 1,
        "reached": 0,
        "unreached": 1,
        "left": 1,
        "waiting": 1,
    }
    assert 'data-testid="no-more-calls"' in idle.content.decode()


def test_bad_input_is_refused_in_chinese_and_what_was_typed_is_kept(chen, city_team, login):
    zhou = caller(city_team, "zhou")
    plan()
    client = login(zhou)
    client.get(reverse("visits:call_next"))
    task = CallTask.objects.get(claimed_by=zhou)
    url = reverse("visits:call_record", args=[task.pk])

    # No outcome chosen.
    response = client.post(url, outcome_data(notes="电话响了很久"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "请选择本次探访的结果：联系上或未联系上。" in html
    assert "尚未保存：请修改下面标出的内容。" in html  # said at the top of the form too
    assert "电话响了很久" in html

    # Needs on a call that did not reach the person.
    response = client.post(
        url,
        outcome_data("NO_ANSWER", needs=[("FOOD", "urgent", "米只够吃一天")], notes="第二次"),
    )
    html = response.content.decode()
    assert "只有联系上本人时才能登记问题" in html
    assert "米只够吃一天" in html  # the need typed is still there
    assert re.search(r'value="NO_ANSWER"[^>]*checked', html)  # the outcome chosen, too

    # Reached, but neither difficulty nor need said; and a need described without its kind.
    response = client.post(url, outcome_data("REACHED"))
    assert "请选择有无困难，或登记发现的问题。" in response.content.decode()
    response = client.post(
        url, outcome_data("REACHED", difficulty="some", needs=[("", "normal", "要买菜")])
    )
    assert "请选择问题类别。" in response.content.decode()

    assert not Visit.objects.filter(task=task).exists()
    assert Need.objects.count() == 1  # yesterday's only
    task.refresh_from_db()
    assert (task.status, task.claimed_by, task.attempts) == (CallTask.Status.CLAIMED, zhou, 0)


def test_a_caller_cannot_open_or_record_another_callers_task(chen, city_team, personas, client):
    zhou, wu = caller(city_team, "zhou"), caller(city_team, "wu")
    other_team = Team.objects.create(name="市二队", unit=personas.city_unit)
    li = caller(other_team, "li")
    plan()
    task = claim_next(zhou)
    for intruder in (wu, li):
        client.force_login(intruder)
        assert client.get(reverse("visits:call_task", args=[task.pk])).status_code == 404
        response = client.post(
            reverse("visits:call_record", args=[task.pk]), outcome_data("REFUSED")
        )
        assert response.status_code == 404
        for action in ("call_later", "call_give_back"):
            assert client.post(reverse(f"visits:{action}", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert (task.status, task.claimed_by) == (CallTask.Status.CLAIMED, zhou)
    assert not Visit.objects.filter(task=task).exists()
    assert not LogEntry.objects.filter(action="registry.person.viewed").exists()


def test_a_recorded_task_is_no_longer_open_to_its_caller(chen, city_team, login):
    zhou = caller(city_team, "zhou")
    plan()
    client = login(zhou)
    client.get(reverse("visits:call_next"))
    task = CallTask.objects.get(claimed_by=zhou)
    client.post(
        reverse("visits:call_record", args=[task.pk]),
        outcome_data("REACHED", difficulty="none"),
    )
    again = client.post(
        reverse("visits:call_record", args=[task.pk]), outcome_data("REACHED", difficulty="none")
    )
    assert again.status_code == 302
    assert Visit.objects.filter(task=task).count() == 1


def test_later_puts_the_call_back_for_half_an_hour_and_gives_the_next(chen, city_team, login):
    PersonFactory(name="黄伯", categories=["DIBAO"])
    zhou = caller(city_team, "zhou")
    plan()
    client = login(zhou)
    client.get(reverse("visits:call_next"))
    first = CallTask.objects.get(claimed_by=zhou)
    response = client.post(reverse("visits:call_later", args=[first.pk]), follow=True)
    first.refresh_from_db()
    assert (first.status, first.claimed_by, first.attempts) == (CallTask.Status.OPEN, None, 0)
    assert first.not_before > timezone.now() + dt.timedelta(minutes=29)
    assert response.context["task"].person != first.person
    assert LogEntry.objects.filter(action="visits.task.put_off", actor=zhou).count() == 1


def test_giving_back_frees_the_call_for_another_caller_and_pauses(chen, city_team, login):
    zhou, wu = caller(city_team, "zhou"), caller(city_team, "wu")
    plan()
    client = login(zhou)
    client.get(reverse("visits:call_next"))
    task = CallTask.objects.get(claimed_by=zhou)
    response = client.post(reverse("visits:call_give_back", args=[task.pk]))
    assert response.url == reverse("visits:call_pause")
    task.refresh_from_db()
    assert (task.status, task.claimed_by) == (CallTask.Status.OPEN, None)
    paused = client.get(response.url)
    assert 'data-testid="paused"' in paused.content.decode()
    assert CallTask.objects.get(claimed_by=None, pk=task.pk)
    assert claim_next(wu) == task


def test_no_more_calls_shows_the_days_counts(chen, city_team, login):
    zhou = caller(city_team, "zhou")
    plan()
    task = claim_next(zhou)
    record_visit(task, actor=zhou, outcome="REACHED", needs=[NeedFound("FOOD", "normal", "米不够")])
    response = login(zhou).get(reverse("visits:call_next"))
    assert response.status_code == 200
    assert response.context["counts"] == {
        "made": 1,
        "reached": 1,
        "unreached": 0,
        "left": 0,
        "waiting": 0,
    }


def test_a_caller_in_no_team_is_told_why_there_are_no_calls(chen, city_team, personas, login):
    plan()
    loner = UserFactory(username="loner", unit=personas.city_unit, roles=[Role.CALLER])
    response = login(loner).get(reverse("visits:call_next"))
    assert response.status_code == 200
    assert 'data-testid="no-team"' in response.content.decode()
    assert "您还没有加入电访队" in response.content.decode()
    assert not CallTask.objects.filter(claimed_by=loner).exists()


def test_the_home_page_card_leads_a_caller_to_the_calls(city_team, login):
    zhou = caller(city_team, "zhou")
    html = login(zhou).get(reverse("web:home")).content.decode()
    assert f'href="{reverse("visits:call_next")}"' in html
