"""Routing a new need: to where the person lives, rules by kind, cross-district help, and the
needs nobody can route automatically."""

import pytest

from kapok.access.policy import scoped
from kapok.needs.actions import report_need
from kapok.needs.models import Need, RoutingRule
from kapok.notifications.models import ChannelKind, DutyPerson, Notification, UnitChannel
from kapok.units.models import Unit
from tests.factories import PersonFactory, region, unit_for

pytestmark = pytest.mark.django_db
S = Need.Status


def told_by_sms(unit, *, duty=DutyPerson.Duty.DUTY, phone="13900000001"):
    UnitChannel.objects.get_or_create(unit=unit, kind=ChannelKind.SMS)
    return DutyPerson.objects.create(unit=unit, name="值班员", phone=phone, duty=duty)


def notified(unit, event=None):
    rows = Notification.objects.filter(unit=unit)
    if event:
        rows = rows.filter(event=event)
    return rows.count()


@pytest.fixture
def default_rules(db):
    """The rules the data migration installs (re-made: transactional tests flush them)."""
    for kind, unit_kind, duty in [
        ("GUARDIANSHIP", Unit.Kind.MINOR_PROTECTION_CENTRE, ""),
        ("GUARDIANSHIP", "", RoutingRule.Duty.CHILD_SUPERVISOR),
        ("SHELTER", Unit.Kind.RESCUE_STATION, ""),
    ]:
        RoutingRule.objects.get_or_create(kind=kind, unit_kind=unit_kind, duty=duty)


def test_a_need_goes_to_the_community_where_the_person_lives(personas):
    told_by_sms(personas.community_unit)
    need = report_need(person=PersonFactory(), kind="FOOD", urgency="normal", actor=personas.city)
    assert (need.status, need.unit, need.region_code) == (
        S.DISPATCHED,
        personas.community_unit,
        "440111003005",
    )
    assert notified(personas.community_unit, "needs.need.dispatched") == 1
    # Its street, district and city see it; another district does not.
    for user in (personas.community, personas.street, personas.district, personas.city):
        assert scoped(Need.objects.all(), user).filter(pk=need.pk).exists()
    assert not scoped(Need.objects.all(), personas.outsider).exists()


def test_the_residence_decides_not_the_hukou_and_the_hukou_district_is_told(personas):
    told_by_sms(personas.outsider_unit)
    person = PersonFactory(hukou_region=region("荔湾区"))
    need = report_need(person=person, kind="MEDICINE", urgency="normal", actor=personas.city)
    assert need.unit == personas.community_unit  # helped where they live
    assert need.is_cross_district
    assert need.hukou_region_code == region("荔湾区").code
    assert list(need.shared_with.all()) == [personas.outsider_unit]
    # The hukou district sees it (跨区救助) and is told; it is not theirs to handle.
    assert scoped(Need.objects.all(), personas.outsider).filter(pk=need.pk).exists()
    assert notified(personas.outsider_unit, "needs.need.shared") == 1


def test_a_hukou_in_the_same_district_is_not_cross_district(personas):
    person = PersonFactory(hukou_region=region("白云区松洲街槎龙"))
    need = report_need(person=person, kind="FOOD", urgency="normal", actor=personas.city)
    assert not need.is_cross_district
    assert not need.shared_with.exists()


def test_guardianship_goes_to_the_minor_protection_centre_and_the_child_supervisor(
    personas, default_rules
):
    city_centre = unit_for("广州市", kind=Unit.Kind.MINOR_PROTECTION_CENTRE, name="市未保中心")
    district_centre = unit_for(
        "白云区", kind=Unit.Kind.MINOR_PROTECTION_CENTRE, name="白云区未保中心"
    )
    told_by_sms(district_centre)
    supervisor = told_by_sms(
        personas.street_unit, duty=DutyPerson.Duty.CHILD_SUPERVISOR, phone="13900000002"
    )
    told_by_sms(personas.street_unit, phone="13900000003")  # the street's usual duty person
    need = report_need(
        person=PersonFactory(), kind="GUARDIANSHIP", urgency="urgent", actor=personas.city
    )
    assert need.unit == personas.community_unit
    # The nearest centre (the district's, not the city's) shares it.
    assert list(need.shared_with.all()) == [district_centre]
    assert city_centre not in need.shared_with.all()
    assert notified(district_centre, "needs.need.shared") == 1
    to_street = Notification.objects.filter(unit=personas.street_unit, event="needs.need.shared")
    assert [row.recipient_masked for row in to_street] == [supervisor.phone[:3] + "****0002"]


