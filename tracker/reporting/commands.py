"""`flask send-reminders`: e-mail contractors about due and overdue reports, once per period."""
import smtplib
from datetime import date

import click
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.reporting import mail


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Work out due reports as of this date (YYYY-MM-DD) instead of today.")
@with_appcontext
def send_reminders(dry_run: bool, as_of) -> None:
    """E-mail each contractor its due and overdue reports (each period only once).

    SMTP settings: TRACKER_SMTP_HOST, TRACKER_SMTP_PORT, TRACKER_SMTP_USER,
    TRACKER_SMTP_PASSWORD, TRACKER_SMTP_STARTTLS, TRACKER_MAIL_FROM; the link in the
    e-mail starts with TRACKER_PUBLIC_URL.
    """
    today = as_of.date() if as_of else date.today()
    reminders = mail.pending_reminders(today)
    sendable = [r for r in reminders if r.recipient]
    skipped = [r for r in reminders if not r.recipient]
    for reminder in skipped:
        click.echo(f"Skipped {reminder.contractor.name} (CVR {reminder.contractor.cvr}): "
                   f"no e-mail address; {len(reminder.items)} due report(s) not reminded about.")
    if not sendable:
        click.echo(f"No reminders to send as of {today.isoformat()}.")
        return
    if dry_run:
        for reminder in sendable:
            message = mail.compose(reminder, today)
            click.echo(f"Would send to {message['To']}: {message['Subject']}")
            for item in reminder.items:
                click.echo(f"  {item.status:<8} {item.project.case_number} {item.clause.ref} "
                           f"{item.period.start.isoformat()}..{item.period.end.isoformat()} "
                           f"deadline {item.period.deadline.isoformat()}")
        click.echo(f"Dry run: {len(sendable)} message(s) not sent.")
        return
    try:
        connection = mail.connect()
    except mail.MailError as error:
        raise click.ClickException(str(error)) from error
    sent = failed = 0
    try:
        for reminder in sendable:
            message = mail.compose(reminder, today)
            try:
                connection.send_message(message)
            except (OSError, smtplib.SMTPException) as error:
                failed += 1
                click.echo(f"Failed to send to {reminder.recipient}: {error}", err=True)
                continue
            # Recorded per message, so a failure later never leads to a second e-mail.
            mail.record_sent(reminder)
            db.session.commit()
            sent += 1
            click.echo(f"Sent to {message['To']}: {len(reminder.items)} report(s).")
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    click.echo(f"{sent} reminder(s) sent, {failed} failed, {len(skipped)} skipped.")
    if failed:
        raise click.ClickException(f"{failed} reminder(s) could not be sent; run again to retry.")
