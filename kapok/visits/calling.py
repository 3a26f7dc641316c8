"""Making visits: claiming the next task, recording what came of it, retries and hand-offs.

    task = claim_next(caller)                       # atomic: never the same task for two callers
    visit = record_visit(task, actor=caller, outcome=Visit.Outcome.REACHED,
                         has_difficulty=True, needs=[NeedFound("FOOD", "urgent", "米吃完了")])

Claiming. A caller gets back the task they already hold, else the first open task of their teams
for today that is due (a retry waits ``retry_minutes``): call-backs first, then by due time. The
claim is a compare-and-set, ``UPDATE … WHERE status = 'OPEN'``, of which exactly one of several
concurrent callers succeeds; on PostgreSQL the candidates are read with SKIP LOCKED so that
callers do not queue behind each other's claims. A claim not finished within CLAIM_MINUTES is
given up and the task goes back to the queue.

Retries. A call that does not reach the person counts an attempt; while attempts remain the task
is open again after its gap, and the next attempt dials the person's next number. After the last
failed attempt the task is UNREACHED and, if its policy says so, a HOME task goes to the person's
community committee, which records the home visit with the same form.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.policy import scope_of
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_phone
from kapok.needs.actions import report_need
from kapok.needs.kinds import NeedKind, Urgency
from kapok.regions.models import Region
from kapok.units.models import Unit
from kapok.visits.models import CallTask, Channel, Team, Visit, VisitPhoto
from kapok.zones.models import local_day_bounds

CLAIM_MINUTES = 30
CALL_KINDS = (CallTask.Kind.CALL, CallTask.Kind.CALLBACK)


class VisitError(ValidationError):
    pass


@dataclass(frozen=True)
class NeedFound:
    kind: str
    urgency: str = Urgency.NORMAL
    description: str = ""


def caller_teams(user):
    return Team.objects.filter(members=user, is_active=True, kind=Team.Kind.CALLERS)


def claimable(user, now: dt.datetime):
    """The tasks ``user`` could claim now, in the order they are handed out."""
    stale = now - dt.timedelta(minutes=CLAIM_MINUTES)
    return (
        CallTask.objects.filter(
            Q(status=CallTask.Status.OPEN)
            | Q(status=CallTask.Status.CLAIMED, claimed_at__lt=stale),
            Q(not_before__isnull=True) | Q(not_before__lte=now),
            team__in=caller_teams(user),
            kind__in=CALL_KINDS,
            day=timezone.localdate(now),
        )
        .annotate(
            callback_first=Case(
                When(kind=CallTask.Kind.CALLBACK, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("callback_first", "not_before", "id")
    )


def claim_next(user, *, now: dt.datetime | None = None) -> CallTask | None:
    """The task ``user`` should call now, claimed for them; None when there is none."""
    if not user.can(Capability.VISIT_CALL):
        raise PermissionDenied(_("Your roles do not allow making phone visits."))
    now = now or timezone.now()
    held = (
        CallTask.objects.filter(
            claimed_by=user,
            status=CallTask.Status.CLAIMED,
            claimed_at__gte=now - dt.timedelta(minutes=CLAIM_MINUTES),
        )
        .order_by("claimed_at")
        .first()
    )
    if held is not None:
        return held
    stale = now - dt.timedelta(minutes=CLAIM_MINUTES)
    for _round in range(20):
        with transaction.atomic():
            candidates = claimable(user, now)
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            pks = list(candidates.values_list("pk", flat=True)[:5])
            if not pks:
                return None
            for pk in pks:
                won = (
                    CallTask.objects.filter(pk=pk)
                    .filter(
                        Q(status=CallTask.Status.OPEN)
                        | Q(status=CallTask.Status.CLAIMED, claimed_at__lt=stale)
                    )
                    .update(
                        status=CallTask.Status.CLAIMED,
                        claimed_by=user,
                        claimed_at=now,
                        updated_at=now,
                    )
                )
                if won:
                    return CallTask.objects.select_related("person").get(pk=pk)
    return None


def phone_to_try(task: CallTask) -> str | None:
    """The number this attempt dials: each retry the next of the person's numbers."""
    phones = task.person.phones
    if not phones:
        return None
    return phones[task.attempts % len(phones)]


def community_unit(region_code: str) -> Unit | None:
    return Unit.objects.administrative_for(region_code, Region.Level.COMMUNITY)


def _check_may_record(task: CallTask, actor) -> None:
    if task.kind == CallTask.Kind.HOME:
        if not actor.can(Capability.VISIT_HOME):
            raise PermissionDenied(_("Your roles do not allow recording home visits."))
        if not scope_of(actor).covers(task.region_code):
            raise PermissionDenied(_("This person lives outside your area."))
        return
    if task.claimed_by_id != actor.pk or task.status != CallTask.Status.CLAIMED:
        raise VisitError(
            _("This task is not yours to record: claim it first, or it was given up."),
            code="not_claimed",
        )


