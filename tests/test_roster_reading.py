"""Reading rosters: kapok/registry/reading.py (files, sheets, header rows, rows) and
kapok/registry/columns.py (columns recognised by meaning).

The sample rosters in ../shared/samples/rosters_small are made the way departments export them;
the other files are built here, each with a mess real rosters have: title rows, blank rows and
columns, headers with line breaks, other spellings, GBK, a byte-order mark, an .xls.
"""

import datetime
import io
import struct
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override

from kapok.registry.columns import (
    FIELDS,
    RULES,
    ColumnError,
    Conflict,
    field_for,
    normalise,
    recognise,
)
from kapok.registry.reading import (
    HEADER_SEARCH_ROWS,
    RosterFileError,
    clean_header,
    detect_delimiter,
    detect_encoding,
    open_roster,
)
from kapok.site.demo import ROSTERS

# The shared sample rosters, as shipped with the demo (kapok/site/demo_rosters/README.md).
SAMPLES = ROSTERS


def sample(filename: str, sheet: str | None = None):
    return open_roster(SAMPLES / filename, filename=filename, sheet=sheet)


def xlsx(tmp_path: Path, sheets: dict[str, list[list]], name: str = "roster.xlsx") -> Path:
    """A workbook with one sheet per entry; a row is a list of cells from column A."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


# A minimal BIFF8 .xls writer: nothing on this machine writes .xls (xlwt is not installed), and
# python-calamine reads it. One compound file with a "Workbook" stream: the globals (BOF,
# BoundSheet8 per sheet, SST, EOF), then per sheet BOF, DIMENSIONS, LabelSst / Number cells, EOF.


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _biff_string(text: str, length_format: str) -> bytes:
    return struct.pack(length_format, len(text), 1) + text.encode("utf-16-le")


def biff8_xls(sheets: dict[str, list[list]], *, stream_length: int | None = None) -> bytes:
    strings: dict[str, int] = {}
    for rows in sheets.values():
        for row in rows:
            for value in row:
                if isinstance(value, str) and value:
                    strings.setdefault(value, len(strings))
    sst = _record(
        0x00FC,
        struct.pack("<II", len(strings), len(strings))
        + b"".join(_biff_string(text, "<HB") for text in strings),
    )
    bodies = []
    for rows in sheets.values():
        cells = b""
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str) and value:
                    cells += _record(0x00FD, struct.pack("<HHHI", r, c, 0, strings[value]))
                elif isinstance(value, int | float):
                    cells += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
        width = max((len(row) for row in rows), default=0)
        dimensions = _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        bodies.append(_bof(0x0010) + dimensions + cells + _record(0x000A))
    head = _bof(0x0005) + _record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
    bound_size = sum(6 + 4 + 2 + 2 * len(name) for name in sheets)
    offset = len(head) + bound_size + len(sst) + 4
    bound = b""
    for name, body in zip(sheets, bodies, strict=True):
        bound += _record(0x0085, struct.pack("<IBB", offset, 0, 0) + _biff_string(name, "<BB"))
        offset += len(body)
    stream = head + bound + sst + _record(0x000A) + b"".join(bodies)
    # Streams under 4096 bytes would live in the mini stream: pad, and use regular sectors.
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    sectors = len(stream) // 512
    fat = [0xFFFFFFFD, 0xFFFFFFFE, *range(3, sectors + 2), 0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<9I", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    header += struct.pack("<I", 0) + b"\xff" * 4 * 108

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1 if kind else 0)
            + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, length)
        )

    directory = (
        entry("Root Entry", 5, 1, 0xFFFFFFFE, 0)
        + entry("Workbook", 2, 0xFFFFFFFF, 2, stream_length or len(stream))
        + entry("", 0, 0xFFFFFFFF, 0, 0) * 2
    )
    return header + struct.pack("<128I", *fat) + directory + stream


# --- the sample rosters ---------------------------------------------------------------------

SAMPLE_ROSTERS = [
    # file, sheet, header row, data rows, fields expected (field → header)
    (
        "dibao_members.xlsx",
        None,
        3,
        59,
        {
            "serial": "序号",
            "district": "区县",
            "street": "街道(镇)",
            "community": "社区(村)",
            "head_name": "户主姓名",
            "head_id_number": "户主身份证号",
            "name": "成员姓名",
            "relation": "与户主关系",
            "id_number": "身份证号码",
            "sex": "性别",
            "birth_date": "出生日期",
            "phones": "联系电话",
            "address": "家庭住址",
        },
    ),
    (
        "low_income.csv",
        None,
        1,
        6,
        {
            "household_no": "户编号",
            "name": "姓名",
            "id_number": "身份证号",
            "relation": "与户主关系",
            "phones": "联系电话",
            "street": "所在街道",
            "community": "所在社区",
            "address": "地址",
        },
    ),
    (
        "tekun.xlsx",
        None,
        1,
        3,
        {
            "name": "姓名",
            "id_number": "公民身份号码",
            "sex": "性别",
            "age": "年龄",
            "street": "所属街道",
            "community": "所属社区",
            "address": "居住地址",
            "phones": "联系方式",
        },
    ),
    (
        "severe_disability.xlsx",
        None,
        1,
        15,
        {
            "name": "姓名",
            "id_number": "身份证号",
            "certificate_no": "残疾证号",
            "phones": "联系电话",
            "address": "现住址",
            "street": "街道",
            "community": "社区",
        },
    ),
    *[
        (
            "elderly.xlsx",
            sheet,
            1,
            count,
            {
                "name": "姓名",
                "id_number": "身份证号",
                "age": "年龄",
                "phones": "联系电话",
                "emergency_contact": "紧急联系人",
                "emergency_phone": "紧急联系人电话",
                "address": "居住地址",
                "street": "所属街道",
                "community": "所属社区",
            },
        )
        for sheet, count in (("独居老人", 55), ("孤寡老人", 5), ("留守老人", 1))
    ],
    (
        "children.xlsx",
        None,
        1,
        34,
        {
            "name": "儿童姓名",
            "id_number": "身份证号",
            "sex": "性别",
            "birth_date": "出生日期",
            "guardian_name": "监护人姓名",
            "guardian_phone": "监护人联系电话",
            "hukou": "户籍地",
            "address": "现居住地址",
            "street": "街道",
            "community": "社区",
        },
    ),
]


@pytest.mark.parametrize(
    ("filename", "sheet", "header_row", "count", "expected"),
    SAMPLE_ROSTERS,
    ids=[f"{row[0]}:{row[1] or ''}" for row in SAMPLE_ROSTERS],
)
def test_sample_rosters_are_read_with_their_header_and_columns(
    filename, sheet, header_row, count, expected
):
    with sample(filename, sheet) as roster:
        rows = list(roster.rows())
        assert roster.header_row_number == header_row
        assert roster.column_map.as_dict() == expected
        assert not roster.column_map.conflicts
        assert len(rows) == count
        numbers = [number for number, _cells in rows]
        assert numbers == list(range(header_row + 1, header_row + 1 + count))
        assert all(len(cells) == len(roster.columns) for _number, cells in rows)


def test_dibao_title_rows_are_skipped_and_the_heads_id_is_not_the_members():
    with sample("dibao_members.xlsx") as roster:
        assert roster.format == "xlsx"
        assert roster.sheet_names == ["低保成员"] == [roster.sheet]
        assert roster.columns[:3] == ["序号", "区县", "街道(镇)"]
        first_number, first = next(roster.rows())
        columns = roster.column_map
        assert first_number == 4
        assert first[columns["name"]] == "古平宇"
        assert first[columns["id_number"]] == "440103200810134581"
        assert first[columns["head_name"]] == "古辉"
        assert first[columns["head_id_number"]] == "440105196009054774"
        assert columns.unrecognised == ["保障人数"]


def test_a_float_id_from_excel_stays_a_float():
    """severe_disability.xlsx has two IDs that Excel turned into numbers: the ID parser must see
    the damage, so the reader does not turn them back into text."""
    with sample("severe_disability.xlsx") as roster:
        id_column = roster.column_map["id_number"]
        certificate_column = roster.column_map["certificate_no"]
        rows = dict(roster.rows())
    damaged = {number: cells[id_column] for number, cells in rows.items()}
    damaged = {number: value for number, value in damaged.items() if not isinstance(value, str)}
    assert damaged == {6: 4.401051946012028e17, 9: 4.401031955071271e17}
    assert all(isinstance(value, float) for value in damaged.values())
    assert rows[6][certificate_column] == "44010519460120278122"


def test_elderly_has_three_sheets_and_ages_stay_numbers():
    with sample("elderly.xlsx") as roster:
        assert roster.sheet_names == ["独居老人", "孤寡老人", "留守老人"]
        assert roster.sheet == "独居老人"  # the first sheet when none is named
    with sample("elderly.xlsx", "留守老人") as roster:
        [(number, cells)] = list(roster.rows())
        age = cells[roster.column_map["age"]]
    assert number == 2
    assert cells[0] == "朱国国"
    assert isinstance(age, float)
    assert age == 64


def test_low_income_csv_is_decoded_from_gbk():
    with sample("low_income.csv") as roster:
        assert roster.format == "csv"
        assert roster.encoding == "gb18030"
        assert roster.sheet_names == []
        assert roster.sheet is None
        rows = list(roster.rows())
    household = roster.column_map["household_no"]
    assert rows[0] == (
        2,
        [
            "DSR47384548",
            "钟淑福",
            "440105199508247099",
            "户主",
            "13931694511",
            "南石头街道",
            "庄头社区",
            "广州市海珠区南石头街宝华路236号桥西新村12栋2605",
        ],
    )
    assert [cells[household] for _n, cells in rows].count("DSR42231154") == 3


def test_children_guardian_phone_is_not_the_childs_phone():
    with sample("children.xlsx") as roster:
        assert "phones" not in roster.column_map
        assert roster.column_map.column("guardian_phone") == "监护人联系电话"


def test_an_open_upload_is_read_and_left_open():
    with (SAMPLES / "low_income.csv").open("rb") as file:
        upload = io.BytesIO(file.read())
    roster = open_roster(upload, filename="低收入.csv")
    first = list(roster.rows())
    second = list(roster.rows())  # every call reads again from the top
    assert len(first) == 6
    assert first == second
    assert not upload.closed


def test_uploads_and_bare_streams_are_read():
    text = "姓名,身份证号\n甲,440105193206151908\n".encode("gbk")
    upload = SimpleUploadedFile("名单.csv", text)
    assert list(open_roster(upload, filename=upload.name).rows()) == [
        (2, ["甲", "440105193206151908"])
    ]

    class Stream:  # only read and seek, as some upload wrappers give
        def __init__(self, data: bytes):
            self._data = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self._data.read(size)

        def seek(self, offset: int, whence: int = 0) -> int:
            return self._data.seek(offset, whence)

    roster = open_roster(Stream(text), filename="名单.csv")
    assert roster.encoding == "gb18030"
    assert list(roster.rows()) == [(2, ["甲", "440105193206151908"])]


# --- columns -------------------------------------------------------------------------------

SPELLINGS = {
    "name": [
        "姓名",
        "成员姓名",
        "儿童姓名",
        "老人姓名",
        "服务对象姓名",
        "*姓名",
        "姓 名",
        "被监护人姓名",
    ],
    "id_number": [
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "身份证",
        "身份证\n号码",
        "身份证号（18位）",
        "居民身份证号码",
        "成员身份证号",
    ],
    "head_id_number": ["户主身份证号", "户主身份证号码", "户主公民身份号码"],
    "head_name": ["户主姓名", "户主"],
    "certificate_no": ["残疾证号", "残疾证号码", "残疾人证号", "低保证号", "证号"],
    "guardian_phone": ["监护人联系电话", "监护人电话", "法定监护人手机"],
    "guardian_name": ["监护人姓名", "监护人"],
    "emergency_contact": ["紧急联系人", "联系人"],
    "emergency_phone": ["紧急联系人电话", "紧急联系人手机号码", "联系人电话"],
    "phones": ["联系电话", "手机号码", "联系方式", "手机", "电话", "联系电话/手机", "固定电话"],
    "district": ["区", "区县", "所属区", "区(县)", "区（县）", "所在区"],
    "street": ["所属街道", "街道(镇)", "镇街", "街道", "所在街道", "街道（镇）", "乡镇(街道)"],
    "community": ["所属社区", "社区(村)", "社区", "村居", "所在社区", "村(居)委会", "居委会"],
    "address": ["家庭住址", "居住地址", "现住址", "现居住地址", "地址", "现居住地", "详细地址"],
    "compound": ["小区", "小区名称", "所在小区"],
    "hukou": ["户籍地", "户籍所在地", "户口所在地", "户籍地址"],
    "household_no": ["户编号", "家庭编号", "户号"],
    "relation": ["与户主关系", "与户主的关系", "家庭关系"],
    "sex": ["性别"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "生日"],
    "age": ["年龄", "年龄(岁)"],
    "notes": ["备注", "说明"],
    "serial": ["序号", "No."],
}


@pytest.mark.parametrize(
    ("header", "expected"),
    [(header, field) for field, headers in SPELLINGS.items() for header in headers],
)
def test_spellings_are_recognised_by_meaning(header, expected):
    assert field_for(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "监护人身份证号码",  # somebody else's ID ends in 号码, yet it is no phone
        "配偶姓名",
        "子女联系电话",
        "户主联系电话",
        "户籍街道",  # where the hukou is, not where the person lives
        "残疾类别",
        "残疾证发证日期",
        "证件类型",
        "困境类型",
        "保障人数",
        "填报人",
        "",
    ],
)
def test_somebody_elses_columns_and_others_are_not_recognised(header):
    assert field_for(header) is None


def test_the_fields_are_the_agreed_ones_and_every_rule_names_one():
    assert FIELDS == (
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
    assert {rule.field for rule in RULES} - {None} == set(FIELDS)


def test_headers_are_normalised_and_cleaned():
    assert normalise(" 身份证\n号码 ") == "身份证号码"
    assert normalise("区（县）") == "区(县)"
    assert normalise("街道【镇】") == "街道(镇)"
    assert normalise("ＩＤ　号码：") == "id号码"
    assert clean_header("身份证\n号码") == "身份证号码"
    assert clean_header(" Phone \n number ") == "Phone number"
    assert clean_header(2022.0) == "2022"


def test_two_columns_for_one_field_keep_the_first():
    headers = ["姓名", "手机", "", "身份证号", "固定电话", "困境类型", "电话"]
    columns = recognise(headers)
    assert columns["phones"] == 1
    assert columns.conflicts == [Conflict("phones", 1, 4), Conflict("phones", 1, 6)]
    assert columns.all_columns("phones") == [1, 4, 6]
    assert columns.all_columns("address") == []
    assert columns.unrecognised == ["困境类型"]  # the blank column is not reported
    assert dict(columns) == {"name": 0, "phones": 1, "id_number": 3}
    assert columns.as_dict() == {"name": "姓名", "phones": "手机", "id_number": "身份证号"}


def test_an_override_wins_over_recognition():
    headers = ["姓名", "身份证号", "证件号码", "身份证\n号码"]
    columns = recognise(headers, overrides={"id_number": "证件号码"})
    assert columns["id_number"] == 2
    assert columns.unrecognised == ["身份证号", "身份证\n号码"]
    assert columns.conflicts == []
    # The column is found by its normalised header too.
    assert recognise(headers, overrides={"id_number": "身份证号码"})["id_number"] == 3


def test_an_override_can_move_a_column_to_another_field_or_unmap_a_field():
    headers = ["姓名", "电话", "紧急联系人电话"]
    columns = recognise(headers, overrides={"phones": "紧急联系人电话", "name": ""})
    assert dict(columns) == {"phones": 2}
    assert "emergency_phone" not in columns
    assert columns.unrecognised == ["姓名", "电话"]


def test_overrides_naming_an_unknown_field_or_a_missing_column_are_refused():
    headers = ["姓名", "身份证号", "电话"]
    with override("en"), pytest.raises(ColumnError) as error:
        recognise(headers, overrides={"idnumber": "身份证号"})
    assert error.value.code == "unknown_field"
    assert "idnumber" in str(error.value)
    assert "id_number" in str(error.value)  # the fields are listed

    with override("en"), pytest.raises(ColumnError) as error:
        recognise(headers, overrides={"id_number": "证件号码"})
    assert error.value.code == "unknown_column"
    assert "证件号码" in error.value.message
    assert "姓名、身份证号、电话" in error.value.message

    with override("en"), pytest.raises(ColumnError) as error:
        recognise(headers, overrides={"phones": "电话", "emergency_phone": "电话"})
    assert error.value.code == "column_twice"


# --- messy files built here ----------------------------------------------------------------


def test_a_messy_workbook(tmp_path):
    """Title rows, a blank row, a header in row 5 starting in column B with a line break,
    a blank column, other spellings, a blank and a merged-looking row among the data."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet["B1"] = "白云区特困供养人员花名册"
    sheet.merge_cells("B1:I1")
    sheet["B2"] = "填报单位：松洲街道　　　　　填报日期：2022年4月28日"
    sheet["B3"] = "单位：人"
    headers = ["服务对象姓名", "公民身份\n号码", None, "手机号码", "镇街", "村居", "小区名称"]
    headers += ["现住址", "年龄（岁）", "出生日期"]
    for column, header in enumerate(headers, start=2):
        sheet.cell(row=5, column=column, value=header)
    data = {
        6: ["张三明", 440105194601202781, None, "13800138000", "松洲街", "螺涌社区", "阳光花园"],
        8: ["李四", "44010519460120278X", None, 13900139000, "松洲街", "螺涌", None],
        9: ["松洲街道小计", None, None, None, None, None, None],
    }
    for row, values in data.items():
        for column, value in enumerate(values, start=2):
            sheet.cell(row=row, column=column, value=value)
    sheet["J6"], sheet["K6"] = 76, datetime.date(1946, 1, 20)
    sheet["M12"] = "   "  # a stray space far away: a blank row, a blank column
    path = tmp_path / "特困.xlsx"
    workbook.save(path)

    with open_roster(path, filename="特困.xlsx") as roster:
        assert roster.header_row_number == 5
        assert roster.columns[:3] == ["服务对象姓名", "公民身份号码", ""]
        assert len(roster.columns) == 10  # blank columns after the header are dropped
        columns = roster.column_map
        assert columns.as_dict() == {
            "name": "服务对象姓名",
            "id_number": "公民身份号码",
            "phones": "手机号码",
            "street": "镇街",
            "community": "村居",
            "compound": "小区名称",
            "address": "现住址",
            "age": "年龄（岁）",
            "birth_date": "出生日期",
        }
        rows = list(roster.rows())
    assert [number for number, _cells in rows] == [6, 8, 9]
    (_six, first), (_eight, second), (_nine, subtotal) = rows
    assert first[columns["name"]] == "张三明"
    assert isinstance(first[columns["id_number"]], float)  # damaged, and left so
    assert first[columns["age"]] == 76
    assert isinstance(first[columns["birth_date"]], datetime.date)
    assert first[columns["birth_date"]].timetuple()[:3] == (1946, 1, 20)
    assert second[columns["id_number"]] == "44010519460120278X"
    assert second[columns["phones"]] == 13900139000
    assert not isinstance(second[columns["phones"]], str)
    assert subtotal[columns["name"]] == "松洲街道小计"  # the importer rejects it, with its row


