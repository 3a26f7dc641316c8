"""Home and video visits, for community workers (VISIT_HOME): the home-visit tasks of their area
— the people nobody reached by phone — today's first, then the overdue ones; each recorded with
the one outcome form (kapok.visits.forms), with the gas-safety check and photos. A visit made
without a task is recorded from the person.

    /visits/home/                       the area's open home-visit tasks; find a person
    /visits/home/<pk>/                  record the visit of a task (record_visit)
    /visits/home/person/<pk>/new/       record a visit without a task (record_free_visit)
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.registry.models import Person
from kapok.registry.search import search_condition
from kapok.visits.calling import VisitError, attach_photos, record_free_visit, record_visit
from kapok.visits.forms import OutcomeForm
from kapok.visits.models import CallTask, Channel, Visit
from kapok.visits.person_panel import person_panel
from kapok.zones.models import local_day_bounds

OPEN = (CallTask.Status.OPEN, CallTask.Status.CLAIMED)
FOUND_PEOPLE = 10


@region_safe
@capability_required(Capability.VISIT_HOME)
def home_list(request):
    today = timezone.localdate()
    tasks = (
        scoped(
            CallTask.objects.filter(kind=CallTask.Kind.HOME, status__in=OPEN, day__lte=today),
            request.user,
        )
        .select_related("person__residence_region", "origin")
        .annotate(
            overdue=Case(
                When(day=today, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("overdue", "day", "id")
    )
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    start, end = local_day_bounds(today)
    recorded = scoped(
        Visit.objects.filter(
            channel__in=(Channel.HOME, Channel.VIDEO), made_at__gte=start, made_at__lt=end
        ),
        request.user,
    ).count()
    query = (request.GET.get("q") or "").strip()
    found = []
    if query:
        found = list(
            scoped(Person.objects.unmerged(), request.user)
            .filter(search_condition(query))
            .select_related("residence_region")
            .order_by("name", "id")[:FOUND_PEOPLE]
        )
    return render(
        request,
        "visits/home_list.html",
        {
            "page": page,
            "today": today,
            "recorded": recorded,
            "q": query,
            "found": found,
            "query": "",
        },
    )


def _visit_page(request, person, form, *, task=None, open_task=None):
    log_action(
        "registry.person.viewed",
        actor=request.user,
        obj=person,
        data={"task": task.pk if task else None, "page": "home_visit"},
    )
    context = person_panel(person, user=request.user, day=timezone.localdate(), may_dial=True)
    context.update({"task": task, "open_task": open_task, "form": form})
    return render(request, "visits/home_visit.html", context)


def _recorded(request, visit: Visit, photos: int):
    messages.success(
        request,
        _(
            "Recorded: %(name)s, %(channel)s, %(outcome)s; needs reported: %(needs)s, "
            "photos: %(photos)s."
        )
        % {
            "name": visit.person.name,
            "channel": visit.get_channel_display(),
            "outcome": visit.get_outcome_display(),
            "needs": visit.needs.count(),
            "photos": photos,
        },
    )
    return redirect("visits:home_list")


@region_safe
@capability_required(Capability.VISIT_HOME)
def home_task(request, pk):
    task = get_scoped_or_404(
        request.user,
        CallTask.objects.filter(kind=CallTask.Kind.HOME).select_related("person__residence_region"),
        pk=pk,
    )
    if task.status not in OPEN:
        messages.info(request, _("This home visit is already recorded."))
        return redirect("visits:home_list")
    form = OutcomeForm(request.POST or None, request.FILES or None, at_home=True)
    if request.method == "POST" and form.is_valid():
        photos = form.photos_to_store()
        try:
            with transaction.atomic():
                visit = record_visit(task, actor=request.user, **form.visit_arguments())
                attach_photos(visit, photos, actor=request.user)
        except VisitError as error:
            form.add_error(None, error)
        else:
            return _recorded(request, visit, len(photos))
    return _visit_page(request, task.person, form, task=task)


@region_safe
@capability_required(Capability.VISIT_HOME)
def home_person_new(request, pk):
    person = get_scoped_or_404(
        request.user, Person.objects.unmerged().select_related("residence_region"), pk=pk
    )
    form = OutcomeForm(request.POST or None, request.FILES or None, at_home=True)
    if request.method == "POST" and form.is_valid():
        photos = form.photos_to_store()
        try:
            visit = record_free_visit(
                person, actor=request.user, photos=photos, **form.visit_arguments()
            )
        except VisitError as error:
            form.add_error(None, error)
        else:
            return _recorded(request, visit, len(photos))
    open_task = (
        scoped(CallTask.objects.filter(person=person, kind=CallTask.Kind.HOME), request.user)
        .filter(status__in=OPEN, day__lte=timezone.localdate())
        .order_by("day")
        .first()
    )
    return _visit_page(request, person, form, open_task=open_task)
