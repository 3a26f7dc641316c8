"""The needs pages, made for a phone: a unit's queue and the need page.

    /needs/                          the queue: new, accepted, overdue, due soon, to verify,
                                     escalated to us, all in my area; filters; bulk accept
    /needs/accept/                   POST: accept the ticked needs (accept_needs), one by one
    /needs/<pk>/                     the need: the person, the deadlines, the result and its
                                     photos, the timeline (the audit log), the action forms
    /needs/<pk>/<action>/            POST one action (kapok.needs.lifecycle.Action) with the
                                     version the user saw: 409 and the fresh need on a conflict
    /needs/<pk>/photos/<photo>/      a photo of the result, only to those who may see the need

Views: form → access → action → response. Every need is loaded through the region-scoping
policy (another region's need is a 404); every change goes through kapok.needs.actions.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from kapok.access.decorators import region_safe
from kapok.access.policy import can_see, get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_name
from kapok.audit.models import LogEntry
from kapok.needs.actions import (
    TRANSITION_ACTIONS,
    NeedConflict,
    NeedError,
    accept_needs,
    allowed_actions,
    refusal,
)
from kapok.needs.forms import FORMS, QueueFilterForm
from kapok.needs.lifecycle import TRANSITIONS, Action
from kapok.needs.models import Need, NeedPhoto
from kapok.needs.queues import TAB_KEYS, deadline_of, for_rows, tab_counts, tab_needs, tabs_for
from kapok.regions.models import Region
from kapok.visits.person_panel import person_panel
from kapok.web.photos import MAX_PHOTOS

NEED_CAPABILITIES = (Capability.NEED_REPORT, Capability.NEED_HANDLE, Capability.NEED_SUPERVISE)
PER_PAGE = 30

# The timeline's words for each event of the audit log (needs.need.<event>).
EVENTS = {
    "reported": pgettext_lazy("need event", "Reported"),
    "dispatched": pgettext_lazy("need event", "Dispatched"),
    "accepted": pgettext_lazy("need event", "Accepted"),
    "returned": pgettext_lazy("need event", "Returned"),
    "resolved": pgettext_lazy("need event", "Result reported"),
    "verified": pgettext_lazy("need event", "Verified by call-back"),
    "reopened": pgettext_lazy("need event", "Reopened: not met"),
    "closed": pgettext_lazy("need event", "Closed"),
    "cancelled": pgettext_lazy("need event", "Cancelled"),
    "escalated": pgettext_lazy("need event", "Escalated"),
    "shared": pgettext_lazy("need event", "Shared with other units"),
}
# The buttons and headings of the actions.
ACTION_TITLES = {
    Action.DISPATCH: pgettext_lazy("need action", "Dispatch"),
    Action.ACCEPT: pgettext_lazy("need action", "Accept"),
    Action.RETURN: pgettext_lazy("need action", "Return: not ours"),
    Action.RESOLVE: pgettext_lazy("need action", "Report the result"),
    Action.VERIFY: pgettext_lazy("need action", "Verified: the need is met"),
    Action.REOPEN: pgettext_lazy("need action", "Not met: reopen"),
    Action.CLOSE: pgettext_lazy("need action", "Close"),
    Action.CANCEL: pgettext_lazy("need action", "Cancel the need"),
}
DONE = {
    Action.DISPATCH: gettext_lazy("Dispatched to %(unit)s."),
    Action.ACCEPT: gettext_lazy("Accepted. Report the result when it is done."),
    Action.RETURN: gettext_lazy("Returned to %(unit)s."),
    Action.RESOLVE: gettext_lazy("Result reported; photos: %(photos)s."),
    Action.VERIFY: gettext_lazy("Verified."),
    Action.REOPEN: gettext_lazy("Reopened: back to %(unit)s."),
    Action.CLOSE: gettext_lazy("Closed."),
    Action.CANCEL: gettext_lazy("Cancelled."),
}


def need_staff_required(view):
    """Staff who report, handle or supervise needs; others are refused (403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not any(request.user.can(capability) for capability in NEED_CAPABILITIES):
            raise PermissionDenied(_("Your roles do not allow this."))
        return view(request, *args, **kwargs)

    return wrapped


# -- the queue ---------------------------------------------------------------------------------


@dataclass
class Row:
    need: Need
    person: str
    place: str
    deadline: object
    may_accept: bool


def _rows(user, needs, now) -> list[Row]:
    places = Region.objects.in_bulk({need.region_code for need in needs if need.region_code})
    rows = []
    for need in needs:
        region = places.get(need.region_code)
        rows.append(
            Row(
                need=need,
                person=mask_name(need.person.name),
                place=region.name if region else "—",
                deadline=deadline_of(need, now),
                may_accept=_may_accept(user, need),
            )
        )
    return rows


def _may_accept(user, need: Need) -> bool:
    return refusal(user, need, Action.ACCEPT) is None


@region_safe
@need_staff_required
def queue(request):
    user, now = request.user, timezone.now()
    tabs = tabs_for(user)
    key = request.GET.get("tab")
    if key not in TAB_KEYS or key not in {tab.key for tab in tabs}:
        key = tabs[0].key
    form = QueueFilterForm(request.GET or None)
    needs = tab_needs(user, key, now)
    if form.is_bound and form.is_valid():
        needs = form.filter(needs)
    counts = tab_counts(user, tabs, now)
    page = Paginator(for_rows(needs), PER_PAGE).get_page(request.GET.get("page"))
    rows = _rows(user, list(page), now)
    query = request.GET.copy()
    query.pop("page", None)
    filters = query.copy()
    filters.pop("tab", None)
    return render(
        request,
        "needs/queue.html",
        {
            "tabs": [(tab, counts[tab.key]) for tab in tabs],
            "tab": key,
            "form": form,
            "page": page,
            "rows": rows,
            "may_accept_any": any(row.may_accept for row in rows),
            "query": query.urlencode(),
            "filters": filters.urlencode(),
        },
    )


@region_safe
@need_staff_required
@require_POST
def bulk_accept(request):
    user = request.user
    if not user.can(Capability.NEED_HANDLE):
        raise PermissionDenied(_("Your roles do not allow you to accept needs."))
    wanted = []
    for value in request.POST.getlist("need"):
        try:
            wanted.append((int(value), int(request.POST.get(f"version-{value}", ""))))
        except ValueError:
            continue
    found = scoped(Need.objects.filter(pk__in=[pk for pk, _version in wanted]), user)
    needs = {need.pk: need for need in found.select_related("person", "unit")}
    if not wanted:
        messages.info(request, _("Tick the needs to accept first."))
    pairs = [(needs[pk], version) for pk, version in wanted if pk in needs]
    for (need, version), outcome in zip(pairs, accept_needs(pairs, actor=user), strict=True):
        what = f"{need.get_kind_display()} · {mask_name(need.person.name)}"
        if not outcome.error:
            messages.success(request, _("Accepted: %(need)s.") % {"need": what})
        elif outcome.need.version != version:
            messages.warning(
                request, _("Conflict: %(need)s: %(error)s") % {"need": what, "error": outcome.error}
            )
        else:
            messages.error(
                request, _("Refused: %(need)s: %(error)s") % {"need": what, "error": outcome.error}
            )
    for pk, _version in wanted:
        if pk not in needs:
            messages.error(request, _("Need %(pk)s was not found.") % {"pk": pk})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or "needs:queue")


