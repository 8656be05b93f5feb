"""The overview each role lands on, with figures as of a chosen date."""
from datetime import date

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import access, charts
from tracker.dashboard import service
from tracker.formatting import number
from tracker.extensions import db
from tracker.models import Clause, Organisation, Placement, Participant
from tracker.models.codes import CLAUSE_STATUSES, PLACEMENT_KINDS, label
from tracker.pathways import municipality_summary

bp = Blueprint("dashboard", __name__)


def as_of_from_request() -> date:
    """The as-of date of a figure page (?as_of=YYYY-MM-DD), today when absent or unreadable."""
    raw = request.args.get("as_of", "")
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(_("'%(value)s' is not a date; the figures are shown as of today.", value=raw),
              "warning")
        return date.today()


def _bars(rows) -> object:
    from tracker.formatting import percent

    return charts.fulfilment_bars(
        [charts.Bar(f"{row.project.case_number} · {row.clause.ref}", row.figures.percent,
                    row.figures.status, percent(row.figures.percent) if row.figures.percent
                    is not None else label(CLAUSE_STATUSES, row.figures.status))
         for row in rows],
        title=_("Fulfilment per clause"))


def _placements_chart(placements_query, as_of: date):
    data = service.running_placements_by_month(placements_query, as_of)
    return charts.monthly_columns(
        data["months"], data["series"], {k: str(v) for k, v in PLACEMENT_KINDS.items()},
        title=_("Running placements per month"))


@bp.route("/")
@login_required
def index():
    """Clause status, discrepancies, work lists and charts for the user's role and scope."""
    user = current_user
    as_of = as_of_from_request()
    clauses = service.overview(access.visible(Clause, user), as_of)
    # A bar per clause when every clause is listed (a few); thousands would be no chart.
    bars = clauses.rows
    context = {
        "as_of": as_of, "clauses": clauses, "limit": service.LIST_LIMIT,
        "bars": _bars(bars) if bars else None,
        "placements_chart": _placements_chart(access.visible(Placement, user), as_of),
        "work": _work_lists(user, as_of),
    }
    if user.role == "municipality":
        year_start = as_of.replace(month=1, day=1)
        summary = municipality_summary(user.organisation_id, year_start, as_of)
        context["summary"] = summary
        context["summary_from"] = year_start
        context["flow"] = charts.pathway_flow(
            [(str(PLACEMENT_KINDS["internship"]), summary["placements"]["internship"]),
             (str(PLACEMENT_KINDS["wage_subsidy"]), summary["placements"]["wage_subsidy"]),
             (_("Into work or education"), summary["moved_into_work_or_education"])],
            title=_("Pathways this year"))
        context["residents"] = db.session.scalar(
            access.visible(Participant, user).with_only_columns(db.func.count()))
        context["municipality"] = db.session.get(Organisation, user.organisation_id)
    return render_template("dashboard/index.html", **context)


def _work_lists(user, as_of: date) -> list[dict]:
    """The role's work lists with their counts: reports to review or still missing, due
    follow-ups, open evaluation actions. A fixed number of queries."""
    from flask import url_for
    from sqlalchemy import func, select

    from tracker.models import ContractorReport, EvaluationAction
    from tracker.participants.service import due_by, due_follow_ups_query
    from tracker.reporting import service as reporting

    items = []
    if user.role in ("admin", "staff", "contractor"):
        missing, overdue = reporting.due_report_counts(
            access.visible(Clause, user), as_of,
            contractor_id=user.organisation_id if user.role == "contractor" else None)
        items.append({"url": url_for("reporting.index"), "count": missing,
                      "text": _("contractor reports missing, %(n)s past the deadline", n=number(overdue))})
    if user.role in ("admin", "staff"):
        waiting = db.session.scalar(select(func.count()).select_from(
            access.visible(ContractorReport, user)
            .where(ContractorReport.status == "submitted").subquery()))
        items.append({"url": url_for("reporting.index"), "count": waiting,
                      "text": _("contractor reports awaiting review")})
        query, months, _due = due_follow_ups_query(access.visible(Placement, user))
        follow_ups = db.session.scalar(select(func.count()).select_from(
            query.where(due_by(months, as_of)).subquery()))
        items.append({"url": url_for("participants.follow_ups"), "count": follow_ups,
                      "text": _("follow-ups due")})
        open_actions = db.session.execute(select(
            func.count(), func.count().filter(EvaluationAction.due_date < as_of))
            .where(EvaluationAction.done_on.is_(None))).one()
        items.append({"url": url_for("evaluations.actions"), "count": open_actions[0],
                      "text": _("open evaluation actions, %(n)s past their due date",
                                n=number(open_actions[1]))})
    return items
