"""Identity data as departments hand it over: ID numbers, phones, dates, names.

    parse_id_number("44011119450312123x")   -> IdNumber(value="44011119450312123X", ...)
    normalize_phones("+86 18173695801/020-81234567") -> ["18173695801", "020-81234567"]
    parse_date("1945年3月12日")               -> date(1945, 3, 12)
    normalize_name("岑 妹娣")                  -> "岑妹娣"
    pinyin_initials("张三明")                  -> "zsm"

Everything here is pure: no models, no database. A value that cannot be used raises an
IdentityError (a ValueError) with a stable `.code` and a message that names the value masked.

Values arrive from spreadsheet readers as text, int, float or date. A number where an ID number
should be means Excel had it as a number: 18 digits do not fit in a float, so the last digits are
lost (4.40111194503121E+17, 440111194503121000). Such a value is "excel_damaged" and never taken
as a valid ID; an old 15-digit number fits exactly and is upgraded.
"""

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from kapok.audit.masking import mask_id_number, mask_phone

__all__ = [
    "DateError",
    "IdNumber",
    "IdNumberError",
    "IdentityError",
    "PhoneError",
    "age_on",
    "check_character",
    "normalize_name",
    "normalize_phones",
    "parse_date",
    "parse_id_number",
    "pinyin_initials",
    "upgrade_id_number",
]


