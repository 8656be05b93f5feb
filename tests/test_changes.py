"""Which projects a change touches (tracker.changes): every way of changing the data a
project's clauses count raises that project's version, and only that project's, in the same
transaction; what is kept in step at commit (the reporting obligations) follows it."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories as f
from tracker import changes
from tracker.counting import clause_figures
from tracker.models import Project, ProjectContractor

AS_OF = date(2026, 6, 30)


@pytest.fixture()
def world(app, db):
    main, other = f.organisation(), f.organisation()
    project = f.project(contractors=[main])  # 2026-01-01 .. 2026-12-31
    second = f.project(contractors=[main])
    clause = f.clause(f.agreement(project), unit="weeks", target="10",
                      responsible_contractor=main)
    second_clause = f.clause(f.agreement(second), unit="persons", target="4")
    # 1 March .. 30 April = 31 + 30 = 61 days = 61/7 weeks.
    placement = f.placement(f.participant(), main, project=project,
                            start_date=date(2026, 3, 1), end_date=date(2026, 4, 30))
    db.session.commit()
    return {"main": main, "other": other, "project": project, "second": second,
            "clause": clause, "second_clause": second_clause, "placement": placement}


def versions(db) -> dict[int, int]:
    return dict(db.session.execute(select(Project.id, Project.figures_version)).all())


def raised(db, before: dict[int, int]) -> set[int]:
    return {pid for pid, version in versions(db).items() if version > before[pid]}


def test_a_changed_placement_raises_its_project_only(db, world):
    before = versions(db)
    world["placement"].end_date = date(2026, 3, 14)  # now 14 days: 2 weeks
    db.session.commit()
    assert raised(db, before) == {world["project"].id}
    assert clause_figures([world["clause"].id], AS_OF)[world["clause"].id].registered == 2


@pytest.mark.parametrize("by_key", [False, True])
def test_a_moved_placement_raises_both_projects(db, world, by_key):
    """Forms set the foreign key itself, not the relationship: the project it leaves
    counts as changed too."""
    before = versions(db)
    if by_key:
        world["placement"].project_id = world["second"].id
    else:
        world["placement"].project = world["second"]
    db.session.commit()
    assert raised(db, before) == {world["project"].id, world["second"].id}
    result = clause_figures([world["clause"].id, world["second_clause"].id], AS_OF)
    assert result[world["clause"].id].registered == 0
    assert result[world["second_clause"].id].registered == 1


def test_reports_clauses_and_contractors_raise_their_project(db, world):
    clause, second = world["clause"], world["second"]
    before = versions(db)
    report = f.report(clause, world["main"], weeks=Decimal("8.5"), status="submitted")
    db.session.commit()
    assert raised(db, before) == {world["project"].id}
    before = versions(db)
    report.status = "approved"
    clause.target = Decimal("20")
    db.session.commit()
    assert raised(db, before) == {world["project"].id}
    figures = clause_figures([clause.id], AS_OF)[clause.id]
    assert (figures.reported, figures.percent) == (Decimal("8.5"), Decimal(6100) / 140)
    before = versions(db)
    db.session.add(ProjectContractor(project=second, contractor=world["other"], role="sub"))
    db.session.commit()
    assert raised(db, before) == {second.id}


def test_a_rolled_back_change_raises_nothing(db, world):
    before = versions(db)
    world["placement"].end_date = date(2026, 3, 14)
    db.session.flush()
    assert changes.CHANGED in db.session.info
    db.session.rollback()
    assert versions(db) == before
    assert changes.CHANGED not in db.session.info


def test_data_changed_without_projects_raises_every_project(db, world):
    before = versions(db)
    changes.data_changed(db.session)
    assert changes.take_changed_projects(db.session) is changes.ALL
    db.session.commit()
    assert versions(db) == {pid: version + 1 for pid, version in before.items()}
