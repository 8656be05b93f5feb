"""Plausible rows: a placement starts on or after its participant's intake and consent, as
in the form; amounts keep their øre or are refused. Rows stored before a rule import
again unchanged: the rule applies when the dates in question change."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tests.imports.conftest import HAPPY, happy_with, write_xlsx
from tracker.imports.reader import open_path
from tracker.imports.service import import_workbook
from tracker.models import Participant, Placement, Project


def _import(runner, path):
    return runner.invoke(args=["import-workbook", str(path)])


def _problems(path, db) -> list[tuple]:
    with open_path(path) as workbook:
        report = import_workbook(db.session, workbook, (None, "test"), dry_run=True)
    return [(p.sheet, p.row, p.column, p.value, p.reason) for p in report.problems]


def test_a_new_placement_cannot_start_before_the_consent(db, tmp_path):
    sheets = happy_with()
    sheets["placements"][1][6] = date(2026, 1, 9)  # F-1; D-1 enrolled and consented 10 January
    assert _problems(write_xlsx(tmp_path / "a.xlsx", sheets), db) == [
        ("placements", 2, "start", "2026-01-09",
         "Forløbet kan ikke starte, før D-1 gav samtykke (10.01.2026).")]


def test_a_new_placement_cannot_start_before_the_intake(db, tmp_path):
    sheets = happy_with()
    sheets["participants"][2][8] = date(2026, 1, 15)  # D-2 consented before the intake (1 Feb)
    sheets["placements"][3][6] = date(2026, 1, 20)  # F-3 starts between the two
    assert _problems(write_xlsx(tmp_path / "a.xlsx", sheets), db) == [
        ("placements", 4, "start", "2026-01-20",
         "Forløbet kan ikke starte før indskrivningsdatoen for D-2 (01.02.2026).")]


def test_an_unchanged_start_stored_before_the_rule_imports_again(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    # Stored before the rule: F-1 starts on 5 January, before D-1's intake and consent.
    placement = db.session.scalar(select(Placement).where(Placement.ref == "F-1"))
    placement.start_date = date(2026, 1, 5)
    db.session.commit()
    sheets = happy_with()
    sheets["placements"][1][6] = date(2026, 1, 5)  # as stored
    sheets["placements"][1][9] = 30  # the hours corrected
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    placement = db.session.scalar(select(Placement).where(Placement.ref == "F-1"))
    assert (placement.start_date, placement.hours_per_week) == (date(2026, 1, 5), Decimal(30))
    # Moved, but still before the consent: refused.
    sheets["placements"][1][6] = date(2026, 1, 6)
    assert _problems(write_xlsx(tmp_path / "c.xlsx", sheets), db) == [
        ("placements", 2, "start", "2026-01-06",
         "Forløbet kan ikke starte, før D-1 gav samtykke (10.01.2026).")]


def test_an_intake_cannot_move_past_a_placement_the_workbook_leaves(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    sheets = happy_with()
    sheets["participants"][2][7] = date(2026, 3, 3)  # D-2's intake; F-3 starts on 2 March
    sheets["participants"][2][8] = date(2026, 3, 3)
    problem = ("Forløbet F-3 starter den 02.03.2026, før denne dato. Vælg en dato senest "
               "02.03.2026, eller flyt først forløbets start.")
    assert _problems(write_xlsx(tmp_path / "b.xlsx", sheets), db) == [
        ("participants", 3, "intake_date", "2026-03-03", problem),
        ("participants", 3, "consent_date", "2026-03-03", problem)]
    # Without the placements sheet, the stored placement speaks just the same.
    del sheets["placements"], sheets["contractor_reports"]
    assert [p[:3] for p in _problems(write_xlsx(tmp_path / "c.xlsx", sheets), db)] == [
        ("participants", 3, "intake_date"), ("participants", 3, "consent_date")]


def test_an_intake_and_the_placement_may_move_together(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    sheets = happy_with()
    sheets["participants"][2][7] = sheets["participants"][2][8] = date(2026, 3, 3)
    sheets["placements"][3][6] = date(2026, 3, 9)  # F-3 moves too, after the new intake
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Participant.intake_date).where(Participant.ref == "D-2")) \
        == date(2026, 3, 3)
    assert db.session.scalar(select(Placement.start_date).where(Placement.ref == "F-3")) \
        == date(2026, 3, 9)


def test_amounts_keep_their_oere_or_are_refused(db, runner, tmp_path):
    sheets = happy_with()
    sheets["projects"][1][6] = "412.500.000,50"  # contract sum with 50 øre
    sheets["projects"][1][7] = Decimal("286400000.25")
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(Project.contract_sum, Project.craft_cost)).one() == (
        Decimal("412500000.50"), Decimal("286400000.25"))
    sheets["projects"][1][6] = "412.500.000,505"  # half an øre: more than is kept
    assert _problems(write_xlsx(tmp_path / "b.xlsx", sheets), db) == [
        ("projects", 2, "contract_sum", "412.500.000,505", "Brug højst 2 decimaler.")]