def test_the_first_row_naming_two_known_columns_is_the_header(tmp_path):
    path = xlsx(
        tmp_path,
        {
            "S": [
                ["困境儿童名单（姓名、身份证号请核对）"],  # one cell: a title, not a header
                ["姓名", None, "备用"],  # one known column only
                [1, 2, 3, 4],  # numbers
                ["儿童姓名", "身份证号", "性别"],
                ["王小明", "440105201201110696", "男"],
            ]
        },
    )
    with open_roster(path, filename="儿童.xlsx") as roster:
        assert roster.header_row_number == 4
        assert roster.columns == ["儿童姓名", "身份证号", "性别"]
        assert list(roster.rows()) == [(5, ["王小明", "440105201201110696", "男"])]


def test_a_row_of_mostly_numbers_is_not_the_header(tmp_path):
    rows = [
        ["序号", 1, 2, 3, 4, "备注"],  # names two known columns, but is numbers
        ["单位：人"],
        ["序号", "姓名", "身份证号", "备注"],
        [1, "甲", "2", ""],
    ]
    with open_roster(xlsx(tmp_path, {"S": rows}), filename="numbers.xlsx") as roster:
        assert roster.header_row_number == 3


def test_a_two_row_header_is_read_from_its_lower_row(tmp_path):
    path = xlsx(
        tmp_path,
        {
            "S": [
                ["独居老人花名册"],
                ["基本信息", None, "联系方式", None, "居住地", None],
                ["姓名", "身份证号", "本人电话", "紧急联系人电话", "街道", "社区"],
                ["甲", "440105193206151908", "13800138000", "13900139000", "松洲街", "螺涌"],
            ]
        },
    )
    with open_roster(path, filename="grouped.xlsx") as roster:
        assert roster.header_row_number == 3
        assert roster.column_map.column("phones") == "本人电话"
        assert [number for number, _cells in roster.rows()] == [4]


