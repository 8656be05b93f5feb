"""Stored aggregates (tracker.stored): computed once per scope and as-of date, read back
while no counted data changed, never once it has; the dashboard's counts through them.
Expected counts worked out by hand."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from tests import factories as f
from tests.conftest import statements
from tracker import figures, stored
from tracker.audit import record_event
from tracker.extensions import db as _db
from tracker.models import FollowUp, Placement, StoredFigures, StoredValue
from tracker.models.base import utcnow

AS_OF = date(2026, 6, 30)


class Counter:
    """A compute function that says how often it ran."""

    def __init__(self, result):
        self.result, self.calls = result, 0

    def __call__(self):
        self.calls += 1
        return self.result


def test_a_value_is_computed_once_and_read_back_in_one_statement(db, app):
    compute = Counter({"missing": 3, "months": [1, 2]})
    assert stored.value("k", AS_OF, compute) == {"missing": 3, "months": [1, 2]}
    again, seen = statements(db, lambda: stored.value("k", AS_OF, compute))
    assert again == {"missing": 3, "months": [1, 2]}
    assert compute.calls == 1
    assert len(seen) == 1
    # Another as-of date or key is another value.
    stored.value("k", AS_OF + timedelta(days=1), compute)
    stored.value("other", AS_OF, compute)
    assert compute.calls == 3


def test_a_counted_change_makes_every_value_count_again(db, app):
    compute = Counter(1)
    stored.value("k", AS_OF, compute)
    f.participant()  # any counted model
    db.session.commit()
    stored.value("k", AS_OF, compute)
    assert compute.calls == 2


@pytest.mark.parametrize("change", ["placement", "follow_up", "deleted", "import"])
def test_each_kind_of_change_raises_the_version(db, app, change):
    person, employer = f.participant(), f.organisation()
    placement = f.placement(person, employer, end_date=date(2026, 3, 31))
    db.session.commit()
    compute = Counter(1)
    stored.value("k", AS_OF, compute)
    if change == "placement":
        placement.end_date = date(2026, 3, 30)
    elif change == "follow_up":
        db.session.add(FollowUp(placement=placement, months=3, status="employed",
                                follow_up_date=date(2026, 6, 30)))
    elif change == "deleted":
        db.session.delete(placement)
    else:  # writes that bypass the session say so
        db.session.execute(update(Placement).values(hours_per_week=30))
        figures.data_changed(db.session)
    db.session.commit()
    stored.value("k", AS_OF, compute)
    assert compute.calls == 2


def test_sign_ins_and_audit_records_do_not_count(db, app):
    user = f.user()
    db.session.commit()
    compute = Counter(1)
    stored.value("k", AS_OF, compute)
    user.name = "Ny"  # users and the audit trail are not counted data
    record_event(db.session, "login", user)
    db.session.commit()
    stored.value("k", AS_OF, compute)
    assert compute.calls == 1


def test_values_of_uncommitted_changes_are_not_kept(db, app):
    f.participant()
    db.session.flush()  # not committed: the value would count a row that may never be
    compute = Counter(1)
    stored.value("k", AS_OF, compute)
    assert db.session.scalar(select(func.count()).select_from(StoredValue)) == 0
    db.session.rollback()


def test_a_value_computed_while_a_change_commits_is_not_read(db, app):
    """The version is read before computing: a change committed meanwhile leaves the value
    stored under the old version, so the next reader computes again."""
    from tests.conftest import make_app

    other_app = make_app(str(db.engine.url.render_as_string(hide_password=False)))

    def compute_while_someone_changes_data():
        with other_app.app_context():
            f.participant()
            _db.session.commit()
            _db.session.remove()
            _db.engine.dispose()
        return "old"

    assert stored.value("k", AS_OF, compute_while_someone_changes_data) == "old"
    db.session.commit()  # the request ends; the next one sees the change
    compute = Counter("new")
    assert stored.value("k", AS_OF, compute) == "new"
    assert compute.calls == 1


def test_scope_keys_differ_by_scope_and_agree_for_the_same_scope(app):
    assert stored.scope_key("d", select(Placement).where(Placement.project_id == 1)) == \
        stored.scope_key("d", select(Placement).where(Placement.project_id == 1))
    assert stored.scope_key("d", select(Placement).where(Placement.project_id == 1)) != \
        stored.scope_key("d", select(Placement).where(Placement.project_id == 2))
    assert stored.scope_key("d", 1) != stored.scope_key("e", 1)


def test_scope_keys_of_role_scoped_queries_follow_every_value(db):
    """The key is made from a query's shape (kept) and its values (each time): the same
    shape with other values — an organisation, a list of ids, a date — is another key."""
    from tracker import access
    from tracker.models import Clause

    first, second = f.organisation("municipality"), f.organisation("municipality")
    db.session.flush()
    users = [f.user("municipality", org=first), f.user("municipality", org=first),
             f.user("municipality", org=second)]
    keys = [stored.scope_key("dashboard", access.visible(Clause, u),
                             access.visible(Placement, u)) for u in users]
    assert keys[0] == keys[1]
    assert keys[0] != keys[2]
    by_ids = [stored.scope_key("d", select(Placement).where(Placement.id.in_(ids)))
              for ids in ([1, 2], [1, 3], [1, 2])]
    assert by_ids[0] == by_ids[2] != by_ids[1]
    by_day = [stored.scope_key("d", select(Placement).where(Placement.start_date < day))
              for day in (date(2026, 1, 1), date(2026, 1, 2))]
    assert by_day[0] != by_day[1]


def test_old_values_and_figures_are_dropped_on_sign_in(db, client, login):
    user = f.user()
    clause = f.clause(f.agreement(f.project(contractors=[f.organisation()])))
    db.session.commit()
    stored.value("old", AS_OF, lambda: 1)
    stored.value("recent", AS_OF, lambda: 2)
    figures.clause_figures([clause.id], AS_OF)
    three_days_ago = utcnow() - timedelta(days=3)
    db.session.execute(update(StoredValue).where(StoredValue.key == "old")
                       .values(computed_at=three_days_ago))
    db.session.execute(update(StoredFigures).values(computed_at=three_days_ago))
    db.session.commit()
    login(user)
    db.session.expire_all()
    assert db.session.scalars(select(StoredValue.key)).all() == ["recent"]
    assert db.session.scalar(select(func.count()).select_from(StoredFigures)) == 0


# --- the dashboard through stored values --------------------------------------------------

def _work_count(html: str, words: str) -> int:
    match = re.search(r'<span class="figure">([\d.]+)</span> ' + re.escape(words), html)
    assert match, words
    return int(match.group(1).replace(".", ""))


def test_the_staff_dashboard_counts_follow_ups_again_after_one_is_registered(
        db, client, login):
    staff = f.user("staff")
    person, employer = f.participant(), f.organisation()
    # Ended 31.01.2026 and 28.02.2026, no project: follow-ups after 3 months are due on
    # 30.04.2026 and 31.05.2026, after 6 months on 31.07 and 31.08 — by 30.06.2026: two.
    first = f.placement(person, employer, start_date=date(2026, 1, 5),
                        end_date=date(2026, 1, 31))
    f.placement(person, employer, start_date=date(2026, 2, 2), end_date=date(2026, 2, 28))
    db.session.commit()
    login(staff)
    page = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert _work_count(page, "opfølgninger forfaldne") == 2
    _, seen = statements(db, lambda: client.get("/?as_of=2026-06-30"))
    assert len(seen) <= 5  # the stored counts are read, not computed again

    db.session.add(FollowUp(placement=first, months=3, status="employed",
                            follow_up_date=date(2026, 5, 2)))
    db.session.commit()
    page = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert _work_count(page, "opfølgninger forfaldne") == 1