# -- the need page -----------------------------------------------------------------------------


def _need(request, pk) -> Need:
    return get_scoped_or_404(
        request.user,
        Need.objects.select_related(
            "person__residence_region",
            "person__hukou_region",
            "unit__region",
            "escalated_to",
            "reported_by__unit",
            "reported_by_team",
            "accepted_by",
            "resolved_by",
            "duplicate_of",
        ),
        pk=pk,
    )


@dataclass
class Event:
    entry: LogEntry
    label: str
    details: list


def _details(event: str, data: dict) -> list[str]:
    details = []
    if data.get("to") and event in ("dispatched", "returned", "escalated"):
        details.append(_("to %(unit)s") % {"unit": data["to"]})
    if data.get("automatic"):
        details.append(_("automatically, by where the person lives"))
    if event == "escalated":
        if data.get("level"):
            details.append(_("escalation %(level)s") % {"level": data["level"]})
        if data.get("breach") == "ACCEPT":
            details.append(_("not accepted in time"))
        elif data.get("breach") == "CLEAR":
            details.append(_("not cleared in time"))
    if event == "shared" and data.get("units"):
        details.append("、".join(str(unit) for unit in data["units"]))
        if data.get("cross_district"):
            details.append(_("cross-district: the hukou district is told"))
    for key, label in (
        ("reason", _("Reason")),
        ("result", _("Result")),
        ("note", _("Note")),
    ):
        if data.get(key):
            details.append(f"{label}：{data[key]}")
    if data.get("photos"):
        details.append(_("photos: %(count)s") % {"count": data["photos"]})
    if data.get("duplicate_of"):
        details.append(_("duplicate of need %(pk)s") % {"pk": data["duplicate_of"]})
    return details