class IdentityError(ValueError):
    """A value that cannot be used; `code` is stable, the message is for people."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class IdNumberError(IdentityError):
    pass


class PhoneError(IdentityError):
    """A part of a phone cell is not a phone number. `phones` holds the parts that were."""

    def __init__(self, code: str, message: str, phones: list[str] | None = None):
        self.phones = phones or []
        super().__init__(code, message)


class DateError(IdentityError):
    pass


# Shared text clean-up

# Zero-width characters and the byte-order mark that copy-paste leaves behind.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# Quotes around a value, and Excel's text markers (a leading ' or `).
QUOTES = "'\"`“”‘’「」『』"
# What people write in a cell that has nothing: treated as empty, not as an error.
NOTHING = frozenset(
    ["无", "暂无", "没有", "空", "缺", "不详", "-", "--", "—", "——", "/", "null", "none", "n/a"]
)


def _text(raw) -> str:
    """NFKC (full-width digits, letters, spaces and punctuation to ASCII), trimmed."""
    text = unicodedata.normalize("NFKC", str(raw)).translate(INVISIBLE)
    return text.strip()


def _unquote(text: str) -> str:
    return text.strip(QUOTES + " \t\r\n").strip()


def _is_nothing(text: str) -> bool:
    return not text or text.lower() in NOTHING


def _is_nan(raw) -> bool:
    return isinstance(raw, float) and math.isnan(raw)


# ID numbers (GB 11643)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# Province codes of GB/T 2260 (71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCES = frozenset(
    [
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    ]
)
EARLIEST_BIRTH = dt.date(1880, 1, 1)
# Text that is a number written out: "440111194503121.0", "4.40111194503121E+17".
NUMBER_TEXT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$")
ID_CHARACTERS = re.compile(r"^[0-9X]+$")


@dataclass(frozen=True)
class IdNumber:
    """A valid resident ID number and what it says about its holder."""

    value: str  # 18 characters, a final check character "X" in upper case
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str  # the first six digits: where the number was issued
    upgraded: bool = False  # True when it was given as an old 15-digit number

    def __repr__(self) -> str:
        # Reprs end up in logs and tracebacks: never the number in clear.
        return (
            f"IdNumber(value={mask_id_number(self.value)!r}, birth_date={self.birth_date!r}, "
            f"sex={self.sex!r}, region_code={self.region_code!r}, upgraded={self.upgraded!r})"
        )

    __str__ = __repr__

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("check_character() needs exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def upgrade_id_number(old: str) -> str:
    """An old 15-digit ID number as 18 characters: "19" before YYMMDD, a check character after."""
    if len(old) != 15 or not old.isdigit():
        raise ValueError("upgrade_id_number() needs exactly 15 digits")
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_character(first17)


def _id_error(code: str, value: str, **params) -> IdNumberError:
    masked = mask_id_number(value)
    messages = {
        "empty": _("The ID number is empty."),
        "excel_damaged": _(
            "The ID number %(value)s was stored by Excel as a number and has lost its last "
            "digits; enter it again as text."
        ),
        "bad_characters": _(
            "The ID number %(value)s contains characters other than digits and a final X."
        ),
        "bad_length": _(
            "The ID number %(value)s has %(length)d characters; it must have 18 (or 15 for an "
            "old number)."
        ),
        "bad_region": _("The ID number %(value)s does not start with a valid region code."),
        "bad_birth_date": _("The birth date in the ID number %(value)s is not a real date."),
        "future_birth_date": _("The birth date in the ID number %(value)s is in the future."),
        "early_birth_date": _("The birth date in the ID number %(value)s is before 1880."),
        "bad_checksum": _(
            "The check character of the ID number %(value)s does not match its digits: "
            "the number was mistyped."
        ),
    }
    message = messages[code] % {"value": masked, **params}
    if code in ("future_birth_date", "early_birth_date"):
        code = "bad_birth_date"
    return IdNumberError(code, message)


def _id_from_number(number, shown: str) -> str:
    """The ID number in a numeric cell, as text: only an old 15-digit one survives."""
    if (isinstance(number, float | Decimal) and not math.isfinite(number)) or number < 0:
        raise _id_error("bad_characters", shown)
    if number != int(number):
        raise _id_error("excel_damaged", shown)
    number = int(number)
    if 10**14 <= number < 10**15:
        return str(number)
    if number >= 10**15:
        raise _id_error("excel_damaged", shown)
    digits = str(number)
    raise _id_error("bad_length", digits, length=len(digits))


def _clean_id_text(raw) -> str:
    if isinstance(raw, bool):
        raise _id_error("bad_characters", str(raw))
    if isinstance(raw, int | float | Decimal):
        return _id_from_number(raw, str(raw))
    text = _unquote(_text(raw))
    text = re.sub(r"\s+", "", text)
    if _is_nothing(text):
        raise _id_error("empty", "")
    if NUMBER_TEXT.match(text):
        # "4.40111194503121E+17" is what Excel shows; "440111194503121.0" a float written out.
        if "e" in text.lower():
            raise _id_error("excel_damaged", text)
        try:
            return _id_from_number(Decimal(text), text)
        except InvalidOperation:  # NUMBER_TEXT lets only numbers through; kept for safety
            raise _id_error("bad_characters", text) from None
    return text.upper()


def parse_id_number(raw, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise a resident ID number (GB 11643); raise IdNumberError if unusable.

    Accepts text as typed or exported (spaces, full-width characters, a lower-case x, a leading
    apostrophe, quotes), and numbers from spreadsheet readers: a 15-digit number is an old ID
    number and is upgraded; any longer number was damaged by Excel.
    """
    if raw is None or _is_nan(raw):
        raise _id_error("empty", "")
    text = _clean_id_text(raw)
    if not ID_CHARACTERS.match(text):
        raise _id_error("bad_characters", text)
    if len(text) not in (15, 18):
        raise _id_error("bad_length", text, length=len(text))
    if "X" in text[:-1] or (len(text) == 15 and text.endswith("X")):
        raise _id_error("bad_characters", text)
    upgraded = len(text) == 15
    value = upgrade_id_number(text) if upgraded else text
    checksum_ok = value[-1] == check_character(value[:17])
    if not checksum_ok and value.endswith("000"):
        # Excel keeps 15 significant digits: the last three of 18 come back as zeros.
        raise _id_error("excel_damaged", text)
    if int(value[:2]) not in PROVINCES or value[2:6] == "0000":
        raise _id_error("bad_region", text)
    try:
        birth_date = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _id_error("bad_birth_date", text) from None
    if birth_date > (today or timezone.localdate()):
        raise _id_error("future_birth_date", text)
    if birth_date < EARLIEST_BIRTH:
        raise _id_error("early_birth_date", text)
    if not checksum_ok:
        raise _id_error("bad_checksum", text)
    return IdNumber(
        value=value,
        birth_date=birth_date,
        sex="M" if int(value[16]) % 2 else "F",
        region_code=value[:6],
        upgraded=upgraded,
    )


# Phones

# Between numbers in one cell. Commas also mark a landline's extension: see _extensions().
PHONE_SEPARATORS = re.compile(r"[/\\,;、|\n\r]+|或|及")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LOCAL = re.compile(r"^[2-9]\d{6,7}$")
EXTENSION_WORD = re.compile(r"^(?P<main>.+?)(?:转|分机|ext\.?|x)(?P<extension>\d{1,6})$", re.I)
EXTENSION_DASH = re.compile(r"^(?P<main>.+\d)-(?P<extension>\d{1,6})$")
PHONE_PUNCTUATION = re.compile(r"[\s\-.()\[\]]")
PHONE_FLOAT_TEXT = re.compile(r"^(\d+)\.0*$")


def _landline(digits: str) -> str | None:
    """A landline as "020-81234567" (area code kept) or "81234567" (local only)."""
    if LOCAL.match(digits):
        return digits
    if not digits.startswith("0"):
        return None
    # Beijing 010 and the big cities 020-029 have two digits after the 0; all others three
    # (0731 Changsha, Zhuzhou and Liling; 0755 Shenzhen). No area code starts 00 or 01x but 010.
    if digits.startswith(("010", "02")):
        area_length = 3
    elif digits.startswith(("00", "01")):
        return None
    else:
        area_length = 4
    area, local = digits[:area_length], digits[area_length:]
    if LOCAL.match(local):
        return f"{area}-{local}"
    return None


