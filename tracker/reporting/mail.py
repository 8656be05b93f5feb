"""E-mail to contractors: reminders about due and overdue reports, and the notice that a
report was returned.

A reminder covers every due or overdue period of one contractor not reminded about
before; each (contractor, clause, period) is reminded about once, recorded as a
SentReminder when its message has gone. A returned report is announced once, to the
contractor's active users, when the secretariat returns it.
"""
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import select

from tracker.config import public_url
from tracker.extensions import db
from tracker.models import Clause, ContractorReport, Organisation, SentReminder, User
from tracker.reporting.due import DueReport, due_reports

log = logging.getLogger(__name__)

DEFAULT_SENDER = "indberetning@localhost"


@dataclass
class Reminder:
    """One e-mail to one contractor about its periods not reminded about before."""

    contractor: Organisation
    items: list[DueReport]

    @property
    def recipient(self) -> str | None:
        return (self.contractor.email or "").strip() or None


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused us; str() says which and why."""


def pending_reminders(today: date) -> list[Reminder]:
    """Per active contractor, its due and overdue periods without a reminder yet."""
    due = [d for d in due_reports(select(Clause), today) if d.contractor.is_active]
    if not due:
        return []
    sent = set(db.session.execute(
        select(SentReminder.contractor_id, SentReminder.clause_id, SentReminder.period_start)
        .where(SentReminder.clause_id.in_({d.clause.id for d in due}))).tuples())
    grouped: dict[int, Reminder] = {}
    for item in due:
        if (item.contractor.id, item.clause.id, item.period.start) in sent:
            continue
        grouped.setdefault(item.contractor.id, Reminder(item.contractor, [])).items.append(item)
    return sorted(grouped.values(), key=lambda r: r.contractor.name)


def _base_url() -> str:
    return public_url(current_app.config)


def compose(reminder: Reminder, today: date) -> EmailMessage:
    """The Danish e-mail for one reminder, with a link to the contractors' portal."""
    config = current_app.config
    base_url = _base_url()
    by_project: dict[str, list[DueReport]] = defaultdict(list)
    for item in reminder.items:
        by_project[f"{item.project.case_number} {item.project.name}"].append(item)
    overdue = sum(1 for item in reminder.items if item.status == "overdue")
    message = EmailMessage()
    message["Subject"] = _render("reporting/reminder_subject.txt",
                                 count=len(reminder.items), overdue=overdue).strip()
    message["From"] = config.get("TRACKER_MAIL_FROM") or DEFAULT_SENDER
    message["To"] = formataddr((reminder.contractor.name, reminder.recipient))
    message["Message-ID"] = make_msgid(domain="tracker")
    message.set_content(_render(
        "reporting/reminder.txt", contractor=reminder.contractor, by_project=by_project,
        overdue=overdue, today=today, portal_url=f"{base_url}/reports/"))
    return message


def _render(name: str, **context) -> str:
    """A text template rendered without the page context processors (no request here)."""
    return current_app.jinja_env.get_template(name).render(**context)


def connect() -> smtplib.SMTP:
    """An open SMTP connection from the TRACKER_SMTP_* settings; MailError when it fails."""
    config = current_app.config
    host = config.get("TRACKER_SMTP_HOST") or "localhost"
    port = int(config.get("TRACKER_SMTP_PORT") or 25)
    try:
        connection = smtplib.SMTP(host, port, timeout=30)
        if _flag(config.get("TRACKER_SMTP_STARTTLS")):
            connection.starttls()
        if config.get("TRACKER_SMTP_USER"):
            connection.login(config["TRACKER_SMTP_USER"], config.get("TRACKER_SMTP_PASSWORD") or "")
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Could not reach the SMTP server {host}:{port}: {error}") from error
    return connection


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def record_sent(reminder: Reminder) -> None:
    """Remember that the reminder's periods were reminded about (the caller commits)."""
    for item in reminder.items:
        db.session.add(SentReminder(contractor_id=reminder.contractor.id, clause_id=item.clause.id,
                                    period_start=item.period.start,
                                    recipient=reminder.recipient))


def returned_notice(report: ContractorReport) -> EmailMessage | None:
    """The Danish e-mail telling the contractor's active users that a report was returned,
    and why; None when the firm has no active user."""
    users = db.session.scalars(
        select(User).where(User.organisation_id == report.contractor_id, User.active.is_(True))
        .order_by(User.email)).all()
    if not users:
        return None
    message = EmailMessage()
    message["Subject"] = _render("reporting/returned_subject.txt", report=report).strip()
    message["From"] = current_app.config.get("TRACKER_MAIL_FROM") or DEFAULT_SENDER
    message["To"] = ", ".join(formataddr((u.name, u.email)) for u in users)
    message["Message-ID"] = make_msgid(domain="tracker")
    message.set_content(_render(
        "reporting/returned.txt", report=report, project=report.clause.agreement.project,
        correct_url=f"{_base_url()}/reports/{report.id}/correct"))
    return message


def send_returned_notice(report_id: int) -> None:
    """Send `returned_notice` for a report (a job: tracker.jobs). Nothing is sent when no
    mail server is configured (TRACKER_SMTP_HOST), as on a developer's machine."""
    report = db.session.get(ContractorReport, report_id)
    if report is None or report.status != "returned":
        return
    if not current_app.config.get("TRACKER_SMTP_HOST"):
        log.info("No TRACKER_SMTP_HOST: report %s returned without an e-mail", report.ref)
        return
    message = returned_notice(report)
    if message is None:
        return
    connection = connect()
    try:
        connection.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Could not send the notice of report {report.ref}: {error}") from error
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
