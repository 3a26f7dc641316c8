"""The people list as of a day, and the figures' links into it: every figure on the figures page
links to a list of exactly the people it counts, whatever the day, zones and age band."""

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from kapok.regions.lookup import find_region
from kapok.registry.models import Category, Household, HouseholdMember, Membership, Person
from kapok.zones.models import RiskArea, local_day_bounds

pytestmark = pytest.mark.django_db

LUOYONG = "白云区松洲街螺涌"
CHALONG = "白云区松洲街槎龙"
CUIZHOU = "荔湾区沙面街翠洲社区"


def today():
    return timezone.localdate()


def past():
    return today() - dt.timedelta(days=10)


def years_before(day, years, days=0):
    return day.replace(year=day.year - years) + dt.timedelta(days=days)


def person(name, place, *categories, **fields):
    """categories: codes, or (code, started_on, ended_on)."""
    someone = Person.objects.create(name=name, residence_region=find_region(place), **fields)
    for category in categories:
        code, started, ended = (category, None, None) if isinstance(category, str) else category
        Membership.objects.create(
            person=someone,
            category=Category.objects.get(code=code),
            started_on=started,
            ended_on=ended,
        )
    return someone


def zone(place, level, starts, ends=None, compound=""):
    return RiskArea.objects.create(
        region=find_region(place),
        level=level,
        compound=compound,
        starts_at=local_day_bounds(starts)[0],
        ends_at=local_day_bounds(ends)[1] if ends else None,
    )


@pytest.fixture
def registry(db):
    """People whose categories, zones and ages differ between ten days ago and today."""
    day = past()
    a = person("甲", LUOYONG, "DIBAO", "TEKUN", birth_date=years_before(today(), 85))
    b = person(
        "乙",
        LUOYONG,
        ("DIBAO", today() - dt.timedelta(days=3), None),
        birth_date=years_before(today(), 70),
    )
    household = Household.objects.create(category=Category.objects.get(code="DIBAO"), key="H1")
    for member in (a, b):
        HouseholdMember.objects.create(household=household, person=member)
    # 59 ten days ago, 60 today; on the roster of elderly living alone until a week ago.
    person(
        "丙",
        CHALONG,
        ("LIVING_ALONE_ELDERLY", None, day + dt.timedelta(days=3)),
        "WIDOWED_ELDERLY",
        birth_date=years_before(day, 60, days=1),
    )
    person("丁", LUOYONG, "TEKUN", status=Person.Status.DECEASED)
    person(
        "戊",
        LUOYONG,
        "TEKUN",
        "CHILD_IN_DIFFICULTY",
        address="螺涌北路金碧花园3栋",
        birth_date=years_before(today(), 10),
    )
    person("己", CUIZHOU, "TEKUN", birth_date=years_before(today(), 40))
    person("辛", LUOYONG)  # on no roster: not a person in special difficulty
    # 螺涌 was locked down ten days ago only; today one compound of it is under control.
    zone(LUOYONG, RiskArea.Level.LOCKDOWN, day - dt.timedelta(days=1), day + dt.timedelta(days=1))
    zone(LUOYONG, RiskArea.Level.CONTROL, today() - dt.timedelta(days=1), compound="金碧花园")
    zone(CHALONG, RiskArea.Level.PREVENTION, day - dt.timedelta(days=5))  # not visited daily
    zone(CUIZHOU, RiskArea.Level.LOCKDOWN, day - dt.timedelta(days=1))


LINK = re.compile(r'<a href="([^"]+)">(\d+)</a>')


def figure_links(content: str) -> list[tuple[str, int]]:
    """The figures of a figures page that link to the people list, with their numbers."""
    people = reverse("registry:person_list")
    return [
        (html.unescape(href), int(number))
        for href, number in LINK.findall(content)
        if urlsplit(html.unescape(href)).path == people
    ]


def listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def names(response) -> set[str]:
    return {someone.name for someone in response.context["page"]}


@pytest.mark.parametrize(
    ("user", "query"),
    [
        ("city", {}),
        ("city", {"as_of": "past"}),
        ("city", {"as_of": "past", "zones": "on"}),
        ("city", {"zones": "on"}),
        ("city", {"age": "60-79"}),
        ("city", {"age": "18-59", "as_of": "past"}),
        ("city", {"age": "18-59", "as_of": "past", "zones": "on"}),
        ("district", {"region": "440111003000", "as_of": "past", "zones": "on"}),
        ("district", {"region": "440111003000", "age": "0-17", "zones": "on"}),
        ("street", {"as_of": "past"}),
    ],
)
def test_every_figure_equals_the_number_of_people_its_link_lists(
    personas, login, registry, user, query
):
    client = login(getattr(personas, user))
    if query.get("as_of") == "past":
        query = {**query, "as_of": past().isoformat()}
    response = client.get(reverse("registry:figures"), query)
    assert response.status_code == 200
    links = figure_links(response.content.decode())
    assert links, "the page has figures that link to the list"
    for url, figure in links:
        carried = parse_qs(urlsplit(url).query)
        assert carried["as_of"] == [response.context["day"].isoformat()]
        assert carried.get("zone") == (["in"] if query.get("zones") else None)
        assert carried.get("age") == ([query["age"]] if query.get("age") else None)
        assert listed(client, url) == figure, url
    # The total of the region, deduplicated across its areas, links to its list too.
    people = re.escape(reverse("registry:person_list"))
    total = re.search(rf'<strong><a href="({people}[^"]*)">', response.content.decode())
    assert listed(client, html.unescape(total.group(1))) == response.context["total"]["people"]


