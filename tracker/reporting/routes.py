"""Contractor reports: the contractors' portal, the secretariat's review queue, due and
overdue reports, report history and evidence downloads.

Everything starts from `access.visible(...)`; a report, clause or evidence file outside the
user's scope answers 404. Builders and municipalities have no use of these pages (404).
"""
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from tracker import access, stored
from tracker.audit import record_access
from tracker.auth import roles_required, secretariat_required
from tracker.extensions import db
from tracker.figures import clause_figures
from tracker.formatting import short_date
from tracker.forms import CONFLICT_MESSAGE, is_stale
from tracker.i18n import gettext as _, lazy_gettext as _l
from tracker.lists import (
    EXPORT_FORMATS,
    PER_PAGE,
    Column,
    Filter,
    ListSpec,
    Records,
    export_response,
    record_id,
)
from tracker.models import (
    Agreement,
    Clause,
    ContractorReport,
    Organisation,
    Project,
    ReportEvidence,
    User,
)
from tracker.models.codes import REPORT_STATUSES, label
from tracker.reporting import service
from tracker.reporting.forms import MAX_FILES, ReportForm, ReviewForm
from tracker.uploads import MB, UploadError, file_response, sniff, store_upload

bp = Blueprint("reporting", __name__)

REPORTING_ROLES = ("admin", "staff", "contractor")
reporting_roles = roles_required(*REPORTING_ROLES)
contractor_required = roles_required("contractor")
EVIDENCE_TYPES = ("pdf", "xlsx", "csv", "jpg", "png")
EVIDENCE_MAX_MB = 10
EXTENSION_ALIASES = {"jpeg": "jpg"}
QUEUE_PER_PAGE = 25
DUE_STATES = {"overdue": _l("Overdue"), "due": _l("Due for reporting")}


def today() -> date:
    """Today's date; one place, so tests and pages agree."""
    return date.today()


# --- labels shared by pages, exports and e-mails -------------------------------------------

