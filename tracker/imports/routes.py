"""Workbook import (staff) and export (admin) pages.

Upload → dry run with a preview of what will change → confirm → import. The check and the
import run on the job queue (in the request when none is configured); the job page shows
their progress from the job's row in the database, so any machine can answer, refreshing
itself every two seconds (no JavaScript).
"""
import csv
import io
import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename
from wtforms import HiddenField

from tracker.auth import admin_required, secretariat_required
from tracker.extensions import db
from tracker.formatting import number
from tracker.forms import Form
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.imports import jobs
from tracker.imports.export import XLSX_TYPE, export_filename, record_export, write_workbook
from tracker.imports.reader import SourceError, open_bytes
from tracker.imports.report import Report, more_text, where
from tracker.imports.service import max_rows
from tracker.imports.sheets import SHEETS
from tracker.models import ImportJob, StoredFile
from tracker.validation import contains_cpr

bp = Blueprint("imports", __name__)

MB = 1024 * 1024
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "ods": "application/vnd.oasis.opendocument.spreadsheet",
                 "zip": "application/zip", "csv": "text/csv"}


class UploadForm(Form):
    workbook = FileField(_l("Workbook or CSV files"),
                         validators=[FileRequired(_l("Choose the file to check."))])


class ConfirmForm(Form):
    sha256 = HiddenField()


def _max_bytes() -> int:
    return int(current_app.config.get("TRACKER_IMPORT_MAX_MB", 40)) * MB


def size_text(size: int) -> str:
    """1,2 MB or 340 kB, for the page."""
    return f"{number(size / MB, 1)} MB" if size >= MB / 10 else f"{number(size / 1024)} kB"


def state_label(job: ImportJob) -> str:
    """Where an upload stands, in words."""
    if job.state == "failed":
        return _("Stopped")
    if job.state == "checking":
        return _("Being checked")
    if job.state == "importing":
        return _("Being imported")
    if job.state == "imported":
        return _("Imported")
    return _("Has problems") if job.problem_count else _("Checked, not imported")


def _job_or_404(job_id: int) -> ImportJob:
    job = jobs.read(job_id, current_user)
    if job is None:
        abort(404)
    return job


@bp.route("/import/", methods=["GET", "POST"])
@secretariat_required
def index():
    """Upload a workbook to check it (nothing is written yet); secretariat only."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.workbook.data
        content = upload.stream.read(_max_bytes() + 1)
        filename = secure_filename(upload.filename or "") or "arbejdsbog.xlsx"
        if contains_cpr(filename):  # the workbook is read, its name is not kept
            filename = "arbejdsbog" + Path(filename).suffix
        error = None
        if len(content) > _max_bytes():
            error = _("The file is larger than %(n)s MB. Split the workbook into several files, "
                      "or ask an administrator to import it with the command "
                      "flask import-workbook.", n=_max_bytes() // MB)
        else:
            try:
                with open_bytes(content, filename, max_rows()) as workbook:
                    kind = workbook.kind
            except SourceError as refused:
                error = str(refused)
        if error:
            form.workbook.errors = [error]
        else:
            jobs.clean_up()
            job_id = jobs.create(content, filename, CONTENT_TYPES[kind], current_user,
                                 str(get_locale() or "da")).id
            db.session.commit()
            jobs.start(job_id, "check")
            return redirect(url_for("imports.job", job_id=job_id))
    return render_template("imports/index.html", form=form, sheets=SHEETS,
                           recent=jobs.recent(current_user), max_mb=_max_bytes() // MB,
                           state_label=state_label)


@bp.route("/import/jobs/<int:job_id>")
@secretariat_required
def job(job_id: int):
    """An upload's check, preview, progress or result, from whichever process runs it;
    secretariat only."""
    job = jobs.settle(_job_or_404(job_id))
    running = job.state in jobs.RUNNING
    preview = Report.from_dict(job.preview) if job.preview else None
    result = Report.from_dict(job.result) if job.result else None
    response = make_response(render_template(
        "imports/job.html", job=job, running=running, preview=preview,
        result=result, form=ConfirmForm(sha256=job.sha256), where=where,
        size_text=size_text))
    if running:
        response.headers["Refresh"] = "2"  # the page polls while the job runs
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/import/jobs/<int:job_id>/confirm", methods=["POST"])
@secretariat_required
def confirm(job_id: int):
    """Import the very file that was previewed (its SHA-256 must match); secretariat only."""
    job = _job_or_404(job_id)
    form = ConfirmForm()
    stored = db.session.get(StoredFile, job.stored_file_id) \
        if job.stored_file_id is not None else None
    if not form.validate_on_submit() or form.sha256.data != job.sha256 or stored is None \
            or stored.sha256 != job.sha256:
        flash(_("The file you confirmed is not the one that was checked. Upload it again."),
              "error")
        return redirect(url_for("imports.index"))
    # One confirmation wins, also when two arrive at two machines at once.
    if not jobs.claim_import(job.id):
        flash(_("Only a checked workbook without problems can be imported."), "error")
        return redirect(url_for("imports.job", job_id=job.id))
    jobs.start(job.id, "import")  # the job page tells the outcome
    return redirect(url_for("imports.job", job_id=job.id))


@bp.route("/import/jobs/<int:job_id>/discard", methods=["POST"])
@secretariat_required
def discard(job_id: int):
    """Throw away an upload that will not be imported; secretariat only."""
    job = jobs.settle(_job_or_404(job_id))
    if not jobs.discard(job.id):
        flash(_("The file is being processed; wait until it is done."), "error")
        return redirect(url_for("imports.job", job_id=job.id))
    db.session.commit()
    flash(_("The uploaded file was discarded."), "success")
    return redirect(url_for("imports.index"))


@bp.route("/import/jobs/<int:job_id>/problems.csv")
@secretariat_required
def problems(job_id: int):
    """Every problem of a check as CSV for Excel (semicolons, UTF-8 with BOM)."""
    job = _job_or_404(job_id)
    report = Report.from_dict(job.preview) if job.preview else None
    if report is None:
        abort(404)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Sheet"), _("Row"), _("Column"), _("Value"), _("Problem")])
    for p in report.problems:
        # A value starting with = + - @ would run as a formula in a spreadsheet.
        value = "'" + p.value if p.value[:1] in ("=", "+", "-", "@") else p.value
        writer.writerow([p.sheet, p.row or "", p.column or "", value, p.reason])
    if report.more_problems:
        writer.writerow(["", "", "", "", more_text(report)])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="fejl-{job.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/import/template.xlsx")
@secretariat_required
def template():
    """An empty workbook with every sheet and its column names; secretariat only."""
    buffer = io.BytesIO()
    write_workbook(buffer, db.session, empty=True)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX_TYPE, as_attachment=True,
                     download_name="skabelon-indlaesning.xlsx")


@bp.route("/import/export.xlsx")
@admin_required
def export():
    """The whole database as a workbook in the import format; admin only. Every
    participant's history records the export."""
    spool = tempfile.SpooledTemporaryFile(max_size=20 * MB)
    write_workbook(spool, db.session)
    record_export(db.session)
    db.session.commit()
    spool.seek(0)
    response = send_file(spool, mimetype=XLSX_TYPE, as_attachment=True,
                         download_name=export_filename())
    response.headers["Cache-Control"] = "no-store"
    return response
