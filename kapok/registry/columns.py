"""Recognising a roster's columns by meaning, whatever the department's spelling.

Every department names its columns its own way: 姓名, 成员姓名, 儿童姓名; 身份证号, 公民身份号码,
证件号码; 街道(镇), 所属街道, 镇街. A header is first normalised (NFKC, no spaces or line breaks,
one kind of bracket), then tried against an ordered table of rules: the first rule whose pattern
matches the whole header decides. The table runs from the specific to the generic, so that a
qualifier decides before the generic word does: 户主身份证号 is the household head's ID and
监护人联系电话 the guardian's phone, never the person's own, and 残疾证号 is a certificate number.
Columns about somebody else that Kapok has no field for (监护人身份证号, 配偶姓名, 填报人) are
matched by a rule with no field, so that they stay unrecognised instead of falling through to
the generic 身份证号 or 姓名.
"""

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELDS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "age",
    "phones",
    "district",
    "street",
    "community",
    "compound",
    "address",
    "hukou",
    "household_no",
    "head_name",
    "head_id_number",
    "relation",
    "guardian_name",
    "guardian_phone",
    "emergency_contact",
    "emergency_phone",
    "certificate_no",
    "notes",
    "serial",
)

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "id_number": gettext_lazy("ID number"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Birth date"),
    "age": gettext_lazy("Age"),
    "phones": gettext_lazy("Phones"),
    "district": gettext_lazy("District"),
    "street": gettext_lazy("Street"),
    "community": gettext_lazy("Community"),
    "compound": gettext_lazy("Compound"),
    "address": gettext_lazy("Address"),
    "hukou": gettext_lazy("Hukou"),
    "household_no": gettext_lazy("Household number"),
    "head_name": gettext_lazy("Household head's name"),
    "head_id_number": gettext_lazy("Household head's ID number"),
    "relation": gettext_lazy("Relation to the head"),
    "guardian_name": gettext_lazy("Guardian's name"),
    "guardian_phone": gettext_lazy("Guardian's phone"),
    "emergency_contact": gettext_lazy("Emergency contact"),
    "emergency_phone": gettext_lazy("Emergency contact's phone"),
    "certificate_no": gettext_lazy("Certificate number"),
    "notes": gettext_lazy("Notes"),
    "serial": gettext_lazy("Serial number"),
}


