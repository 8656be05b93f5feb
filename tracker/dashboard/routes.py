"""The overview each role lands on, with figures as of a chosen date."""
from datetime import date

from flask import Blueprint, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, func, select

from tracker import access, charts
from tracker.counting.disclosure import Shown, Table, has_small_counts
from tracker.counting.pathways import CHAIN, to_close
from tracker.dashboard import service
from tracker.extensions import db
from tracker.formatting import number
from tracker.i18n import gettext as _
from tracker.models import (
    Clause,
    ContractorReport,
    EvaluationAction,
    Organisation,
    Placement,
)
from tracker.models.codes import CLAUSE_STATUSES, PLACEMENT_KINDS, label
from tracker.participants.service import due_by, due_follow_ups_query
from tracker.reporting import due as due_reports
from tracker.urls import as_of_arg

bp = Blueprint("dashboard", __name__)


def _bars(rows) -> object:
    from tracker.formatting import percent

    return charts.fulfilment_bars(
        [charts.Bar(f"{row.project.case_number} · {row.clause.ref}", row.figures.percent,
                    row.figures.status, percent(row.figures.percent) if row.figures.percent
                    is not None else label(CLAUSE_STATUSES, row.figures.status))
         for row in rows],
        title=_("Fulfilment per clause"))


def _placements_chart(months: list[date], series: dict):
    return charts.monthly_columns(
        months, series, {k: str(v) for k, v in PLACEMENT_KINDS.items()},
        title=_("Running placements per month"))


@bp.route("/")
@login_required
def index():
    """Clause status, discrepancies, work lists and charts for the user's role and scope."""
    user = current_user
    as_of = as_of_arg()
    kept = service.figures_for(user, as_of)
    clauses = kept.clauses
    # A bar per clause when every clause is listed (a few); thousands would be no chart.
    bars = clauses.rows
    # A municipality's figures are shown under disclosure control, the chart included: it
    # cannot show "<5", so with a count from 1 to 4 in it, it is left out.
    withheld = user.role == "municipality" and has_small_counts(kept.by_month)
    context = {
        "as_of": as_of, "clauses": clauses, "limit": service.LIST_LIMIT,
        "computed_at": kept.computed_at,
        "bars": _bars(bars) if bars else None,
        "placements_chart": None if withheld else _placements_chart(kept.months,
                                                                     kept.by_month),
        "chart_withheld": withheld,
        "work": _work_lists(user, access.visible(Clause, user), access.visible(Placement, user),
                            as_of),
    }
    if user.role == "municipality":
        protected = _municipality_figures(kept.summary, kept.residents)
        context["summary_from"] = as_of.replace(month=1, day=1)
        context["shown"] = protected
        # The chain as the municipality report draws it: residents at each step.
        context["flow"] = charts.pathway_flow(
            [(str(PLACEMENT_KINDS[step]), protected(("step", step))) for step in CHAIN],
            title=_("Pathways this year"))
        context["municipality"] = db.session.get(Organisation, user.organisation_id)
    return render_template("dashboard/index.html", **context)


def _municipality_figures(summary: dict, residents: int) -> Shown:
    """The municipality's tiles and chain, protected as in the municipality report
    (`counting.disclosure`): none of them adds up to another, and with fewer than 5
    residents in all every figure is hidden."""
    table = Table()
    keys = [table.cell("residents", residents), table.cell("enrolled", summary["enrolled"]),
            table.cell("moved", summary["moved_into_work_or_education"]),
            table.cell("employed", summary["follow_ups"]["employed"]),
            *(table.cell(("step", step), summary["steps"][step]) for step in CHAIN)]
    table.category(residents, keys)
    return table.protect()


def _work_lists(user, clauses: Select, placements: Select, as_of: date) -> list[dict]:
    """The role's work lists with their counts: reports to review or still missing, due
    follow-ups, placements to close, open evaluation actions."""
    items = []
    if user.role in ("admin", "staff", "contractor"):
        missing, overdue = due_reports.due_report_counts(
            clauses, as_of,
            contractor_id=user.organisation_id if user.role == "contractor" else None)
        items.append({"url": url_for("reporting.index"), "count": missing,
                      "text": _("contractor reports missing, %(n)s past the deadline",
                                n=number(overdue))})
    if user.role == "contractor":
        returned = due_reports.returned_count(clauses, as_of, user.organisation_id)
        items.insert(0, {"url": url_for("reporting.index", _anchor="due"), "count": returned,
                         "text": _("reports returned by the secretariat, to be corrected")})
    if user.role in ("admin", "staff"):
        waiting = db.session.scalar(select(func.count()).select_from(
            access.visible(ContractorReport, user)
            .where(ContractorReport.status == "submitted").subquery()))
        query, _months, _due = due_follow_ups_query(placements)
        # Both work lists of placements counted in one statement.
        follow_ups, open_placements = db.session.execute(select(
            select(func.count()).select_from(
                query.where(due_by(as_of)).subquery()).scalar_subquery(),
            placements.where(to_close(as_of))
            .with_only_columns(func.count(), maintain_column_froms=True).scalar_subquery(),
        )).one()
        actions, actions_overdue = db.session.execute(select(
            func.count(), func.count().filter(EvaluationAction.due_date < as_of))
            .where(EvaluationAction.done_on.is_(None))).one()
        items.append({"url": url_for("reporting.index"), "count": waiting,
                      "text": _("contractor reports awaiting review")})
        items.append({"url": url_for("participants.follow_ups"), "count": follow_ups,
                      "text": _("follow-ups due")})
        items.append({"url": url_for("participants.to_close"), "count": open_placements,
                      "text": _("placements to close")})
        items.append({"url": url_for("evaluations.actions"), "count": actions,
                      "text": _("open evaluation actions, %(n)s past their due date",
                                n=number(actions_overdue))})
    return items
