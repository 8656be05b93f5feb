"""The one-pass aggregations of the municipality report and the annual report, against
figures worked out by hand from a world made for their edge cases.

Municipality M, report period 01.03.–30.06.2026 (as of 30.06.2026):

- Ada (f, born 2003: under 25 in 2026; intake 15.01., before the period; Nordparken):
  a1 internship 10.01.–05.03. (crosses the period's start) → a2 wage subsidy 06.03.–10.06.
  → a3 ordinary job from 11.06. (started in the period: moved).
- Bo (m, born 1990: 30–39; intake 01.03., the period's first day; Nordparken; a test benefit):
  b1 internship from 20.06., planned to 31.08. (crosses the period's end) → b2 ordinary job
  from 01.09. (after the period: neither overlapping nor a move, nor a pathway step).
- Cai (f, born 1970: 50 and over; intake 30.06., the period's last day; Sydparken):
  c1 internship 01.10.2025–28.02.2026, outcome ordinary job (ended the day before the period).
- Dea (gender x, no birth year; intake 2025; Nordparken): d1 apprenticeship from 01.01.,
  planned end 15.02., no end (effective end 15.02.: before the period); d2 internship
  01.04.–30.04., outcome education (moved); d3 internship 01.05.–31.05. → d4 ordinary job
  from 01.06. (straight from the internship to a job). Several placements, counted once
  where persons are counted.
- Eli (m, born 1990; intake 01.04.; Nordparken; a test benefit): no placement.
- Gry (Vestparken; intake 2025): no placement: in no breakdown row.
- Fie lives in another municipality; Hal has no municipality (both only in the annual
  report's totals and Fie in her municipality's row).
"""
import io
from datetime import date
from decimal import Decimal

import pytest

from tests import factories
from tracker.counting import SUMMARY_FIELDS, municipality_summary
from tracker.documents import service
from tracker.documents.content import workbook
from tracker.documents.kinds import annual, build, municipality
from tracker.documents.kinds.municipality import AGE_BANDS
from tracker.documents.render import render_html
from tracker.documents.requests import DocumentRequest
from tracker.models import BenefitGroup, FollowUp, ProgressAssessment
from tracker.models.base import utcnow
from tracker.models.codes import GENDERS

START, END = date(2026, 3, 1), date(2026, 6, 30)


@pytest.fixture()
def town(db):
    m = factories.organisation("municipality", name="Nordby Kommune")
    other_m = factories.organisation("municipality", name="Sydby Kommune")
    firm = factories.organisation("contractor", name="Byg A/S")
    north = factories.housing_area(m, name="Nordparken")
    south = factories.housing_area(m, name="Sydparken")
    west = factories.housing_area(m, name="Vestparken")
    elsewhere = factories.housing_area(other_m, name="Andetsteds")
    cash = BenefitGroup(code="test-ydelse", name_da="Testydelse", name_en="Test benefit",
                        valid_from=date(2020, 1, 1))
    db.session.add(cash)
    p1 = factories.project(area=north, case_number="P-1")
    p2 = factories.project(area=north, case_number="P-2")

    def person(name, area, **kw):
        return factories.participant(area.municipality if area else None, name=name,
                                     housing_area=area, **kw)

    ada = person("Ada", north, gender="f", birth_year=2003, intake_date=date(2026, 1, 15))
    bo = person("Bo", north, gender="m", birth_year=1990, intake_date=date(2026, 3, 1),
                benefit_group=cash)
    cai = person("Cai", south, gender="f", birth_year=1970, intake_date=date(2026, 6, 30))
    dea = person("Dea", north, gender="x", birth_year=None, intake_date=date(2025, 5, 1))
    eli = person("Eli", north, gender="m", birth_year=1990, intake_date=date(2026, 4, 1),
                 benefit_group=cash)
    gry = person("Gry", west, gender="f", birth_year=1980, intake_date=date(2025, 1, 1))
    fie = person("Fie", elsewhere, gender="f", birth_year=1980, intake_date=date(2026, 1, 1))
    hal = factories.participant(None, name="Hal", intake_date=date(2026, 2, 1))

    def placement(who, kind, start, project=None, **kw):
        return factories.placement(who, firm, kind, project, start_date=start, **kw)

    a3 = placement(ada, "ordinary_job", date(2026, 6, 11), p1)
    a2 = placement(ada, "wage_subsidy", date(2026, 3, 6), p1, end_date=date(2026, 6, 10),
                   outcome="next_placement", next_placement=a3)
    a1 = placement(ada, "internship", date(2026, 1, 10), p1, end_date=date(2026, 3, 5),
                   outcome="next_placement", next_placement=a2)
    b2 = placement(bo, "ordinary_job", date(2026, 9, 1), p1)
    placement(bo, "internship", date(2026, 6, 20), p1, planned_end=date(2026, 8, 31),
              next_placement=b2)
    c1 = placement(cai, "internship", date(2025, 10, 1), p1, end_date=date(2026, 2, 28),
                   outcome="ordinary_job")
    placement(dea, "apprenticeship", date(2026, 1, 1), p2, planned_end=date(2026, 2, 15))
    placement(dea, "internship", date(2026, 4, 1), p2, end_date=date(2026, 4, 30),
              outcome="education")
    d4 = placement(dea, "ordinary_job", date(2026, 6, 1), p2)
    placement(dea, "internship", date(2026, 5, 1), p2, end_date=date(2026, 5, 31),
              outcome="next_placement", next_placement=d4)
    f1 = placement(fie, "internship", date(2026, 5, 1), p2)
    placement(hal, "internship", date(2026, 2, 1), end_date=date(2026, 2, 20),
              outcome="ordinary_job")
    db.session.add_all([
        FollowUp(placement=a1, months=3, status="employed", follow_up_date=date(2026, 6, 5)),
        FollowUp(placement=c1, months=3, status="unemployed", follow_up_date=date(2026, 5, 28)),
        FollowUp(placement=c1, months=6, status="employed", follow_up_date=date(2026, 8, 28)),
        FollowUp(placement=f1, months=3, status="unknown", follow_up_date=date(2026, 6, 1)),
    ])
    # Progression: Ada's work readiness 2 → 4 → 7 and Danish 5 → (none) → 6; Bo one score in
    # the period (and one before it); Dea two on the same day: the later id is the latest.
    for who, day, work, danish in (
            (ada, date(2026, 3, 10), 2, 5), (ada, date(2026, 4, 10), 4, None),
            (ada, date(2026, 6, 20), 7, 6), (bo, date(2026, 2, 1), 1, None),
            (bo, date(2026, 3, 15), 5, None), (dea, date(2026, 5, 1), 3, None),
            (dea, date(2026, 5, 1), 5, None), (fie, date(2026, 4, 1), 1, None),
            (fie, date(2026, 5, 1), 9, None)):
        db.session.add(ProgressAssessment(participant=who, assessed_on=day, work_readiness=work,
                                          danish_language=danish))
        db.session.flush()  # ids in this order
    db.session.commit()
    return {"m": m, "other_m": other_m, "p1": p1, "p2": p2, "gry": gry, "eli": eli}


