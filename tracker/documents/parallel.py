"""A document's grouped statements side by side, each on a connection of its own, all
reading the same data.

At national scale the annual and municipality reports count from a few grouped statements
over tens of thousands of placements (15–70 ms each); one after another they were most of
the application's own time per document. Side by side they take about as long as the
longest: PostgreSQL runs each connection's statement in a server process of its own, and
SQLite runs outside Python's global lock.

The same data: every change to counted data raises the one-row `data_version` in its own
transaction (tracker.stored). Each connection reads the version in the read transaction
its statement then runs in (REPEATABLE READ on PostgreSQL; on SQLite, in WAL mode, a read
transaction is a snapshot). When each read the version the session reads, no change to
counted data lies between what they read: they count the same rows as the session would.
Otherwise (a change committed meanwhile), and when the session's own transaction holds
changes that other connections cannot see, the statements run one after another on the
session's connection, as they did before.
"""
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from flask import current_app
from sqlalchemy import Executable

from tracker import stored
from tracker.extensions import db


def fetch_all(statements: dict[str, Executable],
              process: dict[str, Callable[[list], Any]] | None = None) -> dict[str, Any]:
    """The rows of each statement, by name, as of the same data as the session; for a name
    in `process`, what that function makes of the rows instead.

    Side by side, a statement's rows are processed in its thread as soon as they arrive,
    while the database still works on the others. The functions must need nothing but the
    rows (no application context: they run outside it) and change nothing."""
    process = process or {}
    session = db.session
    version = stored.current_version(session.connection())  # flushes pending changes first
    engine = db.engine
    connections = connection_count(current_app.config.get("TRACKER_DOCUMENT_CONNECTIONS"))
    apart = (connections > 1 and len(statements) > 1 and not session.info.get(stored.CHANGED)
             and engine.url.database not in (None, "", ":memory:"))
    if apart:
        with ThreadPoolExecutor(max_workers=min(connections, len(statements))) as pool:
            futures = {name: pool.submit(_read_apart, engine, statement, process.get(name))
                       for name, statement in statements.items()}
            results = {name: future.result() for name, future in futures.items()}
        if all(seen == version for seen, _result in results.values()):
            return {name: result for name, (_seen, result) in results.items()}
    connection = session.connection()
    results = {}
    for name, statement in statements.items():
        rows = connection.execute(statement).all()
        results[name] = process[name](rows) if name in process else rows
    return results


def connection_count(configured: Any = None) -> int:
    """The connections `fetch_all` reads on: the configured number, else one per processor
    this process may run on, at most 4. More connections than processors is slower: on two
    cores the municipality report's four statements took 35 ms on four connections and
    27 ms on two (national data, PostgreSQL on the same machine; bench/RESULTS.md)."""
    if configured not in (None, ""):
        return max(1, int(configured))
    try:
        processors = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        processors = os.cpu_count() or 1
    return min(4, processors)


def _read_apart(engine, statement: Executable,
                process: Callable[[list], Any] | None) -> tuple[int | None, Any]:
    """The data version and the statement's rows (processed, with `process`), read in one
    read transaction on a connection of its own (in a thread of the pool: no application
    context here)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        else:  # the SQLite driver begins no transaction for reads on its own
            connection.exec_driver_sql("BEGIN")
        try:
            version = stored.current_version(connection)
            rows = connection.execute(statement).all()
        finally:
            connection.rollback()
    return version, process(rows) if process else rows
