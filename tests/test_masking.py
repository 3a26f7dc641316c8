"""Masking personal values: kapok/audit/masking.py."""

import logging

import pytest

from kapok.audit.masking import (
    MaskingFilter,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    mask_value,
)

ID_18 = "440111194503121234"
ID_18_X = "44011119450312123X"
ID_15 = "440111450312123"
MOBILE = "13812345678"


# Single values


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (ID_18, "440111********1234"),
        (ID_18_X, "440111********123X"),
        ("44011119450312123x", "440111********123x"),
        (ID_15, "440111*****2123"),
        (f"  {ID_18_X} ", "440111********123X"),
    ],
)
def test_it_masks_an_id_number_but_its_first_six_and_last_four_characters(value, masked):
    assert mask_id_number(value) == masked


def test_it_masks_a_short_id_number_whole():
    assert mask_id_number("12345") == "*****"
    assert mask_id_number("1234567890") == "**********"
    assert mask_id_number("") == ""


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (MOBILE, "138****5678"),
        ("82345678", "823*5678"),
        ("020-81234567", "020*****4567"),
        ("110", "11*"),
        ("1", "1"),
    ],
)
def test_it_masks_a_phone_number_but_its_first_three_and_last_four_digits(value, masked):
    assert mask_phone(value) == masked


# Numbers inside text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (ID_18, "440111********1234"),
        (ID_18_X, "440111********123X"),
        ("44011119450312123x", "440111********123x"),
        (f"身份证{ID_18}。", "身份证440111********1234。"),
        (f"身份证号：{ID_18_X}，户籍白云区", "身份证号：440111********123X，户籍白云区"),
        (f"id={ID_18}&page=2", "id=440111********1234&page=2"),
        (ID_15, "440111*****2123"),
        (f"旧证{ID_15}号", "旧证440111*****2123号"),
    ],
)
def test_it_masks_id_numbers_in_text(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (MOBILE, "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("+86-138-1234-5678", "+86-138****5678"),
        ("0086 138 1234 5678", "0086 138****5678"),
        ("8613812345678", "86138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("手机19912345678。", "手机199****5678。"),
        ("两个号码13812345678/13912345678", "两个号码138****5678/139****5678"),
    ],
)
def test_it_masks_mobile_numbers_however_they_are_written(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话：020-81234567", "电话：020-****4567"),
        ("020 8123 4567", "020 ****4567"),
        ("(020)8123-4567", "(020)****4567"),
        ("0757-1234567", "0757-****4567"),
        ("总机020-81234567转123", "总机020-****4567转123"),
    ],
)
def test_it_masks_landlines_with_an_area_code(text, masked):
    assert mask_text(text) == masked


def test_it_masks_numbers_written_without_separators_whatever_they_are():
    # Without a dash, 020 81234567 and 0208 1234567 cannot be told apart; either way the
    # middle digits are hidden. Fifteen digits read as an old ID number, which hides them too.
    assert mask_text("02081234567") == "0208****4567"
    assert mask_text("008613812345678") == "008613*****5678"


def test_it_masks_every_number_of_a_text():
    text = f"家属电话 {MOBILE}，身份证 {ID_18}，单位 020-81234567"
    assert mask_text(text) == ("家属电话 138****5678，身份证 440111********1234，单位 020-****4567")


@pytest.mark.parametrize(
    "text",
    [
        "440111003005",  # a 12-digit division code
        "螺涌社区 440111003005 的 45 户",
        "440111003",
        "2026-11-23 15:30:00",
        "共 765 人，其中 975 人次",
        "订单 12345678",
        "邮编 510000",
        "1234567",
        "12345678901",  # eleven digits, but no mobile starts with 12
        "4401111945031212345",  # nineteen digits: no ID number
        "44011119450312123",  # seventeen digits
        "task 0f8e2b1c-9a5d-4c1e-8b7a-123456789012",
        "第 110 号",
    ],
)
def test_it_leaves_division_codes_and_other_numbers_alone(text):
    assert mask_text(text) == text


def test_it_does_not_mask_an_id_number_inside_a_longer_number():
    assert mask_text("9" + ID_18) == "9" + ID_18
    assert mask_text(ID_18 + "9") == ID_18 + "9"


def test_masking_twice_changes_nothing_more():
    once = mask_text(f"{ID_18} {MOBILE} 020-81234567")
    assert mask_text(once) == once


# Structured values, as the audit log stores them


def test_it_masks_values_by_their_key_whatever_their_shape():
    data = {
        "id_number": ID_18_X,
        "phones": [MOBILE, "82345678"],
        "password": "hunter2-long",
        "nested": {"phone": "13912345678", "count": 3, "ok": True},
    }
    assert mask_value(data) == {
        "id_number": "440111********123X",
        "phones": ["138****5678", "823*5678"],
        "password": "***",
        "nested": {"phone": "139****5678", "count": 3, "ok": True},
    }


