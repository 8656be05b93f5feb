"""Reading a workbook: an XLSX or ODS file (python-calamine), a ZIP of CSV files, a folder of
CSV files or one CSV file named after its sheet. Nothing here knows what the sheets mean.

Every refusal of the file as a whole is a `SourceError` whose text is the message for the
user (Danish by default), among them a sheet over the limits of rows and columns, told
before the sheet is read (see "How large the sheets are").
"""
import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

from openpyxl import load_workbook
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from tracker.formatting import number
from tracker.i18n import gettext as _

# Rows below the header an import reads from one sheet, unless TRACKER_IMPORT_MAX_ROWS says
# otherwise; and columns (A–AZ: the widest sheet has 12, the rest leaves room for notes).
MAX_ROWS = 200_000
MAX_COLUMNS = 52
# Uncompressed bytes an upload may hold: some for the workbook's own parts (styles, theme)
# and some per row of the limit, room for long texts; a guard against ZIP bombs.
MB = 1024 * 1024
BYTES_BESIDES_ROWS = 16 * MB
BYTES_PER_ROW = 2048
# Workbook parts read whole to learn the sheets' names (workbook.xml and its relations).
MAX_PART = 16 * MB

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, encrypted .xlsx
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ODS_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A formula in a worksheet part: <f>, <f t="shared" …/> or, from some generators, <x:f>.
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# What reading a sheet raises when the file breaks off or a part is not what it should be
# (ElementTree's XML errors, which openpyxl raises, are SyntaxErrors).
READ_ERRORS = (CalamineError, zipfile.BadZipFile, zlib.error, EOFError, SyntaxError)


class Formula(str):
    """A cell that holds a formula (its text, "=A1"), not a value: the checks refuse it. Text
    that merely starts with "=" is text."""


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


def open_bytes(content: bytes, filename: str, max_rows: int = MAX_ROWS) -> Workbook:
    """Open an uploaded file from its bytes; raises SourceError when it is not readable, or
    when a sheet has more than `max_rows` rows below its header or cells beyond MAX_COLUMNS
    (told before any sheet is read)."""
    if not content:
        raise SourceError(_("The file is empty."))
    if content.startswith(CFB_SIGNATURE):
        raise SourceError(_cfb_message(content))
    if content.startswith(b"%PDF-"):
        raise SourceError(_("The file is a PDF document, not an Excel workbook. Upload the "
                            "workbook (.xlsx) or a ZIP of CSV files."))
    if content.startswith(ZIP_SIGNATURES):
        return _open_zip(content, filename, max_rows)
    if filename.lower().endswith(".csv"):
        _count_rows(sheet_name_of(filename), lambda: io.BytesIO(content), max_rows)
        return _single_csv(lambda: io.BytesIO(content), filename)
    raise SourceError(_not_readable())


def open_path(path: Path, max_rows: int = MAX_ROWS) -> Workbook:
    """Open a workbook, ZIP, CSV file or folder of CSV files on disk (the command line)."""
    if path.is_dir():
        return _open_folder(path, max_rows)
    if not path.is_file():
        raise SourceError(_("There is no file or folder %(path)s.", path=str(path)))
    return open_bytes(path.read_bytes(), path.name, max_rows)