def test_the_links_of_a_past_day_in_zones_list_other_people_than_today(personas, login, registry):
    """What a link without its day would get wrong: ten days ago 螺涌 was locked down whole and
    乙 held no category yet; today only 戊's compound is under control."""
    client = login(personas.city)
    response = client.get(reverse("registry:figures"), {"as_of": past().isoformat(), "zones": "on"})
    links = dict(
        (parse_qs(urlsplit(url).query)["region"][0], (url, n))
        for url, n in figure_links(response.content.decode())
        if "category" not in url
    )
    url, figure = links["440111000000"]
    assert figure == 2
    assert names(client.get(url)) == {"甲", "戊"}
    without_day = {"region": "440111000000", "zone": "in"}
    assert names(client.get(reverse("registry:person_list"), without_day)) == {"戊"}


def test_a_person_with_two_categories_counts_once_in_an_age_band(personas, login, registry):
    person("庚", LUOYONG, "TEKUN", "LIVING_ALONE_ELDERLY", birth_date=years_before(today(), 81))
    response = login(personas.city).get(reverse("registry:figures"), {"age": "80+"})
    total = response.context["total"]
    assert total["people"] == 2  # 甲 and 庚, each once
    assert total["memberships"] == 4
    baiyun = {area.code: (n, dict(cells)) for area, n, cells in response.context["rows"]}
    people, cells = baiyun["440111000000"]
    assert people == 2
    assert cells["TEKUN"] == {"people": 2}
    assert cells["DIBAO"] == {"people": 1, "households": 1}  # 乙 (70) is outside the band
    assert cells["LIVING_ALONE_ELDERLY"] == {"people": 1}
    assert "age=80%2B" in response.content.decode()


def test_the_age_band_follows_the_day(personas, login, registry):
    client = login(personas.city)
    figures = reverse("registry:figures")
    assert client.get(figures, {"age": "60-79"}).context["total"]["people"] == 2  # 乙, 丙
    on_past_day = client.get(figures, {"age": "60-79", "as_of": past().isoformat()})
    assert on_past_day.context["total"]["people"] == 0  # 乙 not yet on a roster, 丙 was 59


def test_the_list_as_of_a_day_uses_that_days_categories_zones_and_ages(personas, login, registry):
    client = login(personas.district)
    url = reverse("registry:person_list")
    day = past().isoformat()
    assert names(client.get(url, {"category": "DIBAO"})) == {"甲", "乙"}
    assert names(client.get(url, {"category": "DIBAO", "as_of": day})) == {"甲"}
    assert names(client.get(url, {"category": "LIVING_ALONE_ELDERLY"})) == set()
    assert names(client.get(url, {"category": "LIVING_ALONE_ELDERLY", "as_of": day})) == {"丙"}
    assert names(client.get(url, {"zone": "in", "as_of": day})) == {"甲", "戊"}
    assert names(client.get(url, {"age": "60-79"})) == {"乙", "丙"}
    assert names(client.get(url, {"age": "18-59", "as_of": day})) == {"丙"}
    response = client.get(url, {"as_of": day, "q": "丙"})
    assert [someone.age for someone in response.context["page"]] == [59]
    assert [someone.age for someone in client.get(url, {"q": "丙"}).context["page"]] == [60]


def test_the_list_names_the_day_unless_it_is_today(personas, login, registry):
    client = login(personas.district)

    def heading(query) -> str:
        content = client.get(reverse("registry:person_list"), query).content.decode()
        return content.split("<h1>")[1].split("</h1>")[0]

    assert past().isoformat() in heading({"as_of": past().isoformat()})
    assert heading({"as_of": today().isoformat()}) == heading({}) == "特殊困难群众"


def test_people_no_longer_counted_are_listed_only_when_asked(personas, login, registry):
    client = login(personas.community)
    url = reverse("registry:person_list")
    assert names(client.get(url)) == {"甲", "乙", "戊"}
    assert names(client.get(url, {"everyone": "on"})) == {"甲", "乙", "丁", "戊", "辛"}
    assert names(client.get(url, {"everyone": "on", "category": "TEKUN"})) == {"甲", "丁", "戊"}
    response = client.get(url, {"q": "丁"})
    assert names(response) == set()
    assert "q=%E4%B8%81&amp;everyone=on" in response.content.decode()  # look among them too


def test_ages_on_29_february(personas, login):
    leap_day = dt.date(2024, 2, 29)
    person("满十八", LUOYONG, "TEKUN", birth_date=dt.date(2006, 2, 28))
    person("差一天", LUOYONG, "TEKUN", birth_date=dt.date(2006, 3, 1))
    person("闰日生", LUOYONG, "TEKUN", birth_date=dt.date(2008, 2, 29))
    client = login(personas.community)
    url = reverse("registry:person_list")
    adults = client.get(url, {"age": "18-59", "as_of": leap_day.isoformat()})
    assert names(adults) == {"满十八"}
    children = client.get(url, {"age": "0-17", "as_of": "2026-02-28"})
    assert names(children) == {"闰日生"}  # 17 until 1 March in a common year
    figures = client.get(reverse("registry:figures"), {"age": "0-17", "as_of": "2024-02-29"})
    assert figures.context["total"]["people"] == 2


@pytest.mark.parametrize("as_of", ["0001-01-01", "2024-02-30", "tomorrow"])
def test_a_day_that_is_no_day_is_refused_and_the_other_filters_still_apply(
    personas, login, registry, as_of
):
    client = login(personas.district)
    response = client.get(reverse("registry:person_list"), {"as_of": as_of, "category": "DIBAO"})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert names(response) == {"甲", "乙"}  # today's holders
    response = client.get(reverse("registry:figures"), {"as_of": as_of})
    assert response.status_code == 200
    assert response.context["day"] == today()
