"""The whole export restores: the demo data set (with what the demo lacks but a database may
hold: anonymised participants, texts over several lines, a text that looks like a formula,
an assessment and an action entered twice) exported, imported into a new empty database and
exported again gives the same workbook, cell for cell, and the same figures; importing the
export back into its own database changes nothing."""
from datetime import date, timedelta

from flask_migrate import upgrade
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import make_app, scratch_database
from tests.imports.conftest import counts
from tracker import demo
from tracker.counting.clauses import clause_figures
from tracker.extensions import db as _db
from tracker.imports.reader import open_path
from tracker.imports.service import import_workbook
from tracker.models import (
    AgreementParty,
    AuditEvent,
    Clause,
    ContractorReport,
    Evaluation,
    EvaluationAction,
    FollowUp,
    Participant,
    PendingFollowUp,
    Placement,
    ProgressAssessment,
    Project,
    ReportObligation,
)
from tracker.retention.service import anonymise

SHEETS = ["organisations", "housing_areas", "projects", "project_contractors", "agreements",
          "agreement_parties", "clauses", "participants", "placements", "follow_ups",
          "progress_assessments", "contractor_reports", "evaluations", "evaluation_actions"]
# The demo data set's rows per sheet (tracker/demo/data.py: 4 municipalities, 5 builders,
# 10 contractors, the secretariat and a school; 40 residents with 80 placements; each of the
# 7 agreements has the builder, the main contractor, the municipality and the secretariat as
# parties, two the school as well: 7 × 4 + 2; two evaluations with 3 and 2 actions), and
# one more participant, assessment and action of our own (`_beyond_the_demo`).
DEMO_ROWS = {"organisations": 21, "housing_areas": 5, "projects": 6, "project_contractors": 18,
             "agreements": 7, "agreement_parties": 30, "clauses": 14, "participants": 41,
             "placements": 80, "evaluations": 2, "evaluation_actions": 6}
FINDINGS = "Første fund.\r\nAndet fund på en ny linje."
FORMULA_LIKE = "=Timerne er talt efter timesedlerne"


def _cells(path) -> dict[str, list[tuple]]:
    book = load_workbook(path)
    return {sheet.title: [tuple(c.value for c in row) for row in sheet.iter_rows()]
            for sheet in book.worksheets}


def _column(cells: dict, sheet: str, column: str) -> list:
    header = cells[sheet][0]
    return [row[header.index(column)] for row in cells[sheet][1:]]


def _beyond_the_demo(db) -> list[str]:
    """Add what the demo lacks; the pseudonyms of the two participants anonymised."""
    today = date.today()
    erased = db.session.scalars(select(Participant).order_by(Participant.ref).limit(2)).all()
    pseudonyms = [p.pseudonym for p in erased]
    db.session.add(Participant(ref="D-9001", name="Navn Uden Samtykke", intake_date=today))
    twice = db.session.scalars(select(ProgressAssessment).order_by(ProgressAssessment.id)).first()
    db.session.add(ProgressAssessment(participant_id=twice.participant_id,
                                      assessed_on=twice.assessed_on, work_readiness=7,
                                      note="Registreret to gange samme dag."))
    evaluation = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()
    evaluation.findings = FINDINGS
    first = evaluation.actions[0]
    evaluation.actions.append(EvaluationAction(
        description=first.description, owner="Jobcenter Aarhus",
        due_date=today + timedelta(days=10)))
    report = db.session.scalars(select(ContractorReport).order_by(ContractorReport.id)).first()
    report.comment = FORMULA_LIKE
    db.session.scalar(select(Project).where(Project.case_number == "BB-2207")).status = \
        "completed"
    db.session.commit()
    anonymise([p.id for p in erased], "erase", "test")
    db.session.commit()
    return pseudonyms


def _figures() -> dict[str, tuple]:
    """Every clause's figures today, by clause ref."""
    refs = dict(_db.session.execute(select(Clause.id, Clause.ref)).all())
    return {refs[clause_id]: (f.target, f.registered, f.reported, f.status, f.discrepancy)
            for clause_id, f in clause_figures(list(refs), date.today()).items()}


