"""The visit board (kapok.visits.board and its pages): a day in progress counted by team, by
district and street, as the domain says; what each region sees; the live fragment; the people
not reached yet and their download; the `kapok visits` command."""

import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kapok.accounts.roles import Role
from kapok.audit.models import LogEntry
from kapok.needs.models import Need
from kapok.visits.board import visit_board
from kapok.visits.calling import NeedFound, claim_next, record_visit, unreached_people
from kapok.visits.models import (
    AssignmentRule,
    CallPolicy,
    CallTask,
    Channel,
    RobotVendor,
    Team,
    Visit,
)
from kapok.visits.planning import plan_day
from tests.factories import PersonFactory, UserFactory, region, zone

pytestmark = pytest.mark.django_db

SONGZHOU = "白云区松洲街螺涌"
SANYUANLI = "白云区三元里街飞鹅新村"
CHAJIAO = "荔湾区茶滘街红棉"


def caller(team, name):
    user = UserFactory(username=name, unit=team.unit, roles=[Role.CALLER])
    team.members.add(user)
    return user


@pytest.fixture
def day(personas):
    """Today, half done: 白云一队 (松洲街) reached two people (one with two needs), failed to
    reach one (who now has a home visit waiting) and is calling a fourth; the robot (荔湾区)
    reached one with difficulties and has one to call; a 三元里 call matched no rule."""
    CallPolicy.objects.create(name="封控区、管控区每日电访", scope=CallPolicy.Scope.IN_ZONES)
    baiyun = Team.objects.create(name="白云一队", unit=personas.district_unit)
    vendor = RobotVendor.objects.create(
        name="模拟机器人", code="simulated", delivery=RobotVendor.Delivery.CSV, is_simulated=True
    )
    robot = Team.objects.create(
        name="智能外呼一队", unit=personas.city_unit, kind=Team.Kind.ROBOT, vendor=vendor
    )
    AssignmentRule.objects.create(position=1, region=region("白云区松洲街")).teams.add(baiyun)
    AssignmentRule.objects.create(position=2, region=region("荔湾区")).teams.add(robot)
    for place in (SONGZHOU, SANYUANLI, CHAJIAO):
        zone(place)
    songzhou = [PersonFactory(categories=["TEKUN"]) for _ in range(4)]
    sanyuanli = PersonFactory(categories=["DIBAO"], residence_region=region(SANYUANLI))
    chajiao = [
        PersonFactory(categories=["TEKUN"], residence_region=region(CHAJIAO)) for _ in range(2)
    ]
    today = timezone.localdate()
    plan_day(today)
    zhou, wu = caller(baiyun, "zhou"), caller(baiyun, "wu")
    record_visit(
        claim_next(zhou),
        actor=zhou,
        outcome=Visit.Outcome.REACHED,
        needs=[NeedFound("FOOD", "urgent", "米吃完了"), NeedFound("MEDICINE")],
    )
    record_visit(claim_next(wu), actor=wu, outcome=Visit.Outcome.REACHED)
    failing = claim_next(zhou)
    CallTask.objects.filter(pk=failing.pk).update(max_attempts=1)
    record_visit(failing, actor=zhou, outcome=Visit.Outcome.POWERED_OFF)
    calling = claim_next(wu)
    robot_call = CallTask.objects.filter(team=robot).order_by("pk").first()
    record_visit(
        robot_call,
        actor=None,
        outcome=Visit.Outcome.REACHED,
        has_difficulty=True,
        channel=Channel.ROBOT,
        transcript="腿脚不方便，买不到菜",
    )
    return SimpleNamespace(
        day=today,
        baiyun=baiyun,
        robot=robot,
        songzhou=songzhou,
        sanyuanli=sanyuanli,
        chajiao=chajiao,
        failing=failing,
        calling=calling,
        zhou=zhou,
    )


def _row(board, key):
    for row in board.by_team:
        if (row.team and row.team.pk == key) or row.kind == key:
            return row.counts.as_dict()
    raise AssertionError(key)


def _numbers(counts: dict) -> tuple:
    return tuple(
        counts[key]
        for key in (
            "planned",
            "open",
            "in_progress",
            "reached",
            "unreached",
            "with_difficulty",
            "needs",
        )
    )


