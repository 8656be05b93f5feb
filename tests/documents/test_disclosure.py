"""Disclosure control in the documents addressed outside the secretariat: what the municipality
report and the annual report print, read back from their HTML, with the expected marks
worked out by hand and a reader's own subtraction (tests/recovery.py) over every line the
document shows – a breakdown and its total, the key figure it adds up to, a table's rows
and columns – finding no hidden count.

Aarhus, 1.1.–30.6.2026, 11 residents enrolled on 1.1.:

- Gellerup: G1–G6 (men) internship in February ended with an ordinary job; G7 (woman)
  internship ended unemployed; G8 (woman) no placement.
- Bispehaven: B1 (woman) internship ended with an ordinary job; B2 (woman) no placement;
  B3 (gender x) internship ended unemployed.

So (enrolled, in a placement, moved): Gellerup 8, 7, 6; Bispehaven 3, 2, 1; women (G7, G8,
B1, B2) 4, 2, 1; men 6, 6, 6; gender x 1, 1, 0; totals 11, 9, 7.
"""
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest

from tests import factories
from tests.documents.conftest import AS_OF
from tests.recovery import SMALL, by_subtraction, recovered
from tracker.documents.kinds import build
from tracker.documents.render import render_html
from tracker.documents.requests import DocumentRequest
from tracker.models.base import utcnow

START, END = date(2026, 1, 1), date(2026, 6, 30)


