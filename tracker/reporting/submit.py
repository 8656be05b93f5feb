"""The contractor's report form: a new report on a clause the firm answers for, or a
correction saved as a new version (the old one stays as it was), with evidence files
checked by content and name. On the reporting blueprint (tracker.reporting.routes).
"""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from tracker import access, names
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import Clause, ContractorReport, ReportEvidence
from tracker.models.codes import REPORT_STATUSES, label
from tracker.names import masked_for
from tracker.reporting import obligations, service
from tracker.reporting.forms import MAX_FILES, ReportForm
from tracker.reporting.routes import (
    EVIDENCE_MAX_MB,
    EVIDENCE_TYPES,
    EXTENSION_ALIASES,
    bp,
    contractor_required,
    report_period,
)
from tracker.uploads import MB, UploadError, sniff, store_upload


def _period_choices(periods: list[service.Period], reported: dict[date, ContractorReport]
                    ) -> list[tuple[service.Period, str]]:
    """The periods open for reporting, newest first, each saying what was reported."""
    choices = []
    for period in reversed(periods):
        text = report_period(period)
        done = reported.get(period.start)
        if done is not None:
            text += " · " + _("%(status)s, version %(n)s",
                              status=label(REPORT_STATUSES, done.status),
                              n=done.report_version)
        choices.append((period, text))
    return choices


def _stored_evidence(form: ReportForm) -> list | None:
    """Check and store the uploaded evidence files; None (with a form error) when one is refused."""
    uploads = [f for f in request.files.getlist(form.evidence.name) if f and f.filename]
    if len(uploads) > MAX_FILES:
        form.evidence.errors = [_("At most %(n)s files per report.", n=MAX_FILES)]
        return None
    kept, errors = [], []
    for upload in uploads:
        try:
            _check_name_matches_content(upload)
            kept.append(store_upload(upload, allowed=EVIDENCE_TYPES, max_mb=EVIDENCE_MAX_MB,
                                     uploaded_by=current_user))
        except UploadError as error:
            errors.append(f"{upload.filename}: {error}")
    if errors:
        form.evidence.errors = errors + [_("Nothing was saved. Choose the files again.")]
        return None
    return kept


def _check_name_matches_content(upload) -> None:
    """Refuse a file whose name claims another type than its content (a .pdf that is text).

    `store_upload` checks the content against the allowed types; this adds that the name
    agrees, so a text file called report.pdf is not kept as evidence.
    """
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    extension = EXTENSION_ALIASES.get(extension, extension)
    if extension not in EVIDENCE_TYPES:
        raise UploadError(_("Only PDF, XLSX, CSV, JPG and PNG files can be attached."))
    head = upload.stream.read(EVIDENCE_MAX_MB * MB + 1)
    upload.stream.seek(0)
    kind = sniff(head)
    if head and kind is not None and kind != extension:
        raise UploadError(_(
            "The file is called .%(ext)s, but its content is not a %(kind)s file. Its content "
            "was checked, not only its name.", ext=extension, kind=extension.upper()))


def _save_report(form: ReportForm, clause: Clause, keep: list[ReportEvidence]):
    """Store a new report version from a valid form; a redirect, or None to show the form."""
    period = form.chosen_period
    newest = service.latest_version(clause.id, current_user.organisation_id, period.start)
    based_on = form.based_on.data or ""
    seen = int(based_on) if based_on.isascii() and based_on.isdigit() else None
    if seen is not None and (newest.report_version if newest else 0) != seen:
        flash(_("A new version of this report was submitted while you were filling in the form. "
                "Nothing was saved; your figures are still in the form. Check the newest "
                "version, then submit again."), "error")
        form.based_on.data = str(newest.report_version if newest else 0)
        return None
    files = _stored_evidence(form)
    if files is None:
        db.session.rollback()
        return None
    keep_ids = set(form.keep_evidence.data or [])
    report = service.submit_report(
        clause=clause, contractor=current_user.organisation, period=period, user=current_user,
        persons=form.persons.data, weeks=form.weeks.data, hours=form.hours.data,
        site_hours=form.site_hours.data, comment=(form.comment.data or "").strip(),
        files=files, keep_evidence=[e for e in keep if e.id in keep_ids])
    try:
        db.session.commit()
    except IntegrityError:  # the same version number was taken a moment ago
        db.session.rollback()
        flash(_("A new version of this report was submitted while you were filling in the form. "
                "Nothing was saved; your figures are still in the form. Check the newest "
                "version, then submit again."), "error")
        return None
    if report.report_version == 1:
        flash(_("Report %(ref)s was submitted to the secretariat.", ref=report.ref), "success")
    else:
        flash(_("The correction was submitted as version %(n)s (%(ref)s). Earlier versions are "
                "kept unchanged.", n=report.report_version, ref=report.ref), "success")
    return redirect(url_for("reporting.detail", report_id=report.id))


