"""The files read besides an XLSX written by openpyxl: an OpenDocument spreadsheet (ODS, as
LibreOffice saves it), an XLSX whose table does not start at A1, and one saved as Strict
Open XML. Cells are read alike in every format, and problems are placed where the user's
spreadsheet program shows them."""
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import select

from tests.imports.conftest import (
    AARHUS,
    HAPPY,
    HAPPY_COUNTS,
    counts,
    ods_bytes,
    ods_content,
    xlsx_bytes,
)
from tracker.imports import jobs
from tracker.imports.reader import open_path
from tracker.imports.service import import_workbook
from tracker.models import Organisation, Participant, Placement, Project, StoredFile

ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"


def _import(runner, path, *options):
    return runner.invoke(args=["import-workbook", *options, str(path)])


def _problems(path, db) -> list[tuple]:
    with open_path(path) as workbook:
        report = import_workbook(db.session, workbook, (None, "test"), dry_run=True)
    return [(p.sheet, p.row, p.column, p.value, p.reason) for p in report.problems]


def test_an_ods_workbook_imports_every_row_as_its_xlsx_would(db, runner, tmp_path):
    path = tmp_path / "arbejdsbog.ods"
    path.write_bytes(ods_bytes(HAPPY))
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert counts(db) == HAPPY_COUNTS | {"audit_events": 1}
    # A date cell, number cells holding whole numbers, text, an empty cell:
    assert db.session.execute(select(Project.start_date, Project.contract_sum)).one() == \
        (date(2026, 1, 5), Decimal("412500000.00"))
    assert db.session.execute(
        select(Participant.name, Participant.birth_year, Participant.gender)
        .order_by(Participant.ref)).all() == [("Amina Hassan Ali", 1990, "f"),
                                              ("Jonas Kristensen", None, None)]
    assert db.session.scalar(select(Placement.hours_per_week).where(Placement.ref == "F-3")) \
        == Decimal("30.0")
    assert db.session.scalar(select(Organisation.municipality_code).where(
        Organisation.cvr == AARHUS)) == "751"
    # The same rows as an XLSX file: every row of the ODS file was read as Excel's would be.
    xlsx = tmp_path / "arbejdsbog.xlsx"
    xlsx.write_bytes(xlsx_bytes(HAPPY))
    result = _import(runner, xlsx)
    assert "I alt                        18        0        0         18" in result.output


