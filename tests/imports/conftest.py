"""Workbooks built in the tests (openpyxl, OpenDocument and CSV text), the import commands,
row counts."""
import csv
import io
import zipfile
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests import factories
from tracker.imports.commands import export_workbook, import_workbook
from tracker.models import (
    Agreement,
    AuditEvent,
    Clause,
    ContractorReport,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    Project,
    ProjectContractor,
)

# Valid CVR numbers (modulus 11): Aarhus Kommune's real one and fictitious firms.
AARHUS = "55133018"
BUILDER = "10000106"
KAERHOJ = "10000203"
GRONSPIR = "10000300"

# The happy workbook, written out by hand; 18 rows in 9 sheets.
HAPPY = {
    "organisations": [
        ["cvr", "name", "kind", "municipality_code"],
        [AARHUS, "Aarhus Kommune", "municipality", "751"],
        [BUILDER, "Brabrand Boligforening", "builder", None],
        [KAERHOJ, "Kærhøj Byg A/S", "contractor", None],
        [GRONSPIR, "Grønspir Anlægsgartnere ApS", "contractor", None],
    ],
    "housing_areas": [
        ["name", "municipality_cvr"],
        ["Gellerup", AARHUS],
    ],
    "projects": [
        ["case_number", "name", "housing_area", "builder_cvr", "start", "end", "contract_sum",
         "craft_cost"],
        ["BB-2207", "Helhedsplan Gellerup, etape 2", "Gellerup", BUILDER, date(2026, 1, 5),
         date(2027, 6, 30), 412500000, 286400000],
    ],
    "project_contractors": [
        ["case_number", "contractor_cvr", "role"],
        ["BB-2207", KAERHOJ, "main"],
        ["BB-2207", GRONSPIR, "sub"],
    ],
    "agreements": [
        ["ref", "case_number", "title", "signed_on", "status"],
        ["PA-1", "BB-2207", "Social partnerskabsaftale, Gellerup etape 2", date(2025, 11, 20),
         "active"],
    ],
    "clauses": [
        ["ref", "agreement_ref", "kind", "unit", "target", "responsible_cvr", "start", "end",
         "frequency", "text"],
        ["K-1", "PA-1", "internship", "persons", 12, KAERHOJ, None, None, "quarterly",
         "Mindst 12 virksomhedspraktikker for ledige beboere."],
        ["K-2", "PA-1", "any", "percent_hours", 10, None, date(2026, 1, 5), date(2026, 12, 31),
         "monthly", None],
    ],
    "participants": [
        ["ref", "name", "birth_year", "gender", "housing_area", "municipality_cvr", "benefit",
         "intake_date", "consent_date"],
        ["D-1", "Amina Hassan Ali", 1990, "f", "Gellerup", AARHUS, "kontanthjaelp",
         date(2026, 1, 10), date(2026, 1, 10)],
        ["D-2", "Jonas Kristensen", None, None, None, None, None, date(2026, 2, 1),
         date(2026, 2, 1)],
    ],
    "placements": [
        ["ref", "participant_ref", "kind", "employer_cvr", "case_number", "trade", "start",
         "planned_end", "end", "hours_per_week", "outcome", "next_ref"],
        ["F-1", "D-1", "internship", KAERHOJ, "BB-2207", "murer", date(2026, 2, 2),
         date(2026, 3, 1), date(2026, 3, 1), 37, "next_placement", "F-2"],
        ["F-2", "D-1", "wage_subsidy", KAERHOJ, "BB-2207", "murer", date(2026, 3, 2),
         date(2026, 8, 30), None, 37, None, None],
        ["F-3", "D-2", "internship", GRONSPIR, "BB-2207", "anlægsgartner", date(2026, 3, 2),
         date(2026, 4, 26), None, 30, None, None],
    ],
    "contractor_reports": [
        ["ref", "clause_ref", "contractor_cvr", "period_start", "period_end", "persons", "weeks",
         "hours", "site_hours", "status"],
        ["R-1", "K-1", KAERHOJ, date(2026, 1, 5), date(2026, 3, 31), 1, 4, 148, 148, "approved"],
        ["R-2", "K-2", GRONSPIR, date(2026, 1, 5), date(2026, 1, 31), None, None, 120, 2400,
         "returned"],
    ],
}
HAPPY_COUNTS = {"organisations": 4, "housing_areas": 1, "projects": 1, "project_contractors": 2,
                "agreements": 1, "clauses": 2, "participants": 2, "placements": 3,
                "contractor_reports": 2}

