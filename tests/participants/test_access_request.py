"""The resident's access request (issue #20, point 3): everything the system holds on one
participant, as JSON and as a PDF for them, made from one structure; for the secretariat
only; logged with the purpose 'data_request'; nothing archived.

Amina Hassan (D-0001) is made by hand: an internship that led on to a wage-subsidy job that
ended in an ordinary job, a follow-up 3 months after it, one progress assessment, a pathway
document and a clause status report naming her, and five rows of the access log written
with fixed times. What the JSON must hold is written out below in full."""
import hashlib
import io
import json
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select

from tests import factories
from tests.participants.conftest import assessment, follow_up
from tracker.models import (
    AuditEvent,
    AuditEventParticipant,
    Document,
    DocumentParticipant,
    StoredFile,
)

TODAY = date.today()


def _document(number, kind, scope, issued_at, participant=None, project=None):
    content = f"%PDF {number}".encode()
    document = Document(number=number, kind=kind, scope=scope, as_of=issued_at.date(),
                        participant_id=participant.id if participant else None,
                        project_id=project.id if project else None, parameters={},
                        issued_at=issued_at, sha256=hashlib.sha256(content).hexdigest(),
                        size=len(content), content=content)
    from tracker.extensions import db

    db.session.add(document)
    db.session.flush()
    return document


@pytest.fixture()
def held(db, world):
    """Amina and what is held on her; the setup itself is not audited, so the access log
    holds exactly the five rows written here."""
    db.session.info["audit_disabled"] = True
    factories.organisation("secretariat", name="Testsekretariatet")
    mette = factories.user("staff", name="Mette Sørensen", email="mette@sekretariat.dk")
    jobcenter = factories.user("municipality", org=world.aarhus, name="Jens Jobcenter",
                               email="jens@aarhus.dk")
    firm = factories.user("contractor", org=world.kaerhoej, name="Kim Kærhøj",
                          email="kim@kaerhoej.dk")
    consent = StoredFile(filename="samtykke.pdf", content_type="application/pdf", size=4,
                         sha256="0" * 64, content=b"%PDF")
    amina = factories.participant(
        world.aarhus, ref="D-0001", name="Amina Hassan", email="amina@example.dk",
        phone="20 30 40 50", birth_year=1990, gender="f", housing_area=world.gellerup,
        benefit_group=world.dagpenge, readiness="job_ready", months_unemployed=14,
        education_level="vocational", intake_date=date(2026, 1, 5),
        consent_date=date(2026, 1, 10), consent_scope="Forløb og opfølgning",
        consent_file=consent)
    other = factories.participant(world.aarhus, ref="D-0002", name="Jonas Kristensen")
    wage = factories.placement(amina, world.kaerhoej, "wage_subsidy", world.project,
                               ref="F-0002", trade="murer", start_date=date(2026, 3, 2),
                               planned_end=date(2026, 8, 30), end_date=date(2026, 5, 31),
                               outcome="ordinary_job", hours_per_week="37.5")
    factories.placement(amina, world.kaerhoej, "internship", world.project, ref="F-0001",
                        start_date=date(2026, 2, 2), end_date=date(2026, 3, 1),
                        outcome="next_placement", next_placement=wage, hours_per_week=30)
    factories.placement(other, world.fjordbyg, "internship", ref="F-0003",
                        start_date=date(2026, 2, 2))
    follow_up(db, wage, months=3, status="employed", on=date(2026, 8, 31),
              note="Fastansat hos Kærhøj.")
    assessment(db, amina, date(2026, 2, 15), note="Godt fremmøde.", work_readiness=4,
               danish_language=6)
    pathway = _document("D-2026-000007", "pathway", "Deltager D-0001",
                        datetime(2026, 4, 1, 8, 0, tzinfo=UTC), participant=amina)
    status = _document("D-2026-000008", "clause-status", "Byggesag BB-2207",
                       datetime(2026, 4, 2, 9, 30, tzinfo=UTC), project=world.project)
    _document("D-2026-000009", "clause-status", "Byggesag BB-2207",
              datetime(2026, 4, 3, 9, 30, tzinfo=UTC), project=world.project)  # not her
    db.session.add_all([DocumentParticipant(participant_id=amina.id, document_id=pathway.id),
                        DocumentParticipant(participant_id=amina.id, document_id=status.id),
                        DocumentParticipant(participant_id=other.id, document_id=status.id)])

    def event(at, user, action, entity, purpose=None, changes=None, about=amina):
        return db.session.execute(insert(AuditEvent).returning(AuditEvent.id), {
            "occurred_at": at, "user_id": user.id if user else None,
            "actor": user.email if user else "cli", "action": action, "entity": entity,
            "entity_id": None, "participant_id": about.id if about else None,
            "changes": changes, "purpose": purpose}).scalar_one()

    event(datetime(2026, 3, 1, 9, 15), mette, "view", "participants", "casework")
    event(datetime(2026, 3, 2, 10, 0), jobcenter, "view", "participants", "follow_up")
    listed = event(datetime(2026, 3, 3, 11, 0), firm, "view", "participant_list", "casework",
                   about=None)
    db.session.execute(insert(AuditEventParticipant),
                       [{"event_id": listed, "participant_id": amina.id}])
    event(datetime(2026, 3, 4, 12, 30), mette, "update", "participants",
          changes={"phone": ["20 30 40 00", "20 30 40 50"]})
    event(datetime(2026, 3, 5, 7, 45), None, "create", "placements",
          changes={"id": 1, "kind": "internship", "trade": None})
    event(datetime(2026, 3, 6, 8, 0), mette, "view", "participants", "casework", about=other)
    db.session.info.pop("audit_disabled")
    db.session.commit()
    return SimpleNamespace(amina=amina, other=other, mette=mette, world=world)


