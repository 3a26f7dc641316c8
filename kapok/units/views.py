from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.units import actions
from kapok.units.forms import UnitForm
from kapok.units.models import Unit


@region_safe
@capability_required(Capability.UNITS_VIEW)
def unit_list(request):
    units = scoped(Unit.objects.active().select_related("region"), request.user)
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if query:
        units = units.filter(Q(name__icontains=query) | Q(region__full_name__icontains=query))
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    units = units.annotate(staff=Count("members", filter=Q(members__is_active=True))).order_by(
        "region_id", "kind", "name"
    )
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "units/unit_list.html",
        {
            "page": page,
            "query": query,
            "kind": kind,
            "kinds": Unit.Kind.choices,
            "can_manage": request.user.can(Capability.UNITS_MANAGE),
        },
    )


@region_safe
@capability_required(Capability.UNITS_VIEW)
def unit_detail(request, pk):
    unit = get_scoped_or_404(request.user, Unit.objects.select_related("region", "parent"), pk=pk)
    children = scoped(unit.children.active().select_related("region"), request.user)
    members = unit.members.filter(is_active=True).prefetch_related("role_grants")
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "children": children,
            "members": members,
            "can_manage": request.user.can(Capability.UNITS_MANAGE),
        },
    )


def _save(request, form, unit=None):
    try:
        if unit is None:
            return actions.create_unit(actor=request.user, **form.cleaned_data)
        return actions.update_unit(actor=request.user, unit=unit, **form.cleaned_data)
    except (actions.UnitError, PermissionDenied) as error:
        form.add_error(None, str(error))
        return None


@region_safe
@capability_required(Capability.UNITS_MANAGE)
def unit_create(request):
    form = UnitForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        unit = _save(request, form)
        if unit is not None:
            messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
            return redirect("units:unit_detail", pk=unit.pk)
    return render(request, "units/unit_form.html", {"form": form})


@region_safe
@capability_required(Capability.UNITS_MANAGE)
def unit_edit(request, pk):
    unit = get_scoped_or_404(request.user, Unit.objects.select_related("region", "parent"), pk=pk)
    initial = {
        "name": unit.name,
        "kind": unit.kind,
        "region": unit.region,
        "parent": unit.parent,
        "phone": unit.phone,
    }
    form = UnitForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, unit) is not None:
        messages.success(request, _("Saved."))
        return redirect("units:unit_detail", pk=unit.pk)
    return render(request, "units/unit_form.html", {"form": form, "unit": unit})