class ColumnError(ValueError):
    """An explicit column mapping could not be applied; the message says why."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Rule:
    """A header that fully matches ``pattern`` holds ``field``; ``None``: it holds nothing Kapok
    reads (somebody else's data), and no later, more generic rule may claim it."""

    field: str | None
    pattern: re.Pattern[str]


def _rule(field: str | None, pattern: str) -> Rule:
    assert field is None or field in FIELDS, field
    return Rule(field, re.compile(pattern))


def _somebody_else(
    qualifier: str,
    *,
    name: str | None = None,
    phone: str | None = None,
    id_number: str | None = None,
) -> list[Rule]:
    """Columns about another person than the one on the row: a household head, a guardian, a
    contact. Their ID comes first: 监护人身份证号码 ends in 号码 but is no phone number."""
    q = f"(?:{qualifier})"
    return [
        _rule(id_number, q + r".*(?:身份|证件|证号).*"),
        _rule(phone, q + r".*(?:电话|手机|联系方式|号码|座机).*"),
        _rule(name, q + r"(?:的)?(?:姓名|名字)?"),
        _rule(None, q + r".*"),
    ]


# Whom a generic column can be about: the person on the row, however the roster calls them.
_SUBJECT = (
    r"(?:本人|个人|成员|家庭成员|儿童|未成年人|老人|长者|服务对象|救助对象|保障对象|供养对象"
    r"|低保对象|低收入对象|对象|人员|申请人|残疾人|特困人员|困境儿童|留守儿童|孤儿|留守老人"
    r"|孤寡老人|独居老人|当事人|被监护人|居民)?"
)
# Where a place column's value lies: mostly the residence.
_PLACE = r"(?:所属|所在|居住|现居住|现居|现住)?"
_CERTIFICATE = (
    r"(?:残疾人?证|低保证|低收入证|特困(?:人员)?(?:救助)?(?:供养)?证|供养证|救助证|保障证"
    r"|优待证|证书|证)"
)

RULES: tuple[Rule, ...] = (
    # Relation to the head: before the 户主 family, which would take 户主关系 for the head's.
    _rule(
        "relation",
        r"(?:与|和)?(?:户主|申请人)(?:的)?关系|(?:家庭|成员|亲属|家庭成员)?关系|户内关系",
    ),
    _rule("household_no", r"(?:户|家庭|户口|家庭户)(?:编号|编码|号|档案号|档案编号|代码)"),
    # Certificates: 残疾证号 is the disability certificate's number, not the person's ID.
    _rule("certificate_no", _CERTIFICATE + r"(?:号|号码|编号|编码)"),
    _rule(None, r"(?:残疾人?证|低保证|低收入证|特困(?:人员)?证|供养证|救助证|优待证).*"),
    # Somebody else's columns: the qualifier decides before the generic word.
    *_somebody_else("户主", name="head_name", id_number="head_id_number"),
    *_somebody_else("紧急联系人", name="emergency_contact", phone="emergency_phone"),
    *_somebody_else("联系人", name="emergency_contact", phone="emergency_phone"),
    *_somebody_else(
        "(?:法定|实际|第一|第二|主要|委托)?监护人",
        name="guardian_name",
        phone="guardian_phone",
    ),
    *_somebody_else(
        "父亲|母亲|父母|配偶|子女|赡养人|扶养人|抚养人|代理人|委托人|照料人|照料服务人|照护人"
        "|帮扶人|结对人|包户干部|帮扶干部|网格员|社工|填报人|填表人|经办人|审核人|负责人"
    ),
    # The hukou (户籍地) is not where the person lives: 户籍街道 is not the residence's street.
    _rule("hukou", _SUBJECT + r"(?:户籍|户口)(?:所在)?(?:地区?|地址|住址|详细地址|地详细地址)?"),
    _rule(None, r"(?:户籍|户口).*"),
    # The person's own data.
    _rule(
        "id_number",
        _SUBJECT
        + r"(?:(?:公民|居民)?身份证件?(?:号码?|编号)?|(?:公民)?身份号码|证件号码?|证件编号)",
    ),
    _rule("name", _SUBJECT + r"(?:姓名|名字)"),
    _rule("sex", _SUBJECT + r"性别"),
    _rule("birth_date", _SUBJECT + r"(?:出生(?:日期|年月日?|时间)?|生日)"),
    _rule("age", _SUBJECT + r"(?:年龄|实际年龄|周岁|岁数)"),
    _rule(
        "phones",
        _SUBJECT
        + r"(?:(?:联系|本人|个人|家庭|住宅|移动|固定|办公|常用)?(?:电话|手机|座机|固话)(?:号码?)?"
        r"|联系方式|联系号码|电话号码)",
    ),
    # Places, from the largest.
    _rule("district", _PLACE + r"(?:区|区县|县区|区县市|县市区|行政区|辖区)(?:名称|名)?"),
    _rule(
        "street",
        _PLACE + r"(?:街道|镇街|街镇|镇|乡镇|街|街道办|街道办事处|乡镇街道|乡镇街)(?:名称|名)?",
    ),
    _rule(
        "community",
        _PLACE + r"(?:社区|村居|村|居委会|村委会|居委|社区居委会|村居委会|居村|社区村)(?:名称|名)?",
    ),
    _rule("compound", _PLACE + r"(?:小区|楼盘|住宅小区|小区楼盘|屋苑)(?:名称|名)?"),
    _rule(
        "address",
        _SUBJECT
        + r"(?:现|实际|家庭|居住|常住|现居住|现居|通讯|联系|住宅|现住|家庭居住|居住地|现居住地)?"
        r"(?:详细)?(?:住址|地址|居住地|住所)",
    ),
    _rule("notes", r"备注|说明|备注说明|情况说明|其他情况|备注信息|附注"),
    _rule("serial", r"序号|序|顺序号|编号|排序|行号|no"),
)

_BRACKETS = str.maketrans(
    {"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "{": "(", "}": ")"}
)
_WHITESPACE = re.compile(r"\s+")
_PARENTHESES = re.compile(r"\([^()]*\)")
_ALTERNATIVES = re.compile(r"[/|、]|或")
_EDGE_MARKS = "*※★☆:.#"


def normalise(header: str) -> str:
    """The header as the rules see it: NFKC (full-width letters, （）and ： become ASCII), no
    whitespace at all (line breaks in a header cell included), one kind of bracket, lower case,
    without the marks that flag a required column (*姓名, 姓名：)."""
    text = unicodedata.normalize("NFKC", str(header)).translate(_BRACKETS)
    return _WHITESPACE.sub("", text).lower().strip(_EDGE_MARKS)


def _match(text: str) -> tuple[bool, str | None]:
    for rule in RULES:
        if rule.pattern.fullmatch(text):
            return True, rule.field
    return False, None


def field_for(header: str) -> str | None:
    """The field a column with this header holds, or None."""
    text = normalise(header)
    if not text:
        return None
    # The whole header first; then without its parenthesised remarks: 街道(镇), 身份证号(18位).
    candidates = [text]
    bare = _PARENTHESES.sub("", text)
    if bare and bare != text:
        candidates.append(bare)
    for candidate in candidates:
        matched, field_name = _match(candidate)
        if matched:
            return field_name
    # 联系电话/手机, 身份证号或证件号: alternatives that all name the same field.
    parts = [part for part in _ALTERNATIVES.split(candidates[-1]) if part]
    if len(parts) > 1:
        fields = {_match(part)[1] for part in parts}
        if len(fields) == 1:
            return fields.pop()
    return None


@dataclass(frozen=True)
class Conflict:
    """A second column for a field that already has one: the first is kept, this one is not
    used."""

    field: str
    kept: int
    ignored: int


@dataclass
class ColumnMap(Mapping):
    """Which column (0-based index into ``headers``) holds each field.

    ``unrecognised``: the non-blank headers no field uses. ``conflicts``: further columns
    recognised for a field that already has one."""

    headers: list[str]
    fields: dict[str, int] = field(default_factory=dict)
    unrecognised: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def __getitem__(self, key: str) -> int:
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def column(self, field_name: str) -> str | None:
        """The header of the column holding the field, or None."""
        index = self.fields.get(field_name)
        return None if index is None else self.headers[index]

    def all_columns(self, field_name: str) -> list[int]:
        """Every column recognised for the field, the kept one first: a roster may give 手机
        and 固定电话 in two columns, and the importer may want both."""
        if field_name not in self.fields:
            return []
        extra = [c.ignored for c in self.conflicts if c.field == field_name]
        return [self.fields[field_name], *extra]

    def as_dict(self) -> dict[str, str]:
        """Field → header, in the roster's column order: for previews and --json."""
        ordered = sorted(self.fields.items(), key=lambda item: item[1])
        return {field_name: self.headers[index] for field_name, index in ordered}


def recognise(headers: list[str], overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """Map fields to columns by meaning. ``overrides`` maps a field to a header (``--map
    id_number=证件号码``) and wins over recognition: the column goes to that field only, and
    columns recognised for that field are not used. An empty header unmaps the field."""
    headers = list(headers)
    chosen = _resolve_overrides(headers, overrides or {})
    taken = {index for index in chosen.values() if index is not None}
    column_map = ColumnMap(headers)
    fields = column_map.fields
    fields.update({name: index for name, index in chosen.items() if index is not None})
    for index, header in enumerate(headers):
        if index in taken or not str(header).strip():
            continue  # given by an override; or a blank column, neither used nor worth reporting
        field_name = field_for(header)
        if field_name is None or field_name in chosen:
            column_map.unrecognised.append(header)
        elif field_name in fields:
            column_map.conflicts.append(Conflict(field_name, fields[field_name], index))
        else:
            fields[field_name] = index
    return column_map


def _find_column(headers: list[str], wanted: str) -> int | None:
    for index, header in enumerate(headers):
        if header == wanted:
            return index
    key = normalise(wanted)
    for index, header in enumerate(headers):
        if key and normalise(header) == key:
            return index
    return None


def _resolve_overrides(headers: list[str], overrides: Mapping[str, str]) -> dict[str, int | None]:
    chosen: dict[str, int | None] = {}
    for field_name, wanted in overrides.items():
        if field_name not in FIELDS:
            raise ColumnError(
                _("There is no field “%(field)s”; the fields are: %(fields)s.")
                % {"field": field_name, "fields": ", ".join(FIELDS)},
                code="unknown_field",
            )
        wanted = (wanted or "").strip()
        if not wanted:
            chosen[field_name] = None
            continue
        index = _find_column(headers, wanted)
        if index is None:
            raise ColumnError(
                _("There is no column “%(column)s” for %(field)s; the columns are: %(columns)s.")
                % {
                    "column": wanted,
                    "field": field_name,
                    "columns": "、".join(h for h in headers if str(h).strip()),
                },
                code="unknown_column",
            )
        for other, other_index in chosen.items():
            if other_index == index:
                raise ColumnError(
                    _("The column “%(column)s” is given for both %(first)s and %(second)s.")
                    % {"column": headers[index], "first": other, "second": field_name},
                    code="column_twice",
                )
        chosen[field_name] = index
    return chosen
