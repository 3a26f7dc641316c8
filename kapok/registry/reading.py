"""Reading department rosters: .xlsx, .xls and .csv, row by row.

Pure functions, no database. ``open_roster`` finds the sheet, the header row below any title
rows (花名册 titles, 填报单位 lines) and the columns; ``Roster.rows()`` then yields the data rows
with their row numbers as Excel shows them. Cell values come through as python-calamine gives
them (str, int, float, bool, date, datetime); numbers are not turned into text here, because an
ID number that Excel turned into a float must still look damaged to the ID parser. A CSV gives
strings only.

Memory: calamine holds one sheet's cells (not the whole workbook's) in Rust while its rows are
turned into Python lists one at a time; a CSV is decoded and split as it is read.
"""

import codecs
import csv
import io
import itertools
import os
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import IO, Any

from django.utils.translation import gettext as _
from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from kapok.registry.columns import ColumnMap, field_for, recognise

EXTENSIONS = (".xlsx", ".xls", ".csv")
HEADER_SEARCH_ROWS = 15  # the header is looked for in this many rows from the top
MIN_HEADER_FIELDS = 2
SAMPLE_BYTES = 64 * 1024  # what the CSV encoding and delimiter are guessed from
DELIMITERS = (",", "\t", ";")
HEADER_EXAMPLES = "姓名、身份证号、联系电话、街道、社区"

_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and password-protected .xlsx)

Source = str | os.PathLike | IO[bytes]
Cell = Any  # str | int | float | bool | date | datetime | time | timedelta


class RosterFileError(ValueError):
    """A roster could not be read; ``message`` says why in the user's language and ``code`` says
    it to programs: unsupported_format, unreadable, not_excel, encrypted, corrupt, no_sheet,
    sheet_in_csv, empty, no_header, bad_csv."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class Roster:
    """One sheet of a roster (a CSV is one sheet), its header found.

    ``sheet_names``: every sheet of the workbook, in workbook order ([] for a CSV).
    ``sheet``: the sheet read (None for a CSV). ``header_row_number``: 1-based, as Excel shows it.
    ``columns``: the header cells, cleaned (no line breaks, trailing blank columns dropped).
    ``column_map``: the fields recognised in ``columns``, with no overrides.
    ``encoding``: what a CSV was decoded as (utf-8, utf-8-sig, utf-16, gb18030), else None.
    """

    def __init__(
        self,
        *,
        filename: str,
        format: str,
        sheet_names: list[str],
        sheet: str | None,
        raw_rows: Callable[[], Iterator[list[Cell]]],
        encoding: str | None = None,
        on_close: Callable[[], None] | None = None,
    ):
        self.filename = filename
        self.format = format
        self.sheet_names = sheet_names
        self.sheet = sheet
        self.encoding = encoding
        self._raw_rows = raw_rows
        self._on_close = on_close
        self.header_row_number, self._raw_header, self.columns = self._find_header()
        self.column_map: ColumnMap = recognise(self.columns)

    @property
    def where(self) -> str:
        if self.sheet is None:
            return self.filename
        return _("sheet “%(sheet)s” of %(file)s") % {"sheet": self.sheet, "file": self.filename}

    def _find_header(self) -> tuple[int, list[Cell], list[str]]:
        """The first row among the top HEADER_SEARCH_ROWS that names at least MIN_HEADER_FIELDS
        known columns, most of its cells text; unless the next row names more, as in a two-row
        header whose top row only groups the columns (基本信息 | 联系方式 | 居住地)."""
        anything = False
        found: tuple[int, list[Cell], int] | None = None
        raw = self._raw_rows()
        try:
            for number, row in enumerate(itertools.islice(raw, HEADER_SEARCH_ROWS), start=1):
                if _is_blank(row):
                    continue
                anything = True
                known = _known_fields(row)
                if found is not None:
                    if known > found[2]:
                        found = (number, row, known)
                    break
                if known >= MIN_HEADER_FIELDS:
                    found = (number, row, known)
        finally:
            close = getattr(raw, "close", None)
            if close is not None:
                close()  # a CSV generator: let go of the file now
        if found is not None:
            number, row, _known = found
            columns = [clean_header(cell) for cell in row]
            while columns and not columns[-1]:
                columns.pop()
            return number, row, columns
        if not anything:
            raise RosterFileError(_("%(where)s is empty.") % {"where": self.where}, code="empty")
        raise RosterFileError(
            _(
                "No header row in the first %(count)d rows of %(where)s: Kapok looks for a row "
                "naming at least %(least)d known columns, such as %(examples)s."
            )
            % {
                "count": HEADER_SEARCH_ROWS,
                "where": self.where,
                "least": MIN_HEADER_FIELDS,
                "examples": HEADER_EXAMPLES,
            },
            code="no_header",
        )

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """``(row_number, cells)`` for every data row below the header: row numbers as Excel
        shows them (for a CSV, the record's number); blank rows and repeats of the header (two
        rosters pasted one below the other) are skipped; ``cells`` has one cell per column,
        "" for an empty one (cells right of the last named column are dropped: no field can be
        given them). Each call reads the roster again from the top."""
        width = len(self.columns)
        header = self._raw_header
        raw = self._raw_rows()
        for _skipped in itertools.islice(raw, self.header_row_number):
            pass
        for number, row in enumerate(raw, start=self.header_row_number + 1):
            if _is_blank(row) or row == header:
                continue
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            elif len(row) > width:
                del row[width:]
            yield number, row

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> "Roster":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Roster {self.filename!r} sheet={self.sheet!r} header={self.header_row_number}>"


def clean_header(cell: Cell) -> str:
    """A header cell as text: whitespace runs (line breaks, ideographic spaces) closed up between
    Chinese characters and kept as one space between Latin words; a whole number without
    ``.0``."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    words = str(cell).split()
    text = ""
    for word in words:
        if text and text[-1].isascii() and word[0].isascii():
            text += " "
        text += word
    return text


