"""Charts as inline SVG, drawn on the server (pages and PDFs alike; no JavaScript).

Every text in a chart is escaped; colours are presentation attributes, never style=.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from tracker.formatting import number

STATUS_COLOURS = {
    "met": "#1e7b3a", "on_track": "#2f6fb0", "at_risk": "#b3261e",
    "no_data": "#8a94a3", "not_started": "#c5ccd6",
}
KIND_COLOURS = {
    "internship": "#5b8fd0", "wage_subsidy": "#e0a030", "apprenticeship": "#7a5cc2",
    "ordinary_job": "#1e7b3a",
}
INK, MUTED, GRID = "#1b2430", "#586374", "#d5dbe3"


@dataclass
class Bar:
    """One horizontal bar: a label, a value in percent (may exceed 100) and a status colour."""

    label: str
    percent: Decimal | float | None
    status: str
    caption: str = ""


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start",
          fill: str = INK, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}" font-family="Noto Sans, DejaVu Sans, sans-serif">'
            f"{escape(text)}</text>")


def fulfilment_bars(bars: list[Bar], title: str, width: int = 640, label_width: int = 200,
                    ceiling: float = 150.0) -> Markup:
    """Horizontal bars of fulfilment % per clause, with a 100 % line; bars cap at `ceiling`."""
    row, top = 26, 8
    height = top + row * max(len(bars), 1) + 24
    plot = width - label_width - 70
    scale = plot / ceiling
    body = []
    x100 = label_width + 100 * scale
    for i, bar in enumerate(bars):
        y = top + i * row
        body.append(_text(label_width - 8, y + 16, bar.label, anchor="end"))
        body.append(f'<rect x="{label_width}" y="{y + 4}" width="{plot:.1f}" height="16" '
                    f'fill="#f0f3f7"/>')
        if bar.percent is not None:
            length = min(float(bar.percent), ceiling) * scale
            body.append(f'<rect x="{label_width}" y="{y + 4}" width="{max(length, 1):.1f}" '
                        f'height="16" fill="{STATUS_COLOURS.get(bar.status, MUTED)}"/>')
        body.append(_text(label_width + plot + 6, y + 16, bar.caption, size=11, fill=MUTED))
    body.append(f'<line x1="{x100:.1f}" y1="{top}" x2="{x100:.1f}" y2="{height - 20}" '
                f'stroke="{INK}" stroke-width="1" stroke-dasharray="3 2"/>')
    body.append(_text(x100, height - 6, "100 %", size=10, anchor="middle", fill=MUTED))
    return _svg(width, height, body, title)


def monthly_columns(months: list[date], series: dict[str, list[int]], labels: dict[str, str],
                    title: str, width: int = 640, height: int = 220) -> Markup:
    """Stacked columns per month (e.g. running placements by kind), with a legend."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(months))]
    peak = max(totals + [1])
    ticks = (0, peak // 2, peak) if peak > 1 else (0, 1)
    # Room on the left for the longest tick label (about 6 units a character at size 10).
    left, bottom, top = max(36, 10 + 6 * len(number(peak))), 40, 10
    plot_w, plot_h = width - left - 10, height - top - bottom
    step = plot_w / max(len(months), 1)
    body = []
    for tick in ticks:
        y = top + plot_h - tick / peak * plot_h
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 4, y + 4, number(tick), size=10, anchor="end", fill=MUTED))
    for i, month in enumerate(months):
        x = left + i * step + step * 0.15
        y = top + plot_h
        for key, values in series.items():
            h = values[i] / peak * plot_h
            if h > 0:
                y -= h
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
                            f'height="{h:.1f}" fill="{KIND_COLOURS.get(key, MUTED)}"/>')
        if len(months) <= 12 or i % 3 == 0:
            body.append(_text(x + step * 0.35, top + plot_h + 14, month.strftime("%m.%y"),
                              size=9, anchor="middle", fill=MUTED))
    x = left
    for key in series:
        body.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" '
                    f'fill="{KIND_COLOURS.get(key, MUTED)}"/>')
        body.append(_text(x + 14, height - 5, labels.get(key, key), size=10))
        x += 24 + 7 * len(labels.get(key, key))
    return _svg(width, height, body, title)


def pathway_flow(steps: list[tuple[str, int | str]], title: str, width: int = 640) -> Markup:
    """Boxes with counts joined by arrows: internship → wage subsidy → ordinary job; a count
    may come as text ("<5") where it is shown under disclosure control."""
    height, box_h = 90, 52
    gap = 36
    box_w = (width - gap * (len(steps) - 1)) / max(len(steps), 1)
    body = []
    for i, (label, count) in enumerate(steps):
        x = i * (box_w + gap)
        body.append(f'<rect x="{x:.1f}" y="10" width="{box_w:.1f}" height="{box_h}" rx="6" '
                    f'fill="#eef2f6" stroke="{GRID}"/>')
        body.append(_text(x + box_w / 2, 32, count if isinstance(count, str) else number(count),
                          size=18, anchor="middle", weight="bold"))
        body.append(_text(x + box_w / 2, 52, label, size=11, anchor="middle", fill=MUTED))
        if i:
            ax = x - gap + 4
            body.append(f'<line x1="{ax:.1f}" y1="36" x2="{x - 8:.1f}" y2="36" stroke="{INK}" '
                        f'stroke-width="1.5"/>')
            body.append(f'<path d="M {x - 8:.1f} 31 L {x - 2:.1f} 36 L {x - 8:.1f} 41 Z" '
                        f'fill="{INK}"/>')
    return _svg(width, height, body, title)


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from `first`'s month to `last`'s month."""
    months, current = [], date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months