def expected(held, staff) -> dict:
    """Everything held on Amina, written out by hand."""
    return {
        "made_on": TODAY.isoformat(),
        "made_by": staff.name,
        "secretariat": "Testsekretariatet",
        "participant": {
            "ref": "D-0001", "pseudonym": held.amina.pseudonym, "name": "Amina Hassan",
            "email": "amina@example.dk", "phone": "20 30 40 50", "birth_year": 1990,
            "gender": {"code": "f", "text": "Kvinde"}, "housing_area": "Gellerup",
            "municipality": "Aarhus Kommune",
            "benefit_at_intake": {"code": "dagpenge", "text": "Dagpenge"},
            "readiness": {"code": "job_ready", "text": "Jobparat"},
            "months_unemployed_at_intake": 14,
            "education_level": {"code": "vocational", "text": "Erhvervsuddannelse"},
            "intake_date": "2026-01-05",
        },
        "consent": {"date": "2026-01-10", "scope": "Forløb og opfølgning",
                    "document_on_file": True, "withdrawn_on": None, "withdrawal_note": None},
        "placements": [
            {"ref": "F-0001", "kind": {"code": "internship", "text": "Virksomhedspraktik"},
             "employer": "Kærhøj Byg A/S",
             "building_project": {"case_number": "BB-2207", "name": "Gellerup etape 2"},
             "trade": None, "start": "2026-02-02", "planned_end": None, "end": "2026-03-01",
             "hours_per_week": 30, "outcome": {"code": "next_placement", "text": "Nyt forløb"},
             "led_to": "F-0002"},
            {"ref": "F-0002", "kind": {"code": "wage_subsidy", "text": "Løntilskud"},
             "employer": "Kærhøj Byg A/S",
             "building_project": {"case_number": "BB-2207", "name": "Gellerup etape 2"},
             "trade": "murer", "start": "2026-03-02", "planned_end": "2026-08-30",
             "end": "2026-05-31", "hours_per_week": 37.5,
             "outcome": {"code": "ordinary_job", "text": "Ordinært job"}, "led_to": None},
        ],
        "follow_ups": [
            {"placement": "F-0002", "months": 3,
             "status": {"code": "employed", "text": "I job"}, "date": "2026-08-31",
             "note": "Fastansat hos Kærhøj."},
        ],
        "progress_assessments": [
            {"date": "2026-02-15", "scores": [
                {"dimension": {"code": "work_readiness", "text": "Arbejdsparathed"}, "score": 4},
                {"dimension": {"code": "danish_language", "text": "Danskkundskaber"},
                 "score": 6}],
             "note": "Godt fremmøde."},
        ],
        "documents": [
            {"number": "D-2026-000007", "kind": {"code": "pathway", "text": "Forløbsbeskrivelse"},
             "as_of": "2026-04-01", "issued_at": "2026-04-01T08:00:00Z"},
            {"number": "D-2026-000008",
             "kind": {"code": "clause-status", "text": "Klausulstatus"},
             "as_of": "2026-04-02", "issued_at": "2026-04-02T09:30:00Z"},
        ],
        "access_log": [
            {"at": "2026-03-01T09:15:00Z", "who": "Mette Sørensen",
             "action": {"code": "view", "text": "Set"},
             "what": {"code": "participants", "text": "Deltager"}, "fields": [],
             "purpose": {"code": "casework", "text": "Sagsbehandling"}},
            {"at": "2026-03-02T10:00:00Z", "who": "Aarhus Kommune (Kommune)",
             "action": {"code": "view", "text": "Set"},
             "what": {"code": "participants", "text": "Deltager"}, "fields": [],
             "purpose": {"code": "follow_up", "text": "Opfølgning"}},
            {"at": "2026-03-03T11:00:00Z", "who": "Kærhøj Byg A/S (Entreprenør)",
             "action": {"code": "view", "text": "Set"},
             "what": {"code": "participant_list", "text": "Deltagerlisten"}, "fields": [],
             "purpose": {"code": "casework", "text": "Sagsbehandling"}},
            {"at": "2026-03-04T12:30:00Z", "who": "Mette Sørensen",
             "action": {"code": "update", "text": "Ændret"},
             "what": {"code": "participants", "text": "Deltager"}, "fields": ["Telefon"],
             "purpose": None},
            {"at": "2026-03-05T07:45:00Z", "who": "Systemet",
             "action": {"code": "create", "text": "Oprettet"},
             "what": {"code": "placements", "text": "Forløb"}, "fields": [],
             "purpose": None},
        ],
    }


