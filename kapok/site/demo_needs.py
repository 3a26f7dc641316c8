"""Demo needs: needs in every state across 白云区 and 荔湾区, brought there through the real
actions only (kapok.needs.actions) — some overdue and escalated by the sweep, an emergency, and
one cross-district case (跨区救助) — so that the needs pages and the city's "问题当天清零" show
a day at work. Also the units the routing rules name (a minor-protection centre, a rescue
station) and duty people for a few units, when the notifications app is there.

Running it again adds nothing.
"""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from kapok.accounts.models import User
from kapok.needs.actions import (
    accept_need,
    cancel_need,
    close_need,
    dispatch_need,
    reopen_need,
    report_need,
    resolve_need,
    return_need,
    verify_need,
)
from kapok.needs.escalation import sweep_overdue
from kapok.needs.models import Need
from kapok.regions.lookup import find_region
from kapok.regions.models import Region
from kapok.registry.models import Person
from kapok.units.models import Unit
from kapok.visits.models import Team
from kapok.web.photos import read_photo

# Every demo need's description ends with this: how a second run knows they are there.
MARK = "（演示）"

# The two made-up people the demo needs besides the rosters' (no ID numbers, no phones).
CROSS_DISTRICT = "欧阳跨区"  # registered in 荔湾区, living in 白云区 螺涌
STREET_ONLY = "林未定"  # living in 松洲街, community not known


