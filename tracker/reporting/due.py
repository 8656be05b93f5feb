"""Due and overdue contractor reports, worked out in SQL with a fixed number of statements
however many clauses, contractors and periods: counted without listing the periods
(`due_report_counts`), one page of them (`due_report_page`) or all of them as objects
(`due_reports`). The rules are those of tracker.reporting.service (`reporting_periods`
states them for one clause).

Calendar months are integers here (`month_number`: year × 12 + month − 1). With m months
per period (1 or 3), period i of a clause covers the months i·m … i·m + m − 1, and a clause
from S to E has the periods first = month_number(S) // m … last = month_number(E) // m.
Period i starts on the first of month i·m (the first one on S) and ends on the last day of
month i·m + m − 1 (the last one on E). So a period has ended before a day X exactly when i
< the index of X's period or E < X: the periods ended by a day are a prefix of the clause's
periods, and how many there are is arithmetic.

A period is overdue exactly when it ended more than DEADLINE_DAYS before today, so "overdue
first, then by deadline" is the order of the period ends. A *bucket* is twice the month
number of a period's end, plus one when the period is not overdue: buckets follow the
order of the ends and keep overdue and due periods apart. How many periods are outstanding
in each bucket comes from a few grouped counts without listing any period; a page of the
list then lists only the periods of the buckets it shows.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import (
    Agreement,
    Clause,
    ContractorReport,
    Organisation,
    Project,
    ProjectContractor,
)
from tracker.reporting.service import (
    DEADLINE_DAYS,
    MONTHS_PER_PERIOD,
    ListPage,
    Period,
    status_on,
)
from tracker.sqlfunctions import (
    day_of_month,
    first_of_month,
    greatest,
    last_of_month,
    least,
    month_number,
)


@dataclass(frozen=True)
class DueReport:
    """A period a contractor has not (validly) reported on yet."""

    clause: Clause
    project: Project
    contractor: Organisation
    period: Period
    status: str  # due | overdue
    returned: bool  # the newest version was returned (needs a correction)
    latest_id: int | None  # the newest version's id, when there is one
    days_late: int  # days past the deadline; 0 while due


@dataclass(frozen=True)
class DuePage(ListPage):
    """One page of due and overdue reports."""

    overdue: int = 0  # of `total`, those past their deadline


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_first(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


@dataclass(frozen=True)
class _Owed:
    """One due-report question in SQL: the clauses owing reports and who owes them."""

    clauses: Subquery  # a row per clause: its periods as integers, how many owe it
    pairs_query: Select  # a row per (clause, contractor) owing reports, clause columns too
    today: date
    contractor_id: int | None
    project_id: int | None

    @property
    def overdue_before(self) -> date:
        """A period that ended before this day is past its deadline today."""
        return self.today - timedelta(days=DEADLINE_DAYS)

    def index_of(self, day: date, columns) -> ColumnElement[int]:
        """The index of the period holding `day`, for each row's frequency."""
        number = _month_number(day)
        return case({f: number // m for f, m in MONTHS_PER_PERIOD.items()},
                    value=columns.frequency)

    def ended_before(self, day: date, columns) -> ColumnElement[int]:
        """How many of a clause's periods end before `day` (they are its first ones); none
        when the clause has not begun by today."""
        return case((columns.start >= self.today, 0),
                    (columns.end < day, greatest(columns.last - columns.first + 1, 0)),
                    else_=greatest(self.index_of(day, columns) - columns.first, 0))

    def nominal_bucket(self, frequency: str, index: int) -> int:
        """The bucket of period `index` when the clause's end does not cut it short."""
        month = (index + 1) * MONTHS_PER_PERIOD[frequency] - 1
        return 2 * month + (month >= _month_number(self.overdue_before))

    def bucket(self, index: ColumnElement[int], columns) -> ColumnElement[int]:
        """The bucket of a clause's period `index` (an SQL expression)."""
        month = (index + 1) * columns.months - 1
        nominal = 2 * month + case((month >= _month_number(self.overdue_before), 1), else_=0)
        return case((index == columns.last, self.end_bucket(columns)), else_=nominal)

    def end_bucket(self, columns) -> ColumnElement[int]:
        """The bucket of a clause's last period, which ends on the clause's end."""
        return 2 * columns.end_month + case((columns.end >= self.overdue_before, 1), else_=0)


def _owed(clauses: Select, today: date, contractor_id: int | None = None,
          project_id: int | None = None) -> _Owed:
    """The clauses owing reports among the given ones (a scoped Select of Clause rows), and
    who owes them: the responsible contractor, or each contractor on the project when there
    is none. Clauses of draft agreements are left out; a clause not begun by today has no
    ended periods (`_Owed.ended_before`)."""
    # How many contractors owe each clause: the responsible one, else those on the project.
    on_project = select(ProjectContractor.project_id, func.count().label("contractors")) \
        .group_by(ProjectContractor.project_id)
    if contractor_id is not None:
        on_project = on_project.where(ProjectContractor.contractor_id == contractor_id)
    on_project = on_project.subquery("on_project")
    responsible = Clause.responsible_contractor_id
    owing = case(
        (responsible.is_(None), func.coalesce(on_project.c.contractors, 0)),
        else_=1 if contractor_id is None else case((responsible == contractor_id, 1), else_=0))
    start = func.coalesce(Clause.start_date, Project.start_date, type_=Date)
    end = func.coalesce(Clause.end_date, Project.end_date, type_=Date)
    months = case(MONTHS_PER_PERIOD, value=Clause.frequency)
    query = (
        select(Clause.id.label("clause_id"), responsible, Agreement.project_id,
               Clause.frequency, months.label("months"), start.label("start"),
               end.label("end"), month_number(end).label("end_month"),
               (month_number(start) // months).label("first"),
               (month_number(end) // months).label("last"), owing.label("owing"),
               Project.case_number, Clause.ref.label("clause_ref"))
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .outerjoin(on_project, on_project.c.project_id == Agreement.project_id)
        # Clauses not begun by today are left out by `ended_before`, not here: a condition
        # on a computed date would mislead the planner's estimate of how many rows remain.
        .where(Clause.id.in_(_clause_ids(clauses)), Agreement.status != "draft")
    )
    if project_id is not None:
        query = query.where(Agreement.project_id == project_id)
    owing_clauses = query.cte("owing_clauses")
    columns = owing_clauses.c
    contractor = func.coalesce(columns.responsible_contractor_id, ProjectContractor.contractor_id)
    pairs = (
        select(*(c for c in columns if c.key not in ("responsible_contractor_id", "owing")),
               contractor.label("contractor_id"))
        .outerjoin(ProjectContractor, and_(ProjectContractor.project_id == columns.project_id,
                                           columns.responsible_contractor_id.is_(None)))
        .where(contractor.is_not(None))
    )
    if contractor_id is not None:
        pairs = pairs.where(contractor == contractor_id)
    return _Owed(owing_clauses, pairs, today, contractor_id, project_id)


def _clause_ids(clauses: Select) -> Select:
    """The ids a caller's Select of Clause rows stands for."""
    return clauses.order_by(None).with_only_columns(Clause.id, maintain_column_froms=True)


def _corrected() -> Subquery:
    """The newest version number of each period reported on more than once.

    Only such a period has a version above 1, and they are few: a small table to tell the
    newest version of a period from the others. (A subquery in FROM is not correlated with
    the statement around it.)"""
    report = ContractorReport
    return (select(report.clause_id, report.contractor_id, report.period_start,
                   func.max(report.report_version).label("version"))
            .where(report.report_version > 1)
            .group_by(report.clause_id, report.contractor_id, report.period_start)
            ).subquery("corrected")


def _newest_only(query: Select, owed: _Owed, *, returned: bool) -> Select:
    """`query` (from ContractorReport) narrowed to newest versions that are returned
    (`returned`) or else submitted or approved, and to the contractor and project asked
    about. The reports are joined with the clauses asked about, which keeps them in scope;
    the contractor and project conditions only leave out early what that join would."""
    report = ContractorReport
    corrected = _corrected()
    query = query.outerjoin(corrected, and_(corrected.c.clause_id == report.clause_id,
                                            corrected.c.contractor_id == report.contractor_id,
                                            corrected.c.period_start == report.period_start)) \
        .where(or_(corrected.c.version.is_(None), corrected.c.version == report.report_version),
               report.status == "returned" if returned else report.status != "returned")
    if owed.contractor_id is not None:
        query = query.where(report.contractor_id == owed.contractor_id)
    if owed.project_id is not None:
        query = query.where(report.clause_id.in_(
            select(Clause.id).join(Agreement, Clause.agreement_id == Agreement.id)
            .where(Agreement.project_id == owed.project_id)))
    return query


def _newest_reports(owed: _Owed, *, returned: bool, starts: tuple[date, date] | None,
                    clause_ids: Select) -> CTE:
    """The newest version of each period of the listed clauses (`clause_ids`) starting
    within `starts`, when it is returned (`returned`), else when it is submitted or
    approved."""
    report = ContractorReport
    query = _newest_only(
        select(report.id, report.clause_id, report.contractor_id, report.period_start),
        owed, returned=returned).where(report.clause_id.in_(clause_ids))
    if starts is not None:
        query = query.where(report.period_start.between(*starts))
    return query.cte("returned_reports" if returned else "settled_reports")


def _buckets(owed: _Owed) -> dict[int, int]:
    """Outstanding periods per bucket, from one statement of grouped counts.

    Each clause adds, for each contractor owing it, one to the buckets of its ended periods:
    in period-index space that is + from `first` and − from `first` + the number ended, per
    frequency (a running sum turns that into counts), and a last period cut short by the
    clause's end is moved to the bucket of that end. The periods settled by a report (the
    newest version submitted or approved) are taken off their buckets.
    """
    clauses = owed.clauses.c
    ended = owed.ended_before(owed.today, clauses)
    cut = and_(ended > 0, clauses.first + ended - 1 == clauses.last)
    alike = select(clauses.frequency, clauses.first, ended.label("ended"),
                   case((cut, owed.end_bucket(clauses))).label("cut_to"),
                   clauses.owing).subquery("alike")
    # Each settled report with its clause and the month number of its start.
    report = ContractorReport
    settled = _newest_only(
        select(report.period_start, month_number(report.period_start).label("month"),
               day_of_month(report.period_start).label("day"),
               (report.contractor_id == clauses.responsible_contractor_id).label("responsible"),
               clauses.responsible_contractor_id.is_(None).label("open_to_all"),
               ProjectContractor.id.is_not(None).label("on_project"),
               clauses.months, clauses.start, clauses.end, clauses.last,
               (clauses.first <= clauses.last).label("has_periods"),
               (clauses.start < owed.today).label("begun"),
               (clauses.end < owed.today).label("over"),
               owed.index_of(owed.today, clauses).label("index_today"),
               owed.end_bucket(clauses).label("end_bucket"))
        .select_from(report)
        .join(owed.clauses, clauses.clause_id == report.clause_id)
        .outerjoin(ProjectContractor,
                   and_(ProjectContractor.project_id == clauses.project_id,
                        ProjectContractor.contractor_id == report.contractor_id)),
        owed, returned=False).subquery("settled")
    row = settled.c
    index = row.month // row.months
    # A report is on one of the clause's periods when it starts on the clause's first day
    # (and the clause has periods) or on the first day of a later period within the clause.
    on_a_period = or_(
        and_(row.period_start == row.start, row.has_periods),
        and_(row.period_start > row.start, row.period_start <= row.end, row.day == 1,
             row.month % row.months == 0))
    ended_by_today = and_(row.begun, or_(index < row.index_today, row.over))
    owes = or_(row.responsible, and_(row.open_to_all, row.on_project))
    nominal = index * row.months + row.months - 1  # the month number of the period's end
    bucket = case((index == row.last, row.end_bucket),
                  else_=2 * nominal + case((nominal >= _month_number(owed.overdue_before), 1),
                                           else_=0))
    # The conditions go into a CASE (NULL: not counted) rather than WHERE: the planner
    # cannot estimate them, and an estimate far too low makes it choose nested loops.
    taken_off = select(case((and_(owes, on_a_period, ended_by_today), bucket))
                       .label("bucket")).subquery("taken_off")
    rows = db.session.execute(union_all(
        select(alike.c.frequency, alike.c.first, alike.c.ended, alike.c.cut_to,
               func.sum(alike.c.owing))
        .where(alike.c.ended > 0)
        .group_by(alike.c.frequency, alike.c.first, alike.c.ended, alike.c.cut_to),
        # NULL (not counted) is a group of its own, left out below.
        select(null(), null(), null(), taken_off.c.bucket, -func.count())
        .group_by(taken_off.c.bucket)))
    buckets: dict[int, int] = defaultdict(int)
    steps: dict[str, dict[int, int]] = {f: defaultdict(int) for f in MONTHS_PER_PERIOD}
    for frequency, first, count, bucket, total in rows:
        n = int(total)
        if frequency is None:  # settled periods
            if bucket is not None:
                buckets[bucket] += n
            continue
        steps[frequency][first] += n
        steps[frequency][first + count] -= n
        if bucket is not None:  # the last period ends on the clause's end
            buckets[owed.nominal_bucket(frequency, first + count - 1)] -= n
            buckets[bucket] += n
    for frequency, step in steps.items():
        running = 0
        for index in range(min(step, default=0), max(step, default=0)):
            running += step.get(index, 0)
            if running:
                buckets[owed.nominal_bucket(frequency, index)] += running
    return {bucket: n for bucket, n in buckets.items() if n}


def _wanted(bucket: int, status: str | None) -> bool:
    """Whether a bucket's periods pass the status filter (even buckets are overdue)."""
    if status == "overdue":
        return bucket % 2 == 0
    if status == "due":
        return bucket % 2 == 1
    return True


def due_report_counts(clauses: Select, today: date, contractor_id: int | None = None,
                      project_id: int | None = None) -> tuple[int, int]:
    """How many periods of the given clauses (a Select of Clause rows, already scoped to the
    user) are outstanding today, and how many of those are overdue: the numbers of
    `due_reports` in one statement, without listing the periods."""
    buckets = _buckets(_owed(clauses, today, contractor_id, project_id))
    return (sum(buckets.values()),
            sum(n for bucket, n in buckets.items() if _wanted(bucket, "overdue")))


def _listed(owed: _Owed, status: str | None, buckets: tuple[int, int] | None = None) -> Select:
    """The outstanding periods as rows in the list's order (by end, then case number, clause
    reference and contractor name), all of them or those in a range of buckets."""
    pairs_query, starts = owed.pairs_query, None
    if buckets is not None:
        low, high = buckets[0] // 2, buckets[1] // 2  # month numbers of the ends
        # The periods ending in those months start within two months of them (a quarter;
        # after its end, too, when a clause's end date comes before its start date).
        starts = (_month_first(low - 2), _month_first(high + 3) - timedelta(days=1))
        # Only clauses with an ended period ending in those months: the first period ends by
        # the last month and the last one ended by today ends in the first month or later.
        clause = owed.clauses.c
        ended = owed.ended_before(owed.today, clause)
        last_ended = clause.first + ended - 1
        pairs_query = pairs_query.where(
            ended > 0,
            case((clause.first == clause.last, clause.end_month),
                 else_=(clause.first + 1) * clause.months - 1) <= high,
            case((last_ended == clause.last, clause.end_month),
                 else_=(last_ended + 1) * clause.months - 1) >= low)
    owing = pairs_query.cte("owed")
    pairs = owing.c
    ended = owed.ended_before(owed.today, pairs)
    if buckets is None:
        most = select(func.max(ended)).select_from(owing).scalar_subquery()
        offsets = _offsets(most)
        index = pairs.first + offsets.c.k
        conditions = [offsets.c.k < ended]
    else:
        offsets = _offsets(literal(high - low + 1, Integer()))
        index = greatest(pairs.first, case({f: low // m for f, m in MONTHS_PER_PERIOD.items()},
                                           value=pairs.frequency)) + offsets.c.k
        bucket = owed.bucket(index, pairs)
        conditions = [index < pairs.first + ended, bucket >= buckets[0], bucket <= buckets[1]]
    first_month = index * pairs.months
    period_start = case((index == pairs.first, pairs.start), else_=first_of_month(first_month))
    period_end = least(last_of_month(first_month + pairs.months - 1), pairs.end)
    periods = (
        select(pairs.clause_id, pairs.contractor_id, pairs.case_number, pairs.clause_ref,
               period_start.label("period_start"), period_end.label("period_end"))
        .join(offsets, true())
        .where(*conditions)
    ).subquery("periods")
    listed_clauses = select(pairs.clause_id)
    settled = _newest_reports(owed, returned=False, starts=starts, clause_ids=listed_clauses)
    returned = _newest_reports(owed, returned=True, starts=starts, clause_ids=listed_clauses)
    query = (
        select(periods, Organisation.name.label("contractor_name"),
               returned.c.id.label("latest_id"))
        .join(Organisation, Organisation.id == periods.c.contractor_id)
        .outerjoin(settled, and_(settled.c.clause_id == periods.c.clause_id,
                                 settled.c.contractor_id == periods.c.contractor_id,
                                 settled.c.period_start == periods.c.period_start))
        .outerjoin(returned, and_(returned.c.clause_id == periods.c.clause_id,
                                  returned.c.contractor_id == periods.c.contractor_id,
                                  returned.c.period_start == periods.c.period_start))
        .where(settled.c.id.is_(None))
    )
    if status == "overdue":
        query = query.where(periods.c.period_end < owed.overdue_before)
    elif status == "due":
        query = query.where(periods.c.period_end >= owed.overdue_before)
    return query.order_by(*_order(periods.c, Organisation.name))


def _offsets(count: ColumnElement[int]) -> CTE:
    """The integers 0 … count − 1 (at least 0) as rows of a column `k`."""
    offsets = select(literal(0, Integer()).label("k")).cte("offsets", recursive=True)
    return offsets.union_all(select(offsets.c.k + 1).where(offsets.c.k + 1 < count))


def _order(columns, contractor_name) -> list:
    return [columns.period_end, columns.case_number, columns.clause_ref, contractor_name,
            columns.contractor_id, columns.period_start]


def _due_report(row, clause: Clause, contractor: Organisation, today: date) -> DueReport:
    period = Period(row.period_start, row.period_end, clause.frequency)
    return DueReport(clause=clause, project=clause.agreement.project, contractor=contractor,
                     period=period, status=status_on(period, today),
                     returned=row.latest_id is not None, latest_id=row.latest_id,
                     days_late=max((today - period.deadline).days, 0))


def due_report_page(clauses: Select, today: date, *, page: int = 1, per_page: int = 25,
                    contractor_id: int | None = None, project_id: int | None = None,
                    status: str | None = None) -> DuePage:
    """One page of `due_reports` (status: only "due" or only "overdue" periods); a page
    number out of range gives the nearest page. Four statements: the counts per bucket, the
    page's periods, their clauses and their contractors."""
    owed = _owed(clauses, today, contractor_id, project_id)
    buckets = sorted((b, n) for b, n in _buckets(owed).items() if _wanted(b, status))
    total = sum(n for _b, n in buckets)
    overdue = sum(n for b, n in buckets if _wanted(b, "overdue"))
    page = min(max(page, 1), max(1, -(-total // per_page)))
    if not total:
        return DuePage([], page, per_page, total, overdue)
    skip, seen, window, offset = (page - 1) * per_page, 0, None, 0
    for bucket, n in buckets:  # the buckets holding the rows of this page
        if window is None and seen + n > skip:
            window, offset = (bucket, bucket), skip - seen
        seen += n
        if window is not None:
            window = (window[0], bucket)
            if seen >= skip + per_page:
                break
    listed = _listed(owed, status, window).limit(per_page).offset(offset).subquery("page")
    rows = db.session.execute(select(listed).order_by(
        *_order(listed.c, listed.c.contractor_name))).all()
    clause_by_id = {c.id: c for c in db.session.scalars(
        select(Clause).where(Clause.id.in_({row.clause_id for row in rows}))
        .options(joinedload(Clause.agreement).joinedload(Agreement.project)))}
    contractor_by_id = {o.id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_({row.contractor_id for row in rows})))}
    items = [_due_report(row, clause_by_id[row.clause_id], contractor_by_id[row.contractor_id],
                         today) for row in rows]
    return DuePage(items, page, per_page, total, overdue)


def due_reports(clauses: Select, today: date, contractor_id: int | None = None,
                project_id: int | None = None, status: str | None = None) -> list[DueReport]:
    """The outstanding periods of the given clauses (a Select of Clause rows, already scoped
    to the user), overdue first, then by deadline (status: only "due" or only "overdue"
    ones). Three statements, however many rows: the periods, their clauses, the
    contractors. For the numbers alone use `due_report_counts`, for a page `due_report_page`.
    """
    owed = _owed(clauses, today, contractor_id, project_id)
    rows = db.session.execute(_listed(owed, status)).all()
    if not rows:
        return []
    clause_by_id = {c.id: c for c in db.session.scalars(
        select(Clause).where(Clause.id.in_(select(owed.clauses.c.clause_id)))
        .options(joinedload(Clause.agreement).joinedload(Agreement.project)))}
    contractor_by_id = {o.id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(
            owed.pairs_query.with_only_columns(owed.pairs_query.selected_columns.contractor_id))))}
    return [_due_report(row, clause_by_id[row.clause_id], contractor_by_id[row.contractor_id],
                        today) for row in rows]
