"""`flask import-workbook PATH [--dry-run]` and `flask export-workbook PATH`."""
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from tracker.audit import CLI_ACTOR
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.imports.export import record_export, write_workbook
from tracker.imports.reader import SourceError, open_path
from tracker.imports.report import as_text
from tracker.imports.service import concurrent_change_message, max_rows
from tracker.imports.service import import_workbook as run_import


@click.command("import-workbook")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True,
              help="Check every row and show what would change; write nothing.")
@with_appcontext
def import_workbook(path: Path, dry_run: bool) -> None:
    """Import a workbook: an XLSX or ODS file, a ZIP of CSV files, a CSV file or a folder of
    CSV files named after the sheets. Nothing is written unless every row is good."""
    try:
        with open_path(path, max_rows()) as workbook:
            report = run_import(db.session, workbook, (None, CLI_ACTOR), dry_run=dry_run)
            if report.written:
                db.session.commit()
            else:
                db.session.rollback()
    except SourceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(concurrent_change_message()) from None
    click.echo(as_text(report))
    if not report.ok:
        click.get_current_context().exit(1)


@click.command("export-workbook")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_workbook(path: Path) -> None:
    """Export the whole database as a workbook in the import format."""
    try:
        counts = write_workbook(str(path), db.session)
    except OSError as error:
        raise click.ClickException(_("Cannot write %(path)s: %(reason)s",
                                     path=str(path), reason=error.strerror)) from None
    record_export(db.session)
    db.session.commit()
    click.echo(_("Exported %(rows)s rows to %(path)s.", rows=sum(counts.values()),
                 path=str(path)))
    for name, n in counts.items():
        click.echo(f"  {name:<22}{n:>9}")
