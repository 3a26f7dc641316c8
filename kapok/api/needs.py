"""``/api/v1/needs``: report, list, read and move needs, through the same actions as the web
pages (kapok.needs.actions) and the same region policy (kapok.access.policy).

Every operation is ``@region_safe``: it reads only through ``scoped`` and
``get_scoped_or_404``, so a need of another region is a 404, the same answer as a missing one.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema
from ninja.params.functions import Path
from pydantic import Field

from kapok.access.decorators import region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.api.errors import domain_error_response
from kapok.api.idempotency import HEADER, KEY_MAX, idempotent
from kapok.api.schemas import (
    MAX_ID,
    ConflictOut,
    Error,
    NeedDetailOut,
    NeedIn,
    NeedOut,
    NeedPage,
    TransitionIn,
)
from kapok.audit.masking import mask_name, mask_text
from kapok.audit.models import LogEntry
from kapok.needs.actions import TRANSITION_ACTIONS, NeedError, allowed_actions, report_need
from kapok.needs.kinds import NeedKind, Urgency
from kapok.needs.lifecycle import Action
from kapok.needs.models import Need
from kapok.registry.identity import IdNumberError, parse_id_number
from kapok.registry.models import Person
from kapok.units.models import Unit

router = Router(tags=["needs"])

PAGE_MAX = 100
OFFSET_MAX = 1_000_000

IdempotencyKeyHeader = Header(
    None,
    alias=HEADER,
    max_length=KEY_MAX,
    description="makes a retried POST safe: the same key and request get the first answer",
)


# -- answers --------------------------------------------------------------------------------------


def _when(value):
    return value.isoformat() if value is not None else None


def need_out(need: Need, *, now=None) -> dict:
    """A need as the API shows it (JSON-ready): the person masked, free text masked."""
    now = now or timezone.now()
    person = need.person
    return {
        "id": need.pk,
        "person": {
            "id": person.pk,
            "name": mask_name(person.name),
            "residence_region_code": person.residence_region_id,
        },
        "kind": need.kind,
        "kind_label": str(need.get_kind_display()),
        "urgency": need.urgency,
        "description": mask_text(need.description),
        "status": need.status,
        "status_label": str(need.get_status_display()),
        "unit": {"id": need.unit.pk, "name": need.unit.name} if need.unit_id else None,
        "region_code": need.region_code,
        "cross_district": need.is_cross_district,
        "result": mask_text(need.result),
        "reason": mask_text(need.reason),
        "duplicate_of": need.duplicate_of_id,
        "version": need.version,
        "deadlines": {
            "accept_by": _when(need.accept_due_at),
            "due": _when(need.due_at),
            "next_escalation": _when(need.next_escalation_at),
            "escalation_level": need.escalation_level,
            "overdue": need.is_overdue(now),
        },
        "created_at": _when(need.created_at),
        "updated_at": _when(need.updated_at),
        "dispatched_at": _when(need.dispatched_at),
        "accepted_at": _when(need.accepted_at),
        "resolved_at": _when(need.resolved_at),
        "verified_at": _when(need.verified_at),
        "closed_at": _when(need.closed_at),
    }


def need_detail(need: Need, user) -> dict:
    """One need with what the account may do with it now and its timeline (the audit log's
    entries for it, whose data is masked when written)."""
    entries = LogEntry.objects.for_object(need).order_by("created_at", "id")
    return need_out(need) | {
        "allowed_actions": [action.value for action in allowed_actions(user, need)],
        "timeline": [
            {
                "at": _when(entry.created_at),
                "action": entry.action,
                "actor": entry.actor_name,
                "data": entry.data,
            }
            for entry in entries
        ],
    }


def _needs():
    return Need.objects.select_related("person", "unit__region", "reported_by_team")


def _json(body: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _answer(act) -> JsonResponse:
    """Run an action; its known errors become their answers (stored with an idempotency key)."""
    try:
        return act()
    except (NeedError, PermissionDenied, Http404) as error:
        return domain_error_response(error)


# -- operations -----------------------------------------------------------------------------------


@router.post(
    "/needs",
    response={201: NeedOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    url_name="need_create",
    summary="Report a need",
)
@region_safe
def create_need(request, body: NeedIn, idempotency_key: str | None = IdempotencyKeyHeader):
    """Report a need for a person seen by this integration's account (by Kapok id or resident
    ID number): routed to the person's community, given its deadlines and announced, as if
    reported on a visit. A person outside the account's region is a 404."""
    user = request.user

    def act():
        if not user.can(Capability.NEED_REPORT):
            raise PermissionDenied(_("Your roles do not allow you to report needs."))
        person = _person(user, body)
        need = report_need(
            person=person,
            kind=body.kind,
            urgency=body.urgency,
            description=body.description.strip(),
            actor=user,
        )
        return _json(need_out(_needs().get(pk=need.pk)), status=201)

    return idempotent(request, request.integration, lambda: _answer(act))


