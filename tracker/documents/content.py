"""What the documents share: their built content, figures as text, charts and the XLSX
attachment with its placement rows."""
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from markupsafe import Markup
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import aliased

from tracker import charts
from tracker.counting import ClauseFigures
from tracker.counting.placements import sql_date
from tracker.dashboard.service import month_parameters, running_counts, running_series
from tracker.extensions import db
from tracker.formatting import number, percent
from tracker.i18n import gettext as _
from tracker.models import Clause, Organisation, Participant, Placement, Project
from tracker.models.codes import CLAUSE_KINDS, CLAUSE_STATUSES, OUTCOMES, PLACEMENT_KINDS, label

MAX_CHART_MONTHS = 24
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Sheet:
    """One sheet of the XLSX attachment."""

    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # The participants its rows are about (tracker.models.DocumentParticipant).
    participant_ids: set[int] = field(default_factory=set)


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

    def named_participants(self) -> set[int]:
        """Every participant the document names: its subject and its sheets' persons."""
        named = {self.participant_id} if self.participant_id is not None else set()
        return named.union(*(sheet.participant_ids for sheet in self.sheets))


def figure(value, places: int = 2) -> str:
    """A figure with the decimals it has, at most `places` (half up): 8,5 · 7,16 · 10."""
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    shown = max(0, -value.normalize().as_tuple().exponent)
    return number(value, shown)




def rounded(value: Fraction | int | None, places: int = 2) -> Decimal | None:
    """An exact value rounded half up to `places` decimals."""
    if value is None:
        return None
    value = Fraction(value)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def share(part, whole) -> Decimal | None:
    """part / whole × 100, exact until shown (None when whole is 0)."""
    if not whole:
        return None
    return rounded(Fraction(part or 0) / Fraction(whole) * 100, 4)


def running_by_month(first: date, last: date, *conditions: Any) -> dict:
    """Placements matching the conditions running in each month from `first` to `last` (the
    last MAX_CHART_MONTHS months), by kind."""
    months = charts.month_starts(first, last)[-MAX_CHART_MONTHS:]
    if not months:
        return {"months": [], "series": {}}
    statement = running_counts(select(Placement).where(*conditions), len(months))
    counts = db.session.execute(statement, month_parameters(months, last)).all()
    return running_series(counts, months)


def placements_chart(running: dict, title: str) -> Markup | None:
    """Columns of the placements running in each month, by kind (none when there are none)."""
    if not running["months"] or not any(sum(v) for v in running["series"].values()):
        return None
    labels = {kind: str(word) for kind, word in PLACEMENT_KINDS.items()}
    series = {kind: values for kind, values in running["series"].items() if any(values)}
    return charts.monthly_columns(running["months"], series, labels, title)


def fulfilment_chart(clauses: list[Clause], figures: dict[int, ClauseFigures],
                     title: str) -> Markup | None:
    """A bar per clause with its fulfilment, coloured by status."""
    if not clauses:
        return None
    bars = [charts.Bar(f"{c.ref} · {label(CLAUSE_KINDS, c.kind)}",
                       figures[c.id].percent, figures[c.id].status,
                       percent(figures[c.id].percent) if figures[c.id].percent is not None
                       else label(CLAUSE_STATUSES, figures[c.id].status))
            for c in clauses]
    return charts.fulfilment_bars(bars, title, label_width=230)


def placement_sheet(condition: Any, as_of: date, title: str) -> Sheet:
    """The placements matching `condition` started by the as-of date, one row each, with
    the participant as a pseudonym and the data as known on the as-of date. No reference
    of the placement or the participant: the secretariat's and the job centre's records
    use those, and the builder's copy must not lead back to a person."""
    employer = aliased(Organisation)
    rows = db.session.execute(
        select(Participant.id, Participant.pseudonym, Placement.kind, employer.name,
               Project.case_number, Placement.trade, Placement.start_date,
               Placement.planned_end, Placement.end_date, Placement.hours_per_week,
               Placement.outcome)
        .join(Participant, Placement.participant_id == Participant.id)
        .join(employer, Placement.employer_id == employer.id)
        .outerjoin(Project, Placement.project_id == Project.id)
        .where(condition, Placement.start_date <= sql_date(as_of))
        .order_by(Placement.start_date, Placement.id))
    sheet_rows, named = [], set()
    for pid, pseudonym, kind, firm, case_number, trade, start, planned, end, hours, outcome \
            in rows:
        named.add(pid)
        ended = end if end is not None and end <= as_of else None  # not known on the as-of date
        sheet_rows.append([pseudonym, label(PLACEMENT_KINDS, kind), firm,
                           case_number or "", trade or "", start, planned, ended, Decimal(hours),
                           label(OUTCOMES, outcome) if ended else ""])
    return Sheet(title, [_("Participant (pseudonym)"), _("Kind"),
                         _("Employer"), _("Case number"), _("Trade"), _("Start"),
                         _("Planned end"), _("End"), _("Hours per week"), _("Outcome")],
                 sheet_rows, named)


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
        for row in sheet.rows:
            ws.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a text, never a formula
    return value
