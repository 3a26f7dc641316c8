import logging

import pytest

from kapok.audit.masking import (
    MaskingFilter,
    mask_id_number,
    mask_phone,
    mask_text,
    mask_value,
)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("44011119450312123X", "440111********123X"),
        ("44011119450312123x", "440111********123x"),
        ("身份证440111194503121234。", "身份证440111********1234。"),
        ("440111450312123", "440111*****2123"),
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("电话：020-81234567", "电话：020-****4567"),
        ("两个号码13812345678/13912345678", "两个号码138****5678/139****5678"),
    ],
)
def test_it_masks_id_numbers_and_phones_in_text(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "440111003005",  # a 12-digit division code
        "2026-11-23 15:30",
        "共 765 人",
        "task 0f8e2b1c-9a5d-4c1e-8b7a-123456789012",
    ],
)
def test_it_leaves_other_numbers_alone(text):
    assert mask_text(text) == text


def test_known_keys_are_masked_whatever_their_shape():
    data = {
        "id_number": "44011119450312123X",
        "phones": ["13812345678", "82345678"],
        "password": "hunter2-long",
        "nested": {"phone": "13912345678", "count": 3, "ok": True},
    }
    assert mask_value(data) == {
        "id_number": "440111********123X",
        "phones": ["138****5678", "823*5678"],
        "password": "***",
        "nested": {"phone": "139****5678", "count": 3, "ok": True},
    }


def test_short_values_are_masked_whole():
    assert mask_id_number("12345") == "*****"
    assert mask_phone("110") == "11*"


def test_every_log_line_is_masked(caplog):
    logger = logging.getLogger("kapok.test")
    handler_filter = MaskingFilter()
    logger.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.INFO, logger="kapok.test"):
            logger.info("imported %s with phone %s", "44011119450312123X", "13812345678")
    finally:
        logger.removeFilter(handler_filter)
    assert caplog.records[0].getMessage() == "imported 440111********123X with phone 138****5678"
    assert "44011119450312123X" not in caplog.text


def test_the_console_handler_masks_what_any_logger_writes():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]
    assert "mask_personal_data" in handler["filters"]
