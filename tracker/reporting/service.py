"""Contractor reports as domain logic, free of HTTP: reporting periods, due and overdue
reports, new versions, review, and the figures a reviewer compares a report with.

Due reports are worked out in SQL by tracker.reporting.due; the Python
`reporting_periods` states the same rules for one clause (the report form uses it).

Rules chosen here (DESIGN §3 leaves them open):

* A clause's reporting periods are calendar months (``monthly``) or calendar quarters
  (``quarterly``) cut to the clause period: ``clause.start_date or project.start_date`` to
  ``clause.end_date or project.end_date``. A report belongs to the period that starts on its
  ``period_start``.
* A period is *outstanding* for a contractor once it has ended (period end before today)
  and the contractor's newest version for it is missing or ``returned``. A submitted or
  approved newest version settles it.
* The *deadline* is ``DEADLINE_DAYS`` (30) days after the period end. An outstanding period
  is ``due`` up to and including its deadline and ``overdue`` from the day after.
* Who reports: the clause's responsible contractor; a clause without one is reported by
  every contractor on the project. Clauses of draft agreements are not reported on yet.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased, joinedload

from tracker.counting.clauses import (
    DAYS_PER_WEEK,
    DAYS_PER_YEAR,
    DISCREPANCY_SHARE,
    FULL_TIME_HOURS,
    Window,
    placed_for,
    window_registered,
)
from tracker.counting.clauses import clause_periods as clause_rows
from tracker.counting.placements import overlap_days
from tracker.extensions import db
from tracker.models import (
    Agreement,
    Clause,
    ContractorReport,
    Organisation,
    Placement,
    ReportEvidence,
    ReportObligation,
    StoredFile,
)
from tracker.models.base import utcnow
from tracker.sqlfunctions import greatest, least

DEADLINE_DAYS = 30
MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3}
REF_LENGTH = 50  # ContractorReport.ref is String(50)


@dataclass(frozen=True)
class Period:
    """One reporting period of a clause, both ends inclusive."""

    start: date
    end: date
    frequency: str

    @property
    def deadline(self) -> date:
        return self.end + timedelta(days=DEADLINE_DAYS)


@dataclass(frozen=True)
class Comparison:
    """A report's figure in its clause's unit next to the registered figure from placements."""

    unit: str
    reported: Decimal | None
    registered: Decimal | None
    discrepancy: bool


def today() -> date:
    """Today's date; one place, so tests and pages agree."""
    return date.today()


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after the first of `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def reporting_periods(frequency: str, start: date, end: date) -> list[Period]:
    """The calendar months or quarters from `start` to `end`, the first and last cut to them."""
    months = MONTHS_PER_PERIOD[frequency]
    first_month = (start.month - 1) // months * months + 1
    boundary = date(start.year, first_month, 1)
    periods = []
    while boundary <= end:
        following = _add_months(boundary, months)
        periods.append(Period(max(boundary, start), min(following - timedelta(days=1), end),
                              frequency))
        boundary = following
    return periods


def clause_periods(clause: Clause) -> list[Period]:
    """Every reporting period of a clause over its whole period."""
    return reporting_periods(clause.frequency, clause.period_start, clause.period_end)


def period_for(clause: Clause, start: date) -> Period | None:
    """The clause's period that starts on `start`, or None when there is none."""
    return next((p for p in clause_periods(clause) if p.start == start), None)


def status_on(period: Period, today: date) -> str:
    """due until the deadline (inclusive), overdue after it."""
    return "overdue" if today > period.deadline else "due"


# --- the review queue and report versions --------------------------------------------

@dataclass(frozen=True)
class ListPage:
    """One page of a list, with what `pager` and `list_table` read."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def newest_versions() -> Select:
    """The highest version number of every (clause, contractor, period start)."""
    return select(
        ContractorReport.clause_id, ContractorReport.contractor_id, ContractorReport.period_start,
        func.max(ContractorReport.report_version).label("report_version"),
    ).group_by(ContractorReport.clause_id, ContractorReport.contractor_id,
               ContractorReport.period_start)


def is_newest() -> ColumnElement[bool]:
    """A condition true for a ContractorReport row that is the newest version of its period."""
    newer = ContractorReport.__table__.alias("newer")
    return ~select(newer.c.id).where(
        newer.c.clause_id == ContractorReport.clause_id,
        newer.c.contractor_id == ContractorReport.contractor_id,
        newer.c.period_start == ContractorReport.period_start,
        newer.c.report_version > ContractorReport.report_version,
    ).exists()


def review_queue(reports: Select) -> Select:
    """Submitted reports awaiting review (of those `reports` selects); a version superseded
    by a newer one is not reviewed (the newer one is)."""
    return reports.where(ContractorReport.status == "submitted", is_newest())


def review_queue_page(reports: Select, page: int, per_page: int) -> ListPage:
    """One page of the review queue, oldest first, each report with its clause, agreement,
    project and contractor. The page is cut out of the queue before the joins (from the
    partial index ix_contractor_reports_awaiting_review), so the database joins `per_page`
    reports instead of the whole queue. Two statements."""
    queue = review_queue(reports)
    total = db.session.scalar(select(func.count()).select_from(queue.order_by(None).subquery()))
    page = min(max(page, 1), max(1, -(-total // per_page)))
    chosen = (queue.order_by(ContractorReport.submitted_at.asc(), ContractorReport.id.asc())
              .limit(per_page).offset((page - 1) * per_page).subquery())
    report = aliased(ContractorReport, chosen)
    items = db.session.scalars(
        select(report)
        .options(joinedload(report.clause).joinedload(Clause.agreement)
                 .joinedload(Agreement.project),
                 joinedload(report.contractor))
        .order_by(report.submitted_at.asc(), report.id.asc())).all()
    return ListPage(items, page, per_page, total)


def versions_of(report: ContractorReport) -> list[ContractorReport]:
    """Every version of the report's clause, contractor and period, newest first."""
    return db.session.scalars(
        select(ContractorReport).where(
            ContractorReport.clause_id == report.clause_id,
            ContractorReport.contractor_id == report.contractor_id,
            ContractorReport.period_start == report.period_start)
        .order_by(ContractorReport.report_version.desc())).all()


def latest_version(clause_id: int, contractor_id: int,
                   period_start: date) -> ContractorReport | None:
    """The newest version for one clause, contractor and period, or None."""
    return db.session.scalars(
        select(ContractorReport).where(
            ContractorReport.clause_id == clause_id,
            ContractorReport.contractor_id == contractor_id,
            ContractorReport.period_start == period_start)
        .order_by(ContractorReport.report_version.desc()).limit(1)).first()


def period_versions(clause_id: int, contractor_id: int) -> dict[date, ContractorReport]:
    """The newest version of each period a contractor reported on for a clause."""
    newest = newest_versions().where(ContractorReport.clause_id == clause_id,
                                     ContractorReport.contractor_id == contractor_id).subquery()
    reports = db.session.scalars(
        select(ContractorReport).join(newest, and_(
            ContractorReport.clause_id == newest.c.clause_id,
            ContractorReport.contractor_id == newest.c.contractor_id,
            ContractorReport.period_start == newest.c.period_start,
            ContractorReport.report_version == newest.c.report_version)))
    return {r.period_start: r for r in reports}


# --- writing reports -----------------------------------------------------------------------

def new_ref(clause: Clause, contractor: Organisation, period: Period, version: int) -> str:
    """A readable, unique reference such as R-K-014-35209115-20260401-2."""
    ref = f"R-{clause.ref}-{contractor.cvr}-{period.start:%Y%m%d}-{version}"
    if len(ref) > REF_LENGTH:  # long clause refs: fall back on ids, which are short
        ref = f"R-{clause.id}-{contractor.id}-{period.start:%Y%m%d}-{version}"
    taken = set(db.session.scalars(
        select(ContractorReport.ref).where(ContractorReport.ref.like(f"{ref}%"))))
    candidate, n = ref, 1
    while candidate in taken:  # an imported report may hold the reference already
        n += 1
        candidate = f"{ref}-{n}"[:REF_LENGTH]
    return candidate


def submit_report(*, clause: Clause, contractor: Organisation, period: Period, user,
                  persons: int | None, weeks: Decimal | None, hours: Decimal | None,
                  site_hours: Decimal | None, comment: str, files: list[StoredFile],
                  keep_evidence: list[ReportEvidence] = ()) -> ContractorReport:
    """Add a new version for the period (version 1 when it is the first); never changes an
    existing row. The caller commits; a concurrent submission for the same version number
    fails the unique constraint at the commit."""
    previous = latest_version(clause.id, contractor.id, period.start)
    version = previous.report_version + 1 if previous else 1
    report = ContractorReport(
        ref=new_ref(clause, contractor, period, version), clause=clause, contractor=contractor,
        period_start=period.start, period_end=period.end, report_version=version,
        persons=persons, weeks=weeks, hours=hours, site_hours=site_hours,
        comment=comment or "", status="submitted", submitted_by_id=user.id,
        submitted_at=utcnow())
    for kept in keep_evidence:  # evidence carried over from the version it corrects
        report.evidence.append(ReportEvidence(file_id=kept.file_id))
    for upload in files:
        report.evidence.append(ReportEvidence(file=upload))
    db.session.add(report)
    db.session.flush()
    return report


def approve(report: ContractorReport, reviewer, note: str | None = None) -> None:
    """Mark a submitted report approved; its figures now count (DESIGN §4)."""
    report.status = "approved"
    report.review_note = note or None
    report.reviewed_by_id = reviewer.id
    report.reviewed_at = utcnow()


def return_report(report: ContractorReport, reviewer, reason: str) -> None:
    """Send a submitted report back to the contractor with the reason (required)."""
    if not reason or not reason.strip():
        raise ValueError("a returned report needs a reason")
    report.status = "returned"
    report.review_note = reason.strip()
    report.reviewed_by_id = reviewer.id
    report.reviewed_at = utcnow()


def waive(obligation: ReportObligation, user, reason: str) -> None:
    """Waive an outstanding period: nothing is owed for it and it is never reminded."""
    obligation.state = "waived"
    obligation.waived_reason = reason
    obligation.waived_by_id = user.id
    obligation.waived_at = utcnow()


# --- comparison with the registered figures ------------------------------------------------

def reported_in_unit(report: ContractorReport, unit: str) -> Decimal | None:
    """One report's own figure in the clause's unit, by the formulas of DESIGN §4."""
    if unit == "persons":
        return None if report.persons is None else Decimal(report.persons)
    if unit == "weeks":
        return report.weeks
    if unit == "hours":
        return report.hours
    if unit == "apprentice_years":
        if report.hours is None:
            return None
        value = Fraction(report.hours) * DAYS_PER_WEEK / DAYS_PER_YEAR / FULL_TIME_HOURS
        return _decimal(value)
    if unit == "percent_hours":
        if report.hours is None or not report.site_hours:
            return None
        return _decimal(Fraction(report.hours) / Fraction(report.site_hours) * 100)
    raise ValueError(f"unknown unit {unit!r}")


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def comparisons(reports: list[ContractorReport]) -> dict[int, Comparison]:
    """For each report, its figure next to the one registered from placements in the same
    period (DESIGN §4 counted inside the report's period: weeks, hours and apprentice years
    of the overlap, persons placed in the period, the period's hours over the report's site
    hours). Like for like, so a difference over 10 % is flagged. One statement in all."""
    windows = [Window(r.id, r.clause_id, r.period_start, r.period_end, r.clause.unit)
               for r in reports]
    rows = select(ContractorReport.id.label("key"),
                  ContractorReport.clause_id.label("source_clause_id"),
                  ContractorReport.period_start.label("window_start"),
                  ContractorReport.period_end.label("window_end")
                  ).where(ContractorReport.id.in_([r.id for r in reports]))
    registered = window_registered(windows, {r.id: r.site_hours for r in reports}, rows)
    result = {}
    for report in reports:
        unit = report.clause.unit
        reported = reported_in_unit(report, unit)
        figure = registered.get(report.id)
        result[report.id] = Comparison(unit, reported, figure, _differs(figure, reported))
    return result


def _differs(registered: Decimal | None, reported: Decimal | None) -> bool:
    """The §4 discrepancy test: apart by more than 10 % of the larger figure."""
    if registered is None or reported is None:
        return False
    a, b = Fraction(registered), Fraction(reported)
    return abs(a - b) > DISCREPANCY_SHARE * max(abs(a), abs(b))


def evidence_participants(report: ContractorReport) -> Select:
    """The ids of the residents a report's evidence concerns. Evidence files are per report,
    not per resident, and their contents cannot be read: taken to be the local hires the
    report states figures for, i.e. the participants with a placement at the reporting
    contractor that counts toward the report's clause inside the report's period (DESIGN §4,
    the period's end as the as-of date, as when the report is compared with the register)."""
    clause = clause_rows([report.clause_id])
    start = greatest(clause.c.period_start, report.period_start)
    end = least(clause.c.period_end, report.period_end)
    return (select(Placement.participant_id).distinct()
            .select_from(clause).join(Placement, placed_for(clause.c))
            .where(Placement.employer_id == report.contractor_id,
                   overlap_days(start, end, report.period_end) >= 1))


def evidence_files(report_ids: list[int]) -> dict[int, list[ReportEvidence]]:
    """Evidence of several reports with file names (not contents), in one query."""
    if not report_ids:
        return {}
    rows = db.session.scalars(
        select(ReportEvidence).where(ReportEvidence.report_id.in_(report_ids))
        .options(joinedload(ReportEvidence.file)).order_by(ReportEvidence.id))
    result: dict[int, list[ReportEvidence]] = defaultdict(list)
    for row in rows:
        result[row.report_id].append(row)
    return result
