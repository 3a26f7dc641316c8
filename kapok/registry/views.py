import hashlib
import itertools
import uuid
from functools import partial
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scope_of, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_phone, mask_value
from kapok.needs.models import OPEN_STATUSES, Need
from kapok.regions.models import Region, prefix_range
from kapok.registry import actions
from kapok.registry.columns import ColumnError, recognise
from kapok.registry.exports import write_rejects_xlsx
from kapok.registry.forms import (
    FiguresForm,
    PeopleFilterForm,
    PersonForm,
    RevealForm,
    RosterColumnsForm,
    RosterUploadForm,
)
from kapok.registry.importing import masked_cells
from kapok.registry.models import Category, Person, PersonMerge, RosterImport
from kapok.registry.reading import RosterFileError, open_roster
from kapok.registry.search import search_condition
from kapok.registry.statistics import (
    age_band_condition,
    category_figures,
    counted_people,
    empty_figures,
    figures_by_area,
    holding_category,
)
from kapok.registry.tasks import run_roster_import, stored_file
from kapok.visits.models import Visit
from kapok.zones.models import RiskArea, people_in_zones

PREVIEW_ROWS = 5
PERSON_VISITS = 20  # the visits shown on a person's page, the latest first


@region_safe
@capability_required(Capability.PERSON_VIEW)
def person_list(request):
    """The people of the user's region counted on a day (today unless ``as_of``), narrowed by
    the filters. A figure on the figures page links here with its region, category, zone, age
    band and day, and the list then holds exactly the people the figure counts."""
    today = timezone.localdate()
    people = scoped(Person.objects.unmerged().select_related("residence_region"), request.user)
    form = PeopleFilterForm(request.GET or None)
    data = {}
    if form.is_bound:
        form.is_valid()  # the filters that are valid apply; an invalid one shows its error
        data = form.cleaned_data
    day = data.get("as_of") or today
    category = data.get("category")
    if data.get("everyone"):
        if category:
            people = holding_category(people, day, category)
    else:
        people = counted_people(people, day, category)
    people = people.filter(search_condition(data.get("q") or ""))
    if data.get("zone") == "in":
        people = people_in_zones(people, day)
    if data.get("age"):
        people = people.filter(age_band_condition(data["age"], day))
    if data.get("region"):
        people = people.filter(prefix_range("residence_region__code", data["region"].prefix))
    page = Paginator(people.order_by("residence_region_id", "name", "id"), 50).get_page(
        request.GET.get("page")
    )
    for person in page:
        person.age = person.age_on(day)
    query = request.GET.copy()
    query.pop("page", None)
    everyone = request.GET.copy()
    everyone.pop("page", None)
    everyone["everyone"] = "on"
    return render(
        request,
        "registry/person_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "day": day,
            "today": today,
            "everyone_query": everyone.urlencode(),
        },
    )


@region_safe
@capability_required(Capability.PERSON_VIEW)
def person_detail(request, pk, revealed=None):
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
    merges = PersonMerge.objects.filter(kept=person, undone_at__isnull=True).select_related(
        "merged"
    )
    visits = (
        scoped(Visit.objects.filter(person=person), request.user)
        .select_related("made_by", "team")
        .prefetch_related("needs")
        .order_by("-made_at", "-id")[:PERSON_VISITS]
    )
    open_needs = scoped(
        Need.objects.filter(person=person, status__in=OPEN_STATUSES), request.user
    ).order_by("-created_at")
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
            "merges": merges,
            "visits": visits,
            "open_needs": open_needs,
            "masked_phones": [mask_phone(phone) for phone in person.phones],
            "revealed": revealed,
            "can_reveal": request.user.can(Capability.PERSON_UNMASK),
            "reveal_form": RevealForm(),
            "can_edit": request.user.can(Capability.PERSON_EDIT),
        },
    )


