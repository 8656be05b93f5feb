"""One municipality's figures for a period, on a hand-made municipality, the pathway chain
included; every figure counted by hand in the comments."""
import json
from datetime import date

import pytest

from tests import factories as f
from tests.conftest import statements
from tracker.counting import SUMMARY_FIELDS, municipality_summary
from tracker.models import FollowUp

FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)


@pytest.fixture()
def town(db):
    """Østby's residents Ada … Kim, a resident of Vestby (Ivy) and a person of no
    municipality (Jon). The period is 1 January .. 30 June 2026."""
    m, other = f.organisation("municipality", name="Østby"), f.organisation("municipality")
    firm = f.organisation()

    def person(name, intake, municipality=m):
        return f.participant(municipality, name=name, intake_date=intake)

    def place(who, kind, start, end=None, outcome=None, then=None, **kw):
        return f.placement(who, firm, kind, start_date=start, end_date=end, outcome=outcome,
                           next_placement=then, **kw)

    ada = person("Ada", date(2026, 1, 15))
    a3 = place(ada, "ordinary_job", date(2026, 6, 11))
    a2 = place(ada, "wage_subsidy", date(2026, 3, 6), date(2026, 6, 10), "next_placement", a3)
    a1 = place(ada, "internship", date(2026, 1, 10), date(2026, 3, 5), "next_placement", a2)
    bo = person("Bo", date(2025, 11, 1))
    b2 = place(bo, "wage_subsidy", date(2026, 3, 1), date(2026, 5, 31), "unemployed")
    place(bo, "internship", date(2026, 2, 1), date(2026, 2, 28), "next_placement", b2)
    cai = person("Cai", LAST)
    c2 = place(cai, "ordinary_job", date(2026, 8, 1))
    place(cai, "internship", date(2026, 5, 1), planned_end=date(2026, 7, 31), then=c2)
    dea = person("Dea", FIRST)
    d2 = place(dea, "ordinary_job", date(2026, 4, 1))
    place(dea, "internship", date(2026, 3, 1), date(2026, 3, 31), "next_placement", d2)
    eli = person("Eli", date(2025, 6, 1))
    e1 = place(eli, "wage_subsidy", date(2025, 12, 1), date(2026, 2, 28), "education")
    fie = person("Fie", date(2025, 1, 1))
    f3 = place(fie, "ordinary_job", date(2026, 4, 1))
    f2 = place(fie, "wage_subsidy", FIRST, date(2026, 3, 31), "next_placement", f3)
    f1 = place(fie, "internship", date(2025, 9, 1), date(2025, 12, 31), "next_placement", f2)
    person("Gry", date(2026, 2, 1))
    hal = person("Hal", date(2025, 3, 1))
    place(hal, "apprenticeship", date(2025, 8, 1), planned_end=date(2025, 12, 31))
    place(hal, "internship", LAST)
    kim = person("Kim", date(2024, 5, 1))
    k1 = place(kim, "internship", date(2026, 2, 2), date(2026, 2, 13))
    ivy = person("Ivy", date(2026, 2, 1), municipality=other)
    i3 = place(ivy, "ordinary_job", date(2026, 5, 1))
    i2 = place(ivy, "wage_subsidy", date(2026, 3, 1), date(2026, 4, 30), "next_placement", i3)
    i1 = place(ivy, "internship", date(2026, 2, 1), date(2026, 2, 28), "next_placement", i2)
    jon = person("Jon", date(2026, 2, 1), municipality=None)
    place(jon, "ordinary_job", date(2026, 3, 1))
    db.session.add_all([
        FollowUp(placement=a1, months=3, status="employed", follow_up_date=date(2026, 6, 5)),
        FollowUp(placement=e1, months=3, status="employed", follow_up_date=date(2026, 5, 28)),
        FollowUp(placement=e1, months=6, status="education", follow_up_date=date(2026, 8, 28)),
        FollowUp(placement=b2, months=3, status="unemployed", follow_up_date=LAST),
        FollowUp(placement=k1, months=3, status="unknown", follow_up_date=date(2026, 5, 13)),
        FollowUp(placement=f1, months=12, status="employed", follow_up_date=date(2025, 12, 31)),
        FollowUp(placement=i1, months=3, status="unknown", follow_up_date=date(2026, 5, 28)),
    ])
    db.session.commit()
    return m


