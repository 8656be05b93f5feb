"""The annual report's evaluation findings: up to a cap in the PDF, the most recently changed
first chosen, and every finding and action in the attachment.

Four agreements with an evaluation of 2026 each, changed on (A-1) 1 March, (A-2) 1 February,
(A-3) 1 April and (A-4) 1 February; newest first: A-3, A-1, then A-2 and A-4 at the same
time, A-2 first by agreement. Actions: two for A-1, one for A-4.
"""
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.documents.conftest import pdf_text
from tracker.documents import service
from tracker.documents.kinds import annual
from tracker.documents.requests import DocumentRequest
from tracker.models import Evaluation, EvaluationAction

CHANGED = {"A-1": (3, 1), "A-2": (2, 1), "A-3": (4, 1), "A-4": (2, 1)}


@pytest.fixture()
def evaluations(db):
    m = factories.organisation("municipality", name="Fundby Kommune")
    area = factories.housing_area(m, name="Fundparken")
    project = factories.project(area=area, case_number="F-1", start_date=date(2025, 1, 1))
    for ref, (month, day) in CHANGED.items():
        agreement = factories.agreement(project, ref=ref, title=f"Aftale {ref}")
        evaluation = Evaluation(
            agreement=agreement, year=2026, findings=f"Fund i {ref}.",
            promoting_factors=f"Fremmer {ref}.", hindering_factors=f"Hæmmer {ref}.",
            updated_at=datetime(2026, month, day, tzinfo=UTC))
        db.session.add(evaluation)
        if ref == "A-1":
            evaluation.actions = [
                EvaluationAction(description="Møde med jobcentret", owner="Sekretariatet",
                                 due_date=date(2026, 5, 1), done_on=date(2026, 4, 20)),
                EvaluationAction(description="Mentorordning", owner="Byggeledelsen",
                                 due_date=date(2026, 9, 1))]
        if ref == "A-4":
            evaluation.actions = [EvaluationAction(description="Frist i kontrakterne",
                                                   owner="Bygherren", due_date=date(2026, 8, 1))]
    db.session.commit()


def _issue():
    document = service.issue(DocumentRequest("annual", year=2026, as_of=date(2026, 6, 30)), None)
    sheets = {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)]
              for ws in load_workbook(io.BytesIO(document.attachment), read_only=True)}
    return pdf_text(document.content), sheets


def _attachment_holds_everything(sheets):
    assert sheets["Evalueringer"] == [
        ("Aftalenr.", "Partnerskabsaftale", "Sagsnummer", "Fund", "Fremmende faktorer",
         "Hæmmende faktorer"),
        *[(ref, f"Aftale {ref}", "F-1", f"Fund i {ref}.", f"Fremmer {ref}.", f"Hæmmer {ref}.")
          for ref in ("A-1", "A-2", "A-3", "A-4")]]
    assert sheets["Handlinger"] == [
        ("Aftalenr.", "Sagsnummer", "Handling", "Ansvarlig", "Frist", "Udført"),
        ("A-1", "F-1", "Møde med jobcentret", "Sekretariatet", datetime(2026, 5, 1),
         datetime(2026, 4, 20)),
        # Not done: the empty last cell is not read back.
        ("A-1", "F-1", "Mentorordning", "Byggeledelsen", datetime(2026, 9, 1)),
        ("A-4", "F-1", "Frist i kontrakterne", "Bygherren", datetime(2026, 8, 1))]


def test_beyond_the_cap_the_pdf_says_how_many_are_left_out(db, evaluations, monkeypatch):
    monkeypatch.setattr(annual, "MAX_PDF_EVALUATIONS", 2)
    text, sheets = _issue()
    # The two most recently changed, A-3 and A-1, in the agreements' order; 4 - 2 = 2 left out.
    assert "Året har 4 evalueringer, for mange til at trykke her." in text
    assert "De 2 senest registrerede eller ændrede står nedenfor; de øvrige 2 er udeladt." in text
    assert "Alle 4 står med fund og handlinger i regnearket" in text
    assert text.index("Fund i A-1.") < text.index("Fund i A-3.")
    assert "Fund i A-2." not in text and "Fund i A-4." not in text
    assert "Mentorordning" in text and "Frist i kontrakterne" not in text
    _attachment_holds_everything(sheets)


def test_equal_times_are_chosen_by_agreement(db, evaluations, monkeypatch):
    monkeypatch.setattr(annual, "MAX_PDF_EVALUATIONS", 3)
    text, sheets = _issue()
    # then A-2 before A-4 (both changed on 1 February): 4 - 3 = 1 left out.
    assert "Året har 4 evalueringer" in text and "de øvrige 1 er udeladt" in text
    assert all(f"Fund i {ref}." in text for ref in ("A-1", "A-2", "A-3"))
    assert "Fund i A-4." not in text
    _attachment_holds_everything(sheets)


def test_up_to_the_cap_every_evaluation_is_printed_and_nothing_is_said(db, evaluations,
                                                                       monkeypatch):
    monkeypatch.setattr(annual, "MAX_PDF_EVALUATIONS", 4)
    text, sheets = _issue()
    assert "Året har" not in text and "udeladt" not in text
    positions = [text.index(f"Fund i {ref}.") for ref in ("A-1", "A-2", "A-3", "A-4")]
    assert positions == sorted(positions)
    assert "Frist i kontrakterne" in text
    _attachment_holds_everything(sheets)