def test_the_board_counts_the_day_by_team_and_district_as_the_domain_says(day):
    board = visit_board(day.day)
    #                                   planned open prog reached unreached difficulty needs
    assert _numbers(_row(board, day.baiyun.pk)) == (4, 0, 1, 2, 1, 1, 2)
    assert _numbers(_row(board, day.robot.pk)) == (2, 1, 0, 1, 0, 1, 0)
    assert _numbers(_row(board, "NO_TEAM")) == (1, 1, 0, 0, 0, 0, 0)
    assert _numbers(_row(board, "HOME")) == (1, 1, 0, 0, 0, 0, 0)
    assert _numbers(board.total.as_dict()) == (8, 3, 1, 3, 1, 2, 2)
    # Teams in the model's order (the city's first), then the calls without a team, then home.
    assert [(row.kind, row.team, row.is_robot) for row in board.by_team] == [
        ("TEAM", day.robot, True),
        ("TEAM", day.baiyun, False),
        ("NO_TEAM", None, False),
        ("HOME", None, False),
    ]
    assert board.without_team == 1
    # The same numbers, asked of the domain directly.
    tasks = CallTask.objects.filter(day=day.day)
    assert board.total.planned == tasks.count()
    assert board.total.reached == tasks.filter(status=CallTask.Status.DONE).count()
    assert board.total.unreached == tasks.filter(status=CallTask.Status.UNREACHED).count()
    assert board.total.needs == Need.objects.filter(visit__task__day=day.day).count() == 2
    assert board.total.with_difficulty == Visit.objects.filter(has_difficulty=True).count()
    home = tasks.get(kind=CallTask.Kind.HOME)
    assert (home.origin, home.status) == (day.failing, CallTask.Status.OPEN)
    # People: seven to visit, three reached; the rest are the domain's unreached people.
    assert (board.people, board.people_reached, board.people_not_reached) == (7, 3, 4)
    assert board.people_not_reached == unreached_people(day.day).count()
    assert board.reach_percent == 43
    assert _row(board, day.baiyun.pk)["reach_rate"] == 0.5
    # By district, then street: 松洲街 has the four calls and the home visit.
    areas = {row.prefix: row for row in board.by_district}
    assert list(areas) == ["440103", "440111"]
    assert (areas["440111"].label, areas["440111"].counts.planned) == ("白云区", 6)
    streets = {street.prefix: street.counts.planned for street in areas["440111"].streets}
    assert streets == {"440111002": 1, "440111003": 5}
    assert areas["440103"].counts.reached == 1
    assert sum(row.counts.planned for row in board.by_district) == board.total.planned


def test_each_region_sees_its_own_district_and_the_outsider_none_of_baiyun(day, personas):
    district = visit_board(day.day, personas.district)
    assert [row.label for row in district.by_district] == ["白云区"]
    assert day.robot.pk not in [row.team.pk for row in district.by_team if row.team]
    assert (district.total.planned, district.people) == (6, 5)
    outsider = visit_board(day.day, personas.outsider)
    assert [row.label for row in outsider.by_district] == ["荔湾区"]
    assert [row.label for row in outsider.by_team] == ["智能外呼一队"]
    assert (outsider.total.planned, outsider.people, outsider.people_not_reached) == (2, 2, 1)
    street = visit_board(day.day, personas.street)
    assert [s.prefix for row in street.by_district for s in row.streets] == ["440111003"]


