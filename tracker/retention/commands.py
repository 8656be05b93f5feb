"""`flask retention [--apply]`: what the retention periods say must go now, and doing it."""
from datetime import date

import click
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.retention import service

WORDS = {
    "participants": "participants to anonymise (last activity)",
    "consent_documents": "consent documents to remove (participant's last activity)",
    "evidence_files": "evidence files to remove (end of the report's period)",
    "access_log": "access log entries to delete (when the data was looked at)",
    "person_documents": "pathway documents to withdraw (issued)",
}


@click.command("retention")
@click.option("--apply", "apply_", is_flag=True,
              help="Anonymise and remove what is listed (without it nothing changes).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Work out what is due as of this date (YYYY-MM-DD) instead of today.")
@click.option("--all", "show_all", is_flag=True, help="List every record, not the first 20.")
@with_appcontext
def retention(apply_: bool, as_of, show_all: bool) -> None:
    """List what the retention periods (set by an administrator on the retention page)
    say must go; with --apply, anonymise participants and remove files, pathway documents
    and access log entries. Figures are not changed by anonymisation."""
    today = as_of.date() if as_of else date.today()
    found = service.due(today)
    for item in found:
        click.echo(f"{len(item.items)} {WORDS[item.kind]} before {item.before.isoformat()} "
                   f"(kept {item.months} months)")
        shown = item.items if show_all else item.items[:20]
        for _id, words in shown:
            click.echo(f"  {words}")
        if len(shown) < len(item.items):
            click.echo(f"  ... and {len(item.items) - len(shown)} more (--all lists them)")
    if not apply_:
        click.echo("Nothing changed; run with --apply to do it.")
        return
    done = service.apply(found)
    db.session.commit()
    click.echo("Done: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in done.items()))
