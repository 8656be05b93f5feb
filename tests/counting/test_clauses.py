"""Counts toward, registered and reported values, fulfilment, status and discrepancy
(DESIGN §4), each expected figure worked out by hand."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from tests import factories as f
from tracker.counting.clauses import (
    clause_figure,
    clause_periods,
    counts_toward,
    discrepancy,
    fulfilment,
    registered,
    reported,
    status,
)
from tracker.models import Placement

MARCH_1, AUGUST_31, MAY_31 = date(2026, 3, 1), date(2026, 8, 31), date(2026, 5, 31)


# --- counts toward --------------------------------------------------------------------------

@pytest.fixture()
def site(db):
    """A project (2026) with two contractors, one more firm elsewhere, and placements that
    each test one condition of "counts toward" for clauses running March..August."""
    main, sub, outsider = f.organisation(), f.organisation(), f.organisation()
    project = f.project(contractors=[main, sub])
    other = f.project(contractors=[main, outsider])
    agreement = f.agreement(project)

    def place(name, employer=main, kind="internship", on=project, start=date(2026, 4, 1), **kw):
        return name, f.placement(f.participant(), employer, kind, on, start_date=start, **kw)

    placements = dict([
        place("main_internship"),
        place("main_wage_subsidy", kind="wage_subsidy"),
        place("sub_internship", employer=sub),
        place("outsider_internship", employer=outsider),   # not a contractor on the project
        place("other_project", on=other),                  # main is on that project too
        place("no_project", on=None),
        place("ended_the_day_before", start=date(2026, 2, 1), end_date=date(2026, 2, 28)),
        place("starts_on_as_of", start=MAY_31),
        place("starts_after_as_of", start=date(2026, 6, 1)),
    ])
    return {"agreement": agreement, "main": main, "sub": sub, "placements": placements}


def counted(db, clause, site, as_of=MAY_31) -> set[str]:
    """The names of the site's placements that count toward the clause."""
    periods = clause_periods([clause.id])
    ids = set(db.session.scalars(
        select(Placement.id).select_from(periods).join(Placement, counts_toward(periods.c, as_of))))
    return {name for name, p in site["placements"].items() if p.id in ids}


@pytest.mark.parametrize(("kind", "responsible", "expected"), [
    ("internship", "main", {"main_internship", "starts_on_as_of"}),
    ("any", "main", {"main_internship", "main_wage_subsidy", "starts_on_as_of"}),
    ("internship", None, {"main_internship", "sub_internship", "starts_on_as_of"}),
    ("any", None, {"main_internship", "main_wage_subsidy", "sub_internship", "starts_on_as_of"}),
    ("internship", "sub", {"sub_internship"}),
    ("wage_subsidy", "main", {"main_wage_subsidy"}),
    ("apprenticeship", None, set()),
])
def test_counts_toward(db, site, kind, responsible, expected):
    clause = f.clause(site["agreement"], kind=kind, unit="persons",
                      responsible_contractor=site[responsible] if responsible else None,
                      start_date=MARCH_1, end_date=AUGUST_31)

    assert counted(db, clause, site) == expected


def test_a_clause_without_dates_takes_the_project_period(db, site):
    clause = f.clause(site["agreement"], kind="internship", unit="persons",
                      responsible_contractor=site["main"])

    # The project runs from 1 January: the placement that ended in February counts too.
    assert counted(db, clause, site) == {"main_internship", "starts_on_as_of", "ended_the_day_before"}


# --- registered and reported values, from a clause's sums -------------------------------------

SUMS = {"persons": 3, "overlap_days": 91, "overlap_hour_days": 91 * 375}  # 37.5 h/week in tenths


@pytest.mark.parametrize(("unit", "expected"), [
    ("persons", Fraction(3)),
    ("weeks", Fraction(13)),                     # 91 days / 7
    ("hours", Fraction("487.5")),                # 13 weeks × 37.5 hours
    ("apprentice_years", Fraction(1365, 5402)),  # 91 / 365 × 37.5 / 37 = 6,825 / 27,010
])
def test_registered_by_unit(unit, expected):
    assert Fraction(*registered(unit, SUMS)) == expected


def test_registered_share_of_site_hours():
    # 487.5 hours of 3,900 site hours (in hundredths, as the reports' sum gives them) = 12.5 %.
    assert Fraction(*registered("percent_hours", SUMS, (390_000, 100))) == Fraction("12.5")
    assert registered("percent_hours", SUMS, None) is None       # no approved report
    assert registered("percent_hours", SUMS, (0, 100)) is None   # no site hours to share


REPORTS = {"report_count": 2, "reported_persons": 4, "reported_weeks": 1250,
           "reported_hours": 51_100, "reported_site_hours": 1_022_000}  # in hundredths


@pytest.mark.parametrize(("unit", "expected"), [
    ("persons", Fraction(4)),                      # the largest persons figure of one report
    ("weeks", Fraction("12.5")),
    ("hours", Fraction(511)),
    ("apprentice_years", Fraction(3577, 13505)),   # 511 × 7 / 365 / 37
    ("percent_hours", Fraction(5)),                # 511 / 10,220 × 100
])
def test_reported_by_unit(unit, expected):
    assert Fraction(*reported(unit, REPORTS)) == expected


