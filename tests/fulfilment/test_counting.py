"""The counting rules of DESIGN §4, with every expected figure worked out by hand."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import joinedload

from tests import factories as f
from tracker.access import visible_clauses
from tracker.counting import clause_figure, clause_figures, moved_into_work_or_education, rounded
from tracker.models import Agreement, Clause, Organisation, Participant, Project

# A clause period of 184 days: March 31 + April 30 + May 31 + June 30 + July 31 + August 31.
MARCH_1, AUGUST_31 = date(2026, 3, 1), date(2026, 8, 31)
# From 1 March to 31 May inclusive is 31 + 30 + 31 = 92 days, half the period.
MAY_31 = date(2026, 5, 31)


def close(actual: Decimal | None, expected: Decimal) -> bool:
    """Equal to 20 decimals: chained Decimal arithmetic may round the last digit differently."""
    return actual is not None and abs(actual - expected) < Decimal("1e-20")


@dataclass
class World:
    project: Project
    other_project: Project
    agreement: Agreement
    main: Organisation  # contractor on the project, usually the responsible one
    sub: Organisation  # another contractor on the project
    outsider: Organisation  # a contractor not on the project


@pytest.fixture()
def world(app) -> World:
    main, sub, outsider = f.organisation(), f.organisation(), f.organisation()
    project = f.project(contractors=[main, sub])  # runs 2026-01-01 .. 2026-12-31
    other = f.project(contractors=[main, outsider])
    return World(project, other, f.agreement(project), main, sub, outsider)


def weeks_clause(world: World, **kw) -> Clause:
    kw.setdefault("responsible_contractor", world.main)
    kw.setdefault("start_date", MARCH_1)
    kw.setdefault("end_date", AUGUST_31)
    return f.clause(world.agreement, kind=kw.pop("kind", "any"), unit=kw.pop("unit", "weeks"),
                    target=kw.pop("target", "10"), **kw)


def place(world: World, start: date, employer: Organisation | None = None, person=None, **kw):
    """A placement on the world's project at the responsible contractor, unless told otherwise."""
    kw.setdefault("project", world.project)
    return f.placement(person or f.participant(), employer or world.main, start_date=start, **kw)


# --- overlap and effective end ------------------------------------------------------------


def test_overlap_days_are_inclusive_and_cut_to_clause_and_as_of(world):
    clause = weeks_clause(world)
    # Starts before the clause: counts 1..14 March = 14 days.
    place(world, date(2026, 2, 1), end_date=date(2026, 3, 14))
    # A one-day placement counts 1 day.
    place(world, date(2026, 4, 1), end_date=date(2026, 4, 1))
    # Open-ended, no planned end: runs to the as-of date, 25..31 May = 7 days.
    place(world, date(2026, 5, 25))
    # Starts after the as-of date: nothing.
    place(world, date(2026, 6, 10))
    # Ended before the clause started: nothing.
    place(world, date(2026, 1, 5), end_date=date(2026, 2, 28))

    figures = clause_figure(clause.id, MAY_31)

    assert figures.registered == Decimal(14 + 1 + 7) / 7
    assert figures.percent == Decimal(22 * 100) / (7 * 10)  # 31.43 % of 10 weeks
    assert figures.period_start == MARCH_1 and figures.period_end == AUGUST_31
    assert figures.target == Decimal("10")
    assert figures.reported is None and figures.discrepancy is False
    # Elapsed share 92 / 184 = 50 %, and 31.43 % < 50 %.
    assert figures.status == "at_risk"


def test_placement_ending_after_clause_period_counts_to_clause_end(world):
    clause = weeks_clause(world, end_date=date(2026, 4, 30))
    place(world, date(2026, 4, 20), end_date=date(2026, 7, 31))

    # 20..30 April = 11 days.
    assert clause_figure(clause.id, date(2026, 6, 30)).registered == Decimal(11) / 7


def test_planned_end_before_as_of_ends_an_open_placement(world):
    clause = weeks_clause(world)
    # Planned to end 10 April, not ended: counts 1..10 April = 10 days.
    place(world, date(2026, 4, 1), planned_end=date(2026, 4, 10))

    assert clause_figure(clause.id, MAY_31).registered == Decimal(10) / 7