@pytest.mark.parametrize("key", ["password", "password1", "password2", "token"])
def test_it_hides_secrets_whole(key):
    assert mask_value({key: "correct-horse-battery"}) == {key: "***"}


def test_it_masks_numbers_in_free_text_under_any_other_key():
    assert mask_value({"note": f"电话{MOBILE}", "region": "440111003005"}) == {
        "note": "电话138****5678",
        "region": "440111003005",
    }


def test_it_masks_personal_values_that_arrive_as_numbers():
    # Spreadsheets hand over phones and ID numbers as numbers.
    assert mask_value({"phone": 13812345678}) == {"phone": "138****5678"}
    assert mask_value({"note": 440111194503121234}) == {"note": "440111********1234"}
    assert mask_value({"note": 13812345678.0}) == {"note": "138****5678"}
    assert mask_value({"id_numbers": [440111194503121234]}) == {
        "id_numbers": ["440111********1234"]
    }
    assert mask_value({"token": 123456}) == {"token": "***"}


def test_it_keeps_ordinary_numbers_and_flags_as_they_are():
    data = {"count": 3, "ratio": 0.012345678901234567, "ok": False, "none": None, "pk": 42}
    masked = mask_value(data)
    assert masked == data
    assert type(masked["count"]) is int


def test_it_masks_lists_and_tuples_alike():
    assert mask_value((MOBILE, ID_18)) == ["138****5678", "440111********1234"]
    assert mask_value({"phones": (MOBILE,)}) == {"phones": ["138****5678"]}


def test_it_leaves_an_empty_value_empty():
    assert mask_value({"password": None, "phone": "", "id_number": None}) == {
        "password": None,
        "phone": "",
        "id_number": None,
    }


# Log lines


@pytest.fixture
def masked_logger(caplog):
    logger = logging.getLogger("kapok.test.masking")
    masking = MaskingFilter()
    logger.addFilter(masking)
    caplog.set_level(logging.INFO, logger="kapok.test.masking")
    yield logger
    logger.removeFilter(masking)


def test_it_masks_a_log_line_that_formats_an_id_number_through_its_arguments(masked_logger, caplog):
    masked_logger.info("imported %s with phone %s", ID_18_X, MOBILE)
    [record] = caplog.records
    assert record.getMessage() == "imported 440111********123X with phone 138****5678"
    assert ID_18_X not in caplog.text
    assert MOBILE not in caplog.text


def test_it_masks_a_log_line_with_named_arguments(masked_logger, caplog):
    masked_logger.info("person %(id)s", {"id": ID_18})
    assert caplog.records[0].getMessage() == "person 440111********1234"


def test_it_masks_a_number_written_into_the_message_itself(masked_logger, caplog):
    masked_logger.warning(f"duplicate {ID_18}")
    assert caplog.records[0].getMessage() == "duplicate 440111********1234"


def test_it_leaves_a_log_line_without_personal_numbers_untouched(masked_logger, caplog):
    masked_logger.info("loaded %d regions under %s", 3038, "440111003005")
    [record] = caplog.records
    assert record.args == (3038, "440111003005")
    assert record.getMessage() == "loaded 3038 regions under 440111003005"


def test_it_masks_the_traceback_of_a_logged_exception(masked_logger, caplog):
    try:
        raise ValueError(f"bad ID number {ID_18}")
    except ValueError:
        masked_logger.exception("import failed")
    assert "440111********1234" in caplog.text
    assert ID_18 not in caplog.text


def test_it_masks_the_stack_written_with_a_log_line(masked_logger, caplog):
    # The stack shows each frame's source line, and this one holds an ID number.
    masked_logger.info("found", stack_info=True, extra={"n": "440111194503121234"})
    assert "Stack (most recent call last)" in caplog.text
    assert "440111********1234" in caplog.text
    assert ID_18 not in caplog.text


def test_it_lets_a_broken_log_call_through_with_its_arguments_masked(masked_logger):
    record = logging.LogRecord(
        "kapok.test.masking", logging.INFO, __file__, 1, "%d people", (ID_18,), None
    )
    assert MaskingFilter().filter(record) is True
    assert record.args == ("440111********1234",)
    assert record.msg == "%d people"


def test_the_console_handler_masks_what_any_logger_writes():
    from django.conf import settings

    assert settings.LOGGING["filters"]["mask_personal_data"]["()"] == (
        "kapok.audit.masking.MaskingFilter"
    )
    assert "mask_personal_data" in settings.LOGGING["handlers"]["console"]["filters"]


@pytest.mark.parametrize(
    ("name", "masked"), [("张", "张"), ("张三", "张*"), ("张小明", "张*明"), ("欧阳小明", "欧**明")]
)
def test_a_name_keeps_only_its_first_and_last_characters(name, masked):
    assert mask_name(name) == masked
