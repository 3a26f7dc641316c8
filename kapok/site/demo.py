"""Demo data: Guangzhou's city bureau, 白云区 and 荔湾区 with every street and community as units,
a social-work station, a volunteer organisation, and one account per role; the sample rosters and
zones shifted to today; and today's phone visits in progress (load_demo_visits)."""

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kapok.accounts.models import RoleGrant, User
from kapok.accounts.roles import Role
from kapok.regions.lookup import find_region
from kapok.regions.models import Region
from kapok.registry.dedupe import find_duplicates
from kapok.registry.importing import import_roster
from kapok.registry.models import Category, RosterImport
from kapok.units.actions import ensure_administrative_units
from kapok.units.models import Unit
from kapok.visits.calling import NeedFound, claim_next, record_visit
from kapok.visits.models import AssignmentRule, CallPolicy, CallTask, Team, Visit
from kapok.visits.planning import plan_day
from kapok.visits.robot.batches import prepare_batch
from kapok.visits.robot.simulated import answer_batch
from kapok.visits.robot.vendors import ensure_simulated_vendor
from kapok.zones.importing import import_zones
from kapok.zones.models import RiskArea

DEMO_PASSWORD = "kapok-demo-2026"  # noqa: S105  (printed by make demo; demo data only)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: Role
    unit_key: str