def _one_phone(text: str) -> str | None:
    """One number without its extension: a mobile or a landline, else None."""
    digits = PHONE_PUNCTUATION.sub("", text)
    international = False
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits, international = digits[len(prefix) :], True
            break
    if not digits.isdigit():
        return None
    if MOBILE.match(digits):
        return digits
    if digits.startswith("86") and MOBILE.match(digits[2:]):
        return digits[2:]
    if international:
        # +86 20 8123 4567: the area code without its 0.
        return _landline("0" + digits) if not digits.startswith("0") else None
    return _landline(digits)


def _phone(text: str) -> str | None:
    """A number, with a landline's extension kept after a comma: "020-81234567,123"."""
    text = text.strip()
    found = _one_phone(text)
    if found:
        return found
    for pattern in (EXTENSION_WORD, EXTENSION_DASH):
        match = pattern.match(text)
        if match:
            main = _one_phone(match["main"])
            if main and not MOBILE.match(main):
                return f"{main},{match['extension']}"
    return None


def _phones_in_part(part: str) -> list[str] | None:
    """The numbers in a part of a cell, where spaces may be inside numbers or between them.

    The tokens between spaces are grouped into as few numbers as possible: "+86 181 7369 5801"
    is one number, "13995453788 15227345322" two. None if no grouping works.
    """
    tokens = part.split()
    if len(tokens) > 24:
        found = _phone("".join(tokens))
        return [found] if found else None
    # best[i]: the fewest numbers that tokens[:i] can be split into.
    best: list[list[str] | None] = [[]] + [None] * len(tokens)
    for end in range(1, len(tokens) + 1):
        for start in range(end):
            if best[start] is None:
                continue
            found = _phone("".join(tokens[start:end]))
            if found and (best[end] is None or len(best[start]) + 1 < len(best[end])):
                best[end] = [*best[start], found]
    return best[-1]


def _phone_error(value: str, phones: list[str]) -> PhoneError:
    message = _("%(value)s is neither a mobile nor a landline number.") % {
        "value": mask_phone(value)
    }
    return PhoneError("bad_phone", message, phones)


def _phone_from_number(number) -> list[str]:
    if isinstance(number, float | Decimal) and not math.isfinite(number):
        raise _phone_error(str(number), [])
    if isinstance(number, bool) or number < 0 or number != int(number):
        raise _phone_error(str(number), [])
    digits = str(int(number))
    # A landline in a numeric cell has lost its leading 0: 2081234567 is 020-81234567.
    found = _phone(digits) or _landline("0" + digits)
    if found is None:
        raise _phone_error(digits, [])
    return [found]


def normalize_phones(raw) -> list[str]:
    """The phone numbers in a cell, normalised and without repeats; raise PhoneError.

    Mobiles come out as 11 digits ("13812345678", a +86/0086/86 prefix removed); landlines with
    their area code as "020-81234567", without one as "81234567"; a landline's extension (转123,
    分机123, -123) is kept after a comma, "020-81234567,123", the pause a phone dials through.
    Several numbers may share a cell, separated by / , ; 、 | 或, new lines or spaces. A cell
    that says there is nothing (无, 暂无, -, /) gives an empty list.
    """
    if raw is None or _is_nan(raw):
        return []
    if isinstance(raw, bool | int | float | Decimal):
        return _phone_from_number(raw)
    text = _unquote(_text(raw))
    if _is_nothing(text):
        return []
    phones: list[str] = []
    for part in PHONE_SEPARATORS.split(text):
        part = _unquote(part)
        if _is_nothing(part):
            continue
        float_text = PHONE_FLOAT_TEXT.match(part)
        if float_text:
            # 13812345678.0: a number that went through a float on its way here.
            part = float_text[1]
        found = _phones_in_part(part)
        if (
            found is None
            and part.isdigit()
            and len(part) <= 6
            and phones
            and "," not in phones[-1]
            and not MOBILE.match(phones[-1])
        ):
            # "020-81234567,123": the comma gave the landline before it an extension.
            phones[-1] = f"{phones[-1]},{part}"
            continue
        if found is None:
            raise _phone_error(part, list(dict.fromkeys(phones)))
        phones.extend(found)
    return list(dict.fromkeys(phones))


# Dates

EXCEL_EPOCH = dt.date(1899, 12, 30)
EARLIEST_DATE = dt.date(1880, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
# Excel serials that make sense: 1 (1900-01-01) to the last day of 2100; 60 is Excel's
# 1900-02-29, a day that never was.
LAST_SERIAL = (LATEST_DATE - EXCEL_EPOCH).days
DATE_TEXT = re.compile(
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号]?"
    r"(?:\s*T?\s*\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}(?:\.\d+)?秒?)?)?$"
)
COMPACT_DATE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")


