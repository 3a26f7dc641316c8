"""Actions on needs: the only way a need is created or moves through its lifecycle.

    need = report_need(person=..., kind="FOOD", urgency="normal", actor=caller, team=team)
    need = accept_need(need, actor=worker, version=need.version)
    need = resolve_need(need, actor=worker, version=need.version, result="送去米油", photos=[...])

Every transition (kapok.needs.lifecycle) checks, in this order, that nobody changed the need since
the actor saw it (``version``: optimistic locking, NeedConflict with the fresh need), that the
state machine allows it (NeedError), and that the actor may (capability and region:
PermissionDenied); then it is applied with a conditional UPDATE on the version, so that of two
people acting at once exactly one succeeds, recorded in the audit log (the need's timeline), and
the people concerned are told through the notifications outbox, in the same transaction.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kapok.access.policy import scope_of
from kapok.audit.actions import log_action
from kapok.needs import notices
from kapok.needs.deadlines import deadlines_for
from kapok.needs.kinds import NeedKind, Urgency
from kapok.needs.lifecycle import HANDLER, REPORTER, SUPERVISOR, TRANSITIONS, Action
from kapok.needs.models import Need, NeedPhoto
from kapok.needs.routing import route, unit_above

# The longest reason or result kept.
REASON_MAX = 500
RESULT_MAX = 2000


class NeedError(ValidationError):
    pass


class NeedConflict(NeedError):
    """Someone else changed the need since the actor saw it; ``need`` is its state now."""

    def __init__(self, need: Need):
        self.need = need
        super().__init__(
            _(
                "Someone else changed this need while you were looking at it: it is now "
                "“%(status)s” (changed %(time)s). Nothing was done; here is how it stands now."
            )
            % {
                "status": need.get_status_display(),
                "time": date_format(timezone.localtime(need.updated_at), "H:i:s"),
            },
            code="conflict",
        )


@transaction.atomic
def report_need(
    *,
    person,
    kind: str,
    urgency: str,
    description: str = "",
    visit=None,
    actor=None,
    team=None,
    now: dt.datetime | None = None,
) -> Need:
    """A need found on a visit, a hotline call or by an integration: routed, given its
    deadlines, dispatched where the person's community is known, and announced."""
    if kind not in NeedKind.values:
        raise NeedError(_("Unknown kind of need: %(kind)s.") % {"kind": kind}, code="kind")
    if urgency not in Urgency.values:
        raise NeedError(_("Unknown urgency: %(urgency)s.") % {"urgency": urgency}, code="urgency")
    now = now or timezone.now()
    reporter_unit = getattr(actor, "unit", None) if actor is not None else None
    if reporter_unit is None and team is not None:
        reporter_unit = team.unit
    where = route(person=person, kind=kind, reporter_unit=reporter_unit)
    deadlines = deadlines_for(urgency, now)
    need = Need.objects.create(
        person=person,
        kind=kind,
        urgency=urgency,
        description=description,
        visit=visit,
        reported_by=actor if actor is not None and actor.pk else None,
        reported_by_team=team,
        region_code=where.region_code,
        hukou_region_code=where.hukou_region_code,
        unit=where.unit,
        status=Need.Status.DISPATCHED if where.dispatched else Need.Status.REPORTED,
        dispatched_at=now if where.dispatched else None,
        accept_due_at=deadlines.accept_by,
        due_at=deadlines.clear_by,
        next_escalation_at=deadlines.first_breach,
    )
    Need.objects.filter(pk=need.pk).update(created_at=now)
    need.created_at = now
    shared = list(where.shared_with)
    # The reporting unit verifies the result: it must see the need even outside its region.
    if reporter_unit is not None and not unit_covers(reporter_unit, need.region_code):
        shared.append(reporter_unit)
    if shared:
        need.shared_with.add(*shared)
    log_action(
        "needs.need.reported",
        actor=actor,
        obj=need,
        data={
            "person": person.pk,
            "kind": kind,
            "urgency": urgency,
            "visit": getattr(visit, "pk", None),
            "team": getattr(team, "pk", None),
            "due": need.due_at.isoformat(),
        },
    )
    if where.dispatched:
        log_action(
            "needs.need.dispatched",
            obj=need,
            data={"to": need.unit.name, "unit": need.unit_id, "automatic": True},
        )
    if where.hukou_region_code:
        log_action(
            "needs.need.shared",
            obj=need,
            data={"units": [unit.name for unit in where.shared_with], "cross_district": True},
        )
    notices.need_reported(need, told=where.told)
    return need


def unit_covers(unit, code: str) -> bool:
    """Whether ``unit``'s area contains the division code ``code``."""
    if unit.region.level <= 2:  # a city-level unit sees the whole city
        return True
    return code.startswith(unit.region.prefix)


# -- who may ------------------------------------------------------------------------------------


