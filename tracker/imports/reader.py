"""Reading a workbook: one XLSX file, a ZIP of CSV files, a folder of CSV files or one CSV
file named after its sheet. Rows are streamed (openpyxl read-only mode, csv readers over
the open files); nothing here knows what the sheets mean.

Every refusal of the file as a whole is a `SourceError` whose text is the message for the
user (Danish by default).
"""
import csv
import io
import re
import zipfile
from xml.etree import ElementTree
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

from tracker.i18n import gettext as _

# Uncompressed size we are willing to read from one upload: a guard against ZIP bombs.
# The 20,000-participant, 100,000-placement benchmark workbook unpacks to about 70 MB.
MAX_UNPACKED = 1024 * 1024 * 1024

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, encrypted .xlsx
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")


class SourceError(ValueError):
    """The file as a whole cannot be read; str(error) is the message for the user."""


@dataclass
class Sheet:
    """One sheet (or CSV file): its name as found, the header cells and a row iterator."""

    name: str
    header: list[Any]
    # Yields (row number as Excel shows it, cells); entirely blank rows are skipped.
    rows: Callable[[], Iterator[tuple[int, tuple]]]
    total_rows: int | None = None  # rows below the header, when cheaply known
    kind: str = "xlsx"  # xlsx | csv (CSV cells are always text)
    not_utf8_at: int | None = None  # a CSV file that cannot be decoded: the row where it broke


@dataclass
class Workbook:
    """An opened source: its sheets, and anything to close when done."""

    label: str
    sheets: list[Sheet]
    kind: str = "xlsx"  # xlsx | zip (of CSV files) | csv | folder
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


def _zip_message(names: set[str]) -> str | None:
    """Why a ZIP file is not something we read, or None when it is an XLSX or has CSVs."""
    if "xl/workbook.xml" in names:
        return None
    if any(n.lower().endswith(".csv") for n in names):
        return None
    if "word/document.xml" in names:
        return _("The file is a Word document, not an Excel workbook. Upload the workbook "
                 "(.xlsx) or a ZIP of CSV files.")
    if "ppt/presentation.xml" in names:
        return _("The file is a PowerPoint presentation, not an Excel workbook.")
    if "content.xml" in names and "mimetype" in names:
        return _("The file is an OpenDocument file. Save it as an Excel workbook (.xlsx) "
                 "and upload it again.")
    return _("The ZIP file holds no CSV files. Name the files after the sheets, e.g. "
             "organisations.csv and participants.csv.")


def _not_readable() -> str:
    return _("The file is not an Excel workbook (.xlsx), a ZIP of CSV files or a CSV file. "
             "The content was checked, not only the name.")


def damaged_message() -> str:
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
        return _open_zip(io.BytesIO(content), filename)
    if filename.lower().endswith(".csv") or _looks_like_text(content):
        if not filename.lower().endswith(".csv"):
            raise SourceError(_not_readable())
        return _single_csv(lambda: io.BytesIO(content), filename)
    raise SourceError(_not_readable())


def open_path(path: Path) -> Workbook:
    """Open a workbook, ZIP, CSV file or folder of CSV files on disk (the command line)."""
    if path.is_dir():
        return _open_folder(path)
    if not path.is_file():
        raise SourceError(_("There is no file or folder %(path)s.", path=str(path)))
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise SourceError(_("The file is empty."))
    if head.startswith(CFB_SIGNATURE):
        raise SourceError(_cfb_message(path.read_bytes()))
    if head.startswith(b"%PDF-"):
        raise SourceError(_("The file is a PDF document, not an Excel workbook. Upload the "
                            "workbook (.xlsx) or a ZIP of CSV files."))
    if head.startswith(ZIP_SIGNATURES):
        return _open_zip(path, path.name)
    if path.suffix.lower() == ".csv":
        return _single_csv(lambda: path.open("rb"), path.name)
    raise SourceError(_not_readable())


def _looks_like_text(content: bytes) -> bool:
    return b"\x00" not in content[:4096]