def test_a_repeated_header_and_blank_rows_are_skipped(tmp_path):
    header = ["姓名", "身份证号", "联系电话"]
    path = xlsx(
        tmp_path,
        {
            "S": [
                header,
                ["甲", "440105201201110696", "13800138000"],
                [None, None, None],
                ["", "  ", ""],
                header,  # the next street's roster pasted below
                ["乙", "440105201201110697", "13800138001"],
            ]
        },
    )
    with open_roster(path, filename="合并.xlsx") as roster:
        assert [(number, cells[0]) for number, cells in roster.rows()] == [(2, "甲"), (6, "乙")]


def test_rows_are_cut_or_padded_to_the_header(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("姓名,身份证号,联系电话,备注\n甲,440105201201110696\n乙,1,2,3,多出来\n")
    with open_roster(path, filename="short.csv") as roster:
        assert list(roster.rows()) == [
            (2, ["甲", "440105201201110696", "", ""]),
            (3, ["乙", "1", "2", "3"]),
        ]


def test_the_default_sheet_is_the_first_visible_one_and_sheet_names_are_forgiving(tmp_path):
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    hidden.title = "下拉选项"
    hidden.append(["性别", "姓名"])
    hidden.sheet_state = "hidden"
    visible = workbook.create_sheet("独居老人")
    visible.append(["姓名", "身份证号"])
    visible.append(["甲", "440105193206151908"])
    path = tmp_path / "elderly.xlsx"
    workbook.save(path)
    with open_roster(path, filename="elderly.xlsx") as roster:
        assert roster.sheet_names == ["下拉选项", "独居老人"]
        assert roster.sheet == "独居老人"
    with open_roster(path, filename="elderly.xlsx", sheet=" 独居老人 ") as roster:
        assert roster.sheet == "独居老人"
    with open_roster(path, filename="elderly.xlsx", sheet="下拉选项") as roster:
        assert roster.sheet == "下拉选项"  # asked for by name, a hidden sheet is read


CSV_TEXT = (
    "低收入家庭花名册,,,\n"
    ",,,\n"
    "家庭编号,成员姓名,证件号码,联系电话\n"
    "H1,钟淑福,440105199508247099,13931694511\n"
    ",,,\n"
    'H1,谢慧,"44010519720512426X","139 3169 4512, 020-84441234"\n'
)


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("gbk", "gb18030"), ("utf-16", "utf-16")],
)
def test_csv_encodings_are_detected(tmp_path, encoding, detected):
    path = tmp_path / "roster.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    with open_roster(path, filename="roster.csv") as roster:
        assert roster.encoding == detected
        assert roster.header_row_number == 3
        assert roster.columns == ["家庭编号", "成员姓名", "证件号码", "联系电话"]  # no BOM left
        assert roster.column_map.as_dict() == {
            "household_no": "家庭编号",
            "name": "成员姓名",
            "id_number": "证件号码",
            "phones": "联系电话",
        }
        assert list(roster.rows()) == [
            (4, ["H1", "钟淑福", "440105199508247099", "13931694511"]),
            (6, ["H1", "谢慧", "44010519720512426X", "139 3169 4512, 020-84441234"]),
        ]


