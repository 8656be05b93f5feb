"""Anonymising a participant (retention) or erasing one (on request): what identifies the
person is gone from every table, stored file and archived document, and no figure changes.

The world is tests/documents/conftest.py's (figures worked out there by hand); Ada
Testesen (D-1, born 1990, enrolled 1.1.2026: 36 years at intake, band 30–39) is the one
who goes."""
import io
import json
from datetime import UTC, date, datetime

import openpyxl
from sqlalchemy import LargeBinary, select, text

from tests import factories
from tests.documents.conftest import AS_OF, pdf_text
from tracker.counting import municipality_summary
from tracker.documents import render, service
from tracker.documents.kinds import build
from tracker.documents.kinds.municipality import AGE_BANDS
from tracker.documents.requests import DocumentRequest
from tracker.models import (
    AuditEvent,
    ContractorReport,
    Document,
    FollowUp,
    ImportJob,
    Participant,
    ProgressAssessment,
    ReportEvidence,
    StoredFile,
)
from tracker.models.base import Base
from tracker.retention import service as retention
from tracker.retention.service import file_text

ISSUED = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
# What identifies Ada, in the forms it is written in below.
ADA = ("Ada Testesen", "ada testesen", "ADA TESTESEN", "ada@example.test", "+45 20 30 40 50")


def _requests(world) -> list[DocumentRequest]:
    return [
        DocumentRequest("clause-status", as_of=AS_OF, project=world.project),
        DocumentRequest("compliance", as_of=AS_OF, project=world.project, contractor=world.c1),
        DocumentRequest("municipality", as_of=AS_OF, municipality=world.m,
                        date_from=date(2026, 1, 1), date_to=AS_OF),
        DocumentRequest("annual", as_of=AS_OF, year=2026),
        DocumentRequest("training", as_of=AS_OF, project=world.project, year=2026),
    ]


def _every_figure(world) -> list:
    """Each document's HTML (with a fixed number and time) and its spreadsheet's rows, and
    the municipality summary: any figure that changed would change one of them."""
    shown = []
    for req in _requests(world):
        built = build(req)
        shown.append(render.render_html(req.kind, built, req, "D-2026-000001", ISSUED, None))
        shown.append([sheet.rows for sheet in built.sheets])
    shown.append(municipality_summary(world.m.id, date(2026, 1, 1), AS_OF))
    return shown


def _make_ada_known_everywhere(db, world):
    """Ada's name, reference and contact details in every place they can end up."""
    ada = world.ada
    ada.email, ada.phone, ada.consent_scope = ADA[3], ADA[4], "Samtykke til Ada Testesen"
    consent = StoredFile(filename="samtykke.pdf", content_type="application/pdf", size=4,
                         sha256="0" * 64, content=b"%PDF")
    ada.consent_file = consent
    db.session.add(FollowUp(placement=ada.placements[0], months=3, status="employed",
                            follow_up_date=date(2026, 6, 1), note="Ada har det godt."))
    ada.assessments[0].note = "ada testesen møder stabilt."
    report = db.session.scalar(select(ContractorReport))
    # Stored before names were refused on entry: the builder sees it masked.
    report.review_note = "Godkendt; ADA TESTESEN (D-1) har timerne."
    sheet = openpyxl.Workbook()
    sheet.active.append(["Navn", "Reference"])
    sheet.active.append(["Ada Testesen", "D-1"])
    content = io.BytesIO()
    sheet.save(content)
    upload = StoredFile(filename="import.xlsx", content_type="application/vnd.ms-excel",
                        size=len(content.getvalue()), sha256="1" * 64, content=content.getvalue())
    db.session.add(upload)
    db.session.flush()
    db.session.add(ImportJob(filename="bog.xlsx", size=upload.size, sha256=upload.sha256,
                             stored_file_id=upload.id, started_by_id=world.users["staff"].id,
                             locale="da", state="checked", phase="check"))
    evidence = StoredFile(filename="timer.xlsx", content_type="application/vnd.ms-excel",
                          size=upload.size, sha256="2" * 64, content=content.getvalue())
    other_evidence = StoredFile(filename="andet.pdf", content_type="application/pdf",
                                size=4, sha256="3" * 64, content=b"%PDF")
    db.session.add_all([ReportEvidence(report=report, file=evidence),
                        ReportEvidence(report=report, file=other_evidence)])
    db.session.commit()
    pathway = service.issue(DocumentRequest("pathway", as_of=AS_OF, participant=ada), None)
    status = service.issue(DocumentRequest("clause-status", as_of=AS_OF, project=world.project),
                           None)
    other = service.issue(DocumentRequest("clause-status", as_of=AS_OF,
                                          project=world.other_project), None)
    db.session.commit()
    # Withdrawn afterwards, with a note in free text.
    ada.consent_withdrawn_on, ada.consent_withdrawal_note = date(2026, 7, 1), "Ada er flyttet."
    db.session.commit()
    assert "Ada Testesen" in pdf_text(pathway.content)
    assert ada.pseudonym in file_text(status.attachment)
    return pathway.id, status.id, other.id, other_evidence.id


def _everything_stored(db) -> str:
    """Every value of every table, the text of every stored file and archived document,
    lower-cased: what a search for the person would read."""
    found = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for column, value in zip(table.columns, row):
                    if value is None:
                        continue
                    if isinstance(column.type, LargeBinary):
                        found.append(pdf_text(value) if value.startswith(b"%PDF-")
                                     else file_text(value))
                    else:
                        found.append(json.dumps(value, default=str, ensure_ascii=False))
    return "\n".join(found).lower()


