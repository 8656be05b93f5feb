"""Disclosure control for the counts shown outside the secretariat (DESIGN §5.3, SECURITY).

A document describes its counts as a `Table`: the cells it shows, the lines in which cells
add up to a total it also shows (a row or a column with its total line, a breakdown with
the key figure it sums to), the rows that describe a category of persons, and the parts
of a line it does not show at all. `Table.protect` decides which cells to hide, by this
rule (the reports' notes say it in Danish):

1. Primary: a count from 1 to 4 is shown as "<5"; 0 is shown.
2. Small categories: when a row describes a category of 1 to 4 persons, all its figures
   are hidden, 0 included ("<5", or "x" for a figure of 5 or more, such as placements),
   so that a category of one person never shows that person's outcome.
3. Secondary: a line (its parts and its total) may hide none of its cells or at least two.
   Where it hides exactly one, that one could be worked out by subtraction, so one more is
   hidden and shown as "x": the smallest non-zero cell of the line, preferring a cell that
   leaves the first one undetermined in the line (6 = 5 + 1: the total, not the 5), then
   one that also completes another line and leaves none with exactly one. Repeated until
   no line hides exactly one.
4. Audit: the lines are then solved together, with what the marks tell ("<5": 1 to 4,
   "x": 5 or more); while a cell hidden by rule 1 or 2 can still be pinned to one value
   (11 = "x" + "<5" cannot, 6 = "x" + "<5" can: 5 + 1), one more cell in its lines is
   hidden – the smallest that frees it – and rule 3 runs again.

Hours, weeks and scores are not counts of persons and are not hidden by themselves; an
average of a hidden number of persons is hidden with it (the documents do that).
"""
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from tracker.formatting import number

THRESHOLD = 5
SMALL = "<5"  # a count from 1 to 4 (in a category under 5 persons, 0 too)
HIDDEN = "x"  # a count of 5 or more, hidden so that another cannot be worked out
# Interval narrowing stops after this many passes; each pass only ever narrows.
MAX_PASSES = 50
# Cells tried, smallest first, for one that frees a pinned cell on its own.
MAX_TRIES = 12

Key = Hashable


@dataclass(frozen=True)
class Shown:
    """What a protected table shows: `shown(key)` is "<5", "x" or the count as text."""

    values: dict
    marks: dict

    def __call__(self, key: Key) -> str:
        mark = self.marks.get(key)
        return mark if mark is not None else number(self.values[key])

    def hidden(self, key: Key) -> bool:
        """Whether the cell is hidden (a mark instead of its count)."""
        return key in self.marks

    def cell(self, key: Key):
        """The count itself, or its mark when hidden (for a spreadsheet cell)."""
        return self.marks.get(key, self.values[key])


