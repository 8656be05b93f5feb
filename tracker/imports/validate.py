"""Checking every row of a workbook before anything is written, and working out what an
import would do: which rows are new, which changed (and in which cells), which unchanged.

The sheets are read in dependency order (organisations first, contractor reports last).
Each sheet's existing rows are loaded once, as the sheet would show them (natural keys,
not ids), into a dict key → [id, values, extra]; the sheet's rows are laid over it as they
are read, so a later sheet checks its references against the workbook and the database at
once, without a query per row. Rows are kept only as tuples of parsed values, and only
while the workbook is free of problems.
"""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.i18n import gettext as _
from tracker.i18n import today as app_today
from tracker.imports.checks import Checks
from tracker.imports.mapping import sheet_rows, sheet_values
from tracker.imports.reader import NotUtf8, Rows, Workbook
from tracker.imports.report import (
    MAX_PROBLEMS,
    SAMPLES_PER_SHEET,
    Problem,
    Report,
    Sample,
    SheetCount,
)
from tracker.imports.sheets import SHEETS, SPECS, CellError, SheetSpec, display, shown
from tracker.models import BenefitGroup

# How often (in rows) progress is reported while reading.
TICK = 2_000

Progress = Callable[[str, int, int | None], None]


@dataclass
class SheetPlan:
    """What the import will write for one sheet (kept only while there are no problems)."""

    spec: SheetSpec
    count: SheetCount
    present: list[str] = field(default_factory=list)  # the sheet's columns, in spec order
    new: list[tuple[int, tuple, Any]] = field(default_factory=list)  # (row, values, extra)
    changed: list[tuple[int, int, dict]] = field(default_factory=list)  # (row, id, {col: new})


class Row:
    """One row being checked: its raw cells, parsed values, and which cells already failed."""

    __slots__ = ("validator", "spec", "number", "raw", "values", "failed", "entry", "extra")

    def __init__(self, validator, spec, number, raw, values, failed, entry):
        self.validator, self.spec, self.number = validator, spec, number
        self.raw, self.values, self.failed, self.entry = raw, values, failed, entry
        self.extra = None

    def ok(self, column: str) -> bool:
        """The cell was read and is not empty."""
        return column not in self.failed and self.values.get(column) is not None

    def fail(self, column: str, reason: str) -> None:
        self.failed.add(column)
        self.validator.problem(self.spec.name, self.number, column, self.raw.get(column), reason)


def _norm(value):
    """A value as compared: empty is None, and a line break is one, however it is written
    (a text box sends CR LF; a workbook cell gives LF)."""
    if value == "" or value == []:
        return None
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _not_utf8() -> str:
    return _("The file is not saved as UTF-8. In Excel, save it as “CSV UTF-8 "
             "(kommasepareret)” and try again.")


def _header_name(cell) -> str:
    return str(cell).strip().lower() if cell is not None else ""


