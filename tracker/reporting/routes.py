"""Contractor reports: the contractors' portal, the secretariat's review queue, due and
overdue reports, report history and evidence downloads (the report form:
tracker.reporting.submit).

Everything starts from `access.visible(...)`; a report, clause or evidence file outside the
user's scope answers 404. Builders and municipalities have no use of these pages (404).
"""
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy import Select, false, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.exc import StaleDataError

from tracker import access, jobs, names
from tracker.audit import record_shown
from tracker.auth import roles_required, secretariat_required
from tracker.counting import clause_figures
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import CONFLICT_MESSAGE, is_stale
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
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
    ReportObligation,
    User,
)
from tracker.models.codes import REPORT_STATUSES, label
from tracker.names import masked_for
from tracker.reporting import due as due_reports
from tracker.reporting import mail, service
from tracker.reporting.forms import ReviewForm, WaiveForm
from tracker.uploads import file_response
from tracker.urls import page_number

bp = Blueprint("reporting", __name__)

REPORTING_ROLES = ("admin", "staff", "contractor")
reporting_roles = roles_required(*REPORTING_ROLES)
contractor_required = roles_required("contractor")
EVIDENCE_TYPES = ("pdf", "xlsx", "csv", "jpg", "png")
EVIDENCE_MAX_MB = 10
EVIDENCE_PURPOSE = "reporting"  # downloaded to check or correct a report
EXTENSION_ALIASES = {"jpeg": "jpg"}
QUEUE_PER_PAGE = 25
MAIL_TIMEOUT = 120  # seconds for one e-mail job on the queue
DUE_STATES = {"overdue": _l("Overdue"), "due": _l("Due for reporting")}


# --- labels shared by pages, exports and e-mails -------------------------------------------

def period_name(start: date, frequency: str) -> str:
    """'1. kvartal 2026' or 'januar 2026' for the period starting on `start`."""
    if frequency == "quarterly":
        return _("Q%(quarter)s %(year)s", quarter=(start.month - 1) // 3 + 1, year=start.year)
    return format_date(start, "LLLL yyyy")


def period_dates(start: date, end: date) -> str:
    return f"{short_date(start)}–{short_date(end)}"


def _period_parts(report_or_period: Any) -> tuple[date, date, str]:
    """Start, end and frequency of a ContractorReport, a ReportObligation or a
    service.Period."""
    if isinstance(report_or_period, ContractorReport | ReportObligation):
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
               + (f" ({label(REPORT_STATUSES, 'returned').lower()})" if d.returned else "")),
        Column("deadline", _l("Deadline"), lambda d: d.period.deadline),
        Column("days_late", _l("Days overdue"), lambda d: d.days_late or None, numeric=True),
        Column("project", _l("Building project"),
               lambda d: f"{d.project.case_number} {d.project.name}"),
        Column("clause", _l("Clause"), lambda d: d.clause.ref),
        Column("contractor", _l("Contractor"), lambda d: d.contractor.name),
        Column("period", _l("Period"), lambda d: period_name(d.period.start, d.period.frequency)),
        Column("period_start", _l("From"), lambda d: d.period.start, page=False),
        Column("period_end", _l("To"), lambda d: d.period.end, page=False),
        Column("email", _l("E-mail for reminders"), lambda d: d.contractor.email, page=False),
    ],
    filters=[
        Filter("project", _l("Building project"), _unused_condition, PROJECTS),
        Filter("contractor", _l("Contractor"), _unused_condition, CONTRACTORS),
        Filter("status", _l("Status"), _unused_condition, DUE_STATES),
    ],
    default_sort="",
)


def _due_scope(user, state: dict | None = None) -> dict | None:
    """The arguments of `due.due_report_page`/`due_reports` for the due reports the user
    may see, with the list's filters applied; None when the typed contractor name does not
    single out one contractor (the list then shows the names to choose from)."""
    filters = (state or {}).get("filters", {})
    clauses = access.visible(Clause, user)
    if (state or {}).get("refused"):  # a search for a CPR number: nothing is searched
        clauses = clauses.where(false())
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
    return {"clauses": clauses, "today": service.today(),
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
    # A contractor reads the notes with participants' names replaced by pseudonyms.
    Column("note", _l("Note from the secretariat"),
           lambda r: masked_for(current_user, r.review_note)),
]


