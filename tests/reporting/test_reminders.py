"""`flask send-reminders` against a real SMTP server (aiosmtpd) started by the test."""
from datetime import date

from sqlalchemy import func, select

from tests import factories
from tests.reporting.conftest import free_port
from tracker.models import ClauseReporter, ProjectContractor, SentReminder


def _run(cli_app, *args):
    return cli_app.test_cli_runner().invoke(args=["send-reminders", *args])


def test_reminders_are_sent_once_per_period(db, cli_app, smtp, world):
    # C: a third contractor on Q with an e-mail; B has no e-mail address.
    c = factories.organisation("contractor", name="Christiansen VVS", email="post@cvvs.dk")
    world.q.contractors.append(ProjectContractor(contractor=c, role="sub"))
    world.b.email = None
    # A has reported Q1 of K-P1; K-P2 (monthly, A and B) January is approved for A.
    factories.report(world.hours_a, world.a, status="submitted")
    factories.report(world.shared, world.a, period_start=date(2026, 1, 1),
                     period_end=date(2026, 1, 31), status="approved")
    # A clause on Q of all contractors there (B and C), quarterly; staff chose C to report.
    open_to_all = factories.clause(factories.agreement(world.q), unit="persons", ref="K-Q2")
    open_to_all.reporters.append(ClauseReporter(contractor=c))
    db.session.commit()

    first = _run(cli_app, "--as-of", "2026-05-15")

    assert first.exit_code == 0, first.output
    # As of 15 May: A owes K-P2 February, March and April (3 periods; K-P1 Q1 is
    # submitted). B owes K-P2 January–April and K-Q1 Q1 but has no e-mail: skipped (not
    # K-Q2: C was chosen). C owes K-Q2 Q1. So 2 messages: A (3 periods) and C (1 period), 4 periods recorded.
    assert len(smtp.messages) == 2
    by_recipient = {rcpt[0]: message for rcpt, message in smtp.messages}
    assert set(by_recipient) == {"indberetning@aarhusbyg.dk", "post@cvvs.dk"}
    to_a = by_recipient["indberetning@aarhusbyg.dk"]
    assert to_a["From"] == "sekretariat@example.dk"
    assert to_a["Subject"] == "Påmindelse: 3 indberetninger mangler (2 over fristen)"
    text = to_a.get_content().replace("\r\n", "\n")
    assert "Kære Aarhus Byg A/S" in text
    assert "Byggesag: 2026-P Gellerup etape 1" in text
    assert "Klausul K-P2 (alle forløbstyper), februar 2026 (01.02.2026–28.02.2026)" in text
    # February ended 28.02: deadline 30.03, passed; April's deadline 30.05 not yet.
    assert "Frist: 30. marts 2026 – fristen er overskredet" in text
    assert "Frist: 30. maj 2026\n" in text
    assert "K-P1" not in text and "januar 2026" not in text
    assert "https://tracker.example.dk/reports/" in text
    to_c = by_recipient["post@cvvs.dk"]
    assert to_c["Subject"] == "Påmindelse: 1 indberetning mangler (1 over fristen)"
    assert "Skipped Bispehaven Entreprise ApS" in first.output and "no e-mail" in first.output
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 4

    second = _run(cli_app, "--as-of", "2026-05-16")

    assert second.exit_code == 0, second.output
    assert len(smtp.messages) == 2  # nothing new
    assert "No reminders to send" in second.output

    # A month later May has ended for the monthly clause: only that new period is sent.
    third = _run(cli_app, "--as-of", "2026-06-01")
    assert third.exit_code == 0, third.output
    assert len(smtp.messages) == 3
    rcpt, message = smtp.messages[-1]
    assert rcpt == ["indberetning@aarhusbyg.dk"]
    assert "maj 2026 (01.05.2026–31.05.2026)" in message.get_content()
    assert "april 2026" not in message.get_content()


def test_dry_run_prints_and_sends_nothing(db, cli_app, smtp, world):
    db.session.commit()

    result = _run(cli_app, "--dry-run", "--as-of", "2026-05-15")

    assert result.exit_code == 0, result.output
    assert "Would send to Aarhus Byg A/S <indberetning@aarhusbyg.dk>" in result.output
    assert "overdue  2026-P K-P1 2026-01-01..2026-03-31 deadline 2026-04-30" in result.output
    assert smtp.messages == []
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 0


def test_unreachable_smtp_server_fails_clearly(db, cli_app, world):
    db.session.commit()
    cli_app.config.update(TRACKER_SMTP_HOST="127.0.0.1", TRACKER_SMTP_PORT=free_port())

    result = _run(cli_app, "--as-of", "2026-05-15")

    assert result.exit_code == 1
    assert "Could not reach the SMTP server 127.0.0.1:" in result.output
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 0
