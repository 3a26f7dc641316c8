import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kapok.regions.lookup import find_region
from kapok.registry.models import Category, Household, HouseholdMember, Membership, Person
from kapok.zones.models import RiskArea

pytestmark = pytest.mark.django_db


def person(name, place, *codes):
    someone = Person.objects.create(name=name, residence_region=find_region(place))
    for code in codes:
        Membership.objects.create(person=someone, category=Category.objects.get(code=code))
    return someone


@pytest.fixture
def registry(db):
    a = person("甲", "白云区松洲街螺涌", "DIBAO", "TEKUN")
    b = person("乙", "白云区松洲街螺涌", "DIBAO")
    person("丁", "荔湾区沙面街翠洲社区", "TEKUN")
    household = Household.objects.create(category=Category.objects.get(code="DIBAO"), key="H1")
    for member in (a, b):
        HouseholdMember.objects.create(household=household, person=member)
    RiskArea.objects.create(
        region=find_region("荔湾区沙面街翠洲社区"),
        level=RiskArea.Level.LOCKDOWN,
        starts_at=timezone.now() - dt.timedelta(days=1),
    )


def rows(response):
    return {area.name: (people, dict(cells)) for area, people, cells in response.context["rows"]}


def test_the_city_sees_every_district_with_deduplicated_figures(personas, login, registry):
    response = login(personas.city).get(reverse("registry:figures"))
    table = rows(response)
    assert len(table) == 11
    people, cells = table["白云区"]
    assert people == 2
    assert cells["DIBAO"] == {"people": 2, "households": 1}
    assert cells["TEKUN"] == {"people": 1}
    assert table["荔湾区"][0] == 1
    assert response.context["total"]["people"] == 3
    assert response.context["total"]["memberships"] == 4
    link = f"{reverse('registry:person_list')}?region=440111000000&category=DIBAO"
    assert link in response.content.decode()


def test_a_district_drills_down_to_its_streets_and_communities(personas, login, registry):
    client = login(personas.district)
    response = client.get(reverse("registry:figures"))
    assert response.context["region"].name == "白云区"
    assert rows(response)["松洲街道"][0] == 2
    response = client.get(reverse("registry:figures"), {"region": "440111003000"})
    assert rows(response)["螺涌社区居委会"][0] == 2


def test_only_people_inside_zones_when_asked(personas, login, registry):
    response = login(personas.city).get(reverse("registry:figures"), {"zones": "on"})
    assert response.context["total"]["people"] == 1
    assert rows(response)["荔湾区"][0] == 1


def test_another_district_cannot_be_drilled_into(personas, login, registry):
    response = login(personas.outsider).get(reverse("registry:figures"), {"region": "440111000000"})
    assert response.status_code == 404


def test_the_list_follows_a_figures_link(personas, login, registry):
    response = login(personas.city).get(
        reverse("registry:person_list"), {"region": "440111000000", "category": "DIBAO"}
    )
    assert {p.name for p in response.context["page"]} == {"甲", "乙"}
