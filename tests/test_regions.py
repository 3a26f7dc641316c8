import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from kapok.regions.loading import RegionFileError, load_regions
from kapok.regions.lookup import AmbiguousRegion, RegionNotFound, find_region, invalidate_index
from kapok.regions.models import Region

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code\n"
# A small city of its own, in the NBS layout: 9999 is no real province.
TOY = (
    HEADER + "990000000000,测试省,1,\n"
    "990100000000,测试市,2,990000000000\n"
    "990101000000,东城区,3,990100000000\n"
    "990101001000,和平街道,4,990101000000\n"
    "990101001001,和平社区居委会,5,990101001000\n"
    "990101002000,水库林场,4,990101000000\n"
    "990101002598,水库林场虚拟生活区,5,990101002000\n"
)


def test_guangzhou_is_loaded_without_its_non_administrative_units():
    counts = {level: Region.objects.filter(level=level).count() for level in range(1, 6)}
    assert counts == {1: 1, 2: 1, 3: 11, 4: 176, 5: 2849}
    assert not Region.objects.filter(name__in=["黄龙带水库", "大岭山林场"]).exists()
    assert not Region.objects.filter(name__contains="虚拟").exists()
    luoyong = Region.objects.get(code="440111003005")
    assert luoyong.full_name == "广州市白云区松洲街道螺涌社区居委会"
    assert luoyong.parent.parent.name == "白云区"
    assert luoyong.prefix == "440111003005"
    assert luoyong.parent.prefix == "440111003"


def test_loading_the_same_file_twice_changes_nothing():
    first = load_regions(TOY)
    second = load_regions(TOY)
    assert (first.created, first.updated) == (5, 0)
    assert first.dropped == ["水库林场"]
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)


def test_a_renamed_region_is_updated_with_its_children_full_names():
    load_regions(TOY)
    load_regions(TOY.replace("和平街道", "和平街道（新）"))
    community = Region.objects.get(code="990101001001")
    assert community.full_name == "测试市东城区和平街道（新）和平社区居委会"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name\n", "lacks the columns level, parent_code"),
        (HEADER + "99000000000,短码,1,\n", "Line 2: “99000000000” is not a 12-digit division code"),
        (HEADER + "990000000000,测试省,7,\n", "Line 2: the level must be 1 to 5, not “7”"),
        (HEADER + "990000000000,,1,\n", "Line 2: the name is empty"),
        (HEADER + "990100000000,测试市,2,980000000000\n", "its parent 980000000000 is not"),
        (
            HEADER + "990000000000,测试省,1,\n980100000000,外市,2,990000000000\n",
            "cannot lie under 990000000000",
        ),
    ],
)
def test_a_bad_file_is_refused_with_the_line_and_the_reason(text, message):
    with pytest.raises(RegionFileError, match=message), override("en"):
        load_regions(text)
    assert not Region.objects.filter(code__startswith="99").exists()


def test_the_load_command_reports_as_json_and_refuses_a_missing_file(tmp_path):
    path = tmp_path / "toy.csv"
    path.write_text(TOY, encoding="utf-8")
    out = io.StringIO()
    call_command("regions", "load", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "dropped": ["水库林场"],
    }
    with pytest.raises(CommandError, match="cannot read"):
        call_command("regions", "load", str(tmp_path / "missing.csv"), stdout=io.StringIO())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("松洲街", "440111003000"),
        ("松洲街道", "440111003000"),
        ("松洲街道办事处", "440111003000"),
        ("螺涌", "440111003005"),
        ("螺涌社区", "440111003005"),
        ("螺涌社区居委会", "440111003005"),
        ("白云区 松洲街 螺涌", "440111003005"),
        ("白云区松洲街螺涌", "440111003005"),
        ("白云区/松洲/螺涌", "440111003005"),
        ("松洲街道螺涌社区", "440111003005"),
        ("440111003005", "440111003005"),
        ("440111003", "440111003000"),
        ("440111", "440111000000"),
        ("荔湾区", "440103000000"),
        ("荔湾", "440103000000"),
        ("花都区炭步镇三联村", "440114107220"),
    ],
)
def test_it_finds_a_region_however_people_write_it(text, code):
    assert find_region(text).code == code


def test_an_ambiguous_name_lists_the_candidates_qualified_by_their_parents():
    with pytest.raises(AmbiguousRegion) as error:
        find_region("三联村")
    names = [region.full_name for region in error.value.candidates]
    assert names == ["广州市花都区炭步镇三联村委会", "广州市增城区荔湖街道三联村委会"]
    assert "广州市花都区炭步镇三联村委会" in str(error.value)


def test_within_and_level_narrow_the_search():
    huadu = find_region("花都区")
    assert find_region("三联村", within=huadu).code.startswith("440114")
    assert find_region("白云", level=Region.Level.DISTRICT).code == "440111000000"
    with pytest.raises(RegionNotFound):
        find_region("螺涌", within=find_region("荔湾区"))


@pytest.mark.parametrize("text", ["东山区", "不存在社区", "", "123", "4401119"])
def test_an_unknown_name_is_not_found_never_guessed(text):
    with pytest.raises(RegionNotFound):
        find_region(text)


def test_the_find_command_prints_the_code_and_full_name():
    out = io.StringIO()
    call_command("regions", "find", "松洲街螺涌", stdout=out)
    assert out.getvalue().strip() == "440111003005 广州市白云区松洲街道螺涌社区居委会"


def test_the_index_sees_a_region_added_in_this_process():
    find_region("白云区")
    Region.objects.create(
        code="440111003999",
        name="新建社区居委会",
        level=5,
        parent_id="440111003000",
        full_name="广州市白云区松洲街道新建社区居委会",
    )
    assert find_region("新建社区").code == "440111003999"
    invalidate_index()


def test_init_is_idempotent_on_a_site_that_has_everything():
    out = io.StringIO()
    call_command("init", stdout=out)
    assert "regions: 0 created, 0 updated, 3038 unchanged" in out.getvalue()
    assert Region.objects.count() == 3038
