"""The caller's page, made for a phone: the next person to call, the script, and the outcome
recorded in a few taps; then the next person.

    /visits/call/              claims the caller's next task (or gives back the one they hold)
                               and opens it; none left: today's counts
    /visits/call/<pk>/         the task the caller holds: the person, the script, the form
    /visits/call/<pk>/record/  POST the outcome (record_visit), then on to the next task
    /visits/call/<pk>/later/   POST: skip it for now (put_off: back in the queue in 30 minutes)
    /visits/call/<pk>/give-back/  POST: hand it back for another caller, and pause
    /visits/call/pause/        today's counts, nothing claimed
"""

import datetime as dt

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.needs.kinds import NeedKind
from kapok.visits.calling import (
    CALL_KINDS,
    LATER_MINUTES,
    VisitError,
    caller_teams,
    claim_next,
    give_up,
    phone_to_try,
    put_off,
    record_visit,
)
from kapok.visits.forms import OutcomeForm
from kapok.visits.models import CallTask, Channel, Visit
from kapok.visits.person_panel import person_panel
from kapok.zones.models import local_day_bounds

# What the caller says (spoken Chinese whatever the interface language: it is said to the
# person), and what to ask after it — food, oil and vegetables; medicine; health; care;
# children — each with the need kinds it can bring up.
SCRIPT = "您好，这里是民政局，请问您目前有没有遇到基本生活困难？"
FOLLOW_UPS = (
    ("家里的米、面、油、菜还够吃几天？", ("FOOD", "OIL", "VEGETABLES")),
    ("平时吃的药还够吗？还剩几天？", ("MEDICINE",)),
    ("身体怎么样？有没有不舒服、需要看医生？", ("MEDICAL",)),
    ("生活能自理吗？有没有人照顾您？", ("CARE",)),
    ("家里的小孩有人照看吗？", ("GUARDIANSHIP",)),
)
REACHED = (Visit.Outcome.REACHED, Visit.Outcome.REFUSED)


def today_counts(user, now: dt.datetime) -> dict:
    """The caller's day: calls made, reached, not reached; and what is left for their teams."""
    start, end = local_day_bounds(timezone.localdate(now))
    mine = Visit.objects.filter(
        made_by=user, channel=Channel.PHONE, made_at__gte=start, made_at__lt=end
    ).aggregate(made=Count("pk"), reached=Count("pk", filter=Q(outcome__in=REACHED)))
    left = scoped(
        CallTask.objects.filter(
            team__in=caller_teams(user),
            kind__in=CALL_KINDS,
            day=timezone.localdate(now),
            status__in=(CallTask.Status.OPEN, CallTask.Status.CLAIMED),
        ),
        user,
    ).aggregate(
        left=Count("pk"),
        waiting=Count("pk", filter=Q(status=CallTask.Status.OPEN, not_before__gt=now)),
    )
    return {
        "made": mine["made"],
        "reached": mine["reached"],
        "unreached": mine["made"] - mine["reached"],
        "left": left["left"],
        "waiting": left["waiting"],
    }


def _idle(request, *, paused: bool):
    has_team = caller_teams(request.user).exists()
    return render(
        request,
        "visits/caller_idle.html",
        {
            "has_team": has_team,
            "paused": paused,
            "counts": today_counts(request.user, timezone.now()) if has_team else None,
        },
    )


@region_safe
@capability_required(Capability.VISIT_CALL)
def call_next(request):
    """Claim the next call (or get back the one held) and open it."""
    if not caller_teams(request.user).exists():
        return _idle(request, paused=False)
    task = claim_next(request.user)
    if task is None:
        return _idle(request, paused=False)
    return redirect("visits:call_task", pk=task.pk)


@region_safe
@capability_required(Capability.VISIT_CALL)
def call_pause(request):
    return _idle(request, paused=True)


def _team_task(request, pk) -> CallTask:
    """A call task of the user's teams, in their region; another team's is a 404."""
    return get_scoped_or_404(
        request.user,
        CallTask.objects.filter(
            team__in=caller_teams(request.user), kind__in=CALL_KINDS
        ).select_related("person__residence_region", "team"),
        pk=pk,
    )


def _held_task(request, pk) -> CallTask | None:
    """The task if the user holds it. Another caller's is a 404; one no longer held (recorded,
    given back, its claim expired and taken over) is None."""
    task = _team_task(request, pk)
    if task.status == CallTask.Status.CLAIMED and task.claimed_by_id not in (
        None,
        request.user.pk,
    ):
        raise Http404
    if task.status != CallTask.Status.CLAIMED or task.claimed_by_id != request.user.pk:
        return None
    return task


def _not_held(request):
    messages.info(request, _("That call is no longer yours to make. Here is your next one."))
    return redirect("visits:call_next")


def _task_page(request, task: CallTask, form: OutcomeForm, *, status: int = 200):
    now = timezone.now()
    log_action(
        "registry.person.viewed",
        actor=request.user,
        obj=task.person,
        data={"task": task.pk, "page": "call"},
    )
    context = person_panel(
        task.person,
        user=request.user,
        day=timezone.localdate(now),
        to_try=phone_to_try(task),
        may_dial=True,
    )
    context.update(
        {
            "task": task,
            "form": form,
            "script": SCRIPT,
            "follow_ups": [
                (prompt, [NeedKind(kind).label for kind in kinds]) for prompt, kinds in FOLLOW_UPS
            ],
            "counts": today_counts(request.user, now),
            "later_minutes": LATER_MINUTES,
        }
    )
    return render(request, "visits/caller_task.html", context, status=status)


@region_safe
@capability_required(Capability.VISIT_CALL)
def call_task(request, pk):
    task = _held_task(request, pk)
    if task is None:
        return _not_held(request)
    return _task_page(request, task, OutcomeForm())


@region_safe
@capability_required(Capability.VISIT_CALL)
@require_POST
def call_record(request, pk):
    task = _held_task(request, pk)
    if task is None:
        return _not_held(request)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            visit = record_visit(task, actor=request.user, **form.visit_arguments())
        except VisitError as error:
            form.add_error(None, error)
        else:
            needs = len(form.visit_arguments()["needs"])
            values = {
                "name": task.person.name,
                "outcome": visit.get_outcome_display(),
                "count": needs,
            }
            if needs:
                text = (
                    ngettext(
                        "Recorded: %(name)s, %(outcome)s; %(count)s need reported.",
                        "Recorded: %(name)s, %(outcome)s; %(count)s needs reported.",
                        needs,
                    )
                    % values
                )
            else:
                text = _("Recorded: %(name)s, %(outcome)s.") % values
            messages.success(request, text)
            return redirect("visits:call_next")
    return _task_page(request, task, form)


@region_safe
@capability_required(Capability.VISIT_CALL)
@require_POST
def call_later(request, pk):
    task = _held_task(request, pk)
    if task is not None and put_off(task, actor=request.user):
        messages.info(
            request,
            _("%(name)s comes back to the queue in %(minutes)s minutes.")
            % {"name": task.person.name, "minutes": LATER_MINUTES},
        )
    return redirect("visits:call_next")


@region_safe
@capability_required(Capability.VISIT_CALL)
@require_POST
def call_give_back(request, pk):
    task = _held_task(request, pk)
    if task is not None:
        give_up(task, actor=request.user)
        messages.info(
            request,
            _("You gave back the call to %(name)s: another caller can take it.")
            % {"name": task.person.name},
        )
    return redirect("visits:call_pause")