class _Tables(HTMLParser):
    """Every table of a page: the heading above it and its rows as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self.heading, self._heading, self._cell = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3"):
            self._heading = []
        elif tag == "table":
            self.tables.append({"heading": self.heading, "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("h2", "h3") and self._heading is not None:
            self.heading, self._heading = " ".join("".join(self._heading).split()), None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        for buffer in (self._heading, self._cell):
            if buffer is not None:
                buffer.append(data)


def _tables(html: str) -> dict:
    parser = _Tables()
    parser.feed(html)
    return {t["heading"]: t["rows"] for t in parser.tables if t["heading"]}


def _key_figures(html: str) -> dict:
    return {unescape(label): unescape(value) for value, label in re.findall(
        r'<span class="key-value">(.*?)</span><span class="key-label">(.*?)</span>', html)}


def _html(kind: str, **kw) -> str:
    req = DocumentRequest(kind, as_of=kw.pop("as_of", AS_OF), **kw)
    return render_html(kind, build(req), req, "D-2026-000001", utcnow(), None)


class Reader:
    """The cells a document prints and the lines a reader knows they add up in."""

    def __init__(self):
        self.cells, self.lines, self.zero_possible = {}, [], set()

    def cell(self, key, text):
        assert self.cells.setdefault(key, text) == text, f"{key} printed two ways"
        return key

    def rows(self, name, rows, columns, totals):
        """A table's body rows (label first) whose `columns` add up to the cells `totals`;
        a row hidden whole may hold a 0."""
        for i, row in enumerate(rows):
            keys = [self.cell((name, i, c), row[c]) for c in columns]
            if all(row[c] == SMALL for c in columns):
                self.zero_possible.update(keys)
        for c, total in zip(columns, totals):
            self.lines.append((total, [(name, i, c) for i in range(len(rows))]))

    def check(self):
        assert by_subtraction(self.cells, self.lines) == set()
        assert recovered(self.cells, self.lines, frozenset(self.zero_possible)) == {}


@pytest.fixture()
def aarhus(db):
    m = factories.organisation("municipality", name="Aarhus Kommune")
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    gellerup = factories.housing_area(m, name="Gellerup")
    bispehaven = factories.housing_area(m, name="Bispehaven")

    def resident(name, area, gender, outcome=None):
        person = factories.participant(m, name=name, housing_area=area, gender=gender)
        if outcome:
            factories.placement(person, firm, "internship", start_date=date(2026, 2, 1),
                                end_date=date(2026, 2, 28), outcome=outcome)

    for n in range(1, 7):
        resident(f"G{n}", gellerup, "m", "ordinary_job")
    resident("G7", gellerup, "f", "unemployed")
    resident("G8", gellerup, "f")
    resident("B1", bispehaven, "f", "ordinary_job")
    resident("B2", bispehaven, "f")
    resident("B3", bispehaven, "x", "unemployed")
    db.session.commit()
    return m


def _municipality_reader(html: str) -> tuple[Reader, dict, dict]:
    """The lines of a municipality report: key figures, placements by kind, outcomes,
    follow-ups (rows, columns, totals) and the four breakdowns."""
    tables, keys = _tables(html), _key_figures(html)
    reader = Reader()
    enrolled = reader.cell("enrolled", keys["borgere indskrevet i perioden"])
    placements = reader.cell("placements", keys["forløb i perioden"])
    moved = reader.cell("moved", keys["borgere kommet i job eller uddannelse i perioden"])
    follow_ups = reader.cell("follow_ups", keys["opfølgninger i perioden"])
    kinds = tables["Forløb fordelt på type"]
    reader.cell("placements", kinds[-1][1])
    reader.rows("kinds", kinds[1:-1], [1], [placements])
    outcomes = tables.get("Resultat af forløb afsluttet i perioden")
    if outcomes:
        total = reader.cell("outcomes", outcomes[-1][1])
        reader.rows("outcomes", outcomes[1:-1], [1], [total])
    follow = tables["Opfølgning efter 3, 6 og 12 måneder"]
    width = len(follow[0]) - 1  # the statuses and the total column
    columns = [reader.cell(("follow_up_total", c), follow[-1][c]) for c in range(1, width)]
    reader.cell("follow_ups", follow[-1][width])
    row_totals = [reader.cell(("follow_up_row", i), row[width])
                  for i, row in enumerate(follow[1:-1])]
    reader.rows("follow_up", follow[1:-1], range(1, width), columns)
    for i, total in enumerate(row_totals):
        reader.lines.append((total, [("follow_up", i, c) for c in range(1, width)]))
    reader.lines += [(follow_ups, columns), (follow_ups, row_totals)]
    placed = None
    breakdowns = {}
    for heading in ("Boligområde", "Ydelse ved indskrivning", "Alder ved indskrivning", "Køn"):
        rows = tables[heading]
        total = rows[-1]
        assert total[0] == "I alt"
        reader.cell("enrolled", total[1])
        placed = reader.cell("placed", total[2])
        reader.cell("moved", total[3])
        reader.rows(heading, rows[1:-1], [1, 2, 3], [enrolled, placed, moved])
        breakdowns[heading] = {row[0]: row[1:] for row in rows[1:]}
    return reader, keys, breakdowns | {"kinds": kinds, "outcomes": outcomes}


def test_aarhus_11_is_8_and_a_small_count_and_nothing_is_worked_out(db, aarhus):
    html = _html("municipality", municipality=aarhus, date_from=START, date_to=END)
    reader, keys, tables = _municipality_reader(html)
    assert keys["borgere indskrevet i perioden"] == "11"
    assert keys["borgere kommet i job eller uddannelse i perioden"] == "7"
    # Housing area: Bispehaven is 3 residents: every figure "<5". Each column would then
    # give it away (11 − 8, 9 − 7, 7 − 6): Gellerup's figures are hidden ("x"); the totals,
    # which are the key figures too, stay: 11 = "x" + "<5" leaves Bispehaven 1–4.
    assert tables["Boligområde"] == {"Gellerup": ["x", "x", "x"],
                                     "Bispehaven": ["<5", "<5", "<5"],
                                     "I alt": ["11", "9", "7"]}
    # Gender: the women (4) and gender x (1 person) are hidden whole. Moved: 7 = "<5" + 6 +
    # "<5" would leave the women 1 and the one person of gender x 0 (their outcome): the
    # men's 6 is hidden too.
    assert tables["Køn"] == {"Kvinde": ["<5", "<5", "<5"], "Mand": ["6", "6", "x"],
                             "Andet eller uoplyst": ["<5", "<5", "<5"],
                             "I alt": ["11", "9", "7"]}
    # No birth years, no benefit groups: one row each, the totals themselves.
    assert tables["Alder ved indskrivning"] == {"Ikke oplyst": ["11", "9", "7"], "I alt": ["11", "9", "7"]}
    # Outcomes: 7 ordinary jobs, 2 unemployed ("<5"); 9 − 7 would give the 2: 7 hidden.
    assert tables["outcomes"][1:] == [["Ordinært job", "x"], ["Ledig", "<5"], ["I alt", "9"]]
    assert tables["kinds"][1:] == [["Virksomhedspraktik", "9"], ["Løntilskud", "0"],
                                   ["Lærling/elev", "0"], ["Ordinært job", "0"], ["I alt", "9"]]
    reader.check()
    assert "Om tallene" in html


def test_odense_a_single_area_hides_the_total(db):
    """Odense: 4 residents, all in Vollsmose, none in a placement. The area's 4 is "<5", and
    so is the total (and the key figure): otherwise the total would tell the area's 4."""
    m = factories.organisation("municipality", name="Odense Kommune")
    vollsmose = factories.housing_area(m, name="Vollsmose")
    for n in range(4):
        factories.participant(m, name=f"V{n}", housing_area=vollsmose)
    db.session.commit()
    html = _html("municipality", municipality=m, date_from=START, date_to=END)
    reader, keys, tables = _municipality_reader(html)
    assert keys["borgere indskrevet i perioden"] == "<5"
    # A group of 4: its zeros hidden too; nobody in a placement at all: the totals say so.
    assert tables["Boligområde"] == {"Vollsmose": ["<5", "<5", "<5"],
                                     "I alt": ["<5", "0", "0"]}
    reader.check()


