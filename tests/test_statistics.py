import datetime as dt

import pytest

from kapok.regions.lookup import find_region
from kapok.registry.models import Category, Household, HouseholdMember, Membership, Person
from kapok.registry.statistics import category_figures

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 4, 28)


def person(name, *codes, place="海珠区官洲街学院", **fields):
    someone = Person.objects.create(name=name, residence_region=find_region(place), **fields)
    for code in codes:
        Membership.objects.create(
            person=someone, category=Category.objects.get(code=code), started_on=dt.date(2022, 1, 1)
        )
    return someone


def household(code, key, *members):
    home = Household.objects.create(category=Category.objects.get(code=code), key=key)
    for member in members:
        HouseholdMember.objects.create(household=home, person=member)
    return home


def test_people_are_counted_once_while_categories_count_each_membership():
    person("甲", "TEKUN", "WIDOWED_ELDERLY", "LIVING_ALONE_ELDERLY")
    person("乙", "LIVING_ALONE_ELDERLY")
    person("丙")  # no category: not a person in special difficulty today
    figures = category_figures(Person.objects.all(), DAY)
    assert figures["people"] == 2
    assert figures["memberships"] == 4
    assert figures["by_category"]["LIVING_ALONE_ELDERLY"] == {"people": 2}
    assert figures["by_category"]["TEKUN"] == {"people": 1}
    assert figures["by_category"]["LEFT_BEHIND_ELDERLY"] == {"people": 0}


def test_household_programmes_count_households_and_people():
    a, b, c = person("甲", "DIBAO"), person("乙", "DIBAO"), person("丙", "DIBAO", "TEKUN")
    household("DIBAO", "H1", a, b)
    household("DIBAO", "H2", c)
    household("LOW_INCOME", "L1", c)  # c holds no 低收入 membership: not counted there
    figures = category_figures(Person.objects.all(), DAY)
    assert figures["by_category"]["DIBAO"] == {"people": 3, "households": 2}
    assert figures["by_category"]["LOW_INCOME"] == {"people": 0, "households": 0}


def test_only_memberships_current_on_the_day_and_living_people_count():
    someone = person("甲")
    Membership.objects.create(
        person=someone,
        category=Category.objects.get(code="TEKUN"),
        started_on=dt.date(2021, 1, 1),
        ended_on=dt.date(2022, 4, 27),
    )
    Membership.objects.create(
        person=someone,
        category=Category.objects.get(code="DIBAO"),
        started_on=dt.date(2022, 4, 29),
    )
    person("乙", "TEKUN", status=Person.Status.DECEASED)
    figures = category_figures(Person.objects.all(), DAY)
    assert figures["people"] == 0
    assert category_figures(Person.objects.all(), dt.date(2022, 4, 27))["people"] == 1


def test_the_figures_follow_the_people_given(personas):
    from kapok.access.policy import scoped

    person("甲", "TEKUN", place="白云区松洲街螺涌")
    person("乙", "TEKUN", place="荔湾区沙面街翠洲社区")
    assert category_figures(scoped(Person.objects.all(), personas.community), DAY)["people"] == 1
    assert category_figures(scoped(Person.objects.all(), personas.city), DAY)["people"] == 2


def test_the_stats_command_prints_json_for_the_zones_on_a_day():
    import io
    import json

    from django.core.management import call_command
    from django.utils import timezone

    from kapok.zones.models import RiskArea

    person("甲", "TEKUN", address="富力半岛花园3栋")
    person("乙", "TEKUN", place="海珠区官洲街官洲社区")
    RiskArea.objects.create(
        region=find_region("海珠区官洲街学院"),
        compound="富力半岛花园",
        level=RiskArea.Level.LOCKDOWN,
        starts_at=timezone.make_aware(dt.datetime(2022, 4, 20, 18)),
    )
    out = io.StringIO()
    call_command("stats", "--zones", "--as-of", "2022-04-28", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["people"] == 1
    assert figures["by_category"]["TEKUN"] == {"people": 1}
    assert figures["by_category"]["DIBAO"] == {"people": 0, "households": 0}
    out = io.StringIO()
    call_command("stats", "--as-of", "2022-04-28", stdout=out)
    assert "2 people in the registry" in out.getvalue()


def test_the_stats_command_refuses_a_bad_day():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not a date"):
        call_command("stats", "--as-of", "28/04/2022")