def test_the_board_page_shows_the_numbers_of_the_region_and_polls_them(day, personas, login):
    client = login(personas.district)
    page = client.get(reverse("visits:board"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 15s"' in html
    assert f'hx-get="{reverse("visits:board_numbers")}?day={day.day.isoformat()}"' in html
    assert "白云一队" in html
    assert "三元里街道" in html
    assert "智能外呼一队" not in html
    assert "荔湾区" not in html.split('<div id="board-numbers"')[1]
    assert f'data-row="team-{day.baiyun.pk}"' in html
    # The fragment: the numbers alone, no page around them.
    fragment = client.get(reverse("visits:board_numbers"), {"day": day.day.isoformat()})
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert body.lstrip().startswith('<div id="board-numbers"')
    assert "<html" not in body
    assert "<nav" not in body
    assert "<form" not in body
    assert 'hx-trigger="every 15s"' in body
    assert "白云一队" in body
    # Another day does not change any more: it is not polled.
    past = client.get(reverse("visits:board"), {"day": "2022-04-28"}).content.decode()
    assert "hx-trigger" not in past
    assert "2022-04-28" in past


def test_the_outsider_sees_the_robot_row_and_a_district_leader_is_linked_to_teams(
    day, personas, login
):
    html = login(personas.outsider).get(reverse("visits:board")).content.decode()
    numbers = html.split('<div id="board-numbers"')[1]
    assert "智能外呼一队" in numbers
    assert "白云" not in numbers
    assert "松洲" not in numbers
    leader = UserFactory(username="leader", unit=personas.district_unit, roles=[Role.TEAM_LEADER])
    html = login(leader).get(reverse("visits:board")).content.decode()
    assert reverse("visits:team_detail", args=[day.baiyun.pk]) in html
    assert reverse("visits:tasks_without_team") in html
    assert reverse("visits:plan_list") not in html  # the plans are the city's


def test_the_board_is_on_the_home_page_and_in_the_navigation_of_those_who_may_open_it(
    personas, login
):
    board = reverse("visits:board")
    assert board in login(personas.district).get(reverse("web:home")).content.decode()
    assert board in login(personas.city).get(reverse("web:home")).content.decode()
    assert board not in login(personas.community).get(reverse("web:home")).content.decode()
    assert login(personas.community).get(board).status_code == 403


def test_the_people_not_reached_yet_are_listed_with_masked_phones(day, personas, login):
    client = login(personas.district)
    response = client.get(reverse("visits:board_not_reached"))
    html = response.content.decode()
    failing = day.failing.person
    assert failing.name in html
    assert day.sanyuanli.name in html
    for person in day.chajiao:
        assert person.name not in html
    assert failing.phones[0] not in html
    assert failing.phones[0][:3] + "****" + failing.phones[0][-4:] in html
    reached = {visit.person.name for visit in Visit.objects.filter(outcome="REACHED")}
    assert not any(name in html for name in reached)
    assert response.context["page"].paginator.count == 3
    row = next(row for row in response.context["rows"] if row.person == failing)
    assert (row.attempts, row.home.status, row.home.unit) == (
        "1/1",
        CallTask.Status.OPEN,
        personas.community_unit,
    )
    assert row.last_outcome == Visit.Outcome.POWERED_OFF.label
    outsider = login(personas.outsider).get(reverse("visits:board_not_reached"))
    assert outsider.context["page"].paginator.count == 1
    assert failing.name not in outsider.content.decode()


def test_the_download_of_people_not_reached_is_masked_and_audited(day, personas, login):
    response = login(personas.district).get(
        reverse("visits:board_not_reached_export"), {"day": day.day.isoformat()}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    people = {row[0]: row for row in rows[1:]}
    failing = day.failing.person
    assert set(people) == {failing.name, day.sanyuanli.name, day.calling.person.name}
    text = json.dumps(rows, ensure_ascii=False, default=str)
    for person in (failing, day.sanyuanli):
        assert person.phones[0] not in text
        assert person.phones[0][-4:] in text
    assert people[failing.name][7] == "1/1"
    entry = LogEntry.objects.get(action="visits.not_reached.exported")
    assert (entry.actor, entry.data) == (
        personas.district,
        {"day": day.day.isoformat(), "people": 3},
    )


def test_the_command_prints_the_board_and_makes_a_plan(day, capsys):
    call_command("visits", "board", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(visit_board(day.day).as_dict(), ensure_ascii=False))
    assert printed["total"]["planned"] == 8
    assert printed["people"] == {"planned": 7, "reached": 3, "not_reached": 4, "reach_rate": 0.4286}
    baiyun = next(row for row in printed["by_team"] if row["team"] == day.baiyun.pk)
    assert (baiyun["name"], baiyun["reached"], baiyun["robot"]) == ("白云一队", 2, False)
    call_command("visits", "board")
    text = capsys.readouterr().out
    assert "白云一队" in text
    assert "智能外呼一队 (robot)" in text
    assert "松洲街道" in text
    call_command("visits", "plan", "--day", "2022-04-28", "--json")
    plan = json.loads(capsys.readouterr().out)
    assert plan == {
        "day": "2022-04-28",
        "created": 0,  # no zone in force then
        "existing": 0,
        "by_team": {},
        "unassigned": 0,
    }
    call_command("visits", "plan", "--json")
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["existing"]) == (0, 7)
    with pytest.raises(CommandError, match="not a date"):
        call_command("visits", "board", "--day", "28/04/2022")


def _queries(client, url, data=None) -> int:
    client.get(url, data)  # warm the per-process caches
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, data)
    assert response.status_code == 200
    # The session is saved now and then (its idle time-out): not the page's queries.
    return sum(
        "django_session" not in query["sql"] and "SAVEPOINT" not in query["sql"]
        for query in context.captured_queries
    )


def test_the_board_and_the_list_take_as_many_queries_for_many_people_as_for_few(
    day, personas, login
):
    client = login(personas.city)
    pages = [reverse("visits:board"), reverse("visits:board_not_reached")]
    pages.append(reverse("visits:team_detail", args=[day.baiyun.pk]))
    PersonFactory(categories=["TEKUN"])  # an open task for the team (its list is not empty)
    plan_day(day.day)
    few = [_queries(client, url) for url in pages]
    for _ in range(15):
        PersonFactory(categories=["TEKUN"])
        PersonFactory(categories=["TEKUN"], residence_region=region(SANYUANLI))
    plan_day(day.day)
    caller(day.baiyun, "zheng")
    many = [_queries(client, url) for url in pages]
    assert many == few
    assert visit_board(day.day).total.planned == 8 + 1 + 30
