import re

import pytest
from django.test import override_settings

from kapok.access.policy import can_see, scope_of, scoped
from kapok.accounts.models import User
from kapok.audit.models import LogEntry
from kapok.units.models import Unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_users_scope_is_their_units_region_prefix(personas):
    assert scope_of(personas.city).restricted is False
    assert scope_of(personas.district).prefix == "440111"
    assert scope_of(personas.street).prefix == "440111003"
    assert scope_of(personas.community).prefix == "440111003005"
    assert scope_of(personas.outsider).prefix == "440103"


def test_an_account_without_a_unit_sees_nothing(db):
    user = UserFactory(unit=None)
    assert scope_of(user).covers("440111003005") is False
    assert list(scoped(Unit.objects.all(), user)) == []


def test_each_level_sees_what_lies_below_it(personas):
    units = Unit.objects.all()
    assert set(scoped(units, personas.city)) == set(units)
    assert set(scoped(units, personas.district)) == {
        personas.district_unit,
        personas.street_unit,
        personas.community_unit,
    }
    assert set(scoped(units, personas.community)) == {personas.community_unit}
    assert can_see(personas.street, personas.community_unit)
    assert not can_see(personas.community, personas.street_unit)
    assert not can_see(personas.outsider, personas.community_unit)


def test_scoping_follows_a_path_through_the_unit(personas):
    visible = set(scoped(User.objects.all(), personas.street).values_list("username", flat=True))
    assert visible == {"street", "community"}


def test_scoped_listing_takes_one_query(personas, django_assert_num_queries):
    scope_of(personas.district)  # the user's unit and region, loaded once per request
    with django_assert_num_queries(1):
        list(scoped(Unit.objects.select_related("region"), personas.district))


@override_settings(ROOT_URLCONF="tests.urls_unsafe")
def test_a_view_not_declared_region_safe_refuses_region_limited_users(personas, login):
    assert login(personas.community).get("/undeclared/").status_code == 403
    assert login(personas.district).get("/undeclared/").status_code == 403
    assert login(personas.district).get("/declared/").status_code == 200


@override_settings(ROOT_URLCONF="tests.urls_unsafe")
def test_city_level_users_may_use_undeclared_views(personas, login):
    assert login(personas.city).get("/undeclared/").status_code == 200


def test_a_record_that_does_not_exist_is_a_404_without_an_audit_record(personas, login):
    response = login(personas.outsider).get("/units/999999/")
    assert response.status_code == 404
    assert not LogEntry.objects.filter(action="access.out_of_scope").exists()


def test_another_districts_record_looks_the_same_as_a_missing_one(personas, login):
    client = login(personas.outsider)
    missing = client.get("/units/999999/")
    elsewhere = client.get(f"/units/{personas.community_unit.pk}/")
    assert missing.status_code == elsewhere.status_code == 404
    main = re.compile(rb"<main.*</main>", re.DOTALL)
    assert main.search(missing.content)[0] == main.search(elsewhere.content)[0]
    attempt = LogEntry.objects.get(action="access.out_of_scope")
    assert attempt.region_code == personas.community_unit.region_id
    assert attempt.object_type == "units.unit"


def test_a_prefix_is_a_range_of_codes(db):
    from kapok.regions.models import Region, prefix_range

    under = Region.objects.filter(prefix_range("code", "440119")).values_list("code", flat=True)
    assert set(under) == {
        c for c in Region.objects.values_list("code", flat=True) if c.startswith("440119")
    }
    assert Region.objects.filter(prefix_range("code", "440111003")).count() == 1 + 14  # 松洲街


def test_a_model_that_does_not_declare_its_region_cannot_be_scoped(personas):
    from kapok.accounts.models import RoleGrant

    with pytest.raises(TypeError, match="scoping_region_field"):
        scoped(RoleGrant.objects.all(), personas.city)
