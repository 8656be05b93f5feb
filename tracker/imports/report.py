"""What an import (or its dry run) found: counts per sheet, problems, notes and samples of
the changes. Plain data, so the command line, the page and a background job (as JSON)
show the same report."""
from dataclasses import asdict, dataclass, field

from tracker.formatting import number
from tracker.i18n import gettext as _

# A check keeps this many problems (the page, its CSV list and the command line show them)
# and only counts the rest.
MAX_PROBLEMS = 1_000
SAMPLES_PER_SHEET = 10


@dataclass
class Problem:
    """One bad cell, row, sheet or file: where (as the user sees it in Excel) and why."""

    sheet: str
    row: int | None  # the row number Excel shows (the header is row 1); None: whole sheet
    column: str | None
    value: str
    reason: str


@dataclass
class Sample:
    """One of the first new or changed rows of a sheet, for the preview."""

    row: int
    key: str
    action: str  # new | changed
    fields: list[tuple[str, str, str]]  # (column, old, new); old is "" for a new row


@dataclass
class SheetCount:
    name: str
    found_as: str | None = None  # the sheet's (or file's) name in the workbook
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    samples: list[Sample] = field(default_factory=list)


@dataclass
class Report:
    source: str
    dry_run: bool
    sheets: list[SheetCount] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0  # all problems, also those not kept
    notes: list[Problem] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(s, k) for s in self.sheets)
                for k in ("rows", "new", "changed", "unchanged")}

    @property
    def more_problems(self) -> int:
        """The problems counted but not kept."""
        return max(self.problem_count - len(self.problems), 0)

    @property
    def has_changes(self) -> bool:
        totals = self.totals
        return bool(totals["new"] or totals["changed"])

    def to_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = data["problems"][:MAX_PROBLEMS]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        return cls(
            source=data["source"], dry_run=data["dry_run"], written=data.get("written", False),
            sheets=[SheetCount(**{**s, "samples": [Sample(**{**x, "fields": [tuple(f) for f in x["fields"]]})
                                                    for x in s["samples"]]})
                    for s in data["sheets"]],
            problems=[Problem(**p) for p in data["problems"]],
            problem_count=data.get("problem_count", len(data["problems"])),
            notes=[Problem(**p) for p in data["notes"]],
        )


def more_text(report: Report) -> str:
    """'… og 12.345 flere.' after the problems kept, or '' when every one was."""
    return _("… and %(n)s more.", n=number(report.more_problems)) if report.more_problems \
        else ""


def where(problem: Problem) -> str:
    """'participants, række 5, kolonne birth_year' — the place of a problem in words."""
    parts = [problem.sheet] if problem.sheet else []
    if problem.row is not None:
        parts.append(_("row %(n)s", n=problem.row))
    if problem.column:
        parts.append(_("column %(name)s", name=problem.column))
    return ", ".join(parts)


def as_text(report: Report) -> str:
    """The report for the command line: counts per sheet, notes, then every problem."""
    lines = []
    if report.dry_run:
        lines.append(_("Dry run of %(source)s: nothing has been written.", source=report.source))
    elif report.written and report.has_changes:
        lines.append(_("Imported %(source)s.", source=report.source))
    elif report.written:
        lines.append(_("Nothing needed changing: the database already holds everything in "
                       "%(source)s.", source=report.source))
    else:
        lines.append(_("Nothing was imported from %(source)s.", source=report.source))
    if report.sheets:
        head = (_("Sheet"), _("Rows"), _("New rows"), _("Changed rows"), _("Unchanged rows"))
        lines.append("")
        lines.append(f"{head[0]:<22}{head[1]:>9}{head[2]:>9}{head[3]:>9}{head[4]:>11}")
        for s in report.sheets:
            lines.append(f"{s.name:<22}{s.rows:>9}{s.new:>9}{s.changed:>9}{s.unchanged:>11}")
        if len(report.sheets) > 1:
            t = report.totals
            lines.append(f"{_('In all'):<22}{t['rows']:>9}{t['new']:>9}{t['changed']:>9}"
                         f"{t['unchanged']:>11}")
    if report.notes:
        lines.append("")
        lines.append(_("Notes:"))
        lines.extend(f"  {where(n)}: {n.reason}" for n in report.notes)
    if report.problem_count:
        lines.append("")
        lines.append(_("%(n)s problems; nothing has been written. Correct them and run the "
                       "import again:", n=report.problem_count))
        for p in report.problems:
            value = f' "{p.value}"' if p.value != "" else ""
            lines.append(f"  {where(p)}:{value} – {p.reason}")
        if report.more_problems:
            lines.append(f"  {more_text(report)}")
    return "\n".join(lines)