def _is_blank(row: list[Cell]) -> bool:
    for cell in row:  # inlined _is_filled: this runs for every row
        if cell.__class__ is str:
            if cell and not cell.isspace():
                return False
        elif cell is not None:
            return False
    return True


def _is_filled(cell: Cell) -> bool:
    if isinstance(cell, str):
        return bool(cell) and not cell.isspace()
    return cell is not None


def _known_fields(row: list[Cell]) -> int:
    """How many known columns a row names; 0 unless most of its filled cells are text."""
    filled = [cell for cell in row if _is_filled(cell)]
    texts = [cell for cell in filled if isinstance(cell, str)]
    if len(texts) * 2 <= len(filled):
        return 0
    return len({field_for(clean_header(cell)) for cell in texts} - {None})


def open_roster(path_or_file: Source, *, filename: str, sheet: str | None = None) -> Roster:
    """Open a roster: ``path_or_file`` is a path or a binary file object (an upload);
    ``filename`` is the name the user knows it by, whose extension says how to read it unless the
    content plainly says otherwise (an .xls saved under .xlsx). ``sheet``: the sheet to read
    (default: the first visible one). Raises ``RosterFileError``."""
    extension = PurePath(filename).suffix.lower()
    if extension not in EXTENSIONS:
        raise RosterFileError(
            _("Kapok cannot read “%(file)s”: a roster must be a %(extensions)s file.")
            % {"file": filename, "extensions": ", ".join(EXTENSIONS)},
            code="unsupported_format",
        )
    magic = _peek(path_or_file, filename)
    if magic.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return _open_workbook(path_or_file, filename, sheet, extension, magic)
    if extension != ".csv":
        raise RosterFileError(
            _(
                "“%(file)s” is not an Excel workbook, although it is named like one (some systems "
                "export web pages or text this way). Open it in Excel or WPS and save it as .xlsx."
            )
            % {"file": filename},
            code="not_excel",
        )
    if sheet is not None:
        raise RosterFileError(
            _("“%(file)s” is a CSV file, which has no sheets; leave out the sheet.")
            % {"file": filename},
            code="sheet_in_csv",
        )
    return _open_csv(path_or_file, filename)


def _unreadable(filename: str, error: BaseException) -> RosterFileError:
    return RosterFileError(
        _("Kapok cannot read “%(file)s”: %(error)s") % {"file": filename, "error": error},
        code="unreadable",
    )


def _peek(source: Source, filename: str) -> bytes:
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as file:
                return file.read(8)
        source.seek(0)
        magic = source.read(8)
        source.seek(0)
        return magic
    except OSError as error:
        raise _unreadable(filename, error) from error


def _is_panic(error: BaseException) -> bool:
    # Rust panics in calamine on some malformed files reach Python as pyo3's PanicException,
    # which derives from BaseException.
    return type(error).__name__ == "PanicException"


