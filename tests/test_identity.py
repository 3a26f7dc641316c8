"""Identity data as departments hand it over: kapok/registry/identity.py."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from kapok.registry import identity
from kapok.registry.identity import (
    DateError,
    IdNumber,
    IdNumberError,
    PhoneError,
    age_on,
    check_character,
    normalize_name,
    normalize_phones,
    parse_date,
    parse_id_number,
    pinyin_initials,
    upgrade_id_number,
)

TODAY = dt.date(2022, 4, 28)


def with_check(first17: str) -> str:
    """An ID number with its check character, computed here independently of the module.

    ISO 7064 MOD 11-2: the weight of the i-th digit is 2**(17 - i) mod 11, and the check
    character makes the weighted sum of all 18 equal 1 mod 11 (X stands for 10).
    """
    assert len(first17) == 17
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    check = (12 - total % 11) % 11
    return first17 + ("X" if check == 10 else str(check))


def with_wrong_check(first17: str) -> str:
    right = with_check(first17)[-1]
    return first17 + ("1" if right != "1" else "2")


ID_X = "44011119450312123X"  # the example of the design: its check character is X
ID_MAN = with_check("44010519600905477")  # 17th digit 7: odd, a man
ID_WOMAN = with_check("44010320081013458")  # 17th digit 8: even, a woman


def parse(raw, today=TODAY) -> IdNumber:
    return parse_id_number(raw, today=today)


def error_of(raw, today=TODAY) -> IdNumberError:
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=today)
    return caught.value


# ID numbers: the check character


@pytest.mark.parametrize(
    "value",
    [
        ID_X,
        # From the sample rosters, as departments exported them.
        "440103200810134581",
        "440105196009054774",
        "44011220010928000X",
        "44010319420610162X",
        "440105192803118327",
    ],
)
def test_the_helper_of_these_tests_agrees_with_real_id_numbers(value):
    assert with_check(value[:17]) == value


@pytest.mark.parametrize("first17", ["44011119450312123", "11010519491231002", "44010320081013458"])
def test_the_check_character_is_computed_as_gb_11643_says(first17):
    assert check_character(first17) == with_check(first17)[-1]


@pytest.mark.parametrize("bad", ["4401111945031212", "440111194503121234", "4401111945031212X"])
def test_the_check_character_needs_exactly_seventeen_digits(bad):
    with pytest.raises(ValueError, match="17 digits"):
        check_character(bad)


# ID numbers: valid ones


@pytest.mark.parametrize(
    ("raw", "birth_date", "sex", "region_code"),
    [
        (ID_X, dt.date(1945, 3, 12), "M", "440111"),
        (ID_MAN, dt.date(1960, 9, 5), "M", "440105"),
        (ID_WOMAN, dt.date(2008, 10, 13), "F", "440103"),
        ("44011220010928000X", dt.date(2001, 9, 28), "F", "440112"),
        (with_check("11010519491231002"), dt.date(1949, 12, 31), "F", "110105"),
        (with_check("82000119800101004"), dt.date(1980, 1, 1), "F", "820001"),
        (with_check("81000119800101003"), dt.date(1980, 1, 1), "M", "810001"),
        (with_check("71000119800101006"), dt.date(1980, 1, 1), "F", "710001"),
        (with_check("46010519800101003"), dt.date(1980, 1, 1), "M", "460105"),
        (with_check("65010218800101001"), dt.date(1880, 1, 1), "M", "650102"),
        (with_check("51010420220428001"), TODAY, "M", "510104"),
    ],
)
def test_a_valid_id_number_gives_its_birth_date_sex_and_region(raw, birth_date, sex, region_code):
    id_number = parse(raw)
    assert id_number == IdNumber(
        value=raw, birth_date=birth_date, sex=sex, region_code=region_code, upgraded=False
    )


@pytest.mark.parametrize(
    ("seventeenth", "sex"),
    [
        ("0", "F"),
        ("1", "M"),
        ("2", "F"),
        ("3", "M"),
        ("4", "F"),
        ("5", "M"),
        ("8", "F"),
        ("9", "M"),
    ],
)
def test_the_seventeenth_digit_gives_the_sex_odd_for_men(seventeenth, sex):
    assert parse(with_check("4401111945031212" + seventeenth)).sex == sex


@pytest.mark.parametrize(
    "raw",
    [
        "44011119450312123x",
        " 44011119450312123X ",
        "440111 19450312 123X",
        "440111-19450312-123X".replace("-", "\u3000"),
        "440111\u00a019450312\u00a0123X",
        "\t44011119450312123X\n",
        "'44011119450312123X",
        "`44011119450312123X",
        '"44011119450312123X"',
        "“44011119450312123X”",
        "‘44011119450312123x’",
        "４４０１１１１９４５０３１２１２３Ｘ",
        "４４０１１１１９４５０３１２１２３ｘ",
        "\ufeff44011119450312123X\u200b",
    ],
)
def test_an_id_number_is_normalised_before_it_is_checked(raw):
    assert parse(raw).value == ID_X


def test_a_normalised_id_number_has_eighteen_characters_and_an_upper_case_x():
    value = parse("４４０１１１ １９４５０３１２ １２３ｘ").value
    assert value == ID_X
    assert len(value) == 18


@pytest.mark.parametrize(
    "raw",
    [
        "440111450312123",
        " 440111 450312 123 ",
        "'440111450312123",
        "４４０１１１４５０３１２１２３",
    ],
)
def test_an_old_fifteen_digit_number_is_upgraded_to_eighteen(raw):
    id_number = parse(raw)
    assert id_number.value == "44011119450312123X" == with_check("44011119450312123")
    assert id_number.upgraded is True
    assert id_number.birth_date == dt.date(1945, 3, 12)
    assert id_number.sex == "M"
    assert id_number.region_code == "440111"


@pytest.mark.parametrize(
    ("old", "upgraded"),
    [
        ("440111450312123", "44011119450312123X"),
        ("110105491231002", with_check("11010519491231002")),
        ("440103991231004", with_check("44010319991231004")),
    ],
)
def test_upgrading_inserts_nineteen_before_the_birth_date_and_appends_the_check(old, upgraded):
    assert upgrade_id_number(old) == upgraded


@pytest.mark.parametrize(
    "raw", [440111450312123, 440111450312123.0, Decimal("440111450312123"), "440111450312123.0"]
)
def test_an_old_fifteen_digit_number_stored_as_a_number_is_not_damaged(raw):
    # Fifteen digits fit exactly in a float: nothing was lost.
    id_number = parse(raw)
    assert id_number.value == "44011119450312123X"
    assert id_number.upgraded is True


def test_an_eighteen_digit_number_is_not_marked_upgraded():
    assert parse(ID_X).upgraded is False


def test_a_genuine_id_number_ending_in_three_zeros_is_valid():
    # Some ID numbers really end in 000: they are valid when their check digit is right.
    genuine = next(
        value
        for value in (with_check(f"44011119450312{digit}00") for digit in "0123456789")
        if value.endswith("000")
    )
    assert parse(genuine).value == genuine


def test_the_birth_date_may_be_today_but_not_tomorrow_by_default():
    today = timezone.localdate()
    born_today = with_check("440111" + today.strftime("%Y%m%d") + "123")
    born_tomorrow = with_check("440111" + (today + dt.timedelta(days=1)).strftime("%Y%m%d") + "123")
    assert parse_id_number(born_today).birth_date == today
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(born_tomorrow)
    assert caught.value.code == "bad_birth_date"


def test_the_id_number_is_never_shown_in_clear_in_its_repr():
    id_number = parse(ID_X)
    assert ID_X not in repr(id_number)
    assert ID_X not in str(id_number)
    assert "440111********123X" in repr(id_number)
    assert id_number.masked == "440111********123X"


def test_an_id_number_knows_the_age_of_its_holder():
    assert parse(ID_X).age_on(TODAY) == 77


def test_an_id_number_cannot_be_changed():
    id_number = parse(ID_X)
    with pytest.raises(AttributeError):
        id_number.value = ID_MAN


# ID numbers: values that Excel turned into numbers


@pytest.mark.parametrize(
    "raw",
    [
        "4.40111194503121E+17",
        "4.40111194503121e17",
        "4.40111194503121E17",
        "4.40111194503121e+17",
        " 4.40111194503121E+17 ",
        "'4.40111194503121E+17",
        "４.４０１１１１９４５０３１２１Ｅ＋１７",
        "4.40111E+14",
        "440111194503121000",
        "440111 194503121 000",
        "440111194503121000.0",
        "440103200810134581.0",  # a float written out: whatever the digits, it went through one
        4.40111194503121e17,
        4.401051946012028e17,  # as python-calamine reads the sample roster
        4.401031955071271e17,
        float(ID_WOMAN),
        440111194503121000,
        int(ID_WOMAN),  # an 18-digit number from a reader went through a float too
        4401111945031210,
        Decimal("440111194503121000"),
        12.5,
    ],
)
def test_a_value_excel_turned_into_a_number_is_recognised_as_damaged(raw):
    error = error_of(raw)
    assert error.code == "excel_damaged"


def test_a_damaged_value_is_never_taken_for_a_valid_id_number():
    # 440111194503121000 is what Excel makes of 44011119450312123X: the region and the birth
    # date are still right, so only the zeros and the failing check tell the damage.
    damaged = "440111194503121000"
    assert with_check(damaged[:17]) != damaged
    assert error_of(damaged).code == "excel_damaged"
    assert error_of(int(damaged)).code == "excel_damaged"
    assert error_of(float(damaged)).code == "excel_damaged"


def test_a_wrong_check_without_the_trailing_zeros_is_a_checksum_error_not_damage():
    assert error_of(with_wrong_check("44011119450312123")).code == "bad_checksum"
    assert error_of("440111194503121200").code == "bad_checksum"


# ID numbers: every other error


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "empty"),
        ("", "empty"),
        ("   ", "empty"),
        ("\u3000", "empty"),
        ("'", "empty"),
        ('""', "empty"),
        ("无", "empty"),
        ("暂无", "empty"),
        ("-", "empty"),
        (float("nan"), "empty"),
        ("44011119450312123A", "bad_characters"),
        ("4401111945.0312123X", "bad_characters"),
        ("440111/19450312/123X", "bad_characters"),
        ("440111-19450312-123X", "bad_characters"),
        ("X40111194503121234", "bad_characters"),
        ("4401111945031212X4", "bad_characters"),
        ("44011145031212X", "bad_characters"),
        ("张三", "bad_characters"),
        (True, "bad_characters"),
        (-440111450312123, "bad_characters"),
        (float("inf"), "bad_characters"),
        (dt.date(1945, 3, 12), "bad_characters"),
        ("12345", "bad_length"),
        (12345, "bad_length"),
        ("4401111945031212", "bad_length"),
        ("44011119450312123", "bad_length"),
        ("44011119450312123XX", "bad_length"),
        ("44010519911216575921", "bad_length"),  # a disability certificate number
        ("4401114503121234", "bad_length"),
        (with_check("00011119450312123"), "bad_region"),
        (with_check("10011119450312123"), "bad_region"),
        (with_check("16011119450312123"), "bad_region"),
        (with_check("24011119450312123"), "bad_region"),
        (with_check("38011119450312123"), "bad_region"),
        (with_check("47011119450312123"), "bad_region"),
        (with_check("55011119450312123"), "bad_region"),
        (with_check("70011119450312123"), "bad_region"),
        (with_check("83011119450312123"), "bad_region"),
        (with_check("91011119450312123"), "bad_region"),
        (with_check("44000019450312123"), "bad_region"),
        ("000111450312123", "bad_region"),
        (with_check("44011119451312123"), "bad_birth_date"),
        (with_check("44011119450230123"), "bad_birth_date"),
        (with_check("44011119450001123"), "bad_birth_date"),
        (with_check("44011119450300123"), "bad_birth_date"),
        (with_check("44011119010229123"), "bad_birth_date"),
        (with_check("44011118791231123"), "bad_birth_date"),
        (with_check("44011120220429123"), "bad_birth_date"),
        (with_check("44011130000101123"), "bad_birth_date"),
        ("440111451312123", "bad_birth_date"),
        (with_wrong_check("44011119450312123"), "bad_checksum"),
        ("440111194503121231", "bad_checksum"),
        ("440103200810134582", "bad_checksum"),
        ("44010320081013458X", "bad_checksum"),
    ],
)
def test_an_unusable_id_number_raises_an_error_with_a_stable_code(raw, code):
    assert error_of(raw).code == code


def test_an_id_number_error_is_a_value_error():
    assert issubclass(IdNumberError, ValueError)
    with pytest.raises(ValueError):  # noqa: PT011 - the point is the base class
        parse("123")


def test_the_future_is_judged_against_the_day_given():
    born = with_check("44011120220429123")
    assert error_of(born, today=dt.date(2022, 4, 28)).code == "bad_birth_date"
    assert parse(born, today=dt.date(2022, 4, 29)).birth_date == dt.date(2022, 4, 29)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("440111194503121000", "440111********1000"),
        (with_wrong_check("44011119450312123"), "440111********123" + "1"),
        (with_check("44011119451312123"), "440111********123"),
        (with_check("91011119450312123"), "910111********123"),
        ("4401111945031212", "440111******1212"),
        ("4.40111194503121E+17", "4.4011**********E+17"),
    ],
)
def test_an_id_number_error_names_the_value_masked_never_in_clear(raw, masked):
    with translation.override("en"):
        message = str(error_of(raw))
    assert masked in message
    assert str(raw) not in message
    assert "ID number" in message


@pytest.mark.parametrize(
    ("code", "raw", "words"),
    [
        ("empty", "", "empty"),
        ("excel_damaged", "440111194503121000", "Excel"),
        ("bad_characters", "44011119450312123A", "characters"),
        ("bad_length", "12345", "5 characters"),
        ("bad_region", with_check("91011119450312123"), "region"),
        ("bad_birth_date", with_check("44011119451312123"), "not a real date"),
        ("bad_birth_date", with_check("44011120220429123"), "future"),
        ("bad_birth_date", with_check("44011118791231123"), "1880"),
        ("bad_checksum", with_wrong_check("44011119450312123"), "check character"),
    ],
)
def test_an_id_number_error_says_what_is_wrong(code, raw, words):
    with translation.override("en"):
        error = error_of(raw)
        assert error.code == code
        assert words in str(error)


# Phones


@pytest.mark.parametrize(
    ("raw", "phones"),
    [
        # As they come in the sample rosters.
        ("+86 18173695801", ["18173695801"]),
        ("13995453788/15227345322", ["13995453788", "15227345322"]),
        ("136-7084-8359", ["13670848359"]),
        ("020-81234567", ["020-81234567"]),
        ("(020)8123 4567", ["020-81234567"]),
        ("13812345678.0", ["13812345678"]),
        # Mobiles in every dress.
        ("13812345678", ["13812345678"]),
        (" 138 1234 5678 ", ["13812345678"]),
        ("138.1234.5678", ["13812345678"]),
        ("+8613812345678", ["13812345678"]),
        ("+86-138-1234-5678", ["13812345678"]),
        ("(+86)13812345678", ["13812345678"]),
        ("008613812345678", ["13812345678"]),
        ("0086 138 1234 5678", ["13812345678"]),
        ("8613812345678", ["13812345678"]),
        ("86 13812345678", ["13812345678"]),
        ("'13812345678", ["13812345678"]),
        ("１３８１２３４５６７８", ["13812345678"]),
        ("＋８６ １３８１２３４５６７８", ["13812345678"]),
        ("19912345678", ["19912345678"]),
        ("17012193908", ["17012193908"]),
        # Landlines, with and without an area code.
        ("020 81234567", ["020-81234567"]),
        ("020-8123-4567", ["020-81234567"]),
        ("（020）81234567", ["020-81234567"]),
        ("[020]81234567", ["020-81234567"]),
        ("02081234567", ["020-81234567"]),
        ("010-6512345", ["010-6512345"]),
        ("028-61234567", ["028-61234567"]),
        ("0731-2812345", ["0731-2812345"]),
        ("0731-28123456", ["0731-28123456"]),
        ("073128123456", ["0731-28123456"]),
        ("+86 20 8123 4567", ["020-81234567"]),
        ("+86-731-2812345", ["0731-2812345"]),
        ("81234567", ["81234567"]),
        ("8123-4567", ["81234567"]),
        ("2812345", ["2812345"]),
        # Extensions stay, after a comma.
        ("020-81234567转123", ["020-81234567,123"]),
        ("020-81234567 转 123", ["020-81234567,123"]),
        ("020-81234567分机8001", ["020-81234567,8001"]),
        ("020-81234567 ext. 12", ["020-81234567,12"]),
        ("020-81234567x12", ["020-81234567,12"]),
        ("020-81234567-123", ["020-81234567,123"]),
        ("020-81234567,123", ["020-81234567,123"]),
        ("81234567-123", ["81234567,123"]),
        # Several numbers in one cell.
        ("13995453788,15227345322", ["13995453788", "15227345322"]),
        ("13995453788，15227345322", ["13995453788", "15227345322"]),
        ("13995453788;15227345322", ["13995453788", "15227345322"]),
        ("13995453788；15227345322", ["13995453788", "15227345322"]),
        ("13995453788、15227345322", ["13995453788", "15227345322"]),
        ("13995453788|15227345322", ["13995453788", "15227345322"]),
        ("13995453788或15227345322", ["13995453788", "15227345322"]),
        ("13995453788\n15227345322", ["13995453788", "15227345322"]),
        ("13995453788\r\n15227345322", ["13995453788", "15227345322"]),
        ("13995453788 15227345322", ["13995453788", "15227345322"]),
        ("13995453788 / 15227345322", ["13995453788", "15227345322"]),
        ("138 1234 5678 139 8765 4321", ["13812345678", "13987654321"]),
        ("020 81234567 13812345678", ["020-81234567", "13812345678"]),
        ("020-81234567 020-87654321", ["020-81234567", "020-87654321"]),
        ("+86 18173695801/020-81234567转123", ["18173695801", "020-81234567,123"]),
        ("13995453788/", ["13995453788"]),
        # Repeats go, the order stays.
        ("15227345322/13995453788/15227345322", ["15227345322", "13995453788"]),
        ("+86 13812345678, 138-1234-5678", ["13812345678"]),
        # Nothing.
        (None, []),
        ("", []),
        ("  ", []),
        ("无", []),
        ("暂无", []),
        ("/", []),
        ("-", []),
        (float("nan"), []),
    ],
)
def test_phones_are_normalised(raw, phones):
    assert normalize_phones(raw) == phones


@pytest.mark.parametrize(
    ("raw", "phones"),
    [
        (13812345678, ["13812345678"]),
        (13812345678.0, ["13812345678"]),
        (Decimal("13812345678"), ["13812345678"]),
        (81234567, ["81234567"]),
        (81234567.0, ["81234567"]),
        # A landline in a numeric cell lost its leading 0.
        (2081234567, ["020-81234567"]),
        (7312812345, ["0731-2812345"]),
    ],
)
def test_phones_read_as_numbers_are_normalised(raw, phones):
    assert normalize_phones(raw) == phones


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "110",
        "abc",
        "张三",
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "020-1234",
        "020-012345678",
        "0131-2812345",
        "013-2812345",
        "001-2812345",
        "1234567",
        "13812345678转123",
        "13812345678-123",
        "13812345678,123",
        "020-81234567,1234567",
        "020-81234567转123,45",
        "1.3812345678E+10",
        "13812345678.5",
        "13812345678/12345",
        "020-81234567 1234",
        13812345678.5,
        -13812345678,
        12345,
        float("inf"),
        True,
    ],
)
def test_a_part_that_is_no_phone_number_raises_an_error(raw):
    with pytest.raises(PhoneError) as caught:
        normalize_phones(raw)
    assert caught.value.code == "bad_phone"
    assert isinstance(caught.value, ValueError)


def test_a_phone_error_names_the_bad_part_masked_and_keeps_the_good_numbers():
    with translation.override("en"), pytest.raises(PhoneError) as caught:
        normalize_phones("13995453788/1522734532/020-81234567")
    message = str(caught.value)
    assert "152***4532" in message
    assert "1522734532" not in message
    assert "13995453788" not in message
    assert "neither a mobile nor a landline" in message
    assert caught.value.phones == ["13995453788"]


@pytest.mark.parametrize(
    "raw",
    [
        "+86 18173695801/020-81234567转123",
        "(020)8123 4567、81234567-12",
        "0731-2812345 或 13812345678",
        "+86 20 8123 4567",
    ],
)
def test_normalising_normalised_phones_changes_nothing(raw):
    phones = normalize_phones(raw)
    assert normalize_phones("/".join(phones)) == phones
    assert normalize_phones(",".join(phones)) == phones


# Dates


@pytest.mark.parametrize(
    "raw",
    [
        "1945-03-12",
        "1945-3-12",
        "1945/3/12",
        "1945/03/12",
        "1945.3.12",
        "1945.03.12",
        "19450312",
        "1945年3月12日",
        "1945年03月12日",
        "1945年3月12号",
        "1945年3月12",
        "1945 年 3 月 12 日",
        "1945-3-12 00:00:00",
        "1945-03-12 08:30",
        "1945-03-12T08:30:00",
        "1945-03-12T08:30:00.123",
        "1945/3/12 0:00",
        "１９４５－０３－１２",
        "１９４５年３月１２日",
        " '1945-03-12 ",
        '"1945/3/12"',
        "\u30001945.3.12\u3000",
        dt.date(1945, 3, 12),
        dt.datetime(1945, 3, 12, 23, 59),
        16508,
        16508.0,
        16508.99,
        Decimal("16508"),
        19450312,
        19450312.0,
    ],
)
def test_a_date_is_read_in_every_usual_spelling(raw):
    assert parse_date(raw) == dt.date(1945, 3, 12)


@pytest.mark.parametrize(
    ("serial", "day"),
    [
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (25569, dt.date(1970, 1, 1)),
        (44679, dt.date(2022, 4, 28)),
        (73415, dt.date(2100, 12, 31)),
    ],
)
def test_an_excel_serial_number_counts_days_in_the_1900_date_system(serial, day):
    assert parse_date(serial) == day


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "  ",
        "1945",
        "1945-03",
        "45-3-12",
        "12/03/1945",
        "3/12/1945",
        "1945-13-01",
        "1945-02-29",
        "1945-04-31",
        "1945-00-10",
        "19451312",
        "1879-12-31",
        "2101-01-01",
        "1945-03-12 abc",
        "abc",
        "明天",
        "16508",
        0,
        -1,
        60,  # Excel's 1900-02-29, which never was
        73416,
        10**9,
        1e20,
        float("inf"),
        float("nan"),
        True,
    ],
)
def test_a_value_that_is_no_date_raises_an_error(raw):
    with pytest.raises(DateError) as caught:
        parse_date(raw)
    assert caught.value.code == "bad_date"
    assert isinstance(caught.value, ValueError)


def test_a_date_error_names_the_value():
    with translation.override("en"), pytest.raises(DateError) as caught:
        parse_date("1945-02-30")
    assert str(caught.value) == "1945-02-30 is not a date."


# Names


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("张三明", "张三明"),
        ("岑 妹娣", "岑妹娣"),
        ("麦 兰辉", "麦兰辉"),
        ("麦兰辉 ", "麦兰辉"),
        ("杨涵 ", "杨涵"),
        (" 岑  妹 娣 ", "岑妹娣"),
        ("岑\u3000妹娣", "岑妹娣"),
        ("岑\u00a0妹娣", "岑妹娣"),
        ("岑\t妹娣", "岑妹娣"),
        ("张\u200b三明", "张三明"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("阿卜杜•热合曼", "阿卜杜·热合曼"),
        ("阿卜杜・热合曼", "阿卜杜·热合曼"),
        ("阿卜杜･热合曼", "阿卜杜·热合曼"),
        ("阿卜杜‧热合曼", "阿卜杜·热合曼"),
        ("阿卜杜 · 热合曼", "阿卜杜·热合曼"),
        ("阿卜杜.热合曼", "阿卜杜·热合曼"),
        ("阿卜杜．热合曼", "阿卜杜·热合曼"),
        ("阿卜杜··热合曼", "阿卜杜·热合曼"),
        ("买买提·艾力·阿不都", "买买提·艾力·阿不都"),
        ("ＪＯＨＮ　Ｓｍｉｔｈ", "JOHN Smith"),
        ("John   Smith", "John Smith"),
        ("李 Jenny", "李 Jenny"),
        ("Jenny  李", "Jenny 李"),
        ("", ""),
        (None, ""),
        ("   ", ""),
    ],
)
def test_a_name_is_normalised(raw, name):
    assert normalize_name(raw) == name


# Pinyin initials


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("张三明", "zsm"),
        ("岑妹娣", "cmd"),
        ("岑 妹娣", "cmd"),
        ("古平宇", "gpy"),
        ("欧阳修", "oyx"),
        ("阿卜杜·热合曼", "abdrhm"),
        ("John Smith", "js"),
        ("张A明", "zam"),
        ("张三明2", "zsm"),
        ("", ""),
        # Surnames read otherwise than the everyday word.
        ("曾志伟", "zzw"),
        ("单田芳", "stf"),
        ("区小明", "oxm"),
        ("解缙", "xj"),
        ("仇英", "qy"),
        ("查良镛", "zly"),
        ("覃小明", "qxm"),
        ("翟天临", "ztl"),
        ("长孙无忌", "cswj"),
        ("单于", "cy"),
    ],
)
def test_pinyin_initials_are_lower_case_first_letters(name, initials):
    assert pinyin_initials(name) == initials


def test_a_surname_reading_applies_only_to_the_first_character():
    assert pinyin_initials("张曾") == "zc"  # 曾 as a given name is read ceng
    assert pinyin_initials("张单") == "zd"


# Ages


@pytest.mark.parametrize(
    ("birth_date", "day", "age"),
    [
        (dt.date(1945, 3, 12), dt.date(2022, 4, 28), 77),
        (dt.date(1945, 3, 12), dt.date(2022, 3, 11), 76),
        (dt.date(1945, 3, 12), dt.date(2022, 3, 12), 77),
        (dt.date(1945, 3, 12), dt.date(1945, 3, 12), 0),
        (dt.date(2000, 2, 29), dt.date(2021, 2, 28), 20),
        (dt.date(2000, 2, 29), dt.date(2021, 3, 1), 21),
        (dt.date(2000, 2, 29), dt.date(2024, 2, 29), 24),
        (dt.datetime(1945, 3, 12, 23), dt.datetime(2022, 3, 12, 1), 77),
    ],
)
def test_the_age_is_in_completed_years(birth_date, day, age):
    assert age_on(birth_date, day) == age


def test_there_is_no_age_before_birth():
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(dt.date(1945, 3, 12), dt.date(1945, 3, 11))


def test_the_module_exports_what_importers_use():
    for name in ("IdentityError", "IdNumberError", "PhoneError", "DateError"):
        assert issubclass(getattr(identity, name), ValueError)
    assert set(identity.__all__) <= set(dir(identity))
