"""What goes into each of the six documents of DESIGN §5, who may issue which, and the
archive: issue (render, hash, store), verify. No HTTP here; the views and the CLI commit.

Figures come from the counting modules (`tracker.fulfilment.clause_figures`,
`tracker.pathways`) so a document says what the dashboard and the API say; the rest are
SQL aggregates with a fixed number of queries per document, whatever its size.
Person-level rows go into an XLSX attachment with pseudonyms, never into the PDF; they are
read when the attachment is written (`Sheet.rows`), not with the document's figures.
"""
import hashlib
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, partial
from fractions import Fraction
from itertools import groupby
from operator import itemgetter
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_datetime
from markupsafe import Markup
from openpyxl import Workbook
from sqlalchemy import (
    ClauseElement,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker import access, charts
from tracker.dashboard.service import month_parameters, running_counts, running_series
from tracker.documents.render import RenderError, render_pdf
from tracker.documents.parallel import fetch_all
from tracker.extensions import db
from tracker.figures import clause_figures
from tracker.figures import lookup as figure_lookup
from tracker.figures import status_counts as figure_status_counts
from tracker.formatting import number, percent, short_date
from tracker.fulfilment import FULL_TIME_HOURS, ClauseFigures
from tracker.i18n import gettext as _, lazy_gettext as _l
from tracker.models import (
    Agreement,
    AgreementParty,
    BenefitGroup,
    Clause,
    ContractorReport,
    Document,
    Evaluation,
    FollowUp,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    Project,
    ProjectContractor,
    User,
)
from tracker.models.base import utcnow
from tracker.models.codes import (
    CLAUSE_KINDS,
    CLAUSE_STATUSES,
    DIMENSIONS,
    DOCUMENT_KINDS,
    FOLLOW_UP_MONTHS,
    FOLLOW_UP_STATUSES,
    GENDERS,
    OUTCOMES,
    PLACEMENT_KINDS,
    label,
)
from tracker.pathways import moved_into_work_or_education, moving
from tracker.sqlfunctions import (
    among, days_between, greatest, least, no_index, scaled_int, sums_by_each,
)

KINDS = tuple(DOCUMENT_KINDS)
# Which kinds each role may issue; the objects they name are checked against its scope.
ISSUABLE = {
    "admin": KINDS,
    "staff": KINDS,
    "builder": ("clause-status", "training"),
    "contractor": ("clause-status", "compliance"),
    "municipality": ("municipality", "pathway"),
}
# What each kind is about (the parameters it needs).
NEEDS = {
    "clause-status": ("project",),
    "compliance": ("contractor", "project"),
    "municipality": ("municipality", "date_from", "date_to"),
    "pathway": ("participant",),
    "annual": ("year",),
    "training": ("project", "year"),
}
TEMPLATES = {kind: f"pdf/{kind.replace('-', '_')}.html" for kind in KINDS}
SHORT_NAMES = {"clause-status": "klausulstatus", "compliance": "opfyldelseserklaering",
               "municipality": "kommunerapport", "pathway": "forloebsbeskrivelse",
               "annual": "aarsrapport", "training": "laerlingeindberetning"}
# Beyond this many rows an aggregate table is left to the attachment (few pages, MEASURED.md).
MAX_PDF_ROWS = 100
MAX_CHART_MONTHS = 24
SUPPRESS_BELOW = 5
DAYS_PER_YEAR, DAYS_PER_WEEK = 365, 7
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AGE_BANDS = {
    "u25": _l("Under 25"), "25-29": _l("25–29"), "30-39": _l("30–39"), "40-49": _l("40–49"),
    "50+": _l("50 and over"), "unknown": _l("Not stated"),
}
NOT_STATED = _l("Not stated")

RENDER_MESSAGES = {
    "timeout": _l("The document took too long to produce and was stopped. Choose a smaller "
                  "scope (e.g. a shorter period) or issue it from the command line."),
    "memory": _l("The document needed more memory than allowed and was stopped. Choose a "
                 "smaller scope (e.g. a shorter period)."),
    "failed": _l("The document could not be produced. Nothing was issued; please try again. "
                 "If it keeps failing, tell the secretariat."),
}


class IssueError(ValueError):
    """A document that cannot be issued; str(error) is the message for the user (Danish)."""


# --- The request: what to issue ------------------------------------------------------------

@dataclass
class DocumentRequest:
    """One document to issue: its kind, the objects it is about and the as-of date."""

    kind: str
    as_of: date | None = None
    project: Project | None = None
    contractor: Organisation | None = None
    municipality: Organisation | None = None
    participant: Participant | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def parameters(self) -> dict:
        """The request in natural keys, as stored with the document and typed in the CLI."""
        values = {
            "kind": self.kind, "as_of": self.as_of.isoformat() if self.as_of else None,
            "project": self.project.case_number if self.project else None,
            "contractor": self.contractor.cvr if self.contractor else None,
            "municipality": self.municipality.cvr if self.municipality else None,
            "participant": self.participant.ref if self.participant else None,
            "year": self.year,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in values.items() if v is not None}


def default_as_of(kind: str, today: date, year: int | None = None,
                  date_to: date | None = None) -> date:
    """Today, or the end of the year or period asked for when that is already over."""
    if kind in ("annual", "training") and year:
        return min(today, date(year, 12, 31))
    if kind == "municipality" and date_to:
        return min(today, date_to)
    return today


def issuable_kinds(user: User | None) -> tuple[str, ...]:
    """The kinds of document a user may issue (all for the command line)."""
    return KINDS if user is None else ISSUABLE.get(user.role, ())


def check_request(req: DocumentRequest, user: User | None, today: date) -> None:
    """Refuse, with a message for the user, a document the user may not issue or that makes
    no sense; fills in the as-of date. `user` None is the command line (the system)."""
    if req.kind not in KINDS:
        raise IssueError(_("Unknown kind of document: %(kind)s.", kind=req.kind))
    if req.kind not in issuable_kinds(user):
        raise IssueError(_("You may not issue a %(kind)s.",
                           kind=label(DOCUMENT_KINDS, req.kind).lower()))
    missing = [name for name in NEEDS[req.kind] if getattr(req, name) is None]
    if missing:
        raise IssueError(_("A %(kind)s needs: %(fields)s.",
                           kind=label(DOCUMENT_KINDS, req.kind).lower(),
                           fields=", ".join(str(FIELD_WORDS[m]) for m in missing)))
    for name in ("project", "contractor", "municipality", "participant", "year",
                 "date_from", "date_to"):
        if name not in NEEDS[req.kind]:
            setattr(req, name, None)  # what the kind does not use is not stored with it
    if req.as_of is None:
        req.as_of = default_as_of(req.kind, today, req.year, req.date_to)
    if req.as_of > today:
        raise IssueError(_("The as-of date cannot be after today."))
    if user is not None:  # first, so nothing is said about objects outside the scope
        _check_scope(req, user)
    _check_consistency(req)


FIELD_WORDS = {
    "project": _l("building project"), "contractor": _l("contractor"),
    "municipality": _l("municipality"), "participant": _l("participant"), "year": _l("year"),
    "date_from": _l("period from"), "date_to": _l("period to"),
}


def _check_consistency(req: DocumentRequest) -> None:
    if req.year is not None and not 2000 <= req.year <= 2100:
        raise IssueError(_("The year must be between 2000 and 2100."))
    if req.year is not None and req.year > req.as_of.year:
        raise IssueError(_("The year %(year)s has not begun by the as-of date.", year=req.year))
    if req.kind == "municipality":
        if req.municipality.kind != "municipality":
            raise IssueError(_("%(name)s is not a municipality.", name=req.municipality.name))
        if req.date_to < req.date_from:
            raise IssueError(_("The period must not end before it begins."))
        if req.date_to > req.as_of:
            raise IssueError(_("The period must not end after the as-of date (%(as_of)s).",
                               as_of=short_date(req.as_of)))
    if req.kind == "compliance":
        on_project = db.session.scalar(select(ProjectContractor.id).where(
            ProjectContractor.project_id == req.project.id,
            ProjectContractor.contractor_id == req.contractor.id))
        if on_project is None:
            raise IssueError(_("%(firm)s is not a contractor on building project %(case)s.",
                               firm=req.contractor.name, case=req.project.case_number))
    if req.kind == "training":
        start, end = _training_window(req.project, req.year, req.as_of)
        if start > end:
            raise IssueError(_("Building project %(case)s has no days in %(year)s up to the "
                               "as-of date.", case=req.project.case_number, year=req.year))
    if req.kind == "pathway":
        if req.participant.anonymised_at is not None:
            raise IssueError(_("The participant has been anonymised; no pathway can be issued."))
        if req.participant.consent_date is None:
            raise IssueError(_(
                "A participant pathway can only be issued when the participant's consent is "
                "recorded. Record the consent on the participant's page first."))


def _check_scope(req: DocumentRequest, user: User) -> None:
    """The objects named must be in the user's scope (access.py), and an external user may
    only speak for their own organisation."""
    def visible(model, obj) -> bool:
        return db.session.scalar(
            access.visible(model, user).with_only_columns(model.id).where(model.id == obj.id)
        ) is not None

    if req.project is not None and not visible(Project, req.project):
        raise IssueError(_("No building project %(case)s within your access.",
                           case=req.project.case_number))
    if req.participant is not None and not visible(Participant, req.participant):
        raise IssueError(_("No participant %(ref)s within your access.", ref=req.participant.ref))
    if req.municipality is not None and db.session.scalar(
            access.visible_municipalities(user).with_only_columns(Organisation.id)
            .where(Organisation.id == req.municipality.id)) is None:
        raise IssueError(_("No municipality %(name)s within your access.",
                           name=req.municipality.name))
    if user.role == "contractor" and req.contractor is not None \
            and req.contractor.id != user.organisation_id:
        raise IssueError(_("A contractor may only issue compliance statements for its own firm."))


# --- Small helpers the templates use --------------------------------------------------------

def figure(value, places: int = 2) -> str:
    """A figure with the decimals it has, at most `places` (half up): 8,5 · 7,16 · 10."""
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    shown = max(0, -value.normalize().as_tuple().exponent)
    return number(value, shown)


def suppressed(count: int | None) -> str:
    """A count in a breakdown: 1–4 shown as "<5" so no small group can be recognised."""
    if not count:
        return "0"
    return f"<{SUPPRESS_BELOW}" if count < SUPPRESS_BELOW else number(count)


def pseudonym(participant_id: int) -> str:
    """The name builders' and contractors' documents use: P-0042 (as Participant.pseudonym)."""
    return f"P-{participant_id:04d}"


def _decimal(value: Fraction | int | None, places: int = 2) -> Decimal | None:
    if value is None:
        return None
    value = Fraction(value)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _share(part, whole) -> Decimal | None:
    """part / whole × 100, exact until shown (None when whole is 0)."""
    if not whole:
        return None
    return _decimal(Fraction(part or 0) / Fraction(whole) * 100, 4)


def _d(value: date | ClauseElement) -> Any:
    """A date as a SQL value; a SQL expression (a statement's parameter) as it is."""
    return value if isinstance(value, ClauseElement) else literal(value, Date())


def _effective_end(as_of: Any, alias=Placement) -> Any:
    """DESIGN §4: actual end; else planned end if before the as-of date; else the as-of date."""
    return func.coalesce(
        alias.end_date,
        case((alias.planned_end < as_of, alias.planned_end), else_=as_of), type_=Date)


def _overlapping(start: date, end: date) -> Any:
    """Placements overlapping the period from `start` to `end` as counted at its end (DESIGN
    §4): started by the end, with an effective end (as of the end) on or after the start.
    Written without the effective end's CASE, which costs at national scale: with an actual
    end both are it; with only a planned end, the effective end is the planned end when that
    is earlier than the period's end, and otherwise both the period's end and the planned
    end are on or after the start; with neither, the period's end is."""
    return and_(Placement.start_date <= _d(end),
                func.coalesce(Placement.end_date, Placement.planned_end, _d(end),
                              type_=Date) >= _d(start))


def _effective_end_on(placement: Placement, as_of: date) -> date:
    """The same rule for one loaded placement, capped at the as-of date."""
    if placement.end_date is not None:
        return min(placement.end_date, as_of)
    if placement.planned_end is not None and placement.planned_end < as_of:
        return placement.planned_end
    return as_of


def _as_flag(condition: Any) -> Any:
    """1 where the condition holds, else 0."""
    return case((condition, 1), else_=0)


def _overlap_days(start: date, end: date, as_of: date, alias=Placement) -> Any:
    """Days of a placement inside [start, end] counted as of `as_of` (may be ≤ 0: none)."""
    last = least(_effective_end(_d(as_of), alias), _d(end))
    first = greatest(alias.start_date, _d(start))
    return days_between(last, first) + 1


@dataclass
class Sheet:
    """One sheet of the XLSX attachment. `rows` is a list, or a function that reads them
    when the workbook is written: the person-level rows the PDF never shows (10,000
    placements for the largest municipality's five years) are read for the attachment,
    not while the document's figures are assembled."""

    title: str
    headers: list[str]
    rows: list[list[Any]] | Callable[[], Iterable[list[Any]]] = field(default_factory=list)

    def all_rows(self) -> Iterable[list[Any]]:
        """The rows, read now when they are read on demand."""
        return self.rows() if callable(self.rows) else self.rows


@dataclass
class Built:
    """A document's content before rendering: template context, attachment, archive keys."""

    title: str
    scope: str
    context: dict
    sheets: list[Sheet]
    project_id: int | None = None
    organisation_id: int | None = None
    participant_id: int | None = None
    year: int | None = None


def _months(first: date, last: date) -> list[date]:
    months = charts.month_starts(first, last)
    return months[-MAX_CHART_MONTHS:]


def _running_by_month(condition: Any, first: date, last: date) -> dict:
    """Placements matching `condition` running in each month from `first` to `last` (the
    last MAX_CHART_MONTHS months), by kind: one query (`running_counts`)."""
    months = _months(first, last)
    if not months:
        return _running([], months)
    statement = running_counts(select(Placement).where(condition), len(months))
    return _running(db.session.execute(statement, month_parameters(months, last)).all(), months)


def _chart_parameters(months: list[date], last: date) -> dict[str, date]:
    """The parameters of a chart's statement (`running_counts`) for `fetch_all`."""
    return month_parameters(months, last) if months else {}


def _running(counts, months: list[date]) -> dict:
    """The chart's figures from the rows of `running_counts`."""
    return running_series(counts, months) if months else {"months": [], "series": {}}


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _placements_chart(running: dict, title: str) -> Markup | None:
    if not running["months"] or not any(sum(v) for v in running["series"].values()):
        return None
    labels = {kind: str(word) for kind, word in PLACEMENT_KINDS.items()}
    series = {kind: values for kind, values in running["series"].items() if any(values)}
    return charts.monthly_columns(running["months"], series, labels, title)


def _fulfilment_chart(clauses: list[Clause], figures: dict[int, ClauseFigures],
                      title: str) -> Markup | None:
    if not clauses:
        return None
    bars = [charts.Bar(f"{c.ref} · {label(CLAUSE_KINDS, c.kind)}",
                       figures[c.id].percent, figures[c.id].status,
                       percent(figures[c.id].percent) if figures[c.id].percent is not None
                       else label(CLAUSE_STATUSES, figures[c.id].status))
            for c in clauses]
    return charts.fulfilment_bars(bars, title, label_width=230)


def _placement_sheet(condition: Any, as_of: date, title: str) -> Sheet:
    """The placements matching `condition` (started by the as-of date), one row each, with
    the participant as a pseudonym; read when the workbook is written (`Sheet.rows`). The
    words are taken now, in the document's language."""
    employer = aliased(Organisation)
    query = (select(Placement.ref, Placement.participant_id, Placement.kind, employer.name,
                    Project.case_number, Placement.trade, Placement.start_date,
                    Placement.planned_end, Placement.end_date, Placement.hours_per_week,
                    Placement.outcome)
             .join(employer, Placement.employer_id == employer.id)
             .outerjoin(Project, Placement.project_id == Project.id)
             .where(condition, Placement.start_date <= _d(as_of))
             .order_by(Placement.start_date, Placement.id))
    # The words once per sheet, not once per row (thousands of rows at national scale).
    kinds = {code: str(word) for code, word in PLACEMENT_KINDS.items()}
    outcomes = {code: str(word) for code, word in OUTCOMES.items()}

    def rows() -> Iterable[list[Any]]:
        # Through Core: thousands of rows at national scale, the ORM's row handling costs more.
        for ref, pid, kind, firm, case_number, trade, start, planned, end, hours, outcome \
                in db.session.connection().execute(query):
            # An end after the as-of date was not known then: the sheet shows the data as of it.
            ended = end if end is not None and end <= as_of else None
            yield [ref, pseudonym(pid), kinds.get(kind, kind), firm, case_number or "",
                   trade or "", start, planned, ended, Decimal(hours),
                   outcomes.get(outcome, outcome or "") if ended else ""]

    return Sheet(title, [_("Placement"), _("Participant (pseudonym)"), _("Kind"),
                         _("Employer"), _("Case number"), _("Trade"), _("Start"),
                         _("Planned end"), _("End"), _("Hours per week"), _("Outcome")], rows)


# --- 1. Clause status report ---------------------------------------------------------------

def _project_clauses(project_id: int, contractor_id: int | None = None) -> list[Clause]:
    query = (select(Clause).join(Agreement, Clause.agreement_id == Agreement.id)
             .where(Agreement.project_id == project_id)
             .options(joinedload(Clause.responsible_contractor), joinedload(Clause.agreement))
             .order_by(Clause.ref))
    if contractor_id is not None:
        query = query.where(or_(Clause.responsible_contractor_id.is_(None),
                                Clause.responsible_contractor_id == contractor_id))
    return db.session.scalars(query).unique().all()


def _project_header(project_id: int) -> Project:
    return db.session.scalars(
        select(Project).where(Project.id == project_id)
        .options(joinedload(Project.builder),
                 joinedload(Project.housing_area).joinedload(HousingArea.municipality),
                 selectinload(Project.contractors).joinedload(ProjectContractor.contractor))
    ).unique().one()


def _placement_totals(condition: Any, as_of: date) -> dict:
    """Placements started by the as-of date, by kind: count, persons, running, moved on to
    work or education, weeks so far. One query, plus one for the distinct total."""
    as_of_d = _d(as_of)
    running = _effective_end(as_of_d) >= as_of_d
    days = days_between(least(_effective_end(as_of_d), as_of_d), Placement.start_date) + 1
    started = and_(condition, Placement.start_date <= as_of_d)
    rows = db.session.execute(
        select(Placement.kind, func.count(), func.count(distinct(Placement.participant_id)),
               func.sum(case((running, 1), else_=0)),
               func.sum(case((and_(Placement.end_date <= as_of_d,
                                   Placement.outcome.in_(("ordinary_job", "education"))), 1),
                             else_=0)),
               func.sum(days))
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
        figures["weeks"] = _decimal(Fraction(figures.pop("days"), DAYS_PER_WEEK), 1)
    return {"kinds": [(kind, by_kind[kind]) for kind in PLACEMENT_KINDS if kind in by_kind],
            "total": total}


def _by_employer(condition: Any, as_of: date) -> list[tuple]:
    """Placements started by the as-of date per employer: name, placements, persons."""
    return db.session.execute(
        select(Organisation.name, func.count(), func.count(distinct(Placement.participant_id)))
        .join(Organisation, Placement.employer_id == Organisation.id)
        .where(condition, Placement.start_date <= _d(as_of))
        .group_by(Organisation.name).order_by(func.count().desc(), Organisation.name)).all()


def _latest_report_comments(clause_ids: list[int], as_of: date) -> dict[int, tuple]:
    """Per clause: period end and comment of the newest approved report used by the figures."""
    if not clause_ids:
        return {}
    rows = db.session.execute(
        select(ContractorReport.clause_id, ContractorReport.period_end, ContractorReport.comment)
        .where(ContractorReport.clause_id.in_(clause_ids), ContractorReport.status == "approved",
               ContractorReport.period_end <= _d(as_of))
        .order_by(ContractorReport.clause_id, ContractorReport.period_end,
                  ContractorReport.report_version)).all()
    latest = {}
    for clause_id, period_end, comment in rows:
        latest[clause_id] = (period_end, comment)
    return latest


def clause_status(project: Project, as_of: date) -> Built:
    """Clause status report: parties and contributions, every clause's figures, charts,
    placements in aggregate, open discrepancies; placements with pseudonyms attached."""
    project = _project_header(project.id)
    agreements = db.session.scalars(
        select(Agreement).where(Agreement.project_id == project.id)
        .options(selectinload(Agreement.parties).joinedload(AgreementParty.organisation))
        .order_by(Agreement.ref)).all()
    clauses = _project_clauses(project.id)
    figures = clause_figures([c.id for c in clauses], as_of)
    on_project = Placement.project_id == project.id
    discrepancies = [c for c in clauses if figures[c.id].discrepancy]
    comments = _latest_report_comments([c.id for c in discrepancies], as_of)
    period_end = min(as_of, project.end_date)
    context = {
        "project": project, "agreements": agreements, "clauses": clauses, "figures": figures,
        "status_counts": _status_counts(figures),
        "fulfilment_chart": _fulfilment_chart(clauses, figures, _("Fulfilment per clause")),
        "placements_chart": _placements_chart(
            _running_by_month(on_project, project.start_date, period_end),
            _("Running placements per month")),
        "totals": _placement_totals(on_project, as_of),
        "employers": _by_employer(on_project, as_of),
        "discrepancies": discrepancies, "comments": comments,
    }
    sheet = _placement_sheet(on_project, as_of, _("Placements"))
    # The sheet's rows are the placements the totals count (started by the as-of date).
    attachment_rows = context["totals"]["total"]["placements"]
    return Built(
        title=_("Clause status report"),
        scope=_("Building project %(case)s %(name)s", case=project.case_number, name=project.name),
        context=context | {"attachment_rows": attachment_rows}, sheets=[sheet],
        project_id=project.id)


def _status_counts(figures: dict[int, ClauseFigures]) -> list[tuple[str, int]]:
    counts = defaultdict(int)
    for f in figures.values():
        counts[f.status] += 1
    return [(status, counts[status]) for status in CLAUSE_STATUSES if counts[status]]


# --- 2. Compliance statement ----------------------------------------------------------------

def _report_statuses(clause_ids: list[int], contractor_id: int, as_of: date) -> dict[str, int]:
    """The contractor's reports on the clauses for periods ended by the as-of date, by the
    status of each period's newest version: one query."""
    if not clause_ids:
        return {}
    report = ContractorReport
    newest = (select(report.clause_id, report.period_start,
                     func.max(report.report_version).label("version"))
              .where(report.contractor_id == contractor_id, report.clause_id.in_(clause_ids),
                     report.period_end <= _d(as_of))
              .group_by(report.clause_id, report.period_start).subquery("newest"))
    return dict(db.session.execute(
        select(report.status, func.count())
        .join(newest, and_(report.clause_id == newest.c.clause_id,
                           report.period_start == newest.c.period_start,
                           report.report_version == newest.c.version))
        .where(report.contractor_id == contractor_id)
        .group_by(report.status)).all())


def compliance(project: Project, contractor: Organisation, as_of: date) -> Built:
    """Compliance statement: the clauses a contractor answers for (its own and those with no
    responsible contractor) and whether each is met; its placements in aggregate."""
    project = _project_header(project.id)
    clauses = _project_clauses(project.id, contractor.id)
    figures = clause_figures([c.id for c in clauses], as_of)
    own = and_(Placement.project_id == project.id, Placement.employer_id == contractor.id)
    reports = _report_statuses([c.id for c in clauses], contractor.id, as_of)
    met = sum(1 for f in figures.values() if f.status == "met")
    role = next((pc.role for pc in project.contractors if pc.contractor_id == contractor.id), None)
    sheet = _placement_sheet(own, as_of, _("Placements"))
    totals = _placement_totals(own, as_of)
    context = {
        "project": project, "contractor": contractor, "role": role, "clauses": clauses,
        "figures": figures, "met": met,
        "fulfilment_chart": _fulfilment_chart(clauses, figures, _("Fulfilment per clause")),
        "totals": totals, "reports": reports,
        # The sheet's rows are the placements the totals count (started by the as-of date).
        "attachment_rows": totals["total"]["placements"],
    }
    return Built(
        title=_("Compliance statement"),
        scope=_("%(firm)s (CVR %(cvr)s) on building project %(case)s %(name)s",
                firm=contractor.name, cvr=contractor.cvr, case=project.case_number,
                name=project.name),
        context=context, sheets=[sheet], project_id=project.id, organisation_id=contractor.id)


# --- 3. Municipality report -----------------------------------------------------------------

def _age_band(reference_year: Any) -> Any:
    age = reference_year - Participant.birth_year
    return case(
        (Participant.birth_year.is_(None), "unknown"),
        (age < 25, "u25"), (age < 30, "25-29"), (age < 40, "30-39"), (age < 50, "40-49"),
        else_="50+")


# The columns of `_resident_query`: first the breakdown keys (housing area, benefit group,
# age band, gender), then these, in this order.
_BREAKDOWN_KEYS = 4
_RESIDENT_FLAGS = ("enrolled", "in_placement", "moved", "internship", "wage_subsidy",
                   "ordinary_job", "direct_job")
_RESIDENT_COUNTS = (*(f"kind:{k}" for k in PLACEMENT_KINDS), *(f"outcome:{o}" for o in OUTCOMES),
                    "outcome:")


def _resident_query(municipality_id: Any, start: Any, end: Any, reference_year: Any) -> Any:
    """One row per resident of the municipality, from one pass over their placements:
    housing area, benefit group, age band and gender; then 0/1 for enrolled (intake in the
    period), in a placement (overlapping the period), moved into work or education (§4,
    `pathways.moving`), and the pathway steps (an internship in the period; it led on to a
    wage subsidy started by the period's end; that led on to an ordinary job; the internship
    led straight to an ordinary job); then counts of the resident's placements overlapping
    the period by kind, and of those ended in the period by outcome (None last).
    The columns are named in _RESIDENT_FLAGS and _RESIDENT_COUNTS. The age is the age
    reached in `reference_year`."""
    s, e = _d(start), _d(end)
    # The placements a placement led on to.
    second = aliased(Placement, name="next_placement")
    third = aliased(Placement, name="placement_after_next")
    # Each placement's conditions once, in a subquery the database keeps whole (OFFSET 0):
    # folded into the grouping, every column below would evaluate them again.
    per_placement = (
        select(Placement.participant_id.label("pid"), Placement.kind, Placement.outcome,
               _as_flag(and_(Placement.start_date <= e, _effective_end(e) >= s))
               .label("overlapping"),
               _as_flag(moving(start, end)).label("moved"),
               _as_flag(Placement.end_date.between(s, e)).label("ended"),
               second.kind.label("second_kind"), third.kind.label("third_kind"))
        .outerjoin(second, and_(Placement.kind == "internship",
                                second.id == Placement.next_placement_id, second.start_date <= e))
        .outerjoin(third, and_(third.id == second.next_placement_id, third.start_date <= e))
        .where(among(Placement.participant_id,
                      select(Participant.id).where(Participant.municipality_id == municipality_id)))
        .offset(0).subquery("per_placement"))
    p = per_placement.c
    overlapping, ended = p.overlapping == 1, p.ended == 1
    internship = and_(overlapping, p.kind == "internship")
    to_wage = and_(internship, p.second_kind == "wage_subsidy")

    def flag(condition):
        return func.max(_as_flag(condition))

    def count(condition):
        return func.sum(_as_flag(condition))

    per_resident = (
        select(p.pid, func.max(p.overlapping), func.max(p.moved), flag(internship),
               flag(to_wage), flag(and_(to_wage, p.third_kind == "ordinary_job")),
               flag(and_(internship, p.second_kind == "ordinary_job")),
               *(count(and_(overlapping, p.kind == k)) for k in PLACEMENT_KINDS),
               *(count(and_(ended, p.outcome == o)) for o in OUTCOMES),
               count(and_(ended, p.outcome.is_(None))))
        .group_by(p.pid).subquery("per_resident"))
    figures = [func.coalesce(c, 0) for c in list(per_resident.c)[1:]]
    query = (
        select(HousingArea.name, BenefitGroup.name_da, _age_band(reference_year),
               Participant.gender, case((Participant.intake_date.between(s, e), 1), else_=0),
               *figures)
        .select_from(Participant)
        .outerjoin(per_resident, per_resident.c.pid == Participant.id)
        .outerjoin(HousingArea, Participant.housing_area_id == HousingArea.id)
        .outerjoin(BenefitGroup, Participant.benefit_group_id == BenefitGroup.id)
        .where(Participant.municipality_id == municipality_id))
    return query


def _resident_figures(rows: list[tuple]) -> dict:
    """What the municipality report makes of its residents' statement (`_resident_query`'s
    figures summed by each breakdown column, `_municipality_statements`): residents enrolled
    and moved into work or education; the pathway steps (residents with an internship in
    the period; of them, those whose internship led on to a wage subsidy, and from that to
    an ordinary job; and straight to an ordinary job); the placements by kind and outcome;
    and, per breakdown column (housing area, benefit group, age band, gender), residents
    enrolled, in a placement and moved by value, for the values with any of them. Needs
    nothing but the rows (`fetch_all` runs it while the other statements are read)."""
    groups: list[dict] = [{} for _ in range(_BREAKDOWN_KEYS)]
    whole = [0] * (len(_RESIDENT_FLAGS) + len(_RESIDENT_COUNTS))
    for row in rows:  # (which key, the keys, the sums): `sqlfunctions.sums_by_each`
        which, figures = row[0], [n or 0 for n in row[1 + _BREAKDOWN_KEYS:]]
        if which == _BREAKDOWN_KEYS:  # all residents
            whole = figures
        elif any(figures[:3]):  # enrolled, in a placement, moved
            groups[which][row[1 + which]] = figures[:3]
    flags = dict(zip(_RESIDENT_FLAGS, whole))
    return {"enrolled": flags["enrolled"], "moved": flags["moved"], "groups": groups,
            "steps": {step: flags[step]
                      for step in ("internship", "wage_subsidy", "ordinary_job", "direct_job")},
            "totals": dict(zip(_RESIDENT_COUNTS, whole[len(_RESIDENT_FLAGS):]))}


def _breakdowns(groups: list[dict]) -> list[dict]:
    """Residents enrolled, in a placement and moved into work or education in the period,
    by housing area, benefit group, age band and gender, from `_resident_figures`."""
    groupings = [(_("Housing area"), None), (_("Benefit group at intake"), None),
                 (_("Age"), AGE_BANDS), (_("Gender"), GENDERS)]
    result = []
    for (title, words), counts in zip(groupings, groups):
        grouped = [(k, a, b, c) for k, (a, b, c) in counts.items()]
        if words is not None:
            order = list(words)
            grouped.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
            grouped = [(label(words, k) if k is not None else str(NOT_STATED), a, b, c)
                       for k, a, b, c in grouped]
        else:
            grouped.sort(key=lambda r: (r[0] is None, r[0] or ""))
            grouped = [(k if k is not None else str(NOT_STATED), a, b, c)
                       for k, a, b, c in grouped]
        result.append({"title": title, "rows": grouped})
    return result


def _progression_query(residents: Any, start: date, end: date) -> Any:
    """The residents' assessments of the period in order, for `_progression` (a few
    thousand short rows at national scale; ranking them in SQL took ten times as long)."""
    pa = ProgressAssessment
    return (select(pa.participant_id, *(getattr(pa, d) for d in DIMENSIONS))
            .where(among(pa.participant_id, residents),
                   pa.assessed_on.between(_d(start), _d(end)))
            .order_by(pa.participant_id, pa.assessed_on, pa.id))


def _progression(rows: list) -> list[dict]:
    """Per dimension: residents with two or more scores in the period, their average first
    and latest score and the average change (first to latest non-empty score), from the
    rows of `_progression_query`."""
    width = len(DIMENSIONS)
    persons, first_sum, latest_sum = [0] * width, [0] * width, [0] * width
    for _pid, assessments in groupby(rows, key=itemgetter(0)):  # one person's, in order
        assessments = list(assessments)
        if len(assessments) < 2:  # one assessment: no dimension has two scores
            continue
        # Column by column (the first is the person): one pass over the rows, not one per
        # dimension; the database's row objects are slow to index (4 → 3 ms nationally).
        for i, column in enumerate(list(zip(*assessments))[1:]):
            scores = [score for score in column if score is not None]
            if len(scores) >= 2:
                persons[i] += 1
                first_sum[i] += scores[0]
                latest_sum[i] += scores[-1]
    result = []
    for i, dimension in enumerate(DIMENSIONS):
        n = persons[i]
        result.append({
            "dimension": dimension, "persons": n,
            "first": _decimal(Fraction(first_sum[i], n), 1) if n else None,
            "latest": _decimal(Fraction(latest_sum[i], n), 1) if n else None,
            "change": _decimal(Fraction(latest_sum[i] - first_sum[i], n), 1) if n else None,
        })
    return result


# The municipality report's parameters. Its statements are made once per process and number
# of chart months (`_municipality_statements`) and read with the values bound: made anew for
# each report they took 4 ms, before the first of them could start.
_MUNICIPALITY_ID = bindparam("municipality_id", type_=Integer)
_DATE_FROM = bindparam("date_from", type_=Date)
_DATE_TO = bindparam("date_to", type_=Date)
_REFERENCE_YEAR = bindparam("reference_year", type_=Integer)


@cache
def _municipality_statements(dialect: str, months: int) -> dict[str, Any]:
    """The municipality report's statements, by name, for `fetch_all`: its residents'
    figures (`_resident_query`, summed by each breakdown column and over all residents),
    follow-ups, assessments and, with `months` months, the chart. Their parameters are
    the municipality's id, the period's first and last day, the year the ages are reached
    in (the period's last) and the chart's months (`_chart_parameters`)."""
    residents = select(Participant.id).where(Participant.municipality_id == _MUNICIPALITY_ID)
    resident_placements = among(Placement.participant_id, residents)
    # In this order: with fewer connections than statements, the next free connection takes
    # the next statement. The assessments early, so that their processing (the most of the
    # four) overlaps the reading of the others: on two cores, national data, the whole build
    # took 44.7 against 46.7 ms on SQLite and 38.0 against 38.7 ms on PostgreSQL with the
    # follow-ups second (three rounds of 80 builds each).
    statements = {
        "residents": sums_by_each(
            _resident_query(_MUNICIPALITY_ID, _DATE_FROM, _DATE_TO, _REFERENCE_YEAR),
            _BREAKDOWN_KEYS, dialect),
        "assessments": _progression_query(residents, _DATE_FROM, _DATE_TO),
    }
    if months:
        statements["chart"] = running_counts(select(Placement).where(resident_placements), months)
    statements["follow_ups"] = (
        select(FollowUp.months, FollowUp.status, func.count())
        .join(Placement, FollowUp.placement_id == Placement.id)
        .where(resident_placements, FollowUp.follow_up_date.between(_DATE_FROM, _DATE_TO))
        .group_by(FollowUp.months, FollowUp.status))
    return statements


def municipality_report(municipality: Organisation, date_from: date, date_to: date,
                        as_of: date) -> Built:
    """Municipality report for one municipality and period: DESIGN §6 summary, pathways,
    outcomes, follow-ups, progression and breakdowns with small counts suppressed.

    The residents' placements are read in one pass (`_resident_query`) and summed in the
    database by each breakdown column: the summary (the same figures as
    `pathways.municipality_summary`, checked in the tests), the pathway steps, the outcomes
    and the breakdowns all come from it (`_resident_figures`). It, the follow-ups, the
    chart's and the assessments' statements are read side by side (`fetch_all`), and their
    rows worked through as they arrive while the database still reads the others."""
    months = _months(date_from, date_to)
    statements = _municipality_statements(db.session.get_bind().dialect.name, len(months))
    parameters = {"municipality_id": municipality.id, "date_from": date_from,
                  "date_to": date_to, "reference_year": date_to.year,
                  **_chart_parameters(months, date_to)}
    read = fetch_all(statements, process={"residents": _resident_figures,
                                          "assessments": _progression,
                                          "chart": partial(_running, months=months)},
                     parameters=parameters)
    residents_read = read["residents"]
    totals = residents_read["totals"]
    follow_ups = {(m, st): n for m, st, n in read["follow_ups"]}
    by_status = defaultdict(int)
    for (_m, status), n in follow_ups.items():
        by_status[status] += n
    summary = {
        "enrolled": residents_read["enrolled"],
        "placements": {k: totals[f"kind:{k}"] for k in PLACEMENT_KINDS},
        "moved_into_work_or_education": residents_read["moved"],
        "follow_ups": {status: by_status.get(status, 0) for status in FOLLOW_UP_STATUSES},
    }
    outcomes = {o: totals[f"outcome:{o}"] for o in OUTCOMES} | {None: totals["outcome:"]}
    steps = residents_read["steps"]
    flow = charts.pathway_flow(
        [(str(PLACEMENT_KINDS["internship"]), steps["internship"]),
         (str(PLACEMENT_KINDS["wage_subsidy"]), steps["wage_subsidy"]),
         (str(PLACEMENT_KINDS["ordinary_job"]), steps["ordinary_job"])],
        _("Pathway: internship, wage subsidy, ordinary job"))
    residents = select(Participant.id).where(Participant.municipality_id == municipality.id)
    s, e = _d(date_from), _d(date_to)
    overlapping = and_(among(Placement.participant_id, residents), Placement.start_date <= e,
                       _effective_end(e) >= s)
    sheet = _placement_sheet(overlapping, as_of, _("Placements"))
    context = {
        "municipality": municipality, "date_from": date_from, "date_to": date_to,
        "summary": summary, "outcomes": [(o, outcomes[o]) for o in OUTCOMES if outcomes.get(o)]
        + ([(None, outcomes[None])] if outcomes.get(None) else []),
        "follow_up_rows": [
            (m, {st: n for (mm, st), n in follow_ups.items() if mm == m},
             sum(n for (mm, _st), n in follow_ups.items() if mm == m))
            for m in FOLLOW_UP_MONTHS],
        "steps": steps, "flow_chart": flow,
        "placements_chart": _placements_chart(read.get("chart") or _running([], months),
                                              _("Running placements per month")),
        "progression": read["assessments"],
        "breakdowns": _breakdowns(residents_read["groups"]),
        # The sheet's rows are the placements counted by kind: the period ends by the as-of
        # date (check_request), so every placement overlapping it started by then.
        "attachment_rows": sum(summary["placements"].values()),
    }
    return Built(
        title=_("Municipality report"),
        scope=_("%(name)s, %(start)s–%(end)s", name=municipality.name,
                start=short_date(date_from), end=short_date(date_to)),
        context=context, sheets=[sheet], organisation_id=municipality.id)


# --- 4. Participant pathway -----------------------------------------------------------------

def pathway(participant: Participant, as_of: date) -> Built:
    """Participant pathway (forløbsbeskrivelse) for the job centre: the person, consent, the
    chain of placements, follow-ups and progression, as of the date. Consent is required."""
    participant = db.session.scalars(
        select(Participant).where(Participant.id == participant.id)
        .options(joinedload(Participant.housing_area), joinedload(Participant.municipality),
                 joinedload(Participant.benefit_group))).one()
    placements = db.session.scalars(
        select(Placement).where(Placement.participant_id == participant.id,
                                Placement.start_date <= _d(as_of))
        .options(joinedload(Placement.employer), joinedload(Placement.project))
        .order_by(Placement.start_date, Placement.id)).all()
    follow_ups = db.session.scalars(
        select(FollowUp).join(Placement, FollowUp.placement_id == Placement.id)
        .where(Placement.participant_id == participant.id,
               FollowUp.follow_up_date <= _d(as_of))
        .order_by(FollowUp.follow_up_date, FollowUp.months)).all()
    assessments = db.session.scalars(
        select(ProgressAssessment).where(ProgressAssessment.participant_id == participant.id,
                                         ProgressAssessment.assessed_on <= _d(as_of))
        .order_by(ProgressAssessment.assessed_on, ProgressAssessment.id)).all()
    changes = []
    for dimension in DIMENSIONS:
        scores = [getattr(a, dimension) for a in assessments if getattr(a, dimension) is not None]
        changes.append({"dimension": dimension, "first": scores[0] if scores else None,
                        "latest": scores[-1] if scores else None,
                        "change": scores[-1] - scores[0] if scores else None})
    steps = []
    for p in placements:
        ended = p.end_date is not None and p.end_date <= as_of
        steps.append({"placement": p, "end": p.end_date if ended else None,
                      "outcome": p.outcome if ended else None,
                      "weeks": _decimal(Fraction(
                          (_effective_end_on(p, as_of) - p.start_date).days + 1, DAYS_PER_WEEK), 1),
                      "running": not ended})
    moved = moved_into_work_or_education([participant.id], date(1900, 1, 1), as_of)
    context = {"participant": participant, "steps": steps, "follow_ups": follow_ups,
               "assessments": assessments, "changes": changes,
               "moved": participant.id in moved}
    return Built(
        title=_("Participant pathway"),
        # Scope words are shown on the public verification page: never the person's name.
        scope=_("Participant %(pseudonym)s", pseudonym=pseudonym(participant.id)),
        context=context, sheets=[], participant_id=participant.id)


# --- 5. Annual report -----------------------------------------------------------------------

def _municipality_figures(start: date, end: date) -> dict:
    """The §6 municipality summary of every municipality at once, by municipality id (None:
    participants without a municipality), plus per municipality the distinct participants
    with a placement overlapping the period ("persons"): three grouped queries
    (`_municipality_queries`), read side by side. A participant lives in one municipality,
    so the national totals are the sums over the ids."""
    return _municipality_totals(fetch_all(_municipality_queries(start, end)))


def _municipality_queries(start: date, end: date) -> dict:
    """The grouped queries of `_municipality_figures`, by name, for `fetch_all`."""
    s, e = _d(start), _d(end)
    # One pass over the placements overlapping the period, per participant (whether any
    # moved them, how many of each kind), then the sums per municipality: no DISTINCT over a
    # national year's 65,000 placements. Every placement that moves its participant in the
    # period also overlaps it (the check constraints keep ends on or after starts), so
    # every participant of this pass counts as a person and the moves need no pass of their own.
    per_participant = (
        select(Placement.participant_id.label("pid"),
               func.max(_as_flag(moving(start, end))).label("moved"),
               *(func.sum(_as_flag(Placement.kind == k)).label(k) for k in PLACEMENT_KINDS))
        .where(_overlapping(start, end)).group_by(Placement.participant_id)
        .subquery("per_participant"))
    q = per_participant.c
    return {  # the longest first (`fetch_all` hands them out in this order)
        "placed": select(Participant.municipality_id, func.count(), func.sum(q.moved),
                         *(func.sum(q[k]) for k in PLACEMENT_KINDS))
        .join(per_participant, q.pid == Participant.id)
        .group_by(Participant.municipality_id),
        "follow_ups": select(Participant.municipality_id, FollowUp.status, func.count())
        .join(Placement, FollowUp.placement_id == Placement.id)
        .join(Participant, Placement.participant_id == Participant.id)
        .where(no_index(FollowUp.follow_up_date).between(s, e))
        .group_by(Participant.municipality_id, FollowUp.status),
        "enrolled": select(Participant.municipality_id, func.count())
        .where(Participant.intake_date.between(s, e)).group_by(Participant.municipality_id),
    }


def _municipality_totals(rows: dict) -> dict:
    """`_municipality_figures` from the rows of `_municipality_queries`."""
    figures: dict = defaultdict(lambda: {
        "enrolled": 0, "placements": dict.fromkeys(PLACEMENT_KINDS, 0), "persons": 0,
        "moved_into_work_or_education": 0, "follow_ups": dict.fromkeys(FOLLOW_UP_STATUSES, 0)})
    for mid, n in rows["enrolled"]:
        figures[mid]["enrolled"] = n
    for mid, persons, moved_n, *by_kind in rows["placed"]:
        row = figures[mid]  # PostgreSQL sums the per-participant sums as numeric
        row["persons"], row["moved_into_work_or_education"] = int(persons), int(moved_n)
        row["placements"] = {k: int(n) for k, n in zip(PLACEMENT_KINDS, by_kind)}
    for mid, status, n in rows["follow_ups"]:
        if status in FOLLOW_UP_STATUSES:
            figures[mid]["follow_ups"][status] += n
    return figures


def _by_municipality(start: date, end: date, figures: dict | None = None) -> list[dict]:
    """The §6 municipality summary for every municipality with any figure in the period
    (checked against `municipality_summary` in the tests), by name."""
    if figures is None:
        figures = _municipality_figures(start, end)
    municipalities = db.session.scalars(
        select(Organisation).where(Organisation.kind == "municipality")
        .order_by(Organisation.name)).all()
    rows = []
    for m in municipalities:
        f = figures.get(m.id)
        if f is None:
            continue
        row = {"municipality": m, "enrolled": f["enrolled"], "placements": f["placements"],
               "moved_into_work_or_education": f["moved_into_work_or_education"],
               "follow_ups": f["follow_ups"]}
        if row["enrolled"] or any(row["placements"].values()) or row["moved_into_work_or_education"] \
                or any(row["follow_ups"].values()):
            rows.append(row)
    return rows


def _running_projects(start: date, end: date) -> Any:
    """Building projects running at some time from `start` to `end`."""
    return and_(Project.start_date <= _d(end), Project.end_date >= _d(start))


def _year_clauses(start: date, end: date) -> Any:
    """The clause ids, with their projects, of the projects running from `start` to `end`
    (the projects as a subquery: national scale has thousands, no long IN lists)."""
    return (select(Clause.id, Agreement.project_id)
            .join(Agreement, Clause.agreement_id == Agreement.id)
            .where(Agreement.project_id.in_(select(Project.id)
                                            .where(_running_projects(start, end)))))


def _annual_projects(start: date, end: date, as_of: date) -> list[dict]:
    """Every building project running in the period, by case number, with its clauses by
    status as of `as_of` and its placements and participants overlapping the period."""
    conn = db.session.connection()  # Core for the thousands of rows of a national deployment
    builder, area, municipality = aliased(Organisation), aliased(HousingArea), aliased(Organisation)
    running = _running_projects(start, end)
    projects = conn.execute(
        select(Project.id, Project.case_number, Project.name, builder.name.label("builder"),
               area.name.label("area"), municipality.name.label("municipality"))
        .outerjoin(builder, Project.builder_id == builder.id)
        .outerjoin(area, Project.housing_area_id == area.id)
        .outerjoin(municipality, area.municipality_id == municipality.id)
        .where(running).order_by(Project.case_number)).all()
    project_ids = select(Project.id).where(running)
    year_clauses = _year_clauses(start, end)
    clause_projects = dict(conn.execute(year_clauses).all())
    # Only the status is used, so the stored rows are not turned into ClauseFigures.
    figures = figure_lookup(year_clauses.with_only_columns(Clause.id), as_of)
    statuses = defaultdict(Counter)
    for clause_id, f in figures.items():
        statuses[clause_projects[clause_id]][f.status] += 1
    # The year's placements per project, counted from the index by project alone
    # (ix_placements_by_project holds every column this reads), in its order.
    per_project = {pid: (n, persons) for pid, n, persons in conn.execute(
        select(Placement.project_id, func.count(), func.count(distinct(Placement.participant_id)))
        .where(_overlapping(start, end), Placement.project_id.in_(project_ids))
        .group_by(Placement.project_id))}
    rows = []
    for p in projects:
        counts, (n, persons) = statuses[p.id], per_project.get(p.id, (0, 0))
        rows.append({"project": p, "clauses": sum(counts.values()), "statuses": counts,
                     "placements": n, "persons": persons})
    return rows


def annual(year: int, as_of: date) -> Built:
    """Annual report across all projects: headline figures, per project and per
    municipality, and the year's evaluation findings.

    The projects are listed in the PDF up to MAX_PDF_ROWS of them; a national deployment's
    1,300 go to the attachment only, and their figures are read when it is written (the
    PDF needs only how many there are and their clauses' statuses: `figures.status_counts`)."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), as_of)
    project_count = db.session.scalar(
        select(func.count()).select_from(Project).where(_running_projects(start, end)))
    all_statuses = figure_status_counts(
        _year_clauses(start, end).with_only_columns(Clause.id), as_of)
    listed = _annual_projects(start, end, as_of) if project_count <= MAX_PDF_ROWS else None
    # The grouped queries over the year's placements and follow-ups, side by side; the
    # chart's first: with two connections on national data, 84 → 63 ms on SQLite (its
    # grouping of the year's placements is the longest there, 59 ms), no slower on PostgreSQL.
    months = _months(start, end)
    queries: dict = {"chart": running_counts(select(Placement), len(months))} if months else {}
    queries.update(_municipality_queries(start, end))
    rows = fetch_all(queries, parameters=_chart_parameters(months, end))
    per_municipality = _municipality_totals(rows)
    totals = list(per_municipality.values())
    by_kind = {k: sum(f["placements"][k] for f in totals) for k in PLACEMENT_KINDS}
    follow_ups = {st: sum(f["follow_ups"][st] for f in totals) for st in FOLLOW_UP_STATUSES}
    evaluations = db.session.scalars(
        select(Evaluation).where(Evaluation.year == year)
        .options(joinedload(Evaluation.agreement).joinedload(Agreement.project),
                 selectinload(Evaluation.actions))
        .join(Agreement, Evaluation.agreement_id == Agreement.id).order_by(Agreement.ref)
    ).unique().all()
    municipality_rows = _by_municipality(start, end, per_municipality)

    def project_sheet_rows() -> list[list]:
        projects = listed if listed is not None else _annual_projects(start, end, as_of)
        return [[r["project"].case_number, r["project"].name, r["project"].builder,
                 r["project"].municipality, r["clauses"],
                 *[r["statuses"].get(st, 0) for st in CLAUSE_STATUSES],
                 r["placements"], r["persons"]] for r in projects]

    sheet = Sheet(_("Building projects"), [
        _("Case number"), _("Name"), _("Builder"), _("Municipality"), _("Clauses"),
        *[str(w) for w in CLAUSE_STATUSES.values()], _("Placements"), _("Participants")],
        project_sheet_rows)
    context = {
        "year": year, "start": start, "end": end,
        "headline": {"projects": project_count, "clauses": sum(all_statuses.values()),
                     "met": all_statuses["met"],
                     "enrolled": sum(f["enrolled"] for f in totals),
                     "persons": sum(f["persons"] for f in totals),
                     "moved": sum(f["moved_into_work_or_education"] for f in totals),
                     "placements": sum(by_kind.values())},
        "status_counts": [(st, all_statuses[st]) for st in CLAUSE_STATUSES if all_statuses[st]],
        "by_kind": [(k, by_kind.get(k, 0)) for k in PLACEMENT_KINDS],
        "follow_ups": [(st, follow_ups.get(st, 0)) for st in FOLLOW_UP_STATUSES],
        # None: more projects than the PDF lists (the attachment has them all).
        "projects": listed, "project_count": project_count,
        "municipalities": municipality_rows,
        "evaluations": evaluations, "max_rows": MAX_PDF_ROWS,
        "placements_chart": _placements_chart(_running(rows.get("chart", []), months),
                                              _("Running placements per month")),
        "attachment_rows": project_count,  # one sheet row per project
    }
    return Built(title=_("Annual report"),
                 scope=_("The year %(year)s, all building projects", year=year),
                 context=context, sheets=[sheet], year=year)


# --- 6. Training report ---------------------------------------------------------------------

def _training_window(project: Project, year: int, as_of: date) -> tuple[date, date]:
    """The days of the year the project ran, up to the as-of date."""
    return (max(date(year, 1, 1), project.start_date),
            min(date(year, 12, 31), project.end_date, as_of))


APPRENTICE_KINDS = ("apprenticeship",)
OTHER_TRAINING_KINDS = ("internship", "wage_subsidy")


def training(project: Project, year: int, as_of: date) -> Built:
    """Training report (lærlingeindberetning) for one project and year, in the fields a
    housing organisation reports to Landsbyggefonden."""
    project = _project_header(project.id)
    start, end = _training_window(project, year, as_of)
    on_project = Placement.project_id == project.id
    clause_ids = select(Clause.id).join(Agreement, Clause.agreement_id == Agreement.id) \
        .where(Agreement.project_id == project.id)
    site = _site_hours(clause_ids, start, end)
    report_end = site["last_period_end"]
    days = _overlap_days(start, end, as_of)
    in_reports = _overlap_days(start, report_end, as_of) if report_end else literal(0)
    # Hour-days in tenths (hours per week has one decimal): exact on SQLite too.
    hour_days = days * scaled_int(Placement.hours_per_week, 1)
    report_hour_days = in_reports * scaled_int(Placement.hours_per_week, 1)
    rows = db.session.execute(
        select(Placement.kind, func.count(distinct(Placement.participant_id)),
               func.sum(hour_days),
               func.sum(case((in_reports >= 1, report_hour_days), else_=0)))
        .where(on_project, Placement.kind.in_(APPRENTICE_KINDS + OTHER_TRAINING_KINDS),
               days >= 1)
        .group_by(Placement.kind)).all()
    figures = {"apprentice": _training_group(rows, APPRENTICE_KINDS),
               "other": _training_group(rows, OTHER_TRAINING_KINDS)}
    trainee_hours = figures["apprentice"]["report_hours"] + figures["other"]["report_hours"]
    # The clauses about training: apprentices, and the share of hours (Landsbyggefonden's 14 %).
    clauses = [c for c in _project_clauses(project.id)
               if c.kind == "apprenticeship" or c.unit == "percent_hours"]
    clause_figs = clause_figures([c.id for c in clauses], as_of)
    trainees = and_(on_project, Placement.kind.in_(APPRENTICE_KINDS + OTHER_TRAINING_KINDS),
                    Placement.start_date <= _d(end), _effective_end(_d(end)) >= _d(start))
    sheet = _placement_sheet(trainees, as_of, _("Persons under training"))
    attachment_rows = db.session.scalar(select(func.count()).select_from(Placement).where(
        trainees, Placement.start_date <= _d(as_of)))
    context = {
        "project": project, "year": year, "start": start, "end": end,
        "apprentice": figures["apprentice"], "other": figures["other"],
        "site": site, "trainee_report_hours": trainee_hours,
        "share": _share(trainee_hours, site["site_hours"]),
        "clauses": clauses, "figures": clause_figs,
        "placements_chart": _placements_chart(
            _running_by_month(and_(on_project,
                                   Placement.kind.in_(APPRENTICE_KINDS + OTHER_TRAINING_KINDS)),
                              start, end),
            _("Persons under training per month")),
        "attachment_rows": attachment_rows,
    }
    return Built(title=_("Training report"),
                 scope=_("Building project %(case)s %(name)s, the year %(year)s",
                         case=project.case_number, name=project.name, year=year),
                 context=context, sheets=[sheet], project_id=project.id, year=year)


def _training_group(rows, kinds: tuple[str, ...]) -> dict:
    """Persons, full-time years (days/365 × hours/37) and hours of a group of kinds."""
    persons = sum(n for kind, n, _h, _r in rows if kind in kinds)
    hour_days = Fraction(sum(int(h or 0) for kind, _n, h, _r in rows if kind in kinds), 10)
    report_hour_days = Fraction(sum(int(r or 0) for kind, _n, _h, r in rows if kind in kinds), 10)
    return {"persons": persons,
            "years": _decimal(hour_days / DAYS_PER_YEAR / FULL_TIME_HOURS, 2),
            "hours": _decimal(hour_days / DAYS_PER_WEEK, 0),
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
            .where(report.period_end.between(_d(start), _d(end)),
                   report.period_start >= _d(start), report.site_hours.is_not(None))
            .group_by(report.contractor_id, report.period_start).subquery("used"))
    count, total, last = db.session.execute(
        select(func.count(), func.sum(used.c.site_hours), func.max(used.c.period_end))).one()
    return {"reports": count, "site_hours": Fraction(int(total), 100) if total else None,
            "last_period_end": _as_date(last) if last else None}


# --- Building, rendering and issuing -----------------------------------------------------------

def build(req: DocumentRequest) -> Built:
    """The content of the requested document (checked already), in Danish."""
    with force_locale("da"):
        if req.kind == "clause-status":
            return clause_status(req.project, req.as_of)
        if req.kind == "compliance":
            return compliance(req.project, req.contractor, req.as_of)
        if req.kind == "municipality":
            return municipality_report(req.municipality, req.date_from, req.date_to, req.as_of)
        if req.kind == "pathway":
            return pathway(req.participant, req.as_of)
        if req.kind == "annual":
            return annual(req.year, req.as_of)
        return training(req.project, req.year, req.as_of)


def issuer_words(user: User | None) -> str:
    """Who issued a document, as the cover says it."""
    if user is None:
        return _("the system")
    if user.organisation is not None:
        return f"{user.name}, {user.organisation.name}"
    return user.name


def _publisher() -> str:
    """The secretariat the documents come from (author metadata)."""
    name = db.session.scalar(select(Organisation.name).where(Organisation.kind == "secretariat")
                             .order_by(Organisation.id).limit(1))
    return name or _("Social partnership and placement tracker")


def render_html(kind: str, built: Built, req: DocumentRequest, number: str, issued_at: datetime,
                user: User | None) -> str:
    """The document's HTML, from its autoescaped template, in Danish."""
    # Straight from the Jinja environment: no request, menu or user in a document's context.
    template = current_app.jinja_env.get_template(TEMPLATES[kind])
    with force_locale("da"):
        return template.render(
            kind=kind, title=built.title, scope=built.scope, number=number, as_of=req.as_of,
            issued_at=issued_at, issuer=issuer_words(user),
            issued_words=format_datetime(issued_at, "d. MMMM yyyy 'kl.' HH.mm"),
            publisher=_publisher(), verify_url=_verify_url(), figure=figure,
            suppressed=suppressed, pseudonym=pseudonym, has_attachment=bool(built.sheets),
            **built.context)


def _verify_url() -> str:
    base = current_app.config.get("TRACKER_PUBLIC_URL")
    return f"{base.rstrip('/')}/verify" if base else "/verify"


def workbook(sheets: list[Sheet], as_of: date) -> bytes | None:
    """The XLSX attachment: one sheet per table, formulas never (cells are plain values)."""
    if not sheets:
        return None
    book = Workbook(write_only=True)
    book.properties.creator = str(_("Social partnership and placement tracker"))
    book.properties.created = datetime(as_of.year, as_of.month, as_of.day)  # data as of
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.append(sheet.headers)
        for row in sheet.all_rows():
            ws.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a text, never a formula
    return value


def next_number(year: int) -> str:
    """The next free document number of the year: D-2026-000123."""
    prefix = f"D-{year}-"
    last = db.session.scalar(select(func.max(Document.number))
                             .where(Document.number.like(prefix + "%")))
    serial = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


def render_timeout(cli: bool = False) -> float:
    """Wall-clock limit of one render: below gunicorn's 30 s in the web, longer on the CLI."""
    config = current_app.config
    if cli:
        return float(config.get("TRACKER_DOCUMENT_CLI_TIMEOUT", 300))
    return float(config.get("TRACKER_DOCUMENT_TIMEOUT", 25))


def issue(req: DocumentRequest, user: User | None, *, cli: bool = False) -> Document:
    """Check, build, render and archive a document; the caller commits.

    Raises IssueError (message for the user) when it may not or cannot be issued.
    """
    check_request(req, user, date.today())
    built = build(req)
    with force_locale("da"):
        attachment = workbook(built.sheets, req.as_of)
    static_root = current_app.static_folder
    for _attempt in range(3):
        issued_at = utcnow()
        number = next_number(issued_at.year)
        html = render_html(req.kind, built, req, number, issued_at, user)
        try:
            pdf = render_pdf(html, static_root, timeout=render_timeout(cli), identifier=number,
                             memory=int(current_app.config.get("TRACKER_DOCUMENT_MEMORY",
                                                               1536 * 1024 * 1024)),
                             mode=current_app.config.get("TRACKER_DOCUMENT_RENDER_MODE"))
        except RenderError as error:
            current_app.logger.error("Document %s (%s) failed: %s", number, req.kind, error)
            raise IssueError(str(RENDER_MESSAGES[error.reason])) from error
        document = Document(
            number=number, kind=req.kind, scope=built.scope[:300], project_id=built.project_id,
            organisation_id=built.organisation_id, participant_id=built.participant_id,
            year=built.year, as_of=req.as_of, parameters=req.parameters(),
            issued_by_id=user.id if user else None, issued_at=issued_at,
            sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), content=pdf,
            attachment=attachment)
        db.session.add(document)
        try:
            db.session.flush()
        except IntegrityError:  # someone took the number meanwhile: take the next one
            db.session.rollback()
            continue
        return document
    raise IssueError(_("No document number could be reserved. Please try again."))


# --- Verification -------------------------------------------------------------------------

def find_issued(sha256: str, number: str | None = None) -> Document | None:
    """The document with these bytes (and this number, when given), or None."""
    query = select(Document).where(Document.sha256 == sha256.strip().lower())
    if number is not None:
        query = query.where(Document.number == number.strip().upper())
    return db.session.scalars(query.limit(1)).first()


def file_name(document: Document, attachment: bool = False) -> str:
    """D-2026-000123-klausulstatus.pdf (or .xlsx)."""
    suffix = "xlsx" if attachment else "pdf"
    return f"{document.number}-{SHORT_NAMES.get(document.kind, 'dokument')}.{suffix}"