def test_planned_end_after_as_of_runs_to_as_of(world):
    clause = weeks_clause(world)
    # Planned to end in July: counts 20..31 May = 12 days.
    place(world, date(2026, 5, 20), planned_end=date(2026, 7, 31))
    # An actual end after the as-of date is cut at the as-of date too: 30..31 May = 2 days.
    place(world, date(2026, 5, 30), end_date=date(2026, 6, 15))

    assert clause_figure(clause.id, MAY_31).registered == Decimal(12 + 2) / 7


def test_clause_dates_default_to_project_period(world):
    clause = weeks_clause(world, start_date=None, end_date=None, target="52")
    place(world, date(2025, 12, 1), end_date=date(2026, 1, 14))  # 1..14 January = 14 days

    figures = clause_figure(clause.id, date(2026, 7, 1))

    assert figures.period_start == date(2026, 1, 1)
    assert figures.period_end == date(2026, 12, 31)
    assert figures.registered == Decimal(2)


def test_only_clause_end_given_takes_project_start(world):
    clause = weeks_clause(world, start_date=None, end_date=date(2026, 6, 30))

    figures = clause_figure(clause.id, MAY_31)

    assert (figures.period_start, figures.period_end) == (date(2026, 1, 1), date(2026, 6, 30))


# --- which placements count ---------------------------------------------------------------


def test_kind_must_match_unless_clause_takes_any(world):
    internships = weeks_clause(world, kind="internship")
    any_kind = weeks_clause(world, kind="any")
    place(world, date(2026, 5, 18), kind="internship")  # 18..31 May = 14 days
    place(world, date(2026, 5, 25), kind="wage_subsidy")  # 25..31 May = 7 days
    place(world, date(2026, 5, 25), kind="ordinary_job")  # 7 days

    figures = clause_figures([internships.id, any_kind.id], MAY_31)

    assert figures[internships.id].registered == Decimal(14) / 7
    assert figures[any_kind.id].registered == Decimal(14 + 7 + 7) / 7


def test_responsible_contractor_alone_counts(world):
    clause = weeks_clause(world, responsible_contractor=world.main)
    place(world, date(2026, 5, 25))  # at main: 7 days
    place(world, date(2026, 5, 18), employer=world.sub)  # on the project, but not responsible

    assert clause_figure(clause.id, MAY_31).registered == Decimal(1)


def test_without_responsible_contractor_any_contractor_on_the_project_counts(world):
    clause = weeks_clause(world, responsible_contractor=None)
    place(world, date(2026, 5, 25))  # main: 7 days
    place(world, date(2026, 5, 18), employer=world.sub)  # sub: 14 days
    place(world, date(2026, 5, 1), employer=world.outsider)  # not a contractor on this project

    assert clause_figure(clause.id, MAY_31).registered == Decimal(7 + 14) / 7


def test_placements_on_another_or_no_project_do_not_count(world):
    clause = weeks_clause(world)
    place(world, date(2026, 5, 25))  # 7 days
    place(world, date(2026, 5, 1), project=world.other_project)  # main is on that project too
    place(world, date(2026, 5, 1), project=None)

    assert clause_figure(clause.id, MAY_31).registered == Decimal(1)


# --- units --------------------------------------------------------------------------------


def test_persons_counts_each_participant_once(world):
    clause = weeks_clause(world, unit="persons", target="4")
    anna, bo = f.participant(), f.participant()
    place(world, date(2026, 3, 2), person=anna, end_date=date(2026, 3, 20))
    place(world, date(2026, 4, 6), person=anna, kind="wage_subsidy")  # her second placement
    place(world, date(2026, 5, 4), person=bo)
    place(world, date(2026, 5, 4), employer=world.sub)  # not the responsible contractor
    place(world, date(2026, 6, 1))  # starts after the as-of date

    figures = clause_figure(clause.id, MAY_31)

    assert figures.registered == Decimal(2)
    assert figures.percent == Decimal(50)  # 2 / 4 × 100
    assert figures.status == "on_track"  # 50 % ≥ elapsed 92 / 184 = 50 %