@bp.route("/reports/clauses/<int:clause_id>/new", methods=["GET", "POST"])
@contractor_required
def create(clause_id: int):
    """A new report (or a new version) on a clause the contractor answers for."""
    clause = access.get_visible_or_404(Clause, clause_id, current_user)
    today = service.today()
    owed = obligations.owed_periods(db.session, clause, current_user.organisation_id)
    if not owed:
        flash(_("Your firm has no periods to report on for clause %(ref)s: the secretariat has "
                "not chosen it to report on this clause.", ref=clause.ref), "info")
        return redirect(url_for("reporting.index"))
    periods = [p for p in owed if p.start <= today]  # those begun
    reported = service.period_versions(clause.id, current_user.organisation_id)
    form = ReportForm(clause=clause, today=today)
    form.set_period_choices(_period_choices(periods, reported))
    if request.method == "GET":
        wanted = request.args.get("period", "")
        offered = [value for value, _text in form.period.choices]
        if wanted in offered:
            form.period.data = wanted
        else:  # the newest ended period still to report on, else the newest ended one
            ended = [p.start for p in periods if p.end < today]
            missing = [start for start in ended if start not in reported
                       or reported[start].status == "returned"]
            chosen = (missing or ended or [None])[-1]
            form.period.data = chosen.isoformat() if chosen else (offered or [None])[0]
    if form.validate_on_submit():
        response = _save_report(form, clause, keep=[])
        if response is not None:
            return response
    return render_template("reporting/form.html", form=form, clause=clause, correcting=None,
                           keep=[], max_mb=EVIDENCE_MAX_MB, first_day=owed[0].start)


@bp.route("/reports/<int:report_id>/correct", methods=["GET", "POST"])
@contractor_required
def correct(report_id: int):
    """Correct a report: the figures are saved as a new version; the old one stays as it was."""
    report = access.get_visible_or_404(ContractorReport, report_id, current_user)
    # The firm must still answer for the clause to correct a report on it.
    clause = access.get_visible_or_404(Clause, report.clause_id, current_user)
    newest = service.latest_version(report.clause_id, report.contractor_id, report.period_start)
    if newest.id != report.id:
        if request.method == "GET":
            flash(_("You are correcting the newest version (version %(n)s).",
                    n=newest.report_version), "info")
            return redirect(url_for("reporting.correct", report_id=newest.id))
        # A form for an older version: shown again against the newest, with the figures
        # typed (the version check below explains what happened).
        report = newest
    # The comment, the secretariat's note and the clause's text are shown masked.
    names.prepare(current_user, [report.comment, report.review_note, clause.text])
    if service.period_for(clause, report.period_start) is None:
        flash(_("The clause's period has changed, so this period can no longer be reported on. "
                "Contact the secretariat."), "error")
        return redirect(url_for("reporting.detail", report_id=report.id))
    form = ReportForm(obj=report if request.method == "GET" else None, clause=clause,
                      today=service.today())
    period = service.period_for(clause, report.period_start)
    form.set_period_choices([(period, report_period(period))])
    keep = list(report.evidence)
    form.keep_evidence.choices = [(e.id, e.file.filename) for e in keep]
    if request.method == "GET":
        form.period.data = period.start.isoformat()
        form.based_on.data = str(report.report_version)
        form.keep_evidence.data = [e.id for e in keep]
        # An old comment that names a participant comes back with the pseudonym, so the
        # correction can be saved as it stands.
        form.comment.data = masked_for(current_user, report.comment)
    if form.validate_on_submit():
        response = _save_report(form, clause, keep)
        if response is not None:
            return response
    return render_template("reporting/form.html", form=form, clause=clause, correcting=report,
                           keep=keep, max_mb=EVIDENCE_MAX_MB)
