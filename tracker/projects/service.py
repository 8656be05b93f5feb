"""Rules for building projects and their contractors, and what the project page gathers.

The service changes objects and reads; the views commit.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.agreements.service import (
    basis_amount,
    clauses_with_figures,
    derived_target,
    target_calculation,
)
from tracker.audit import history
from tracker.counting import ClauseFigures
from tracker.extensions import db
from tracker.formatting import money, short_date
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.models import (
    Agreement,
    AgreementParty,
    AuditEvent,
    Clause,
    ContractorReport,
    Document,
    HousingArea,
    Organisation,
    Placement,
    Project,
    ProjectContractor,
)
from tracker.models.codes import PROJECT_STATUSES, label

SECRETARIAT = ("admin", "staff")
# The project page shows this many placements and report versions unless asked for all.
PLACEMENTS_SHOWN = 50
REPORTS_SHOWN = 10

# The words for a project's fields and audit actions in its history.
FIELD_LABELS = {
    "case_number": _l("Case number"), "name": _l("Name"), "housing_area_id": _l("Housing area"),
    "builder_id": _l("Builder"), "start_date": _l("Start date"), "end_date": _l("End date"),
    "contract_sum": _l("Contract sum"), "craft_cost": _l("Craft cost"), "status": _l("Status"),
}
ACTIONS = {"create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
           "view": _l("Viewed"), "export": _l("Exported")}


def project_clauses(project_id: int) -> list[Clause]:
    """Every clause of the project's agreements (all of them: rules must see all)."""
    return db.session.scalars(
        select(Clause).join(Agreement, Clause.agreement_id == Agreement.id)
        .where(Agreement.project_id == project_id).order_by(Clause.ref)).all()


def project_edit_problems(form, project: Project) -> list[tuple[str, str]]:
    """Why the edited period or amounts would break the project's clauses: (field, message).

    A clause must lie within the project period, and a target derived from an amount needs
    that amount (and must stay above zero).
    """
    start, end = form.start_date.data, form.end_date.data
    problems = []
    for clause in project_clauses(project.id):
        clause_start, clause_end = clause.start_date or start, clause.end_date or end
        if clause_start < start or clause_end > end or clause_end < clause_start:
            field = "start_date" if clause_start < start else "end_date"
            problems.append((field, _(
                "Clause %(ref)s runs %(start)s–%(end)s; the project period must cover it. "
                "Change the clause's period first.", ref=clause.ref,
                start=short_date(clause.start_date or project.start_date),
                end=short_date(clause.end_date or project.end_date))))
        if clause.target_basis:
            amount = getattr(form, clause.target_basis).data
            if amount is None:
                problems.append((clause.target_basis, _(
                    "Clause %(ref)s computes its target from this amount, so it cannot be "
                    "removed. Give the clause a fixed target first.", ref=clause.ref)))
            elif derived_target(amount, clause.target_rate) <= 0:
                problems.append((clause.target_basis, _(
                    "With this amount clause %(ref)s would get a target of 0.", ref=clause.ref)))
    return problems


def recompute_derived_targets(project: Project) -> list[Clause]:
    """Set every derived clause target from the project's current amounts; the changed ones."""
    changed = []
    for clause in project_clauses(project.id):
        if not clause.target_basis:
            continue
        amount = basis_amount(project, clause.target_basis)
        target = derived_target(amount, clause.target_rate)
        if target != clause.target:
            clause.target = target
            changed.append(clause)
    return changed


def contractor_removal_problem(project: Project, contractor_id: int) -> str | None:
    """Why a contractor cannot leave the project, or None when it may.

    Placements, reports and clauses that name the firm would lose their meaning.
    """
    placements = db.session.scalar(
        select(func.count()).select_from(Placement)
        .where(Placement.project_id == project.id, Placement.employer_id == contractor_id))
    project_clause_ids = (select(Clause.id).join(Agreement, Clause.agreement_id == Agreement.id)
                          .where(Agreement.project_id == project.id))
    reports = db.session.scalar(
        select(func.count()).select_from(ContractorReport)
        .where(ContractorReport.contractor_id == contractor_id,
               ContractorReport.clause_id.in_(project_clause_ids)))
    if placements or reports:
        return _("The contractor cannot be removed: it has %(placements)s placements and "
                 "%(reports)s contractor reports on this project.",
                 placements=placements, reports=reports)
    responsible = db.session.scalars(
        select(Clause.ref).where(Clause.id.in_(project_clause_ids),
                                 Clause.responsible_contractor_id == contractor_id)).all()
    if responsible:
        return _("The contractor cannot be removed: it is responsible for clause %(refs)s. "
                 "Choose another responsible contractor on the clause first.",
                 refs=", ".join(responsible))
    return None


def load_project(project_id: int, user) -> Project:
    """One project in the user's scope, with area, municipality and builder; 404 outside it."""
    project = db.session.scalars(
        access.visible(Project, user).where(Project.id == project_id)
        .options(joinedload(Project.housing_area).joinedload(HousingArea.municipality),
                 joinedload(Project.builder))).first()
    if project is None:
        abort(404)
    return project


@dataclass
class ProjectPage:
    """The project page's facts: the project, its contractors, documents and history."""

    project: Project
    contractors: list[ProjectContractor]
    documents: list[Document]
    history: list["HistoryRow"]


