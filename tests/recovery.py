"""A reader's attempt to work out hidden counts from what a table shows, written apart from
`tracker.counting.disclosure` so that what it hid is checked by other code.

Cells are texts as printed: a number, "<5" (1 to 4, or 0 in a row where every figure is
hidden) or "x" (5 or more). A line is a total and the parts it adds up to. A line whose
total is a printed 0 says of everyone in it that they count 0: nothing found there is a
disclosure about anyone in particular."""
import math

SMALL, HIDDEN = "<5", "x"


def bounds(text: str, zero_possible: bool) -> tuple:
    """What a reader knows of a cell from its text."""
    if text == SMALL:
        return (0 if zero_possible else 1), 4
    if text == HIDDEN:
        return 5, math.inf
    n = int(text.replace(".", ""))
    return n, n


def by_subtraction(cells: dict, lines: list) -> set:
    """The hidden cells that are the only hidden cell of a line: total minus the rest."""
    found = set()
    for total, parts in lines:
        if cells[total] == "0":
            continue
        hidden = [k for k in (total, *parts) if cells[k] in (SMALL, HIDDEN)]
        if len(hidden) == 1:
            found.add(hidden[0])
    return found


def recovered(cells: dict, lines: list, zero_possible: frozenset = frozenset()) -> dict:
    """The "<5" cells a reader pins to one value: within each line, each cell lies between
    the total and the sum of the others' bounds; line after line until nothing narrows.
    Returns the pinned cells with the value they are pinned to."""
    known = {k: bounds(text, k in zero_possible) for k, text in cells.items()}
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            for key in (total, *parts):
                if key == total:
                    low = sum(known[p][0] for p in parts)
                    high = sum(known[p][1] for p in parts)
                else:
                    others = [p for p in parts if p != key]
                    low = known[total][0] - sum(known[p][1] for p in others)
                    high = known[total][1] - sum(known[p][0] for p in others)
                narrowed = (max(known[key][0], low), min(known[key][1], high))
                assert narrowed[0] <= narrowed[1], f"{key}: the figures contradict each other"
                if narrowed != known[key]:
                    known[key] = narrowed
                    changed = True
    nobody = {k for total, parts in lines if cells[total] == "0" for k in parts}
    return {k: known[k][0] for k, text in cells.items()
            if text == SMALL and known[k][0] == known[k][1] and k not in nobody}
