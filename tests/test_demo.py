import io

import pytest
from django.core.management import call_command

from kapok.accounts.models import User
from kapok.accounts.roles import Role
from kapok.site.demo import ACCOUNTS, DEMO_PASSWORD
from kapok.units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_street_and_community_of_two_districts_and_one_account_per_role(
    client,
):
    out = io.StringIO()
    call_command("demo", stdout=out)
    kinds = dict((kind, Unit.objects.filter(kind=kind).count()) for kind in Unit.Kind.values)
    assert kinds[Unit.Kind.CITY_BUREAU] == 1
    assert kinds[Unit.Kind.DISTRICT_BUREAU] == 2
    assert kinds[Unit.Kind.STREET_OFFICE] == 24 + 22  # 白云区, 荔湾区
    assert kinds[Unit.Kind.COMMUNITY_COMMITTEE] == 404 + 201
    assert kinds[Unit.Kind.SOCIAL_WORK_STATION] == 1
    assert {account.role for account in ACCOUNTS} == set(Role)
    printed = out.getvalue()
    for account in ACCOUNTS:
        assert account.username in printed
        assert client.login(username=account.username, password=DEMO_PASSWORD)
    assert "http://127.0.0.1:8000" in printed


def test_loading_the_demo_twice_changes_nothing():
    call_command("demo", stdout=io.StringIO())
    units, users = Unit.objects.count(), User.objects.count()
    call_command("demo", stdout=io.StringIO())
    assert (Unit.objects.count(), User.objects.count()) == (units, users)


def test_demo_community_units_hang_under_their_street_offices():
    call_command("demo", stdout=io.StringIO())
    luoyong = Unit.objects.get(name="螺涌社区居委会")
    assert luoyong.parent.name == "松洲街道办事处"
    assert luoyong.parent.parent.name == "白云区民政局"
    assert User.objects.get(username="luoyong").unit == luoyong


def test_the_demo_registry_shows_todays_figures_from_the_sample_rosters():
    import json

    from django.utils import timezone

    from kapok.registry.models import Person
    from kapok.registry.statistics import category_figures
    from kapok.site.demo import ROSTERS
    from kapok.zones.models import people_in_zones

    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "registry: 8 rosters imported" in out.getvalue()
    expected = json.loads((ROSTERS / "expected.json").read_text(encoding="utf-8"))
    today = timezone.localdate()
    figures = category_figures(people_in_zones(Person.objects.all(), today), today)
    for code, figure in expected["in_zones"]["by_category"].items():
        assert figures["by_category"][code] == figure
    assert figures["people"] == expected["in_zones"]["people"]  # deduplicated
    call_command("demo", stdout=out)
    assert "registry: 0 rosters imported" in out.getvalue()


def test_the_demo_shows_a_day_of_phone_visits_in_progress_and_adds_nothing_when_run_again():
    from django.utils import timezone

    from kapok.visits.board import visit_board
    from kapok.visits.models import CallTask, Visit

    call_command("demo", stdout=io.StringIO())
    tasks, visits = CallTask.objects.count(), Visit.objects.count()
    by_channel = {
        channel: Visit.objects.filter(channel=channel).count() for channel in ("PHONE", "ROBOT")
    }
    assert by_channel["PHONE"] > 10
    assert by_channel["ROBOT"] > 10
    statuses = set(CallTask.objects.values_list("status", flat=True))
    assert {CallTask.Status.OPEN, CallTask.Status.DONE} <= statuses  # a day in progress
    call_command("demo", stdout=io.StringIO())
    assert (CallTask.objects.count(), Visit.objects.count()) == (tasks, visits)
    board = visit_board(timezone.localdate())
    assert {row.team.name for row in board.by_team if row.team} >= {
        "市电访一队",
        "荔湾区电访队",
        "机器人外呼（模拟）",
    }


def test_the_demo_shows_needs_in_every_state_some_overdue_escalated_and_cross_district():
    from django.utils import timezone

    from kapok.needs.clearance import clearance
    from kapok.needs.models import Need, NeedPhoto

    out = io.StringIO()
    call_command("demo", stdout=out)
    by_state = {status: Need.objects.filter(status=status).count() for status in Need.Status}
    assert all(by_state.values()), by_state
    now = timezone.now()
    assert Need.objects.overdue(now).exists()
    assert Need.objects.filter(escalation_level__gt=0, escalated_to__isnull=False).exists()
    # Registered in 荔湾区, living in 白云区: helped where they live, 荔湾区 told.
    cross = Need.objects.filter(
        hukou_region_code__startswith="440103", region_code__startswith="440111"
    ).first()
    assert cross is not None
    assert cross.shared_with.filter(name="荔湾区民政局").exists()
    assert Need.objects.filter(urgency="emergency", escalation_level__gt=0).exists()
    assert Need.objects.filter(shared_with__kind=Unit.Kind.MINOR_PROTECTION_CENTRE).exists()
    assert NeedPhoto.objects.exists()
    districts = {row.label for row in clearance(timezone.localdate()).by_district}
    assert districts >= {"白云区", "荔湾区"}
    assert "needs: " in out.getvalue()
    needs = Need.objects.count()
    call_command("demo", stdout=io.StringIO())
    assert Need.objects.count() == needs
