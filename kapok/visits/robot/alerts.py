"""Emergencies heard on robot calls: a human call-back at once, and an alert to the team leader.

Every emergency (a fall with no getting up, chest pain, breathing trouble, suicide talk, a child
alone …, as kapok.needs.transcripts reads them) makes, in the same transaction as the result:

- a CALLBACK CallTask for today, to a human callers' team — the active team whose unit's area
  is the closest above the person's community (a district team before a city team), the least
  loaded today among equals; claim_next hands call-backs out before anything else. One call-back
  per robot task (a constraint backs this), so a replayed or reviewed result adds none;
- a RobotAlert to that team's leader, shown at once on the leader's pages (robot pages, the
  alerts list) to every team leader whose area covers the person, and written to the audit log.
  It also goes out on the channels of the team's unit (kapok.notifications: its WeCom group
  robot, texts and e-mails to its people on duty and its leaders in charge), through the outbox
  written in the same transaction.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kapok.access.policy import scope_filter, scope_of
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_text
from kapok.notifications.actions import notify
from kapok.notifications.models import DutyPerson
from kapok.visits.models import CallTask, RobotAlert, RobotResult, Team

CALLBACK_RETRY_MINUTES = 5  # an unanswered call-back is tried again this soon
EXCERPT_LENGTH = 200


def callback_team(region_code: str, day: dt.date) -> Team | None:
    """The human callers' team that calls back a person of ``region_code``."""
    teams = [
        team
        for team in Team.objects.filter(kind=Team.Kind.CALLERS, is_active=True)
        .select_related("unit__region")
        .annotate(
            load=Count(
                "tasks",
                filter=Q(tasks__day=day, tasks__status=CallTask.Status.OPEN),
                distinct=True,
            ),
            size=Count("members", distinct=True),
        )
        if region_code and team.unit.region.contains(region_code)
    ]
    if not teams:
        return None
    return min(teams, key=lambda t: (t.size == 0, -t.unit.region.level, t.load, t.pk))


@transaction.atomic
def call_back(
    task: CallTask,
    *,
    needs: list[str],
    transcript: str,
    result: RobotResult | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> tuple[CallTask, bool]:
    """The urgent human call-back after robot task ``task`` heard an emergency, with its alert;
    returns it and whether it was made now (False: it existed already)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    team = callback_team(task.region_code, day)
    excerpt = mask_text(" ".join(transcript.split()))[:EXCERPT_LENGTH]
    callback, created = CallTask.objects.get_or_create(
        origin=task,
        kind=CallTask.Kind.CALLBACK,
        defaults={
            "day": day,
            "person_id": task.person_id,
            "team": team,
            "region_code": task.region_code,
            "max_attempts": 3,
            "retry_minutes": CALLBACK_RETRY_MINUTES,
            "note": _("Emergency heard on a robot call: %(words)s") % {"words": excerpt[:200]},
        },
    )
    if not created:
        return callback, False
    alert = RobotAlert.objects.create(
        team=team,
        recipient=team.leader if team else None,
        person_id=task.person_id,
        callback=callback,
        result=result,
        needs=list(needs),
        excerpt=excerpt,
        region_code=task.region_code,
    )
    log_action(
        "visits.callback.created",
        actor=actor,
        obj=callback,
        data={"origin": task.pk, "team": team.pk if team else None, "needs": list(needs)},
    )
    log_action(
        "visits.robot_alert.raised",
        actor=actor,
        obj=alert,
        data={
            "callback": callback.pk,
            "person": task.person_id,
            "team": team.pk if team else None,
            "recipient": alert.recipient_id,
            "needs": list(needs),
        },
    )
    _tell_unit(alert, team)
    return callback, True


def _tell_unit(alert: RobotAlert, team: Team | None) -> None:
    """The alert on the channels of the team's unit (name masked, words masked)."""
    if team is None:
        return
    from kapok.audit.masking import mask_name
    from kapok.needs.kinds import NeedKind

    with translation.override(settings.LANGUAGE_CODE):
        kinds = "、".join(
            str(NeedKind(need).label) if need in NeedKind.values else need for need in alert.needs
        )
        subject = _("Emergency heard on a robot call: call back now")
        body = _(
            "%(person)s: %(needs)s. Heard: %(words)s. A call-back waits for team %(team)s."
        ) % {
            "person": mask_name(alert.person.name),
            "needs": kinds or "—",
            "words": alert.excerpt or "—",
            "team": team.name,
        }
    notify(
        units=[team.unit],
        event="visits.robot.emergency",
        subject=subject,
        body=body,
        key=f"visits.robot_alert:{alert.pk}",
        obj=alert,
        duties={DutyPerson.Duty.DUTY, DutyPerson.Duty.LEADER},
    )


def open_alerts(user):
    """The alerts a team leader has not acknowledged yet: those addressed to them and those over
    people of their area."""
    if not user.is_authenticated or not user.can(Capability.TEAM_LEAD):
        return RobotAlert.objects.none()
    return (
        RobotAlert.objects.filter(scope_filter(RobotAlert, user) | Q(recipient=user))
        .filter(acknowledged_at__isnull=True)
        .select_related("person", "team", "callback__claimed_by")
    )


@transaction.atomic
def acknowledge_alert(alert: RobotAlert, *, actor, now: dt.datetime | None = None) -> bool:
    """A leader has seen the alert (the call-back task goes on by itself). False if it had been
    acknowledged already."""
    if not actor.can(Capability.TEAM_LEAD):
        raise PermissionDenied(_("Only a team leader can acknowledge alerts."))
    if alert.recipient_id != actor.pk and not scope_of(actor).covers(alert.region_code):
        raise PermissionDenied(_("This person lives outside your area."))
    now = now or timezone.now()
    done = RobotAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=actor, acknowledged_at=now
    )
    if done:
        log_action("visits.robot_alert.acknowledged", actor=actor, obj=alert)
    return bool(done)
