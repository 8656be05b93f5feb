"""Clause status report for one building project (DESIGN §5.1), and the project parts the
compliance statement and the training report share with it."""
from collections import Counter
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.counting import ClauseFigures, clause_figures, overlap_days, running
from tracker.counting.clauses import DAYS_PER_WEEK
from tracker.counting.pathways import MOVING_OUTCOMES
from tracker.counting.placements import sql_date
from tracker.documents.content import (
    Built,
    fulfilment_chart,
    placement_sheet,
    placements_chart,
    rounded,
    running_by_month,
)
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import (
    Agreement,
    AgreementParty,
    Clause,
    ContractorReport,
    HousingArea,
    Organisation,
    Placement,
    Project,
    ProjectContractor,
)
from tracker.models.codes import CLAUSE_STATUSES, PLACEMENT_KINDS
from tracker.names import ParticipantNames, load_names


def project_header(project_id: int) -> Project:
    """The project with what the documents' headers show: builder, area, contractors."""
    return db.session.scalars(
        select(Project).where(Project.id == project_id)
        .options(joinedload(Project.builder),
                 joinedload(Project.housing_area).joinedload(HousingArea.municipality),
                 selectinload(Project.contractors).joinedload(ProjectContractor.contractor))
    ).unique().one()


def project_clauses(project_id: int, contractor_id: int | None = None) -> list[Clause]:
    """The project's clauses by reference; with a contractor, those it answers for (its own
    and those with no responsible contractor)."""
    query = (select(Clause).join(Agreement, Clause.agreement_id == Agreement.id)
             .where(Agreement.project_id == project_id)
             .options(joinedload(Clause.responsible_contractor), joinedload(Clause.agreement))
             .order_by(Clause.ref))
    if contractor_id is not None:
        query = query.where(or_(Clause.responsible_contractor_id.is_(None),
                                Clause.responsible_contractor_id == contractor_id))
    return db.session.scalars(query).unique().all()


def placement_totals(condition: Any, as_of: date) -> dict:
    """Placements started by the as-of date, by kind and in all: count, persons, running,
    moved on to work or education, weeks so far."""
    as_of_d = sql_date(as_of)
    started = and_(condition, Placement.start_date <= as_of_d)
    rows = db.session.execute(
        select(Placement.kind, func.count(), func.count(distinct(Placement.participant_id)),
               func.sum(case((running(as_of), 1), else_=0)),
               func.sum(case((and_(Placement.end_date <= as_of_d,
                                   Placement.outcome.in_(MOVING_OUTCOMES)), 1), else_=0)),
               func.sum(overlap_days(Placement.start_date.expression, as_of, as_of)))
        .where(started).group_by(Placement.kind)).all()
    by_kind = {kind: {"placements": n, "persons": persons, "running": int(run or 0),
                      "moved": int(moved or 0), "days": int(d or 0)}
               for kind, n, persons, run, moved, d in rows}
    persons = db.session.scalar(
        select(func.count(distinct(Placement.participant_id))).where(started))
    total = {key: sum((v[key] for v in by_kind.values()), 0)
             for key in ("placements", "running", "moved", "days")}
    total["persons"] = persons
    for figures in (*by_kind.values(), total):  # weeks from the exact days, rounded once
        figures["weeks"] = rounded(Fraction(figures.pop("days"), DAYS_PER_WEEK), 1)
    return {"kinds": [(kind, by_kind[kind]) for kind in PLACEMENT_KINDS if kind in by_kind],
            "total": total}


def _by_employer(condition: Any, as_of: date) -> list[tuple]:
    """Placements started by the as-of date per employer: name, placements, persons."""
    return db.session.execute(
        select(Organisation.name, func.count(), func.count(distinct(Placement.participant_id)))
        .join(Organisation, Placement.employer_id == Organisation.id)
        .where(condition, Placement.start_date <= sql_date(as_of))
        .group_by(Organisation.name).order_by(func.count().desc(), Organisation.name)).all()


def _latest_report_comments(clause_ids: list[int], as_of: date,
                            names: ParticipantNames) -> dict[int, tuple]:
    """Per clause: period end and comment of the newest approved report used by the figures,
    participants' names in it replaced by their pseudonyms."""
    if not clause_ids:
        return {}
    rows = db.session.execute(
        select(ContractorReport.clause_id, ContractorReport.period_end, ContractorReport.comment)
        .where(ContractorReport.clause_id.in_(clause_ids), ContractorReport.status == "approved",
               ContractorReport.period_end <= sql_date(as_of))
        .order_by(ContractorReport.clause_id, ContractorReport.period_end,
                  ContractorReport.report_version)).all()
    return {clause_id: (period_end, names.mask(comment))
            for clause_id, period_end, comment in rows}


def _agreement_texts(agreements: list[Agreement], names: ParticipantNames) -> dict:
    """The agreements' titles and parties' texts as the report prints them: participants'
    names replaced by their pseudonyms (text stored before names were refused on entry)."""
    return {
        "titles": {a.id: names.mask(a.title) for a in agreements},
        "parties": {party.id: {"role": names.mask(party.role),
                               "contributions": [names.mask(t) for t in party.contributions or []],
                               "benefits": [names.mask(t) for t in party.benefits or []]}
                    for a in agreements for party in a.parties},
    }


def _status_counts(figures: dict[int, ClauseFigures]) -> list[tuple[str, int]]:
    counts = Counter(f.status for f in figures.values())
    return [(status, counts[status]) for status in CLAUSE_STATUSES if counts[status]]


def clause_status(project: Project, as_of: date) -> Built:
    """Parties and contributions, every clause's figures, charts, placements in aggregate,
    open discrepancies; the placements with pseudonyms in the attachment."""
    project = project_header(project.id)
    agreements = db.session.scalars(
        select(Agreement).where(Agreement.project_id == project.id)
        .options(selectinload(Agreement.parties).joinedload(AgreementParty.organisation))
        .order_by(Agreement.ref)).all()
    clauses = project_clauses(project.id)
    figures = clause_figures([c.id for c in clauses], as_of)
    on_project = Placement.project_id == project.id
    discrepancies = [c for c in clauses if figures[c.id].discrepancy]
    totals = placement_totals(on_project, as_of)
    # Addressed to the builder and the contractors: free text shows no participant's name.
    names = load_names()
    context = {
        "project": project, "agreements": agreements, "clauses": clauses, "figures": figures,
        "texts": _agreement_texts(agreements, names),
        "status_counts": _status_counts(figures),
        "fulfilment_chart": fulfilment_chart(clauses, figures, _("Fulfilment per clause")),
        "placements_chart": placements_chart(
            running_by_month(project.start_date, min(as_of, project.end_date), on_project),
            _("Running placements per month")),
        "totals": totals,
        "employers": _by_employer(on_project, as_of),
        "discrepancies": discrepancies,
        "comments": _latest_report_comments([c.id for c in discrepancies], as_of, names),
        # The sheet's rows are the placements the totals count (started by the as-of date).
        "attachment_rows": totals["total"]["placements"],
    }
    return Built(
        title=_("Clause status report"),
        scope=_("Building project %(case)s %(name)s", case=project.case_number, name=project.name),
        context=context, sheets=[placement_sheet(on_project, as_of, _("Placements"))],
        project_id=project.id)
