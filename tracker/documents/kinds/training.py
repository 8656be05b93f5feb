"""Training report (lærlingeindberetning) for one building project and year, in the fields
a housing organisation reports to Landsbyggefonden (DESIGN §5.6)."""
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal, select

from tracker.counting import clause_figures, overlap_days
from tracker.counting.clauses import DAYS_PER_WEEK, DAYS_PER_YEAR, FULL_TIME_HOURS
from tracker.counting.placements import overlaps, sql_date
from tracker.documents.content import (
    Built,
    placement_sheet,
    placements_chart,
    rounded,
    running_by_month,
    share,
)
from tracker.documents.kinds.clause_status import project_clauses, project_header
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import Agreement, Clause, ContractorReport, Placement, Project
from tracker.sqlfunctions import scaled_int

APPRENTICE_KINDS = ("apprenticeship",)
OTHER_TRAINING_KINDS = ("internship", "wage_subsidy")


def training_window(project: Project, year: int, as_of: date) -> tuple[date, date]:
    """The days of the year the project ran, up to the as-of date."""
    return (max(date(year, 1, 1), project.start_date),
            min(date(year, 12, 31), project.end_date, as_of))


def _training_group(rows, kinds: tuple[str, ...]) -> dict:
    """Persons, full-time years (days/365 × hours/37) and hours of a group of kinds."""
    persons = sum(n for kind, n, _h, _r in rows if kind in kinds)
    hour_days = Fraction(sum(int(h or 0) for kind, _n, h, _r in rows if kind in kinds), 10)
    report_hour_days = Fraction(sum(int(r or 0) for kind, _n, _h, r in rows if kind in kinds), 10)
    return {"persons": persons,
            "years": rounded(hour_days / DAYS_PER_YEAR / FULL_TIME_HOURS, 2),
            "hours": hour_days / DAYS_PER_WEEK,
            "report_hours": report_hour_days / DAYS_PER_WEEK}


def _site_hours(clause_ids: Any, start: date, end: date) -> dict:
    """Total site hours reported for the project in the window: the newest approved version
    of each report whose period ends in it; a contractor's figure for one period counts
    once even when it reported it on several clauses."""
    report = ContractorReport
    newest = (select(report.clause_id, report.contractor_id, report.period_start,
                     func.max(report.report_version).label("version"))
              .where(report.status == "approved", report.clause_id.in_(clause_ids))
              .group_by(report.clause_id, report.contractor_id, report.period_start)
              .subquery("newest"))
    used = (select(report.contractor_id, report.period_start,
                   func.max(report.period_end).label("period_end"),
                   func.max(scaled_int(report.site_hours, 2)).label("site_hours"))
            .join(newest, and_(report.clause_id == newest.c.clause_id,
                               report.contractor_id == newest.c.contractor_id,
                               report.period_start == newest.c.period_start,
                               report.report_version == newest.c.version))
            .where(report.period_end.between(sql_date(start), sql_date(end)),
                   report.period_start >= sql_date(start), report.site_hours.is_not(None))
            .group_by(report.contractor_id, report.period_start).subquery("used"))
    count, total, last = db.session.execute(
        select(func.count(), func.sum(used.c.site_hours), func.max(used.c.period_end))).one()
    if last is not None and not isinstance(last, date):
        last = date.fromisoformat(str(last))  # SQLite gives max() of a date as text
    return {"reports": count, "site_hours": Fraction(int(total), 100) if total else None,
            "last_period_end": last}


def training(project: Project, year: int, as_of: date) -> Built:
    """Apprentice years, other persons-under-training years, craft cost, build phase and the
    share of labour under training, for the year up to the as-of date."""
    project = project_header(project.id)
    start, end = training_window(project, year, as_of)
    on_project = Placement.project_id == project.id
    trainee_kinds = Placement.kind.in_(APPRENTICE_KINDS + OTHER_TRAINING_KINDS)
    clause_ids = select(Clause.id).join(Agreement, Clause.agreement_id == Agreement.id) \
        .where(Agreement.project_id == project.id)
    site = _site_hours(clause_ids, start, end)
    report_end = site["last_period_end"]
    days = overlap_days(start, end, as_of)
    in_reports = overlap_days(start, report_end, as_of) if report_end else literal(0)
    # Hour-days in tenths (hours per week has one decimal): exact on SQLite too.
    hour_days = days * scaled_int(Placement.hours_per_week, 1)
    report_hour_days = in_reports * scaled_int(Placement.hours_per_week, 1)
    rows = db.session.execute(
        select(Placement.kind, func.count(distinct(Placement.participant_id)),
               func.sum(hour_days),
               func.sum(case((in_reports >= 1, report_hour_days), else_=0)))
        .where(on_project, trainee_kinds, days >= 1)
        .group_by(Placement.kind)).all()
    figures = {"apprentice": _training_group(rows, APPRENTICE_KINDS),
               "other": _training_group(rows, OTHER_TRAINING_KINDS)}
    # Hours are printed as whole hours, and the share is computed from the figures printed,
    # so that a reader who divides them gets the share printed beside them.
    hours = rounded(figures["apprentice"]["hours"] + figures["other"]["hours"], 0)
    report_hours = rounded(
        figures["apprentice"]["report_hours"] + figures["other"]["report_hours"], 0)
    site_hours = rounded(site["site_hours"], 0)
    # The clauses about training: apprentices, and the share of hours (Landsbyggefonden's 14 %).
    clauses = [c for c in project_clauses(project.id)
               if c.kind == "apprenticeship" or c.unit == "percent_hours"]
    trainees = and_(on_project, trainee_kinds, overlaps(start, end))
    sheet = placement_sheet(trainees, as_of, _("Persons under training"))
    context = {
        "project": project, "year": year, "start": start, "end": end,
        "apprentice": figures["apprentice"], "other": figures["other"],
        "site": site, "hours": hours, "report_hours": report_hours, "site_hours": site_hours,
        "share": share(report_hours, site_hours),
        "clauses": clauses, "figures": clause_figures([c.id for c in clauses], as_of),
        "placements_chart": placements_chart(
            running_by_month(start, end, on_project, trainee_kinds),
            _("Persons under training per month")),
        "attachment_rows": len(sheet.rows),
    }
    return Built(title=_("Training report"),
                 scope=_("Building project %(case)s %(name)s, the year %(year)s",
                         case=project.case_number, name=project.name, year=year),
                 context=context, sheets=[sheet], project_id=project.id, year=year)