MODELS = {"organisations": Organisation, "housing_areas": HousingArea, "projects": Project,
          "project_contractors": ProjectContractor, "agreements": Agreement, "clauses": Clause,
          "participants": Participant, "placements": Placement,
          "contractor_reports": ContractorReport, "audit_events": AuditEvent}


@pytest.fixture(autouse=True)
def import_setup(app):
    """The commands (the lead registers them in tracker/cli.py)."""
    for command in (import_workbook, export_workbook):
        if command.name not in app.cli.commands:
            app.cli.add_command(command)
    return app


def xlsx_bytes(sheets: dict[str, list[list]], epoch=None) -> bytes:
    """A workbook with one sheet per entry (rows as lists; the first row is the header)."""
    book = Workbook()
    if epoch is not None:
        book.epoch = epoch
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def excel_style(content: bytes) -> bytes:
    """An openpyxl-written workbook rewritten the way Excel saves one: text in a shared
    string table (openpyxl writes inline strings), one string in rich-text runs."""
    import re

    source = zipfile.ZipFile(io.BytesIO(content))
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(match) -> str:
        text = match.group(2)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c{match.group(1)} t="s"><v>{index[text]}</v></c>'

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                xml = data.decode()
                xml = re.sub(r'<c([^>]*?) t="inlineStr"><is><t>(.*?)</t></is></c>', shared, xml)
                data = xml.encode()
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdSS" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                    b"</Relationships>"))
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
            target.writestr(info, data)
        # Rich text: the first string is split into two runs, as Excel does for mixed fonts.
        items = [f"<si><t>{s}</t></si>" for s in strings]
        if strings:
            first = strings[0]
            items[0] = (f"<si><r><t>{first[:2]}</t></r><r><rPr><b/></rPr><t>{first[2:]}</t></r>"
                        f"<rPh><t>ignored</t></rPh></si>")
        target.writestr("xl/sharedStrings.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(strings)}"'
            f' uniqueCount="{len(strings)}">{"".join(items)}</sst>'))
    return out.getvalue()


ODS_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _ods_cell(value) -> str:
    """One cell as LibreOffice writes it: a typed value, and the text it shows."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, date):  # a datetime too: LibreOffice keeps its time of day
        return (f'<table:table-cell office:value-type="date" office:date-value='
                f'"{value.isoformat()}"><text:p>{value}</text:p></table:table-cell>')
    if isinstance(value, (int, float)):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
            f"</text:p></table:table-cell>")


def ods_content(tables: str) -> str:
    """content.xml of a spreadsheet with the given <table:table> elements."""
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES} '
            f'office:version="1.3"><office:body><office:spreadsheet>{tables}'
            f"</office:spreadsheet></office:body></office:document-content>")


def ods_bytes(sheets: dict[str, list[list]] | None = None, content: str | None = None,
              mimetype: str = "application/vnd.oasis.opendocument.spreadsheet") -> bytes:
    """An OpenDocument spreadsheet built by hand (odfpy is not needed): the mimetype first
    and uncompressed, the manifest, and content.xml with one table per sheet."""
    if content is None:
        content = ods_content("".join(
            f'<table:table table:name="{escape(name)}">'
            + "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row)
                      + "</table:table-row>" for row in rows)
            + "</table:table>" for name, rows in sheets.items()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, not compressed
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
            '"text/xml"/></manifest:manifest>'))
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def write_xlsx(path, sheets: dict[str, list[list]]):
    path.write_bytes(xlsx_bytes(sheets))
    return path


def csv_text(rows: list[list], sep: str = ";") -> str:
    """Rows as CSV text: ISO dates, Danish decimal comma when the separator is ';'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v
                         for v in row])
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def counts(db) -> dict[str, int]:
    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in MODELS.items()}


def happy_with(**changes) -> dict:
    """The happy workbook with some sheets replaced."""
    return {**{k: [list(r) for r in v] for k, v in HAPPY.items()}, **changes}


@pytest.fixture()
def clock(monkeypatch):
    """A fixed clock for the jobs' "how long ago" (a job quiet for a minute, a worker that
    stopped beating); move it by setting `clock.now`."""
    from tracker import jobs as queue
    from tracker.imports import jobs

    class Clock:
        now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

    monkeypatch.setattr(jobs, "utcnow", lambda: Clock.now)
    monkeypatch.setattr(queue, "utcnow", lambda: Clock.now)
    return Clock


@pytest.fixture()
def admin(db, login):
    user = factories.user("admin")
    db.session.commit()
    login(user)
    return user