@transaction.atomic
def record_visit(
    task: CallTask,
    *,
    actor,
    outcome: str,
    has_difficulty: bool = False,
    needs: list[NeedFound] = (),
    notes: str = "",
    channel: str | None = None,
    checks: dict | None = None,
    phone: str | None = None,
    transcript: str = "",
    duration_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> Visit:
    """Record the outcome of ``task`` as a Visit (and its Needs), and move the task on: done, or
    open again for a retry, or unreached and handed to the community."""
    now = now or timezone.now()
    task = (
        CallTask.objects.select_for_update(of=("self",))
        .select_related("person", "policy")
        .get(pk=task.pk)
    )
    robot = channel == Channel.ROBOT
    if not robot and task.kind == CallTask.Kind.HOME:
        _check_may_record(task, actor)
    if task.status in (CallTask.Status.DONE, CallTask.Status.UNREACHED, CallTask.Status.CANCELLED):
        raise VisitError(_("This task is already finished."), code="finished")
    if not robot and task.kind != CallTask.Kind.HOME:
        _check_may_record(task, actor)
    if outcome not in Visit.Outcome.values:
        raise VisitError(_("Unknown outcome."), code="outcome")
    reached = outcome in (Visit.Outcome.REACHED, Visit.Outcome.REFUSED)
    if needs and outcome != Visit.Outcome.REACHED:
        raise VisitError(_("Needs can only be recorded for a person reached."), code="needs")
    for need in needs:
        if need.kind not in NeedKind.values or need.urgency not in Urgency.values:
            raise VisitError(_("Unknown kind of need or urgency."), code="need_kind")
    if channel is None:
        channel = Channel.HOME if task.kind == CallTask.Kind.HOME else Channel.PHONE
    dialled = phone if phone is not None else phone_to_try(task)
    visit = Visit.objects.create(
        task=task,
        person=task.person,
        channel=channel,
        outcome=outcome,
        has_difficulty=bool(has_difficulty or needs),
        notes=notes,
        phone_masked=mask_phone(dialled) if dialled else "",
        checks=checks or {},
        transcript=transcript,
        duration_seconds=duration_seconds,
        made_by=None if robot else actor,
        team=task.team,
        unit=task.unit if task.kind == CallTask.Kind.HOME else getattr(actor, "unit", None),
        region_code=task.person.residence_region_id or task.region_code,
        made_at=now,
    )
    for need in needs:
        report_need(
            person=task.person,
            kind=need.kind,
            urgency=need.urgency,
            description=need.description,
            visit=visit,
            actor=None if robot else actor,
            team=task.team,
        )
    task.attempts += 1
    task.claimed_by = None
    task.claimed_at = None
    if not reached and task.kind == CallTask.Kind.CALLBACK:
        # An emergency call-back that does not get through goes offline at once: the person's
        # community is sent to the door now, while the call-back keeps trying.
        hand_to_community(task)
    if reached:
        task.status = CallTask.Status.DONE
    elif task.kind != CallTask.Kind.HOME and task.attempts < task.max_attempts:
        task.status = CallTask.Status.OPEN
        task.not_before = now + dt.timedelta(minutes=task.retry_minutes)
    else:
        task.status = CallTask.Status.UNREACHED
        if task.kind == CallTask.Kind.CALL and (
            task.policy is None or task.policy.home_visit_after
        ):
            hand_to_community(task)
    task.save()
    log_action(
        "visits.visit.recorded",
        actor=None if robot else actor,
        obj=visit,
        data={
            "task": task.pk,
            "person": task.person_id,
            "channel": channel,
            "outcome": outcome,
            "needs": [need.kind for need in needs],
            "attempt": task.attempts,
            "task_status": task.status,
        },
    )
    return visit


def hand_to_community(task: CallTask) -> CallTask:
    """The HOME task that follows a task whose calls all failed, or an emergency call-back that
    did not get through: to the person's community committee."""
    home, _created = CallTask.objects.get_or_create(
        origin=task,
        kind=CallTask.Kind.HOME,
        defaults={
            "day": task.day,
            "person": task.person,
            "policy": task.policy,
            "unit": community_unit(task.region_code),
            "region_code": task.region_code,
            "max_attempts": 1,
            "note": task.note if task.kind == CallTask.Kind.CALLBACK else "",
        },
    )
    return home


@transaction.atomic
def move_tasks(tasks, *, team: Team, actor) -> int:
    """A team leader moves open tasks to another team."""
    if not actor.can(Capability.TEAM_LEAD):
        raise PermissionDenied(_("Only a team leader can move tasks."))
    moved = (
        CallTask.objects.filter(pk__in=[task.pk for task in tasks], status=CallTask.Status.OPEN)
        .exclude(team=team)
        .update(team=team, updated_at=timezone.now())
    )
    log_action(
        "visits.tasks.moved",
        actor=actor,
        obj=team,
        data={"tasks": sorted(task.pk for task in tasks), "moved": moved},
    )
    return moved


def give_up(task: CallTask, *, actor) -> None:
    """The caller hands the task back (another caller, or later)."""
    CallTask.objects.filter(pk=task.pk, claimed_by=actor, status=CallTask.Status.CLAIMED).update(
        status=CallTask.Status.OPEN, claimed_by=None, claimed_at=None
    )


def unreached_people(day: dt.date):
    """People with a visit task on ``day`` whom no visit reached that day."""
    from kapok.registry.models import Person

    start, end = local_day_bounds(day)
    reached = Visit.objects.filter(
        made_at__gte=start,
        made_at__lt=end,
        outcome__in=(Visit.Outcome.REACHED, Visit.Outcome.REFUSED),
    ).values("person")
    return Person.objects.filter(tasks__day=day).exclude(pk__in=reached).distinct()


LATER_MINUTES = 30


@transaction.atomic
def put_off(task: CallTask, *, actor, minutes: int = LATER_MINUTES, now=None) -> bool:
    """The caller skips a task for now: it goes back to the queue and waits ``minutes`` (the
    person asked to be called later, say). No attempt is counted. False if not theirs."""
    now = now or timezone.now()
    later = now + dt.timedelta(minutes=minutes)
    moved = CallTask.objects.filter(
        pk=task.pk, claimed_by=actor, status=CallTask.Status.CLAIMED
    ).update(
        status=CallTask.Status.OPEN,
        claimed_by=None,
        claimed_at=None,
        not_before=later,
        updated_at=now,
    )
    if moved:
        log_action(
            "visits.task.put_off",
            actor=actor,
            obj=task,
            data={"person": task.person_id, "minutes": minutes},
        )
    return bool(moved)


def _check_may_visit_at_home(actor, region_code: str) -> None:
    if not actor.can(Capability.VISIT_HOME):
        raise PermissionDenied(_("Your roles do not allow recording home visits."))
    if not scope_of(actor).covers(region_code or ""):
        raise PermissionDenied(_("This person lives outside your area."))


@transaction.atomic
def attach_photos(visit: Visit, photos, *, actor) -> list[VisitPhoto]:
    """Store the photos of a home or video visit. ``photos`` are files checked and re-encoded
    by kapok.web.photos.read_photo (never a raw upload)."""
    photos = list(photos)
    if not photos:
        return []
    _check_may_visit_at_home(actor, visit.region_code)
    if visit.made_by_id != actor.pk:
        raise PermissionDenied(_("Only who made a visit can add its photos."))
    stored = []
    for content in photos:
        photo = VisitPhoto(visit=visit)
        photo.image.save(content.name, content, save=True)
        stored.append(photo)
    log_action(
        "visits.visit.photos_added",
        actor=actor,
        obj=visit,
        data={"person": visit.person_id, "photos": len(stored)},
    )
    return stored


@transaction.atomic
def record_free_visit(
    person,
    *,
    actor,
    outcome: str,
    channel: str = Channel.HOME,
    has_difficulty: bool = False,
    needs: list[NeedFound] = (),
    notes: str = "",
    checks: dict | None = None,
    photos=(),
    now: dt.datetime | None = None,
) -> Visit:
    """A home or video visit a community worker made without a task (they dropped in, or the
    person came to them): recorded like a task's visit, with its needs and photos."""
    now = now or timezone.now()
    region_code = person.residence_region_id or ""
    _check_may_visit_at_home(actor, region_code)
    if channel not in (Channel.HOME, Channel.VIDEO):
        raise VisitError(_("A visit without a task is a home or video visit."), code="channel")
    if outcome not in Visit.Outcome.values:
        raise VisitError(_("Unknown outcome."), code="outcome")
    if needs and outcome != Visit.Outcome.REACHED:
        raise VisitError(_("Needs can only be recorded for a person reached."), code="needs")
    for need in needs:
        if need.kind not in NeedKind.values or need.urgency not in Urgency.values:
            raise VisitError(_("Unknown kind of need or urgency."), code="need_kind")
    visit = Visit.objects.create(
        task=None,
        person=person,
        channel=channel,
        outcome=outcome,
        has_difficulty=bool(has_difficulty or needs),
        notes=notes,
        checks=checks or {},
        made_by=actor,
        unit=getattr(actor, "unit", None),
        region_code=region_code,
        made_at=now,
    )
    for need in needs:
        report_need(
            person=person,
            kind=need.kind,
            urgency=need.urgency,
            description=need.description,
            visit=visit,
            actor=actor,
        )
    log_action(
        "visits.visit.recorded",
        actor=actor,
        obj=visit,
        data={
            "task": None,
            "person": person.pk,
            "channel": channel,
            "outcome": outcome,
            "needs": [need.kind for need in needs],
        },
    )
    attach_photos(visit, photos, actor=actor)
    return visit