def test_json_holds_everything_on_the_participant(db, client, staff, held):
    response = client.get(f"/participants/{held.amina.id}/access-request.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="indsigt-D-0001-{TODAY.isoformat()}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    assert json.loads(response.get_data(as_text=True)) == expected(held, staff)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def test_pdf_for_the_resident_holds_the_same(db, client, staff, held):
    response = client.get(f"/participants/{held.amina.id}/access-request.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="indsigt-D-0001-{TODAY.isoformat()}.pdf"'
    text = pdf_text(response.data)
    for words in (
            "Dine oplysninger hos Testsekretariatet", "Til Amina Hassan",
            # The record and the consent.
            "amina@example.dk", "20 30 40 50", "Gellerup", "Aarhus Kommune", "Dagpenge",
            "Du gav dit samtykke den 10. januar 2026.", "Forløb og opfølgning",
            # The placements, the follow-up and the assessment.
            "F-0001 Virksomheds", "F-0002 Løntilskud", "02.03.2026", "31.05.2026",
            "37,5", "Ordinært job", "førte til F-0002", "Fastansat hos Kærhøj.",
            "Arbejdsparathed: 4", "Danskkundskaber: 6", "Godt fremmøde.",
            # The documents naming her, never the one that does not.
            "D-2026-000007 Forløbsbeskrivelse", "D-2026-000008 Klausulstatus",
            # The access log: who (by name, or organisation and role), when, what, why.
            "01.03.2026 10:15 Mette Sørensen Set: Deltager Sagsbehandling",
            "02.03.2026 11:00 Aarhus Kommune (Kommune) Set: Deltager Opfølgning",
            "Kærhøj Byg A/S (Entreprenør) Set: Deltagerlisten",
            "Ændret: Deltager Telefon", "Systemet Oprettet: Forløb"):
        assert words in text, words
    assert "D-2026-000009" not in text
    assert "Jonas Kristensen" not in text
    # E-mail addresses of the users who looked never reach the resident.
    for email in ("mette@sekretariat.dk", "jens@aarhus.dk", "kim@kaerhoej.dk"):
        assert email not in text


def test_the_pdf_is_not_archived(db, client, staff, held):
    before = db.session.scalar(select(func.count(Document.id)))
    client.get(f"/participants/{held.amina.id}/access-request.pdf")
    assert db.session.scalar(select(func.count(Document.id))) == before == 3


@pytest.mark.parametrize("suffix", ["json", "pdf"])
def test_each_export_is_logged_as_a_data_request(db, client, staff, held, suffix):
    client.get(f"/participants/{held.amina.id}/access-request.{suffix}")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == staff.id,
                                                        AuditEvent.action == "export")).one()
    assert (event.action, event.entity, event.entity_id, event.participant_id, event.purpose) \
        == ("export", "participants", held.amina.id, held.amina.id, "data_request")
    # The next export shows the first one in the access log.
    again = json.loads(client.get(
        f"/participants/{held.amina.id}/access-request.json").get_data(as_text=True))
    assert again["access_log"][-1]["action"] == {"code": "export", "text": "Eksporteret"}
    assert again["access_log"][-1]["purpose"] == {"code": "data_request",
                                                  "text": "Anmodning fra borgeren"}
    assert again["access_log"][-1]["who"] == staff.name