def _is_reporter(actor, need: Need) -> bool:
    if need.reported_by_id is not None and need.reported_by_id == actor.pk:
        return True
    team = need.reported_by_team
    if team is not None:
        if team.leader_id == actor.pk or team.members.filter(pk=actor.pk).exists():
            return True
        if actor.unit_id is not None and actor.unit_id == team.unit_id:
            return True
    reporter = need.reported_by
    return reporter is not None and actor.unit_id is not None and reporter.unit_id == actor.unit_id


def _supervises(actor, need: Need) -> bool:
    from kapok.accounts.roles import Capability

    scope = scope_of(actor)
    return actor.can(Capability.NEED_SUPERVISE) and scope.covers(need.region_code)


def refusal(actor, need: Need, action: Action) -> str | None:
    """Why ``actor`` may not take ``action`` on ``need`` now, or None if they may. The state
    machine first, then the capability, then who they are."""
    transition = TRANSITIONS[action]
    if need.status not in transition.sources:
        return _("This need is “%(status)s”: it cannot be %(action)s now.") % {
            "status": need.get_status_display(),
            "action": action.label,
        }
    if actor is None or not actor.is_authenticated or not actor.can(transition.capability):
        return _("Your roles do not allow you to %(action)s needs.") % {"action": action.label}
    if _supervises(actor, need):
        return None
    if transition.actor == HANDLER:
        if need.unit_id is not None and actor.unit_id == need.unit_id:
            return None
        return _("Only the unit handling this need (%(unit)s) or a unit above it may do this.") % {
            "unit": need.unit.name if need.unit else "—"
        }
    if transition.actor == REPORTER:
        if _is_reporter(actor, need):
            return None
        return _("Only the team that reported this need, or a unit above it, may do this.")
    assert transition.actor == SUPERVISOR
    return _("Only a unit supervising this area may do this.")


def allowed_actions(actor, need: Need) -> list[Action]:
    """The actions ``actor`` may take on ``need`` now: the buttons its page shows."""
    return [action for action in TRANSITIONS if refusal(actor, need, action) is None]


# -- transitions -------------------------------------------------------------------------------


@dataclass
class _Change:
    fields: dict
    data: dict


def _apply(need: Need, action: Action, *, actor, version: int, prepare, now=None) -> Need:
    """Check and apply one transition. ``prepare(current, now)`` returns the fields to set and
    the data to record, or raises NeedError for bad input."""
    transition = TRANSITIONS[action]
    now = now or timezone.now()
    with transaction.atomic():
        current = Need.objects.select_related("unit__region", "reported_by_team").get(pk=need.pk)
        if version is None or int(version) != current.version:
            raise NeedConflict(current)
        reason = refusal(actor, current, action)
        if reason is not None:
            if current.status not in transition.sources:
                raise NeedError(reason, code="illegal")
            raise PermissionDenied(reason)
        change = prepare(current, now)
        fields = {
            **change.fields,
            "status": transition.target,
            "version": current.version + 1,
            "updated_at": now,
        }
        updated = Need.objects.filter(pk=current.pk, version=current.version).update(**fields)
        if updated != 1:  # someone else's change committed between our read and our write
            raise NeedConflict(Need.objects.get(pk=current.pk))
        before = current.status
        for field, value in fields.items():
            setattr(current, field, value)
        log_action(
            f"needs.need.{transition.target.lower()}",
            actor=actor,
            obj=current,
            data={"from": before, "to": transition.target, "version": current.version}
            | change.data,
        )
        notices.need_moved(current, action, actor=actor)
    return current


def dispatch_need(need: Need, *, actor, version: int, unit) -> Need:
    """派单: send a need waiting at a street or district (new, or returned) to a unit."""

    def prepare(current, now):
        if unit is None or not unit.is_active:
            raise NeedError(_("Choose an active unit to dispatch the need to."), code="unit")
        if not scope_of(actor).covers(unit.region_id):
            raise NeedError(_("You can only dispatch to units in your area."), code="unit")
        return _Change(
            {"unit": unit, "dispatched_at": now, "reason": ""},
            {"to": unit.name, "unit": unit.pk},
        )

    dispatched = _apply(need, Action.DISPATCH, actor=actor, version=version, prepare=prepare)
    # Dispatched to a unit whose area does not contain the need (a neighbouring community, a
    # specialised unit): it must see what it is asked to handle.
    if not unit_covers(unit, dispatched.region_code):
        dispatched.shared_with.add(unit)
    return dispatched


def accept_need(need: Need, *, actor, version: int, now=None) -> Need:
    """签收: the handling unit takes the need on."""

    def prepare(current, now):
        fields = {"accepted_at": now, "accepted_by": actor}
        # An acceptance deadline no longer applies; the clearance deadline does.
        if current.escalation_level == 0 or current.next_escalation_at is None:
            fields["next_escalation_at"] = current.due_at
        else:
            fields["next_escalation_at"] = max(current.due_at, current.next_escalation_at)
        return _Change(fields, {})

    return _apply(need, Action.ACCEPT, actor=actor, version=version, prepare=prepare, now=now)


