"""Writing xlsx downloads row by row (openpyxl write-only), so memory stays flat."""

import tempfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def new_sheet(title: str, headers: list[str], widths: list[int] | None = None):
    """A write-only workbook with one sheet and a bold header row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths or []):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    return workbook, sheet


def saved(workbook) -> tempfile.SpooledTemporaryFile:
    """The workbook as a file to stream; the response closes it."""
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return output