def test_summary_by_hand(db, town):
    summary = municipality_summary(town.id, FIRST, LAST)

    # Intake in the period: Ada, Cai (its last day), Dea (its first day), Gry.
    assert summary["enrolled"] == 4
    # Overlapping the period as of 30 June. Internships: Ada's, Bo's, Cai's (planned to end
    # in July), Dea's, Hal's (starts on the last day), Kim's; not Fie's (ended 31.12.2025).
    # Wage subsidies: Ada's, Bo's, Eli's, Fie's. Hal's apprenticeship was planned to end in
    # 2025, so it did then. Ordinary jobs: Ada's, Dea's, Fie's; Cai's starts in August.
    assert summary["placements"] == {"internship": 6, "wage_subsidy": 4, "apprenticeship": 0,
                                     "ordinary_job": 3}
    # Ada and Dea started an ordinary job, Fie too; Eli's subsidy ended with education.
    assert summary["moved_into_work_or_education"] == 4
    # The chain: six residents had an internship in the period; Ada's and Bo's led on to a
    # wage subsidy (Fie's internship ended before the period, Eli had none); only Ada's
    # subsidy led on to an ordinary job. Dea's internship led straight to one; Cai's next
    # placement starts after the period.
    assert summary["steps"] == {"internship": 6, "wage_subsidy": 2, "ordinary_job": 1,
                                "direct_job": 1}
    # Ended in the period: Ada's internship and subsidy, Bo's internship, Dea's internship and
    # Fie's subsidy led on to the next placement; Bo's subsidy ended unemployed, Eli's in
    # education; Kim's internship with no outcome given.
    assert summary["outcomes"] == {"ordinary_job": 0, "education": 1, "next_placement": 5,
                                   "unemployed": 1, "dropped_out": 0, "other": 0}
    assert summary["ended_without_outcome"] == 1
    # Dated in the period: Ada's and Eli's 3-month (employed), Bo's on the last day
    # (unemployed), Kim's (unknown); not Eli's 6-month (August) nor Fie's (31.12.2025).
    assert summary["follow_ups_by_months"] == [
        {"months": 3, "employed": 2, "education": 0, "unemployed": 1, "unknown": 1},
        {"months": 6, "employed": 0, "education": 0, "unemployed": 0, "unknown": 0},
        {"months": 12, "employed": 0, "education": 0, "unemployed": 0, "unknown": 0}]
    assert summary["follow_ups"] == {"employed": 2, "education": 0, "unemployed": 1,
                                     "unknown": 1}
    # The API answers with such figures as JSON: they must come back the same.
    assert json.loads(json.dumps(summary)) == summary


def test_the_chain_is_not_the_placements_by_kind(db, town):
    """The municipality dashboard drew placements by kind and the moves as a chain (6 → 4 →
    4 here); the chain of the same residents is 6 → 2 → 1."""
    summary = municipality_summary(town.id, FIRST, LAST)

    chain = [summary["steps"][step] for step in ("internship", "wage_subsidy", "ordinary_job")]
    assert chain == [6, 2, 1]
    assert [summary["placements"]["internship"], summary["placements"]["wage_subsidy"],
            summary["moved_into_work_or_education"]] == [6, 4, 4]


def test_a_shorter_period(db, town):
    # 1 January .. 31 March, as of 31 March. Enrolled: Ada, Dea, Gry. Internships overlapping:
    # Ada's, Bo's, Dea's, Kim's. Wage subsidies: Ada's, Bo's, Eli's, Fie's. No ordinary job
    # has started yet (Dea's and Fie's start on 1 April, Ada's in June).
    summary = municipality_summary(town.id, FIRST, date(2026, 3, 31))

    assert summary["enrolled"] == 3
    assert summary["placements"] == {"internship": 4, "wage_subsidy": 4, "apprenticeship": 0,
                                     "ordinary_job": 0}
    assert summary["moved_into_work_or_education"] == 1  # Eli, education on 28 February
    # Ada's and Bo's subsidies started in March; no job had started by 31 March, so Ada's
    # chain stops at the subsidy and Dea's internship has not led to a job yet.
    assert summary["steps"] == {"internship": 4, "wage_subsidy": 2, "ordinary_job": 0,
                                "direct_job": 0}
    assert summary["follow_ups"] == {"employed": 0, "education": 0, "unemployed": 0,
                                     "unknown": 0}


def test_the_design_fields_are_in_the_summary(db, town):
    summary = municipality_summary(town.id, FIRST, LAST)

    assert SUMMARY_FIELDS == ("enrolled", "placements", "moved_into_work_or_education",
                              "follow_ups")
    assert set(SUMMARY_FIELDS) <= set(summary)


def test_a_fixed_number_of_statements(db, town):
    town_id = town.id
    _summary, before = statements(db, lambda: municipality_summary(town_id, FIRST, LAST))
    for n in range(5):
        person = f.participant(town, name=f"Ny {n}", intake_date=date(2026, 2, 1))
        f.placement(person, f.organisation(), "internship", start_date=date(2026, 2, 1))
    db.session.commit()

    summary, after = statements(db, lambda: municipality_summary(town_id, FIRST, LAST))

    assert len(before) == len(after) == 3
    assert summary["enrolled"] == 4 + 5 and summary["steps"]["internship"] == 6 + 5
