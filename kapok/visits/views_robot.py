"""Pages of the robot-call integration: vendors and their secrets, the day's batches (with the
CSV download and retries), the review queue of readings a human checks, and emergency alerts.

Vendors and batches serve the whole city: city-level team leaders only (closed to region-limited
accounts). The review queue and the alerts are of people, read through the region policy, open
to callers and leaders of any level.
"""

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_phone
from kapok.needs.kinds import NeedKind, Urgency
from kapok.visits.models import CallTask, RobotAlert, RobotBatch, RobotResult, RobotVendor, Team
from kapok.visits.robot.alerts import acknowledge_alert, open_alerts
from kapok.visits.robot.batches import (
    BatchError,
    batch_csv,
    prepare_batch,
    retry_batch,
    takes_posts,
)
from kapok.visits.robot.forms import ReviewForm, VendorForm
from kapok.visits.robot.results import may_review, review_queue, review_result
from kapok.visits.robot.vendors import (
    VendorError,
    create_vendor,
    new_vendor_secret,
    set_vendor_active,
)


def reviewer_required(view):
    """Callers and team leaders read robot transcripts."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_review(request.user):
            raise PermissionDenied(_("Your roles do not allow this."))
        return view(request, *args, **kwargs)

    return wrapped


def _alerts(user) -> list[RobotAlert]:
    return list(open_alerts(user)[:20])


def _needs_shown(reading: dict) -> list[tuple[str, str]]:
    """The needs of a reading as (kind, urgency) labels."""
    shown = []
    for need in reading.get("needs") or ():
        kind, urgency = need.get("kind"), need.get("urgency")
        shown.append(
            (
                NeedKind(kind).label if kind in NeedKind.values else kind,
                Urgency(urgency).label if urgency in Urgency.values else urgency,
            )
        )
    return shown


# ---------------------------------------------------------------------------------------------
# Vendors
# ---------------------------------------------------------------------------------------------


@capability_required(Capability.TEAM_LEAD)
def robot_vendors(request):
    vendors = RobotVendor.objects.annotate(team_count=Count("teams"))
    return render(
        request,
        "visits/robot_vendors.html",
        {"vendors": vendors, "form": VendorForm(), "alerts": _alerts(request.user)},
    )


@never_cache
@capability_required(Capability.TEAM_LEAD)
def robot_vendor_new(request):
    form = VendorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vendor, secret = create_vendor(actor=request.user, **form.cleaned_data)
        except VendorError as error:
            form.add_error(None, error)
        else:
            # Shown once, on this response only: it is stored encrypted and never shown again.
            return render(request, "visits/robot_secret.html", {"vendor": vendor, "secret": secret})
    return render(request, "visits/robot_vendor_new.html", {"form": form})


@never_cache
@capability_required(Capability.TEAM_LEAD)
@require_POST
def robot_vendor_secret(request, pk):
    vendor = get_object_or_404(RobotVendor, pk=pk)
    secret = new_vendor_secret(vendor, actor=request.user)
    return render(
        request, "visits/robot_secret.html", {"vendor": vendor, "secret": secret, "new": True}
    )


@capability_required(Capability.TEAM_LEAD)
@require_POST
def robot_vendor_active(request, pk):
    vendor = get_object_or_404(RobotVendor, pk=pk)
    set_vendor_active(vendor, actor=request.user, active=request.POST.get("active") == "1")
    return redirect("visits:robot_vendors")


# ---------------------------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------------------------


def _day(request) -> dt.date:
    return parse_date(request.GET.get("day") or "") or timezone.localdate()


@capability_required(Capability.TEAM_LEAD)
def robot_batches(request):
    day = _day(request)
    batches = (
        RobotBatch.objects.filter(day=day)
        .select_related("vendor", "prepared_by")
        .annotate(task_count=Count("tasks"))
    )
    robot_tasks = CallTask.objects.filter(day=day, team__kind=Team.Kind.ROBOT)
    by_vendor = {
        row["team__vendor"]: row
        for row in robot_tasks.values("team__vendor").annotate(
            total=Count("pk"),
            waiting=Count("pk", filter=Q(status=CallTask.Status.OPEN)),
            out=Count("pk", filter=Q(status=CallTask.Status.CLAIMED)),
            done=Count("pk", filter=Q(status=CallTask.Status.DONE)),
            unreached=Count("pk", filter=Q(status=CallTask.Status.UNREACHED)),
        )
    }
    vendors = [
        (vendor, by_vendor.get(vendor.pk, {}), takes_posts(vendor))
        for vendor in RobotVendor.objects.filter(is_active=True)
    ]
    return render(
        request,
        "visits/robot_batches.html",
        {
            "day": day,
            "today": timezone.localdate(),
            "batches": batches,
            "vendors": vendors,
            "to_review": RobotResult.objects.filter(review=RobotResult.Review.PENDING).count(),
            "alerts": _alerts(request.user),
        },
    )


@capability_required(Capability.TEAM_LEAD)
@require_POST
def robot_batch_prepare(request):
    chosen = request.POST.get("vendor", "")
    vendor = get_object_or_404(RobotVendor, pk=int(chosen) if chosen.isdigit() else 0)
    try:
        batch = prepare_batch(vendor, actor=request.user)
    except BatchError as error:
        messages.error(request, error.message)
    else:
        if batch is None:
            messages.info(request, _("No robot task of this vendor is due now."))
        elif takes_posts(vendor):
            messages.success(
                request,
                _("%(count)d tasks are being sent to %(vendor)s.")
                % {"count": batch.tasks.count(), "vendor": vendor},
            )
        else:
            messages.success(
                request,
                _("%(count)d tasks are ready: download the CSV file for %(vendor)s.")
                % {"count": batch.tasks.count(), "vendor": vendor},
            )
    return redirect("visits:robot_batches")


@capability_required(Capability.TEAM_LEAD)
@require_POST
def robot_batch_retry(request, pk):
    batch = get_object_or_404(RobotBatch, pk=pk)
    if retry_batch(batch, actor=request.user):
        messages.success(request, _("The batch is being sent again."))
    else:
        messages.error(request, _("Only a failed batch can be sent again."))
    return redirect(f"{reverse('visits:robot_batches')}?day={batch.day.isoformat()}")


@capability_required(Capability.TEAM_LEAD)
def robot_batch_csv(request, pk):
    batch = get_object_or_404(RobotBatch.objects.select_related("vendor"), pk=pk)
    text = batch_csv(batch, actor=request.user)
    response = HttpResponse(
        "\ufeff" + text,  # a byte-order mark, so that Excel reads UTF-8
        content_type="text/csv; charset=utf-8",
    )
    filename = f"robot-{batch.vendor.code}-{batch.day.isoformat()}-{batch.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Review queue
# ---------------------------------------------------------------------------------------------


@region_safe
@reviewer_required
def robot_review_list(request):
    results = list(review_queue(request.user)[:200])
    for result in results:
        result.needs_shown = _needs_shown(result.reading or {})
    return render(
        request,
        "visits/robot_review_list.html",
        {
            "results": results,
            "alerts": _alerts(request.user),
            "perms_lead": request.user.can(Capability.TEAM_LEAD),
        },
    )


@region_safe
@reviewer_required
def robot_review_detail(request, pk):
    result = get_scoped_or_404(
        request.user,
        RobotResult.objects.select_related(
            "task__person__residence_region", "vendor", "reviewed_by", "visit"
        ),
        pk=pk,
    )
    person = result.task.person
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                review_result(
                    result,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    has_difficulty=form.cleaned_data["has_difficulty"],
                    needs=form.needs_found(),
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The visit is recorded."))
                return redirect("visits:robot_review_list")
    else:
        form = ReviewForm.from_reading(result.reading or {})
        log_action("visits.robot_result.viewed", actor=request.user, obj=result)
    return render(
        request,
        "visits/robot_review_detail.html",
        {
            "result": result,
            "person": person,
            "phones": [mask_phone(phone) for phone in person.phones],
            "reading": result.reading or {},
            "needs_shown": _needs_shown(result.reading or {}),
            "form": form,
        },
    )


# ---------------------------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------------------------


@region_safe
@capability_required(Capability.TEAM_LEAD)
def robot_alerts(request):
    recent = (
        scoped(RobotAlert.objects.filter(acknowledged_at__isnull=False), request.user)
        .select_related("person", "team", "acknowledged_by", "callback")
        .order_by("-acknowledged_at")[:20]
    )
    return render(
        request,
        "visits/robot_alerts.html",
        {"alerts": _alerts(request.user), "recent": recent},
    )


@region_safe
@capability_required(Capability.TEAM_LEAD)
@require_POST
def robot_alert_ack(request, pk):
    alert = get_scoped_or_404(request.user, RobotAlert.objects.all(), pk=pk)
    acknowledge_alert(alert, actor=request.user)
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("visits:robot_alerts")
