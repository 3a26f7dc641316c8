"""Team leaders' pages: a team's callers and open tasks, moving tasks between teams, placing the
calls without a team, keeping teams (kapok.visits.teams); the call plans: policies and rules
edited as data (kapok.visits.policies), "make today's plan now", the daily plan and the plan
made again when a zone is declared (kapok.visits.tasks)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kapok.accounts.roles import Role
from kapok.audit.models import LogEntry
from kapok.registry.models import Category
from kapok.site.daily import run_daily
from kapok.visits import teams
from kapok.visits.calling import claim_next, record_visit
from kapok.visits.models import AssignmentRule, CallPolicy, CallTask, RobotVendor, Team, Visit
from kapok.visits.planning import plan_day
from kapok.visits.policies import save_policy
from kapok.visits.tasks import replan_today
from kapok.zones.actions import declare_zone
from tests.factories import PersonFactory, UserFactory, region, zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(db):
    return CallPolicy.objects.create(name="封控区、管控区每日电访", scope=CallPolicy.Scope.IN_ZONES)


@pytest.fixture
def leader(personas):
    """A team leader of 白云区 (limited to the district)."""
    return UserFactory(username="leader", unit=personas.district_unit, roles=[Role.TEAM_LEADER])


@pytest.fixture
def two_teams(personas, policy):
    """白云一队 has five calls today, 白云二队 none."""
    first = Team.objects.create(name="白云一队", unit=personas.district_unit)
    second = Team.objects.create(name="白云二队", unit=personas.district_unit)
    AssignmentRule.objects.create(position=1).teams.add(first)
    zone("白云区松洲街螺涌")
    for _ in range(5):
        PersonFactory(categories=["TEKUN"])
    plan_day(timezone.localdate())
    return first, second


def caller(team, name, unit=None):
    user = UserFactory(username=name, unit=unit or team.unit, roles=[Role.CALLER])
    team.members.add(user)
    return user


def test_the_team_page_shows_each_callers_day_and_the_open_tasks(two_teams, leader, login):
    first, _second = two_teams
    zhou, wu = caller(first, "zhou"), caller(first, "wu")
    record_visit(claim_next(zhou), actor=zhou, outcome=Visit.Outcome.REACHED, has_difficulty=True)
    record_visit(claim_next(zhou), actor=zhou, outcome=Visit.Outcome.NO_ANSWER)
    claim_next(wu)
    response = login(leader).get(reverse("visits:team_detail", args=[first.pk]))
    assert response.status_code == 200
    made = dict(response.context["members"])
    assert (made[zhou].visits, made[zhou].reached, made[zhou].not_reached) == (2, 1, 1)
    assert (made[zhou].with_difficulty, made[zhou].holding) == (1, 0)
    assert (made[wu].visits, made[wu].holding) == (0, 1)
    counts = response.context["counts"]
    assert (counts.planned, counts.open, counts.in_progress, counts.reached) == (5, 3, 1, 1)
    # Open: the two never tried and the one waiting for its retry; not the one being called.
    assert response.context["total"] == 3
    html = response.content.decode()
    assert html.count('name="tasks"') == 3


def test_a_leader_moves_ticked_open_tasks_and_the_first_few_and_it_is_audited(
    two_teams, leader, login
):
    first, second = two_teams
    zhou = caller(first, "zhou")
    held = claim_next(zhou)
    open_tasks = list(CallTask.objects.filter(status=CallTask.Status.OPEN).order_by("pk"))
    client = login(leader)
    response = client.post(
        reverse("visits:team_move", args=[first.pk]),
        {"tasks": [open_tasks[0].pk, held.pk], "team": second.pk},
    )
    assert response.status_code == 302
    # The task being called is not on the list to move: the form refuses the whole choice.
    assert CallTask.objects.filter(team=second).count() == 0
    client.post(
        reverse("visits:team_move", args=[first.pk]),
        {"tasks": [open_tasks[0].pk, open_tasks[1].pk], "team": second.pk},
    )
    assert set(CallTask.objects.filter(team=second)) == set(open_tasks[:2])
    client.post(reverse("visits:team_move", args=[first.pk]), {"first": 1, "team": second.pk})
    assert CallTask.objects.filter(team=second).count() == 3
    held.refresh_from_db()
    assert (held.team, held.status) == (first, CallTask.Status.CLAIMED)
    entries = LogEntry.objects.filter(action="visits.tasks.moved").order_by("pk")
    assert [entry.data["moved"] for entry in entries] == [2, 1]
    assert entries[0].actor == leader


def test_a_caller_cannot_move_tasks_and_another_district_cannot_see_the_team(
    two_teams, personas, login
):
    first, second = two_teams
    zhou = caller(first, "zhou")
    task = CallTask.objects.first()
    response = login(zhou).post(
        reverse("visits:team_move", args=[first.pk]), {"tasks": [task.pk], "team": second.pk}
    )
    assert response.status_code == 403
    liwan = UserFactory(username="liwan", unit=personas.outsider_unit, roles=[Role.TEAM_LEADER])
    client = login(liwan)
    assert client.get(reverse("visits:team_detail", args=[first.pk])).status_code == 404
    assert (
        client.post(
            reverse("visits:team_move", args=[first.pk]), {"tasks": [task.pk], "team": second.pk}
        ).status_code
        == 404
    )
    assert CallTask.objects.filter(team=second).count() == 0
    assert LogEntry.objects.filter(action="access.out_of_scope", actor=liwan).count() == 2


def test_calls_without_a_team_are_placed_from_their_page(personas, policy, leader, login):
    team = Team.objects.create(name="白云一队", unit=personas.district_unit)
    zone("白云区松洲街螺涌")
    zone("荔湾区茶滘街红棉")
    PersonFactory(categories=["TEKUN"])
    PersonFactory(categories=["TEKUN"])
    PersonFactory(categories=["TEKUN"], residence_region=region("荔湾区茶滘街红棉"))
    assert plan_day(timezone.localdate()).unassigned == 3  # no rule at all
    client = login(leader)
    page = client.get(reverse("visits:tasks_without_team"))
    assert page.context["total"] == 2  # the 荔湾区 call is not the 白云区 leader's
    liwan_task = CallTask.objects.get(region_code__startswith="440103")
    client.post(reverse("visits:tasks_without_team"), {"first": 5, "team": team.pk})
    assert CallTask.objects.filter(team=team).count() == 2
    assert CallTask.objects.get(pk=liwan_task.pk).team is None


def test_leaders_keep_their_teams_and_callers_within_their_region(personas, leader, login):
    client = login(leader)
    response = client.post(
        reverse("visits:team_create"),
        {"name": "白云三队", "kind": "CALLERS", "unit": personas.district_unit.pk},
    )
    team = Team.objects.get(name="白云三队")
    assert response.url == reverse("visits:team_detail", args=[team.pk])
    zhou = UserFactory(username="zhou", unit=personas.street_unit, roles=[Role.CALLER])
    outsider = UserFactory(username="li", unit=personas.outsider_unit, roles=[Role.CALLER])
    clerk = UserFactory(username="clerk", unit=personas.street_unit, roles=[Role.STREET_STAFF])
    client.post(reverse("visits:team_members", args=[team.pk]), {"members": [zhou.pk]})
    assert list(team.members.all()) == [zhou]
    # Someone of another district, or not a caller, is not on the list to choose from.
    for stranger in (outsider, clerk):
        client.post(
            reverse("visits:team_members", args=[team.pk]), {"members": [zhou.pk, stranger.pk]}
        )
        assert list(team.members.all()) == [zhou]
    with pytest.raises(ValidationError):
        teams.set_members(team, actor=leader, members=[zhou, outsider])
    client.post(reverse("visits:team_members", args=[team.pk]), {})
    assert team.members.count() == 0
    client.post(
        reverse("visits:team_edit", args=[team.pk]),
        {"name": "白云三队（夜班）", "kind": "CALLERS", "leader": leader.pk},
    )
    team.refresh_from_db()
    assert (team.name, team.leader, team.is_active) == ("白云三队（夜班）", leader, False)
    actions = list(
        LogEntry.objects.filter(action__startswith="visits.team.")
        .order_by("pk")
        .values_list("action", "data")
    )
    assert [action for action, _data in actions] == [
        "visits.team.created",
        "visits.team.members_changed",
        "visits.team.members_changed",
        "visits.team.changed",
    ]
    assert actions[1][1] == {"added": [zhou.pk], "removed": []}
    assert actions[3][1]["changes"]["is_active"] == [True, False]
    # A district's leader keeps only the district's teams; a caller keeps none.
    with pytest.raises(PermissionDenied):
        teams.create_team(actor=leader, name="市队", unit=personas.city_unit)
    with pytest.raises(PermissionDenied):
        teams.create_team(actor=zhou, name="松洲队", unit=personas.district_unit)


def test_a_robot_team_needs_its_vendor_and_has_no_callers(personas, leader):
    with pytest.raises(ValidationError):
        teams.create_team(actor=leader, name="外呼", unit=personas.district_unit, kind="ROBOT")
    vendor = RobotVendor.objects.create(name="某外呼", code="vendor", delivery="CSV")
    team = teams.create_team(
        actor=leader, name="外呼", unit=personas.district_unit, kind="ROBOT", vendor=vendor
    )
    zhou = UserFactory(username="zhou", unit=personas.district_unit, roles=[Role.CALLER])
    with pytest.raises(ValidationError):
        teams.set_members(team, actor=leader, members=[zhou])
    callers = teams.create_team(actor=leader, name="白云一队", unit=personas.district_unit)
    teams.set_members(callers, actor=leader, members=[zhou])
    with pytest.raises(ValidationError):
        teams.update_team(callers, actor=leader, kind="ROBOT", vendor=vendor)
    assert Team.objects.get(pk=callers.pk).kind == Team.Kind.CALLERS


def test_the_city_edits_call_policies_and_rules_as_data(personas, login):
    team = Team.objects.create(name="市一队", unit=personas.city_unit)
    client = login(personas.city)
    response = client.post(
        reverse("visits:policy_create"),
        {
            "name": "独居老人每周电访",
            "scope": "EVERYWHERE",
            "category": Category.objects.get(code="LIVING_ALONE_ELDERLY").pk,
            "every_days": 7,
            "weekday": 2,
            "attempts": 2,
            "retry_minutes": 30,
            "home_visit_after": "on",
            "position": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    policy = CallPolicy.objects.get(name="独居老人每周电访")
    assert (policy.weekday, policy.attempts, policy.is_active) == (2, 2, True)
    # Deactivated: unticked.
    data = {
        "name": policy.name,
        "scope": "EVERYWHERE",
        "every_days": 7,
        "weekday": 2,
        "attempts": 2,
        "retry_minutes": 30,
        "position": 10,
    }
    client.post(reverse("visits:policy_edit", args=[policy.pk]), data)
    policy.refresh_from_db()
    assert (policy.is_active, policy.home_visit_after, policy.category) == (False, False, None)
    # A weekday on a daily plan is refused, and nothing changes.
    refused = client.post(
        reverse("visits:policy_edit", args=[policy.pk]), {**data, "every_days": 1}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["weekday"]
    policy.refresh_from_db()
    assert policy.every_days == 7
    client.post(
        reverse("visits:rule_create"),
        {"position": 5, "region": "白云区松洲街", "method": "ROUND_ROBIN", "teams": [team.pk]},
    )
    rule = AssignmentRule.objects.get()
    assert (rule.region, list(rule.teams.all()), rule.is_active) == (
        region("白云区松洲街"),
        [team],
        False,
    )
    page = client.get(reverse("visits:rule_edit", args=[rule.pk]))
    assert page.status_code == 200
    client.post(
        reverse("visits:rule_edit", args=[rule.pk]),
        {"position": 5, "region": "", "method": "BALANCED", "teams": [team.pk], "is_active": "on"},
    )
    rule.refresh_from_db()
    assert (rule.region, rule.method, rule.is_active) == (None, "BALANCED", True)
    logged = LogEntry.objects.filter(action__regex=r"^visits\.(policy|rule)\.").order_by("pk")
    assert [entry.action for entry in logged] == [
        "visits.policy.created",
        "visits.policy.changed",
        "visits.rule.created",
        "visits.rule.changed",
    ]
    assert logged[1].data["changes"]["is_active"] == [True, False]
    assert logged[3].data["changes"]["region"] == ["440111003000", None]
    listing = client.get(reverse("visits:plan_list")).content.decode()
    assert "独居老人每周电访" in listing
    assert "市一队" in listing


def test_call_plans_are_the_citys_a_district_leader_is_refused(personas, leader, login):
    client = login(leader)
    assert client.get(reverse("visits:plan_list")).status_code == 403
    assert client.post(reverse("visits:plan_make")).status_code == 403
    assert client.post(reverse("visits:policy_create"), {"name": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        save_policy(actor=leader, name="区里的计划", scope="EVERYWHERE")
    assert not CallPolicy.objects.exists()


def test_making_todays_plan_from_the_page_twice_adds_nothing_the_second_time(
    personas, policy, login
):
    team = Team.objects.create(name="市一队", unit=personas.city_unit)
    AssignmentRule.objects.create(region=region("白云区")).teams.add(team)
    zone("白云区松洲街螺涌")
    zone("荔湾区茶滘街红棉")
    PersonFactory(categories=["TEKUN"])
    PersonFactory(categories=["TEKUN"], residence_region=region("荔湾区茶滘街红棉"))
    client = login(personas.city)
    first = client.post(reverse("visits:plan_make"), follow=True)
    assert CallTask.objects.count() == 2
    said = [str(message) for message in first.context["messages"]]
    assert any("市一队 1" in text for text in said)
    client.post(reverse("visits:plan_make"))
    assert CallTask.objects.count() == 2
    made = LogEntry.objects.filter(action="visits.plan.made").order_by("pk")
    assert [(entry.data["created"], entry.data["existing"]) for entry in made] == [(2, 0), (0, 2)]
    assert made[0].data["unassigned"] == 1
    assert made[0].actor == personas.city


def test_declaring_a_lockdown_zone_plans_its_people_today(
    personas, policy, django_capture_on_commit_callbacks
):
    PersonFactory(categories=["TEKUN"])
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        declare_zone(
            actor=personas.district,
            region=region("白云区松洲街螺涌"),
            level="PREVENTION",
            starts_at=now - dt.timedelta(hours=1),
        )
    assert not DBTaskResult.objects.filter(task_path=replan_today.module_path).exists()
    with django_capture_on_commit_callbacks(execute=True):
        declare_zone(
            actor=personas.district,
            region=region("白云区松洲街螺涌"),
            level="LOCKDOWN",
            starts_at=now - dt.timedelta(hours=1),
        )
    queued = DBTaskResult.objects.get(task_path=replan_today.module_path)
    assert queued.status == "READY"
    assert replan_today.call()["created"] == 1
    assert CallTask.objects.get().day == timezone.localdate()


def test_the_daily_run_makes_the_days_plan(personas, policy):
    zone("白云区松洲街螺涌")
    PersonFactory(categories=["TEKUN"])
    results = run_daily.call()
    assert results["kapok.visits.tasks.plan_today"]["created"] == 1
    assert run_daily.call()["kapok.visits.tasks.plan_today"]["created"] == 0
    assert CallTask.objects.filter(day=timezone.localdate()).count() == 1
