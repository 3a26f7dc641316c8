"""Pages for team leaders and the city: the visit board (live), the people not reached yet and
their download, teams with their callers and open tasks, and the call plans.

Who: the board is for those who lead teams or watch the figures (TEAM_LEAD or DATAEYE_VIEW),
each within their region; the people on it need PERSON_VIEW too. Teams and their tasks are kept
by team leaders (TEAM_LEAD) within their region. Call policies, assignment rules and "make
today's plan now" act on the whole city's plan, so they are for the city's team leaders and
commander only (kapok.visits.policies says why); those pages are not @region_safe.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.visits import policies, teams
from kapok.visits.board import (
    caller_counts,
    counts_of,
    day_tasks,
    not_reached,
    not_reached_rows,
    visit_board,
    write_not_reached_xlsx,
)
from kapok.visits.calling import CALL_KINDS, move_tasks
from kapok.visits.forms_board import (
    WEEKDAYS,
    AssignmentRuleForm,
    CallPolicyForm,
    MembersForm,
    MoveTasksForm,
    TeamForm,
)
from kapok.visits.models import AssignmentRule, CallPolicy, CallTask, Team
from kapok.visits.planning import plan_day
from kapok.visits.robot.alerts import open_alerts
from kapok.web.days import day_from

BOARD_CAPABILITIES = (Capability.TEAM_LEAD, Capability.DATAEYE_VIEW)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


board_access = capability_required(*BOARD_CAPABILITIES)


def _board_context(request, day) -> dict:
    user = request.user
    lead = user.can(Capability.TEAM_LEAD)
    return {
        "board": visit_board(day, user),
        "day": day,
        "day_query": urlencode({"day": day.isoformat()}),
        "live": day == timezone.localdate(),
        "updated_at": timezone.localtime(),
        "can_lead": lead,
        "my_teams": set(scoped(Team.objects.all(), user).values_list("pk", flat=True))
        if lead
        else set(),
    }


@region_safe
@board_access
def board(request):
    form, day = day_from(request)
    context = _board_context(request, day)
    context.update(
        form=form,
        can_see_people=request.user.can(Capability.PERSON_VIEW),
        can_set_plans=policies.may_set_call_plans(request.user),
        # Emergencies heard on robot calls, until a leader has seen them.
        alerts=open_alerts(request.user),
    )
    return render(request, "visits/board_page.html", context)


@region_safe
@board_access
def board_numbers(request):
    """The board's numbers alone, which the board's page polls every 15 seconds (htmx)."""
    _form, day = day_from(request)
    return render(request, "visits/board_numbers.html", _board_context(request, day))


@region_safe
@board_access
@capability_required(Capability.PERSON_VIEW)
def board_not_reached(request):
    form, day = day_from(request)
    page = Paginator(not_reached(day, request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/board_not_reached.html",
        {
            "form": form,
            "day": day,
            "page": page,
            "rows": not_reached_rows(page.object_list, day),
            "query": urlencode({"day": day.isoformat()}),
        },
    )


@region_safe
@board_access
@capability_required(Capability.PERSON_VIEW)
def board_not_reached_export(request):
    _form, day = day_from(request)
    people = not_reached(day, request.user)
    log_action(
        "visits.not_reached.exported",
        actor=request.user,
        data={"day": day.isoformat(), "people": people.count()},
    )
    return FileResponse(
        write_not_reached_xlsx(people, day),
        as_attachment=True,
        filename=f"未联系上-{day.isoformat()}.xlsx",
        content_type=XLSX,
    )


def _open_calls(user, day):
    """The open call tasks of ``day`` that ``user`` may move, oldest first."""
    return (
        scoped(CallTask.objects.filter(day=day), user)
        .filter(status=CallTask.Status.OPEN, kind__in=CALL_KINDS)
        .select_related("person__residence_region", "team")
        .order_by("not_before", "id")
    )


def _active_teams(user):
    return scoped(Team.objects.filter(is_active=True), user).select_related("unit")


def _move(request, form) -> None:
    """Move the tasks the form chose; the outcome is told as a message."""
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return
    chosen = form.chosen()
    team = form.cleaned_data["team"]
    try:
        moved = move_tasks(chosen, team=team, actor=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return
    messages.success(
        request, _("%(moved)s tasks moved to %(team)s.") % {"moved": moved, "team": team}
    )
    if moved < len(chosen):
        messages.info(
            request,
            _("%(count)s of the chosen tasks were no longer open and stayed where they were.")
            % {"count": len(chosen) - moved},
        )


@region_safe
@capability_required(Capability.TEAM_LEAD)
def tasks_without_team(request):
    """The open calls of a day that no rule gave to a team, to place with a team."""
    _form, day = day_from(request)
    candidates = _open_calls(request.user, day).filter(team__isnull=True)
    if request.method == "POST":
        form = MoveTasksForm(request.POST, candidates=candidates, teams=_active_teams(request.user))
        _move(request, form)
        return redirect(request.get_full_path())
    page = Paginator(candidates, 100).get_page(request.GET.get("page"))
    form = MoveTasksForm(candidates=candidates, teams=_active_teams(request.user))
    return render(
        request,
        "visits/board_without_team.html",
        {
            "day": day,
            "form": form,
            "page": page,
            "query": urlencode({"day": day.isoformat()}),
            "total": candidates.count(),
        },
    )


@region_safe
@capability_required(Capability.TEAM_LEAD)
def team_list(request):
    today = timezone.localdate()
    rows = {
        row.team.pk: row.counts
        for row in visit_board(today, request.user).by_team
        if row.team is not None
    }
    team_rows = [
        (team, rows.get(team.pk))
        for team in scoped(Team.objects.all(), request.user)
        .select_related("unit", "leader", "vendor")
        .annotate(callers=Count("members", distinct=True))
    ]
    return render(request, "visits/team_list.html", {"teams": team_rows, "today": today})


def _team(request, pk) -> Team:
    return get_scoped_or_404(
        request.user, Team.objects.select_related("unit", "leader", "vendor"), pk=pk
    )


@region_safe
@capability_required(Capability.TEAM_LEAD)
def team_create(request):
    form = TeamForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            team = teams.create_team(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages(error))
        else:
            messages.success(request, _("Team %(team)s created.") % {"team": team})
            return redirect("visits:team_detail", pk=team.pk)
    return render(request, "visits/team_form.html", {"form": form, "team": None})


@region_safe
@capability_required(Capability.TEAM_LEAD)
def team_edit(request, pk):
    team = _team(request, pk)
    initial = {
        "name": team.name,
        "kind": team.kind,
        "leader": team.leader,
        "vendor": team.vendor,
        "is_active": team.is_active,
    }
    form = TeamForm(request.POST or None, actor=request.user, team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            teams.update_team(team, actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages(error))
        else:
            messages.success(request, _("Team %(team)s saved.") % {"team": team})
            return redirect("visits:team_detail", pk=team.pk)
    return render(request, "visits/team_form.html", {"form": form, "team": team})


@region_safe
@capability_required(Capability.TEAM_LEAD)
def team_detail(request, pk):
    team = _team(request, pk)
    today = timezone.localdate()
    candidates = _open_calls(request.user, today).filter(team=team)
    page = Paginator(candidates, 100).get_page(request.GET.get("page"))
    others = _active_teams(request.user).exclude(pk=team.pk)
    members = list(team.members.select_related("unit").order_by("username"))
    counts = caller_counts(team, today)
    return render(
        request,
        "visits/team_detail.html",
        {
            "team": team,
            "today": today,
            "counts": counts_of(day_tasks(today, request.user).filter(team=team)),
            "members": [(member, counts.get(member.pk)) for member in members],
            "page": page,
            "query": "",
            "total": candidates.count(),
            "move_form": MoveTasksForm(candidates=candidates, teams=others),
            "members_form": MembersForm(actor=request.user, team=team),
        },
    )


@region_safe
@capability_required(Capability.TEAM_LEAD)
@require_POST
def team_move(request, pk):
    team = _team(request, pk)
    candidates = _open_calls(request.user, timezone.localdate()).filter(team=team)
    others = _active_teams(request.user).exclude(pk=team.pk)
    _move(request, MoveTasksForm(request.POST, candidates=candidates, teams=others))
    return redirect("visits:team_detail", pk=team.pk)


@region_safe
@capability_required(Capability.TEAM_LEAD)
@require_POST
def team_members(request, pk):
    team = _team(request, pk)
    form = MembersForm(request.POST, actor=request.user, team=team)
    if not form.is_valid():
        messages.error(request, _("Choose callers from the list."))
        return redirect("visits:team_detail", pk=team.pk)
    try:
        added, removed = teams.set_members(
            team, actor=request.user, members=form.cleaned_data["members"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages(error))
    else:
        messages.success(
            request,
            _("Callers: %(added)s added, %(removed)s removed.")
            % {"added": len(added), "removed": len(removed)},
        )
    return redirect("visits:team_detail", pk=team.pk)


def _messages(error) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _check_plans(request) -> None:
    if not policies.may_set_call_plans(request.user):
        raise PermissionDenied(_("Call plans are set by the city's team leaders."))


@capability_required(Capability.TEAM_LEAD)
def plan_list(request):
    _check_plans(request)
    weekdays = dict(WEEKDAYS)
    policies_shown = list(CallPolicy.objects.select_related("category"))
    for policy in policies_shown:
        policy.weekday_label = weekdays.get(policy.weekday, "")
    rules = AssignmentRule.objects.select_related("region", "category").prefetch_related(
        "teams__unit"
    )
    return render(
        request,
        "visits/plan_list.html",
        {
            "policies": policies_shown,
            "rules": rules,
            "today": timezone.localdate(),
            "planned_today": CallTask.objects.filter(
                day=timezone.localdate(), kind=CallTask.Kind.CALL
            ).count(),
        },
    )


@capability_required(Capability.TEAM_LEAD)
@require_POST
def plan_make(request):
    """Make today's plan now (it is also made every morning): idempotent."""
    _check_plans(request)
    result = plan_day(timezone.localdate(), actor=request.user)
    messages.success(
        request,
        _("Today's plan: %(created)s tasks created, %(existing)s were already planned.")
        % {"created": result.created, "existing": result.existing},
    )
    if result.by_team:
        shares = "、".join(f"{name} {count}" for name, count in sorted(result.by_team.items()))
        messages.info(request, _("New tasks by team: %(shares)s.") % {"shares": shares})
    if result.unassigned:
        messages.error(
            request,
            _("%(count)s new tasks matched no rule and have no team yet.")
            % {"count": result.unassigned},
        )
    return redirect("visits:plan_list")


