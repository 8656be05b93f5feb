"""Files that are not a usable workbook: each gets a clear Danish message, never a 500, and
nothing is written or stored."""
import io
import zipfile

import pytest
from sqlalchemy import func, select

from tests.imports.conftest import HAPPY, HAPPY_COUNTS, counts, write_xlsx, xlsx_bytes, zip_bytes
from tracker.models import StoredFile

EMPTY = {name: 0 for name in HAPPY_COUNTS} | {"audit_events": 0}

CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _docx() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def _damaged_inside() -> bytes:
    """A ZIP that claims to be a workbook but whose parts are garbage."""
    return zip_bytes({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"not xml at all"})


BAD_FILES = [
    ("rapport.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "Filen er et PDF-dokument, ikke en "
     "Excel-projektmappe."),
    ("aftale.xlsx", _docx(), "Filen er et Word-dokument, ikke en Excel-projektmappe."),
    ("hemmelig.xlsx", CFB + "EncryptionInfo".encode("utf-16-le")
     + "EncryptedPackage".encode("utf-16-le"),
     "Arbejdsbogen er beskyttet med adgangskode. Åbn den i Excel, gem den uden adgangskode"),
    ("gammel.xls", CFB + "Workbook".encode("utf-16-le"),
     "Filen er en gammel Excel-projektmappe (.xls)."),
    ("afkortet.xlsx", xlsx_bytes(HAPPY)[:3000], "Arbejdsbogen kan ikke læses; den er muligvis "
     "beskadiget."),
    ("rod.xlsx", _damaged_inside(), "Arbejdsbogen kan ikke læses; den er muligvis beskadiget."),
    ("billede.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "Filen er hverken en Excel-projektmappe "
     "(.xlsx), en ZIP-fil med CSV-filer eller en CSV-fil."),
    ("arkiv.zip", zip_bytes({"readme.txt": b"hej"}), "ZIP-filen indeholder ingen CSV-filer."),
    ("tom.xlsx", b"", "Filen er tom."),
]


@pytest.mark.parametrize("filename, content, message", BAD_FILES,
                         ids=[f[0] for f in BAD_FILES])
def test_upload_refuses_with_a_clear_message(db, client, staff, filename, content, message):
    response = client.post("/import/", data={"workbook": (io.BytesIO(content), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error" id="workbook-error"' in page
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


@pytest.mark.parametrize("filename, content, message", BAD_FILES,
                         ids=[f[0] for f in BAD_FILES])
def test_command_line_refuses_with_the_same_message(db, runner, tmp_path, filename, content,
                                                    message):
    path = tmp_path / filename
    path.write_bytes(content)
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert counts(db) == EMPTY


def test_a_50_mb_upload_is_refused(db, client, staff):
    content = b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024)
    response = client.post("/import/", data={"workbook": (io.BytesIO(content), "stor.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Filen er større end 40 MB." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_no_file_chosen(client, staff):
    response = client.post("/import/", data={}, content_type="multipart/form-data")
    assert "Vælg den fil, der skal kontrolleres." in response.get_data(as_text=True)


def test_empty_sheets_are_noted_not_refused(db, runner, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {
        "organisations": [],  # nothing at all
        "housing_areas": [["name", "municipality_cvr"]],  # a header, no rows
    })
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "  organisations: Arket er tomt; intet importeres fra det." in result.output
    assert ("  housing_areas: Arket har kolonnenavne, men ingen rækker; intet importeres fra "
            "det.") in result.output


def test_a_header_without_the_key_column_is_refused(db, runner, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"participants": [
        ["navn", "fødselsår"], ["Amina Hassan Ali", 1990]]})
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert ("participants, række 1, kolonne ref: – Første række mangler nøglekolonnen ref, så "
            "rækkerne kan ikke genkendes.") in result.output
    assert "  participants, række 1, kolonne navn: Ukendt kolonne; springes over." in \
        result.output


def test_a_workbook_without_any_known_sheet(db, runner, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Ark1": [["a"], [1]]})
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert "Arbejdsbogen har ingen af arkene organisations, housing_areas" in result.output


def test_a_csv_file_named_after_no_sheet(db, runner, tmp_path):
    path = tmp_path / "deltagere.csv"
    path.write_text("ref;name\nD-1;Amina\n", encoding="utf-8")
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert "deltagere: Ukendt ark; springes over." in result.output


def test_a_missing_path(runner, tmp_path):
    result = runner.invoke(args=["import-workbook", str(tmp_path / "findes-ikke.xlsx")])
    assert result.exit_code == 1
    assert "Der findes ingen fil eller mappe" in result.output


def test_a_zip_bomb_is_not_unpacked(app, db, runner, tmp_path):
    """The upload may unpack to 16 MB and 2 KB per row of the limit: 16,779,264 bytes for 1
    row, and this file unpacks to 9 + 17 × 1,048,576 bytes."""
    app.config["TRACKER_IMPORT_MAX_ROWS"] = 1
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organisations.csv", "cvr;name\n" + "x" * 17 * 1024 * 1024)
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert "Filen fylder over 16 MB udpakket" in result.output