def test_municipality_report_figures_by_hand(db, town):
    built = municipality.municipality_report(town["m"], START, END, END)
    c = built.context
    # Enrolled: Bo, Cai, Eli (intake on the period's first and last day counts).
    # Overlapping: a1, b1, d2, d3 internships; a2; a3, d4 (d1 ended by its planned end).
    # Moved: Ada (a3 started), Dea (d2 education; d4 started).
    assert {field: c["summary"][field] for field in SUMMARY_FIELDS} == {
        "enrolled": 3,
        "placements": {"internship": 4, "wage_subsidy": 1, "apprenticeship": 0,
                       "ordinary_job": 2},
        "moved_into_work_or_education": 2,
        "follow_ups": {"employed": 1, "education": 0, "unemployed": 1, "unknown": 0},
    }
    # The municipality dashboard and the API read the same summary.
    assert c["summary"] == municipality_summary(town["m"].id, START, END)
    # Ended in the period: a1, a2, d3 (next placement), d2 (education); c1 ended before it.
    assert c["outcomes"] == [("education", 1), ("next_placement", 3)]
    # a1's 3-month follow-up (employed) and c1's (unemployed); c1's 6-month one is in August.
    none = {"employed": 0, "education": 0, "unemployed": 0, "unknown": 0}
    assert c["follow_up_rows"] == [
        (3, {"months": 3, **none, "employed": 1, "unemployed": 1}, 2),
        (6, {"months": 6, **none}, 0), (12, {"months": 12, **none}, 0)]
    # Internship in the period: Ada, Bo, Dea; Ada's led to a wage subsidy and on to a job;
    # Dea's d3 straight to a job; Bo's next placement starts after the period.
    assert c["steps"] == {"internship": 3, "wage_subsidy": 1, "ordinary_job": 1,
                          "direct_job": 1}
    progression = {row["dimension"]: row for row in c["progression"]}
    # Work readiness: Ada 2 → 7, Dea 3 → 5: averages 2,5 → 6,0, change +3,5.
    assert progression["work_readiness"] == {
        "dimension": "work_readiness", "persons": 2, "first": Decimal("2.5"),
        "latest": Decimal("6.0"), "change": Decimal("3.5")}
    assert progression["danish_language"] == {
        "dimension": "danish_language", "persons": 1, "first": Decimal("5.0"),
        "latest": Decimal("6.0"), "change": Decimal("1.0")}
    assert progression["network"]["persons"] == 0 and progression["network"]["first"] is None


