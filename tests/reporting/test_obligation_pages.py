"""The pages around reporting obligations: who reports (the clause form), waiving a period,
the e-mail to the contractor when a report is returned, and the portal's order. The world
(conftest): project P (2026) with A and B (both main), K-P1 (A, quarterly), K-P2 (all,
monthly); project Q with B and K-Q1 (B, quarterly). Today is 15 May 2026."""
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from tests import factories
from tracker.models import AuditEvent, Clause, ClauseReporter, ReportObligation
from tracker.reporting.due import due_report_counts

TODAY = date(2026, 5, 15)


def _obligation(db, clause, contractor, start):
    return db.session.scalar(select(ReportObligation).where(
        ReportObligation.clause_id == clause.id, ReportObligation.contractor_id == contractor.id,
        ReportObligation.period_start == start))


def test_staff_waive_a_period_with_a_reason(db, client, login, world):
    login(world.users["staff"])
    db.session.commit()
    january = _obligation(db, world.shared, world.b, date(2026, 1, 1))
    # Outstanding on 15 May: K-P1 Q1 (A); K-P2 January–April for A and B (8); K-Q1 Q1 (B).
    assert due_report_counts(select(Clause), TODAY) == (10, 8)

    page = client.get("/reports/").get_data(as_text=True)
    assert f"/reports/obligations/{january.id}/waive" in page
    form = client.get(f"/reports/obligations/{january.id}/waive").get_data(as_text=True)
    assert "Bispehaven Entreprise ApS" in form and "januar 2026" in form

    refused = client.post(f"/reports/obligations/{january.id}/waive",
                          data={"reason": "  ", "version": "1"})
    assert refused.status_code == 200
    assert "Skriv, hvorfor perioden frafaldes" in refused.get_data(as_text=True)

    response = client.post(f"/reports/obligations/{january.id}/waive",
                           data={"reason": "B var ikke på pladsen i januar.", "version": "1"})
    assert response.status_code == 302
    db.session.refresh(january)
    assert (january.state, january.waived_reason) == ("waived", "B var ikke på pladsen i januar.")
    assert due_report_counts(select(Clause), TODAY) == (9, 7)
    audit = db.session.scalar(select(AuditEvent).where(
        AuditEvent.entity == "report_obligations", AuditEvent.entity_id == january.id))
    assert audit is not None and audit.action == "update"
    # Waived: not outstanding any more, so it cannot be waived again.
    again = client.post(f"/reports/obligations/{january.id}/waive",
                        data={"reason": "Igen", "version": "2"}, follow_redirects=True)
    assert "ikke længere udestående" in again.get_data(as_text=True)


def test_contractors_cannot_waive(db, client, login, world):
    db.session.commit()
    january = _obligation(db, world.shared, world.a, date(2026, 1, 1))
    login(world.users["contractor_a"])
    assert client.get(f"/reports/obligations/{january.id}/waive").status_code in (403, 404)
    response = client.post(f"/reports/obligations/{january.id}/waive",
                           data={"reason": "Ikke nødvendig", "version": "1"})
    assert response.status_code in (403, 404)
    db.session.refresh(january)
    assert january.state == "due"


def test_the_clause_form_chooses_who_reports_and_when_reporting_starts(db, client, login, world):
    login(world.users["staff"])
    db.session.commit()
    url = f"/clauses/{world.shared.id}/edit"
    page = client.get(url).get_data(as_text=True)
    # Both A and B are main contractors on P: both ticked by default.
    assert len(re.findall(r'name="reporters"[^>]*checked|checked[^>]*name="reporters"', page)) == 2

    data = {"ref": "K-P2", "kind": "any", "unit": "persons", "target": "5", "target_basis": "",
            "target_rate": "", "responsible_contractor_id": "", "start_date": "", "end_date": "",
            "frequency": "monthly", "reporters": [str(world.b.id)],
            "reporting_from": "2026-03-10", "text": "", "version": str(world.shared.version)}
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    db.session.refresh(world.shared)
    assert [r.contractor_id for r in world.shared.reporters] == [world.b.id]
    assert world.shared.reporting_from == date(2026, 3, 10)
    # K-P2 now: B only, March and April (2, March overdue since 30.04). With K-P1 Q1 (A)
    # and K-Q1 Q1 (B): 4 outstanding, 3 overdue; A owes K-P1 Q1 alone.
    assert due_report_counts(select(Clause), TODAY) == (4, 3)
    assert due_report_counts(select(Clause), TODAY, contractor_id=world.a.id) == (1, 1)

    # None ticked: the main contractors report (A and B), from 10 March: March and April
    # for both (4, March overdue for both), with K-P1 Q1 and K-Q1 Q1: 6 outstanding, 4 overdue.
    data.update(reporters=[], version=str(world.shared.version))
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(world.shared)
    assert world.shared.reporters == []
    assert due_report_counts(select(Clause), TODAY) == (6, 4)