@dataclass
class Table:
    """The counts of one document (or page) and how they hang together."""

    values: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    unshown: set = field(default_factory=set)

    def cell(self, key: Key, value: int) -> Key:
        """A count the document shows under `key`."""
        self.values[key] = int(value or 0)
        return key

    def line(self, total: Key, parts: Iterable[Key]) -> None:
        """The cells `parts` add up to the cell `total` (all of them cells of the table)."""
        self.lines.append((total, tuple(parts)))

    def category(self, persons: int, keys: Iterable[Key]) -> None:
        """The cells `keys` describe a category (a row) of `persons` persons."""
        self.categories.append((int(persons or 0), tuple(keys)))

    def part(self, key: Key, value: int) -> Key:
        """A part of a line the document does not show (residents without a municipality,
        rows beyond those printed): never shown, but it must not be worked out either when
        it is a count from 1 to 4. A reader may well assume it is 0: when it is, it counts
        as known."""
        if value:
            self.unshown.add(key)
        return self.cell(key, value)

    def protect(self) -> Shown:
        """The cells to hide by the rule of this module, and how the others are shown."""
        marks: dict = {}
        for key, value in self.values.items():
            if key not in self.unshown and 0 < value < THRESHOLD:
                marks[key] = SMALL
        for persons, keys in self.categories:
            if 0 < persons < THRESHOLD:
                for key in keys:
                    marks[key] = SMALL if self.values[key] < THRESHOLD else HIDDEN
        protected = {key for key, mark in marks.items() if mark == SMALL}
        protected |= {key for key in self.unshown if 0 < self.values[key] < THRESHOLD}
        order = {key: i for i, key in enumerate(self.values)}
        given_up: set = set()
        while True:
            self._complete_lines(marks, order)
            pinned = [key for key in self._pinned(marks, protected) if key not in given_up]
            if not pinned:
                return Shown(dict(self.values), marks)
            key = min(pinned, key=order.__getitem__)
            extra = self._neighbour(key, marks, order, protected)
            if extra is None:
                given_up.add(key)  # everything near it is hidden already
            else:
                marks[extra] = HIDDEN

    # Rule 3 ---------------------------------------------------------------------------

    def _unknown(self, key: Key, marks: dict) -> bool:
        return key in marks or key in self.unshown

    def _members(self, line) -> tuple:
        return (line[0], *line[1])

    def _open(self, line, marks: dict) -> bool:
        """A line hiding exactly one cell that a reader could then work out and should not:
        a hidden cell, or an unshown part of 1 to 4 (a line of zeros hides nothing)."""
        unknown = [k for k in self._members(line) if self._unknown(k, marks)]
        if len(unknown) != 1:
            return False
        key = unknown[0]
        if key in self.unshown and key not in marks:
            return 0 < self.values[key] < THRESHOLD
        return any(self.values[k] for k in self._members(line))

    def _candidates(self, lines, marks: dict) -> list:
        seen = []
        for line in lines:
            for key in self._members(line):
                if not self._unknown(key, marks) and self.values[key] > 0 and key not in seen:
                    seen.append(key)
        return seen

    def _complete_lines(self, marks: dict, order: dict) -> None:
        settled: set = set()  # open lines without a cell left to hide
        while True:
            open_lines = [i for i, line in enumerate(self.lines)
                          if i not in settled and self._open(line, marks)]
            if not open_lines:
                return
            line = self.lines[open_lines[0]]
            candidates = self._candidates([line], marks)
            if not candidates:
                settled.add(open_lines[0])
                continue

            single = next(k for k in self._members(line) if self._unknown(k, marks))

            def cost(key, here=open_lines[0], line=line, single=single):
                fixes = opens = 0
                for i, other in enumerate(self.lines):
                    if i == here or key not in self._members(other):
                        continue
                    hidden = sum(self._unknown(k, marks) for k in self._members(other))
                    fixes += hidden == 1 and self._open(other, marks)
                    opens += hidden == 0
                return (self._still_pinned(line, single, key, marks), opens - fixes,
                        self.values[key], order[key])

            marks[min(candidates, key=cost)] = HIDDEN

    def _still_pinned(self, line, single: Key, candidate: Key, marks: dict) -> bool:
        """Whether the line alone still pins its one hidden cell once `candidate` is hidden
        too: 6 = "x" + "<5" does (5 + 1), 11 = "x" + "<5" does not."""
        trial = {**marks, candidate: HIDDEN}
        equation = self._equation(line, trial)
        bounds = {key: self._bounds(key, trial) for key in equation[0]}
        while _narrow(equation, bounds):
            pass
        low, high = bounds[single]
        return low == high

    def _neighbour(self, key: Key, marks: dict, order: dict, protected: set) -> Key | None:
        """The cell to hide next to a pinned one, in its lines (else one line further): the
        smallest that frees it on its own (6 = "x" + "<5": the total, not another "x"),
        else the smallest."""
        near = [line for line in self.lines if key in self._members(line)]
        candidates = self._candidates(near, marks)
        if not candidates:
            unknown = {k for line in near for k in self._members(line)
                       if self._unknown(k, marks)}
            further = [line for line in self.lines
                       if unknown & set(self._members(line))]
            candidates = self._candidates(further, marks)
        if not candidates:
            return None
        candidates.sort(key=lambda k: (self.values[k], order[k]))
        for candidate in candidates[:MAX_TRIES]:
            if key not in self._pinned({**marks, candidate: HIDDEN}, protected):
                return candidate
        return candidates[0]

    # Rule 4 ---------------------------------------------------------------------------

    def _pinned(self, marks: dict, protected: set) -> list:
        """The protected cells a reader can pin to one value from what is shown."""
        equations = [eq for eq in (self._equation(line, marks) for line in self.lines) if eq[0]]
        if not equations:
            return []
        bounds = {}
        for coefficients, _constant in equations:
            for key in coefficients:
                bounds[key] = self._bounds(key, marks)
        # Every combination of lines holds too: the reduced rows pin what elimination pins.
        equations += _reduced(equations)
        for _pass in range(MAX_PASSES):
            if not any([_narrow(eq, bounds) for eq in equations]):
                break
        return [key for key, (low, high) in bounds.items()
                if key in protected and low == high]

    def _equation(self, line, marks: dict) -> tuple:
        """A line as Σ a·x = c over its hidden cells x (parts +1, total −1)."""
        total, parts = line
        coefficients: dict = {}
        constant = 0
        for key, sign in ((total, -1), *((p, 1) for p in parts)):
            if self._unknown(key, marks):
                coefficients[key] = coefficients.get(key, 0) + sign
            else:
                constant -= sign * self.values[key]
        return {k: Fraction(a) for k, a in coefficients.items() if a}, Fraction(constant)

    def _bounds(self, key: Key, marks: dict) -> tuple:
        mark = marks.get(key)
        if mark == SMALL:
            return (1 if self.values[key] else 0), THRESHOLD - 1
        if mark == HIDDEN:
            return THRESHOLD, math.inf
        return 0, math.inf  # an unshown part