def test_hours_weigh_days_by_hours_per_week(world):
    clause = weeks_clause(world, unit="hours", target="200")
    place(world, date(2026, 5, 18), hours_per_week=37)  # 14 days
    place(world, date(2026, 5, 25), hours_per_week="20.5")  # 7 days

    figures = clause_figure(clause.id, MAY_31)

    # 14 / 7 × 37 + 7 / 7 × 20.5 = 74 + 20.5
    assert figures.registered == Decimal("94.5")
    assert figures.percent == Decimal("47.25")  # 94.5 / 200 × 100
    assert figures.status == "at_risk"  # below the elapsed 50 %


def test_hours_are_exact_with_fractional_hours_per_week(world):
    clause = weeks_clause(world, unit="hours", target="100")
    for _ in range(3):
        place(world, date(2026, 5, 25), hours_per_week="7.3")  # 7 days each

    # 3 × 7 / 7 × 7.3 = 21.9 exactly, on SQLite (binary floats) as on PostgreSQL.
    assert clause_figure(clause.id, MAY_31).registered == Decimal("21.9")


def test_apprentice_years(world):
    clause = weeks_clause(world, kind="apprenticeship", unit="apprentice_years", target="2",
                          start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    # Open-ended, cut at the clause end: 365 days at 37 hours = 1 year.
    place(world, date(2026, 1, 1), kind="apprenticeship", hours_per_week=37)
    # 20 October .. 31 December = 12 + 30 + 31 = 73 days at half time = 73 / 365 × 18.5 / 37 = 0.1.
    place(world, date(2026, 10, 20), kind="apprenticeship", hours_per_week="18.5",
          end_date=date(2026, 12, 31))
    place(world, date(2026, 3, 1), kind="internship")  # another kind

    figures = clause_figure(clause.id, date(2027, 1, 31))

    assert figures.registered == Decimal("1.1")
    assert figures.percent == Decimal(55)  # 1.1 / 2 × 100
    assert figures.status == "at_risk"  # the period is over: elapsed share 1


def test_apprentice_years_exactly_at_target_is_met(world):
    clause = weeks_clause(world, unit="apprentice_years", target="1.1",
                          start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    place(world, date(2026, 1, 1), hours_per_week=37)
    place(world, date(2026, 10, 20), hours_per_week="18.5")

    figures = clause_figure(clause.id, date(2027, 1, 31))

    assert figures.percent == Decimal(100)
    assert figures.status == "met"


# --- contractor reports -------------------------------------------------------------------


def approved(clause: Clause, contractor: Organisation, start: date, end: date, **kw):
    return f.report(clause, contractor, period_start=start, period_end=end, status="approved", **kw)


Q1 = (date(2026, 3, 1), date(2026, 3, 31))
Q2 = (date(2026, 4, 1), date(2026, 4, 30))


def test_reported_weeks_sum_newest_approved_versions(world):
    clause = weeks_clause(world)
    approved(clause, world.main, *Q1, weeks="1.50", report_version=1)
    approved(clause, world.main, *Q1, weeks="2.25", report_version=2)  # an approved correction
    approved(clause, world.main, *Q2, weeks="1.00", report_version=1)
    # A pending correction does not displace the approved figure, nor does a returned one.
    f.report(clause, world.main, period_start=Q2[0], period_end=Q2[1], weeks="9",
             report_version=2, status="submitted")
    f.report(clause, world.main, period_start=Q2[0], period_end=Q2[1], weeks="8",
             report_version=3, status="returned", review_note="Mangler timesedler")
    # Submitted only, never approved: not used.
    f.report(clause, world.sub, period_start=date(2026, 5, 1), period_end=date(2026, 5, 20),
             weeks="5")
    # Approved, but its period ends after the as-of date: not used yet.
    approved(clause, world.main, date(2026, 5, 1), date(2026, 6, 30), weeks="7")

    assert clause_figure(clause.id, MAY_31).reported == Decimal("3.25")  # 2.25 + 1.00


def test_report_period_ending_on_as_of_is_used(world):
    clause = weeks_clause(world)
    approved(clause, world.main, date(2026, 5, 1), MAY_31, weeks="2")

    assert clause_figure(clause.id, MAY_31).reported == Decimal(2)
    assert clause_figure(clause.id, date(2026, 5, 30)).reported is None


def test_no_approved_report_means_no_reported_value(world):
    clause = weeks_clause(world)
    f.report(clause, world.main, period_start=Q1[0], period_end=Q1[1], weeks="3")

    figures = clause_figure(clause.id, MAY_31)

    assert figures.reported is None
    assert figures.discrepancy is False


def test_reported_hours_are_exact(world):
    clause = weeks_clause(world, unit="hours", target="100")
    approved(clause, world.main, *Q1, hours="0.10")
    approved(clause, world.main, *Q2, hours="0.20")

    # 0.1 + 0.2 is not 0.30000000000000004 here.
    assert clause_figure(clause.id, MAY_31).reported == Decimal("0.3")


def test_reported_persons_is_largest_of_any_report(world):
    clause = weeks_clause(world, unit="persons", target="5")
    approved(clause, world.main, *Q1, persons=3)
    approved(clause, world.main, *Q2, persons=2)
    approved(clause, world.sub, *Q2, persons=1)

    assert clause_figure(clause.id, MAY_31).reported == Decimal(3)


def test_reported_apprentice_years_from_hours(world):
    clause = weeks_clause(world, unit="apprentice_years", target="1")
    approved(clause, world.main, *Q1, hours="1000")
    approved(clause, world.main, *Q2, hours="295")

    # (1000 + 295) × 7 / 365 / 37 = 9065 / 13505
    assert close(clause_figure(clause.id, MAY_31).reported, Decimal(1295) * 7 / 365 / 37)


# --- percent_hours ------------------------------------------------------------------------


def test_percent_hours_counts_up_to_the_last_report_period(world):
    clause = weeks_clause(world, unit="percent_hours", target="5",
                          start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    approved(clause, world.main, date(2026, 1, 1), date(2026, 3, 31),
             hours="300", site_hours="2000")
    approved(clause, world.main, date(2026, 4, 1), date(2026, 6, 30),
             hours="200", site_hours="3000")
    # Ends after the as-of date: neither its figures nor its period are used.
    approved(clause, world.main, date(2026, 7, 1), date(2026, 9, 30),
             hours="999", site_hours="9999")
    # Open-ended at 37 hours, cut at the window end 30 June: 3..30 June = 28 days = 4 weeks.
    place(world, date(2026, 6, 3), hours_per_week=37)
    # 6..19 May = 14 days = 2 weeks at 20 hours.
    place(world, date(2026, 5, 6), end_date=date(2026, 5, 19), hours_per_week=20)
    # After the window, though before the as-of date.
    place(world, date(2026, 7, 1), end_date=date(2026, 7, 10))

    figures = clause_figure(clause.id, date(2026, 7, 15))

    # (4 × 37 + 2 × 20) / (2000 + 3000) × 100 = 188 / 5000 × 100
    assert figures.registered == Decimal("3.76")
    assert figures.reported == Decimal(10)  # (300 + 200) / 5000 × 100
    assert figures.percent == Decimal("75.2")  # 3.76 / 5 × 100
    # Elapsed 1 January .. 15 July = 196 of 365 days = 53.7 %, and 75.2 % is above it.
    assert figures.status == "on_track"
    assert figures.discrepancy is True  # |3.76 − 10| > 1


def test_percent_hours_without_approved_report_has_no_data(world):
    clause = weeks_clause(world, unit="percent_hours", target="5")
    place(world, date(2026, 3, 2))
    f.report(clause, world.main, period_start=Q1[0], period_end=Q1[1], hours="10",
             site_hours="100")  # submitted, not approved

    figures = clause_figure(clause.id, MAY_31)

    assert figures.registered is None and figures.reported is None and figures.percent is None
    assert figures.status == "no_data"
    assert figures.discrepancy is False
    assert clause_figure(clause.id, date(2026, 2, 27)).status == "not_started"


def test_percent_hours_met(world):
    clause = weeks_clause(world, unit="percent_hours", target="10")
    approved(clause, world.main, *Q1, hours="74", site_hours="740")
    place(world, date(2026, 3, 18), end_date=date(2026, 4, 30), hours_per_week=37)

    figures = clause_figure(clause.id, MAY_31)

    # Window 1..31 March: 18..31 March = 14 days = 2 weeks × 37 = 74 hours of 740 = 10 %.
    assert figures.registered == Decimal(10)
    assert figures.reported == Decimal(10)
    assert figures.status == "met"
    assert figures.discrepancy is False


# --- status and discrepancy ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "as_of", "status"),
    [
        (0, date(2026, 2, 28), "not_started"),  # the day before the clause starts
        (35, MAY_31, "on_track"),  # 5 of 10 weeks = 50 % = elapsed 92 / 184
        (34, MAY_31, "at_risk"),  # 34 / 70 = 48.6 % < 50 %
        (70, MAY_31, "met"),  # 10 weeks = 100 %
        (1, MARCH_1, "on_track"),  # 1 / 70 = 1.43 % ≥ elapsed 1 / 184 = 0.54 %
        (69, date(2026, 9, 30), "at_risk"),  # period over, 98.6 %
    ],
)
def test_status(world, days, as_of, status):
    clause = weeks_clause(world)
    if days:
        place(world, date(2026, 1, 1), end_date=date.fromordinal(MARCH_1.toordinal() + days - 1))

    assert clause_figure(clause.id, as_of).status == status


def test_not_started_even_when_figures_exist(world):
    clause = weeks_clause(world, unit="persons", target="1", start_date=date(2026, 6, 1))
    approved(clause, world.main, *Q1, persons=1)

    figures = clause_figure(clause.id, MAY_31)

    assert figures.status == "not_started"
    assert figures.registered == Decimal(0)


@pytest.mark.parametrize(
    ("reported", "discrepancy"),
    [
        ("10.00", False),
        ("9.00", False),  # |10 − 9| = 1 is exactly 10 % of 10: not more
        ("8.99", True),  # 1.01 > 1
        ("11.11", False),  # 1.11 ≤ 10 % of 11.11
        ("11.12", True),  # 1.12 > 1.112
    ],
)
def test_discrepancy_above_ten_percent_of_the_larger(world, reported, discrepancy):
    clause = weeks_clause(world)
    place(world, date(2026, 3, 1), end_date=date(2026, 5, 9))  # 70 days = 10 weeks
    approved(clause, world.main, *Q1, weeks=reported)

    assert clause_figure(clause.id, MAY_31).discrepancy is discrepancy


def test_discrepancy_when_nothing_registered(world):
    clause = weeks_clause(world, unit="persons", target="2")
    approved(clause, world.main, *Q1, persons=1)

    figures = clause_figure(clause.id, MAY_31)

    assert figures.registered == Decimal(0)
    assert figures.discrepancy is True  # |0 − 1| > 0.1


# --- the call itself ----------------------------------------------------------------------


def test_accepts_a_scoped_select_and_gives_the_same_figures(world):
    responsible = weeks_clause(world, responsible_contractor=world.main)
    shared = weeks_clause(world, responsible_contractor=None, unit="persons")
    others = weeks_clause(world, responsible_contractor=world.sub)
    elsewhere = f.clause(f.agreement(world.other_project))
    place(world, date(2026, 5, 25))
    contractor_user = f.user("contractor", org=world.main)
    query = (visible_clauses(contractor_user)
             .join(Agreement, Clause.agreement_id == Agreement.id)
             .where(Agreement.project_id == world.project.id)
             .options(joinedload(Clause.responsible_contractor))  # as a page would load them
             .order_by(Clause.ref))

    figures = clause_figures(query, MAY_31)

    # The contractor sees the clauses it answers for and the shared one, on this project only.
    assert set(figures) == {responsible.id, shared.id}
    assert figures == clause_figures([responsible.id, shared.id], MAY_31)
    assert figures[responsible.id].registered == Decimal(1)
    assert figures[shared.id].registered == Decimal(1)
    assert others.id not in figures and elsewhere.id not in figures
    ids_only = select(Clause.id).where(Clause.id == shared.id)
    assert clause_figures(ids_only, MAY_31) == {shared.id: figures[shared.id]}


def test_empty_and_unknown_clauses(world):
    assert clause_figures([], MAY_31) == {}
    assert clause_figures([999_999], MAY_31) == {}
    with pytest.raises(KeyError):
        clause_figure(999_999, MAY_31)


def test_number_of_queries_does_not_grow_with_placements(world, db):
    clauses = [
        weeks_clause(world, unit=unit, kind=kind, responsible_contractor=responsible)
        for unit, kind, responsible in [
            ("persons", "any", None), ("weeks", "internship", world.main),
            ("hours", "any", world.sub), ("apprentice_years", "apprenticeship", None),
            ("percent_hours", "any", None),
        ]
    ]
    for clause in clauses:
        approved(clause, world.main, *Q1, persons=1, weeks=1, hours=10, site_hours=100)
    project_clauses = (select(Clause).join(Agreement, Clause.agreement_id == Agreement.id)
                       .where(Agreement.project_id == world.project.id))

    def count_queries() -> tuple[int, dict]:
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            figures = clause_figures(project_clauses, MAY_31)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements), figures

    kinds = ["internship", "apprenticeship"]
    for i in range(2):
        place(world, date(2026, 3, 2), kind=kinds[i % 2], employer=[world.main, world.sub][i % 2])
    few, few_figures = count_queries()
    people = [f.participant() for _ in range(19)]
    for i in range(38):
        place(world, date(2026, 3, 2 + i % 20), person=people[i % 19], kind=kinds[i % 2],
              employer=[world.main, world.sub][i % 2])
    many, many_figures = count_queries()

    assert few == many
    assert few <= 3
    assert many_figures[clauses[0].id].registered == Decimal(2 + 19)
    assert few_figures[clauses[0].id].registered == Decimal(2)


def test_rounded_half_up():
    assert rounded(Decimal("2.345")) == Decimal("2.35")
    assert rounded(Decimal("2.3449999")) == Decimal("2.34")
    assert rounded(Decimal("-2.345")) == Decimal("-2.35")
    assert rounded(Decimal("31.4285714"), 1) == Decimal("31.4")
    assert rounded(None) is None


# --- pathways -----------------------------------------------------------------------------


def test_moved_into_work_or_education(app):
    municipality, elsewhere = f.organisation("municipality"), f.organisation("municipality")
    employer = f.organisation()
    residents = [f.participant(municipality=municipality) for _ in range(7)]
    ended_in_job, ended_before, apprentice, job_before, unemployed, both, idle = residents
    stranger = f.participant(municipality=elsewhere)
    f.placement(ended_in_job, employer, start_date=date(2025, 11, 1), end_date=date(2026, 3, 31),
                outcome="ordinary_job")
    f.placement(ended_before, employer, kind="wage_subsidy", start_date=date(2025, 6, 1),
                end_date=date(2025, 12, 31), outcome="education")
    f.placement(apprentice, employer, kind="apprenticeship", start_date=date(2026, 6, 30))
    f.placement(job_before, employer, kind="ordinary_job", start_date=date(2025, 6, 1))
    f.placement(unemployed, employer, start_date=date(2026, 2, 1), end_date=date(2026, 3, 1),
                outcome="unemployed")
    f.placement(both, employer, kind="ordinary_job", start_date=date(2026, 1, 1),
                end_date=date(2026, 2, 1), outcome="education")
    f.placement(idle, employer, kind="apprenticeship", start_date=date(2026, 7, 1))
    f.placement(stranger, employer, kind="ordinary_job", start_date=date(2026, 2, 1))
    residents_query = select(Participant.id).where(Participant.municipality_id == municipality.id)

    moved = moved_into_work_or_education(residents_query, date(2026, 1, 1), date(2026, 6, 30))

    assert moved == {ended_in_job.id, apprentice.id, both.id}
    as_rows = select(Participant).where(Participant.municipality_id == municipality.id)
    assert moved_into_work_or_education(as_rows, date(2026, 1, 1), date(2026, 6, 30)) == moved
    everyone = [p.id for p in residents] + [stranger.id]
    assert moved_into_work_or_education(everyone, date(2026, 1, 1), date(2026, 6, 30)) == moved | {
        stranger.id}
    assert moved_into_work_or_education([], date(2026, 1, 1), date(2026, 6, 30)) == set()