def _history_query(user):
    # Outer joins along required foreign keys give the same rows as inner ones, and let the
    # database leave the joined tables out of the page count, which reads none of them.
    return (
        access.visible(ContractorReport, user)
        .outerjoin(Clause, ContractorReport.clause_id == Clause.id)
        .outerjoin(Agreement, Clause.agreement_id == Agreement.id)
        .outerjoin(Project, Agreement.project_id == Project.id)
        .outerjoin(Organisation, ContractorReport.contractor_id == Organisation.id)
        .options(contains_eager(ContractorReport.clause).contains_eager(Clause.agreement)
                 .contains_eager(Agreement.project),
                 contains_eager(ContractorReport.contractor))
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
        rows = due_reports.due_reports(**scope) if scope is not None else []
        return export_response(DUE, rows, request.args["export"], "forfaldne-indberetninger")
    due_number, queue_number = page_number(), page_number("queue_page")
    reports = access.visible(ContractorReport, user)
    scope = _due_scope(user, state)
    due = (due_reports.due_report_page(**scope, page=due_number, per_page=PER_PAGE)
           if scope is not None else due_reports.DuePage([], 1, PER_PAGE, 0, 0))
    queue = service.review_queue_page(reports, page=queue_number, per_page=QUEUE_PER_PAGE)
    return render_template(
        "reporting/staff_index.html", queue=queue, compare=service.comparisons(queue.items),
        evidence=service.evidence_files([r.id for r in queue.items]),
        spec=DUE, page=due, state=state, overdue_count=due.overdue,
        deadline_days=service.DEADLINE_DAYS, no_contractor=scope is None)


def _portal():
    """The contractor's own projects, clauses with figures, due reports and latest reports.

    The clauses are those of the projects in progress (planned ones included), or with
    `?projects=completed` those of the completed ones: a firm works on its running projects,
    and reports still due on a completed one are among the due reports."""
    user = current_user
    every_project = db.session.scalars(
        access.visible(Project, user).order_by(Project.case_number)).all()
    completed = sum(1 for p in every_project if p.status == "completed")
    show_completed = request.args.get("projects") == "completed" and completed > 0
    projects = [p for p in every_project if (p.status == "completed") == show_completed]
    clauses = db.session.scalars(
        access.visible(Clause, user)
        .where(Clause.agreement_id.in_(select(Agreement.id).where(
            Agreement.project_id.in_([p.id for p in projects]))))
        .options(joinedload(Clause.agreement))
        .order_by(Clause.ref)).all()
    by_project: dict[int, list[Clause]] = {}
    for clause in clauses:
        by_project.setdefault(clause.agreement.project_id, []).append(clause)
    figures = clause_figures([c.id for c in clauses], service.today()) if clauses else {}
    latest = db.session.scalars(
        _history_query(user).order_by(ContractorReport.submitted_at.desc(),
                                      ContractorReport.id.desc()).limit(10)).all()
    due = due_reports.due_reports(**_due_scope(user))
    # The secretariat's notes are shown masked.
    names.prepare(user, [*(d.reason for d in due), *(r.review_note for r in latest)])
    reports_on = set(db.session.scalars(
        access.visible(ReportObligation, user).where(ReportObligation.state != "waived")
        .with_only_columns(ReportObligation.clause_id).distinct()))
    return render_template(
        "reporting/portal.html", projects=projects, by_project=by_project, figures=figures,
        running=len(every_project) - completed, completed=completed,
        show_completed=show_completed,
        due=due, groups=due_reports.by_clause(due), latest=latest, reports_on=reports_on,
        returned=sum(1 for d in due if d.returned), overdue=sum(1 for d in due if d.status == "overdue"),
        deadline_days=service.DEADLINE_DAYS)


@bp.route("/reports/history")
@reporting_roles
def history():
    """Every report version in the user's scope (a contractor: its own), with export."""
    spec = _history_spec(current_user)
    state = spec.state()
    if not current_user.is_secretariat:
        # Others read the secretariat's notes masked, on the page and in the exports.
        names.prepare(current_user, db.session.scalars(
            access.visible(ContractorReport, current_user)
            .where(ContractorReport.review_note.is_not(None))
            .with_only_columns(ContractorReport.review_note).distinct()))
    query = spec.apply(_history_query(current_user), state)
    return spec.respond(query, state, "indberetninger", "reporting/history.html")


@bp.route("/reports/<int:report_id>")
@reporting_roles
def detail(report_id: int):
    """One report version with its history, evidence and (for the secretariat) the review."""
    report = access.get_visible_or_404(ContractorReport, report_id, current_user)
    return _detail_page(report, ReviewForm(version=report.version))


def _detail_page(report: ContractorReport, form: ReviewForm):
    versions = service.versions_of(report)
    # The comment and the secretariat's notes are shown masked.
    names.prepare(current_user, [report.comment, *(v.review_note for v in versions)])
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
    if form.decision.data == "return":
        try:
            jobs.enqueue(mail.send_returned_notice, report.id, timeout=MAIL_TIMEOUT,
                         description=f"E-mail: report {report.ref} returned")
        except mail.MailError:
            flash(_("The contractor could not be told by e-mail (the mail server did not "
                    "answer). The report is returned and shown first in the contractor's "
                    "portal."), "warning")
    return redirect(url_for("reporting.index"))


@bp.route("/reports/obligations/<int:obligation_id>/waive", methods=["GET", "POST"])
@secretariat_required
def waive(obligation_id: int):
    """Waive a period a contractor has not reported on, with the reason (audited): it is
    then never reminded about and counts as nothing owed."""
    obligation = access.get_visible_or_404(ReportObligation, obligation_id, current_user)
    if obligation.state not in due_reports.OPEN:
        flash(_("This period is no longer outstanding; nothing was changed."), "error")
        return redirect(url_for("reporting.index"))
    form = WaiveForm(obj=obligation if request.method == "GET" else None)
    if form.validate_on_submit():
        if is_stale(form, obligation):
            flash(CONFLICT_MESSAGE, "error")
            form.version.data = obligation.version
        else:
            service.waive(obligation, current_user, form.reason.data)
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                flash(CONFLICT_MESSAGE, "error")
                return redirect(url_for("reporting.waive", obligation_id=obligation_id))
            flash(_("%(period)s of %(clause)s was waived for %(firm)s.",
                    period=period_title(obligation), clause=obligation.clause.ref,
                    firm=obligation.contractor.name), "success")
            return redirect(url_for("reporting.index"))
    return render_template("reporting/waive.html", form=form, obligation=obligation)


@bp.route("/reports/<int:report_id>/evidence/<int:evidence>")
@reporting_roles
def evidence_file(report_id: int, evidence: int):
    """Download one evidence file of a report in the user's scope; logged."""
    report = access.get_visible_or_404(ContractorReport, report_id, current_user)
    row = db.session.scalar(select(ReportEvidence).where(
        ReportEvidence.id == evidence, ReportEvidence.report_id == report.id)
        .options(joinedload(ReportEvidence.file)))
    if row is None:
        abort(404)
    # Timesheets and payslip summaries name residents: every download is in the audit trail,
    # naming the residents the report concerns (service.evidence_participants).
    record_shown(db.session, "report_evidence",
                 db.session.scalars(service.evidence_participants(report)).all(),
                 EVIDENCE_PURPOSE, entity_id=row.id)
    db.session.commit()
    return file_response(row.file)


# The contractor's report form, on this blueprint.
from tracker.reporting import submit  # noqa: E402,F401
