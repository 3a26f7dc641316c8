import datetime as dt

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scope_of, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.regions.models import Region, prefix_range
from kapok.registry.exports import write_rejects_xlsx
from kapok.registry.forms import AGE_BANDS, FiguresForm, PeopleFilterForm
from kapok.registry.importing import masked_cells
from kapok.registry.models import Category, Person, RosterImport
from kapok.registry.search import search_condition
from kapok.registry.statistics import (
    category_figures,
    current_memberships,
    empty_figures,
    figures_by_area,
)
from kapok.zones.models import RiskArea, people_in_zones


def _born_between(today: dt.date, youngest: int, oldest: int) -> dict:
    """Birth dates of people aged youngest..oldest today."""
    latest = today.replace(year=today.year - youngest)
    earliest = today.replace(year=today.year - oldest - 1) + dt.timedelta(days=1)
    return {"birth_date__gte": earliest, "birth_date__lte": latest}


@region_safe
@capability_required(Capability.PERSON_VIEW)
def person_list(request):
    today = timezone.localdate()
    people = scoped(Person.objects.unmerged().select_related("residence_region"), request.user)
    form = PeopleFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        people = people.filter(search_condition(data["q"]))
        if data["category"]:
            people = people.filter(
                pk__in=current_memberships(today).filter(category=data["category"]).values("person")
            )
        if data["zone"] == "in":
            people = people_in_zones(people, today)
        if data["age"]:
            people = people.filter(**_born_between(today, *AGE_BANDS[data["age"]]))
        if data["region"]:
            people = people.filter(prefix_range("residence_region__code", data["region"].prefix))
    page = Paginator(people.order_by("residence_region_id", "name", "id"), 50).get_page(
        request.GET.get("page")
    )
    for person in page:
        person.age = person.age_on(today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/person_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "today": today},
    )


@region_safe
@capability_required(Capability.PERSON_VIEW)
def person_detail(request, pk):
    today = timezone.localdate()
    person = get_scoped_or_404(
        request.user, Person.objects.select_related("residence_region", "hukou_region"), pk=pk
    )
    log_action("registry.person.viewed", actor=request.user, obj=person)
    memberships = person.memberships.select_related("category").order_by(
        "category__position", "-started_on"
    )
    households = person.household_links.select_related("household__category", "household__head")
    zones = RiskArea.objects.in_force_on(today).filter(region=person.residence_region_id)
    in_zone = people_in_zones(Person.objects.filter(pk=person.pk), today).exists()
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "households": households,
            "zones": zones,
            "in_zone": in_zone,
            "age": person.age_on(today),
        },
    )


@region_safe
@capability_required(Capability.PERSON_VIEW)
def figures(request):
    """Deduplicated figures by category for the areas one level below a region: the districts
    of the city, the streets of a district, the communities of a street."""
    scope = scope_of(request.user)
    form = FiguresForm(request.GET or None, initial={"as_of": timezone.localdate()})
    data = form.cleaned_data if form.is_valid() else {}
    day = data.get("as_of") or timezone.localdate()
    zones = data.get("zones", False)
    region = data.get("region") or _scope_region(request.user)
    if region is None or (not scope.covers(region.code) and scope.restricted):
        raise Http404
    if region.level >= Region.Level.COMMUNITY:
        region = region.parent
    people = scoped(Person.objects.all(), request.user).filter(
        prefix_range("residence_region__code", region.prefix)
    )
    if zones:
        people = people_in_zones(people, day)
    level = region.level + 1
    by_area = figures_by_area(people, day, level)
    total = category_figures(people, day)
    categories = list(Category.objects.filter(is_active=True))
    rows = []
    for area in Region.objects.filter(parent=region).order_by("code"):
        figure = by_area.get(area.prefix) or empty_figures(categories)
        cells = [(category.code, figure["by_category"][category.code]) for category in categories]
        rows.append((area, figure["people"], cells))
    return render(
        request,
        "registry/figures.html",
        {
            "form": form,
            "region": region,
            "trail": _trail(region, request.user),
            "rows": rows,
            "total": total,
            "categories": categories,
            "day": day,
            "zones": zones,
            "drill": level < Region.Level.COMMUNITY,
        },
    )


def _scope_region(user) -> Region | None:
    unit = user.unit
    if unit is None:
        return Region.objects.filter(level=Region.Level.CITY).first()
    return unit.region if unit.region.level >= Region.Level.CITY else None


def _trail(region: Region, user) -> list[Region]:
    """The regions from the user's own down to this one, for the breadcrumb."""
    trail = []
    scope = scope_of(user)
    node = region
    while node is not None and node.level >= Region.Level.CITY:
        if scope.restricted and not scope.covers(node.code):
            break
        trail.append(node)
        node = node.parent
    return list(reversed(trail))


@region_safe
@capability_required(Capability.ROSTER_IMPORT)
def import_list(request):
    imports = scoped(RosterImport.objects.select_related("category", "started_by"), request.user)
    page = Paginator(imports, 30).get_page(request.GET.get("page"))
    return render(request, "registry/import_list.html", {"page": page, "query": ""})


def _import(request, pk) -> RosterImport:
    return get_scoped_or_404(
        request.user, RosterImport.objects.select_related("category", "started_by"), pk=pk
    )


@region_safe
@capability_required(Capability.ROSTER_IMPORT)
def import_detail(request, pk):
    roster_import = _import(request, pk)
    rejected = list(roster_import.rejected_rows.all()[:200])
    for row in rejected:
        row.cells = masked_cells(row)
    return render(
        request,
        "registry/import_detail.html",
        {"import": roster_import, "rejected": rejected},
    )


@region_safe
@capability_required(Capability.ROSTER_IMPORT)
def import_rejects(request, pk):
    roster_import = _import(request, pk)
    log_action(
        "registry.roster.rejects_downloaded",
        actor=request.user,
        obj=roster_import,
        data={"rows": roster_import.rejected_rows.count()},
    )
    stem = roster_import.file_name.rsplit(".", 1)[0]
    return FileResponse(
        write_rejects_xlsx(roster_import),
        as_attachment=True,
        filename=f"{stem}-待更正.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