def test_shelter_goes_to_the_rescue_station(personas, default_rules):
    station = unit_for("广州市", kind=Unit.Kind.RESCUE_STATION, name="市救助管理站")
    need = report_need(
        person=PersonFactory(), kind="SHELTER", urgency="urgent", actor=personas.city
    )
    assert list(need.shared_with.all()) == [station]
    food = report_need(person=PersonFactory(), kind="FOOD", urgency="urgent", actor=personas.city)
    assert not food.shared_with.exists()


def test_rules_are_data_a_rule_switched_off_routes_nothing(personas, default_rules):
    unit_for("广州市", kind=Unit.Kind.RESCUE_STATION, name="市救助管理站")
    RoutingRule.objects.filter(kind="SHELTER").update(is_active=False)
    need = report_need(
        person=PersonFactory(), kind="SHELTER", urgency="urgent", actor=personas.city
    )
    assert not need.shared_with.exists()


def test_a_person_without_a_known_community_waits_at_the_street_for_dispatch_by_hand(personas):
    told_by_sms(personas.street_unit)
    person = PersonFactory(residence_region=region("白云区松洲街"))
    need = report_need(person=person, kind="FOOD", urgency="normal", actor=personas.city)
    assert (need.status, need.unit, need.region_code) == (
        S.REPORTED,
        personas.street_unit,
        personas.street_unit.region_id,
    )
    assert notified(personas.street_unit, "needs.need.dispatched") == 1


def test_a_person_with_no_residence_goes_to_the_hukou_street(personas):
    person = PersonFactory(residence_region=None, hukou_region=region("白云区松洲街螺涌"))
    need = report_need(person=person, kind="FOOD", urgency="normal", actor=personas.city)
    assert (need.status, need.unit) == (S.REPORTED, personas.street_unit)
    assert not need.is_cross_district


def test_a_person_nobody_can_place_goes_to_the_reporters_district(personas):
    person = PersonFactory(residence_region=None)
    need = report_need(person=person, kind="FOOD", urgency="normal", actor=personas.outsider)
    assert (need.status, need.unit) == (S.REPORTED, personas.outsider_unit)
    nowhere = report_need(
        person=PersonFactory(residence_region=None), kind="FOOD", urgency="normal"
    )
    assert (nowhere.status, nowhere.unit) == (S.REPORTED, personas.city_unit)


def test_a_community_without_a_committee_in_kapok_goes_to_its_street(personas):
    person = PersonFactory(residence_region=region("白云区松洲街槎龙"))
    need = report_need(person=person, kind="FOOD", urgency="normal", actor=personas.city)
    assert (need.status, need.unit, need.region_code) == (
        S.REPORTED,
        personas.street_unit,
        region("白云区松洲街槎龙").code,
    )


def test_an_emergency_alerts_the_community_street_and_district_at_once(personas):
    for number, unit in enumerate(
        [personas.community_unit, personas.street_unit, personas.district_unit]
    ):
        told_by_sms(unit, phone=f"1390000001{number}")
    report_need(person=PersonFactory(), kind="MEDICAL", urgency="emergency", actor=personas.city)
    for unit in (personas.community_unit, personas.street_unit, personas.district_unit):
        assert notified(unit, "needs.need.emergency") == 1
    assert notified(personas.outsider_unit) == 0


def test_the_reporting_unit_sees_a_need_it_reported_outside_its_area(personas):
    need = report_need(
        person=PersonFactory(), kind="FOOD", urgency="normal", actor=personas.outsider
    )
    assert scoped(Need.objects.all(), personas.outsider).filter(pk=need.pk).exists()
