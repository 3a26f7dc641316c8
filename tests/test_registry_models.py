import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from kapok.access.policy import scoped
from kapok.regions.lookup import find_region
from kapok.registry.models import Category, Household, HouseholdMember, Membership, Person

pytestmark = pytest.mark.django_db

ID = "44011119450312123X"


def make_person(name="张三明", id_number=ID, place="白云区松洲街螺涌", **fields):
    person = Person(name=name, residence_region=find_region(place), **fields)
    person.set_id_number(id_number)
    person.save()
    return person


def test_the_eight_categories_and_the_four_kinds_of_children_are_seeded():
    codes = list(Category.objects.values_list("code", flat=True))
    assert codes[:8] == [
        "DIBAO",
        "LOW_INCOME",
        "TEKUN",
        "LEFT_BEHIND_ELDERLY",
        "WIDOWED_ELDERLY",
        "LIVING_ALONE_ELDERLY",
        "CHILD_IN_DIFFICULTY",
        "SEVERE_DISABILITY",
    ]
    children = set(Category.objects.filter(is_child_category=True).values_list("code", flat=True))
    assert children == {
        "CHILD_IN_DIFFICULTY",
        "LEFT_BEHIND_CHILD",
        "SCATTERED_ORPHAN",
        "UNSUPPORTED_CHILD",
    }
    programmes = Category.objects.filter(is_household_programme=True)
    assert set(programmes.values_list("code", flat=True)) == {"DIBAO", "LOW_INCOME"}


def test_a_category_shows_its_english_name_in_english():
    dibao = Category.objects.get(code="DIBAO")
    assert str(dibao) == "低保"
    with translation.override("en"):
        assert str(dibao) == "minimum living allowance"


def test_an_id_number_is_stored_encrypted_found_by_hash_and_shown_masked():
    person = make_person()
    stored = Person.objects.values("id_number_encrypted", "id_number_hash", "id_number_masked")
    row = stored.get(pk=person.pk)
    assert ID not in str(row)
    assert row["id_number_masked"] == "440111********123X"
    assert Person.objects.with_id_number(ID).get() == person
    assert Person.objects.get(pk=person.pk).id_number == ID
    assert not Person.objects.with_id_number("440111194503121234").exists()


def test_one_id_number_names_one_person():
    make_person()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_person(name="张三名")
    make_person(name="无证儿童", id_number="")
    make_person(name="另一个无证儿童", id_number="")
    assert Person.objects.count() == 3


def test_a_person_holds_one_current_membership_per_category():
    person = make_person()
    dibao = Category.objects.get(code="DIBAO")
    Membership.objects.create(
        person=person, category=dibao, started_on=dt.date(2020, 1, 1), ended_on=dt.date(2021, 1, 1)
    )
    Membership.objects.create(person=person, category=dibao, source="低保成员花名册")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=person, category=dibao)


def test_a_household_is_recognised_by_its_key_within_a_programme():
    head = make_person()
    dibao = Category.objects.get(code="DIBAO")
    household = Household.objects.create(category=dibao, key="DSR47384548", head=head)
    HouseholdMember.objects.create(household=household, person=head, relation="户主")
    assert list(head.households.all()) == [household]
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(category=dibao, key="DSR47384548")
    Household.objects.create(category=Category.objects.get(code="LOW_INCOME"), key="DSR47384548")


def test_people_are_scoped_by_where_they_live(personas):
    at_home = make_person()
    elsewhere = make_person(name="李四", id_number="", place="荔湾区沙面街翠洲社区")
    assert set(scoped(Person.objects.all(), personas.community)) == {at_home}
    assert set(scoped(Person.objects.all(), personas.outsider)) == {elsewhere}
    assert set(scoped(Person.objects.all(), personas.city)) == {at_home, elsewhere}


def test_age_on_a_day():
    person = Person(birth_date=dt.date(1945, 3, 12))
    assert person.age_on(dt.date(2022, 3, 11)) == 76
    assert person.age_on(dt.date(2022, 3, 12)) == 77
    assert Person().age_on(dt.date(2022, 1, 1)) is None
