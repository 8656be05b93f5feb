"""The dashboard's clause overview with more clauses than it lists: the counts and the
order of the short lists as worked out here by hand."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tests import factories
from tracker.dashboard.service import overview
from tracker.models import Clause

AS_OF = date(2026, 12, 1)  # 334 of 365 days: a clause below 91,5 % is at risk


def _clauses(db):
    firm = factories.organisation("contractor")
    project = factories.project(contractors=[firm], start_date=date(2026, 1, 1),
                                end_date=date(2026, 12, 31))
    agreement = factories.agreement(project)
    # Target 10 persons each but K-D (1): A has 1 person (10 %), B 3 (30 %), C 2 (20 %),
    # D 1 (met).
    spec = {"K-A": ("internship", 10, 1), "K-B": ("wage_subsidy", 10, 3),
            "K-C": ("ordinary_job", 10, 2), "K-D": ("apprenticeship", 1, 1)}
    clauses = {}
    for ref, (kind, target, persons) in spec.items():
        clauses[ref] = factories.clause(agreement, kind, "persons", str(target), ref=ref)
        for _ in range(persons):
            factories.placement(factories.participant(), firm, kind, project,
                                start_date=date(2026, 3, 1))
    # Approved reports: A says 2 (gap 1 of 2 = 0,5), C says 10 (gap 8 of 10 = 0,8), B says
    # 3 (no gap).
    for ref, said in (("K-A", 2), ("K-C", 10), ("K-B", 3)):
        factories.report(clauses[ref], firm, period_start=date(2026, 1, 1),
                         period_end=date(2026, 6, 30), status="approved", persons=said,
                         hours=Decimal(0), site_hours=Decimal(1000))
    db.session.commit()
    return clauses


def test_counts_and_short_lists(db):
    clauses = _clauses(db)
    result = overview(select(Clause), AS_OF, limit=2)
    assert (result.total, dict(result.counts)) == (4, {"at_risk": 3, "met": 1})
    # At risk, the lowest fulfilment first, two listed of three.
    assert [row.clause.ref for row in result.attention] == ["K-A", "K-C"]
    assert result.attention_total == 3
    assert [row.figures.percent for row in result.attention] == [Decimal(10), Decimal(20)]
    # The largest gap between registered and reported first.
    assert [row.clause.ref for row in result.discrepancies] == ["K-C", "K-A"]
    assert result.discrepancies_total == 2
    assert result.rows is None
    assert {row.project.id for row in result.attention} == {clauses["K-A"].agreement.project_id}


def test_a_handful_of_clauses_are_all_listed(db):
    _clauses(db)
    result = overview(select(Clause), AS_OF)
    assert sorted(row.clause.ref for row in result.rows) == ["K-A", "K-B", "K-C", "K-D"]
    assert [row.clause.ref for row in result.attention] == ["K-A", "K-C", "K-B"]
