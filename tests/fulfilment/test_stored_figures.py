"""Stored clause figures (tracker.figures): read back while current, never once the data
they count has changed, whichever way it changed. Expected figures worked out by hand."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.conftest import statements
from tracker import figures
from tracker.models import Clause, Project, StoredFigures

AS_OF = date(2026, 6, 30)


@pytest.fixture()
def world(app, db):
    main, other = f.organisation(), f.organisation()
    project = f.project(contractors=[main])  # 2026-01-01 .. 2026-12-31
    second = f.project(contractors=[main])
    clause = f.clause(f.agreement(project), unit="weeks", target="10",
                      responsible_contractor=main)
    second_clause = f.clause(f.agreement(second), unit="persons", target="4")
    person = f.participant()
    # 1 March .. 30 April = 31 + 30 = 61 days = 61/7 weeks.
    placement = f.placement(person, main, project=project, start_date=date(2026, 3, 1),
                            end_date=date(2026, 4, 30))
    db.session.commit()
    return {"main": main, "other": other, "project": project, "second": second,
            "clause": clause, "second_clause": second_clause, "person": person,
            "placement": placement}


def stored_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFigures))


def test_figures_are_stored_and_read_back_in_one_statement(db, world):
    clause = world["clause"]
    first = figures.clause_figures([clause.id], AS_OF)[clause.id]
    assert first.registered == Decimal(61) / 7
    assert first.percent == Decimal(6100) / 70
    assert stored_count(db) == 1

    again, seen = statements(db, lambda: figures.clause_figures([clause.id], AS_OF)[clause.id])
    assert len(seen) == 1  # the stored row, nothing computed
    assert again == first


def test_a_changed_placement_makes_the_figures_count_again(db, world):
    clause = world["clause"]
    figures.clause_figures([clause.id], AS_OF)
    world["placement"].end_date = date(2026, 3, 14)  # now 14 days
    db.session.commit()
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].registered == Decimal(2)


def test_a_new_placement_and_a_placement_moved_away_count(db, world):
    clause, second = world["clause"], world["second_clause"]
    figures.clause_figures([clause.id, second.id], AS_OF)
    # A second person's placement on the second project: 1 person of 4 there.
    f.placement(f.participant(), world["main"], project=world["second"],
                start_date=date(2026, 5, 1), end_date=date(2026, 5, 31))
    db.session.commit()
    result = figures.clause_figures([clause.id, second.id], AS_OF)
    assert result[second.id].registered == Decimal(1)
    # The first placement moves to the second project: both projects' figures change.
    world["placement"].project = world["second"]
    db.session.commit()
    result = figures.clause_figures([clause.id, second.id], AS_OF)
    assert result[clause.id].registered == Decimal(0)
    assert result[second.id].registered == Decimal(2)


def test_an_approved_report_changes_the_reported_figure(db, world):
    clause = world["clause"]
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].reported is None
    report = f.report(clause, world["main"], weeks=Decimal("8.5"), status="submitted")
    db.session.commit()
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].reported is None  # not approved
    report.status = "approved"
    db.session.commit()
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].reported == Decimal("8.5")


def test_a_changed_clause_target_and_project_contractors_count(db, world):
    clause, second = world["clause"], world["second_clause"]
    figures.clause_figures([clause.id, second.id], AS_OF)
    clause.target = Decimal("20")
    db.session.commit()
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].percent == Decimal(6100) / 140
    # The second clause has no responsible contractor: a placement at `other` counts only
    # once `other` is on the project.
    f.placement(f.participant(), world["other"], project=world["second"],
                start_date=date(2026, 2, 1))
    db.session.commit()
    assert figures.clause_figures([second.id], AS_OF)[second.id].registered == Decimal(0)
    version = db.session.get(Project, world["second"].id).figures_version
    from tracker.models import ProjectContractor
    db.session.add(ProjectContractor(project=world["second"], contractor=world["other"],
                                     role="sub"))
    db.session.commit()
    assert db.session.get(Project, world["second"].id).figures_version > version
    assert figures.clause_figures([second.id], AS_OF)[second.id].registered == Decimal(1)


def test_figures_of_uncommitted_changes_are_not_stored(db, world):
    clause = world["clause"]
    world["placement"].end_date = date(2026, 3, 14)
    db.session.flush()
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].registered == Decimal(2)
    db.session.rollback()
    assert stored_count(db) == 0
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].registered == Decimal(61) / 7


def test_a_transaction_that_wrote_anything_stores_no_figures(db, world):
    """An audit record is no counted data, but its transaction holds a write (on SQLite
    the database's lock): the figures are computed, not stored."""
    from tracker.audit import record_event

    clause = world["clause"]
    record_event(db.session, "login", None)
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].registered == Decimal(61) / 7
    assert stored_count(db) == 0
    db.session.commit()
    figures.clause_figures([clause.id], AS_OF)
    assert stored_count(db) == 1


