"""Geometry of the participant page's two charts, drawn as inline SVG on the server:
the pathway timeline (one bar per placement on a date axis) and the progress chart
(seven dimensions on the 1-10 scale over time). Templates only place what is computed here.
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date

from tracker.counting.pathways import add_months
from tracker.counting.placements import effective_end_of
from tracker.formatting import short_date
from tracker.models import Placement, ProgressAssessment
from tracker.models.codes import DIMENSIONS, OUTCOMES, PLACEMENT_KINDS, label

# Colour-blind-safe colours (Okabe-Ito), one per placement kind and per dimension.
KIND_COLOURS = {
    "internship": "#0072B2",
    "wage_subsidy": "#E69F00",
    "apprenticeship": "#CC79A7",
    "ordinary_job": "#009E73",
}
DIMENSION_STYLES = {
    "work_readiness": ("#0072B2", ""),
    "danish_language": ("#D55E00", "6 3"),
    "professional_skills": ("#009E73", ""),
    "attendance": ("#CC79A7", "2 3"),
    "well_being": ("#E69F00", ""),
    "network": ("#56B4E9", "6 3"),
    "self_confidence": ("#1b2430", "2 3"),
}

WIDTH = 960


def _f(value: float) -> float:
    return round(value, 1)


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Bar:
    """One placement on the timeline."""

    placement_id: int
    row_label: str
    row_sublabel: str
    url: str
    colour: str
    title: str
    y: float
    x: float
    width: float  # the part that has taken place
    plan_x: float | None = None  # dashed outline of the planned period, if not ended
    plan_width: float = 0
    outcome: str = ""
    outcome_x: float = 0
    warning: bool = False

    @property
    def end_x(self) -> float:
        return _f(self.x + self.width)


@dataclass
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    bars: list[Bar]
    arrows: list[str]
    ticks: list[Tick]
    today_x: float | None
    bar_height: int
    legend: list[tuple[str, str]] = field(default_factory=list)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _ticks(start: date, end: date, x: Callable[[date], float]) -> list[Tick]:
    months = (end.year - start.year) * 12 + end.month - start.month
    step = next(s for limit, s in ((8, 1), (18, 2), (36, 3), (72, 6), (10**6, 12)) if months <= limit)
    ticks, day = [], _month_start(start)
    while day <= end:
        if (day.month - 1) % step == 0:
            ticks.append(Tick(_f(x(day)), format_date(day, "MMM yyyy")))
        day = add_months(day, 1)
    return ticks


def pathway_timeline(placements: Sequence[Placement], today: date,
                     url: Callable[[Placement], str], warned: set[int] = frozenset()
                     ) -> Timeline | None:
    """The pathway as bars along a date axis, coloured by kind, ended bars labelled with
    their outcome, and arrows from each placement to the next one it led to."""
    if not placements:
        return None
    rows = sorted(placements, key=lambda p: (p.start_date, p.id))
    left, right_margin, top, row_height, bar_height = 230, 120, 12, 46, 20
    right = WIDTH - right_margin
    first = _month_start(min(p.start_date for p in rows))
    last_day = max([today] + [p.end_date or p.planned_end or today for p in rows])
    last = add_months(_month_start(last_day), 1)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + (day - first).days / span * (right - left)

    bars, by_id = [], {}
    for index, placement in enumerate(rows):
        y = top + index * row_height
        start_x = x(placement.start_date)
        done_end = effective_end_of(placement, today) + timedelta(days=1)
        width = max(x(max(done_end, placement.start_date)) - start_x, 3)
        kind = label(PLACEMENT_KINDS, placement.kind)
        shown_end = placement.end_date or placement.planned_end
        period = f"{short_date(placement.start_date)}–{short_date(shown_end)}"
        bar = Bar(
            placement_id=placement.id, row_label=kind,
            row_sublabel=f"{placement.ref} · {placement.employer.name}"[:42],
            url=url(placement), colour=KIND_COLOURS.get(placement.kind, "#586374"),
            title=f"{placement.ref} {kind}, {placement.employer.name}, {period}",
            y=_f(y), x=_f(start_x), width=_f(width), warning=placement.id in warned,
        )
        if placement.end_date is None and placement.planned_end is not None:
            bar.plan_x = _f(start_x)
            bar.plan_width = _f(max(x(placement.planned_end + timedelta(days=1)) - start_x, 3))
        if placement.end_date is not None and placement.outcome:
            bar.outcome = label(OUTCOMES, placement.outcome)
            bar.outcome_x = _f(start_x + width + 6)
        bars.append(bar)
        by_id[placement.id] = bar
    arrows = []
    for placement in rows:
        nxt = by_id.get(placement.next_placement_id) if placement.next_placement_id else None
        if nxt is None:
            continue
        prev = by_id[placement.id]
        x1, y1 = prev.end_x - 2, prev.y + bar_height
        x2, y2 = nxt.x - 1, nxt.y + bar_height / 2
        arrows.append(f"M {_f(x1)} {_f(y1)} C {_f(x1)} {_f(y2)}, {_f(min(x1, x2) - 10)} {_f(y2)}, "
                      f"{_f(x2)} {_f(y2)}")
    axis_y = top + len(rows) * row_height
    today_x = _f(x(today)) if first <= today <= last else None
    kinds = [k for k in PLACEMENT_KINDS if any(p.kind == k for p in rows)]
    return Timeline(
        width=WIDTH, height=int(axis_y + 30), plot_left=left, plot_right=right,
        axis_y=_f(axis_y), bars=bars, arrows=arrows, ticks=_ticks(first, last, x),
        today_x=today_x, bar_height=bar_height,
        legend=[(KIND_COLOURS[k], label(PLACEMENT_KINDS, k)) for k in kinds],
    )


@dataclass
class Point:
    x: float
    y: float
    score: int
    title: str


@dataclass
class Series:
    dimension: str
    label: str
    colour: str
    dash: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass
class ProgressChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    grid: list[tuple[float, int]]
    ticks: list[Tick]
    series: list[Series]
    legend_x: int


def progress_chart(assessments: Sequence[ProgressAssessment]) -> ProgressChart | None:
    """The seven dimensions as lines over the assessment dates, on the 1-10 scale."""
    if not assessments:
        return None
    ordered = sorted(assessments, key=lambda a: (a.assessed_on, a.id or 0))
    left, right, top, bottom = 44, WIDTH - 230, 14, 290
    inner_left, inner_right = left + 24, right - 24
    first, last = ordered[0].assessed_on, ordered[-1].assessed_on
    span = (last - first).days

    def x(day: date) -> float:
        if span == 0:
            return (inner_left + inner_right) / 2
        return inner_left + (day - first).days / span * (inner_right - inner_left)

    def y(score: int) -> float:
        return bottom - (score - 1) / 9 * (bottom - top)

    series = []
    for dimension, name in DIMENSIONS.items():
        colour, dash = DIMENSION_STYLES[dimension]
        points = [Point(_f(x(a.assessed_on)), _f(y(getattr(a, dimension))), getattr(a, dimension),
                        f"{name}: {getattr(a, dimension)} ({short_date(a.assessed_on)})")
                  for a in ordered if getattr(a, dimension) is not None]
        series.append(Series(dimension, str(name), colour, dash, points))
    ticks, last_x = [], None
    for a in ordered:  # date labels at least 90 px apart
        tx = _f(x(a.assessed_on))
        if last_x is None or tx - last_x >= 90:
            ticks.append(Tick(tx, short_date(a.assessed_on)))
            last_x = tx
    return ProgressChart(
        width=WIDTH, height=bottom + 34, plot_left=left, plot_right=right, plot_top=top,
        plot_bottom=bottom, grid=[(_f(y(s)), s) for s in range(1, 11)], ticks=ticks,
        series=series, legend_x=right + 24,
    )
