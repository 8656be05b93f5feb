"""Export → import into an empty database → export gives the same workbook, cell for cell,
on the demo data set; importing the export back into its own database changes nothing."""
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import _empty_database
from tests.imports.conftest import counts
from tracker import demo
from tracker.imports.reader import open_path
from tracker.imports.service import import_workbook
from tracker.models import ContractorReport, Placement

# The demo data set's rows per sheet (tracker/demo.py: 4 municipalities, 5 builders,
# 10 contractors, the secretariat and a school; 40 residents with 80 placements; ...).
DEMO_ROWS = {"organisations": 21, "housing_areas": 5, "projects": 6, "project_contractors": 18,
             "agreements": 7, "clauses": 14, "participants": 40, "placements": 80}


def _cells(path) -> dict[str, list[tuple]]:
    book = load_workbook(path)
    return {sheet.title: [tuple(c.value for c in row) for row in sheet.iter_rows()]
            for sheet in book.worksheets}


def _versions(db) -> list[tuple]:
    return sorted(db.session.execute(select(
        ContractorReport.ref, ContractorReport.report_version, ContractorReport.status)).all())


def test_export_import_export_gives_the_same_workbook(app, db, runner, tmp_path):
    demo.seed()
    db.session.commit()
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    result = runner.invoke(args=["export-workbook", str(first)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Eksporterede ")
    versions = _versions(db)
    chains = sorted(db.session.execute(select(Placement.ref, Placement.next_placement_id.is_not(None))).all())

    exported = _cells(first)
    assert list(exported) == ["organisations", "housing_areas", "projects",
                              "project_contractors", "agreements", "clauses", "participants",
                              "placements", "contractor_reports"]
    assert {name: len(rows) - 1 for name, rows in exported.items()
            if name in DEMO_ROWS} == DEMO_ROWS
    # K-009's corrected quarter: version 1 returned, version 2 approved, both exported.
    assert sum(1 for ref, version, _status in versions if version == 2) == 1

    db.session.remove()
    _empty_database()
    assert counts(db)["participants"] == 0
    result = runner.invoke(args=["import-workbook", str(first)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["export-workbook", str(second)]).exit_code == 0

    again = _cells(second)
    for name, rows in exported.items():
        assert again[name] == rows, name
    assert _versions(db) == versions
    assert sorted(db.session.execute(
        select(Placement.ref, Placement.next_placement_id.is_not(None))).all()) == chains


def test_importing_the_export_into_its_own_database_changes_nothing(app, db, tmp_path, runner):
    demo.seed()
    db.session.commit()
    path = tmp_path / "demo.xlsx"
    assert runner.invoke(args=["export-workbook", str(path)]).exit_code == 0
    before = counts(db)
    with open_path(path) as workbook:
        report = import_workbook(db.session, workbook, (None, "test"), dry_run=False,
                                 today=date.today())
    db.session.commit()
    assert report.ok, report.problems[:3]
    assert report.totals["new"] == report.totals["changed"] == 0
    assert counts(db) == before
