"""The rejected and doubtful rows of an import, as an xlsx to correct and import again: the
roster's own columns, with a reason column in front."""

import json

from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import PatternFill

from kapok.registry.importing import CELLS_PURPOSE
from kapok.registry.protection import decrypt
from kapok.web.spreadsheets import new_sheet, saved

REASON_FILL = PatternFill("solid", fgColor="FDEEEE")


def write_rejects_xlsx(roster_import, *, only_rejected: bool = False):
    """The rows as they were, in clear: the people who correct them need the real values, so
    the view that serves this checks the user's capability and audits the download."""
    headers = [_("Row"), _("Reason"), _("Kind"), *roster_import.headers]
    workbook, sheet = new_sheet(_("Rows to correct"), headers)
    rejected = roster_import.rejected_rows.all()
    if only_rejected:
        rejected = rejected.filter(is_doubtful=False)
    for item in rejected.iterator(chunk_size=1000):
        cells = json.loads(decrypt(item.cells_encrypted, CELLS_PURPOSE) or "[]")
        reason = WriteOnlyCell(sheet, value=item.reason)
        reason.fill = REASON_FILL
        kind = _("doubtful, imported") if item.is_doubtful else _("refused")
        # Text, so that Excel does not turn an ID number into a number again.
        sheet.append([item.row_number, reason, kind, *[_as_text(value) for value in cells]])
    return saved(workbook)


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