def test_a_csv_header_with_a_line_break_and_rows_numbered_by_record(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('姓名,"身份证\n号码","备注"\n甲,440105199508247099,"两行\n备注"\n乙,1,\n')
    with open_roster(path, filename="r.csv") as roster:
        assert roster.columns == ["姓名", "身份证号码", "备注"]
        assert roster.column_map["id_number"] == 1
        assert list(roster.rows()) == [
            (2, ["甲", "440105199508247099", "两行\n备注"]),
            (3, ["乙", "1", ""]),
        ]


def test_a_runaway_quote_in_a_csv_is_an_error_of_the_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('姓名,身份证号\n丙,2\n甲,"440105199508247099\n' + "乙,1\n" * 40_000)
    roster = open_roster(path, filename="r.csv")
    rows = roster.rows()
    assert next(rows) == (2, ["丙", "2"])
    with override("en"), pytest.raises(RosterFileError) as error:
        next(rows)
    assert error.value.code == "bad_csv"
    assert "r.csv" in error.value.message


def test_a_tab_separated_csv_is_read():
    text = "姓名\t身份证号\t地址\n甲\t440105199508247099\t广州市海珠区, 南石头街\n"
    assert detect_delimiter(text) == "\t"
    assert detect_delimiter("姓名,身份证号\n") == ","
    roster = open_roster(io.BytesIO(text.encode()), filename="tabs.csv")
    assert list(roster.rows()) == [(2, ["甲", "440105199508247099", "广州市海珠区, 南石头街"])]


def test_encoding_detection_allows_a_character_cut_by_the_sample():
    cut = "姓名,身份证号".encode()[:-1]
    assert detect_encoding(cut) == "utf-8"
    assert detect_encoding("姓名,身份证号".encode("gbk")) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbfname") == "utf-8-sig"


def test_an_xls_workbook_is_read(tmp_path):
    path = tmp_path / "低保.xls"
    path.write_bytes(
        biff8_xls(
            {
                "说明": [["本表由低保系统导出"]],
                "低保成员": [
                    ["广州市城乡最低生活保障家庭成员花名册"],
                    [],
                    ["户主身份证号", "成员姓名", "身份证\n号码", "年龄"],
                    ["440105196009054774", "古平宇", 440103200810134581, 13],
                    ["440105196009054774", "古辉", "440105196009054774", 61.5],
                ],
            }
        )
    )
    with open_roster(path, filename="低保.xls", sheet="低保成员") as roster:
        assert roster.format == "xls"
        assert roster.sheet_names == ["说明", "低保成员"]
        assert roster.header_row_number == 3
        assert roster.column_map.as_dict() == {
            "head_id_number": "户主身份证号",
            "name": "成员姓名",
            "id_number": "身份证号码",
            "age": "年龄",
        }
        rows = list(roster.rows())
    assert [number for number, _cells in rows] == [4, 5]
    assert isinstance(rows[0][1][2], float)
    assert rows[1][1][1:] == ["古辉", "440105196009054774", 61.5]


def test_a_workbook_under_the_wrong_extension_is_read_by_its_content(tmp_path):
    path = xlsx(tmp_path, {"S": [["姓名", "身份证号"], ["甲", "440105193206151908"]]})
    renamed = path.rename(tmp_path / "roster.xls")
    with open_roster(renamed, filename="roster.xls") as roster:
        assert roster.format == "xlsx"
        assert list(roster.rows()) == [(2, ["甲", "440105193206151908"])]
    upload = io.BytesIO(biff8_xls({"S": [["姓名", "身份证号"], ["乙", "1"]]}))
    with open_roster(upload, filename="roster.xlsx") as roster:
        assert roster.format == "xls"
        assert list(roster.rows()) == [(2, ["乙", "1"])]


# --- errors --------------------------------------------------------------------------------


def raises(code: str, source, **kwargs) -> RosterFileError:
    with override("en"), pytest.raises(RosterFileError) as error:
        open_roster(source, **kwargs)
    assert error.value.code == code, error.value.message
    assert str(error.value) == error.value.message
    return error.value


@pytest.mark.parametrize("filename", ["roster.txt", "roster.docx", "roster", "roster.xlsx.bak"])
def test_an_unknown_extension_is_refused(filename):
    error = raises("unsupported_format", io.BytesIO(b"x"), filename=filename)
    assert filename in error.message
    assert ".xlsx, .xls, .csv" in error.message


def test_a_missing_sheet_lists_the_sheets(tmp_path):
    path = xlsx(
        tmp_path, {name: [["姓名", "身份证号"]] for name in ("独居老人", "孤寡老人", "留守老人")}
    )
    error = raises("no_sheet", path, filename="elderly.xlsx", sheet="空巢老人")
    assert "空巢老人" in error.message
    assert "独居老人、孤寡老人、留守老人" in error.message


def test_a_sheet_for_a_csv_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("姓名,身份证号\n")
    raises("sheet_in_csv", path, filename="r.csv", sheet="Sheet1")


def test_no_header_row(tmp_path):
    rows = [["花名册"], ["序号", "类型", "数量"], *[[i, "x", i * 2] for i in range(20)]]
    path = xlsx(tmp_path, {"统计": rows})
    error = raises("no_header", path, filename="统计.xlsx")
    assert f"first {HEADER_SEARCH_ROWS} rows" in error.message
    assert "统计" in error.message
    assert "姓名" in error.message  # what it looked for


def test_a_header_below_the_rows_searched_is_not_found(tmp_path):
    rows = [["说明"]] * HEADER_SEARCH_ROWS + [["姓名", "身份证号"], ["甲", "1"]]
    path = xlsx(tmp_path, {"S": rows})
    raises("no_header", path, filename="deep.xlsx")
    rows = [["说明"]] * (HEADER_SEARCH_ROWS - 1) + [["姓名", "身份证号"], ["甲", "1"]]
    with open_roster(xlsx(tmp_path, {"S": rows}), filename="deep.xlsx") as roster:
        assert roster.header_row_number == HEADER_SEARCH_ROWS


def test_an_empty_sheet_and_an_empty_csv(tmp_path):
    raises("empty", xlsx(tmp_path, {"空": []}), filename="empty.xlsx")
    raises("empty", io.BytesIO(b"\n,,\n"), filename="empty.csv")


def test_a_web_page_named_xls_is_not_a_workbook():
    page = "<html><table><tr><td>姓名</td><td>身份证号</td></tr></table></html>".encode()
    error = raises("not_excel", io.BytesIO(page), filename="导出.xls")
    assert "save it as .xlsx" in error.message


def test_damaged_workbooks_are_refused(tmp_path):
    # A compound file whose stream length points into the mini stream, which it lacks: calamine
    # panics (or errs) on it.
    broken = biff8_xls({"S": [["姓名", "身份证号"]]}, stream_length=100)
    raises("corrupt", io.BytesIO(broken), filename="broken.xls")
    good = xlsx(tmp_path, {"S": [["姓名", "身份证号"]]}).read_bytes()
    raises("corrupt", io.BytesIO(good[: len(good) // 2]), filename="cut.xlsx")


def test_a_missing_file_is_unreadable(tmp_path):
    error = raises("unreadable", tmp_path / "nowhere.xlsx", filename="nowhere.xlsx")
    assert "nowhere.xlsx" in error.message
