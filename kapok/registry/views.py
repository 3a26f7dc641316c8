import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.registry.forms import AGE_BANDS, PeopleFilterForm
from kapok.registry.models import Person
from kapok.registry.search import search_condition
from kapok.registry.statistics import current_memberships
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
    people = scoped(Person.objects.select_related("residence_region"), request.user)
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