def _open_zip(content: bytes, filename: str, max_rows: int) -> Workbook:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            kind = _zip_kind(archive)
            unpacked = BYTES_BESIDES_ROWS + max_rows * BYTES_PER_ROW
            if sum(i.file_size for i in archive.infolist()) > unpacked:
                raise SourceError(_(
                    "The file unpacks to more than %(n)s MB, more than an import may hold.",
                    n=number(unpacked // MB)))
            formulas = _survey(archive, kind, max_rows)
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


# --- How large the sheets are ------------------------------------------------------------
#
# calamine lays a sheet out in memory as a grid from its first to its last filled cell, and
# reads it whole: one cell in XFD1048576 asks for a grid of every cell a sheet may have, and
# a few kilobytes of ODS repeat one cell as often. So every sheet's extent is surveyed
# first, streaming its XML in chunks and stopping as soon as it passes the limits, before
# calamine opens it.

def _too_long(sheet: str, max_rows: int) -> SourceError:
    return SourceError(_(
        "The sheet %(sheet)s has more than %(n)s rows; an import reads at most %(n)s rows "
        "from one sheet. Split the rows into several workbooks and import them one after the "
        "other.", sheet=sheet, n=number(max_rows)))


def _too_wide(sheet: str) -> SourceError:
    return SourceError(_(
        "The sheet %(sheet)s has cells beyond column %(column)s; an import reads at most "
        "%(n)s columns. Delete the columns after the last one in use and upload the workbook "
        "again.", sheet=sheet, column=_letters(MAX_COLUMNS), n=MAX_COLUMNS))


def _letters(column: int) -> str:
    """52 → AZ."""
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def _column(letters: bytes) -> int:
    """b"AZ" → 52."""
    column = 0
    for letter in letters.upper():
        column = column * 26 + letter - ord("A") + 1
    return column


class _Extent:
    """Where a sheet's filled cells lie, as calamine places them: a row or cell without a
    position follows the one before it (in ODS, repeated by its count). Raises SourceError
    as soon as the sheet passes a limit."""

    def __init__(self, name: str, max_rows: int):
        self.name, self.max_rows = name, max_rows
        self.row, self.repeat, self.next_row, self.next_column = 0, 1, 1, 1
        self.top: int | None = None
        self.bottom = self.right = 0

    def start_row(self, position: int | None = None, repeat: int = 1) -> None:
        self.row = position or self.next_row
        self.repeat, self.next_row, self.next_column = repeat, self.row + repeat, 1

    def cell(self, column: int | None = None, row: int | None = None, repeat: int = 1,
             filled: bool = True) -> None:
        column = column or self.next_column
        self.next_column = column + repeat
        if filled:
            row = row or self.row
            self.fill(row, row + self.repeat - 1, column + repeat - 1)

    def fill(self, top: int, bottom: int, right: int) -> None:
        self.top = top if self.top is None else min(self.top, top)
        self.bottom, self.right = max(self.bottom, bottom), max(self.right, right)
        if self.bottom - self.top > self.max_rows:  # the rows below the first, the header
            raise _too_long(self.name, self.max_rows)
        if self.right > MAX_COLUMNS:
            raise _too_wide(self.name)


def _chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A part's bytes in chunks that never end inside a tag (a tag may straddle two reads)."""
    with archive.open(name) as part:
        carry = b""
        while chunk := part.read(1 << 20):
            buffer = carry + chunk
            start = buffer.rfind(b"<")
            if start >= 0 and buffer.find(b">", start) < 0:
                buffer, carry = buffer[:start], buffer[start:]
                if len(carry) > MB:
                    raise SyntaxError("a tag longer than any a workbook holds")
            else:
                carry = b""
            if b"\x00" in buffer:  # UTF-16, which no spreadsheet program writes
                raise SyntaxError("not UTF-8")
            yield buffer
        if carry:
            yield carry


def _survey(archive: zipfile.ZipFile, kind: str, max_rows: int) -> bool:
    """Check every sheet against the limits before any is read; whether an XLSX file holds
    formulas (see _openpyxl_sheets)."""
    if kind == "zip":
        for info, base in _csv_members(archive):
            _count_rows(base[:-4], lambda info=info: archive.open(info), max_rows)
        return False
    if kind == "ods":
        _survey_ods(archive, max_rows)
        return False
    formulas = False
    for part, name in _worksheet_parts(archive).items():
        found = _survey_xlsx_fast(archive, part, _Extent(name, max_rows))
        if found is None:
            found = _survey_xlsx_exact(archive, part, _Extent(name, max_rows))
        formulas = formulas or found
    return formulas


def _worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Every worksheet part of an XLSX file and its sheet's name (the part's name when the
    workbook does not tell it)."""
    names = set(archive.namelist())
    parts = {n: posixpath.basename(n)[:-4] for n in sorted(names)
             if n.startswith("xl/worksheets/") and n.endswith(".xml") and n.count("/") == 2}
    if {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= names:
        def local(tag: str) -> str:
            return tag.rsplit("}", 1)[-1]

        targets = {}
        for element in ElementTree.fromstring(_small(archive, "xl/_rels/workbook.xml.rels")):
            target = element.get("Target") or ""
            path = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            targets[element.get("Id")] = posixpath.normpath(path)
        for element in ElementTree.fromstring(_small(archive, "xl/workbook.xml")).iter():
            if local(element.tag) == "sheet":
                rid = next((v for k, v in element.attrib.items() if local(k) == "id"), None)
                if targets.get(rid) in names:
                    parts[targets[rid]] = element.get("name") or parts.get(targets[rid], "")
    return parts


def _small(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as part:
        content = part.read(MAX_PART + 1)
    if len(content) > MAX_PART:
        raise SyntaxError(f"{name} is larger than any workbook's")
    return content


# A filled cell of an XLSX sheet as Excel, LibreOffice and openpyxl write it: its position
# first, and not self-closing (a cell that only carries a format is `<c r="B2" s="1"/>`).
FILLED_ROW = re.compile(rb'<c r="[A-Za-z]+(\d+)"[^>]*(?<!/)>')
FILLED_COLUMN = re.compile(rb'<c r="([A-Za-z]+)\d+"[^>]*(?<!/)>')
# Any cell beyond column AZ (MAX_COLUMNS), sought first as such cells are rare.
BEYOND_AZ = re.compile(rb'<c r="(?:[B-Zb-z][A-Za-z]|[A-Za-z]{3})')


def _formulas(buffer: bytes) -> bool:
    # A formula tag starts with "<f" or a prefix; most sheets hold neither.
    return (b"<f" in buffer or b":f" in buffer) and bool(FORMULA_TAG.search(buffer))


def _survey_xlsx_fast(archive: zipfile.ZipFile, part: str, extent: _Extent) -> bool | None:
    """The survey of a sheet whose every cell starts with its position, by a few searches per
    chunk; whether it holds formulas, or None when the sheet is written otherwise (cells
    without a position, prefixed tags, odd attributes), for _survey_xlsx_exact."""
    formulas, found, closed = False, 0, 0
    for buffer in _chunks(archive, part):
        tags = buffer.count(b"<c ") + buffer.count(b"<c>")
        if tags != buffer.count(b'<c r="') or b":c " in buffer or b":c>" in buffer:
            return None
        formulas = formulas or _formulas(buffer)
        rows = FILLED_ROW.findall(buffer)
        if rows:
            numbers = [int(n) for n in set(rows)]
            # Only a chunk with a cell beyond AZ needs its columns counted.
            right = max(_column(c) for c in set(FILLED_COLUMN.findall(buffer))) \
                if BEYOND_AZ.search(buffer) else MAX_COLUMNS
            extent.fill(min(numbers), max(numbers), right)
        found += len(rows)
        closed += buffer.count(b"</c>")
    # Every filled cell ends in </c>, which no text or attribute can hold: a count that
    # differs means a cell the searches did not take for what it is.
    return formulas if found == closed else None


XLSX_TAG = re.compile(rb"<(?:[\w.-]+:)?(c|row)(?=[\s/>])([^>]*)>")
POSITION = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)(\d*)["']""")


def _survey_xlsx_exact(archive: zipfile.ZipFile, part: str, extent: _Extent) -> bool:
    """The survey of any sheet, tag by tag; whether it holds formulas."""
    formulas = False
    for buffer in _chunks(archive, part):
        formulas = formulas or _formulas(buffer)
        for match in XLSX_TAG.finditer(buffer):
            name, attributes = match.groups()
            position = POSITION.search(attributes)
            letters, digits = position.groups() if position else (b"", b"")
            if name == b"row":
                extent.start_row(int(digits) if digits else None)
            else:
                extent.cell(_column(letters) if letters else None,
                            int(digits) if digits else None,
                            filled=not attributes.endswith(b"/"))
    return formulas


ODS_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>")


def _attribute(attributes: bytes, name: bytes) -> str | None:
    found = re.search(rb"(?:^|\s)" + re.escape(name) + rb"""\s*=\s*(["'])(.*?)\1""", attributes)
    return unescape(found.group(2).decode(), {"&quot;": '"', "&apos;": "'"}) if found else None


def _repeat(attributes: bytes, name: bytes) -> int:
    count = _attribute(attributes, name)
    return int(count) if count and count.isdigit() and int(count) > 0 else 1


def _survey_ods(archive: zipfile.ZipFile, max_rows: int) -> None:
    """The survey of every table of an ODS file (all in content.xml), tag by tag."""
    extent = None
    for buffer in _chunks(archive, "content.xml"):
        for match in ODS_TAG.finditer(buffer):
            end, name, attributes = match.groups()
            if name == b"table":
                extent = None if end else _Extent(
                    _attribute(attributes, b"table:name") or "", max_rows)
            elif end or extent is None:
                continue
            elif name == b"table-row":
                extent.start_row(repeat=_repeat(attributes, b"table:number-rows-repeated"))
            else:
                extent.cell(repeat=_repeat(attributes, b"table:number-columns-repeated"),
                            filled=not attributes.endswith(b"/"))


def _count_rows(sheet: str, opener: Callable[[], IO[bytes]], max_rows: int) -> None:
    """Refuse a CSV file of more than `max_rows` lines below its header, counting no further."""
    lines, last = 0, b"\n"
    with opener() as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
            if lines - 1 > max_rows:
                raise _too_long(sheet, max_rows)
    if lines + (last != b"\n") - 1 > max_rows:
        raise _too_long(sheet, max_rows)


# --- XLSX and ODS -----------------------------------------------------------------------

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
    its text ("=A1", a `Formula`), which the checks refuse. Calamine would give the value
    Excel last computed, and nothing in a file written by a program that computes none."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    stack.callback(book.close)

    def read(sheet) -> Rows:
        # The declared dimension is not to be trusted: openpyxl would pad every row out to it.
        sheet.reset_dimensions()
        return _rows(([Formula(c.value) if c.data_type == "f" else c.value for c in cells]
                      for cells in sheet.iter_rows()), None)

    return [Sheet(sheet.title, lambda sheet=sheet: read(sheet)) for sheet in book.worksheets]


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
    for line_number, line in enumerate(raw, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise NotUtf8(line_number) from None
        yield text.removeprefix("\ufeff") if line_number == 1 else text


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


def _zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[zipfile.ZipInfo, str]]:
    """The files of a ZIP (with their names without folders) but folders, macOS's resource
    forks and hidden files."""
    for info in archive.infolist():
        name = info.filename
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if not (info.is_dir() or name.startswith("__MACOSX/") or base.startswith(".")):
            yield info, base


def _csv_members(archive: zipfile.ZipFile) -> Iterator[tuple[zipfile.ZipInfo, str]]:
    return ((info, base) for info, base in _zip_members(archive)
            if base.lower().endswith(".csv"))


def _csv_zip(archive: zipfile.ZipFile, filename: str) -> Workbook:
    workbook = Workbook(label=filename, sheets=[], kind="zip")
    workbook.stack.callback(archive.close)
    seen: dict[str, str] = {}
    for info, base in _zip_members(archive):
        name = info.filename
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


def _open_folder(path: Path, max_rows: int) -> Workbook:
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
        try:
            _count_rows(file.stem, lambda file=file: file.open("rb"), max_rows)
        except SourceError:
            workbook.close()
            raise
        workbook.sheets.append(_csv_sheet(
            file.stem, lambda file=file: file.open("rb"), workbook.stack))
    return workbook


def _single_csv(opener: Callable[[], IO[bytes]], filename: str) -> Workbook:
    workbook = Workbook(label=filename, sheets=[], kind="csv")
    workbook.sheets.append(_csv_sheet(sheet_name_of(filename), opener, workbook.stack))
    return workbook
