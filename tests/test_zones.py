import datetime as dt

import pytest
from django.utils import timezone

from kapok.regions.lookup import find_region
from kapok.registry.models import Person
from kapok.zones.models import RiskArea, people_in_zones

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 4, 28)


def at(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def person(name, place="海珠区官洲街学院", **fields):
    return Person.objects.create(name=name, residence_region=find_region(place), **fields)


def zone(place="海珠区官洲街学院", level=RiskArea.Level.LOCKDOWN, starts="2022-04-20 18:00", **kw):
    return RiskArea.objects.create(
        region=find_region(place), level=level, starts_at=at(starts), **kw
    )


def inside(day=DAY, **kwargs):
    return set(people_in_zones(Person.objects.all(), day, **kwargs).values_list("name", flat=True))


def test_a_zone_of_a_whole_community_holds_everyone_living_there():
    person("甲")
    person("乙", place="海珠区官洲街官洲社区")
    zone()
    assert inside() == {"甲"}


def test_a_compound_zone_holds_only_that_compounds_residents():
    person("甲", address="广州市海珠区官洲街增槎路37号富力半岛花园9栋2001")
    person("乙", compound="富力半岛花园")
    person("丙", address="广州市海珠区官洲街新市路10号金德苑17栋1802")
    zone(compound="富力半岛花园")
    assert inside() == {"甲", "乙"}


def test_a_zone_counts_on_every_day_it_is_in_force_for_any_part_of():
    person("甲")
    zone(starts="2022-04-28 18:00", ends_at=at("2022-04-30 00:00"))
    assert inside(dt.date(2022, 4, 27)) == set()
    assert inside(dt.date(2022, 4, 28)) == {"甲"}
    assert inside(dt.date(2022, 4, 29)) == {"甲"}
    assert inside(dt.date(2022, 4, 30)) == set()


def test_the_day_is_the_local_day_in_shanghai():
    person("甲")
    # 23:30 on the 27th in Beijing time is 15:30 UTC: still the 27th here.
    zone(starts="2022-04-26 00:00", ends_at=at("2022-04-27 23:30"))
    assert inside(dt.date(2022, 4, 27)) == {"甲"}
    assert inside(dt.date(2022, 4, 28)) == set()


def test_prevention_zones_are_not_counted_unless_asked():
    person("甲")
    zone(level=RiskArea.Level.PREVENTION)
    assert inside() == set()
    assert inside(levels=[RiskArea.Level.PREVENTION]) == {"甲"}


def test_two_zones_over_one_person_count_them_once():
    person("甲", address="富力半岛花园1栋")
    zone()
    zone(compound="富力半岛花园", level=RiskArea.Level.CONTROL)
    assert people_in_zones(Person.objects.all(), DAY).count() == 1