def return_need(need: Need, *, actor, version: int, reason: str) -> Need:
    """退回: not ours (the wrong community, the person moved); the level above re-routes it."""

    def prepare(current, now):
        text = _reason(reason)
        above = unit_above(current.unit) if current.unit is not None else None
        if above is None:
            raise NeedError(_("There is no unit above this one to return it to."), code="unit")
        return _Change(
            {"unit": above, "reason": text, "accepted_at": None, "accepted_by": None},
            {"reason": text, "from_unit": current.unit.name, "to": above.name},
        )

    return _apply(need, Action.RETURN, actor=actor, version=version, prepare=prepare)


def resolve_need(need: Need, *, actor, version: int, result: str, photos=()) -> Need:
    """反馈: what was done, with photos (already checked and re-encoded: kapok.web.photos)."""

    def prepare(current, now):
        text = (result or "").strip()
        if not text:
            raise NeedError(_("Say what was done: the result cannot be empty."), code="result")
        if len(text) > RESULT_MAX:
            raise NeedError(
                _("The result is too long: at most %(max)s characters.") % {"max": RESULT_MAX},
                code="result",
            )
        return _Change(
            {"result": text, "resolved_at": now, "resolved_by": actor, "next_escalation_at": None},
            {"result": text, "photos": len(photos)},
        )

    resolved = _apply(need, Action.RESOLVE, actor=actor, version=version, prepare=prepare)
    for content in photos:
        NeedPhoto(need=resolved, taken_by=actor).image.save(content.name, content)
    return resolved


def verify_need(need: Need, *, actor, version: int, note: str = "") -> Need:
    """回访: the reporting team called the person back, and the need is met."""

    def prepare(current, now):
        return _Change({"verified_at": now}, {"note": (note or "").strip()[:REASON_MAX]})

    return _apply(need, Action.VERIFY, actor=actor, version=version, prepare=prepare)


def reopen_need(need: Need, *, actor, version: int, reason: str) -> Need:
    """The person says it is not met: back to the handling unit, due again as if new."""

    def prepare(current, now):
        text = _reason(reason)
        deadlines = deadlines_for(current.urgency, now)
        return _Change(
            {
                "reason": text,
                "resolved_at": None,
                "resolved_by": None,
                "accept_due_at": deadlines.accept_by,
                "due_at": deadlines.clear_by,
                "next_escalation_at": deadlines.first_breach,
            },
            {"reason": text, "due": deadlines.clear_by.isoformat()},
        )

    return _apply(need, Action.REOPEN, actor=actor, version=version, prepare=prepare)


def close_need(need: Need, *, actor, version: int) -> Need:
    """办结."""
    return _apply(
        need,
        Action.CLOSE,
        actor=actor,
        version=version,
        prepare=lambda current, now: _Change({"closed_at": now}, {}),
    )


def cancel_need(need: Need, *, actor, version: int, reason: str, duplicate_of=None) -> Need:
    """撤销: reported twice (a duplicate of another need of the same person) or in error."""

    def prepare(current, now):
        text = _reason(reason)
        if duplicate_of is not None and (
            duplicate_of.pk == current.pk or duplicate_of.person_id != current.person_id
        ):
            raise NeedError(
                _("A need can only duplicate another need of the same person."),
                code="duplicate_of",
            )
        return _Change(
            {"reason": text, "duplicate_of": duplicate_of, "next_escalation_at": None},
            {"reason": text, "duplicate_of": getattr(duplicate_of, "pk", None)},
        )

    return _apply(need, Action.CANCEL, actor=actor, version=version, prepare=prepare)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise NeedError(_("Give a reason."), code="reason")
    if len(text) > REASON_MAX:
        raise NeedError(
            _("The reason is too long: at most %(max)s characters.") % {"max": REASON_MAX},
            code="reason",
        )
    return text


TRANSITION_ACTIONS = {
    Action.DISPATCH: dispatch_need,
    Action.ACCEPT: accept_need,
    Action.RETURN: return_need,
    Action.RESOLVE: resolve_need,
    Action.VERIFY: verify_need,
    Action.REOPEN: reopen_need,
    Action.CLOSE: close_need,
    Action.CANCEL: cancel_need,
}


@dataclass
class BulkOutcome:
    need: Need
    error: str = ""  # empty when it worked


def accept_needs(needs_and_versions, *, actor) -> list[BulkOutcome]:
    """批量签收: accept several needs, each in its own transaction: one conflict or refusal
    does not undo the others, and says which need and why."""
    outcomes = []
    for need, version in needs_and_versions:
        try:
            outcomes.append(BulkOutcome(accept_need(need, actor=actor, version=version)))
        except NeedConflict as error:
            outcomes.append(BulkOutcome(error.need, error.messages[0]))
        except (NeedError, PermissionDenied) as error:
            message = error.messages[0] if isinstance(error, NeedError) else str(error)
            outcomes.append(BulkOutcome(need, message))
    return outcomes