def test_an_ods_upload_is_checked_on_the_page(db, client, staff):
    response = client.post("/import/", data={"workbook": (io.BytesIO(ods_bytes(HAPPY)),
                                                           "arbejdsbog.ods")},
                           content_type="multipart/form-data")
    job = jobs.read(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (job.state, job.problem_count) == ("checked", 0)
    assert db.session.get(StoredFile, job.stored_file_id).content_type == ODS_TYPE
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alle rækker er i orden. Intet er gemt endnu" in page


def test_ods_rows_and_columns_repeated_by_libreoffice_keep_their_places(db, tmp_path):
    """LibreOffice writes runs of empty rows and cells once, with a repeat count, and fills
    the sheet out to its last row and column so."""
    def cell(value_type, value, shown):
        attribute = "date-value" if value_type == "date" else "value"
        return (f'<table:table-cell office:value-type="{value_type}" office:{attribute}='
                f'"{value}"><text:p>{shown}</text:p></table:table-cell>')

    def text(value):
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>' \
               f"</table:table-cell>"

    header = "".join(text(c) for c in ("ref", "name", "gender", "birth_year", "intake_date",
                                       "consent_date"))
    table = (
        '<table:table table:name="participants">'
        f"<table:table-row>{header}</table:table-row>"
        '<table:table-row table:number-rows-repeated="2">'
        '<table:table-cell table:number-columns-repeated="6"/></table:table-row>'
        f'<table:table-row>{text("D-1")}{text("Amina")}<table:table-cell/>{text("19x0")}'
        f'{cell("date", "2026-01-10", "10-01-26")}{cell("date", "2026-01-10", "10-01-26")}'
        "</table:table-row>"
        f'<table:table-row>{text("D-2")}{text("Jonas")}'
        '<table:table-cell table:number-columns-repeated="2"/>'
        f'{cell("date", "2026-01-10T13:30:00", "10-01-26 13:30")}'
        f'{cell("date", "2026-01-10", "10-01-26")}</table:table-row>'
        f'<table:table-row>{text("D-3")}{text("Sara")}{text("f")}'
        f'{cell("float", "1985.5", "1985,5")}{cell("date", "2026-01-10", "10-01-26")}'
        f'{cell("date", "2026-01-10", "10-01-26")}'
        '<table:table-cell table:number-columns-repeated="1018"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table>")
    path = tmp_path / "deltagere.ods"
    path.write_bytes(ods_bytes(content=ods_content(table)))
    assert _problems(path, db) == [
        ("participants", 4, "birth_year", "19x0", "Skriv et helt tal, fx 1985."),
        ("participants", 5, "intake_date", "2026-01-10 13:30:00",
         "Cellen indeholder også et klokkeslæt; skriv kun datoen (ÅÅÅÅ-MM-DD)."),
        ("participants", 6, "birth_year", "1985.5", "Skriv et helt tal, fx 1985."),
    ]


def test_another_opendocument_file_is_refused(db, runner, tmp_path):
    path = tmp_path / "brev.odt"
    path.write_bytes(ods_bytes({"Ark1": [["a"]]},
                               mimetype="application/vnd.oasis.opendocument.text"))
    result = _import(runner, path, "--dry-run")
    assert result.exit_code == 1
    assert "Filen er en OpenDocument-fil." in result.output


def test_an_xlsx_table_may_start_below_and_right_of_a1(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "organisations"
    rows = {3: ["cvr", "name", "kind", "municipality_code"],
            4: [AARHUS, "Aarhus Kommune", "municipality", 751],
            6: ["12345678", "Forkert ApS", "contractor"]}  # row 5 is left blank
    for number, cells in rows.items():
        for column, value in enumerate(cells, start=3):  # from column C
            sheet.cell(row=number, column=column, value=value)
    path = tmp_path / "a.xlsx"
    book.save(path)
    with open_path(path) as workbook:
        report = import_workbook(db.session, workbook, (None, "test"), dry_run=True)
    assert [(p.sheet, p.row, p.column, p.value) for p in report.problems] == [
        ("organisations", 6, "cvr", "12345678")]
    assert [(s.name, s.rows) for s in report.sheets] == [("organisations", 2)]


def test_a_workbook_saved_as_strict_open_xml_is_read(db, runner, tmp_path):
    """Excel's "Strict Open XML" format names its parts' namespaces differently."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(HAPPY)))
    path = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = re.sub(rb"http://schemas\.openxmlformats\.org/(spreadsheetml/2006/main|"
                          rb"officeDocument/2006/relationships)",
                          lambda m: b"http://purl.oclc.org/ooxml/" + (
                              b"spreadsheetml/main" if m.group(1).startswith(b"spreadsheet")
                              else b"officeDocument/relationships"),
                          source.read(info))
            target.writestr(info, data)
    assert b"purl.oclc.org" in zipfile.ZipFile(path).read("xl/workbook.xml")
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert counts(db) == HAPPY_COUNTS | {"audit_events": 1}


def test_a_time_of_day_in_an_xlsx_date_cell_is_refused_as_before(db, tmp_path):
    sheets = {"participants": [
        ["ref", "name", "intake_date", "consent_date"],
        ["D-1", "Amina", datetime(2026, 1, 10, 13, 30), date(2026, 1, 10)]]}
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes(sheets))
    assert _problems(path, db) == [
        ("participants", 2, "intake_date", "2026-01-10 13:30:00",
         "Cellen indeholder også et klokkeslæt; skriv kun datoen (ÅÅÅÅ-MM-DD).")]
