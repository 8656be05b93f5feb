"""Reading a workbook: an XLSX or ODS file (python-calamine), a ZIP of CSV files, a folder of
CSV files or one CSV file named after its sheet. Nothing here knows what the sheets mean.

Every refusal of the file as a whole is a `SourceError` whose text is the message for the
user (Danish by default).
"""
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from tracker.i18n import gettext as _

# Uncompressed size we are willing to read from one upload: a guard against ZIP bombs.
MAX_UNPACKED = 1024 * 1024 * 1024

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, encrypted .xlsx
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ODS_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A formula in a worksheet part: <f>, <f t="shared" …/> or, from some generators, <x:f>.
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# What reading a sheet raises when the file breaks off or a part is not what it should be
# (ElementTree's XML errors, which openpyxl raises, are SyntaxErrors).
READ_ERRORS = (CalamineError, zipfile.BadZipFile, zlib.error, EOFError, SyntaxError)


class SourceError(ValueError):
    """The file as a whole cannot be read; str(error) is the message for the user."""


@dataclass
class Rows:
    """A sheet's content: the header cells and an iterator of the rows below it."""

    header: list[Any]
    # Yields (row number as Excel shows it, cells); entirely blank rows are skipped.
    rows: Iterator[tuple[int, list]]
    total: int | None = None  # rows below the header, when known before reading them
    not_utf8_at: int | None = None  # a CSV file that cannot be decoded: the row where it broke


@dataclass
class Sheet:
    """One sheet (or CSV file): its name as found, and how to read it, which is done only
    when the check comes to it (never while the upload is recognised)."""

    name: str
    read: Callable[[], Rows]


@dataclass
class Workbook:
    """An opened source: its sheets, and anything to close when done."""

    label: str
    sheets: list[Sheet]
    kind: str = "xlsx"  # xlsx | ods | zip (of CSV files) | csv | folder
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file or sheet, message)
    stack: ExitStack = field(default_factory=ExitStack)

    def close(self) -> None:
        self.stack.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# --- Recognising the file ---------------------------------------------------------------

def _cfb_message(content: bytes) -> str:
    """An OLE compound file: an encrypted (password-protected) XLSX, an old .xls, or other."""
    if "EncryptionInfo".encode("utf-16-le") in content or \
            "EncryptedPackage".encode("utf-16-le") in content:
        return _("The workbook is password protected. Open it in Excel, save it without a "
                 "password (File › Info › Protect Workbook), and upload it again.")
    if "Workbook".encode("utf-16-le") in content or "Book".encode("utf-16-le") in content:
        return _("The file is an old Excel workbook (.xls). Open it in Excel and save it as "
                 "an Excel workbook (.xlsx), then upload it again.")
    return _("The file is an old Office document, not an Excel workbook (.xlsx).")


def _zip_kind(archive: zipfile.ZipFile) -> str:
    """xlsx, ods or zip (of CSV files); SourceError for any other ZIP file."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_TYPE:
        return "ods"
    if any(n.lower().endswith(".csv") for n in names):
        return "zip"
    if "word/document.xml" in names:
        raise SourceError(_("The file is a Word document, not an Excel workbook. Upload the "
                            "workbook (.xlsx) or a ZIP of CSV files."))
    if "ppt/presentation.xml" in names:
        raise SourceError(_("The file is a PowerPoint presentation, not an Excel workbook."))
    if "content.xml" in names and "mimetype" in names:
        raise SourceError(_("The file is an OpenDocument file. Save it as an Excel workbook "
                            "(.xlsx) and upload it again."))
    raise SourceError(_("The ZIP file holds no CSV files. Name the files after the sheets, "
                        "e.g. organisations.csv and participants.csv."))


def _not_readable() -> str:
    return _("The file is not an Excel workbook (.xlsx), a ZIP of CSV files or a CSV file. "
             "The content was checked, not only the name.")


def damaged_message() -> str:
    """The message for a workbook that breaks off or whose parts cannot be read."""
    return _("The workbook cannot be read; it may be damaged. Open it in Excel, save it "
             "again as an Excel workbook (.xlsx) and upload it again.")


def sheet_name_of(filename: str) -> str:
    """The sheet a CSV file stands for: its name without folder and .csv, lower case."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-4].strip().lower() if base.lower().endswith(".csv") else base.strip().lower()


