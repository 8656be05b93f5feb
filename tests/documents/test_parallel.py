"""A document's grouped statements side by side (tracker.documents.parallel): on connections
of their own when they read the data the session reads, else on the session's connection."""
import threading
from datetime import date

import pytest
from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy.exc import DBAPIError

from tests import factories
from tracker.documents import parallel
from tracker.models import Participant, Placement


@pytest.fixture()
def residents(app, db):
    app.config["TRACKER_DOCUMENT_CONNECTIONS"] = 4  # whatever this machine's processors
    m = factories.organisation("municipality", name="Nordby Kommune")
    firm = factories.organisation("contractor", name="Byg A/S")
    for name in ("Ada", "Bo", "Cai"):
        person = factories.participant(m, name=name, intake_date=date(2026, 2, 1))
        factories.placement(person, firm, "internship", start_date=date(2026, 3, 1))
    db.session.commit()  # the session's hooks raised the data version
    return m


QUERIES = {
    "people": select(func.count()).select_from(Participant),
    "placements": select(Placement.kind, func.count()).group_by(Placement.kind),
}


def _connections(db, action):
    """The result of `action()` and the DBAPI connections its statements were sent on."""
    used = []

    def listener(conn, *_args):
        used.append(conn.connection.dbapi_connection)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return action(), used
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_statements_run_apart_and_read_what_the_session_reads(db, residents):
    own = db.session.connection().connection.dbapi_connection
    rows, used = _connections(db, lambda: parallel.fetch_all(QUERIES))
    assert rows == {"people": [(3,)], "placements": [("internship", 3)]}
    # The session reads the version; the statements (each after its own reading of the
    # version; on SQLite after a BEGIN) run on other connections.
    assert used[0] == own and own not in used[1:] and len(used) in (5, 7)


def test_uncommitted_changes_of_the_session_are_counted_on_its_connection(db, residents):
    factories.participant(residents, name="Dea")  # flushed, not committed: others cannot see it
    own = db.session.connection().connection.dbapi_connection
    rows, used = _connections(db, lambda: parallel.fetch_all(QUERIES))
    assert rows["people"] == [(4,)]
    assert set(used) == {own}
    db.session.rollback()


def test_a_change_committed_meanwhile_sends_the_statements_to_the_session(db, residents,
                                                                          monkeypatch):
    """Someone commits a new resident (raising the data version) after the session read the
    version and before the other connections read theirs: what they read is not used."""
    begin, committed, one_at_a_time = parallel._begin, [], threading.Lock()

    def change_first(connection):  # every connection begins after the commit
        with one_at_a_time:
            if not committed:
                with connection.engine.begin() as other:
                    other.execute(text("UPDATE data_version SET version = version + 1"))
                committed.append(True)
        return begin(connection)

    monkeypatch.setattr(parallel, "_begin", change_first)
    own = db.session.connection().connection.dbapi_connection
    rows, used = _connections(db, lambda: parallel.fetch_all(QUERIES))
    assert committed
    assert rows == {"people": [(3,)], "placements": [("internship", 3)]}
    # Read again on the session's connection: both statements after the discarded ones.
    assert used[-2:] == [own, own]


def test_each_connection_reads_its_statements_in_one_transaction(app, db, residents,
                                                                 monkeypatch):
    """Two connections for three statements: each begins one read transaction (and reads
    the data version in it), then takes the next statement not yet taken until none is
    left. One of them may find every statement taken and read none."""
    app.config["TRACKER_DOCUMENT_CONNECTIONS"] = 2
    begin, begun = parallel._begin, []
    monkeypatch.setattr(parallel, "_begin",
                        lambda connection: begun.append(connection) or begin(connection))
    statements = {**QUERIES, "firms": select(func.count()).select_from(Placement)
                  .where(Placement.kind == "internship")}
    own = db.session.connection().connection.dbapi_connection
    rows, used = _connections(db, lambda: parallel.fetch_all(statements))
    assert rows == {"people": [(3,)], "placements": [("internship", 3)], "firms": [(3,)]}
    assert 1 <= len(begun) <= 2  # not one per statement
    assert own not in used[1:]


def test_parameters_are_bound_apart_and_on_the_session(db, residents):
    statements = {"named": select(func.count()).select_from(Participant)
                  .where(Participant.name.in_([bindparam("first"), bindparam("second")])),
                  "placements": QUERIES["placements"]}
    values = {"first": "Ada", "second": "Cai", "unused": 1}
    assert parallel.fetch_all(statements, parameters=values)["named"] == [(2,)]
    factories.participant(residents, name="Ada")  # uncommitted: read on the session
    assert parallel.fetch_all(statements, parameters=values)["named"] == [(3,)]
    db.session.rollback()


def test_a_failing_statement_raises_its_error(db, residents):
    statements = {**QUERIES, "broken": select(text("no_such_column")).select_from(Placement)}
    with pytest.raises(DBAPIError):
        parallel.fetch_all(statements)


def test_one_connection_configured_reads_on_the_session(app, db, residents):
    app.config["TRACKER_DOCUMENT_CONNECTIONS"] = 1
    own = db.session.connection().connection.dbapi_connection
    rows, used = _connections(db, lambda: parallel.fetch_all(QUERIES))
    assert rows["people"] == [(3,)] and set(used) == {own}


def _by_kind(rows):
    return {kind: n for kind, n in rows}, threading.get_ident()


def test_rows_read_apart_are_processed_by_the_calling_thread(db, residents):
    """The connections go on to their next statement; the caller works through the rows."""
    own = db.session.connection().connection.dbapi_connection
    rows, used = _connections(
        db, lambda: parallel.fetch_all(QUERIES, process={"placements": _by_kind}))
    by_kind, thread = rows["placements"]
    assert by_kind == {"internship": 3} and rows["people"] == [(3,)]
    assert thread == threading.get_ident() and own not in used[1:]


def test_rows_read_on_the_session_are_processed_too(db, residents):
    factories.participant(residents, name="Dea")  # uncommitted: read on the session
    factories.placement(db.session.scalars(select(Participant)).first(),
                        factories.organisation("contractor", name="Mur ApS"), "wage_subsidy",
                        start_date=date(2026, 6, 1))
    rows = parallel.fetch_all(QUERIES, process={"placements": _by_kind})
    assert rows["placements"] == ({"internship": 3, "wage_subsidy": 1}, threading.get_ident())
    db.session.rollback()


@pytest.mark.parametrize(("configured", "processors", "expected"),
                         [(None, 8, 4), (None, 2, 2), (None, 1, 1), ("", 2, 2), (3, 1, 3),
                          ("1", 8, 1), (0, 8, 1)])
def test_connections_one_per_processor_at_most_four_unless_configured(
        monkeypatch, configured, processors, expected):
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: set(range(processors)),
                        raising=False)
    assert parallel.connection_count(configured) == expected
