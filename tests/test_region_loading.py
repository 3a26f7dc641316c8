"""Loading division codes: kapok/regions/loading.py and `kapok regions load`.

The tests build a small fake city of their own in province 99, which no real code uses, so that
it never touches the Guangzhou codes every test database holds.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from kapok.regions.loading import (
    BUNDLED,
    RegionFileError,
    drop_virtual,
    load_regions,
    read_rows,
)
from kapok.regions.lookup import RegionNotFound, find_region
from kapok.regions.models import Region

HEADER = ("code", "name", "level", "parent_code")

PROVINCE = ("990000000000", "测试省", 1, "")
CITY = ("990100000000", "测试市", 2, "990000000000")
EAST = ("990101000000", "东城区", 3, "990100000000")
HEPING = ("990101001000", "和平街道", 4, "990101000000")
HEPING_COMMUNITY = ("990101001001", "和平社区居委会", 5, "990101001000")
ANNING = ("990101001002", "安宁村委会", 5, "990101001000")
WEST = ("990102000000", "西城区", 3, "990100000000")
SHIQIAO = ("990102001000", "石桥镇", 4, "990102000000")
SHIQIAO_VILLAGE = ("990102001201", "石桥村委会", 5, "990102001000")
RESERVOIR = ("990102401000", "青山水库", 4, "990102000000")
RESERVOIR_AREA = ("990102401598", "青山水库虚拟生活区", 5, "990102401000")

CITY_ROWS = [
    PROVINCE,
    CITY,
    EAST,
    HEPING,
    HEPING_COMMUNITY,
    ANNING,
    WEST,
    SHIQIAO,
    SHIQIAO_VILLAGE,
    RESERVOIR,
    RESERVOIR_AREA,
]
KEPT = 9  # everything but the reservoir and its virtual living area


def csv_text(rows, header=HEADER) -> str:
    lines = [",".join(header)]
    lines += [",".join(str(value) for value in row) for row in rows]
    return "\n".join(lines) + "\n"


CITY_FILE = csv_text(CITY_ROWS)


def fake_regions():
    return Region.objects.filter(code__startswith="99")


def load_refused(text: str) -> str:
    """The English message of the error load_regions raises for ``text``."""
    with override("en"), pytest.raises(RegionFileError) as error:
        load_regions(text)
    return str(error.value)


# Reading the file


def test_it_reads_rows_with_their_level_and_parent():
    rows = read_rows(csv_text([PROVINCE, CITY]))
    assert [(row.code, row.name, row.level, row.parent_code) for row in rows] == [
        ("990000000000", "测试省", 1, None),
        ("990100000000", "测试市", 2, "990000000000"),
    ]


def test_it_reads_a_file_with_a_byte_order_mark_spaces_and_extra_columns():
    text = "\ufeffcode,name,level,parent_code,note\n 990000000000 , 测试省 , 1 , ,省级\n"
    [row] = read_rows(text)
    assert (row.code, row.name, row.level, row.parent_code) == ("990000000000", "测试省", 1, None)


def test_it_names_the_columns_a_file_lacks():
    with override("en"), pytest.raises(RegionFileError) as error:
        read_rows("code,name\n990000000000,测试省\n")
    assert str(error.value) == (
        "The file lacks the columns level, parent_code (expected: code,name,level,parent_code)."
    )


def test_it_treats_an_empty_file_as_one_without_columns():
    with pytest.raises(RegionFileError, match="code, name, level, parent_code"), override("en"):
        read_rows("")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("99000000000", "短码", 1, ""), "Line 3: “99000000000” is not a 12-digit division code."),
        (("9900000000000", "长码", 1, ""), "is not a 12-digit division code"),
        (("99010000000A", "字母", 2, ""), "“99010000000A” is not a 12-digit division code"),
        (("", "无码", 1, ""), "Line 3: “” is not a 12-digit division code."),
        (("990100000000", "测试市", 7, ""), "Line 3: the level must be 1 to 5, not “7”."),
        (("990100000000", "测试市", 0, ""), "the level must be 1 to 5, not “0”"),
        (("990100000000", "测试市", "市", ""), "the level must be 1 to 5, not “市”"),
        (("990100000000", "测试市", "", ""), "the level must be 1 to 5, not “”"),
        (("990100000000", "", 2, ""), "Line 3: the name is empty."),
        (("990100000000", "  ", 2, ""), "Line 3: the name is empty."),
    ],
)
def test_it_refuses_a_bad_row_naming_its_line_and_the_reason(row, message):
    with override("en"), pytest.raises(RegionFileError) as error:
        read_rows(csv_text([PROVINCE, row]))
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("row", "code", "level"),
    [
        (("990101000000", "测试市", 2, ""), "990101000000", 2),  # a district's code
        (("990100000000", "东城区", 3, ""), "990100000000", 3),  # a city's code
        (("990101001001", "和平街道", 4, ""), "990101001001", 4),
        (("990101001000", "和平社区", 5, ""), "990101001000", 5),  # its street's code
    ],
)
def test_it_refuses_a_code_that_does_not_fit_the_level(row, code, level):
    with override("en"), pytest.raises(RegionFileError) as error:
        read_rows(csv_text([PROVINCE, row]))
    assert str(error.value) == (f"Line 3: “{code}” is not the code of a region of level {level}.")


def test_it_refuses_a_code_listed_twice():
    with override("en"), pytest.raises(RegionFileError) as error:
        read_rows(csv_text([PROVINCE, CITY, ("990100000000", "另一市", 2, "990000000000")]))
    assert str(error.value) == "Line 4: the code 990100000000 is already on line 3."


def test_it_accepts_streets_directly_under_a_city_without_districts():
    # 东莞市 and 中山市 have no districts: 441900003000 东城街道 lies under 441900000000.
    rows = read_rows(csv_text([PROVINCE, CITY, ("990100003000", "东城街道", 4, "990100000000")]))
    assert rows[-1].level == 4


# Dropping units that are not administrative


def test_it_drops_virtual_living_areas_and_the_units_that_have_only_them():
    kept, dropped = drop_virtual(read_rows(CITY_FILE))
    assert [row.code for row in kept] == [row[0] for row in CITY_ROWS[:KEPT]]
    assert dropped == ["青山水库"]  # the virtual living area itself is not worth reporting


def test_it_keeps_a_unit_with_real_children_besides_a_virtual_one():
    area = ("990102001598", "石桥镇虚拟生活区", 5, "990102001000")
    kept, dropped = drop_virtual(read_rows(csv_text([*CITY_ROWS, area])))
    codes = {row.code for row in kept}
    assert {"990102001000", "990102001201"} <= codes
    assert "990102001598" not in codes
    assert dropped == ["青山水库"]


def test_it_keeps_a_unit_without_children():
    kept, dropped = drop_virtual(read_rows(csv_text([PROVINCE, CITY, EAST])))
    assert len(kept) == 3
    assert dropped == []


def test_it_drops_a_named_unit_with_everything_below_it():
    kept, dropped = drop_virtual(read_rows(CITY_FILE), ("西城区",))
    assert not [row for row in kept if row.code.startswith("990102")]
    assert dropped == ["西城区", "石桥镇", "石桥村委会", "青山水库"]


@pytest.mark.parametrize("order", [1, -1], ids=["parents first", "children first"])
def test_it_drops_only_the_unit_above_a_virtual_area_whatever_the_order(order):
    # A district whose one street is a forest farm with nothing but a virtual living area:
    # the farm goes, the district stays.
    forest = [
        ("990103000000", "林区", 3, "990100000000"),
        ("990103401000", "大山林场", 4, "990103000000"),
        ("990103401598", "大山林场虚拟生活区", 5, "990103401000"),
    ]
    kept, dropped = drop_virtual(read_rows(csv_text([PROVINCE, CITY, *forest[::order]])))
    assert sorted(row.code for row in kept) == ["990000000000", "990100000000", "990103000000"]
    assert dropped == ["大山林场"]


def test_the_bundled_guangzhou_file_drops_exactly_its_two_non_administrative_units():
    rows = read_rows(BUNDLED["guangzhou"].read_text(encoding="utf-8"))
    kept, dropped = drop_virtual(rows)
    assert len(rows) == 3042
    assert dropped == ["黄龙带水库", "大岭山林场"]
    counts = {level: sum(row.level == level for row in kept) for level in range(1, 6)}
    assert counts == {1: 1, 2: 1, 3: 11, 4: 176, 5: 2849}


# Loading into the database


@pytest.mark.django_db
def test_every_test_database_holds_guangzhou_without_its_non_administrative_units():
    counts = {level: Region.objects.filter(level=level).count() for level in range(1, 6)}
    assert counts == {1: 1, 2: 1, 3: 11, 4: 176, 5: 2849}
    assert not Region.objects.filter(name__contains="虚拟").exists()
    assert not Region.objects.filter(name__in=["黄龙带水库", "大岭山林场"]).exists()
    luoyong = Region.objects.get(code="440111003005")
    assert (luoyong.name, luoyong.level) == ("螺涌社区居委会", 5)
    assert luoyong.full_name == "广州市白云区松洲街道螺涌社区居委会"
    assert [luoyong.parent_id, luoyong.parent.parent_id] == ["440111003000", "440111000000"]


@pytest.mark.django_db
def test_it_creates_every_region_with_its_level_parent_and_full_name():
    result = load_regions(CITY_FILE)
    assert (result.created, result.updated, result.unchanged) == (KEPT, 0, 0)
    assert result.dropped == ["青山水库"]
    assert fake_regions().count() == KEPT
    assert not fake_regions().filter(name__contains="青山水库").exists()
    community = Region.objects.get(code="990101001001")
    assert (community.name, community.level, community.parent_id) == (
        "和平社区居委会",
        Region.Level.COMMUNITY,
        "990101001000",
    )


@pytest.mark.django_db
def test_it_leaves_the_province_out_of_full_names():
    load_regions(CITY_FILE)
    full_names = dict(fake_regions().values_list("code", "full_name"))
    assert full_names["990000000000"] == "测试省"
    assert full_names["990100000000"] == "测试市"
    assert full_names["990101000000"] == "测试市东城区"
    assert full_names["990101001001"] == "测试市东城区和平街道和平社区居委会"


@pytest.mark.django_db
def test_loading_the_same_file_again_changes_nothing():
    load_regions(CITY_FILE)
    before = list(fake_regions().values_list("code", "name", "full_name", "updated_at"))
    result = load_regions(CITY_FILE)
    assert (result.created, result.updated, result.unchanged) == (0, 0, KEPT)
    assert list(fake_regions().values_list("code", "name", "full_name", "updated_at")) == before


@pytest.mark.django_db
def test_it_updates_a_renamed_region_and_the_full_names_below_it():
    load_regions(CITY_FILE)
    result = load_regions(CITY_FILE.replace("和平街道", "和平街道（新）"))
    assert (result.created, result.updated, result.unchanged) == (0, 3, KEPT - 3)
    assert Region.objects.get(code="990101001000").name == "和平街道（新）"
    assert dict(
        fake_regions().filter(parent_id="990101001000").values_list("code", "full_name")
    ) == {
        "990101001001": "测试市东城区和平街道（新）和平社区居委会",
        "990101001002": "测试市东城区和平街道（新）安宁村委会",
    }


@pytest.mark.django_db
def test_an_updated_region_is_stamped_so_that_other_processes_rebuild_their_index():
    load_regions(CITY_FILE)
    before = Region.objects.get(code="990101001002").updated_at
    load_regions(CITY_FILE.replace("安宁村委会", "安康村委会"))
    assert Region.objects.get(code="990101001002").updated_at > before


@pytest.mark.django_db
def test_it_adds_new_regions_to_a_file_loaded_before():
    load_regions(CITY_FILE)
    extra = ("990101001003", "新村委会", 5, "990101001000")
    result = load_regions(csv_text([*CITY_ROWS, extra]))
    assert (result.created, result.updated, result.unchanged) == (1, 0, KEPT)
    assert Region.objects.get(code="990101001003").full_name == "测试市东城区和平街道新村委会"


@pytest.mark.django_db
def test_it_hangs_new_regions_under_parents_already_in_the_database():
    result = load_regions(csv_text([("440111003999", "新建社区居委会", 5, "440111003000")]))
    assert result.created == 1
    region = Region.objects.get(code="440111003999")
    assert region.full_name == "广州市白云区松洲街道新建社区居委会"


@pytest.mark.django_db
def test_the_look_up_finds_loaded_regions_at_once():
    with pytest.raises(RegionNotFound):
        find_region("测试市")  # builds the index without the fake city
    load_regions(CITY_FILE)
    assert find_region("东城区和平街").code == "990101001000"


@pytest.mark.django_db
def test_it_loads_a_file_without_a_province():
    city_only = csv_text(
        [("990100000000", "测试市", 2, ""), ("990101000000", "东城区", 3, "990100000000")]
    )
    result = load_regions(city_only)
    assert result.created == 2
    assert Region.objects.get(code="990101000000").full_name == "测试市东城区"


@pytest.mark.django_db
def test_it_drops_the_units_it_is_told_to_exclude():
    result = load_regions(CITY_FILE, exclude_names=("石桥镇",))
    assert result.dropped == ["石桥镇", "石桥村委会", "青山水库"]
    assert not fake_regions().filter(code__startswith="990102001").exists()
    assert Region.objects.filter(code="990102000000").exists()


@pytest.mark.django_db
def test_it_refuses_a_region_whose_parent_is_nowhere():
    orphan = ("990101001001", "和平社区居委会", 5, "990101009000")
    message = load_refused(csv_text([PROVINCE, CITY, EAST, orphan]))
    assert message == "和平社区居委会 (990101001001): its parent 990101009000 is not in the file."
    assert not fake_regions().exists()


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (("980100000000", "外省市", 2, "990000000000"), "990000000000"),  # another province
        (("990201000000", "外市区", 3, "990100000000"), "990100000000"),  # another city
        (("990102001000", "错位街道", 4, "990101000000"), "990101000000"),  # another district
    ],
)
@pytest.mark.django_db
def test_it_refuses_a_region_whose_code_is_not_under_its_parents(child, parent):
    message = load_refused(csv_text([PROVINCE, CITY, EAST, child]))
    assert message == f"{child[1]} ({child[0]}) cannot lie under {parent}."
    assert not fake_regions().exists()


@pytest.mark.django_db
def test_it_refuses_a_region_whose_level_is_not_below_its_parents():
    sibling = ("990102000000", "西城区", 3, "990101000000")
    message = load_refused(csv_text([PROVINCE, CITY, EAST, sibling]))
    assert message == "西城区 (990102000000) cannot lie under 990101000000."


@pytest.mark.django_db
def test_a_refused_file_leaves_the_database_as_it_was():
    load_regions(CITY_FILE)
    before = list(fake_regions().values_list("code", "name", "full_name", "updated_at"))
    bad = csv_text([*CITY_ROWS, ("990103001000", "孤儿街道", 4, "990103000000")])
    load_refused(bad.replace("和平街道", "和平街道（改）"))
    assert list(fake_regions().values_list("code", "name", "full_name", "updated_at")) == before


@pytest.mark.django_db
def test_loading_the_bundled_guangzhou_file_again_changes_nothing():
    result = load_regions(BUNDLED["guangzhou"].read_text(encoding="utf-8"))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3038)
    assert result.dropped == ["黄龙带水库", "大岭山林场"]


# The command


def run(*args) -> str:
    out = io.StringIO()
    call_command("regions", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def city_file(tmp_path):
    path = tmp_path / "city.csv"
    path.write_text(CITY_FILE, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_the_load_command_reports_what_it_did(city_file):
    assert run("load", str(city_file)).splitlines() == [
        f"regions: {KEPT} created, 0 updated, 0 unchanged",
        "dropped (not administrative): 青山水库",
    ]
    assert fake_regions().count() == KEPT
    assert run("load", str(city_file)).splitlines() == [
        f"regions: 0 created, 0 updated, {KEPT} unchanged",
        "dropped (not administrative): 青山水库",
    ]


@pytest.mark.django_db
def test_the_load_command_reports_as_json(city_file):
    assert json.loads(run("load", str(city_file), "--json")) == {
        "created": KEPT,
        "updated": 0,
        "unchanged": 0,
        "dropped": ["青山水库"],
    }
    again = json.loads(run("load", str(city_file), "--json"))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, KEPT)


@pytest.mark.django_db
def test_the_load_command_drops_every_unit_given_with_exclude(city_file):
    report = json.loads(
        run("load", str(city_file), "--json", "--exclude", "石桥镇", "--exclude", "安宁村委会")
    )
    assert report["created"] == KEPT - 3
    assert report["dropped"] == ["安宁村委会", "石桥镇", "石桥村委会", "青山水库"]
    assert not Region.objects.filter(code__in=["990101001002", "990102001000"]).exists()


@pytest.mark.django_db
def test_the_load_command_reads_a_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text(CITY_FILE, encoding="utf-8-sig")
    assert json.loads(run("load", str(path), "--json"))["created"] == KEPT


@pytest.mark.django_db
def test_the_load_command_loads_a_bundled_city_by_its_name():
    report = json.loads(run("load", "guangzhou", "--json"))
    assert report == {
        "created": 0,
        "updated": 0,
        "unchanged": 3038,
        "dropped": ["黄龙带水库", "大岭山林场"],
    }


@pytest.mark.django_db
def test_the_load_command_refuses_a_missing_file(tmp_path):
    missing = tmp_path / "missing.csv"
    with pytest.raises(CommandError) as error:
        run("load", str(missing))
    assert str(error.value) == f"cannot read {missing}: No such file or directory"


@pytest.mark.django_db
def test_the_load_command_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(CITY_FILE.encode("gbk"))
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run("load", str(path))
    assert not fake_regions().exists()


@pytest.mark.django_db
def test_the_load_command_refuses_a_bad_file_with_the_reason(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text([PROVINCE, ("990100000000", "测试市", 9, "990000000000")]))
    with override("en"), pytest.raises(CommandError) as error:
        run("load", str(path))
    assert str(error.value) == "Line 3: the level must be 1 to 5, not “9”."
    assert not fake_regions().exists()