def _reduced(equations: list) -> list:
    """The equations in reduced row echelon form (Gauss–Jordan, exact fractions)."""
    rows: list = []
    for coefficients, constant in equations:
        coefficients, constant = dict(coefficients), constant
        for pivot, (row, row_constant) in rows:
            factor = coefficients.pop(pivot, 0)
            if factor:
                for k, a in row.items():
                    if k != pivot:
                        coefficients[k] = coefficients.get(k, 0) - factor * a
                constant -= factor * row_constant
        coefficients = {k: a for k, a in coefficients.items() if a}
        if not coefficients:
            continue
        pivot = next(iter(coefficients))
        scale = coefficients[pivot]
        coefficients = {k: a / scale for k, a in coefficients.items()}
        constant /= scale
        updated = []
        for other, (row, row_constant) in rows:
            factor = row.get(pivot, 0)
            if factor:
                row = {k: row.get(k, 0) - factor * coefficients.get(k, 0)
                       for k in row.keys() | coefficients.keys()}
                row = {k: a for k, a in row.items() if a}
                row_constant -= factor * constant
            updated.append((other, (row, row_constant)))
        rows = [*updated, (pivot, (coefficients, constant))]
    return [row for _pivot, row in rows]


def _narrow(equation: tuple, bounds: dict) -> bool:
    """Narrow each unknown's bounds by one equation Σ a·x = c; whether any changed."""
    coefficients, constant = equation
    ranges = {}
    for key, a in coefficients.items():
        low, high = bounds[key]
        ranges[key] = (a * low, a * high) if a > 0 else (a * high, a * low)
    infinite_low = sum(1 for low, _ in ranges.values() if low == -math.inf)
    infinite_high = sum(1 for _, high in ranges.values() if high == math.inf)
    finite_low = sum(low for low, _ in ranges.values() if low != -math.inf)
    finite_high = sum(high for _, high in ranges.values() if high != math.inf)
    changed = False
    for key, a in coefficients.items():
        own_low, own_high = ranges[key]
        if infinite_low - (own_low == -math.inf):
            rest_low = -math.inf
        else:
            rest_low = finite_low - (own_low if own_low != -math.inf else 0)
        if infinite_high - (own_high == math.inf):
            rest_high = math.inf
        else:
            rest_high = finite_high - (own_high if own_high != math.inf else 0)
        # a·x = c − rest
        span = (constant - rest_high, constant - rest_low)
        low, high = (span[0] / a, span[1] / a) if a > 0 else (span[1] / a, span[0] / a)
        old_low, old_high = bounds[key]
        new_low = max(old_low, math.ceil(low)) if low != -math.inf else old_low
        new_high = min(old_high, math.floor(high)) if high != math.inf else old_high
        if (new_low, new_high) != (old_low, old_high):
            bounds[key] = (new_low, new_high)
            changed = True
    return changed


def grid(cells: list[list[int]], row_totals: list[int] | None = None,
         column_totals: list[int] | None = None, total: int | None = None,
         row_persons: list[int] | None = None) -> Table:
    """A rows × columns table of counts with the totals the document shows: cells are keyed
    (row, column), totals ("row", r), ("column", c) and "total"; `row_persons` gives the
    size of the category each row describes."""
    table = Table()
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            table.cell((r, c), value)
    width = len(cells[0]) if cells else 0
    if row_totals is not None:
        for r, value in enumerate(row_totals):
            table.cell(("row", r), value)
            table.line(("row", r), [(r, c) for c in range(width)])
    if column_totals is not None:
        for c, value in enumerate(column_totals):
            table.cell(("column", c), value)
            table.line(("column", c), [(r, c) for r in range(len(cells))])
    if total is not None:
        table.cell("total", total)
        if row_totals is not None:
            table.line("total", [("row", r) for r in range(len(cells))])
        if column_totals is not None:
            table.line("total", [("column", c) for c in range(width)])
        if row_totals is None and column_totals is None:
            table.line("total", [(r, c) for r in range(len(cells)) for c in range(width)])
    for r, persons in enumerate(row_persons or []):
        table.category(persons, [(r, c) for c in range(width)])
    return table


def has_small_counts(series: dict[str, list[int]]) -> bool:
    """Whether any count of a chart's series is from 1 to 4 (a chart cannot show "<5")."""
    return any(0 < n < THRESHOLD for values in series.values() for n in values)