def test_no_report_no_reported_value():
    assert reported("weeks", {**REPORTS, "report_count": 0}) is None


def test_fulfilment_is_registered_over_target():
    assert fulfilment((13, 1), Decimal("52")) == (1300, 52)  # 25 %
    assert fulfilment(None, Decimal("52")) is None


# --- status, in its order -------------------------------------------------------------------
# The period 1 March .. 31 August has 184 days; 1 March .. 31 May is 92 of them, half.

@pytest.mark.parametrize(("percent", "as_of", "expected"), [
    ((150, 1), date(2026, 2, 28), "not_started"),   # before the start, whatever the figures
    (None, date(2026, 2, 28), "not_started"),
    (None, MAY_31, "no_data"),
    ((100, 1), MAY_31, "met"),                      # exactly 100 %
    ((100, 1), date(2026, 9, 30), "met"),           # met stays met after the period
    ((50, 1), MAY_31, "on_track"),                  # exactly the elapsed 50 %
    ((4999, 100), MAY_31, "at_risk"),               # 49.99 % < 50 %
    ((1, 2), MARCH_1, "at_risk"),                   # 0.5 % against 1 / 184 = 0.54 %: below
    ((99, 1), AUGUST_31, "at_risk"),                # the last day: elapsed share 1
    ((99, 1), date(2026, 9, 30), "at_risk"),        # after the period, elapsed share stays 1
])
def test_status(percent, as_of, expected):
    assert status(percent, MARCH_1, AUGUST_31, as_of) == expected


def test_status_at_the_elapsed_share_of_one_day():
    # On the first day 1 / 184 of the period has elapsed: 100 / 184 % is on track, less is not.
    assert status((100, 184), MARCH_1, AUGUST_31, MARCH_1) == "on_track"
    assert status((99, 184), MARCH_1, AUGUST_31, MARCH_1) == "at_risk"


# --- discrepancy ----------------------------------------------------------------------------

@pytest.mark.parametrize(("registered_value", "reported_value", "expected"), [
    (Decimal(10), Decimal(9), False),        # 1 is exactly 10 % of 10: not more
    (Decimal(9), Decimal(10), False),        # the larger of the two, either way round
    (Decimal(10), Decimal("8.99"), True),    # 1.01 > 1
    (Decimal(100), Decimal("111.11"), False),  # 11.11 ≤ 11.111
    (Decimal(100), Decimal("111.12"), True),   # 11.12 > 11.112
    ((70, 7), (900, 100), False),            # ratios as the figures carry them: 10 and 9
    (Decimal(0), Decimal(0), False),
    (Decimal(0), Decimal("0.01"), True),     # anything against nothing
    (Decimal(5), None, False),               # no reported value
    (None, Decimal(5), False),               # percent_hours without a registered value
])
def test_discrepancy(registered_value, reported_value, expected):
    assert discrepancy(registered_value, reported_value) is expected


# --- all together, from the database --------------------------------------------------------

# Ada 2..31 March (30 days, 37 h), Bo 1..31 May (31 days, 20 h): 61 days, 1,730 / 7 hours.
# One approved report for March: 2 persons, 9 weeks, 160 hours. Half the period has elapsed
# on 31 May (92 of 184 days): on track from 50 % on.
@pytest.mark.parametrize(("unit", "target", "values", "state", "differs"), [
    ("persons", "4", (2, 2, 50), "on_track", False),
    ("weeks", "10", (Fraction(61, 7), 9, Fraction(610, 7)), "on_track", False),  # 0.29 ≤ 0.9
    # 247.14 hours against 160 reported: 87.14 > 24.71.
    ("hours", "500", (Fraction(1730, 7), 160, Fraction(1730, 35)), "at_risk", True),
    # 1,730 / 7 hours / 37 × 7 / 365; reported 160 × 7 / 365 / 37 = 1,120 / 13,505.
    ("apprentice_years", "1",
     (Fraction(1730, 13505), Fraction(1120, 13505), Fraction(173000, 13505)), "at_risk", True),
])
def test_clause_figures_by_unit(db, unit, target, values, state, differs):
    firm = f.organisation()
    clause = f.clause(f.agreement(f.project(contractors=[firm])), kind="any", unit=unit,
                      target=target, start_date=MARCH_1, end_date=AUGUST_31)
    f.placement(f.participant(), firm, "internship", clause.agreement.project,
                start_date=date(2026, 3, 2), end_date=date(2026, 3, 31))
    f.placement(f.participant(), firm, "wage_subsidy", clause.agreement.project,
                start_date=date(2026, 5, 1), hours_per_week=20)
    f.report(clause, firm, period_start=MARCH_1, period_end=date(2026, 3, 31),
             status="approved", persons=2, weeks="9.00", hours="160", site_hours="1000")

    figures = clause_figure(clause.id, MAY_31)

    for actual, expected in zip((figures.registered, figures.reported, figures.percent), values):
        assert abs(Fraction(actual) - Fraction(expected)) < Fraction(1, 10**20)  # 28 digits
    assert figures.status == state
    assert figures.discrepancy is differs