def test_a_new_clause_owes_from_the_period_it_is_entered_in(db, client, login, world,
                                                          monkeypatch):
    login(world.users["staff"])
    db.session.commit()
    page = client.get(f"/agreements/{world.agreement_p.id}/clauses/new").get_data(as_text=True)
    assert f'value="{date.today().isoformat()}"' in page  # reporting starts today by default


def test_a_returned_report_is_mailed_to_the_contractors_users(db, client, login, world, smtp):
    other = factories.user("contractor", org=world.a, email="formand@aarhusbyg.dk")
    retired = factories.user("contractor", org=world.a, email="gammel@aarhusbyg.dk")
    retired.active = False
    report = factories.report(world.hours_a, world.a, hours=Decimal("120.5"),
                              site_hours=Decimal("2000"),
                              submitted_at=datetime(2026, 4, 3, 9, 0, tzinfo=UTC))
    db.session.commit()
    login(world.users["staff"])

    client.post(f"/reports/{report.id}/review",
                data={"decision": "return", "review_note": "Timesedler for marts mangler.",
                      "version": "1"})

    assert len(smtp.messages) == 1  # one e-mail to the firm's active users
    recipients, message = smtp.messages[0]
    assert sorted(recipients) == sorted([world.users["contractor_a"].email, other.email])
    assert message["Subject"] == f"Indberetning {report.ref} er sendt retur: ret den venligst"
    text = message.get_content()
    assert "Timesedler for marts mangler." in text
    assert "Klausul: K-P1" in text and "1. kvartal 2026" in text
    assert f"https://tracker.example.dk/reports/{report.id}/correct" in text
    # Approving sends nothing.
    second = factories.report(world.hours_a, world.a, period_start=date(2026, 4, 1),
                              period_end=date(2026, 6, 30))
    db.session.commit()
    client.post(f"/reports/{second.id}/review", data={"decision": "approve", "version": "1"})
    assert len(smtp.messages) == 1


def test_the_portal_lists_returned_first_then_overdue_then_due(db, client, login, world):
    # K-P2 (monthly): A's March report returned. Outstanding for A on 15 May: K-P1 Q1
    # (overdue), K-P2 January, February (overdue), March (returned, overdue since 30.04),
    # April (due until 30.05).
    factories.report(world.shared, world.a, period_start=date(2026, 3, 1),
                     period_end=date(2026, 3, 31), status="returned", review_note="Forkert måned.")
    db.session.commit()
    login(world.users["contractor_a"])

    body = client.get("/reports/").get_data(as_text=True)
    due = body[body.index('id="due"'):body.index('id="clauses"')]
    # K-P2 holds the returned report, so its group comes first; within it March (returned),
    # January, February (overdue), April (due); then K-P1.
    assert due.index("K-P2") < due.index("K-P1")
    order = [due.index(name) for name in ("marts 2026", "januar 2026", "februar 2026",
                                           "april 2026")]
    assert order == sorted(order)
    assert "Forkert måned." in due
    assert "1 indberetning er sendt retur" in body
    dashboard = client.get("/").get_data(as_text=True)
    assert re.search(r'<span class="figure">1</span> indberetninger sendt retur', dashboard)


def test_a_contractor_not_chosen_cannot_report_on_the_clause(db, client, login, world):
    world.shared.reporters.append(ClauseReporter(contractor=world.b))
    db.session.commit()
    login(world.users["contractor_a"])

    portal = client.get("/reports/").get_data(as_text=True)
    row = portal[portal.index('<th scope="row">K-P2'):]
    row = row[:row.index("</tr>")]
    assert "En anden entreprenør indberetter på denne klausul" in row
    assert f"/reports/clauses/{world.shared.id}/new" not in row
    response = client.get(f"/reports/clauses/{world.shared.id}/new", follow_redirects=True)

    assert "ikke valgt" in response.get_data(as_text=True)
    assert due_report_counts(select(Clause), TODAY, contractor_id=world.a.id) == (1, 1)