def period_name(start: date, frequency: str) -> str:
    """'1. kvartal 2026' or 'januar 2026' for the period starting on `start`."""
    if frequency == "quarterly":
        return _("Q%(quarter)s %(year)s", quarter=(start.month - 1) // 3 + 1, year=start.year)
    return format_date(start, "LLLL yyyy")


def period_dates(start: date, end: date) -> str:
    return f"{short_date(start)}–{short_date(end)}"


def _period_parts(report_or_period: Any) -> tuple[date, date, str]:
    """Start, end and frequency of a ContractorReport or a service.Period."""
    if isinstance(report_or_period, ContractorReport):
        return (report_or_period.period_start, report_or_period.period_end,
                report_or_period.clause.frequency)
    return report_or_period.start, report_or_period.end, report_or_period.frequency


@bp.app_template_global()
def period_title(report_or_period: Any) -> str:
    """A report's or period's name, e.g. '1. kvartal 2026'."""
    start, _end, frequency = _period_parts(report_or_period)
    return period_name(start, frequency)


@bp.app_template_global()
def report_period(report_or_period: Any) -> str:
    """A report's or period's name and dates, e.g. '1. kvartal 2026 (01.01.2026–31.03.2026)'."""
    start, end, frequency = _period_parts(report_or_period)
    return f"{period_name(start, frequency)} ({period_dates(start, end)})"


# --- due and overdue reports: paged in SQL, exported whole --------------------------------

class DueList(ListSpec):
    """The due-report list: its page and rows come from `service`, not from a Select."""

    def rows(self, items: list) -> list:  # type: ignore[override]
        return items


def _unused_condition(_value: str) -> None:
    """Due-list filters are handed to `service` as arguments (see `_due_scope`)."""
    return None


def _projects() -> Select:
    return access.visible(Project, current_user).with_only_columns(
        Project.id, Project.case_number, Project.name).order_by(Project.case_number, Project.id)


def _contractors() -> Select:
    return (access.visible(Organisation, current_user).where(Organisation.kind == "contractor")
            .with_only_columns(Organisation.id, Organisation.name)
            .order_by(Organisation.name, Organisation.id))


# The options of the project and contractor filters: those in the user's scope.
PROJECTS = Records(_projects, [Project.case_number, Project.name],
                   label=lambda row: f"{row.case_number} {row.name}")
CONTRACTORS = Records(_contractors, [Organisation.name])


DUE = DueList(
    columns=[
        Column("status", _l("Status"),
               lambda d: label(DUE_STATES, d.status)
               + (f" ({_('returned')})" if d.returned else "")),
        Column("deadline", _l("Deadline"), lambda d: d.period.deadline),
        Column("days_late", _l("Days overdue"), lambda d: d.days_late or None, numeric=True),
        Column("project", _l("Building project"),
               lambda d: f"{d.project.case_number} {d.project.name}"),
        Column("clause", _l("Clause"), lambda d: d.clause.ref),
        Column("contractor", _l("Contractor"), lambda d: d.contractor.name),
        Column("period", _l("Period"), lambda d: period_name(d.period.start, d.period.frequency)),
        Column("period_start", _l("From"), lambda d: d.period.start),
        Column("period_end", _l("To"), lambda d: d.period.end),
        Column("email", _l("E-mail for reminders"), lambda d: d.contractor.email),
    ],
    filters=[
        Filter("project", _l("Building project"), _unused_condition, PROJECTS),
        Filter("contractor", _l("Contractor"), _unused_condition, CONTRACTORS),
        Filter("status", _l("Status"), _unused_condition, DUE_STATES),
    ],
    default_sort="",
)


def _due_scope(user, state: dict | None = None) -> dict | None:
    """The arguments of `service.due_report_page`/`due_reports` for the due reports the user
    may see, with the list's filters applied; None when the typed contractor name does not
    single out one contractor (the list then shows the names to choose from)."""
    filters = (state or {}).get("filters", {})
    clauses = access.visible(Clause, user)
    project = filters.get("project", "")
    if project and record_id(project) is None:  # a name: the clauses of the projects so named
        clauses = clauses.where(Clause.agreement_id.in_(
            select(Agreement.id).where(Agreement.project_id.in_(PROJECTS.ids_named(project)))))
    contractor = filters.get("contractor", "")
    if user.role == "contractor":
        contractor_id = user.organisation_id
    elif contractor and record_id(contractor) is None:
        # The due reports are counted per contractor: a name must single out one.
        named, more = DUE.matches(DUE.filter("contractor"), state)
        if len(named) != 1 or more:
            return None
        contractor_id = int(named[0][0])
    else:
        contractor_id = record_id(contractor)
    return {"clauses": clauses, "today": today(),
            "contractor_id": contractor_id, "project_id": record_id(project),
            "status": filters.get("status") if filters.get("status") in DUE_STATES else None}


# --- report history (all versions in scope) ------------------------------------------------

def _history_spec(user) -> ListSpec:
    """The report history list; the secretariat can also filter by contractor."""
    filters = [
        Filter("status", _l("Status"), lambda v: ContractorReport.status == v, REPORT_STATUSES),
        Filter("project", _l("Building project"), lambda ids: Agreement.project_id.in_(ids),
               PROJECTS),
    ]
    if user.is_secretariat:
        filters.append(Filter("contractor", _l("Contractor"),
                              lambda ids: ContractorReport.contractor_id.in_(ids), CONTRACTORS))
    columns = [c for c in HISTORY_COLUMNS if user.is_secretariat or c.key != "contractor"]
    return ListSpec(columns=columns, filters=filters, default_sort="-submitted",
                    search=[ContractorReport.ref, Clause.ref, Project.case_number, Project.name],
                    search_label=_l("Search reference, clause or case"))


HISTORY_COLUMNS = [
    Column("ref", _l("Reference"), lambda r: r.ref, ContractorReport.ref,
           link=lambda r: url_for("reporting.detail", report_id=r.id)),
    Column("clause", _l("Building project and clause"),
           lambda r: f"{r.clause.agreement.project.case_number} · {r.clause.ref}",
           Project.case_number),
    Column("contractor", _l("Contractor"), lambda r: r.contractor.name, Organisation.name),
    Column("period", _l("Period"), lambda r: period_name(r.period_start, r.clause.frequency),
           ContractorReport.period_start),
    Column("version", _l("Version"), lambda r: r.report_version,
           ContractorReport.report_version, numeric=True),
    Column("status", _l("Status"), lambda r: label(REPORT_STATUSES, r.status),
           ContractorReport.status),
    Column("persons", _l("Persons"), lambda r: r.persons, numeric=True),
    Column("weeks", _l("Weeks"), lambda r: r.weeks, numeric=True),
    Column("hours", _l("Hours"), lambda r: r.hours, numeric=True),
    Column("site_hours", _l("Total site hours"), lambda r: r.site_hours, numeric=True),
    Column("submitted", _l("Submitted"), lambda r: r.submitted_at, ContractorReport.submitted_at),
    Column("note", _l("Note from the secretariat"), lambda r: r.review_note),
]


def _history_query(user):
    return (
        access.visible(ContractorReport, user)
        .join(Clause, ContractorReport.clause_id == Clause.id)
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .join(Organisation, ContractorReport.contractor_id == Organisation.id)
        .options(joinedload(ContractorReport.clause).joinedload(Clause.agreement)
                 .joinedload(Agreement.project),
                 joinedload(ContractorReport.contractor))
    )


# --- pages ---------------------------------------------------------------------------------

@bp.route("/reports/")
@reporting_roles
def index():
    """The secretariat's review queue and due reports; a contractor's portal."""
    if current_user.role == "contractor":
        return _portal()
    user, state = current_user, DUE.state()
    if request.args.get("export") in EXPORT_FORMATS:  # every row, not just one page
        scope = _due_scope(user, state)
        rows = service.due_reports(**scope) if scope is not None else []
        return export_response(DUE, rows, request.args["export"], "forfaldne-indberetninger")
    due_number = request.args.get("page", 1, type=int) or 1
    queue_number = max(request.args.get("queue_page", 1, type=int) or 1, 1)
    reports = access.visible(ContractorReport, user)

    def render_lists() -> str:
        scope = _due_scope(user, state)
        due = (service.due_report_page(**scope, page=due_number, per_page=PER_PAGE)
               if scope is not None else service.DuePage([], 1, PER_PAGE, 0, 0))
        queue = service.review_queue_page(reports, page=queue_number, per_page=QUEUE_PER_PAGE)
        return render_template(
            "reporting/_review.html", queue=queue, compare=service.comparisons(queue.items),
            evidence=service.evidence_files([r.id for r in queue.items]),
            spec=DUE, page=due, state=state, overdue_count=due.overdue,
            deadline_days=service.DEADLINE_DAYS, no_contractor=scope is None)

    # Both lists are a stored part (tracker.stored.part) while nothing typed narrows them;
    # the key: the scoped queries, the page numbers, the order and the filters.
    lists = (Markup(render_lists()) if DUE.typed(state) else stored.part(
        "review-queue", today(), render_lists, reports, access.visible(Clause, user),
        queue_number, due_number, state["sort"], *sorted(state["filters"].items())))
    return render_template("reporting/staff_index.html", lists=lists)


def _portal():
    """The contractor's own projects, clauses with figures, due reports and latest reports."""
    user = current_user
    projects = db.session.scalars(
        access.visible(Project, user).order_by(Project.case_number)).all()
    clauses = db.session.scalars(
        access.visible(Clause, user)
        .options(joinedload(Clause.agreement), joinedload(Clause.responsible_contractor))
        .order_by(Clause.ref)).all()
    by_project: dict[int, list[Clause]] = {}
    for clause in clauses:
        by_project.setdefault(clause.agreement.project_id, []).append(clause)
    figures = clause_figures([c.id for c in clauses], today()) if clauses else {}
    latest = db.session.scalars(
        _history_query(user).order_by(ContractorReport.submitted_at.desc(),
                                      ContractorReport.id.desc()).limit(10)).all()
    return render_template(
        "reporting/portal.html", projects=projects, by_project=by_project, figures=figures,
        due=service.due_reports(**_due_scope(user)), latest=latest,
        deadline_days=service.DEADLINE_DAYS)


@bp.route("/reports/history")
@reporting_roles
def history():
    """Every report version in the user's scope (a contractor: its own), with export."""
    spec = _history_spec(current_user)
    state = spec.state()
    query = spec.apply(_history_query(current_user), state)
    return spec.respond(query, state, "indberetninger", "reporting/history.html")


def _period_choices(clause: Clause, reported: dict[date, ContractorReport]
                    ) -> list[tuple[service.Period, str]]:
    """The periods open for reporting, newest first, each saying what was reported."""
    choices = []
    for period in reversed(service.open_periods(clause, today())):
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
    seen = int(form.based_on.data) if (form.based_on.data or "").isdigit() else None
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
    reported = service.period_versions(clause.id, current_user.organisation_id)
    form = ReportForm(clause=clause, today=today())
    form.set_period_choices(_period_choices(clause, reported))
    if request.method == "GET":
        wanted = request.args.get("period", "")
        offered = [value for value, _text in form.period.choices]
        if wanted in offered:
            form.period.data = wanted
        else:  # the newest ended period still to report on, else the newest ended one
            ended = [p.start for p in service.open_periods(clause, today()) if p.end < today()]
            missing = [start for start in ended if start not in reported
                       or reported[start].status == "returned"]
            chosen = (missing or ended or [None])[-1]
            form.period.data = chosen.isoformat() if chosen else (offered or [None])[0]
    if form.validate_on_submit():
        response = _save_report(form, clause, keep=[])
        if response is not None:
            return response
    return render_template("reporting/form.html", form=form, clause=clause, correcting=None,
                           keep=[], max_mb=EVIDENCE_MAX_MB)


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
    if service.period_for(clause, report.period_start) is None:
        flash(_("The clause's period has changed, so this period can no longer be reported on. "
                "Contact the secretariat."), "error")
        return redirect(url_for("reporting.detail", report_id=report.id))
    form = ReportForm(obj=report if request.method == "GET" else None, clause=clause,
                      today=today())
    period = service.period_for(clause, report.period_start)
    form.set_period_choices([(period, report_period(period))])
    keep = list(report.evidence)
    form.keep_evidence.choices = [(e.id, e.file.filename) for e in keep]
    if request.method == "GET":
        form.period.data = period.start.isoformat()
        form.based_on.data = str(report.report_version)
        form.keep_evidence.data = [e.id for e in keep]
    if form.validate_on_submit():
        response = _save_report(form, clause, keep)
        if response is not None:
            return response
    return render_template("reporting/form.html", form=form, clause=clause, correcting=report,
                           keep=keep, max_mb=EVIDENCE_MAX_MB)


@bp.route("/reports/<int:report_id>")
@reporting_roles
def detail(report_id: int):
    """One report version with its history, evidence and (for the secretariat) the review."""
    report = access.get_visible_or_404(ContractorReport, report_id, current_user)
    return _detail_page(report, ReviewForm(version=report.version))


def _detail_page(report: ContractorReport, form: ReviewForm):
    versions = service.versions_of(report)
    newest = versions[0]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        {v.submitted_by_id for v in versions} | {v.reviewed_by_id for v in versions})))}
    reviewable = (current_user.is_secretariat and report.status == "submitted"
                  and newest.id == report.id)
    return render_template(
        "reporting/detail.html", report=report, versions=versions, newest=newest, people=people,
        compare=service.comparisons([report])[report.id],
        evidence=service.evidence_files([v.id for v in versions]),
        form=form if reviewable else None,
        can_correct=(current_user.role == "contractor" and newest.id == report.id
                     and _in_clause_scope(report.clause_id)))


