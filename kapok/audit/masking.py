"""Masking of personal values: in the audit log, on screen by default, and in every log line.

mask_id_number("44011119450312123X") == "440111********123X"
mask_phone("13812345678") == "138****5678"
mask_text("call 13812345678") == "call 138****5678"
"""

import logging
import re

# An 18-digit ID (last character may be X) or an old 15-digit one, not part of a longer number.
ID_NUMBER = re.compile(
    r"(?<![0-9])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])"
    r"|(?<![0-9])(\d{6})(\d{5})(\d{4})(?![0-9A-Za-z])"
)
# Mainland mobile numbers, with an optional +86 or 86 in front.
MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
# Landlines with an area code: 020-81234567, (020)8123-4567.
LANDLINE = re.compile(r"(?<!\d)(\(?0\d{2,3}\)?[- ]?)(\d{3,4})[- ]?(\d{4})(?!\d)")

PERSONAL_KEYS = {
    "id_number": "id",
    "id_numbers": "id",
    "phone": "phone",
    "phones": "phone",
    "mobile": "phone",
    "password": "secret",
    "password1": "secret",
    "password2": "secret",
    "token": "secret",
}


def mask_id_number(value: str) -> str:
    value = str(value).strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    digits = str(value).strip()
    if len(digits) <= 7:
        return digits[:2] + "*" * max(len(digits) - 2, 0)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _id_match(match: re.Match) -> str:
    if match.group(1):
        return match.group(1) + "********" + match.group(3)
    return match.group(4) + "*****" + match.group(6)


def mask_text(text: str) -> str:
    text = ID_NUMBER.sub(_id_match, text)
    text = MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def mask_value(value, kind: str | None = None):
    if isinstance(value, dict):
        return {key: mask_value(item, PERSONAL_KEYS.get(key, kind)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(item, kind) for item in value]
    if (
        value is None
        or isinstance(value, bool)
        or (isinstance(value, float) and not value.is_integer())
    ):
        return value
    if isinstance(value, int | float):
        # A phone or an ID read from a spreadsheet arrives as a whole number: still personal.
        text = str(int(value))
        masked = mask_value(text, kind)
        return value if kind is None and masked == text else masked
    text = str(value)
    if kind == "secret":
        return "***"
    if kind == "id":
        return mask_id_number(text)
    if kind == "phone":
        return mask_phone(text)
    return mask_text(text)


class MaskingFilter(logging.Filter):
    """Masks ID numbers and phones in every log line, whoever wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A broken format string is the logger's problem, not ours; but the handler reports
            # it with the raw message and arguments, so those are masked.
            record.msg = mask_text(str(record.msg))
            if isinstance(record.args, dict):
                record.args = mask_value(record.args)
            elif record.args:
                record.args = tuple(mask_value(arg) for arg in record.args)
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        # The traceback of logger.exception() and the stack of stack_info=True are written out
        # with the line: an exception's message often quotes the value that caused it.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