ACCOUNTS = (
    DemoAccount("commander", "陈指挥", Role.CITY_COMMANDER, "city"),
    DemoAccount("baiyun", "黄区干", Role.DISTRICT_STAFF, "baiyun"),
    DemoAccount("liwan", "李区干", Role.DISTRICT_STAFF, "liwan"),
    DemoAccount("songzhou", "梁街干", Role.STREET_STAFF, "songzhou"),
    DemoAccount("luoyong", "何社工", Role.COMMUNITY_WORKER, "luoyong"),
    DemoAccount("caller", "周电访", Role.CALLER, "city"),
    DemoAccount("caller2", "孙电访", Role.CALLER, "city"),
    DemoAccount("liwancaller", "钱电访", Role.CALLER, "liwan"),
    DemoAccount("leader", "吴队长", Role.TEAM_LEADER, "city"),
    DemoAccount("hotline", "郑热线", Role.HOTLINE_OPERATOR, "station"),
    DemoAccount("volunteer", "冯志愿", Role.VOLUNTEER, "volunteers"),
    DemoAccount("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "city"),
    DemoAccount("secadmin", "安全管理员", Role.SECURITY_ADMIN, "city"),
    DemoAccount("auditor", "安全审计员", Role.AUDITOR, "city"),
)


def _unit(region: Region, parent: Unit, kind, name) -> Unit:
    unit, _created = Unit.objects.get_or_create(
        region=region, kind=kind, name=name, defaults={"parent": parent}
    )
    return unit


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    city_region = Region.objects.get(level=Region.Level.CITY, name="广州市")
    units = {"city": ensure_administrative_units(city_region, below=False)[0]}
    for key, district in (("baiyun", "白云区"), ("liwan", "荔湾区")):
        district_region = find_region(district, level=Region.Level.DISTRICT)
        units[key] = ensure_administrative_units(district_region)[0]
    songzhou_region = find_region("白云区松洲街")
    units["songzhou"] = Unit.objects.get(region=songzhou_region, kind=Unit.Kind.STREET_OFFICE)
    units["luoyong"] = Unit.objects.get(
        region=find_region("螺涌", within=songzhou_region), kind=Unit.Kind.COMMUNITY_COMMITTEE
    )
    units["station"] = _unit(
        songzhou_region,
        units["songzhou"],
        kind=Unit.Kind.SOCIAL_WORK_STATION,
        name="白云区松洲街社会工作服务站",
    )
    units["volunteers"] = _unit(
        units["baiyun"].region,
        units["baiyun"],
        kind=Unit.Kind.VOLUNTEER_ORGANISATION,
        name="白云区志愿者协会",
    )

    for account in ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = User(username=account.username)
            user.set_password(DEMO_PASSWORD)
        user.full_name = account.full_name
        user.unit = units[account.unit_key]
        user.is_active = True
        user.save()
        RoleGrant.objects.get_or_create(user=user, role=account.role)
    return list(ACCOUNTS)


ROSTERS = Path(__file__).parent / "demo_rosters"


def load_demo_registry(actor=None) -> dict:
    """Import the demo rosters (once) and their zones, shifted so that they are in force today."""
    expected = json.loads((ROSTERS / "expected.json").read_text(encoding="utf-8"))
    imported = 0
    for spec in expected["imports"]:
        category = Category.objects.get(code=spec["category"])
        if RosterImport.objects.filter(file_name=spec["file"], category=category).exists():
            continue
        import_roster(
            ROSTERS / spec["file"],
            filename=spec["file"],
            category=category,
            sheet=spec.get("sheet"),
            source="演示名册",
            actor=actor,
        )
        imported += 1
    if imported:
        find_duplicates(actor=actor)
    shift = timezone.localdate() - dt.date.fromisoformat(expected["as_of"])
    import_zones(
        ROSTERS / expected["zones"],
        filename=expected["zones"],
        actor=actor,
        shift=dt.timedelta(days=shift.days),
    )
    return {
        "rosters": imported,
        "zones": RiskArea.objects.in_force_on(timezone.localdate()).count(),
    }


# Today's visits: of the tasks of the human teams, this share is answered by the demo callers;
# of the robot's, this share by the simulated vendor. The rest is still to do.
CALLERS_SHARE = 0.5
ROBOT_SHARE = 0.6


def load_demo_visits() -> dict:
    """Teams, call policies and assignment rules; today's plan; part of it answered by the demo
    callers (a seeded mix of outcomes and needs) and part by the simulated robot vendor, so that
    the visit board shows a day in progress. Running it again adds nothing."""
    users = {user.username: user for user in User.objects.filter(unit__isnull=False)}
    city = users["commander"].unit
    liwan = users["liwancaller"].unit
    city_team, _ = Team.objects.get_or_create(
        unit=city, name="市电访一队", defaults={"leader": users["leader"]}
    )
    city_team.members.add(users["caller"], users["caller2"], users["leader"])
    liwan_team, _ = Team.objects.get_or_create(unit=liwan, name="荔湾区电访队")
    liwan_team.members.add(users["liwancaller"])
    robot, _ = Team.objects.get_or_create(
        unit=city,
        name="机器人外呼（模拟）",
        defaults={"kind": Team.Kind.ROBOT, "vendor": ensure_simulated_vendor()},
    )
    CallPolicy.objects.get_or_create(
        name="封控区、管控区每日电访", defaults={"scope": CallPolicy.Scope.IN_ZONES, "position": 10}
    )
    CallPolicy.objects.get_or_create(
        name="独居老人每周电访",
        defaults={
            "scope": CallPolicy.Scope.EVERYWHERE,
            "category": Category.objects.get(code="LIVING_ALONE_ELDERLY"),
            "every_days": 7,
            "weekday": 0,
            "position": 20,
        },
    )
    if not AssignmentRule.objects.exists():
        AssignmentRule.objects.create(position=10, region=liwan.region).teams.add(liwan_team)
        AssignmentRule.objects.create(
            position=20, category=Category.objects.get(code="LIVING_ALONE_ELDERLY")
        ).teams.add(robot)
        AssignmentRule.objects.create(
            position=30, method=AssignmentRule.Method.ROUND_ROBIN
        ).teams.add(city_team, robot)
    today = timezone.localdate()
    plan = plan_day(today)
    answered = 0
    if not Visit.objects.filter(task__day=today, channel__in=["PHONE", "HOME"]).exists():
        rng = random.Random(today.toordinal())  # noqa: S311 - demo data
        for team, callers in ((city_team, ["caller", "caller2"]), (liwan_team, ["liwancaller"])):
            total = CallTask.objects.filter(day=today, team=team).count()
            for number in range(int(total * CALLERS_SHARE)):
                task = claim_next(users[callers[number % len(callers)]])
                if task is None:
                    break
                _answer(task, users[callers[number % len(callers)]], rng)
                answered += 1
    robot_answers = {}
    batch = prepare_batch(robot.vendor, day=today, send=False)
    if batch is not None:
        batch.status = batch.Status.SENT
        batch.sent_at = timezone.now()
        batch.attempts = 1
        batch.save(update_fields=["status", "sent_at", "attempts"])
        robot_answers = dict(answer_batch(batch, share=ROBOT_SHARE))
    return {"plan": plan.as_dict(), "answered_by_callers": answered, "robot": robot_answers}


def _answer(task, caller, rng: random.Random) -> None:
    """One demo call: mostly reached and fine, some with needs, some not reached."""
    roll = rng.random()
    if roll < 0.15:
        outcome = rng.choice([Visit.Outcome.NO_ANSWER, Visit.Outcome.POWERED_OFF])
        record_visit(task, actor=caller, outcome=outcome)
        return
    needs = []
    if roll > 0.8:
        needs = [
            rng.choice(
                [
                    NeedFound("FOOD", "urgent", "家里米快吃完了，只够今天"),
                    NeedFound("MEDICINE", "urgent", "降压药只剩两天"),
                    NeedFound("VEGETABLES", "normal", "想买点青菜和鸡蛋"),
                    NeedFound("PSYCHOLOGICAL", "normal", "一个人在家心里发慌"),
                    NeedFound("TESTING", "normal", "行动不便，需要上门核酸"),
                ]
            )
        ]
    record_visit(
        task,
        actor=caller,
        outcome=Visit.Outcome.REACHED,
        has_difficulty=bool(needs),
        needs=needs,
        notes="" if needs else "身体还好，生活物资充足",
    )