def test_municipality_report_has_no_spreadsheet_of_persons(db, town):
    """Rows at person level beside counts shown as "<5" would let anyone count what the
    PDF hides (Bo's one internship in June, say): the report goes without them."""
    built = build(DocumentRequest(
        "municipality", as_of=END, municipality=town["m"], date_from=START, date_to=END))
    assert built.sheets == []
    assert workbook(built.sheets, END) is None


def test_municipality_breakdowns_by_hand(db, town):
    built = municipality.municipality_report(town["m"], START, END, END)
    rows = {b["title"]: b["rows"] for b in built.context["breakdowns"]}
    # (enrolled, in a placement, moved): Ada (0,1,1), Bo (1,1,0), Cai (1,0,0), Dea (0,1,1),
    # Eli (1,0,0); Gry (0,0,0) is in no row.
    areas, benefits, ages, genders = rows.values()
    assert areas == [("Nordparken", 2, 3, 2), ("Sydparken", 1, 0, 0)]
    assert benefits == [("Testydelse", 2, 1, 0), (str(municipality.NOT_STATED), 1, 2, 2)]
    assert ages == [(str(AGE_BANDS["u25"]), 0, 1, 1),
                    (str(AGE_BANDS["30-39"]), 2, 1, 0),
                    (str(AGE_BANDS["50+"]), 1, 0, 0),
                    (str(AGE_BANDS["unknown"]), 0, 1, 1)]
    assert genders == [(str(GENDERS["f"]), 1, 1, 1), (str(GENDERS["m"]), 2, 1, 0),
                       (str(GENDERS["x"]), 0, 1, 1)]


def test_municipality_report_small_counts_suppressed_in_the_pdf(db, town):
    from tests.documents.conftest import pdf_text

    document = service.issue(DocumentRequest(
        "municipality", as_of=END, municipality=town["m"], date_from=START, date_to=END), None)
    db.session.commit()
    text = pdf_text(document.content)
    # Every row is a group of fewer than 5 residents (Nordparken: Ada, Bo, Dea, Eli;
    # Sydparken: Cai alone): all figures hidden, Cai's zeros too.
    assert "Nordparken <5 <5 <5" in text and "Sydparken <5 <5 <5" in text
    assert "Testydelse <5 <5 <5" in text
    assert "Vestparken" not in text  # Gry: nothing to count


def test_an_empty_period_gives_zeros(db, town):
    built = municipality.municipality_report(town["m"], date(2020, 1, 1), date(2020, 1, 31),
                                        date(2020, 1, 31))
    c = built.context
    assert c["summary"] == municipality_summary(town["m"].id, date(2020, 1, 1),
                                                date(2020, 1, 31))
    assert c["summary"]["enrolled"] == 0 and not any(c["summary"]["placements"].values())
    assert c["outcomes"] == [] and all(not b["rows"] for b in c["breakdowns"])
    assert all(row["persons"] == 0 for row in c["progression"])


def test_annual_report_figures_by_hand(db, town):
    # The year 2026 as of 30.06.: running 01.01.–30.06.
    c = annual.annual(2026, END).context
    # Enrolled in the year: Ada, Bo, Cai, Eli, Fie, Hal. Overlapping the year: a1, a2, a3,
    # b1, c1, d1, d2, d3, d4, f1, h1 (b2 starts 01.09.). Persons: Ada, Bo, Cai, Dea, Fie, Hal.
    # Moved: Ada (a3), Cai (c1 ended 28.02. with a job), Dea (d1 apprenticeship started),
    # Hal (h1 ended with a job).
    assert c["headline"] == {"projects": 2, "clauses": 0, "met": 0, "enrolled": 6,
                             "persons": 6, "moved": 4, "placements": 11}
    assert c["by_kind"] == [("internship", 7), ("wage_subsidy", 1), ("apprenticeship", 1),
                            ("ordinary_job", 2)]
    assert c["follow_ups"] == [("employed", 1), ("education", 0), ("unemployed", 1),
                               ("unknown", 1)]
    by_project = {r["project"].case_number: (r["placements"], r["persons"])
                  for r in c["projects"]}
    assert by_project == {"P-1": (5, 3), "P-2": (5, 2)}  # Hal's placement is on no project
    rows = {r["municipality"].name: r for r in c["municipalities"]}
    assert list(rows) == ["Nordby Kommune", "Sydby Kommune"]
    assert rows["Nordby Kommune"]["enrolled"] == 4
    assert rows["Nordby Kommune"]["placements"] == {
        "internship": 5, "wage_subsidy": 1, "apprenticeship": 1, "ordinary_job": 2}
    assert rows["Nordby Kommune"]["moved_into_work_or_education"] == 3
    assert rows["Sydby Kommune"]["follow_ups"] == {"employed": 0, "education": 0,
                                                   "unemployed": 0, "unknown": 1}
    for row in c["municipalities"]:
        summary = municipality_summary(row["municipality"].id, date(2026, 1, 1), END)
        assert {k: row[k] for k in SUMMARY_FIELDS} == {k: summary[k] for k in SUMMARY_FIELDS}