def _edit(request, *, form_class, save, key: str, obj, template: str, saved_message: str):
    """Create (obj None) or change a call policy or an assignment rule through its action."""
    _check_plans(request)
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(actor=request.user, **{key: obj}, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error if hasattr(error, "error_dict") else _messages(error))
        else:
            messages.success(request, saved_message % {"name": saved})
            return redirect("visits:plan_list")
    return render(request, template, {"form": form, "object": obj})


def _policy_page(request, policy):
    return _edit(
        request,
        form_class=CallPolicyForm,
        save=policies.save_policy,
        key="policy",
        obj=policy,
        template="visits/plan_policy_form.html",
        saved_message=_("Call policy %(name)s saved."),
    )


def _rule_page(request, rule):
    return _edit(
        request,
        form_class=AssignmentRuleForm,
        save=policies.save_rule,
        key="rule",
        obj=rule,
        template="visits/plan_rule_form.html",
        saved_message=_("Assignment rule %(name)s saved."),
    )


@capability_required(Capability.TEAM_LEAD)
def policy_create(request):
    return _policy_page(request, None)


@capability_required(Capability.TEAM_LEAD)
def policy_edit(request, pk):
    _check_plans(request)
    return _policy_page(request, get_object_or_404(CallPolicy, pk=pk))


@capability_required(Capability.TEAM_LEAD)
def rule_create(request):
    return _rule_page(request, None)


@capability_required(Capability.TEAM_LEAD)
def rule_edit(request, pk):
    _check_plans(request)
    return _rule_page(request, get_object_or_404(AssignmentRule, pk=pk))
