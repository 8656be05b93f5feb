"""Pending follow-ups: the follow-ups due 3, 6 and 12 months after a placement that ended a
pathway (tracker.counting.pathways.ends_pathway) and not registered yet, one row each with
the day it is due, so the work list and the dashboard read them in the order of that day.

Every commit that changes a placement or a follow-up brings the rows of its placements up
to date (`install`); a write that bypassed the session (the workbook import, through
tracker.changes.data_changed) brings all of them up to date.
"""
from collections.abc import Iterable

from sqlalchemy import (
    Integer,
    Select,
    delete,
    event,
    exists,
    insert,
    inspect,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from tracker import changes
from tracker.counting.pathways import ends_pathway, sql_add_months
from tracker.models import FollowUp, PendingFollowUp, Placement
from tracker.models.codes import FOLLOW_UP_MONTHS

PENDING = PendingFollowUp.__table__
KEY = "pending_follow_up_placements"  # session.info: placements changed in this transaction


def _months_table():
    # Inline constants (not bound parameters), so PostgreSQL types them as integers.
    return union_all(*(select(literal_column(str(int(m)), Integer()).label("months"))
                       for m in FOLLOW_UP_MONTHS)).subquery("follow_up_months")


def due_rows(placements: Select) -> Select:
    """(placement id, months, due date) of every follow-up due after the given placements (a
    Select of Placement rows) and not registered."""
    months = _months_table()
    registered = exists().where(FollowUp.placement_id == Placement.id,
                                FollowUp.months == months.c.months)
    return (placements.with_only_columns(Placement.id, months.c.months,
                                         sql_add_months(Placement.end_date, months.c.months))
            .join(months, true()).where(ends_pathway(), ~registered))


def sync(session: Session, placement_ids: Iterable[int] | None = None) -> None:
    """Rewrite the pending follow-ups of the given placements (of all when None)."""
    connection = session.connection()
    placements = select(Placement)
    if placement_ids is None:
        connection.execute(delete(PENDING))
    else:
        ids = sorted({i for i in placement_ids if i is not None})
        if not ids:
            return
        connection.execute(delete(PENDING).where(PENDING.c.placement_id.in_(ids)))
        placements = placements.where(Placement.id.in_(ids))
    connection.execute(insert(PENDING).from_select(
        ["placement_id", "months", "due_date"], due_rows(placements)))


def sync_pending(session: Session) -> None:
    """Flush the session and bring the rows of the placements it changed up to date; before
    a commit, and before the rows are read in the same transaction."""
    session.flush()
    everything = session.info.pop(changes.EVERYTHING, False)
    changed = session.info.pop(KEY, set())
    if everything:
        sync(session)
    elif changed:
        sync(session, changed)


def _note(session: Session, objects, deleted: bool = False) -> None:
    changed = session.info.setdefault(KEY, set())
    for obj in objects:
        if isinstance(obj, Placement):
            changed.add(obj.id)
        elif isinstance(obj, FollowUp):
            changed.add(obj.placement_id)
            changed.update(inspect(obj).attrs["placement_id"].history.deleted)


def _before_flush(session: Session, _context, _instances) -> None:
    gone = [obj.id for obj in session.deleted if isinstance(obj, Placement)]
    if gone:  # their rows go first: they point at the placement
        session.connection().execute(delete(PENDING).where(PENDING.c.placement_id.in_(gone)))
    _note(session, session.dirty)
    _note(session, session.deleted)


def _after_flush(session: Session, _context) -> None:
    _note(session, session.new)


def _before_commit(session: Session) -> None:
    sync_pending(session)


def _transaction_ended(session: Session, *_args) -> None:
    session.info.pop(KEY, None)


def install() -> None:
    """Keep every session's pending follow-ups in step at each commit (once per process)."""
    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("before_commit", _before_commit),
                           ("after_commit", _transaction_ended),
                           ("after_rollback", _transaction_ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