def open_bytes(content: bytes, filename: str) -> Workbook:
    """Open an uploaded file from its bytes; raises SourceError when it is not readable."""
    if not content:
        raise SourceError(_("The file is empty."))
    if content.startswith(CFB_SIGNATURE):
        raise SourceError(_cfb_message(content))
    if content.startswith(b"%PDF-"):
        raise SourceError(_("The file is a PDF document, not an Excel workbook. Upload the "
                            "workbook (.xlsx) or a ZIP of CSV files."))
    if content.startswith(ZIP_SIGNATURES):
        return _open_zip(content, filename)
    if filename.lower().endswith(".csv"):
        return _single_csv(lambda: io.BytesIO(content), filename)
    raise SourceError(_not_readable())


def open_path(path: Path) -> Workbook:
    """Open a workbook, ZIP, CSV file or folder of CSV files on disk (the command line)."""
    if path.is_dir():
        return _open_folder(path)
    if not path.is_file():
        raise SourceError(_("There is no file or folder %(path)s.", path=str(path)))
    return open_bytes(path.read_bytes(), path.name)


def _open_zip(content: bytes, filename: str) -> Workbook:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            kind = _zip_kind(archive)
            if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED:
                raise SourceError(_(
                    "The file unpacks to more than %(n)s MB, more than an import may hold.",
                    n=MAX_UNPACKED // (1024 * 1024)))
            formulas = kind == "xlsx" and _has_formulas(archive)
    except (*READ_ERRORS, OSError):
        raise SourceError(damaged_message()) from None
    if kind == "zip":
        return _csv_zip(zipfile.ZipFile(io.BytesIO(content)), filename)
    workbook = Workbook(label=filename, sheets=[], kind=kind)
    try:
        workbook.sheets = _openpyxl_sheets(content, workbook.stack) if formulas \
            else _calamine_sheets(content, workbook.stack)
    except Exception:  # missing parts, broken XML, bad numbers: a damaged file
        workbook.close()
        raise SourceError(damaged_message()) from None
    return workbook


# --- XLSX and ODS -----------------------------------------------------------------------

def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """Whether any worksheet of an XLSX file holds a formula (read in chunks; a tag may
    straddle two)."""
    for info in archive.infolist():
        if not info.filename.startswith("xl/worksheets/"):
            continue
        with archive.open(info) as part:
            tail = b""
            while chunk := part.read(1 << 20):
                if FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-8:]
    return False


def _calamine_sheets(content: bytes, stack: ExitStack) -> list[Sheet]:
    """Every worksheet, read by calamine: text, numbers (as floats), dates and datetimes,
    booleans, "" for an empty cell; a formula gives the value it last computed."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    stack.callback(book.close)

    def read(name: str) -> Rows:
        sheet = book.get_sheet_by_name(name)
        # iter_rows starts at row 1 but at the first used column: put the columns back.
        skipped = [None] * sheet.start[1] if sheet.start else []
        rows = (skipped + cells for cells in sheet.iter_rows()) if skipped \
            else sheet.iter_rows()
        return _rows(rows, sheet.end[0] + 1 if sheet.end else None)

    return [Sheet(meta.name, lambda name=meta.name: read(name))
            for meta in book.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet]


def _openpyxl_sheets(content: bytes, stack: ExitStack) -> list[Sheet]:
    """Every worksheet of an XLSX file that holds formulas, read by openpyxl: a formula as
    its text ("=A1"), which the checks refuse. Calamine would give the value Excel last
    computed, and nothing in a file written by a program that computes none."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    stack.callback(book.close)
    return [Sheet(sheet.title, lambda sheet=sheet: _rows(sheet.iter_rows(values_only=True),
                                                          sheet.max_row))
            for sheet in book.worksheets]


def _rows(rows: Iterable, last_row: int | None) -> Rows:
    """A sheet's rows from row 1 on: the first row that is not blank is the header."""
    numbered = ((number, cells) for number, cells in enumerate(rows, start=1)
                if not _blank(cells))
    header_row, header = next(numbered, (0, []))
    total = max(last_row - header_row, 0) if last_row and header_row else None
    return Rows(header=list(header), rows=numbered, total=total)


# --- CSV --------------------------------------------------------------------------------

def _count_lines(opener: Callable[[], IO[bytes]]) -> int:
    with opener() as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


class NotUtf8(ValueError):
    """A CSV file that is not UTF-8; carries the row number where decoding failed."""

    def __init__(self, row: int):
        super().__init__(row)
        self.row = row


def _decoded(raw: IO[bytes]) -> Iterator[str]:
    """The file's lines as text (UTF-8, a BOM dropped); NotUtf8 names the line that is not."""
    for number, line in enumerate(raw, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise NotUtf8(number) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _csv_rows(opener: Callable[[], IO[bytes]], stack: ExitStack) -> Rows:
    """A CSV file's rows: UTF-8 with or without BOM, ',' or ';' told by the header; a file
    that is not UTF-8 has no rows but says where it broke."""
    lines = _decoded(stack.enter_context(opener()))
    try:
        first = next(lines, "")
    except NotUtf8 as error:
        return Rows(header=[], rows=iter(()), total=0, not_utf8_at=error.row)
    # Danish Excel separates with ';', others with ','; the header tells which.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])

    def iterate() -> Iterator[tuple[int, list]]:
        reader = csv.reader(lines, delimiter=delimiter)
        for cells in reader:
            if not _blank(cells):
                yield reader.line_num + 1, cells  # the header was line 1

    return Rows(header=header if not _blank(header) else [], rows=iterate(),
                total=max(_count_lines(opener) - 1, 0))


def _csv_sheet(name: str, opener: Callable[[], IO[bytes]], stack: ExitStack) -> Sheet:
    return Sheet(name, lambda: _csv_rows(opener, stack))


def _csv_zip(archive: zipfile.ZipFile, filename: str) -> Workbook:
    workbook = Workbook(label=filename, sheets=[], kind="zip")
    workbook.stack.callback(archive.close)
    seen: dict[str, str] = {}
    for info in archive.infolist():
        name = info.filename
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if info.is_dir() or name.startswith("__MACOSX/") or base.startswith("."):
            continue
        if not base.lower().endswith(".csv"):
            workbook.notes.append((base, _("Not a CSV file; ignored.")))
            continue
        sheet = sheet_name_of(base)
        if sheet in seen:
            workbook.close()
            raise SourceError(_("The ZIP file holds two files for the sheet %(sheet)s: %(a)s "
                                "and %(b)s. Keep one.", sheet=sheet, a=seen[sheet], b=name))
        seen[sheet] = name
        workbook.sheets.append(_csv_sheet(
            base[:-4], lambda info=info: archive.open(info), workbook.stack))
    return workbook


def _open_folder(path: Path) -> Workbook:
    workbook = Workbook(label=str(path), sheets=[], kind="folder")
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv"
                   and not p.name.startswith("."))
    if not files:
        raise SourceError(_("The folder %(path)s holds no CSV files. Name the files after the "
                            "sheets, e.g. organisations.csv and participants.csv.",
                            path=str(path)))
    seen: dict[str, str] = {}
    for file in files:
        sheet = sheet_name_of(file.name)
        if sheet in seen:
            workbook.close()
            raise SourceError(_("The folder holds two files for the sheet %(sheet)s: %(a)s "
                                "and %(b)s. Keep one.", sheet=sheet, a=seen[sheet], b=file.name))
        seen[sheet] = file.name
        workbook.sheets.append(_csv_sheet(
            file.stem, lambda file=file: file.open("rb"), workbook.stack))
    return workbook


def _single_csv(opener: Callable[[], IO[bytes]], filename: str) -> Workbook:
    workbook = Workbook(label=filename, sheets=[], kind="csv")
    workbook.sheets.append(_csv_sheet(sheet_name_of(filename), opener, workbook.stack))
    return workbook