@region_safe
@capability_required(Capability.PERSON_VIEW)
def figures(request):
    """Deduplicated figures by category for the areas one level below a region: the districts
    of the city, the streets of a district, the communities of a street."""
    scope = scope_of(request.user)
    form = FiguresForm(request.GET or None, initial={"as_of": timezone.localdate()})
    data = {}
    if form.is_bound:
        form.is_valid()  # the choices that are valid apply; an invalid one shows its error
        data = form.cleaned_data
    day = data.get("as_of") or timezone.localdate()
    zones = data.get("zones", False)
    age = data.get("age") or ""
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
    if age:
        people = people.filter(age_band_condition(age, day))
    level = region.level + 1
    by_area = figures_by_area(people, day, level)
    total = category_figures(people, day)
    categories = list(Category.objects.filter(is_active=True))
    # What every link to the people list carries besides the area and the category, so that
    # the list holds exactly the people a figure counts (statistics.counted_people).
    link_filters = {"as_of": day.isoformat()}
    # And what the links within this page (drilling down, the breadcrumb) carry.
    page_filters = {"as_of": day.isoformat()}
    if zones:
        link_filters["zone"] = "in"
        page_filters["zones"] = "on"
    if age:
        link_filters["age"] = page_filters["age"] = age
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
            "age": age,
            "link_filters": urlencode(link_filters),
            "page_filters": urlencode(page_filters),
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
        {"import": roster_import, "rejected": rejected, "active": _is_active(roster_import)},
    )


def _is_active(roster_import: RosterImport) -> bool:
    return roster_import.status in (RosterImport.Status.PENDING, RosterImport.Status.RUNNING)


