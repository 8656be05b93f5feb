"""The retention settings, applying retention, erasure on request and what /verify says of
a withdrawn document; the `flask retention` command. The world is the documents' one
(tests/documents/conftest.py)."""
import hashlib
from datetime import date

from sqlalchemy import func, select

from tests.documents.conftest import AS_OF
from tracker.documents import service
from tracker.documents.requests import DocumentRequest
from tracker.models import AuditEvent, Document, Participant, RetentionSetting
from tracker.retention import service as retention


def _anonymised(db) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Participant.pseudonym).where(
        Participant.anonymised_at.is_not(None))).all())


def _pathway(db, world, participant):
    document = service.issue(DocumentRequest("pathway", as_of=AS_OF, participant=participant),
                             None)
    db.session.commit()
    return document


def test_only_an_administrator_sets_the_retention_periods(db, client, login, world):
    login(world.users["staff"])
    assert client.get("/admin/retention").status_code == 404
    assert client.get(f"/participants/{world.dea.id}/erase").status_code == 404
    assert client.post(f"/participants/{world.dea.id}/erase",
                       data={"reason": "x", "confirm": "y"}).status_code == 404
    assert _anonymised(db) == []


def test_the_periods_are_saved_and_checked(db, client, login, world):
    login(world.users["admin"])
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "Deltagere, efter sidste aktivitet" in page
    data = {"participants": "36", "consent_documents": "36", "evidence_files": "12",
            "access_log": "24", "person_documents": "0"}
    refused = client.post("/admin/retention", data=data)
    assert refused.status_code == 200
    assert "Mellem 1 og 1200 måneder." in refused.get_data(as_text=True)
    assert db.session.get(RetentionSetting, "person_documents").months == 60
    data["person_documents"] = "120"
    assert client.post("/admin/retention", data=data).status_code == 302
    db.session.expire_all()
    assert retention.settings() == {"participants": 36, "consent_documents": 36,
                                    "evidence_files": 12, "access_log": 24,
                                    "person_documents": 120}


def test_who_is_due_counts_every_activity(db, world):
    """Kept 60 months. Ada, Cai and Fie have a running placement: never due. Dea and Eli
    were last active at intake, 1.1.2026. Bo's internship ended 28.3.2026 into a job: his
    3-month follow-up is registered (28.6.2026); the 12-month one is due 28.3.2027 and
    still counts as activity."""
    def due_on(day):
        found = {d.kind: d for d in retention.due(day)}["participants"]
        return sorted(words.split()[0] for _id, words in found.items)

    dea, eli, bo = world.dea.pseudonym, world.eli.pseudonym, world.bo.pseudonym
    assert due_on(date(2031, 1, 1)) == []  # cutoff 1.1.2026: not before it
    assert due_on(date(2031, 1, 2)) == sorted([dea, eli])
    assert due_on(date(2032, 3, 28)) == sorted([dea, eli])
    assert due_on(date(2032, 3, 29)) == sorted([dea, eli, bo])


def test_applying_retention_from_the_page(db, client, login, world):
    login(world.users["admin"])
    # Five years after 2026 have not passed: nothing to do, and no button to do it.
    idle = client.get("/admin/retention/apply").get_data(as_text=True)
    assert "Der er intet at anonymisere eller slette i dag." in idle
    assert "Anonymisér og slet" not in idle
    setting = db.session.get(RetentionSetting, "participants")
    setting.months = 1  # a month after 1.1.2026 has long passed
    db.session.commit()
    page = client.get("/admin/retention/apply").get_data(as_text=True)
    assert world.dea.pseudonym in page and world.eli.pseudonym in page
    assert world.dea.name not in page
    refused = client.post("/admin/retention/apply", data={})
    assert refused.status_code == 200 and "Sæt kryds for at bekræfte." in \
        refused.get_data(as_text=True)
    assert _anonymised(db) == []
    assert client.post("/admin/retention/apply", data={"confirm": "y"}).status_code == 302
    # Bo's pending 12-month follow-up (28.3.2027) lies ahead of today's cutoff as well.
    assert _anonymised(db) == sorted([world.dea.pseudonym, world.eli.pseudonym])


def test_erasure_says_what_goes_then_does_it(db, client, login, world):
    document = _pathway(db, world, world.bo)
    login(world.users["admin"])
    page = client.get(f"/participants/{world.bo.id}/erase").get_data(as_text=True)
    assert "Bo Prøvesen" in page and document.number in page
    # Looking changed nothing.
    assert _anonymised(db) == []
    assert db.session.get(Document, document.id).withdrawn_at is None
    refused = client.post(f"/participants/{world.bo.id}/erase", data={"confirm": "y"})
    assert "Skriv, hvorfor deltageren slettes." in refused.get_data(as_text=True)
    assert _anonymised(db) == []
    done = client.post(f"/participants/{world.bo.id}/erase",
                       data={"reason": "Borgerens anmodning 1.12.2026", "confirm": "y"})
    assert done.status_code == 302
    assert _anonymised(db) == [world.bo.pseudonym]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert (event.user_id, event.changes) == (world.users["admin"].id,
                                              {"reason": "Borgerens anmodning 1.12.2026"})
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Bo Prøvesen" not in shown and "Anonymiseret" in shown
    assert "og 1 dokument er trukket tilbage. Tallene er uændrede." in shown
    assert "Slettet efter anmodning" in shown and "Begrundelse: Borgerens anmodning" in shown
    assert client.get(f"/documents/{document.id}/pdf").status_code == 410
    assert client.get(f"/participants/{world.bo.id}/edit").status_code == 302


def test_verify_says_a_withdrawn_document_was_issued_and_withdrawn(db, client, world):
    document = _pathway(db, world, world.dea)
    content = document.content
    retention.anonymise([world.dea.id], retention.ERASE, "anmodning")
    db.session.commit()
    by_number = client.post("/verify", data={"number": document.number,
                                             "sha256": hashlib.sha256(content).hexdigest()})
    today = date.today().strftime("%d.%m.%Y")
    assert f"Udstedt, senere trukket tilbage den {today} af hensyn til databeskyttelse." in \
        by_number.get_data(as_text=True)


def test_the_command_lists_then_applies(db, runner, world):
    listed = runner.invoke(args=["retention", "--as-of", "2031-06-01"])
    assert listed.exit_code == 0, listed.output
    assert "2 participants to anonymise (last activity) before 2026-06-01" in listed.output
    assert f"{world.dea.pseudonym} (01.01.2026)" in listed.output
    assert "Nothing changed" in listed.output
    assert _anonymised(db) == []
    applied = runner.invoke(args=["retention", "--as-of", "2031-06-01", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert _anonymised(db) == sorted([world.dea.pseudonym, world.eli.pseudonym])
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "anonymise")) == 2


def test_many_are_anonymised_in_groups(db, runner, world, monkeypatch):
    monkeypatch.setattr(retention, "GROUP", 1)  # Dea and Eli, one group each
    applied = runner.invoke(args=["retention", "--as-of", "2031-06-01", "--apply"])
    assert "Done: 2 participants" in applied.output, applied.output
    assert _anonymised(db) == sorted([world.dea.pseudonym, world.eli.pseudonym])