def _in_clause_scope(clause_id: int) -> bool:
    query = access.visible(Clause, current_user).where(Clause.id == clause_id)
    return db.session.scalar(query.with_only_columns(Clause.id)) is not None


@bp.route("/reports/<int:report_id>/review", methods=["POST"])
@secretariat_required
def review(report_id: int):
    """Approve a submitted report or return it with a reason; secretariat only."""
    report = access.get_visible_or_404(ContractorReport, report_id, current_user)
    newest = service.latest_version(report.clause_id, report.contractor_id, report.period_start)
    form = ReviewForm()
    if report.status != "submitted" or newest.id != report.id:
        flash(_("This report has already been reviewed or replaced by a newer version; "
                "nothing was changed."), "error")
        return redirect(url_for("reporting.detail", report_id=report.id))
    if form.decision.data not in ("approve", "return"):
        abort(400)
    if not form.validate_on_submit():
        return _detail_page(report, form)
    if is_stale(form, report):
        flash(CONFLICT_MESSAGE, "error")
        form.version.data = report.version
        return _detail_page(report, form)
    if form.decision.data == "approve":
        service.approve(report, current_user, form.review_note.data)
        message = _("Report %(ref)s was approved; its figures now count.", ref=report.ref)
    else:
        service.return_report(report, current_user, form.review_note.data)
        message = _("Report %(ref)s was returned to %(firm)s with your reason.", ref=report.ref,
                    firm=report.contractor.name)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(CONFLICT_MESSAGE, "error")
        return redirect(url_for("reporting.detail", report_id=report_id))
    flash(message, "success")
    return redirect(url_for("reporting.index"))


@bp.route("/reports/<int:report_id>/evidence/<int:evidence>")
@reporting_roles
def evidence_file(report_id: int, evidence: int):
    """Download one evidence file of a report in the user's scope."""
    report = access.get_visible_or_404(ContractorReport, report_id, current_user)
    row = db.session.scalar(select(ReportEvidence).where(
        ReportEvidence.id == evidence, ReportEvidence.report_id == report.id)
        .options(joinedload(ReportEvidence.file)))
    if row is None:
        abort(404)
    # Timesheets and payslip summaries name residents: every download is in the audit trail.
    record_access(db.session, "view", row)
    db.session.commit()
    return file_response(row.file)
