"""Demo data: Guangzhou's city bureau, 白云区 and 荔湾区 with every street and community as units,
a social-work station, a volunteer organisation, and one account per role."""

import datetime as dt
import json
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
