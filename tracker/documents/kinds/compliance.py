"""Compliance statement for one contractor on one building project (DESIGN §5.2)."""
from datetime import date

from sqlalchemy import and_, func, select

from tracker.counting import clause_figures
from tracker.counting.placements import sql_date
from tracker.documents.content import Built, fulfilment_chart, placement_sheet
from tracker.documents.kinds.clause_status import (
    placement_totals,
    project_clauses,
    project_header,
)
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import ContractorReport, Organisation, Placement, Project


def _report_statuses(clause_ids: list[int], contractor_id: int, as_of: date) -> dict[str, int]:
    """The contractor's reports on the clauses for periods ended by the as-of date, by the
    status of each period's newest version."""
    if not clause_ids:
        return {}
    report = ContractorReport
    newest = (select(report.clause_id, report.period_start,
                     func.max(report.report_version).label("version"))
              .where(report.contractor_id == contractor_id, report.clause_id.in_(clause_ids),
                     report.period_end <= sql_date(as_of))
              .group_by(report.clause_id, report.period_start).subquery("newest"))
    return dict(db.session.execute(
        select(report.status, func.count())
        .join(newest, and_(report.clause_id == newest.c.clause_id,
                           report.period_start == newest.c.period_start,
                           report.report_version == newest.c.version))
        .where(report.contractor_id == contractor_id)
        .group_by(report.status)).all())


def compliance(project: Project, contractor: Organisation, as_of: date) -> Built:
    """The clauses a contractor answers for (its own and those with no responsible
    contractor) and whether each is met; its placements in aggregate."""
    project = project_header(project.id)
    clauses = project_clauses(project.id, contractor.id)
    figures = clause_figures([c.id for c in clauses], as_of)
    own = and_(Placement.project_id == project.id, Placement.employer_id == contractor.id)
    totals = placement_totals(own, as_of)
    context = {
        "project": project, "contractor": contractor,
        "role": next((pc.role for pc in project.contractors
                      if pc.contractor_id == contractor.id), None),
        "clauses": clauses, "figures": figures,
        "met": sum(1 for f in figures.values() if f.status == "met"),
        "fulfilment_chart": fulfilment_chart(clauses, figures, _("Fulfilment per clause")),
        "totals": totals,
        "reports": _report_statuses([c.id for c in clauses], contractor.id, as_of),
        # The sheet's rows are the placements the totals count (started by the as-of date).
        "attachment_rows": totals["total"]["placements"],
    }
    return Built(
        title=_("Compliance statement"),
        scope=_("%(firm)s (CVR %(cvr)s) on building project %(case)s %(name)s",
                firm=contractor.name, cvr=contractor.cvr, case=project.case_number,
                name=project.name),
        context=context, sheets=[placement_sheet(own, as_of, _("Placements"))],
        project_id=project.id, organisation_id=contractor.id)
