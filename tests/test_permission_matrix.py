"""Every URL, every persona: who gets the page, who is refused (403), and who is told it does not
exist (404, with one audit record of the attempt).

A URL that the matrix does not list fails test_every_url_is_in_the_matrix, so a new view cannot
skip this. Personas are in tests/conftest.py: city, district (白云区), street (松洲街), community
(螺涌), outsider (荔湾区 district staff), and administrators at city, district and outsider level.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kapok.audit.models import LogEntry
from kapok.registry.dedupe import merge_people
from kapok.registry.models import Category, DuplicateCandidate, Person, RosterImport
from kapok.site.tasks import clear_expired_sessions
from kapok.zones.models import RiskArea

PERSONAS = (
    "anonymous",
    "city",
    "district",
    "street",
    "community",
    "outsider",
    "sysadmin",
    "secadmin",
    "auditor",
    "district_sysadmin",
    "outsider_sysadmin",
    "outsider_auditor",
)
STAFF = {"city", "district", "street", "community", "outsider"}


@dataclass(frozen=True)
class Spec:
    ok: set = field(default_factory=set)  # these get the page (or their POST succeeds)
    moved: set = field(default_factory=set)  # these are sent elsewhere (302)
    hidden: set = field(default_factory=set)  # 404 and one audit record: another region's record
    public: bool = False  # anonymous visitors get it too
    method: str = "get"
    kwargs: object = None  # personas -> URL kwargs
    data: object = None  # personas -> POST data
    ok_status: int | None = None  # default: 200 for GET, 302 for POST


def _community_user(p):
    return {"pk": p.community.pk}


def _person(p):
    return Person.objects.create(name="张三明", residence_region=p.community_unit.region)


def _import(p):
    roster_import = RosterImport.objects.create(
        category=Category.objects.get(code="TEKUN"),
        file_name="特困.xlsx",
        file_sha256="0" * 64,
        unit=p.district_unit,
    )
    return {"pk": roster_import.pk}


def _zone(p):
    area = RiskArea.objects.create(
        region=p.community_unit.region,
        level=RiskArea.Level.LOCKDOWN,
        starts_at=timezone.now() - dt.timedelta(days=1),
    )
    return {"pk": area.pk}


def _two_people(p):
    first = Person.objects.create(name="张三明", residence_region=p.community_unit.region)
    second = Person.objects.create(name="张三名", residence_region=p.community_unit.region)
    return first, second


def _candidate(p):
    first, second = _two_people(p)
    candidate = DuplicateCandidate.objects.create(
        person_a=first, person_b=second, match_probability=0.9
    )
    return {"pk": candidate.pk}


def _merge(p):
    first, second = _two_people(p)
    return {"pk": merge_people(kept=first, merged=second).pk}


def _failed_task(p):
    result = clear_expired_sessions.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(status="FAILED")
    return {"pk": result.id}


# Robot calls (kapok.visits.views_robot, kapok.visits.robot.api).
def _robot_vendor(p):
    from kapok.visits.robot.vendors import create_vendor

    vendor, _secret = create_vendor(
        actor=None, name="某某外呼", code="acme", delivery="CSV", batch_url=""
    )
    return vendor


def _robot_task(p, vendor, kind="CALL"):
    from kapok.visits.models import CallTask, Team

    team = Team.objects.create(name="机器人", unit=p.city_unit, kind="ROBOT", vendor=vendor)
    person = _person(p)
    return CallTask.objects.create(
        day=timezone.localdate(),
        kind=kind,
        person=person,
        team=team,
        region_code=person.residence_region_id,
    )


def _robot_batch(p):
    from kapok.visits.models import RobotBatch

    vendor = _robot_vendor(p)
    batch = RobotBatch.objects.create(vendor=vendor, day=timezone.localdate(), status="FAILED")
    batch.tasks.add(_robot_task(p, vendor))
    return {"pk": batch.pk}


def _robot_result(p):
    from kapok.visits.models import RobotResult

    vendor = _robot_vendor(p)
    task = _robot_task(p, vendor)
    result = RobotResult.objects.create(
        vendor=vendor,
        result_id="r-1",
        task=task,
        call_status="answered",
        transcript="喂？听不清。",
        reading={"reached": True, "ok": False, "needs": [], "urgency": "normal"},
        review="PENDING",
        handling="TO_REVIEW",
        region_code=task.region_code,
    )
    return {"pk": result.pk}


def _robot_alert(p):
    from kapok.visits.models import CallTask, RobotAlert

    task = _robot_task(p, _robot_vendor(p))
    callback = CallTask.objects.create(
        day=task.day, kind="CALLBACK", person=task.person, origin=task, region_code=task.region_code
    )
    alert = RobotAlert.objects.create(
        person=task.person, callback=callback, needs=["MEDICAL"], region_code=task.region_code
    )
    return {"pk": alert.pk}


# API integrations (kapok.api.views).
def _integration(p):
    from kapok.api.integrations import create_integration

    integration, _token = create_integration(actor=None, name="12345", user=p.community)
    return {"pk": integration.pk}


# The visit board, teams and call plans (kapok.visits.views_board).
def _team(p):
    from kapok.visits.models import Team

    return {"pk": Team.objects.create(name="白云一队", unit=p.district_unit).pk}


def _call_policy(p):
    from kapok.visits.models import CallPolicy

    return {"pk": CallPolicy.objects.create(name="每日电访", scope="IN_ZONES").pk}


def _assignment_rule(p):
    from kapok.visits.models import AssignmentRule

    return {"pk": AssignmentRule.objects.create(position=1).pk}


# Callers and home visits (kapok.visits.views_caller, kapok.visits.views_home).
def _call_task(p):
    from kapok.visits.models import CallTask, Team

    team = Team.objects.create(name="市电访一队", unit=p.city_unit)
    person = _person(p)
    task = CallTask.objects.create(
        day=timezone.localdate(), person=person, team=team, region_code=person.residence_region_id
    )
    return {"pk": task.pk}


def _home_task(p):
    from kapok.visits.models import CallTask

    person = _person(p)
    task = CallTask.objects.create(
        day=timezone.localdate(),
        kind="HOME",
        person=person,
        unit=p.community_unit,
        region_code=person.residence_region_id,
    )
    return {"pk": task.pk}


# Notifications (kapok.notifications.views): system administrators for any unit of their region,
# a unit's own need supervisors for their unit (tests/test_notification_pages.py has the
# district's own staff on the district's settings).
def _duty_person(p):
    from kapok.notifications.models import DutyPerson

    person = DutyPerson.objects.create(unit=p.community_unit, name="值班员", phone="13812345678")
    return {"pk": person.pk}


def _failed_notification(p):
    from kapok.notifications.models import Notification

    notification = Notification.objects.create(
        kind="SMS",
        unit=p.community_unit,
        recipient_encrypted="",
        recipient_masked="138****5678",
        body="测试",
        event="notifications.test",
        key="matrix",
        status="FAILED",
        next_attempt_at=timezone.now(),
    )
    return {"pk": notification.pk}


# Needs (kapok.needs.views).
def _need(p):
    from kapok.needs.actions import report_need

    return {"pk": report_need(person=_person(p), kind="FOOD", urgency="normal", actor=p.city).pk}


def _need_photo(p):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from kapok.needs.models import NeedPhoto

    name = "needs/permission-matrix.jpg"
    if not default_storage.exists(name):  # one tiny JPEG, kept between runs
        default_storage.save(name, ContentFile(_TINY_JPEG))
    need = _need(p)
    return {"pk": need["pk"], "photo": NeedPhoto.objects.create(need_id=need["pk"], image=name).pk}


_TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0"
    "000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bff"
    "c400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a10823"
    "42b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354555657"
    "58595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa"
    "b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
    "f9faffda0008010100003f00fbd3ffd9"
)


MATRIX = {
    "web:home": Spec(ok=set(PERSONAS) - {"anonymous"}),
    "web:healthz": Spec(ok=set(PERSONAS), public=True),
    "accounts:login": Spec(ok={"anonymous"}, moved=set(PERSONAS) - {"anonymous"}, public=True),
    "accounts:logout": Spec(ok=set(PERSONAS), public=True, method="post"),
    "set_language": Spec(
        ok=set(PERSONAS), public=True, method="post", data=lambda p: {"language": "en"}
    ),
    "accounts:user_list": Spec(ok={"sysadmin", "district_sysadmin", "outsider_sysadmin"}),
    "accounts:user_create": Spec(ok={"sysadmin", "district_sysadmin", "outsider_sysadmin"}),
    "accounts:user_detail": Spec(
        ok={"sysadmin", "district_sysadmin"}, hidden={"outsider_sysadmin"}, kwargs=_community_user
    ),
    "accounts:user_set_active": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider_sysadmin"},
        method="post",
        kwargs=_community_user,
        data=lambda p: {"active": "0"},
    ),
    "accounts:user_reset_password": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider_sysadmin"},
        method="post",
        kwargs=_community_user,
        data=lambda p: {"password": "a-new-long-passphrase"},
    ),
    "accounts:security_policy": Spec(ok={"secadmin"}),
    "units:unit_list": Spec(ok=STAFF | {"sysadmin", "district_sysadmin", "outsider_sysadmin"}),
    "units:unit_create": Spec(ok={"sysadmin", "district_sysadmin", "outsider_sysadmin"}),
    "units:unit_edit": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider_sysadmin"},
        kwargs=lambda p: {"pk": p.community_unit.pk},
    ),
    "units:unit_detail": Spec(
        ok={"city", "district", "street", "community", "sysadmin", "district_sysadmin"},
        hidden={"outsider", "outsider_sysadmin"},
        kwargs=lambda p: {"pk": p.community_unit.pk},
    ),
    "registry:person_list": Spec(ok=STAFF),
    "registry:figures": Spec(ok=STAFF),
    "registry:person_edit": Spec(
        ok={"city", "district", "street", "community"},
        hidden={"outsider"},
        kwargs=lambda p: {"pk": _person(p).pk},
    ),
    # Full ID numbers: city and district staff only, with a reason.
    "registry:person_reveal": Spec(
        ok={"city", "district"},
        hidden={"outsider"},
        method="post",
        kwargs=lambda p: {"pk": _person(p).pk},
        data=lambda p: {"reason": "核实家属联系方式"},
        ok_status=200,  # the page itself, with the numbers shown once
    ),
    "registry:duplicate_list": Spec(ok=STAFF),
    "registry:duplicate_detail": Spec(
        ok={"city", "district", "street", "community"}, hidden={"outsider"}, kwargs=_candidate
    ),
    "registry:duplicate_decide": Spec(
        ok={"city", "district", "street", "community"},
        hidden={"outsider"},
        method="post",
        kwargs=_candidate,
        data=lambda p: {"decision": "distinct"},
    ),
    "registry:merge_undo": Spec(
        ok={"city", "district", "street", "community"},
        hidden={"outsider"},
        method="post",
        kwargs=_merge,
    ),
    "registry:import_list": Spec(ok={"city", "district", "outsider"}),
    "registry:import_detail": Spec(ok={"city", "district"}, hidden={"outsider"}, kwargs=_import),
    "registry:import_rejects": Spec(ok={"city", "district"}, hidden={"outsider"}, kwargs=_import),
    "registry:import_new": Spec(ok={"city", "district", "outsider"}),
    "registry:import_preview": Spec(ok={"city", "district"}, hidden={"outsider"}, kwargs=_import),
    "registry:import_progress": Spec(ok={"city", "district"}, hidden={"outsider"}, kwargs=_import),
    "registry:import_retry": Spec(
        ok={"city", "district"}, hidden={"outsider"}, method="post", kwargs=_import
    ),
    "registry:person_detail": Spec(
        ok={"city", "district", "street", "community"},
        hidden={"outsider"},
        kwargs=lambda p: {"pk": _person(p).pk},
    ),
    "zones:zone_list": Spec(ok=STAFF),
    "zones:zone_declare": Spec(ok={"city", "district", "outsider"}),
    "zones:zone_import": Spec(ok={"city", "district", "outsider"}, method="post"),
    "zones:zone_end": Spec(
        ok={"city", "district"}, hidden={"outsider"}, method="post", kwargs=_zone
    ),
    "audit:log_list": Spec(ok={"auditor", "outsider_auditor"}),
    "audit:log_export": Spec(ok={"auditor", "outsider_auditor"}),
    # Background tasks are site-wide: region-limited administrators are refused.
    "site:task_list": Spec(ok={"sysadmin"}),
    "site:task_detail": Spec(ok={"sysadmin"}, kwargs=_failed_task),
    "site:task_retry": Spec(ok={"sysadmin"}, method="post", kwargs=_failed_task),
    "notifications:outbox": Spec(
        ok={
            "city",
            "district",
            "street",
            "outsider",
            "sysadmin",
            "district_sysadmin",
            "outsider_sysadmin",
        }
    ),
    "notifications:unit_settings": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider", "outsider_sysadmin"},
        kwargs=lambda p: {"pk": p.community_unit.pk},
    ),
    "notifications:person_new": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider", "outsider_sysadmin"},
        kwargs=lambda p: {"pk": p.community_unit.pk},
    ),
    "notifications:send_test": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider", "outsider_sysadmin"},
        method="post",
        kwargs=lambda p: {"pk": p.community_unit.pk},
    ),
    "notifications:person_edit": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider", "outsider_sysadmin"},
        kwargs=_duty_person,
    ),
    "notifications:person_active": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider", "outsider_sysadmin"},
        method="post",
        kwargs=_duty_person,
        data=lambda p: {"active": "0"},
    ),
    "notifications:retry": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider", "outsider_sysadmin"},
        method="post",
        kwargs=_failed_notification,
    ),
    # Robot calls: vendors and batches serve the whole city (city-level team leaders); the
    # review queue and alerts are of people, through the region policy. The webhook is public
    # to the login machinery and answers 401 to anything not signed by a vendor.
    "visits:robot_vendors": Spec(ok={"city"}),
    "visits:robot_vendor_new": Spec(ok={"city"}),
    "visits:robot_vendor_secret": Spec(
        ok={"city"},
        method="post",
        kwargs=lambda p: {"pk": _robot_vendor(p).pk},
        ok_status=200,  # the new secret, shown once
    ),
    "visits:robot_vendor_active": Spec(
        ok={"city"},
        method="post",
        kwargs=lambda p: {"pk": _robot_vendor(p).pk},
        data=lambda p: {"active": "0"},
    ),
    "visits:robot_batches": Spec(ok={"city"}),
    "visits:robot_batch_prepare": Spec(
        ok={"city"}, method="post", data=lambda p: {"vendor": _robot_vendor(p).pk}
    ),
    "visits:robot_batch_retry": Spec(ok={"city"}, method="post", kwargs=_robot_batch),
    "visits:robot_batch_csv": Spec(ok={"city"}, kwargs=_robot_batch),
    "visits:robot_review_list": Spec(ok={"city"}),
    "visits:robot_review_detail": Spec(ok={"city"}, kwargs=_robot_result),
    "visits:robot_alerts": Spec(ok={"city"}),
    "visits:robot_alert_ack": Spec(ok={"city"}, method="post", kwargs=_robot_alert),
    "api:robot_results": Spec(ok=set(PERSONAS), public=True, method="post", ok_status=401),
    # The needs API (kapok.api.v1) takes a bearer token, never a session: a logged-in persona
    # is refused with a 401 like anyone (tests/test_needs_api.py has the tokens and regions).
    # The schema and the docs show no records.
    "api:needs-api:need_list": Spec(ok=set(PERSONAS), public=True, ok_status=401),
    "api:needs-api:need_create": Spec(ok=set(PERSONAS), public=True, method="post", ok_status=401),
    "api:needs-api:need_detail": Spec(
        ok=set(PERSONAS), public=True, ok_status=401, kwargs=lambda p: {"need_id": 1}
    ),
    "api:needs-api:need_transition": Spec(
        ok=set(PERSONAS),
        public=True,
        method="post",
        ok_status=401,
        kwargs=lambda p: {"need_id": 1},
    ),
    "api:needs-api:openapi-json": Spec(ok=set(PERSONAS), public=True),
    "api:needs-api:openapi-view": Spec(ok=set(PERSONAS), public=True),
    "api:needs-api:api-root": Spec(ok=set(PERSONAS), public=True, ok_status=404),
    # API integrations: system administrators, each for their region's accounts.
    "integrations:list": Spec(ok={"sysadmin", "district_sysadmin", "outsider_sysadmin"}),
    "integrations:create": Spec(ok={"sysadmin", "district_sysadmin", "outsider_sysadmin"}),
    "integrations:revoke": Spec(
        ok={"sysadmin", "district_sysadmin"},
        hidden={"outsider_sysadmin"},
        method="post",
        kwargs=_integration,
    ),
    # The visit board: for those who lead teams or watch the figures, each in their region.
    # Teams are kept by team leaders in their region (only the city persona leads teams here;
    # tests/test_visit_plans_pages.py has a district's leader refused another's team); the
    # call plans are the whole city's, so region-limited users are refused them.
    "visits:board": Spec(ok={"city", "district", "street", "outsider"}),
    "visits:board_numbers": Spec(ok={"city", "district", "street", "outsider"}),
    "visits:board_not_reached": Spec(ok={"city", "district", "street", "outsider"}),
    "visits:board_not_reached_export": Spec(ok={"city", "district", "street", "outsider"}),
    "visits:tasks_without_team": Spec(ok={"city"}),
    # Same-day clearance (kapok.needs.city_views): DATAEYE_VIEW or NEED_SUPERVISE, each for
    # the area they answer for.
    "needs:clearance": Spec(ok={"city", "district", "street", "outsider"}),
    "needs:clearance_numbers": Spec(ok={"city", "district", "street", "outsider"}),
    "needs:clearance_export": Spec(ok={"city", "district", "street", "outsider"}),
    "visits:team_list": Spec(ok={"city"}),
    "visits:team_create": Spec(ok={"city"}),
    "visits:team_detail": Spec(ok={"city"}, kwargs=_team),
    "visits:team_edit": Spec(ok={"city"}, kwargs=_team),
    "visits:team_move": Spec(ok={"city"}, method="post", kwargs=_team),
    "visits:team_members": Spec(ok={"city"}, method="post", kwargs=_team),
    "visits:plan_list": Spec(ok={"city"}),
    "visits:plan_make": Spec(ok={"city"}, method="post"),
    "visits:policy_create": Spec(ok={"city"}),
    "visits:policy_edit": Spec(ok={"city"}, kwargs=_call_policy),
    "visits:rule_create": Spec(ok={"city"}),
    "visits:rule_edit": Spec(ok={"city"}, kwargs=_assignment_rule),
    # Phone visits: no persona here is a caller (tests/test_caller_pages.py has callers, and a
    # caller of another team refused a task). Home visits: the community's, in its area
    # (tests/test_home_visits.py has a 荔湾区 worker refused a 白云区 task with a 404).
    "visits:call_next": Spec(),
    "visits:call_pause": Spec(),
    "visits:call_task": Spec(kwargs=_call_task),
    "visits:call_record": Spec(method="post", kwargs=_call_task),
    "visits:call_later": Spec(method="post", kwargs=_call_task),
    "visits:call_give_back": Spec(method="post", kwargs=_call_task),
    "visits:home_list": Spec(ok={"community"}),
    "visits:home_task": Spec(ok={"community"}, kwargs=_home_task),
    "visits:home_person_new": Spec(ok={"community"}, kwargs=lambda p: {"pk": _person(p).pk}),
    # Needs (kapok.needs.views): the queue for staff who report, handle or supervise needs; a
    # need's page and photos for those who see it (another district's: 404); accepting takes
    # NEED_HANDLE (the city supervises but does not accept).
    "needs:queue": Spec(ok=STAFF),
    "needs:bulk_accept": Spec(ok={"district", "street", "community", "outsider"}, method="post"),
    "needs:detail": Spec(
        ok={"city", "district", "street", "community"}, hidden={"outsider"}, kwargs=_need
    ),
    "needs:photo": Spec(
        ok={"city", "district", "street", "community"}, hidden={"outsider"}, kwargs=_need_photo
    ),
    "needs:act": Spec(
        ok={"district", "street", "community"},
        hidden={"outsider"},
        method="post",
        kwargs=lambda p: {"pk": _need(p)["pk"], "action": "accept"},
        data=lambda p: {"version": 1},
    ),
}


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>"


def test_every_url_is_in_the_matrix():
    names = set(_url_names())
    assert names - set(MATRIX) == set(), "add these URLs to the permission matrix"
    assert set(MATRIX) - names == set(), "these matrix entries name no URL"


CASES = [(name, persona) for name in MATRIX for persona in PERSONAS]


@pytest.mark.parametrize(("url_name", "persona"), CASES)
def test_permission_matrix(client, personas, url_name, persona):
    spec = MATRIX[url_name]
    url = reverse(url_name, kwargs=spec.kwargs(personas) if spec.kwargs else None)
    if persona != "anonymous":
        client.force_login(getattr(personas, persona))
    before = LogEntry.objects.filter(action="access.out_of_scope").count()
    data = spec.data(personas) if spec.data else {}
    response = getattr(client, spec.method)(url, data)

    if persona in spec.hidden:
        assert response.status_code == 404
        attempts = LogEntry.objects.filter(action="access.out_of_scope")
        assert attempts.count() == before + 1
        attempt = attempts.first()
        assert attempt.actor == getattr(personas, persona)
        assert attempt.object_id
    elif persona in spec.moved:
        assert response.status_code == 302
    elif persona in spec.ok:
        expected = spec.ok_status or (302 if spec.method == "post" else 200)
        assert response.status_code == expected, response.content[:300]
    elif persona == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 403
    if persona not in spec.hidden:
        assert LogEntry.objects.filter(action="access.out_of_scope").count() == before
