"""Disclosure control (tracker.counting.disclosure): which cells are hidden, worked out by
hand, and checked by a reader's own subtraction (tests/recovery.py)."""
from tests.recovery import by_subtraction, recovered
from tracker.counting.disclosure import HIDDEN, SMALL, Table, grid


def _texts(table: Table, marks: dict) -> dict:
    return {key: marks.get(key, str(value)) for key, value in table.values.items()
            if key not in table.unshown}


def _grid_lines(rows: int, columns: int, row_totals=True, column_totals=True, total=True):
    lines = []
    if row_totals:
        lines += [(("row", r), [(r, c) for c in range(columns)]) for r in range(rows)]
    if column_totals:
        lines += [(("column", c), [(r, c) for r in range(rows)]) for c in range(columns)]
    if total and row_totals:
        lines.append(("total", [("row", r) for r in range(rows)]))
    if total and column_totals:
        lines.append(("total", [("column", c) for c in range(columns)]))
    return lines


def _assert_safe(table: Table, marks: dict, lines: list, zero_possible=frozenset()):
    texts = _texts(table, marks)
    assert by_subtraction(texts, lines) == set()
    assert recovered(texts, lines, frozenset(zero_possible)) == {}


def test_11_is_8_and_a_small_count():
    """Aarhus: 11 enrolled, Gellerup 8, Bispehaven 3. Bispehaven is "<5"; with the total
    11 shown, Gellerup would give it away (11 − 8 = 3), so Gellerup is hidden too. 11 = "x"
    + "<5" leaves Bispehaven anywhere from 1 to 4 (Gellerup 7 to 10): the total stays."""
    table = grid([[8], [3]], column_totals=[11])
    marks = table.protect().marks
    assert marks == {(1, 0): SMALL, (0, 0): HIDDEN}
    _assert_safe(table, marks, _grid_lines(2, 1, row_totals=False, total=False))


def test_a_single_area_hides_the_total_it_equals():
    """Odense: 4 enrolled, all in one housing area. The area is "<5" and so is the total:
    a total of 4 is itself a count from 1 to 4, and shown it would be the area's count."""
    table = grid([[4]], column_totals=[4])
    marks = table.protect().marks
    assert marks == {(0, 0): SMALL, ("column", 0): SMALL}
    _assert_safe(table, marks, _grid_lines(1, 1, row_totals=False, total=False))


def test_a_category_of_one_person_never_shows_the_outcome():
    """Gender by enrolled, in a placement, moved: one person of gender x (1, 1, 0), eight
    men (8, 6, 5), totals 9, 7, 5. The x row is hidden whole, its 0 too ("I forløb <5, I
    job <5" no longer tells that this one person has no job). Each column then hides
    exactly one cell. Columns 0 and 1: the men's 8 and 6 go ("x"); 9 = "x" + "<5" and
    7 = "x" + "<5" leave the person 1–4 and 1–2. Column 2: hiding the men's 5 would still
    pin the person's 0 (5 = "x" + "<5" with x ≥ 5), so the total 5 is hidden instead
    ("x" = 5 + "<5")."""
    table = grid([[1, 1, 0], [8, 6, 5]], column_totals=[9, 7, 5], row_persons=[1, 8])
    marks = table.protect().marks
    assert marks == {(0, 0): SMALL, (0, 1): SMALL, (0, 2): SMALL,
                     (1, 0): HIDDEN, (1, 1): HIDDEN, ("column", 2): HIDDEN}
    lines = _grid_lines(2, 3, row_totals=False, total=False)
    _assert_safe(table, marks, lines, zero_possible={(0, 0), (0, 1), (0, 2)})
    # Without the total hidden the reader gets the person's 0 back: 5 − 5.
    texts = _texts(table, {k: m for k, m in marks.items() if k != ("column", 2)})
    assert recovered(texts, lines, frozenset({(0, 0), (0, 1), (0, 2)})) == {(0, 2): 0}