def test_a_withdrawal_shows_in_both(db, client, staff, held):
    held.amina.consent_withdrawn_on = date(2026, 6, 1)
    held.amina.consent_withdrawal_note = "Skrev en e-mail."
    db.session.commit()
    data = json.loads(client.get(
        f"/participants/{held.amina.id}/access-request.json").get_data(as_text=True))
    assert data["consent"] == {"date": "2026-01-10", "scope": "Forløb og opfølgning",
                               "document_on_file": True, "withdrawn_on": "2026-06-01",
                               "withdrawal_note": "Skrev en e-mail."}
    text = pdf_text(client.get(f"/participants/{held.amina.id}/access-request.pdf").data)
    assert "Du trak dit samtykke tilbage den 1. juni 2026." in text
    assert "Skrev en e-mail." in text


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_other_roles_get_404(db, client, login, held, role):
    world = held.world
    org = {"contractor": world.kaerhoej, "builder": world.builder,
           "municipality": world.aarhus}[role]
    user = factories.user(role, org=org)  # Amina is placed with Kærhøj and lives in Aarhus
    db.session.commit()
    login(user)
    for suffix in ("json", "pdf"):
        assert client.get(
            f"/participants/{held.amina.id}/access-request.{suffix}").status_code == 404
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "export")) == 0


def test_the_participant_page_offers_both(db, client, staff, held):
    page = client.get(f"/participants/{held.amina.id}").get_data(as_text=True)
    assert f"/participants/{held.amina.id}/access-request.pdf" in page
    assert f"/participants/{held.amina.id}/access-request.json" in page


def test_issuing_a_document_records_the_persons_it_names(db, runner, held, tmp_path):
    """The clause status report of BB-2207 lists Amina's two placements in its spreadsheet;
    Jonas's placement is on no project, so the report does not name him."""
    result = runner.invoke(args=["document", "clause-status", "--project", "BB-2207",
                                 "--as-of", "2026-06-30", "-o", str(tmp_path / "k.pdf")])
    assert result.exit_code == 0, result.output
    issued = db.session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    named = db.session.scalars(select(DocumentParticipant.participant_id)
                               .where(DocumentParticipant.document_id == issued.id)).all()
    assert named == [held.amina.id]
    result = runner.invoke(args=["document", "pathway", "--participant", "D-0001",
                                 "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code == 0, result.output
    pathway = db.session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert db.session.scalars(select(DocumentParticipant.participant_id)
                              .where(DocumentParticipant.document_id == pathway.id)).all() \
        == [held.amina.id]