def test_anonymising_removes_the_person_from_every_copy(db, world):
    pathway, status, other, other_evidence = _make_ada_known_everywhere(db, world)
    pseudonym = world.ada.pseudonym
    before = _everything_stored(db)
    assert all(words.lower() in before for words in ADA)

    outcome = retention.anonymise([world.ada.id], retention.ERASE, "Borgerens anmodning")
    db.session.commit()

    after = _everything_stored(db)
    for words in (*ADA, "testesen", "d-1\""):
        assert words.lower() not in after, words
    ada = db.session.get(Participant, world.ada.id)
    assert (ada.name, ada.ref, ada.email, ada.phone, ada.birth_year) == \
        (pseudonym, f"ANON-{pseudonym[2:]}", None, None, None)
    # What the figures need stays; the age band at intake (2026 - 1990 = 36) replaces the year.
    assert (ada.gender, ada.municipality_id, ada.housing_area_id, ada.intake_date,
            ada.intake_age_band) == ("f", world.m.id, world.area.id, date(2026, 1, 1), "30-39")
    assert ada.anonymised_at is not None and ada.consent_file_id is None
    # The withdrawal's date stays (no new placements); its note goes.
    assert (ada.consent_withdrawn_on, ada.consent_withdrawal_note) == (date(2026, 7, 1), None)
    assert len(ada.placements) == 3
    # The pathway loses its bytes but keeps its record; the spreadsheet listing Ada's
    # pseudonym loses its bytes, its PDF stays; the other project's document is untouched.
    documents = {d.id: d for d in db.session.scalars(select(Document))}
    assert documents[pathway].content is None and documents[pathway].withdrawn_at is not None
    assert documents[pathway].sha256 and documents[pathway].number
    assert documents[status].attachment is None and documents[status].content is not None
    assert documents[status].attachment_withdrawn_at is not None
    assert documents[other].attachment is not None and documents[other].withdrawn_at is None
    assert (outcome.documents_withdrawn, outcome.attachments_withdrawn) == \
        ([documents[pathway].number], [documents[status].number])
    # The consent document, the uploaded workbook and the evidence naming her: withdrawn;
    # the evidence that does not name her stays.
    files = {f.id: f for f in db.session.scalars(select(StoredFile))}
    assert sorted(f.filename for f in files.values() if f.withdrawn_at is not None) == \
        ["import.xlsx", "samtykke.pdf", "timer.xlsx"]
    assert files[other_evidence].content == b"%PDF"
    # Free text keeps its sense, with the pseudonym in place of the name.
    report = db.session.scalar(select(ContractorReport))
    assert report.review_note == f"Godkendt; {pseudonym} (ANON-{pseudonym[2:]}) har timerne."
    assert db.session.scalars(select(FollowUp.note).where(
        FollowUp.placement_id == ada.placements[0].id)).all() == [""]
    assert db.session.scalar(select(ProgressAssessment.note).where(
        ProgressAssessment.participant_id == ada.id, ProgressAssessment.note != "")) is None
    # One event says it was done and why; the audit trail keeps who changed what, when.
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert (event.entity_id, event.changes) == (ada.id, {"reason": "Borgerens anmodning"})
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.entity == "participants", AuditEvent.action == "create",
        AuditEvent.entity_id == ada.id)) is not None


def test_no_figure_changes_when_a_person_is_anonymised(db, world):
    before = _every_figure(world)
    # Bo has a follow-up, Cai a running apprenticeship, Dea nothing but her intake.
    retention.anonymise([world.ada.id, world.bo.id, world.cai.id, world.dea.id],
                        retention.ANONYMISE, "retention")
    db.session.commit()
    assert _every_figure(world) == before


def test_the_age_band_counts_the_age_at_intake(db, world):
    """Born 1990 and enrolled in 2014 (24 years: under 25) is under 25 in the report of
    2026 as well, before and after anonymising."""
    eve = factories.participant(world.m, name="Eve Ungsen", birth_year=1990,
                                intake_date=date(2014, 5, 1), housing_area=world.area)
    factories.placement(eve, world.c1, "internship", world.project, start_date=date(2026, 3, 2))
    db.session.commit()

    def bands():
        built = build(DocumentRequest("municipality", as_of=AS_OF, municipality=world.m,
                                      date_from=date(2026, 1, 1), date_to=AS_OF))
        _areas, _benefits, ages, _genders = (b["rows"] for b in built.context["breakdowns"])
        return ages

    # Enrolled before the period, in a placement in it: (enrolled, placed, moved) = (0, 1, 0).
    assert (str(AGE_BANDS["u25"]), 0, 1, 0) in bands()
    before = bands()
    retention.anonymise([eve.id], retention.ANONYMISE, "retention")
    db.session.commit()
    assert db.session.get(Participant, eve.id).intake_age_band == "u25"
    assert bands() == before


def test_anonymising_twice_changes_nothing_more(db, world):
    retention.anonymise([world.dea.id], retention.ANONYMISE, "retention")
    db.session.commit()
    again = retention.anonymise([world.dea.id], retention.ANONYMISE, "retention")
    db.session.commit()
    assert again.participants == 0
    assert db.session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'anonymise'")) \
        == 1


def test_a_short_reference_is_not_replaced_in_other_text(db, world):
    """A reference without letters (here 1234) could be any number: the person's own row
    loses it, other text keeps its numbers."""
    world.eli.ref = "1234"
    report = db.session.scalar(select(ContractorReport))
    report.comment = "1234 timer i alt."
    db.session.commit()
    retention.anonymise([world.eli.id], retention.ANONYMISE, "retention")
    db.session.commit()
    assert db.session.scalar(select(ContractorReport.comment)) == "1234 timer i alt."
    assert db.session.get(Participant, world.eli.id).ref.startswith("ANON-")
