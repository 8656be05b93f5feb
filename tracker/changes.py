"""Which projects a transaction changed: every change to what a project's clauses count
(the project and its contractors, its agreements and clauses, their reporters, placements on
it, contractor reports) is noted from the session's flushes, for what is kept in step at
commit (tracker.reporting.obligations); writes that bypass the session (the workbook import)
call `data_changed()` without projects, and then every project counts as changed.

Each change also raises its projects' `Project.figures_version` in the same transaction: the
row lock that takes makes two transactions changing one project's data wait for each other,
so the second brings that project's obligations up to date after seeing the first's.
"""
from collections.abc import Iterable

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from tracker.models import (
    Agreement,
    Clause,
    ClauseReporter,
    ContractorReport,
    Placement,
    Project,
    ProjectContractor,
)

KEYS = "changes_keys"  # session.info key: what leads to the projects a flush changes
CHANGED = "changed_projects"  # session.info key: the projects this transaction changed
ALL = "all"  # ... every project (a write that bypassed the session)
# session.info key: this transaction wrote past the session (tracker.participants.pending)
EVERYTHING = "changed_everything"


def data_changed(session: Session, project_ids: Iterable[int] | None = None) -> None:
    """Note the given projects (every project when None) as changed in the session's
    transaction, and raise their figures version."""
    statement = update(Project.__table__).values(
        figures_version=Project.figures_version + 1, updated_at=Project.updated_at)
    if project_ids is not None:
        project_ids = sorted({p for p in project_ids if p is not None})
        if not project_ids:
            return
        statement = statement.where(Project.id.in_(project_ids))
    session.connection().execute(statement)
    if project_ids is None:
        session.info[CHANGED] = ALL
        session.info[EVERYTHING] = True
    elif session.info.get(CHANGED) != ALL:
        session.info.setdefault(CHANGED, set()).update(project_ids)


def take_changed_projects(session: Session) -> set[int] | str | None:
    """The projects the session's transaction changed so far (ALL: every one), forgotten
    once taken; for what else is kept in step with them (tracker.reporting.obligations)."""
    return session.info.pop(CHANGED, None)


# The models whose rows a clause's figures count, and the column leading to the project:
# directly, or through the row's agreement or clause.
_PROJECT_OF = {
    Project: ("project", "id"), ProjectContractor: ("project", "project_id"),
    Agreement: ("project", "project_id"), Placement: ("project", "project_id"),
    Clause: ("agreement", "agreement_id"), ContractorReport: ("clause", "clause_id"),
    ClauseReporter: ("clause", "clause_id"),
}


def _note(session: Session, objects, before: bool = False) -> None:
    """Note the keys leading to the projects of these rows (in session.info until the flush
    is over); before the flush also the key a row had when loaded, since a form sets the
    foreign key itself (a placement moved to another project changes both)."""
    keys = session.info.setdefault(KEYS, {"project": set(), "agreement": set(), "clause": set()})
    for obj in objects:
        how = _PROJECT_OF.get(type(obj))
        if how is not None:
            kind, attribute = how
            keys[kind].add(getattr(obj, attribute))
            if before and attribute != "id":
                keys[kind].update(inspect(obj).attrs[attribute].history.deleted)


def _before_flush(session: Session, _context, _instances) -> None:
    """The projects changed and deleted rows belong to before the flush..."""
    _note(session, [o for o in session.dirty if session.is_modified(o)], before=True)
    _note(session, session.deleted, before=True)


def _after_flush(session: Session, _context) -> None:
    """... and those new and changed rows belong to after it: note them as changed."""
    _note(session, session.new)
    _note(session, [o for o in session.dirty if session.is_modified(o)])
    keys = {kind: ids - {None} for kind, ids in session.info.pop(KEYS).items()}
    projects = keys["project"]
    if keys["agreement"]:
        projects |= set(session.connection().scalars(
            select(Agreement.project_id).where(Agreement.id.in_(keys["agreement"]))))
    if keys["clause"]:
        projects |= set(session.connection().scalars(
            select(Agreement.project_id).join(Clause, Clause.agreement_id == Agreement.id)
            .where(Clause.id.in_(keys["clause"]))))
    if projects:
        data_changed(session, projects)


def _transaction_ended(session: Session, *_args) -> None:
    session.info.pop(KEYS, None)
    session.info.pop(CHANGED, None)
    session.info.pop(EVERYTHING, None)


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("after_commit", _transaction_ended),
                           ("after_rollback", _transaction_ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