def _photo(text: str):
    image = Image.new("RGB", (640, 480), (236, 240, 244))
    ImageDraw.Draw(image).rectangle((40, 40, 600, 440), outline=(200, 16, 46), width=8)
    ImageDraw.Draw(image).text((80, 220), text, fill=(31, 35, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return read_photo(SimpleUploadedFile("result.png", out.getvalue(), content_type="image/png"))


def _units(baiyun: Unit, liwan: Unit) -> dict[str, Unit]:
    """The specialised units the default routing rules send to (GUARDIANSHIP, SHELTER)."""
    city = baiyun.parent
    made = {}
    for key, kind, name, parent in (
        ("centre", Unit.Kind.MINOR_PROTECTION_CENTRE, "广州市未成年人救助保护中心", city),
        ("rescue", Unit.Kind.RESCUE_STATION, "广州市救助管理站", city),
        ("baiyun_centre", Unit.Kind.MINOR_PROTECTION_CENTRE, "白云区未成年人保护中心", baiyun),
    ):
        made[key], _created = Unit.objects.get_or_create(
            region=parent.region, kind=kind, name=name, defaults={"parent": parent}
        )
    return made


def _duty_people(actor, units: list[Unit]) -> int:
    """Duty people (e-mail only: the demo sends nothing outside) for a few units, if the
    notifications app has its actions."""
    try:
        from kapok.notifications.actions import add_duty_person
        from kapok.notifications.models import DutyPerson
    except ImportError:  # pragma: no cover - the notifications app is not there
        return 0
    added = 0
    for number, unit in enumerate(units, start=1):
        if DutyPerson.objects.filter(unit=unit).exists():
            continue
        add_duty_person(
            actor=actor, unit=unit, name=f"值班员{number}", email=f"duty{number}@demo.invalid"
        )
        added += 1
    return added


def _person(name: str, residence: Region, hukou: Region | None = None) -> Person:
    person = Person.objects.filter(name=name).first()
    if person is None:
        person = Person.objects.create(name=name, residence_region=residence, hukou_region=hukou)
    return person


def _residents(district: Region, count: int, *, community: Region | None = None):
    people = Person.objects.filter(residence_region__level=Region.Level.COMMUNITY).exclude(
        name__in=[CROSS_DISTRICT, STREET_ONLY]
    )
    if community is not None:
        people = people.filter(residence_region=community)
    else:
        people = people.filter(residence_region__code__startswith=district.prefix)
    return list(people.order_by("pk")[:count])


@transaction.atomic
def load_demo_needs(now: dt.datetime | None = None) -> dict:
    """Needs in every state. Returns the number of needs by state (all needs, the demo visits'
    too) and how many the sweep escalated."""
    users = {user.username: user for user in User.objects.filter(unit__isnull=False)}
    caller, luoyong_worker = users["caller"], users["luoyong"]
    songzhou, baiyun_staff, liwan_staff = users["songzhou"], users["baiyun"], users["liwan"]
    baiyun, liwan = baiyun_staff.unit, liwan_staff.unit
    specialised = _units(baiyun, liwan)
    duty = _duty_people(
        users["sysadmin"],
        [luoyong_worker.unit, songzhou.unit, baiyun, liwan, specialised["centre"]],
    )
    if Need.objects.filter(description__endswith=MARK).exists():
        return {"created": 0, "escalated": 0, "duty_people": duty, "by_state": _by_state()}

    now = now or timezone.now()
    team = Team.objects.filter(unit=caller.unit, members=caller).first()
    luoyong = luoyong_worker.unit.region
    songzhou_region = songzhou.unit.region
    nearby = _residents(baiyun.region, 12, community=luoyong) or []
    nearby += _residents(baiyun.region, 12 - len(nearby))
    west = _residents(liwan.region, 4)
    moved = _person(CROSS_DISTRICT, luoyong, hukou=find_region("荔湾区", level=3))
    street_only = _person(STREET_ONLY, songzhou_region)

    def handler(need: Need):
        """The demo account that handles it: 螺涌's worker, else the district's staff."""
        if need.unit_id == luoyong_worker.unit_id:
            return luoyong_worker
        return liwan_staff if need.region_code.startswith(liwan.region.prefix) else baiyun_staff

    def report(person, kind, text, *, urgency="normal", hours_ago=0.0, at=None):
        when = at or now - dt.timedelta(hours=hours_ago)
        return report_need(
            person=person,
            kind=kind,
            urgency=urgency,
            description=f"{text}{MARK}",
            actor=caller,
            team=team,
            now=when,
        )

    def accept(need):
        return accept_need(need, actor=handler(need), version=need.version)

    def resolve(need, result):
        need = accept(need)
        return resolve_need(
            need,
            actor=handler(need),
            version=need.version,
            result=result,
            photos=[_photo(f"Kapok demo {need.pk}")],
        )

    def person(pool, index):
        return pool[index % len(pool)] if pool else moved

    made = []
    # Cleared today: resolved, verified, closed.
    made.append(
        resolve(
            report(person(nearby, 0), "FOOD", "家里米快吃完了", hours_ago=5),
            "送去大米10斤、食用油一桶",
        )
    )
    need = resolve(
        report(person(nearby, 1), "MEDICINE", "降压药只剩两天", hours_ago=4), "社区医生送药上门"
    )
    made.append(verify_need(need, actor=caller, version=need.version, note="老人说已收到"))
    need = resolve(
        report(person(nearby, 2), "VEGETABLES", "想买点青菜和鸡蛋", hours_ago=4), "送菜包一份"
    )
    need = verify_need(need, actor=caller, version=need.version)
    made.append(close_need(need, actor=caller, version=need.version))
    need = resolve(
        report(person(west, 0), "NECESSITIES", "缺卫生纸和洗衣粉", hours_ago=3), "送生活用品包"
    )
    made.append(need)
    # Reopened: the person says it is not met.
    need = resolve(
        report(person(nearby, 3), "TESTING", "行动不便，需要上门核酸", hours_ago=3),
        "已登记上门核酸",
    )
    made.append(reopen_need(need, actor=caller, version=need.version, reason="老人说还没人上门"))
    # Accepted, at work; dispatched, waiting.
    made.append(accept(report(person(nearby, 4), "CARE", "独居老人需要临时照料", hours_ago=2)))
    made.append(report(person(nearby, 5), "PSYCHOLOGICAL", "一个人在家心里发慌", hours_ago=1))
    made.append(report(person(west, 1), "OIL", "食用油用完了", hours_ago=1))
    # Returned by the community: not theirs.
    need = report(person(nearby, 6), "POLICY", "咨询低保续期", hours_ago=2)
    made.append(
        return_need(need, actor=handler(need), version=need.version, reason="本人已搬到别的社区")
    )
    # Community not known: one waits at the street, one the street dispatched by hand.
    made.append(report(street_only, "FOOD", "住址不详，电话说缺粮", hours_ago=2))
    need = report(street_only, "MEDICINE", "住址不详，电话说缺药", hours_ago=2)
    made.append(dispatch_need(need, actor=songzhou, version=need.version, unit=luoyong_worker.unit))
    # Reported twice: the second cancelled as a duplicate.
    first = report(person(nearby, 7), "FOOD", "缺粮", hours_ago=1)
    second = report(person(nearby, 7), "FOOD", "缺粮（重复上报）", hours_ago=0.5)
    made += [
        first,
        cancel_need(
            second,
            actor=baiyun_staff,
            version=second.version,
            reason="重复上报",
            duplicate_of=first,
        ),
    ]
    # Overdue: yesterday's, not cleared; an urgent one from this morning.
    made.append(report(person(nearby, 8), "FOOD", "昨天报的缺粮，还没送到", at=_yesterday(now, 10)))
    made.append(report(person(west, 2), "MEDICINE", "昨天报的缺药", at=_yesterday(now, 15)))
    made.append(report(person(nearby, 9), "MEDICAL", "腿痛需要就医", urgency="urgent", hours_ago=6))
    # An emergency not accepted within its minutes.
    made.append(
        report(
            person(nearby, 10), "MEDICAL", "老人摔倒，起不来", urgency="emergency", hours_ago=0.75
        )
    )
    # Cross-district: registered in 荔湾区, living in 白云区 — helped where they live.
    made.append(accept(report(moved, "SHELTER", "外区户籍，回不了家，需要临时住宿", hours_ago=1.5)))
    # A child without a guardian: shared with the minor-protection centre by the routing rules.
    made.append(
        report(
            person(nearby, 11),
            "GUARDIANSHIP",
            "父母隔离，孩子无人照看",
            urgency="urgent",
            hours_ago=0.5,
        )
    )
    escalated = sweep_overdue(now=now)["escalated"]
    return {
        "created": len(made),
        "escalated": escalated,
        "duty_people": duty,
        "by_state": _by_state(),
    }


def _yesterday(now: dt.datetime, hour: int) -> dt.datetime:
    day = timezone.localdate(now) - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _by_state() -> dict[str, int]:
    return {status: Need.objects.filter(status=status).count() for status in Need.Status.values}
