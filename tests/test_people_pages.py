import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kapok.audit.models import LogEntry
from kapok.regions.lookup import find_region
from kapok.registry.models import Category, Membership, Person
from kapok.zones.models import RiskArea

pytestmark = pytest.mark.django_db
ID = "44011119450312123X"


def person(name, *codes, place="白云区松洲街螺涌", id_number="", initials="", **fields):
    someone = Person(
        name=name, residence_region=find_region(place), name_initials=initials, **fields
    )
    someone.set_id_number(id_number)
    someone.save()
    for code in codes:
        Membership.objects.create(person=someone, category=Category.objects.get(code=code))
    return someone


def names(response):
    return {person.name for person in response.context["page"]}


@pytest.fixture
def people(db):
    today = timezone.localdate()
    return {
        "zhang": person(
            "张三明",
            "TEKUN",
            id_number=ID,
            initials="zsm",
            phones=["13812345678"],
            birth_date=today.replace(year=today.year - 77),
        ),
        "li": person("李四", "DIBAO", birth_date=today.replace(year=today.year - 8)),
        "far": person("王五", "TEKUN", place="荔湾区沙面街翠洲社区"),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("张三", {"张三明"}),
        ("zsm", {"张三明"}),
        ("ZS", {"张三明"}),
        (ID, {"张三明"}),
        (ID.lower(), {"张三明"}),
        ("123X", {"张三明"}),
        ("13812345678", {"张三明"}),
        ("5678", {"张三明"}),
        ("李", {"李四"}),
        ("440111194503121234", set()),
    ],
)
def test_search_by_name_initials_id_or_phone(personas, login, people, q, expected):
    response = login(personas.community).get(reverse("registry:person_list"), {"q": q})
    assert names(response) == expected


def test_the_list_shows_only_the_users_region_and_masks_ids(personas, login, people):
    response = login(personas.community).get(reverse("registry:person_list"))
    assert names(response) == {"张三明", "李四"}
    content = response.content.decode()
    assert "440111********123X" in content
    assert ID not in content


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"category": "TEKUN"}, {"张三明"}),
        ({"category": "DIBAO"}, {"李四"}),
        ({"age": "0-17"}, {"李四"}),
        ({"age": "60-79"}, {"张三明"}),
        ({"age": "80+"}, set()),
    ],
)
def test_filters(personas, login, people, filters, expected):
    response = login(personas.district).get(reverse("registry:person_list"), filters)
    assert names(response) == expected


def test_the_zone_filter_keeps_people_inside_a_zone_today(personas, login, people):
    RiskArea.objects.create(
        region=find_region("白云区松洲街螺涌"),
        level=RiskArea.Level.CONTROL,
        starts_at=timezone.now() - dt.timedelta(days=1),
    )
    people["li"].residence_region = find_region("白云区松洲街槎龙")
    people["li"].save()
    response = login(personas.city).get(reverse("registry:person_list"), {"zone": "in"})
    assert names(response) == {"张三明"}


def test_viewing_a_person_is_audited_and_shows_categories(personas, login, people):
    response = login(personas.community).get(
        reverse("registry:person_detail", args=[people["zhang"].pk])
    )
    content = response.content.decode()
    assert "特困" in content
    assert "440111********123X" in content
    assert ID not in content
    entry = LogEntry.objects.get(action="registry.person.viewed")
    assert entry.actor == personas.community
    assert entry.object_id == str(people["zhang"].pk)
    assert entry.region_code == "440111003005"