def test_the_annual_report_shows_no_count_from_1_to_4(db, world):
    """The hand-made world (conftest): Testrup 5 residents, Andeby 1 (Fie); placements
    T-100 5 (of Ada, Bo, Cai), A-200 1 (Fie's). The year's tables with their totals: each
    municipality column adds up to a key figure or a placement kind, the projects'
    placements to the key figure, the follow-ups by status to theirs."""
    html = _html("annual", year=2026)
    tables, keys = _tables(html), _key_figures(html)
    reader = Reader()
    enrolled = reader.cell("enrolled", keys["beboere indskrevet"])
    placements = reader.cell("placements", keys["forløb"])
    moved = reader.cell("moved", keys["beboere kommet i job eller uddannelse"])
    follow_ups = reader.cell("follow_ups", keys["opfølgninger"])
    # 6 = 5 + 1 twice over (enrolled: Testrup and Andeby; placements: T-100 and A-200):
    # the totals are hidden, as hiding the 5s would not do (6 = "x" + "<5" is 5 + 1).
    assert keys["beboere indskrevet"] == "x" and keys["forløb"] == "x"
    assert keys["beboere i forløb"] == "<5" and keys["opfølgninger"] == "<5"
    by_kind = [row[2:] for row in tables["Hovedtal"][1:] if len(row) == 4 and row[2]]
    kinds = [reader.cell(("kind", i), n) for i, (_kind, n) in enumerate(by_kind)]
    reader.lines.append((placements, kinds))
    statuses = re.search(r"Opfølgninger i året: (.*?)\.</p>", html).group(1)
    parts = [reader.cell(("follow_up", i), unescape(part).rsplit(" ", 1)[1])
             for i, part in enumerate(statuses.split(" · "))]
    reader.lines.append((follow_ups, parts))
    municipalities = tables["Pr. kommune"]
    assert municipalities[1:] == [
        ["Andeby Kommune", "<5", "<5", "<5", "<5", "<5", "<5", "<5"],
        ["Testrup Kommune", "5", "<5", "<5", "<5", "<5", "<5", "<5"]]
    reader.rows("municipalities", municipalities[1:], range(1, 8),
                [enrolled, *kinds, moved, follow_ups])
    projects = tables["Pr. byggesag"]
    assert [(row[0], row[-2], row[-1]) for row in projects[1:]] == [
        ("A-200", "<5", "<5"), ("T-100", "5", "<5")]
    # Every placement of the world is on a project: a reader may take the rest as 0.
    reader.rows("projects", projects[1:], [6], [placements])
    reader.check()