def test_secondary_suppression_cascades_through_a_3_by_3_table():
    """Rows 2 7 9 | 18, 8 10 12 | 30, 11 6 20 | 37; columns 21 23 41 | 85. Only the 2 is
    small. Row 0 hides only the 2: its smallest other cell, 7, goes (every choice opens a
    column). Column 0 hides only the 2: the 8 (smallest; 11 and 21 open a line as well).
    Row 1 hides only the 8: the 10, which also completes column 1 (hiding only the 7), is
    preferred to the 12 that would open column 2. Four cells, a rectangle: 2 + 7 = 9,
    2 + 8 = 10, 8 + 10 = 18, 7 + 10 = 17 leave the 2 anywhere from 1 to 4."""
    cells = [[2, 7, 9], [8, 10, 12], [11, 6, 20]]
    table = grid(cells, row_totals=[18, 30, 37], column_totals=[21, 23, 41], total=85)
    marks = table.protect().marks
    assert marks == {(0, 0): SMALL, (0, 1): HIDDEN, (1, 0): HIDDEN, (1, 1): HIDDEN}
    _assert_safe(table, marks, _grid_lines(3, 3))


def test_the_lines_are_solved_together():
    """Two blocks of small counts joined by one, (0, 2) = 3: every row and column hides two
    or more cells, yet rows 0–1 minus columns 0–1 leave only (0, 2) and (0, 3), (1, 2),
    (1, 3), (2, 0), (3, 0), (2, 1), (3, 1), all shown: (0, 2) is pinned. Hiding the
    smallest cell in its lines that frees it, the 20 at (0, 3), ties it into a cycle."""
    cells = [[1, 2, 3, 20], [2, 1, 30, 40], [50, 60, 1, 2], [70, 80, 3, 1]]
    row_totals = [sum(row) for row in cells]
    column_totals = [sum(column) for column in zip(*cells)]
    table = grid(cells, row_totals=row_totals, column_totals=column_totals,
                 total=sum(row_totals))
    marks = table.protect().marks
    small = {(r, c): SMALL for r in range(4) for c in range(4) if cells[r][c] < 5}
    assert marks == {**small, (0, 3): HIDDEN}

    def combination(shown):
        """Rows 0–1 minus columns 0–1, with the shown cells taken away: (0, 2) + what is
        still hidden of (0, 3), (1, 2), (1, 3) and minus (2, 0), (3, 0), (2, 1), (3, 1)."""
        rest = sum(row_totals[:2]) - sum(column_totals[:2])
        for key, sign in (((0, 3), -1), ((1, 2), -1), ((1, 3), -1),
                          ((2, 0), 1), ((3, 0), 1), ((2, 1), 1), ((3, 1), 1)):
            if key not in shown:
                rest += sign * cells[key[0]][key[1]]
        return rest

    assert combination(small) == 3  # only the primary cells hidden: pinned
    assert (0, 3) in marks  # now the combination is (0, 2) + (0, 3) = 23, unknown apart
    _assert_safe(table, marks, _grid_lines(4, 4))


def test_a_line_of_zeros_hides_nothing_more():
    """One person (1 enrolled, 0 moved) and seven others (7, 0); nobody moved at all: the
    total 0 says so for everyone, so the person's hidden 0 needs no further cell hidden."""
    table = grid([[1, 0], [7, 0]], column_totals=[8, 0], row_persons=[1, 7])
    marks = table.protect().marks
    assert marks == {(0, 0): SMALL, (0, 1): SMALL, (1, 0): HIDDEN}


def test_an_unshown_part_of_1_to_4_is_not_worked_out_either():
    """6 enrolled: Testrup 5, Andeby 1, nobody without a municipality (a reader may take
    that 0 as known). 6 − 5 gives Andeby away, and hiding Testrup would not help (6 = "x" +
    "<5" is 5 + 1), so the total is hidden. Then 7 enrolled: Testrup 6 and one resident
    without a municipality, not printed: 7 − 6 would give that one away, so Testrup is
    hidden ("x" + ? = 7 leaves 0 to 2)."""
    table = Table()
    table.cell("enrolled", 6)
    table.line("enrolled", [table.cell("Testrup", 5), table.cell("Andeby", 1),
                            table.part("none", 0)])
    assert table.protect().marks == {"Andeby": SMALL, "enrolled": HIDDEN}

    table = Table()
    table.cell("enrolled", 7)
    table.line("enrolled", [table.cell("Testrup", 6), table.part("none", 1)])
    assert table.protect().marks == {"Testrup": HIDDEN}


def test_counts_of_5_and_more_and_zeros_are_shown(app):
    table = grid([[0, 5], [12, 1234]])
    shown = table.protect()
    assert shown.marks == {}
    assert [shown((0, 0)), shown((0, 1)), shown((1, 1))] == ["0", "5", "1.234"]
    assert shown.cell((1, 1)) == 1234 and not shown.hidden((1, 1))