def _date_error(value) -> DateError:
    return DateError("bad_date", _("%(value)s is not a date.") % {"value": value})


def _checked_date(year: int, month: int, day: int, shown) -> dt.date:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise _date_error(shown) from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise _date_error(shown)
    return value


def _date_from_number(number) -> dt.date:
    if isinstance(number, float | Decimal) and not math.isfinite(number):
        raise _date_error(number)
    if number == int(number) and 10**7 <= number < 10**8:
        # 19450312 typed into a numeric cell.
        return parse_date(str(int(number)))
    serial = math.floor(number)  # a fraction is the time of day
    if not 1 <= serial <= LAST_SERIAL or serial == 60:
        raise _date_error(number)
    if serial < 60:
        # Excel counts 1900-02-29, so serials before it are one day off.
        return EXCEL_EPOCH + dt.timedelta(days=serial + 1)
    return EXCEL_EPOCH + dt.timedelta(days=serial)


def parse_date(raw) -> dt.date:
    """A date in any of the usual spellings, or an Excel serial number; raise DateError.

    1945-03-12, 1945/3/12, 1945.3.12, 19450312, 1945年3月12日, 1945年3月12号, with a time after
    it or not, full-width digits; date and datetime objects; Excel serial numbers (1900 date
    system) and 8-digit numbers (19450312). Dates before 1880 or after 2100 are refused.
    """
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if raw is None or _is_nan(raw):
        raise DateError("bad_date", _("The date is empty."))
    if isinstance(raw, bool):
        raise _date_error(raw)
    if isinstance(raw, int | float | Decimal):
        return _date_from_number(raw)
    text = _unquote(_text(raw))
    match = DATE_TEXT.match(text) or COMPACT_DATE.match(text)
    if not match:
        raise _date_error(text or '""')
    return _checked_date(int(match["year"]), int(match["month"]), int(match["day"]), text)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on `day` (born on 29 February: a year older on 1 March)."""
    if isinstance(birth_date, dt.datetime):
        birth_date = birth_date.date()
    if isinstance(day, dt.datetime):
        day = day.date()
    if day < birth_date:
        raise ValueError("age_on(): the day is before the birth date")
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


# Names

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f〇"
# The middle dot of minority and foreign names, as people type it.
DOTS = re.compile(r"\s*[·•‧∙⋅・]+\s*")
# A full stop between Chinese characters stands for the middle dot too.
HAN_FULL_STOP = re.compile(rf"(?<=[{HAN}])\s*[.。]+\s*(?=[{HAN}])")
SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{HAN}·])\s+(?=[{HAN}·])")


def normalize_name(raw) -> str:
    """A person's name as written once: "岑 妹娣" → "岑妹娣", "阿卜杜 • 热合曼" → "阿卜杜·热合曼".

    Full-width letters and spaces become ASCII, spaces between Chinese characters go, other
    runs of spaces shrink to one, and every kind of middle dot becomes "·".
    """
    if raw is None or _is_nan(raw):
        return ""
    text = unicodedata.normalize("NFKC", str(raw)).translate(INVISIBLE)
    text = DOTS.sub("·", text)
    text = HAN_FULL_STOP.sub("·", text)
    text = SPACE_BETWEEN_HAN.sub("", text)
    return " ".join(text.split()).strip("·").strip()


# The first letter a surname is read with where pypinyin's everyday reading differs (区 is Ou,
# not Qu; 曾 Zeng, not Ceng): one letter per character of the surname.
SURNAME_INITIALS = {
    "长孙": "cs",
    "单于": "cy",
    "曾": "z",
    "单": "s",
    "区": "o",
    "解": "x",
    "仇": "q",
    "查": "z",
    "覃": "q",
    "翟": "z",
    "召": "s",
    "秘": "b",
    "种": "c",
    "折": "s",
    "隗": "w",
    "繁": "p",
}
WORD = re.compile(r"[A-Za-z]+")


def pinyin_initials(name: str) -> str:
    """The lower-case initials of a name for search: 张三明 → "zsm", 曾志伟 → "zzw".

    Latin words give their first letter; digits, dots and other signs give nothing.
    """
    name = normalize_name(name)
    if not name:
        return ""
    letters = []
    for syllable in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"):
        # A Latin word gives its first letter; a Han character pypinyin cannot read, nothing.
        letters.extend(word[0].lower() for word in WORD.findall(syllable))
    initials = "".join(letters)
    for surname, surname_initials in SURNAME_INITIALS.items():
        if name.startswith(surname):
            return surname_initials + initials[len(surname_initials) :]
    return initials