def _open_workbook(
    source: Source, filename: str, sheet: str | None, extension: str, magic: bytes
) -> Roster:
    corrupt = RosterFileError(
        _("“%(file)s” is damaged or not a workbook Kapok can read; save it again as .xlsx.")
        % {"file": filename},
        code="corrupt",
    )
    matches_name = magic.startswith(_ZIP_MAGIC) == (extension == ".xlsx")
    try:
        if isinstance(source, str | os.PathLike) and matches_name:
            workbook = CalamineWorkbook.from_path(os.fspath(source))
        elif isinstance(source, str | os.PathLike):
            # The name says one format and the content another: let calamine go by content.
            with open(source, "rb") as file:
                workbook = CalamineWorkbook.from_filelike(file)
        else:
            source.seek(0)
            workbook = CalamineWorkbook.from_filelike(source)
    except PasswordError as error:
        raise RosterFileError(
            _("“%(file)s” is protected by a password; remove the password and try again.")
            % {"file": filename},
            code="encrypted",
        ) from error
    except OSError as error:
        raise _unreadable(filename, error) from error
    except CalamineError as error:
        raise corrupt from error
    except BaseException as error:
        if _is_panic(error):
            raise corrupt from error
        raise

    try:
        names = list(workbook.sheet_names)
        chosen = _choose_sheet(workbook, names, sheet, filename)
        worksheet = workbook.get_sheet_by_name(chosen)
        return Roster(
            filename=filename,
            format="xlsx" if magic.startswith(_ZIP_MAGIC) else "xls",
            sheet_names=names,
            sheet=chosen,
            raw_rows=worksheet.iter_rows,
            on_close=workbook.close,
        )
    except RosterFileError:
        workbook.close()
        raise
    except CalamineError as error:
        workbook.close()
        raise corrupt from error
    except BaseException as error:
        workbook.close()
        if _is_panic(error):
            raise corrupt from error
        raise


def _sheet_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _choose_sheet(
    workbook: CalamineWorkbook, names: list[str], sheet: str | None, filename: str
) -> str:
    if sheet is None:
        for metadata in workbook.sheets_metadata:
            if (
                metadata.typ == SheetTypeEnum.WorkSheet
                and metadata.visible == SheetVisibleEnum.Visible
            ):
                return metadata.name
        if names:
            return names[0]
        raise RosterFileError(_("“%(file)s” has no sheets.") % {"file": filename}, code="empty")
    if sheet in names:
        return sheet
    # " 独居老人" or "独居老人 " for 独居老人; full-width letters for half-width ones.
    similar = [name for name in names if _sheet_key(name) == _sheet_key(sheet)]
    if len(similar) == 1:
        return similar[0]
    raise RosterFileError(
        _("There is no sheet “%(sheet)s” in “%(file)s”; its sheets are: %(sheets)s.")
        % {"sheet": sheet, "file": filename, "sheets": "、".join(names)},
        code="no_sheet",
    )


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV from its first bytes: a byte-order mark decides; else UTF-8 if the
    sample is valid UTF-8 (a character cut at the end of the sample is allowed); else GB18030,
    the superset of GBK and GB2312 that Chinese Excel and WPS write."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def detect_delimiter(text: str) -> str:
    """Comma unless the sample has more tabs or semicolons than commas."""
    counts = {delimiter: text.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def _open_csv(source: Source, filename: str) -> Roster:
    owned = isinstance(source, str | os.PathLike)

    @contextmanager
    def binary() -> Iterator[IO[bytes]]:
        try:
            if owned:
                file = open(source, "rb")  # noqa: SIM115 (closed below)
            else:
                source.seek(0)
                file = source
        except OSError as error:
            raise _unreadable(filename, error) from error
        try:
            yield file
        finally:
            if owned:
                file.close()

    with binary() as file:
        sample = file.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    delimiter = detect_delimiter(text)

    def raw_rows() -> Iterator[list[str]]:
        with binary() as file:
            yield from _csv_records(file, encoding, delimiter, filename)

    return Roster(
        filename=filename,
        format="csv",
        sheet_names=[],
        sheet=None,
        raw_rows=raw_rows,
        encoding=encoding,
    )


class _Reader(io.RawIOBase):
    """Any object with ``read`` (a Django upload, a wrapper) as a raw stream for TextIOWrapper;
    closing it leaves the object open."""

    def __init__(self, stream: Any):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _csv_records(
    file: IO[bytes], encoding: str, delimiter: str, filename: str
) -> Iterator[list[str]]:
    own_buffer = not isinstance(file, io.IOBase)
    buffer = io.BufferedReader(_Reader(file)) if own_buffer else file
    # Undecodable bytes become U+FFFD: one bad byte costs its row, not the whole roster.
    text = io.TextIOWrapper(buffer, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise RosterFileError(
            _("“%(file)s” is not a well-formed CSV file near line %(line)d: %(error)s")
            % {"file": filename, "line": reader.line_num, "error": error},
            code="bad_csv",
        ) from error
    finally:
        if not own_buffer:
            text.detach()  # the file stays open: it is closed by whoever opened it
