"""`flask --app tracker document KIND … -o FILE.pdf`: issue a document from the command line.

The command line issues as the system (issued_by empty, "Udstedt af systemet"); the
document is archived exactly as one issued from the web pages.
"""
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select

from tracker.documents.requests import KINDS, DocumentRequest
from tracker.documents.service import failure_message, file_name, issue
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import Organisation, Participant, Project

# The options each kind takes (DESIGN §6); any other option given is an error.
OPTIONS = {
    "clause-status": {"project"},
    "compliance": {"contractor", "project"},
    "municipality": {"municipality", "date_from", "date_to"},
    "pathway": {"participant"},
    "annual": {"year"},
    "training": {"project", "year"},
}
OPTION_NAMES = {"project": "--project", "contractor": "--contractor",
                "municipality": "--municipality", "date_from": "--from", "date_to": "--to",
                "participant": "--participant", "year": "--year"}


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.UsageError(_("%(option)s must be a date written YYYY-MM-DD, not '%(value)s'.",
                                 option=option, value=value)) from None


def _organisation(cvr: str, kind: str, option: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.cvr == cvr.strip()))
    if organisation is None:
        raise click.ClickException(_("No organisation has CVR %(cvr)s (%(option)s).",
                                     cvr=cvr, option=option))
    if organisation.kind != kind:
        raise click.ClickException(_("%(name)s (CVR %(cvr)s) is not a %(kind)s.",
                                     name=organisation.name, cvr=cvr,
                                     kind=_("contractor") if kind == "contractor"
                                     else _("municipality")))
    return organisation


@click.command("document")
@click.argument("kind", type=click.Choice(KINDS), metavar="KIND")
@click.option("--project", "case_number", metavar="CASE", help="Case number of the building project.")
@click.option("--contractor", "contractor_cvr", metavar="CVR", help="CVR of the contractor (compliance).")
@click.option("--municipality", "municipality_cvr", metavar="CVR",
              help="CVR of the municipality (municipality report).")
@click.option("--from", "date_from", metavar="DATE", help="First day of the period, YYYY-MM-DD.")
@click.option("--to", "date_to", metavar="DATE", help="Last day of the period, YYYY-MM-DD.")
@click.option("--participant", "participant_ref", metavar="REF",
              help="Reference of the participant (pathway), e.g. D-0042.")
@click.option("--year", type=int, metavar="YYYY", help="The year (annual and training reports).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Count as of this date, YYYY-MM-DD (default: today, or the end of the "
                   "year or period when that is over).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF (FILE.pdf). An XLSX attachment, when the document "
                   "has one, is written beside it.")
def document(kind, case_number, contractor_cvr, municipality_cvr, date_from, date_to,
             participant_ref, year, as_of, output):
    """Issue and archive a document of KIND (clause-status, compliance, municipality,
    pathway, annual, training) and write it to FILE.pdf."""
    given = {"project": case_number, "contractor": contractor_cvr,
             "municipality": municipality_cvr, "date_from": date_from, "date_to": date_to,
             "participant": participant_ref, "year": year}
    wanted = OPTIONS[kind]
    extra = [OPTION_NAMES[name] for name, value in given.items()
             if value is not None and name not in wanted]
    missing = [OPTION_NAMES[name] for name in OPTION_NAMES
               if name in wanted and given[name] is None]
    if extra:
        raise click.UsageError(_("%(kind)s does not take %(options)s.", kind=kind,
                                 options=", ".join(extra)))
    if missing:
        raise click.UsageError(_("%(kind)s needs %(options)s.", kind=kind,
                                 options=", ".join(missing)))
    req = DocumentRequest(kind=kind, as_of=_date(as_of, "--as-of"),
                          date_from=_date(date_from, "--from"), date_to=_date(date_to, "--to"),
                          year=year)
    if case_number is not None:
        req.project = db.session.scalar(
            select(Project).where(Project.case_number == case_number.strip()))
        if req.project is None:
            raise click.ClickException(_("No building project has case number %(case)s.",
                                         case=case_number))
    if contractor_cvr is not None:
        req.contractor = _organisation(contractor_cvr, "contractor", "--contractor")
    if municipality_cvr is not None:
        req.municipality = _organisation(municipality_cvr, "municipality", "--municipality")
    if participant_ref is not None:
        req.participant = db.session.scalar(
            select(Participant).where(Participant.ref == participant_ref.strip()))
        if req.participant is None:
            raise click.ClickException(_("No participant has reference %(ref)s.",
                                         ref=participant_ref))
    try:
        issued = issue(req, None)
    except Exception as error:  # noqa: BLE001 - refused, or the renderer failed: said in words
        db.session.rollback()
        raise click.ClickException(failure_message(error)) from None
    target = Path(output)
    try:
        target.write_bytes(issued.content)
        if issued.attachment:
            target.with_suffix(".xlsx").write_bytes(issued.attachment)
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(_("Could not write %(path)s: %(error)s",
                                     path=output, error=error.strerror)) from None
    db.session.commit()
    click.echo(_("Issued %(number)s (%(name)s), SHA-256 %(sha)s, written to %(path)s.",
                 number=issued.number, name=file_name(issued), sha=issued.sha256, path=output))
    if issued.attachment:
        click.echo(_("Attachment written to %(path)s.", path=target.with_suffix(".xlsx")))