@region_safe
@capability_required(Capability.ROSTER_IMPORT)
def import_new(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        roster_import = _upload_roster(
            actor=request.user,
            upload=data["file"],
            category=data["category"],
            sheet=data["sheet"].strip(),
            source=data["source"].strip(),
        )
        return redirect("registry:import_preview", pk=roster_import.pk)
    return render(request, "registry/import_new.html", {"form": form})


def _upload_roster(*, actor, upload, category, sheet: str, source: str) -> RosterImport:
    """Keep an uploaded roster, waiting for its columns to be checked. It is stored under a
    name of its own: the department's file name can be long, and can name people."""
    file_name = PurePath(upload.name).name
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    upload.name = uuid.uuid4().hex + PurePath(file_name).suffix.lower()
    with transaction.atomic():
        roster_import = RosterImport.objects.create(
            category=category,
            file_name=file_name,
            file_sha256=digest.hexdigest(),
            file=upload,
            sheet=sheet,
            source=source or file_name,
            status=RosterImport.Status.PENDING,
            started_by=actor,
            unit=actor.unit,
        )
        log_action(
            "registry.roster.uploaded",
            actor=actor,
            obj=roster_import,
            data={"file": file_name, "category": category.code, "bytes": upload.size},
        )
    return roster_import


def _fail_import(roster_import: RosterImport, message: str) -> None:
    roster_import.status = RosterImport.Status.FAILED
    roster_import.error = message
    roster_import.finished_at = timezone.now()  # when its file's retention starts
    roster_import.save(update_fields=["status", "error", "finished_at"])


def _read_preview(roster_import: RosterImport, sheet: str | None) -> dict:
    """What the preview shows of the stored roster: its sheets, header row, columns, and the
    first rows masked. Raises RosterFileError."""
    with (
        stored_file(roster_import.file) as path,
        open_roster(path, filename=roster_import.file_name, sheet=sheet) as roster,
    ):
        rows = [
            (number, mask_value(cells))
            for number, cells in itertools.islice(roster.rows(), PREVIEW_ROWS)
        ]
        return {
            "sheet_names": roster.sheet_names,
            "sheet": roster.sheet,
            "header_row_number": roster.header_row_number,
            "columns": roster.columns,
            "rows": rows,
        }


def _sheet_names(roster_import: RosterImport) -> list[str]:
    """The workbook's sheets, when the chosen one could not be read: to choose another."""
    try:
        return _read_preview(roster_import, None)["sheet_names"]
    except RosterFileError:
        return []


@region_safe
@capability_required(Capability.ROSTER_IMPORT)
def import_preview(request, pk):
    """The columns Kapok recognised in an uploaded roster, to correct; then start the import."""
    roster_import = _import(request, pk)
    if roster_import.status in (RosterImport.Status.RUNNING, RosterImport.Status.DONE):
        return redirect("registry:import_detail", pk=roster_import.pk)
    source = request.POST if request.method == "POST" else request.GET
    sheet = (source.get("sheet") or roster_import.sheet or "").strip() or None
    try:
        preview = _read_preview(roster_import, sheet)
    except RosterFileError as error:
        _fail_import(roster_import, error.message)
        if request.method == "POST":
            return redirect("registry:import_detail", pk=roster_import.pk)
        return render(
            request,
            "registry/import_preview.html",
            {
                "import": roster_import,
                "error": error.message,
                "sheet_names": _sheet_names(roster_import) if sheet else [],
                "sheet": sheet,
            },
        )
    column_map = recognise(preview["columns"])
    form = RosterColumnsForm(request.POST or None, column_map=column_map)
    if request.method == "POST" and form.is_valid():
        overrides = form.overrides()
        try:
            chosen = recognise(preview["columns"], overrides)
        except ColumnError as error:
            form.add_error(None, error.message)
        else:
            _start_roster_import(
                actor=request.user,
                roster_import=roster_import,
                sheet=preview["sheet"] or "",
                headers=preview["columns"],
                column_map=chosen.as_dict(),
                overrides=overrides,
            )
            return redirect("registry:import_detail", pk=roster_import.pk)
    error = None
    if "name" not in column_map and request.method == "GET":
        error = _(
            "Kapok found no column holding the names (姓名, 成员姓名, 儿童姓名 …). Choose it "
            "below, or check that this is the right sheet."
        )
        _fail_import(roster_import, error)
    unused = [
        *column_map.unrecognised,
        *(column_map.headers[c.ignored] for c in column_map.conflicts),
    ]
    return render(
        request,
        "registry/import_preview.html",
        {
            "import": roster_import,
            "error": error,
            "form": form,
            "unused": unused,
            **preview,
        },
    )


def _start_roster_import(
    *, actor, roster_import: RosterImport, sheet: str, headers, column_map, overrides
) -> None:
    """Keep the column corrections and queue the import."""
    with transaction.atomic():
        roster_import.sheet = sheet
        roster_import.headers = headers
        roster_import.column_map = column_map
        roster_import.overrides = overrides
        roster_import.status = RosterImport.Status.PENDING
        roster_import.error = ""
        roster_import.save(
            update_fields=["sheet", "headers", "column_map", "overrides", "status", "error"]
        )
        log_action(
            "registry.roster.import_started",
            actor=actor,
            obj=roster_import,
            data={"sheet": sheet, "overrides": overrides},
        )
        transaction.on_commit(partial(run_roster_import.enqueue, roster_import.pk))


@region_safe
@capability_required(Capability.ROSTER_IMPORT)
@require_POST
def import_retry(request, pk):
    roster_import = _import(request, pk)
    with transaction.atomic():
        retried = RosterImport.objects.filter(
            pk=roster_import.pk, status=RosterImport.Status.FAILED
        ).update(status=RosterImport.Status.PENDING, error="")
        if retried and roster_import.file:
            log_action("registry.roster.import_retried", actor=request.user, obj=roster_import)
            transaction.on_commit(partial(run_roster_import.enqueue, roster_import.pk))
        else:
            transaction.set_rollback(True)
    if not retried:
        messages.error(request, _("Only a failed import can be retried."))
    elif not roster_import.file:
        messages.error(request, _("The uploaded file is no longer kept; upload the roster again."))
    return redirect("registry:import_detail", pk=roster_import.pk)


@region_safe
@capability_required(Capability.ROSTER_IMPORT)
def import_progress(request, pk):
    """The progress bar, polled by the import's page; once the import has ended, htmx is told
    to reload the page, which then shows the result."""
    roster_import = _import(request, pk)
    active = _is_active(roster_import)
    response = render(
        request,
        "registry/includes/import_progress.html",
        {"import": roster_import, "active": active},
    )
    if not active:
        response["HX-Refresh"] = "true"
    return response


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


@region_safe
@capability_required(Capability.PERSON_EDIT)
def person_edit(request, pk):
    person = get_scoped_or_404(
        request.user, Person.objects.select_related("residence_region"), pk=pk
    )
    initial = {
        "phones": " ".join(person.phones),
        "residence_region": person.residence_region,
        "compound": person.compound,
        "address": person.address,
        "status": person.status,
        "notes": person.notes,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["phones"] = values["phones"].split() if values["phones"] else []
        try:
            actions.update_person(actor=request.user, person=person, **values)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"person": person, "form": form})


@region_safe
@capability_required(Capability.PERSON_UNMASK)
@require_POST
def person_reveal(request, pk):
    person = get_scoped_or_404(request.user, Person.objects.all(), pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need the full numbers."))
        return redirect("registry:person_detail", pk=person.pk)
    try:
        revealed = actions.reveal_personal_data(
            actor=request.user, person=person, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("registry:person_detail", pk=person.pk)
    response = person_detail(request, pk, revealed=revealed)
    response["Cache-Control"] = "no-store"
    return response
