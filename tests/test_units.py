import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kapok.audit.models import LogEntry
from kapok.regions.lookup import find_region
from kapok.units.actions import UnitError, ensure_administrative_units, update_unit
from kapok.units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_tree_command_creates_every_office_of_a_district_under_its_parent():
    city, _created = ensure_administrative_units(find_region("广州市"), below=False)
    out = io.StringIO()
    call_command("units", "tree", "荔湾区", stdout=out)
    assert out.getvalue().strip() == "荔湾区民政局: 224 units created"  # 1 + 22 streets + 201
    district = Unit.objects.get(name="荔湾区民政局")
    assert district.parent == city
    assert district.kind == Unit.Kind.DISTRICT_BUREAU
    shamian = Unit.objects.get(region=find_region("荔湾区沙面街"))
    assert shamian.name == "沙面街道办事处"
    assert shamian.parent == district
    communities = Unit.objects.filter(kind=Unit.Kind.COMMUNITY_COMMITTEE)
    assert communities.count() == 201
    assert not communities.filter(parent=None).exists()


def test_the_tree_command_is_idempotent_and_keeps_renamed_units():
    call_command("units", "tree", "荔湾区", stdout=io.StringIO())
    Unit.objects.filter(name="沙面街道办事处").update(name="沙面街道党群服务中心")
    out = io.StringIO()
    call_command("units", "tree", "荔湾区", stdout=out)
    assert "0 units created" in out.getvalue()
    assert Unit.objects.filter(name="沙面街道党群服务中心").exists()


def test_towns_are_governed_by_their_peoples_government():
    unit, created = ensure_administrative_units(find_region("从化区温泉镇"), below=False)
    assert (unit.name, created) == ("温泉镇人民政府", 1)


def test_the_tree_command_names_an_unknown_region():
    with pytest.raises(CommandError, match="东山区"):
        call_command("units", "tree", "东山区", stdout=io.StringIO())


def test_a_system_admin_creates_a_station_naming_its_region_as_people_write_it(personas, login):
    response = login(personas.sysadmin).post(
        reverse("units:unit_create"),
        {
            "name": "松洲街社工站",
            "kind": Unit.Kind.SOCIAL_WORK_STATION,
            "region": "白云区松洲街",
            "parent": personas.street_unit.pk,
            "phone": "020-86000000",
        },
    )
    unit = Unit.objects.get(name="松洲街社工站")
    assert response.status_code == 302
    assert unit.region_id == "440111003000"
    entry = LogEntry.objects.get(action="units.unit.created")
    assert entry.object_id == str(unit.pk)
    assert entry.region_code == "440111003000"


def test_an_ambiguous_region_is_an_error_that_lists_the_candidates(personas, login):
    response = login(personas.sysadmin).post(
        reverse("units:unit_create"),
        {"name": "三联村社工点", "kind": Unit.Kind.SOCIAL_WORK_STATION, "region": "三联村"},
    )
    assert response.status_code == 200
    error = response.context["form"].errors["region"][0]
    assert "花都区炭步镇三联村委会" in error
    assert "增城区荔湖街道三联村委会" in error
    assert not Unit.objects.filter(name="三联村社工点").exists()


def test_a_district_admin_cannot_create_a_unit_in_another_district(personas, login):
    response = login(personas.district_sysadmin).post(
        reverse("units:unit_create"),
        {"name": "越界站", "kind": Unit.Kind.SOCIAL_WORK_STATION, "region": "荔湾区沙面街"},
    )
    assert response.status_code == 200
    assert "广州市荔湾区沙面街道不在您的辖区内" in response.content.decode()
    assert not Unit.objects.filter(name="越界站").exists()


def test_a_unit_cannot_be_moved_under_a_unit_below_it(personas):
    with pytest.raises(UnitError):
        update_unit(
            actor=personas.sysadmin,
            unit=personas.district_unit,
            name=personas.district_unit.name,
            kind=personas.district_unit.kind,
            region=personas.district_unit.region,
            parent=personas.street_unit,
            phone="",
        )


def test_editing_a_unit_is_audited_with_the_changes(personas, login):
    login(personas.sysadmin).post(
        reverse("units:unit_edit", args=[personas.community_unit.pk]),
        {
            "name": personas.community_unit.name,
            "kind": personas.community_unit.kind,
            "region": personas.community_unit.region_id,
            "parent": personas.street_unit.pk,
            "phone": "020-86001234",
        },
    )
    entry = LogEntry.objects.get(action="units.unit.updated")
    assert entry.data["phone"] == ["", "020*****1234"]
    assert Unit.objects.get(pk=personas.community_unit.pk).phone == "020-86001234"