def _derived() -> dict[str, list]:
    """What the system keeps in step with the rows: due follow-ups and reporting periods."""
    return {
        "pending_follow_ups": sorted(_db.session.execute(
            select(Placement.ref, PendingFollowUp.months, PendingFollowUp.due_date)
            .join(Placement, PendingFollowUp.placement_id == Placement.id)).all()),
        "report_obligations": sorted(_db.session.execute(
            select(Clause.ref, ReportObligation.period_start, ReportObligation.state)
            .join(Clause, ReportObligation.clause_id == Clause.id)).all()),
    }


def test_export_import_into_an_empty_database_export_gives_the_same(app, db, runner, tmp_path):
    demo.seed()
    db.session.commit()
    erased = _beyond_the_demo(db)
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    result = runner.invoke(args=["export-workbook", str(first)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Eksporterede ")
    figures, derived = _figures(), _derived()
    assert "K-002" in figures and derived["pending_follow_ups"]

    exported = _cells(first)
    assert list(exported) == SHEETS
    assert {name: len(rows) - 1 for name, rows in exported.items()
            if name in DEMO_ROWS} == DEMO_ROWS
    for name, model in (("follow_ups", FollowUp), ("progress_assessments", ProgressAssessment),
                        ("contractor_reports", ContractorReport)):
        assert len(exported[name]) - 1 == db.session.scalar(
            select(func.count()).select_from(model)) > 0, name
    # The anonymised participants as they are: named by their pseudonym, anonymised today,
    # no birth year but an age band.
    participants = {row[0]: dict(zip(exported["participants"][0], row))
                    for row in exported["participants"][1:]}
    anonymised = [p for p in participants.values() if p["anonymised_on"]]
    assert sorted(p["pseudonym"] for p in anonymised) == sorted(erased)
    for p in anonymised:
        assert p["ref"] == "ANON-" + p["pseudonym"][2:] and p["name"] == p["pseudonym"]
        assert p["anonymised_on"].date() == date.today() and p["birth_year"] is None
        assert p["email"] is None and p["intake_age_band"]
    assert participants["D-9001"]["consent_date"] is None
    # A workbook cell breaks lines with LF; the text box sent CR LF.
    assert FINDINGS.replace("\r\n", "\n") in _column(exported, "evaluations", "findings")
    assert FORMULA_LIKE in _column(exported, "contractor_reports", "comment")
    assert sorted(_column(exported, "progress_assessments", "occurrence"))[-1] == 2
    assert sorted(_column(exported, "evaluation_actions", "occurrence"))[-1] == 2
    contributions = _column(exported, "agreement_parties", "contributions")
    assert contributions[0].count("\n") >= 1  # one contribution per line

    with scratch_database("tracker_restore", tmp_path) as url:
        empty = make_app(url)
        with empty.app_context():
            upgrade()
            assert _db.session.scalar(select(func.count()).select_from(Participant)) == 0
            again = empty.test_cli_runner()
            result = again.invoke(args=["import-workbook", str(first)])
            assert result.exit_code == 0, result.output
            assert again.invoke(args=["export-workbook", str(second)]).exit_code == 0
            restored_figures, restored_derived = _figures(), _derived()
            restored_anonymised = _db.session.scalar(select(func.count()).select_from(
                Participant).where(Participant.anonymised_at.is_not(None)))
            _db.session.remove()
            _db.engine.dispose()

    restored = _cells(second)
    assert list(restored) == SHEETS
    for name, rows in exported.items():
        assert restored[name] == rows, name
    assert restored_figures == figures
    assert restored_derived == derived
    assert restored_anonymised == 2


def test_importing_the_export_into_its_own_database_changes_nothing(app, db, tmp_path, runner):
    demo.seed()
    db.session.commit()
    _beyond_the_demo(db)
    path = tmp_path / "demo.xlsx"
    assert runner.invoke(args=["export-workbook", str(path)]).exit_code == 0
    before = counts(db)
    tables = {model: db.session.scalar(select(func.count()).select_from(model))
              for model in (AgreementParty, FollowUp, ProgressAssessment, Evaluation,
                            EvaluationAction)}
    for _time in range(2):
        with open_path(path) as workbook:
            report = import_workbook(db.session, workbook, (None, "test"), dry_run=False,
                                     today=date.today())
        db.session.commit()
        assert report.ok, report.problems[:3]
        assert report.totals["new"] == report.totals["changed"] == 0
        assert report.totals["unchanged"] == report.totals["rows"] > 0
    assert counts(db) == before  # not even an audit event
    assert {model: db.session.scalar(select(func.count()).select_from(model))
            for model in tables} == tables
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "imports")) == 0