def test_annual_projects_beyond_the_pdf_are_in_the_workbook(db, town, monkeypatch):
    """More projects than the PDF lists: the PDF says how many, the workbook lists them
    (P-1: a1, a2, a3, b1, c1 of Ada, Bo, Cai; P-2: Dea's d1–d4 and Fie's f1; see
    test_annual_report_figures_by_hand)."""
    from openpyxl import load_workbook

    monkeypatch.setattr(annual, "MAX_PDF_ROWS", 1)
    req = DocumentRequest("annual", as_of=END, year=2026)
    built = build(req)
    c = built.context
    assert c["projects"] is None and c["project_count"] == 2 and c["attachment_rows"] == 2
    assert c["headline"]["projects"] == 2 and c["headline"]["placements"] == 11
    html = render_html("annual", built, req, "D-2026-000001", utcnow(), None)
    assert "2 byggesager" in html and "regnearket" in html and "P-1" not in html
    rows = [row for row in load_workbook(io.BytesIO(workbook(built.sheets, END)), read_only=True)
            .worksheets[0].iter_rows(values_only=True)]
    # Case number, clauses (none), the four statuses, placements, participants: 5 and 3,
    # 5 and 2, as the PDF would show them. The year's 11 placements = 5 + 5 + Hal's 1 on no
    # project: that 1 would follow from the total, so P-1's 5 is hidden ("x") too.
    assert [(r[0], r[4], *r[-2:]) for r in rows[1:]] == [("P-1", 0, "x", "<5"),
                                                         ("P-2", 0, 5, "<5")]


def test_annual_report_counts_placements_by_their_effective_end(db):
    """"Overlapping the year" by the effective end (DESIGN §4, `counting.placements.overlaps`):
    these placements are its edge cases. The year 2026 as of 30.06.2026; every placement
    started 01.06.2025, each for its own resident."""
    m = factories.organisation("municipality", name="Kantby Kommune")
    area = factories.housing_area(m, name="Kanten")
    firm = factories.organisation("contractor", name="Kant A/S")
    project = factories.project(area=area, case_number="K-1", start_date=date(2025, 1, 1))
    begun = date(2025, 6, 1)
    cases = {
        # planned end in 2025, no end: its effective end is the planned end: not in 2026
        "planned 2025": dict(planned_end=date(2025, 12, 31)),
        # ended in 2025: not in 2026
        "ended 2025": dict(end_date=date(2025, 12, 31), planned_end=date(2026, 3, 1)),
        # no planned end, no end: running on the as-of date: in 2026
        "open": dict(),
        # planned end 01.01.2026, the year's first day, no end: in 2026 (one day)
        "planned 1 Jan": dict(planned_end=date(2026, 1, 1)),
        # planned end after the as-of date, no end: running: in 2026
        "planned 2027": dict(planned_end=date(2027, 3, 1)),
        # ended after the as-of date (not known on it): in 2026
        "ended later": dict(end_date=date(2026, 9, 30)),
    }
    for name, dates in cases.items():
        person = factories.participant(m, name=name, housing_area=area,
                                       intake_date=date(2025, 5, 1))
        factories.placement(person, firm, kind="wage_subsidy", project=project,
                            start_date=begun, **dates)
    late = factories.participant(m, name="late", housing_area=area, intake_date=date(2025, 5, 1))
    # started after the as-of date: not yet in the year's figures
    factories.placement(late, firm, kind="internship", project=project,
                        start_date=date(2026, 7, 1))
    db.session.commit()

    c = annual.annual(2026, date(2026, 6, 30)).context

    # Counted: "open", "planned 1 Jan", "planned 2027", "ended later": 4 placements of 4 people.
    assert c["headline"]["placements"] == 4
    assert c["headline"]["persons"] == 4
    assert c["by_kind"] == [("internship", 0), ("wage_subsidy", 4), ("apprenticeship", 0),
                            ("ordinary_job", 0)]
    assert [(r["project"].case_number, r["placements"], r["persons"])
            for r in c["projects"]] == [("K-1", 4, 4)]
    [row] = c["municipalities"]
    assert row["placements"]["wage_subsidy"] == 4
    assert row["enrolled"] == 0  # every intake was in 2025
