"""The day's call plan, sharing tasks out to teams, claiming, retries and the home-visit hand-off
(kapok.visits.planning and kapok.visits.calling)."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from kapok.accounts.roles import Role
from kapok.needs.models import Need
from kapok.registry.models import Category
from kapok.units.models import Unit
from kapok.visits.calling import (
    NeedFound,
    VisitError,
    claim_next,
    move_tasks,
    record_visit,
    unreached_people,
)
from kapok.visits.models import AssignmentRule, CallPolicy, CallTask, Team, Visit
from kapok.visits.planning import plan_day
from tests.factories import PersonFactory, UserFactory, region, zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def zones_policy(db):
    return CallPolicy.objects.create(name="封控区、管控区每日电访", scope=CallPolicy.Scope.IN_ZONES)


@pytest.fixture
def city_team(personas):
    team = Team.objects.create(name="市一队", unit=personas.city_unit)
    AssignmentRule.objects.create(position=100).teams.add(team)
    return team


def caller(team, name):
    user = UserFactory(username=name, unit=team.unit, roles=[Role.CALLER])
    team.members.add(user)
    return user


def test_the_plan_gives_one_call_to_each_person_inside_a_zone_and_regenerating_adds_none(
    zones_policy, city_team
):
    zone("白云区松洲街螺涌")
    inside = [PersonFactory(categories=["TEKUN"]) for _ in range(3)]
    PersonFactory(categories=["TEKUN"], residence_region=region("荔湾区茶滘街红棉"))
    PersonFactory()  # in the zone but in no category: not counted, not called
    today = timezone.localdate()
    first = plan_day(today)
    assert (first.created, first.existing) == (3, 0)
    assert set(CallTask.objects.values_list("person", flat=True)) == {p.pk for p in inside}
    assert set(CallTask.objects.values_list("team", flat=True)) == {city_team.pk}
    again = plan_day(today)
    assert (again.created, again.existing) == (0, 3)
    assert CallTask.objects.count() == 3


def test_a_weekly_policy_adds_the_elderly_living_alone_on_its_weekday_once(zones_policy):
    today = timezone.localdate()
    CallPolicy.objects.create(
        name="独居老人每周电访",
        scope=CallPolicy.Scope.EVERYWHERE,
        category=Category.objects.get(code="LIVING_ALONE_ELDERLY"),
        every_days=7,
        weekday=today.weekday(),
    )
    zone("白云区松洲街螺涌")
    both = PersonFactory(categories=["LIVING_ALONE_ELDERLY"])  # in the zone and living alone
    alone = PersonFactory(
        categories=["LIVING_ALONE_ELDERLY"], residence_region=region("荔湾区茶滘街红棉")
    )
    PersonFactory(categories=["TEKUN"], residence_region=region("荔湾区茶滘街红棉"))
    assert plan_day(today).created == 2
    assert set(CallTask.objects.values_list("person", flat=True)) == {both.pk, alone.pk}
    tomorrow = today + dt.timedelta(days=1)
    assert plan_day(tomorrow).created == 1  # only the zone's daily call
    assert CallTask.objects.get(day=tomorrow).person == both


def test_rules_share_tasks_by_district_and_category_balanced_or_in_turn(personas, zones_policy):
    zone("白云区松洲街螺涌")
    zone("荔湾区茶滘街红棉")
    baiyun_a = Team.objects.create(name="白云一队", unit=personas.district_unit)
    baiyun_b = Team.objects.create(name="白云二队", unit=personas.district_unit)
    children = Team.objects.create(name="儿童队", unit=personas.city_unit)
    city = Team.objects.create(name="市队", unit=personas.city_unit)
    rule = AssignmentRule.objects.create(
        position=1, category=Category.objects.get(code="CHILD_IN_DIFFICULTY")
    )
    rule.teams.add(children)
    rule = AssignmentRule.objects.create(
        position=2, region=region("白云区"), method=AssignmentRule.Method.ROUND_ROBIN
    )
    rule.teams.add(baiyun_a, baiyun_b)
    AssignmentRule.objects.create(position=3).teams.add(city)
    for _ in range(4):
        PersonFactory(categories=["TEKUN"])
    child = PersonFactory(categories=["CHILD_IN_DIFFICULTY"])
    liwan = PersonFactory(categories=["TEKUN"], residence_region=region("荔湾区茶滘街红棉"))
    result = plan_day(timezone.localdate())
    assert result.by_team == {"儿童队": 1, "白云一队": 2, "白云二队": 2, "市队": 1}
    assert CallTask.objects.get(person=child).team == children
    assert CallTask.objects.get(person=liwan).team == city


def test_two_callers_never_get_the_same_task_and_a_caller_gets_back_the_task_they_hold(
    zones_policy, city_team
):
    zone("白云区松洲街螺涌")
    PersonFactory(categories=["TEKUN"])
    PersonFactory(categories=["TEKUN"])
    plan_day(timezone.localdate())
    first, second = caller(city_team, "zhou"), caller(city_team, "wu")
    mine = claim_next(first)
    theirs = claim_next(second)
    assert mine.pk != theirs.pk
    assert claim_next(first).pk == mine.pk  # still holding it
    outsider = UserFactory(username="other", unit=city_team.unit, roles=[Role.CALLER])
    assert claim_next(outsider) is None  # in no team
    with pytest.raises(PermissionDenied):
        claim_next(UserFactory(username="nobody", unit=city_team.unit, roles=[]))


def test_an_unreached_person_is_tried_on_each_number_then_handed_to_the_community(
    personas, zones_policy, city_team
):
    zone("白云区松洲街螺涌")
    person = PersonFactory(categories=["TEKUN"], phones=["13800000001", "13800000002"])
    plan_day(timezone.localdate())
    zhou = caller(city_team, "zhou")
    # 09:00 local today: the three attempts an hour apart stay within the day whenever it runs.
    now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 0)))
    dialled = []
    for attempt in range(3):
        task = claim_next(zhou, now=now)
        assert task is not None, attempt
        visit = record_visit(task, actor=zhou, outcome=Visit.Outcome.NO_ANSWER, now=now)
        dialled.append(visit.phone_masked)
        assert claim_next(zhou, now=now + dt.timedelta(minutes=59)) is None  # waits its gap
        now += dt.timedelta(minutes=61)
    assert dialled == ["138****0001", "138****0002", "138****0001"]
    call = CallTask.objects.get(kind=CallTask.Kind.CALL)
    assert (call.status, call.attempts) == (CallTask.Status.UNREACHED, 3)
    home = CallTask.objects.get(kind=CallTask.Kind.HOME)
    assert (home.unit, home.origin) == (personas.community_unit, call)
    assert list(unreached_people(call.day)) == [person]
    # The community worker records the home visit with the same form.
    visit = record_visit(
        home,
        actor=personas.community,
        outcome=Visit.Outcome.REACHED,
        has_difficulty=True,
        needs=[NeedFound("MEDICINE", "urgent", "降压药只剩两天")],
        checks={"gas_safety": "ok"},
    )
    assert (visit.channel, visit.unit) == ("HOME", personas.community_unit)
    home.refresh_from_db()
    assert home.status == CallTask.Status.DONE
    assert list(unreached_people(call.day)) == []
    with pytest.raises(PermissionDenied):
        record_visit(home, actor=personas.outsider, outcome=Visit.Outcome.REACHED)


def test_a_reached_person_with_two_needs_gives_two_needs_from_the_visit(zones_policy, city_team):
    zone("白云区松洲街螺涌")
    person = PersonFactory(categories=["DIBAO"])
    plan_day(timezone.localdate())
    zhou = caller(city_team, "zhou")
    task = claim_next(zhou)
    visit = record_visit(
        task,
        actor=zhou,
        outcome=Visit.Outcome.REACHED,
        needs=[NeedFound("FOOD", "urgent", "米吃完了"), NeedFound("MEDICINE", "normal")],
        notes="独居，腿脚不便",
    )
    needs = Need.objects.filter(visit=visit).order_by("kind")
    assert [(n.kind, n.urgency, n.person_id) for n in needs] == [
        ("FOOD", "urgent", person.pk),
        ("MEDICINE", "normal", person.pk),
    ]
    assert visit.has_difficulty
    assert needs[0].reported_by == zhou
    assert needs[0].reported_by_team == city_team
    with pytest.raises(VisitError):  # finished: cannot be recorded twice
        record_visit(task, actor=zhou, outcome=Visit.Outcome.REACHED)


def test_a_caller_cannot_record_a_task_they_did_not_claim(zones_policy, city_team):
    zone("白云区松洲街螺涌")
    PersonFactory(categories=["TEKUN"])
    plan_day(timezone.localdate())
    zhou, wu = caller(city_team, "zhou"), caller(city_team, "wu")
    task = claim_next(zhou)
    with pytest.raises(VisitError):
        record_visit(task, actor=wu, outcome=Visit.Outcome.REACHED)


def test_a_team_leader_moves_open_tasks_to_another_team(personas, zones_policy, city_team):
    zone("白云区松洲街螺涌")
    PersonFactory(categories=["TEKUN"])
    plan_day(timezone.localdate())
    other = Team.objects.create(name="市二队", unit=personas.city_unit)
    leader = UserFactory(username="leader", unit=personas.city_unit, roles=[Role.TEAM_LEADER])
    tasks = list(CallTask.objects.all())
    with pytest.raises(PermissionDenied):
        move_tasks(tasks, team=other, actor=caller(city_team, "zhou"))
    assert move_tasks(tasks, team=other, actor=leader) == 1
    assert CallTask.objects.get().team == other


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hundred_callers_claiming_one_task_at_once_give_it_one_owner(personas):
    """On PostgreSQL, with real concurrent transactions: exactly one claim wins."""
    CallPolicy.objects.create(name="每日", scope=CallPolicy.Scope.IN_ZONES)
    team = Team.objects.create(name="市一队", unit=personas.city_unit)
    AssignmentRule.objects.create().teams.add(team)
    zone("白云区松洲街螺涌")
    PersonFactory(categories=["TEKUN"])
    plan_day(timezone.localdate())
    callers = [caller(team, f"caller{n}") for n in range(100)]
    barrier = threading.Barrier(len(callers), timeout=30)
    won, errors = [], []

    def claim(user):
        try:
            barrier.wait()
            task = claim_next(user)
            if task is not None:
                won.append((user.pk, task.pk))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(won) == 1
    task = CallTask.objects.get()
    assert (task.status, task.claimed_by_id) == (CallTask.Status.CLAIMED, won[0][0])
    assert Unit.objects.exists()


def test_an_emergency_call_back_that_does_not_get_through_sends_the_community_at_once(
    personas, city_team
):
    person = PersonFactory(categories=["TEKUN"])
    callback = CallTask.objects.create(
        day=timezone.localdate(),
        kind=CallTask.Kind.CALLBACK,
        person=person,
        team=city_team,
        region_code=person.residence_region_id,
        retry_minutes=5,
        note="机器人电访听到：摔倒了起不来",
    )
    zhou = caller(city_team, "zhou")
    assert claim_next(zhou) == callback
    record_visit(callback, actor=zhou, outcome=Visit.Outcome.NO_ANSWER)
    home = CallTask.objects.get(kind=CallTask.Kind.HOME)
    assert (home.origin, home.unit, home.note) == (
        callback,
        personas.community_unit,
        "机器人电访听到：摔倒了起不来",
    )
    callback.refresh_from_db()
    assert callback.status == CallTask.Status.OPEN  # and the call-back keeps trying
    assert claim_next(zhou, now=timezone.now() + dt.timedelta(minutes=6)) == callback
    record_visit(callback, actor=zhou, outcome=Visit.Outcome.POWERED_OFF)
    assert CallTask.objects.filter(kind=CallTask.Kind.HOME).count() == 1
