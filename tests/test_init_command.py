"""`kapok init`: prepares a fresh site, and changes nothing when run again."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from kapok.accounts.models import SecurityPolicy
from kapok.regions.models import Region

pytestmark = pytest.mark.django_db

GUANGZHOU_REGIONS = 3038
CITY_FILE = (
    "code,name,level,parent_code\n"
    "990000000000,测试省,1,\n"
    "990100000000,测试市,2,990000000000\n"
    "990101000000,东城区,3,990100000000\n"
    "990101001000,和平街道,4,990101000000\n"
    "990101001001,和平社区居委会,5,990101001000\n"
    "990101401000,青山林场,4,990101000000\n"
    "990101401598,青山林场虚拟生活区,5,990101401000\n"
)


def init(*args) -> str:
    out = io.StringIO()
    call_command("init", *args, stdout=out)
    return out.getvalue()


def site_state():
    """Everything init touches, with the times rows last changed."""
    return {
        "regions": list(
            Region.objects.values_list("code", "name", "level", "parent", "full_name", "updated_at")
        ),
        "policies": list(SecurityPolicy.objects.values()),
        "migrations": list(MigrationRecorder.Migration.objects.values_list("app", "name")),
        "tables": sorted(connection.introspection.table_names()),
    }


@pytest.fixture
def city_file(tmp_path):
    path = tmp_path / "city.csv"
    path.write_text(CITY_FILE, encoding="utf-8")
    return path


def test_it_loads_guangzhou_by_default_and_says_what_to_do_next():
    out = init()
    assert f"regions: 0 created, 0 updated, {GUANGZHOU_REGIONS} unchanged" in out
    assert "dropped (not administrative): 黄龙带水库, 大岭山林场" in out
    assert out.rstrip().endswith("Kapok is ready. Next: kapok createsuperuser")
    assert Region.objects.count() == GUANGZHOU_REGIONS


def test_running_it_again_changes_nothing():
    init()
    before = site_state()
    out = init()
    assert f"regions: 0 created, 0 updated, {GUANGZHOU_REGIONS} unchanged" in out
    assert site_state() == before


def test_it_loads_the_regions_file_it_is_given_once(city_file):
    first = init("--regions", str(city_file))
    assert "regions: 5 created, 0 updated, 0 unchanged" in first
    assert "dropped (not administrative): 青山林场" in first
    assert Region.objects.get(code="990101001001").full_name == "测试市东城区和平街道和平社区居委会"
    before = site_state()
    second = init("--regions", str(city_file))
    assert "regions: 0 created, 0 updated, 5 unchanged" in second
    assert site_state() == before
    assert Region.objects.count() == GUANGZHOU_REGIONS + 5


def test_it_makes_the_security_policy_when_it_is_missing_and_keeps_it_after():
    SecurityPolicy.objects.all().delete()
    init()
    policy = SecurityPolicy.objects.get()
    assert (policy.id, policy.password_min_length) == (1, 10)
    SecurityPolicy.objects.filter(id=1).update(password_min_length=14)
    init()
    assert SecurityPolicy.objects.get().password_min_length == 14


def test_it_stops_on_a_regions_file_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        init("--regions", str(tmp_path / "missing.csv"))
    assert not Region.objects.filter(code__startswith="99").exists()


def test_it_stops_on_a_bad_regions_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name\n990000000000,测试省\n", encoding="utf-8")
    with pytest.raises(CommandError, match="parent_code"):
        init("--regions", str(path))