def test_each_as_of_date_has_its_own_figures(db, world):
    clause = world["clause"]
    # As of 14 March: 1..14 March = 14 days = 2 weeks.
    assert figures.clause_figures([clause.id], date(2026, 3, 14))[clause.id].registered == Decimal(2)
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].registered == Decimal(61) / 7
    assert stored_count(db) == 2


def test_a_new_clause_never_reads_a_deleted_ones_figures(db, world):
    """SQLite may give the new clause the deleted one's id. The placement (main, March and
    April) is one person toward the new persons clause."""
    clause = world["clause"]
    figures.clause_figures([clause.id], AS_OF)
    db.session.delete(db.session.get(Clause, clause.id))
    db.session.commit()
    new = f.clause(f.agreement(world["project"]), unit="persons", target="4",
                   responsible_contractor=world["main"])
    db.session.commit()
    assert figures.clause_figures([new.id], AS_OF)[new.id].registered == Decimal(1)


def test_data_changed_without_projects_raises_every_project(db, world):
    before = dict(db.session.execute(select(Project.id, Project.figures_version)).all())
    figures.data_changed(db.session)
    db.session.commit()
    after = dict(db.session.execute(select(Project.id, Project.figures_version)).all())
    assert after == {pid: version + 1 for pid, version in before.items()}


def test_a_stored_row_of_an_older_version_is_not_read(db, world):
    clause = world["clause"]
    figures.clause_figures([clause.id], AS_OF)
    # A process that read version 0, then stored after someone else's change had raised it:
    figures.data_changed(db.session, [world["project"].id])
    db.session.commit()
    _result, seen = statements(db, lambda: figures.clause_figures([clause.id], AS_OF))
    assert len(seen) > 1  # computed again, not read


def test_status_counts_are_computed_then_read_back_in_one_statement(db, world):
    """As of 30.06.2026 the clause period (2026) has run 181 of 365 days: 49.6 %. The weeks
    clause has 61/7 of 10 weeks (87.1 %): on track; the persons clause none of 4: at risk."""
    clauses = select(Clause.id)
    expected = {"on_track": 1, "at_risk": 1}
    counts, seen = statements(db, lambda: figures.status_counts(clauses, AS_OF))
    assert counts == expected and len(seen) > 1  # nothing stored yet: computed and stored
    assert stored_count(db) == 2
    counts, seen = statements(db, lambda: figures.status_counts(clauses, AS_OF))
    assert counts == expected and len(seen) == 1  # the stored rows, nothing computed
    # The second project gets its person: 1 of 4 = 25 %, still at risk; its row is out of
    # date, so the counts are computed again, and the first project's row is still read.
    f.placement(f.participant(), world["main"], project=world["second"],
                start_date=date(2026, 5, 1), end_date=date(2026, 5, 31))
    f.clause(f.agreement(world["second"]), unit="persons", target="1")  # 1 of 1: met
    db.session.commit()
    counts, seen = statements(db, lambda: figures.status_counts(clauses, AS_OF))
    assert counts == {"on_track": 1, "at_risk": 1, "met": 1} and len(seen) > 1
    assert figures.status_counts(clauses.where(Clause.id == world["clause"].id), AS_OF) == {
        "on_track": 1}
    assert figures.status_counts(clauses.where(Clause.id == -1), AS_OF) == {}


def test_rows_of_other_days_go_once_old_when_the_clause_is_stored_again(db, world):
    from datetime import timedelta

    from sqlalchemy import update

    from tracker.models.base import utcnow

    clause, second = world["clause"], world["second_clause"]
    figures.clause_figures([clause.id, second.id], date(2026, 3, 14))
    db.session.execute(update(StoredFigures).values(computed_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    figures.clause_figures([clause.id], AS_OF)
    rows = db.session.execute(select(StoredFigures.clause_id, StoredFigures.as_of)).all()
    # The first clause's old row went; the second clause was not stored again.
    assert sorted(rows) == sorted([(clause.id, AS_OF), (second.id, date(2026, 3, 14))])


def test_pending_changes_of_the_session_are_counted(db, world):
    clause = world["clause"]
    figures.clause_figures([clause.id], AS_OF)  # stored: 61/7 weeks
    world["placement"].end_date = date(2026, 3, 14)  # not flushed: now 14 days
    assert figures.clause_figures([clause.id], AS_OF)[clause.id].registered == Decimal(2)
    db.session.rollback()


def test_a_placement_moved_by_its_project_id_changes_both_projects(db, world):
    """Forms set the foreign key itself, not the relationship: the project it leaves must
    count again too."""
    clause, second = world["clause"], world["second_clause"]
    figures.clause_figures([clause.id, second.id], AS_OF)
    world["placement"].project_id = world["second"].id
    db.session.commit()
    result = figures.clause_figures([clause.id, second.id], AS_OF)
    assert result[clause.id].registered == Decimal(0)
    assert result[second.id].registered == Decimal(1)
