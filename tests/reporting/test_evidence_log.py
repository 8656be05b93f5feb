"""An evidence download is logged naming the residents the evidence concerns: those with a
placement at the reporting contractor counting toward the report's clause inside the
report's period (DESIGN §4)."""
from datetime import date

from sqlalchemy import select

from tests import factories
from tests.reporting.conftest import PDF
from tests.reporting.test_portal import _form, _post
from tracker.models import AuditEvent, AuditEventParticipant, ContractorReport


def test_evidence_download_names_the_participants_the_report_counts(db, client, login, world):
    """B reports January 2026 on K-P2 (project P, any kind, any contractor of P)."""
    def placed(name, firm, project, start, end):
        person = factories.participant(name=name)
        factories.placement(person, firm, project=project, start_date=start, end_date=end,
                            outcome="unemployed")
        return person

    ada = placed("Ada", world.b, world.p, date(2026, 1, 10), date(2026, 2, 20))  # 22 days in January
    placed("Bo", world.a, world.p, date(2026, 1, 1), date(2026, 1, 31))    # A's hire, not B's
    placed("Cai", world.b, world.p, date(2026, 2, 1), date(2026, 3, 31))   # after January
    placed("Dea", world.b, world.q, date(2026, 1, 1), date(2026, 1, 31))   # another project
    placed("Eli", world.b, world.p, date(2025, 11, 1), date(2025, 12, 31))  # before January
    db.session.commit()
    login(world.users["contractor_b"])
    response = _post(client, f"/reports/clauses/{world.shared.id}/new",
                     _form(period="2026-01-01", persons="1"), [("timesedler.pdf", PDF)])
    assert response.status_code == 302
    report = db.session.scalar(select(ContractorReport))
    evidence = report.evidence[0]
    client.post("/logout")
    staff = world.users["staff"]
    login(staff)

    assert client.get(f"/reports/{report.id}/evidence/{evidence.id}").data == PDF
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "report_evidence", AuditEvent.action == "view")).all()
    assert (event.entity_id, event.purpose, event.user_id) == (evidence.id, "reporting", staff.id)
    named = db.session.scalars(select(AuditEventParticipant.participant_id)
                               .where(AuditEventParticipant.event_id == event.id)).all()
    assert named == [ada.id]
    # Ada's own history finds the download.
    page = client.get(f"/participants/{ada.id}").get_data(as_text=True)
    assert "<td>Set</td><td>Bilag til en indberetning</td><td>Afrapportering</td>" in page
