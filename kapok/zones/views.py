import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scope_of, scoped
from kapok.accounts.roles import Capability
from kapok.registry.reading import RosterFileError
from kapok.zones import actions
from kapok.zones.forms import ZoneFileForm, ZoneForm
from kapok.zones.importing import ZoneFileError, import_zones
from kapok.zones.models import RiskArea

MAX_UPLOAD = 5 * 1024 * 1024


@region_safe
@capability_required(Capability.PERSON_VIEW)
def zone_list(request):
    today = timezone.localdate()
    show = request.GET.get("show", "today")
    areas = scoped(RiskArea.objects.select_related("region__parent__parent"), request.user)
    if show == "today":
        areas = areas.in_force_on(today)
    page = Paginator(areas, 50).get_page(request.GET.get("page"))
    can_manage = request.user.can(Capability.ZONES_MANAGE)
    return render(
        request,
        "zones/zone_list.html",
        {
            "page": page,
            "show": show,
            "query": f"show={show}",
            "today": today,
            "can_manage": can_manage,
            "form": ZoneForm() if can_manage else None,
            "file_form": ZoneFileForm() if can_manage else None,
        },
    )


@region_safe
@capability_required(Capability.ZONES_MANAGE)
def zone_declare(request):
    form = ZoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = actions.declare_zone(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Declared: %(zone)s.") % {"zone": area})
            return redirect("zones:zone_list")
    return render(request, "zones/zone_form.html", {"form": form})


@region_safe
@capability_required(Capability.ZONES_MANAGE)
@require_POST
def zone_end(request, pk):
    area = get_scoped_or_404(request.user, RiskArea.objects.select_related("region"), pk=pk)
    try:
        actions.end_zone(actor=request.user, area=area)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ended: %(zone)s.") % {"zone": area})
    return redirect("zones:zone_list")


@region_safe
@capability_required(Capability.ZONES_MANAGE)
@require_POST
def zone_import(request):
    form = ZoneFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a zones file."))
        return redirect("zones:zone_list")
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        messages.error(request, _("The zones file is larger than 5 MB."))
        return redirect("zones:zone_list")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        with open(path, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            result = _import_in_scope(request.user, path, upload.name)
        except (ZoneFileError, RosterFileError, PermissionDenied) as error:
            messages.error(request, str(error))
            return redirect("zones:zone_list")
    messages.success(
        request,
        _("Zones: %(created)s declared, %(updated)s updated, %(unchanged)s unchanged.")
        % result.as_dict(),
    )
    for row, reason in result.errors:
        messages.error(request, _("Row %(row)s: %(reason)s") % {"row": row, "reason": reason})
    return redirect("zones:zone_list")


def _import_in_scope(user, path, filename):
    """Rows for places outside the user's region are refused, row by row, with the reason."""
    scope = scope_of(user)
    return import_zones(
        path, filename=filename, actor=user, allowed=lambda region: scope.covers(region.code)
    )