def _open_zip(source: IO[bytes] | Path, filename: str) -> Workbook:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise SourceError(damaged_message()) from None
    infos = archive.infolist()
    names = {i.filename for i in infos}
    message = _zip_message(names)
    if message or sum(i.file_size for i in infos) > MAX_UNPACKED:
        archive.close()
        raise SourceError(message or _(
            "The file unpacks to more than %(n)s MB, more than an import may hold.",
            n=MAX_UNPACKED // (1024 * 1024)))
    if "xl/workbook.xml" in names:
        return _open_xlsx(archive, filename)
    return _csv_zip(archive, filename)


# --- XLSX -------------------------------------------------------------------------------
#
# The sheets are streamed with ElementTree's C parser rather than openpyxl's row reader:
# openpyxl reads each cell through its descriptor classes (and scans a whole sheet to size
# it when the file has no <dimension>, as openpyxl-written files do), which made 120,000
# rows take a minute. openpyxl still supplies what it knows best: which number formats
# are dates, and how Excel serial numbers become dates.

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
ROW_TAG, V_TAG, F_TAG, IS_TAG = MAIN + "row", MAIN + "v", MAIN + "f", MAIN + "is"


def _part(archive: zipfile.ZipFile, name: str) -> str:
    """A part's path in the archive from a relationship target (relative to xl/)."""
    name = name.lstrip("/")
    return name if name.startswith("xl/") else "xl/" + name


def _text_of(element) -> str:
    """The text of a shared or inline string: its <t>, or its runs' <t>s (not phonetics)."""
    parts = []
    for child in element:
        if child.tag == MAIN + "t":
            parts.append(child.text or "")
        elif child.tag == MAIN + "r":
            parts.append(child.findtext(MAIN + "t") or "")
    text = "".join(parts)
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _shared_strings(archive: zipfile.ZipFile, path: str | None) -> list[str]:
    if not path or path not in archive.namelist():
        return []
    strings = []
    with archive.open(path) as fh:
        for _event, element in ElementTree.iterparse(fh):
            if element.tag == MAIN + "si":
                strings.append(_text_of(element))
                element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile, path: str | None) -> set[int]:
    """The cell styles (indices into cellXfs) whose number format shows a date."""
    if not path or path not in archive.namelist():
        return set()
    root = ElementTree.fromstring(archive.read(path))
    custom = {int(f.get("numFmtId")): f.get("formatCode") or ""
              for f in root.iter(MAIN + "numFmt")}
    dates = set()
    xfs = root.find(MAIN + "cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else ()):
        number_format = int(xf.get("numFmtId", 0))
        code = custom.get(number_format, BUILTIN_FORMATS.get(number_format, ""))
        if code and is_date_format(code):
            dates.add(index)
    return dates


def _open_xlsx(archive: zipfile.ZipFile, filename: str) -> Workbook:
    workbook = Workbook(label=filename, sheets=[])
    workbook.stack.callback(archive.close)
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        if not book.tag.startswith(MAIN):
            raise _Strict
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(PACKAGE_REL + "Relationship")}
        kinds = {r.get("Type", "").rsplit("/", 1)[-1]: r.get("Target")
                 for r in rels.iter(PACKAGE_REL + "Relationship")}
        properties = book.find(MAIN + "workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        reader = _XlsxRows(
            archive,
            _shared_strings(archive, kinds.get("sharedStrings") and _part(archive, kinds["sharedStrings"])),
            _date_styles(archive, kinds.get("styles") and _part(archive, kinds["styles"])),
            CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
        for sheet in book.iter(MAIN + "sheet"):
            path = _part(archive, targets[sheet.get(REL + "id")])
            workbook.sheets.append(reader.sheet(sheet.get("name"), path))
    except _Strict:
        workbook.close()
        raise SourceError(_("The workbook is saved as “Strict Open XML”. Save it in Excel as "
                            "an ordinary Excel workbook (.xlsx) and upload it again.")) from None
    except Exception:  # missing parts, broken XML, bad numbers: a damaged file
        workbook.close()
        raise SourceError(damaged_message()) from None
    return workbook


class _Strict(Exception):
    """A workbook in the ISO "Strict" namespaces, which this reader does not know."""


def _column(reference: str, cache: dict[str, int] = {}) -> int:  # noqa: B006 - a cache
    """0-based column index of a cell reference such as "AB12"."""
    letters = reference.rstrip("0123456789")
    index = cache.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter) - 64
        index = cache[letters] = index - 1
    return index


class _XlsxRows:
    """Streams the rows of the sheets of one workbook."""

    def __init__(self, archive, strings, date_styles, epoch):
        self.archive, self.strings = archive, strings
        self.date_styles, self.epoch = date_styles, epoch

    def sheet(self, name: str, path: str) -> Sheet:
        rows = self._rows(path)
        header, header_row = [], 0
        for number, cells in rows:
            if not _blank(cells):
                header, header_row = list(cells), number
                break
        total = self._last_row(path)
        total = max(total - header_row, 0) if total and header_row else None

        def iterate() -> Iterator[tuple[int, tuple]]:
            for number, cells in rows:
                if not _blank(cells):
                    yield number, cells

        return Sheet(name=name, header=header, rows=iterate, total_rows=total, kind="xlsx")

    def _last_row(self, path: str) -> int | None:
        """The last row, from <dimension> or (files without it) by counting the rows."""
        count = 0
        with self.archive.open(path) as fh:
            head = fh.read(4096)
            match = re.search(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
            if match:
                return int(match.group(1))
            chunk, tail = head, b""
            while chunk:
                window = tail + chunk  # a tag may straddle two chunks
                count += window.count(b"<row ") + window.count(b"<row>")
                tail = chunk[-4:]
                chunk = fh.read(1 << 20)
        return count or None

    def _value(self, cell):
        value = formula = inline = None
        for child in cell:  # one pass over <v>, <f>, <is>
            tag = child.tag
            if tag == V_TAG:
                value = child.text
            elif tag == F_TAG:
                formula = child
            elif tag == IS_TAG:
                inline = child
        if formula is not None:
            return "=" + (formula.text or "")  # refused by the checks: type the value
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return _text_of(inline) if inline is not None else None
        if value is None:
            return None
        if kind == "s":
            return self.strings[int(value)]
        if kind == "n":
            number = float(value) if ("." in value or "E" in value or "e" in value) \
                else int(value)
            style = cell.get("s")
            if style is not None and int(style) in self.date_styles:
                return from_excel(number, self.epoch)
            return number
        if kind == "b":
            return value == "1"
        if kind == "d":
            return from_ISO8601(value)
        return value  # str (a formula's text result), e (an error such as #N/A)

    def _rows(self, path: str) -> Iterator[tuple[int, tuple]]:
        number = 0
        with self.archive.open(path) as fh:
            for _event, element in ElementTree.iterparse(fh):
                if element.tag != ROW_TAG:
                    continue
                number = int(element.get("r") or number + 1)
                cells: list = []
                position = -1
                for cell in element:
                    reference = cell.get("r")
                    position = _column(reference) if reference else position + 1
                    if position >= len(cells):
                        cells.extend([None] * (position + 1 - len(cells)))
                    cells[position] = self._value(cell)
                element.clear()  # keep memory flat: each row is read once
                yield number, tuple(cells)


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


def _csv_sheet(name: str, opener: Callable[[], IO[bytes]], stack: ExitStack) -> Sheet:
    """A CSV file as a sheet: UTF-8 with or without BOM, ',' or ';' sniffed from the header."""
    lines = _decoded(stack.enter_context(opener()))
    first = next(lines, "")
    # Danish Excel separates with ';', others with ','; the header tells which.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    total = max(_count_lines(opener) - 1, 0)

    def iterate() -> Iterator[tuple[int, tuple]]:
        reader = csv.reader(lines, delimiter=delimiter)
        for cells in reader:
            if not _blank(cells):
                yield reader.line_num + 1, tuple(cells)  # the header was line 1

    return Sheet(name=name, header=header if not _blank(header) else [], rows=iterate,
                 total_rows=total, kind="csv")


def _lazy_csv_sheet(name: str, opener: Callable[[], IO[bytes]], stack: ExitStack) -> Sheet:
    """Open the CSV file; a file that is not UTF-8 becomes a sheet that raises when read."""
    try:
        return _csv_sheet(name, opener, stack)
    except NotUtf8 as error:
        return Sheet(name=name, header=[], rows=lambda: iter(()), total_rows=0, kind="csv",
                     not_utf8_at=error.row)


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
            raise SourceError(_("The ZIP file holds two files for the sheet %(sheet)s: %(a)s "
                                "and %(b)s. Keep one.", sheet=sheet, a=seen[sheet], b=name))
        seen[sheet] = name
        workbook.sheets.append(_lazy_csv_sheet(
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
            raise SourceError(_("The folder holds two files for the sheet %(sheet)s: %(a)s "
                                "and %(b)s. Keep one.", sheet=sheet, a=seen[sheet], b=file.name))
        seen[sheet] = file.name
        workbook.sheets.append(_lazy_csv_sheet(
            file.stem, lambda file=file: file.open("rb"), workbook.stack))
    return workbook


def _single_csv(opener: Callable[[], IO[bytes]], filename: str) -> Workbook:
    workbook = Workbook(label=filename, sheets=[], kind="csv")
    workbook.sheets.append(_lazy_csv_sheet(
        sheet_name_of(filename), opener, workbook.stack))
    return workbook