def _person(user, body: NeedIn) -> Person:
    people = Person.objects.unmerged()
    if (body.person_id is None) == (body.id_number is None):
        raise NeedError(_("Give either person_id or id_number."), code="person")
    if body.person_id is not None:
        return get_scoped_or_404(user, people, pk=body.person_id)
    try:
        id_number = parse_id_number(body.id_number).value
    except IdNumberError as error:
        raise NeedError(str(error), code="id_number") from None
    return get_scoped_or_404(user, people.with_id_number(id_number))


class NeedFilters(Schema):
    status: Need.Status | None = None
    kind: NeedKind | None = None
    urgency: Urgency | None = None
    overdue: bool | None = Field(None, description="true: open and past a deadline")
    updated_since: dt.datetime | None = Field(None, description="changed at or after")
    limit: int = Field(50, ge=1, le=PAGE_MAX)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


@router.get(
    "/needs",
    response={200: NeedPage, 401: Error, 422: Error},
    url_name="need_list",
    summary="List needs",
)
@region_safe
def list_needs(request, filters: Query[NeedFilters]):
    """The needs this integration's account sees (its region, and what is shared with its
    unit), oldest change first: page with limit and offset, or follow changes with
    updated_since (the last updated_at seen)."""
    now = timezone.now()
    needs = scoped(_needs(), request.user)
    if filters.status:
        needs = needs.filter(status=filters.status)
    if filters.kind:
        needs = needs.filter(kind=filters.kind)
    if filters.urgency:
        needs = needs.filter(urgency=filters.urgency)
    if filters.overdue is True:
        needs = needs.filter(pk__in=Need.objects.overdue(now).values("pk"))
    elif filters.overdue is False:
        needs = needs.exclude(pk__in=Need.objects.overdue(now).values("pk"))
    if filters.updated_since is not None:
        needs = needs.filter(updated_at__gte=_aware(filters.updated_since))
    needs = needs.order_by("updated_at", "id")
    page = list(needs[filters.offset : filters.offset + filters.limit])
    return _json(
        {
            "count": needs.count(),
            "limit": filters.limit,
            "offset": filters.offset,
            "items": [need_out(need, now=now) for need in page],
        }
    )


def _aware(value: dt.datetime) -> dt.datetime:
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise NeedError(_("updated_since is out of range."), code="updated_since") from None


NeedId = Path(..., ge=1, le=MAX_ID, description="the need's id")


@router.get(
    "/needs/{need_id}",
    response={200: NeedDetailOut, 401: Error, 404: Error, 422: Error},
    url_name="need_detail",
    summary="Read a need",
)
@region_safe
def get_need(request, need_id: int = NeedId):
    """One need, with its deadlines, the actions this account may take now and its timeline."""
    need = get_scoped_or_404(request.user, _needs(), pk=need_id)
    return _json(need_detail(need, request.user))


@router.post(
    "/needs/{need_id}/transitions",
    response={200: NeedDetailOut, 401: Error, 403: Error, 404: Error, 409: ConflictOut, 422: Error},
    url_name="need_transition",
    summary="Move a need through its lifecycle",
)
@region_safe
def transition_need(
    request,
    body: TransitionIn,
    need_id: int = NeedId,
    idempotency_key: str | None = IdempotencyKeyHeader,
):
    """dispatch (unit_id), accept, return (reason), resolve (result), verify (note), reopen
    (reason), close, cancel (reason, duplicate_of): the same checks as on the web, in order —
    the version (409 with the need as it is now if someone changed it), the state machine (422),
    the account's roles and unit (403)."""
    user = request.user

    def act():
        need = get_scoped_or_404(user, _needs(), pk=need_id)
        action = Action(body.action)
        kwargs = _transition_arguments(user, need, action, body)
        moved = TRANSITION_ACTIONS[action](need, actor=user, version=body.version, **kwargs)
        return _json(need_detail(_needs().get(pk=moved.pk), user))

    return idempotent(request, request.integration, lambda: _answer(act))


def _transition_arguments(user, need: Need, action: Action, body: TransitionIn) -> dict:
    if action == Action.DISPATCH:
        unit = None
        if body.unit_id is not None:
            unit = Unit.objects.select_related("region").filter(pk=body.unit_id).first()
            if unit is None:
                raise NeedError(_("There is no unit %(id)s.") % {"id": body.unit_id}, code="unit")
        return {"unit": unit}
    if action in (Action.RETURN, Action.REOPEN):
        return {"reason": body.reason}
    if action == Action.RESOLVE:
        return {"result": body.result}
    if action == Action.VERIFY:
        return {"note": body.note}
    if action == Action.CANCEL:
        duplicate = None
        if body.duplicate_of is not None:
            duplicate = scoped(Need.objects.all(), user).filter(pk=body.duplicate_of).first()
            if duplicate is None:
                raise NeedError(
                    _("There is no need %(id)s to be a duplicate of.") % {"id": body.duplicate_of},
                    code="duplicate_of",
                )
        return {"reason": body.reason, "duplicate_of": duplicate}
    return {}
