"""The one region look-up: kapok/regions/lookup.py and kapok/regions/names.py.

The tests against the database use Guangzhou's real codes, loaded into every test database.
The tests of RegionIndex alone build small indexes by hand and touch no database.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import override

from kapok.regions import lookup
from kapok.regions.lookup import (
    AmbiguousRegion,
    RegionIndex,
    RegionLookupError,
    RegionNotFound,
    _Entry,
    find_region,
    get_index,
)
from kapok.regions.models import Region
from kapok.regions.names import CITY, COMMUNITY, DISTRICT, STREET, clean, compatible, variants

SONGZHOU = "440111003000"
LUOYONG = "440111003005"
SANLIAN_HUADU = "440114107220"
SANLIAN_ZENGCHENG = "440118005204"


@pytest.fixture(scope="module")
def guangzhou(django_db_setup, django_db_blocker) -> RegionIndex:
    """An index of the Guangzhou codes, built once for the tests that only read it."""
    with django_db_blocker.unblock():
        return RegionIndex.build()


# Finding regions in Guangzhou


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # codes of 6, 9 and 12 digits, and the shorter ones of a province and a city
        ("440111", "440111000000"),
        ("440111003", SONGZHOU),
        ("440111003005", LUOYONG),
        ("440111000000", "440111000000"),
        ("4401", "440100000000"),
        ("44", "440000000000"),
        (" 440111003005 ", LUOYONG),
        ("４４０１１１００３００５", LUOYONG),  # full-width digits from a Chinese input method
        # a street by its name, shortened or in full
        ("松洲街道", SONGZHOU),
        ("松洲街", SONGZHOU),
        ("松洲", SONGZHOU),
        ("松洲街道办事处", SONGZHOU),
        # a community by its name, shortened or in full
        ("螺涌", LUOYONG),
        ("螺涌社区", LUOYONG),
        ("螺涌社区居委会", LUOYONG),
        ("螺涌居委会", LUOYONG),
        ("  螺涌社区  ", LUOYONG),
        # districts and the city
        ("白云区", "440111000000"),
        ("荔湾", "440103000000"),
        ("荔湾区", "440103000000"),
        ("广州", "440100000000"),
        ("广州市", "440100000000"),
        # qualified by their parents, with separators or written together
        ("白云区松洲街螺涌", LUOYONG),
        ("白云区/松洲/螺涌", LUOYONG),
        ("白云区／松洲／螺涌", LUOYONG),
        ("白云区 松洲街 螺涌", LUOYONG),
        ("白云区 › 松洲街道 › 螺涌社区", LUOYONG),
        ("白云区、松洲街、螺涌", LUOYONG),
        ("松洲街道螺涌社区", LUOYONG),
        ("松洲/螺涌", LUOYONG),
        ("白云区松洲", SONGZHOU),
        ("广州市白云区", "440111000000"),
        ("广州市白云区松洲街道螺涌社区居委会", LUOYONG),
        ("广东省广州市白云区松洲街道螺涌社区居委会", LUOYONG),
        ("花都区炭步镇三联村", SANLIAN_HUADU),
        ("花都区三联村", SANLIAN_HUADU),
        ("炭步镇三联村", SANLIAN_HUADU),
        ("增城区/三联村", SANLIAN_ZENGCHENG),
        ("荔湖街三联村委会", SANLIAN_ZENGCHENG),
        # an ambiguous first part made plain by the next one: only 白云区 has a 螺涌
        ("白云/螺涌", LUOYONG),
    ],
)
def test_it_finds_a_region_however_people_write_it(guangzhou, text, code):
    assert guangzhou.find(text).code == code


@pytest.mark.django_db
def test_it_returns_the_region_with_its_names_and_parent():
    region = find_region("螺涌")
    assert region == Region.objects.get(code=LUOYONG)
    assert (region.name, region.level, region.parent_id) == (
        "螺涌社区居委会",
        Region.Level.COMMUNITY,
        SONGZHOU,
    )
    assert region.full_name == "广州市白云区松洲街道螺涌社区居委会"
    assert region.prefix == LUOYONG


@pytest.mark.django_db
def test_the_region_it_returns_can_be_used_as_a_foreign_key():
    from tests.factories import UnitFactory

    unit = UnitFactory(region=find_region("松洲街"))
    unit.refresh_from_db()
    assert unit.region_id == SONGZHOU
    assert find_region("松洲街")._state.adding is False


@pytest.mark.django_db
def test_every_guangzhou_region_is_found_by_its_code_its_full_name_and_its_name_in_its_parent(
    guangzhou,
):
    for region in Region.objects.select_related("parent"):
        assert guangzhou.find(region.code).code == region.code
        assert guangzhou.find(region.full_name).code == region.code
        if region.parent is not None:
            assert guangzhou.find(region.name, within=region.parent).code == region.code


# Names that fit several regions, and names that fit none


@pytest.mark.django_db
def test_an_ambiguous_name_lists_every_candidate_qualified_by_its_parents():
    with pytest.raises(AmbiguousRegion) as error:
        find_region("三联村")
    assert error.value.text == "三联村"
    assert [region.code for region in error.value.candidates] == [
        SANLIAN_HUADU,
        SANLIAN_ZENGCHENG,
    ]
    assert [region.full_name for region in error.value.candidates] == [
        "广州市花都区炭步镇三联村委会",
        "广州市增城区荔湖街道三联村委会",
    ]


@pytest.mark.django_db
def test_the_ambiguity_message_names_the_candidates_and_what_to_add():
    with override("en"), pytest.raises(AmbiguousRegion) as error:
        find_region("三联村委会")
    assert str(error.value) == (
        "“三联村委会” could be any of: "
        "广州市花都区炭步镇三联村委会、广州市增城区荔湖街道三联村委会. Add its street or district."
    )


@pytest.mark.django_db
def test_a_name_shared_by_regions_of_different_levels_is_ambiguous_until_the_level_is_given():
    with pytest.raises(AmbiguousRegion) as error:
        find_region("白云")
    assert {region.level for region in error.value.candidates} == {3, 4, 5}
    assert find_region("白云", level=Region.Level.DISTRICT).code == "440111000000"
    assert find_region("白云", level=Region.Level.STREET).full_name == "广州市越秀区白云街道"
    assert find_region("白云", level=Region.Level.COMMUNITY).code == "440104015009"


@pytest.mark.parametrize("text", ["北京路", "不存在社区", "黄龙带水库", "东山区", "螺 涌"])
def test_an_unknown_name_is_not_found_never_guessed(guangzhou, text):
    with pytest.raises(RegionNotFound) as error:
        guangzhou.find(text)
    assert error.value.text == text


@pytest.mark.parametrize("text", ["", "   ", "123", "4401119", "440111003599", "990000000000"])
def test_an_unknown_or_malformed_code_is_not_found(guangzhou, text):
    with pytest.raises(RegionNotFound):
        guangzhou.find(text)


@pytest.mark.django_db
def test_the_not_found_message_names_the_text():
    with override("en"), pytest.raises(RegionNotFound) as error:
        find_region("北京路")
    assert str(error.value) == "No region called “北京路”."


@pytest.mark.django_db
def test_the_not_found_message_names_the_region_searched():
    liwan = find_region("荔湾区")
    with override("en"), pytest.raises(RegionNotFound) as error:
        find_region("螺涌", within=liwan)
    assert str(error.value) == "No region called “螺涌” in 广州市荔湾区."


@pytest.mark.django_db
def test_the_errors_share_one_base_class_for_callers():
    assert issubclass(RegionNotFound, RegionLookupError)
    assert issubclass(AmbiguousRegion, RegionLookupError)
    assert issubclass(RegionLookupError, LookupError)


@pytest.mark.django_db
def test_the_chinese_messages_are_the_default():
    with pytest.raises(RegionNotFound) as error:
        find_region("北京路")
    assert str(error.value) == "找不到名为“北京路”的区划。"


# Narrowing the search


@pytest.mark.django_db
def test_within_narrows_an_ambiguous_name_to_one_region():
    assert find_region("三联村", within=find_region("花都区")).code == SANLIAN_HUADU
    assert find_region("三联村", within=find_region("荔湖街道")).code == SANLIAN_ZENGCHENG


@pytest.mark.django_db
def test_within_finds_a_community_in_its_street():
    songzhou = find_region("白云区松洲街")
    assert find_region("螺涌", within=songzhou).code == LUOYONG
    assert find_region("螺涌社区居委会", within=songzhou).code == LUOYONG


@pytest.mark.django_db
def test_within_excludes_what_lies_outside():
    liwan = find_region("荔湾区")
    with pytest.raises(RegionNotFound):
        find_region("螺涌", within=liwan)
    with pytest.raises(RegionNotFound):
        find_region(LUOYONG, within=liwan)
    with pytest.raises(RegionNotFound):
        find_region("松洲/螺涌", within=liwan)


@pytest.mark.django_db
def test_within_applies_to_a_path_of_names():
    baiyun = find_region("白云区")
    assert find_region("松洲/螺涌", within=baiyun).code == LUOYONG


@pytest.mark.django_db
def test_level_narrows_codes_and_names():
    assert find_region("440111", level=Region.Level.DISTRICT).code == "440111000000"
    with pytest.raises(RegionNotFound):
        find_region("440111", level=Region.Level.STREET)
    with pytest.raises(RegionNotFound):
        find_region("螺涌", level=Region.Level.STREET)
    assert find_region("白云区松洲", level=Region.Level.STREET).code == SONGZHOU
    with pytest.raises(RegionNotFound):
        find_region("白云区松洲", level=Region.Level.COMMUNITY)


@pytest.mark.django_db
def test_a_district_name_does_not_find_a_street_that_shares_its_stem():
    # 东山街道 is in 越秀区; 东山区 was merged into 越秀区 in 2005 and no longer exists.
    assert find_region("东山").code == "440104011000"
    assert find_region("东山街").code == "440104011000"
    with pytest.raises(RegionNotFound):
        find_region("东山区")


# The index: built once, rebuilt when regions change


@pytest.mark.django_db
def test_the_index_is_built_once_and_then_answers_without_queries(django_assert_num_queries):
    find_region("白云区")
    with django_assert_num_queries(0):
        find_region("螺涌")
        find_region("440111003")


@pytest.mark.django_db
def test_the_index_sees_a_region_saved_in_this_process():
    find_region("白云区")
    Region.objects.create(
        code="440111003999",
        name="新建社区居委会",
        level=5,
        parent_id=SONGZHOU,
        full_name="广州市白云区松洲街道新建社区居委会",
    )
    assert find_region("新建社区").code == "440111003999"


@pytest.mark.django_db
def test_the_index_forgets_a_region_deleted_in_this_process():
    region = Region.objects.create(
        code="440111003999", name="新建社区居委会", level=5, parent_id=SONGZHOU, full_name="x"
    )
    assert find_region("新建社区").code == region.code
    region.delete()
    with pytest.raises(RegionNotFound):
        find_region("新建社区")


@pytest.mark.django_db
def test_the_index_sees_changes_made_by_another_process_once_its_time_is_up(monkeypatch):
    find_region("螺涌")
    # Another process renames a region: no signal reaches this one.
    Region.objects.filter(code=LUOYONG).update(
        name="螺涌新社区居委会", updated_at=timezone.now() + timedelta(seconds=1)
    )
    assert find_region("螺涌").code == LUOYONG  # still the index built before
    monkeypatch.setattr(lookup, "INDEX_TTL", 0.0)
    assert find_region("螺涌新社区").code == LUOYONG


@pytest.mark.django_db
def test_the_index_is_not_rebuilt_when_nothing_changed(monkeypatch):
    first = get_index()
    monkeypatch.setattr(lookup, "INDEX_TTL", 0.0)
    assert get_index() is first


# The find command


@pytest.mark.django_db
def test_the_find_command_prints_the_code_and_the_full_name():
    out = io.StringIO()
    call_command("regions", "find", "白云区松洲街螺涌", stdout=out)
    assert out.getvalue() == "440111003005 广州市白云区松洲街道螺涌社区居委会\n"


@pytest.mark.django_db
def test_the_find_command_refuses_an_ambiguous_name_listing_the_candidates():
    with override("en"), pytest.raises(CommandError) as error:
        call_command("regions", "find", "三联村", stdout=io.StringIO())
    assert "广州市花都区炭步镇三联村委会、广州市增城区荔湖街道三联村委会" in str(error.value)


@pytest.mark.django_db
def test_the_find_command_refuses_an_unknown_name():
    with override("en"), pytest.raises(CommandError) as error:
        call_command("regions", "find", "北京路", stdout=io.StringIO())
    assert str(error.value) == "No region called “北京路”."


# RegionIndex alone, on regions made up for the purpose


def entry(code: str, name: str, level: int, parent: str | None = None) -> _Entry:
    return _Entry(code, name, level, parent, name)


CITY_ENTRY = entry("990100000000", "测试市", 2)
DISTRICT_ENTRY = entry("990101000000", "东城区", 3, "990100000000")
STREET_ENTRY = entry("990101001000", "三元里街道", 4, "990101000000")
VILLAGE_ENTRY = entry("990101001201", "三元里村委会", 5, "990101001000")
COMMUNITY_ENTRY = entry("990101001001", "三元里社区居委会", 5, "990101001000")


@pytest.fixture
def index():
    return RegionIndex([CITY_ENTRY, DISTRICT_ENTRY, STREET_ENTRY, VILLAGE_ENTRY, COMMUNITY_ENTRY])


def test_an_exact_spelling_wins_over_a_shorter_one(index):
    assert index.find("三元里村").code == VILLAGE_ENTRY.code
    assert index.find("三元里社区").code == COMMUNITY_ENTRY.code
    assert index.find("三元里街").code == STREET_ENTRY.code


def test_a_bare_stem_shared_by_several_regions_is_ambiguous(index):
    with pytest.raises(AmbiguousRegion) as error:
        index.find("三元里")
    assert [region.code for region in error.value.candidates] == [
        STREET_ENTRY.code,
        COMMUNITY_ENTRY.code,
        VILLAGE_ENTRY.code,
    ]


def test_a_suffix_of_one_kind_does_not_find_a_region_of_another(index):
    with pytest.raises(RegionNotFound):
        index.find("东城街道")
    with pytest.raises(RegionNotFound):
        index.find("测试区")
    assert index.find("东城").code == DISTRICT_ENTRY.code


def test_within_leaves_out_the_region_searched_in(index):
    street = STREET_ENTRY.region()
    assert index.find("三元里村", within=street).code == VILLAGE_ENTRY.code
    with pytest.raises(AmbiguousRegion) as error:
        index.find("三元里", within=street)
    assert STREET_ENTRY.code not in [region.code for region in error.value.candidates]


def test_level_picks_one_of_the_regions_sharing_a_stem(index):
    assert index.find("三元里", level=4).code == STREET_ENTRY.code
    with pytest.raises(AmbiguousRegion):
        index.find("三元里", level=5)


def test_the_index_matches_full_width_letters_and_brackets():
    index = RegionIndex([entry("990101001001", "Ａ区（东）社区居委会", 5, None)])
    assert index.find("A区(东)社区").code == "990101001001"
    assert index.find("Ａ区（东）").code == "990101001001"


# Names


def test_clean_makes_full_width_letters_and_digits_half_width_and_removes_spaces():
    assert clean("ＡＢ １２ 社区") == "AB12社区"
    assert clean("新村(一)") == "新村（一）"
    assert clean("新村（一）") == "新村（一）"


def test_variants_are_the_name_and_every_shorter_spelling_longest_first():
    assert variants("三联村委会") == (
        ("三联村委会", None),
        ("三联村", COMMUNITY),
        ("三联", COMMUNITY),
    )
    spellings = [text for text, _kind in variants("螺涌社区居委会")]
    assert spellings[0] == "螺涌社区居委会"
    assert {"螺涌社区", "螺涌"} <= set(spellings)
    assert [len(text) for text in spellings] == sorted(map(len, spellings), reverse=True)


def test_variants_take_off_suffixes_of_every_kind():
    assert set(variants("松洲街道办事处")) >= {
        ("松洲街道办事处", None),
        ("松洲街道", STREET),
        ("松洲", STREET),
    }
    assert ("白云", DISTRICT) in variants("白云区")
    assert ("广州", CITY) in variants("广州市")
    assert ("三联", COMMUNITY) in variants("三联村委会")
    assert ("三联村", COMMUNITY) in variants("三联村委会")


def test_variants_never_take_off_the_whole_name():
    assert variants("村") == (("村", None),)
    assert variants("街道") == (("街道", None),)
    assert all(text for text, _kind in variants("社区居委会"))


def test_variants_keep_the_kind_of_the_first_suffix_taken_off():
    # 新村镇: a town; 新村 reached from it is a town's stem, not a village.
    assert ("新村", STREET) in variants("新村镇")
    assert ("新", COMMUNITY) not in variants("新村镇")
    assert ("新", STREET) in variants("新村镇")


@pytest.mark.parametrize(
    ("query", "entry_kind", "agree"),
    [
        (None, None, True),
        (None, STREET, True),
        (STREET, None, True),
        (STREET, STREET, True),
        (DISTRICT, STREET, False),
        (COMMUNITY, STREET, False),
    ],
)
def test_two_spellings_agree_unless_their_suffixes_are_of_different_kinds(query, entry_kind, agree):
    assert compatible(query, entry_kind) is agree
