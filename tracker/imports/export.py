"""The whole database as one workbook in the import format (DESIGN §6), written with
openpyxl's write-only mode so 120,000 rows stream out without building the sheet in memory.

Exporting, importing the file into an empty database and exporting again gives the same
workbook, cell for cell: each sheet is read by the same query the import compares with
(`mapping.sheet_rows`), sorted by its key. Contractor reports are exported with every
version, each under its own ref, ordered by clause, contractor, period and version; an
import of the file numbers the versions of a period in that order, so they come back as
they were. Participants keep their pseudonyms; anonymised participants come back
anonymised, as they are (their name is their pseudonym).

What the sheets do not hold is not exported (and so not restored by an import): users and
their tokens, the audit trail and access log, issued documents, uploaded files (signed
agreements, consent documents, evidence), reference data (benefits, placement rules,
retention settings), clause target bases and chosen reporters, waived reporting periods,
whether an organisation or housing area is in use, and the moments things were created,
submitted, reviewed or anonymised (an import records its own; an anonymisation keeps its
day).
"""
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.imports.mapping import sheet_rows, sheet_values
from tracker.imports.sheets import SHEETS
from tracker.models import Participant
from tracker.participants.service import record_exports

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def _cell(sheet, value: Any):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, list):  # a party's contributions or benefits: one per line
        value = "\n".join(value)
    if value == "":
        return None  # what an import reads as empty
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell
    return value


def write_workbook(target: str | IO[bytes], session: Session, empty: bool = False
                   ) -> dict[str, int]:
    """Write every sheet (only the header row when `empty`); returns rows per sheet."""
    book = Workbook(write_only=True)
    counts = {}
    for spec in SHEETS:
        sheet = book.create_sheet(spec.name)
        sheet.freeze_panes = "A2"
        for i, name in enumerate(spec.names, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(12, len(name) + 4)
        header = []
        for name in spec.names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = BOLD
            header.append(cell)
        sheet.append(header)
        counts[spec.name] = 0
        if empty:
            continue
        result = session.execute(sheet_rows(spec.name), execution_options={"yield_per": 5000})
        for row in result:
            sheet.append([_cell(sheet, v) for v in sheet_values(spec.name, row[1:-1])])
            counts[spec.name] += 1
    book.save(target)
    return counts


def record_export(session: Session) -> int:
    """Every participant's history shows the export of the whole database (who, when)."""
    return record_exports(session, session.scalars(select(Participant.id)), purpose=None)


def export_filename(today: date | None = None) -> str:
    return f"tracker-eksport-{(today or date.today()).isoformat()}.xlsx"