@dataclass
class ProjectFigures:
    """The project page's agreements, clauses with their figures, the newest placements and
    report versions."""

    agreements: list[Agreement]
    clauses: list[Clause]
    figures: dict[int, ClauseFigures]
    calculations: dict[int, str | None]
    placements: list[Placement]
    placement_count: int
    reports: list[ContractorReport]
    report_count: int
    detail: str
    as_of: date


def project_page(project_id: int, user) -> ProjectPage:
    """Gather the project page's facts, through the user's scope."""
    project = load_project(project_id, user)
    contractors = db.session.scalars(
        select(ProjectContractor).where(ProjectContractor.project_id == project.id)
        .options(joinedload(ProjectContractor.contractor))
        .order_by(ProjectContractor.role, ProjectContractor.id)).all()
    documents = db.session.scalars(
        access.visible(Document, user).where(Document.project_id == project.id)
        .order_by(Document.issued_at.desc())).all()
    events = (history_rows(history(db.session, "projects", project.id))
              if user.role in SECRETARIAT else [])
    return ProjectPage(project, contractors, documents, events)


def project_figures(project: Project, user, as_of: date, all_placements: bool = False,
                    all_reports: bool = False) -> ProjectFigures:
    """Gather the project page's agreements, clause figures, placements and reports, each
    through the user's scope. The number of statements is fixed: it does not grow with
    clauses, placements or reports."""
    clauses_query = (access.visible(Clause, user)
                     .join(Agreement, Clause.agreement_id == Agreement.id)
                     .where(Agreement.project_id == project.id))
    queries = {
        "agreements": access.visible(Agreement, user).where(Agreement.project_id == project.id),
        "placements": access.visible(Placement, user).where(Placement.project_id == project.id),
        "reports": access.visible(ContractorReport, user)
        .where(ContractorReport.clause_id.in_(clauses_query.with_only_columns(Clause.id))),
    }
    agreements = db.session.scalars(
        queries["agreements"]
        .options(joinedload(Agreement.parties).joinedload(AgreementParty.organisation),
                 joinedload(Agreement.signed_file))
        .order_by(Agreement.ref)).unique().all()
    clauses, figures = clauses_with_figures(clauses_query, as_of)
    detail = access.participant_detail(user)
    placement_count, report_count = db.session.execute(select(
        *(select(func.count()).select_from(queries[name].order_by(None).subquery())
          .scalar_subquery() for name in ("placements", "reports")))).one()
    placement_query = queries["placements"].options(joinedload(Placement.employer),
                                                    joinedload(Placement.participant))
    placement_query = placement_query.order_by(Placement.start_date.desc(), Placement.id.desc())
    placements = db.session.scalars(
        placement_query if all_placements else placement_query.limit(PLACEMENTS_SHOWN)).all()
    report_query = (
        queries["reports"]
        .options(joinedload(ContractorReport.clause), joinedload(ContractorReport.contractor))
        .order_by(ContractorReport.period_start.desc(), ContractorReport.clause_id,
                  ContractorReport.report_version.desc(), ContractorReport.id.desc()))
    reports = db.session.scalars(
        report_query if all_reports else report_query.limit(REPORTS_SHOWN)).all()
    calculations = {c.id: target_calculation(c, project) for c in clauses}
    return ProjectFigures(agreements, clauses, figures, calculations, placements,
                          placement_count, reports, report_count, detail, as_of)


@dataclass
class HistoryRow:
    """One audit event of a project in words: when, who, what, and each change old → new."""

    event: AuditEvent
    action: str
    changes: list[tuple[str, str, str]]


def history_rows(events: list[AuditEvent]) -> list[HistoryRow]:
    """The project's audit events with readable values (names for ids, Danish dates and
    amounts); two statements at most, whatever the number of events."""
    ids = {"housing_area_id": set(), "builder_id": set()}
    for event in events:
        for key, change in (event.changes or {}).items() if event.action == "update" else ():
            if key in ids:
                ids[key].update(v for v in change if isinstance(v, int))
    names = {"housing_area_id": {}, "builder_id": {}}
    if ids["housing_area_id"]:
        names["housing_area_id"] = dict(db.session.execute(
            select(HousingArea.id, HousingArea.name)
            .where(HousingArea.id.in_(ids["housing_area_id"]))).all())
    if ids["builder_id"]:
        names["builder_id"] = dict(db.session.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.id.in_(ids["builder_id"]))).all())

    def shown(key: str, value) -> str:
        if value is None or value == "":
            return "–"
        if key in names:
            return names[key].get(value, str(value))
        if key in ("start_date", "end_date"):
            try:
                return short_date(date.fromisoformat(value))
            except (TypeError, ValueError):
                return str(value)
        if key in ("contract_sum", "craft_cost"):
            try:
                return money(Decimal(str(value)))
            except InvalidOperation:
                return str(value)
        if key == "status":
            return label(PROJECT_STATUSES, value)
        return str(value)

    rows = []
    for event in events:
        changes = []
        if event.action == "update":
            changes = [(str(FIELD_LABELS.get(key, key)), shown(key, old), shown(key, new))
                       for key, (old, new) in (event.changes or {}).items()]
        rows.append(HistoryRow(event, str(ACTIONS.get(event.action, event.action)), changes))
    return rows