class Validator(Checks):
    """Reads a workbook sheet by sheet and checks every row (the checks of each sheet are
    in tracker.imports.checks); see the module docstring."""

    def __init__(self, session: Session, progress: Progress | None = None,
                 today: date | None = None):
        self.session = session
        self.progress = progress or (lambda phase, done, total: None)
        self.today = today or app_today()
        self.problems: list[Problem] = []  # the first MAX_PROBLEMS
        self.problem_count = 0  # all of them
        self.notes: list[Problem] = []
        self.plans: dict[str, SheetPlan] = {}
        self.rows: dict[str, dict] = {}  # sheet → key → [id | None, values, extra]
        self.bad: dict[str, set] = defaultdict(set)  # keys of rows that have a problem
        self.unchecked: set[str] = set()  # sheets whose keys could not be read at all
        self.seen: dict[str, dict] = {}  # sheet → key → row number in the workbook
        self.done = 0
        self.total: int | None = None
        self._benefits: set[str] | None = None
        self._versions: dict | None = None
        self._withdrawn: dict | None = None  # participants' consent withdrawals, by ref
        self._pseudonyms: dict | None = None
        self._next_checks: list[tuple[int, str, str, Any]] = []
        self._moved_intakes: list[tuple[int, str, list[str]]] = []  # participants' rows
        self._moved_starts: set[str] = set()  # placements new or moved by the workbook

    # --- Recording ---------------------------------------------------------------------

    def problem(self, sheet: str, row: int | None, column: str | None, raw: Any,
                reason: str) -> None:
        # Past the first problems the rest are only counted: a sheet of a million bad rows
        # must not fill the memory with their descriptions.
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(sheet, row, column, shown(raw), str(reason)))

    def note(self, sheet: str, row: int | None, column: str | None, reason: str) -> None:
        self.notes.append(Problem(sheet, row, column, "", str(reason)))

    # --- The database side -------------------------------------------------------------

    def existing(self, name: str) -> dict:
        """The sheet's rows as the database holds them (loaded once), with the workbook's
        rows laid over them as they are read."""
        if name not in self.rows:
            spec = SPECS[name]
            table = {}
            for row in self.session.execute(sheet_rows(name)):
                values = sheet_values(name, tuple(row[1:-1]))
                table[spec.key_of(values)] = [row[0], values, row[-1]]
            self.rows[name] = table
        return self.rows[name]

    def lookup(self, name: str, key) -> tuple | None:
        entry = self.existing(name).get(key)
        return entry[1] if entry else None

    def value(self, name: str, values: tuple, column: str):
        return values[SPECS[name].index(column)]

    @property
    def benefits(self) -> set[str]:
        if self._benefits is None:
            self._benefits = set(self.session.scalars(select(BenefitGroup.code)))
        return self._benefits

    # --- Reading -----------------------------------------------------------------------

    def run(self, workbook: Workbook, dry_run: bool) -> Report:
        """Check every sheet; the report, and (while it has no problems) the plans."""
        found = self._match_sheets(workbook)
        content = {name: sheet.read() for name, sheet in found.items()}
        totals = [rows.total for rows in content.values()]
        self.total = sum(totals) if all(t is not None for t in totals) else None
        for spec in SHEETS:
            if spec.name in found:
                self._sheet(spec, found[spec.name].name, content[spec.name])
                after = getattr(self, f"_after_{spec.name}", None)
                if after and spec.name in self.seen:
                    after()
        self.check_moved_intakes()
        self.progress("reading", self.done, self.total)
        order = {s.name: i for i, s in enumerate(SHEETS)}
        self.problems.sort(key=lambda p: (
            order.get(p.sheet, -1), p.row or 0,
            SPECS[p.sheet].names.index(p.column)
            if p.sheet in SPECS and p.column in SPECS[p.sheet].names else -1))
        return Report(source=workbook.label, dry_run=dry_run,
                      sheets=[plan.count for plan in self.plans.values()],
                      problems=self.problems, problem_count=self.problem_count,
                      notes=self.notes)

    def _match_sheets(self, workbook: Workbook) -> dict:
        for name, message in workbook.notes:
            self.note(name, None, None, message)
        found = {}
        for sheet in workbook.sheets:
            name = sheet.name.strip().lower()
            if name not in SPECS:
                self.note(sheet.name, None, None, _(
                    "Unknown sheet; ignored. The sheets are: %(names)s.",
                    names=", ".join(SPECS)))
            elif name in found:
                self.problem(name, None, None, "", _(
                    "The sheet appears twice (%(a)s and %(b)s); keep one.",
                    a=found[name].name, b=sheet.name))
            else:
                found[name] = sheet
        if not found:
            self.problem("", None, None, "", _(
                "The workbook has none of the sheets %(names)s. Name the sheets (or CSV "
                "files) exactly so.", names=", ".join(SPECS)))
        return found

    def _sheet(self, spec: SheetSpec, found_as: str, sheet: Rows) -> None:
        count = SheetCount(spec.name, found_as=found_as)
        plan = self.plans[spec.name] = SheetPlan(spec, count)
        if sheet.not_utf8_at is not None:
            self.problem(spec.name, sheet.not_utf8_at, None, "", _not_utf8())
            return
        if not sheet.header:
            self.note(spec.name, None, None, _("The sheet is empty; nothing is imported from it."))
            return
        index: dict[str, int] = {}
        for i, cell in enumerate(sheet.header):
            name = _header_name(cell)
            if not name:
                continue
            if name in index:
                self.problem(spec.name, 1, name, "", _(
                    "The column appears twice in the first row; keep one."))
            elif name not in spec.names:
                self.note(spec.name, 1, name, _(
                    "Unknown column; ignored. The columns are: %(names)s.",
                    names=", ".join(spec.names)))
            else:
                index[name] = i
        defaults = {c.name: c.default for c in spec.columns if c.default is not None}
        missing = [k for k in spec.key if k not in index and k not in defaults]
        if missing:
            self.unchecked.add(spec.name)
            self.problem(spec.name, 1, ", ".join(missing), "", _(
                "The first row lacks the key column %(columns)s, so the rows cannot be "
                "matched. The first row must hold the column names: %(names)s.",
                columns=", ".join(missing), names=", ".join(spec.names)))
            return
        plan.present = [c for c in spec.names if c in index]
        try:
            self._rows(spec, sheet, plan, index)
        except NotUtf8 as error:
            self.problem(spec.name, error.row, None, "", _not_utf8())
        if count.rows == 0:
            self.note(spec.name, None, None, _(
                "The sheet has column names but no rows; nothing is imported from it."))

    def _rows(self, spec: SheetSpec, sheet: Rows, plan: SheetPlan,
              index: dict[str, int]) -> None:
        count = plan.count
        existing = self.existing(spec.name)
        seen = self.seen[spec.name] = {}
        columns = [(col, index[col.name]) for col in spec.columns if col.name in index]
        absent = [c for c in spec.names if c not in index]
        absent_required = [c.name for c in spec.columns if c.required and c.name not in index]
        absent_keys = [k for k in spec.key if k in absent]
        defaults = {c.name: c.default for c in spec.columns if c.default is not None}
        first_new = None
        check = getattr(self, f"_check_{spec.name}")
        single_key = len(spec.key) == 1
        for number, cells in sheet.rows:
            self.done += 1
            if self.done % TICK == 0:
                self.progress("reading", self.done, self.total)
            count.rows += 1
            before = self.problem_count
            raw, values, failed = {}, {}, set()
            for col, i in columns:
                cell = cells[i] if i < len(cells) else None
                raw[col.name] = cell
                try:
                    values[col.name] = col.parse(cell)
                except CellError as error:
                    values[col.name] = None
                    failed.add(col.name)
                    self.problem(spec.name, number, col.name, cell, str(error))
                    continue
                if values[col.name] is None:
                    values[col.name] = col.default
            for name in absent_keys:
                values[name] = defaults[name]
            parts = tuple(values[k] for k in spec.key)
            if any(p is None for p in parts):
                for k in spec.key:
                    if values[k] is None and k not in failed:
                        self.problem(spec.name, number, k, "", _(
                            "The key column must be filled in."))
                continue
            key = parts[0] if single_key else parts
            if key in seen:
                self.problem(spec.name, number, spec.key[-1], raw[spec.key[-1]], _(
                    "%(key)s appears more than once in the sheet (first in row %(row)s).",
                    key=spec.key_text(key), row=seen[key]))
                continue
            seen[key] = number
            entry = existing.get(key)
            if entry is not None:
                for name in absent:
                    if name not in spec.key:
                        values[name] = entry[1][spec.index(name)]
            else:
                for name in absent:
                    values[name] = defaults.get(name)
                if absent_required and first_new is None:
                    first_new = number
            row = Row(self, spec, number, raw, values, failed, entry)
            for col, _i in columns:
                if col.required and values[col.name] is None and col.name not in failed:
                    row.fail(col.name, _("This column must be filled in."))
            check(row)
            packed = tuple(values[c] for c in spec.names)
            if entry is None:
                count.new += 1
                if not self.problem_count:
                    plan.new.append((number, packed, row.extra))
                if len(count.samples) < SAMPLES_PER_SHEET and self.problem_count == before:
                    count.samples.append(Sample(number, spec.key_text(key), "new", [
                        (c, "", display(values[c])) for c in plan.present
                        if values[c] is not None and c not in spec.key]))
                existing[key] = [None, packed, row.extra]
            else:
                old = entry[1]
                changed = {c: values[c] for c in plan.present
                           if _norm(values[c]) != _norm(old[spec.index(c)])}
                if changed:
                    self._refuse_change(row, changed)
                    count.changed += 1
                    if not self.problem_count:
                        plan.changed.append((number, entry[0], changed))
                    if len(count.samples) < SAMPLES_PER_SHEET and self.problem_count == before:
                        count.samples.append(Sample(number, spec.key_text(key), "changed", [
                            (c, display(old[spec.index(c)]), display(v))
                            for c, v in changed.items()]))
                else:
                    count.unchanged += 1
                entry[1] = packed
            if self.problem_count > before:
                self.bad[spec.name].add(key)
        if first_new is not None:
            for name in absent_required:
                self.problem(spec.name, None, name, "", _(
                    "The column is missing; it must be filled in for new rows (e.g. row "
                    "%(row)s).", row=first_new))
