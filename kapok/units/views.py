from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
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
        {"page": page, "query": query, "kind": kind, "kinds": Unit.Kind.choices},
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
        {"unit": unit, "children": children, "members": members},
    )