def timeline(need: Need) -> list[Event]:
    entries = (
        LogEntry.objects.for_object(need)
        .filter(action__startswith="needs.need.")
        .order_by("created_at", "id")
    )
    events = []
    for entry in entries:
        event = entry.action.removeprefix("needs.need.")
        label = EVENTS.get(event)
        if label is None:
            continue
        events.append(Event(entry, str(label), _details(event, entry.data or {})))
    return events


def _region_name(code: str) -> str:
    if not code:
        return ""
    region = Region.objects.filter(code=code).only("full_name").first()
    return region.full_name if region else code


def _page(request, need: Need, *, bound=None, status=200, conflict: str = ""):
    """The need page. ``bound``: (action, form) posted and refused, shown with what was typed."""
    user, now = request.user, timezone.now()
    person = need.person
    log_action(
        "registry.person.viewed", actor=user, obj=person, data={"need": need.pk, "page": "need"}
    )
    handles = user.can(Capability.NEED_HANDLE) and need.unit_id == user.unit_id
    panel = person_panel(person, user=user, day=timezone.localdate(now), may_dial=handles)
    actions = allowed_actions(user, need)
    forms = []
    for action in actions:
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = FORMS[action](need=need, user=user)
        forms.append((action.value, ACTION_TITLES[action], form))
    return render(
        request,
        "needs/need_detail.html",
        {
            **panel,
            "need": need,
            "deadline": deadline_of(need, now),
            "place": _region_name(need.region_code),
            "hukou_place": _region_name(need.hukou_region_code),
            "may_see_person": user.can(Capability.PERSON_VIEW) and can_see(user, person),
            "photos": list(need.photos.all()),
            "escalations": list(need.escalations.select_related("from_unit", "to_unit")),
            "shared_with": list(need.shared_with.all()),
            "events": timeline(need),
            "forms": forms,
            "bound_action": bound[0].value if bound is not None else "",
            "conflict": conflict,
            "max_photos": MAX_PHOTOS,
        },
        status=status,
    )


@region_safe
@need_staff_required
def detail(request, pk):
    return _page(request, _need(request, pk))


@region_safe
@need_staff_required
@require_POST
def act(request, pk, action):
    try:
        action = Action(action)
    except ValueError:
        raise Http404 from None
    user = request.user
    need = _need(request, pk)
    if not user.can(TRANSITIONS[action].capability):
        raise PermissionDenied(
            _("Your roles do not allow you to %(action)s needs.") % {"action": action.label}
        )
    form = FORMS[action](request.POST, request.FILES, need=need, user=user)
    if not form.is_valid():
        return _page(request, need, bound=(action, form), status=422)
    try:
        changed = TRANSITION_ACTIONS[action](
            need, actor=user, version=form.cleaned_data["version"], **form.arguments()
        )
    except NeedConflict as error:
        fresh = _need(request, pk)
        kept = None
        if action in allowed_actions(user, fresh):
            data = request.POST.copy()
            data["version"] = str(fresh.version)
            kept = (action, FORMS[action](data, need=fresh, user=user))
        return _page(request, fresh, bound=kept, status=409, conflict=error.messages[0])
    except NeedError as error:
        form.add_error(None, error.messages[0])
        return _page(
            request, need, bound=(action, form), status=400 if error.code == "illegal" else 422
        )
    values = {
        "unit": changed.unit.name if changed.unit else "—",
        "photos": len(form.arguments().get("photos", ())),
    }
    messages.success(request, DONE[action] % values)
    return redirect("needs:detail", pk=changed.pk)


@region_safe
@need_staff_required
def photo(request, pk, photo):
    """A photo of a need's result, read from storage: never a public media address."""
    need = get_scoped_or_404(request.user, Need.objects.all(), pk=pk)
    item = get_object_or_404(NeedPhoto, pk=photo, need=need)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
