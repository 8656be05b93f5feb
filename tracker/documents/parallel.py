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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import current_app
from sqlalchemy import Executable

from tracker import stored
from tracker.extensions import db


def fetch_all(statements: dict[str, Executable]) -> dict[str, list[Any]]:
    """The rows of each statement, by name, as of the same data as the session."""
    session = db.session
    version = stored.current_version(session.connection())  # flushes pending changes first
    engine = db.engine
    connections = int(current_app.config.get("TRACKER_DOCUMENT_CONNECTIONS", 4))
    apart = (connections > 1 and len(statements) > 1 and not session.info.get(stored.CHANGED)
             and engine.url.database not in (None, "", ":memory:"))
    if apart:
        with ThreadPoolExecutor(max_workers=min(connections, len(statements))) as pool:
            futures = {name: pool.submit(_read_apart, engine, statement)
                       for name, statement in statements.items()}
            results = {name: future.result() for name, future in futures.items()}
        if all(seen == version for seen, _rows in results.values()):
            return {name: rows for name, (_seen, rows) in results.items()}
    connection = session.connection()
    return {name: connection.execute(statement).all() for name, statement in statements.items()}


def _read_apart(engine, statement: Executable) -> tuple[int | None, list[Any]]:
    """The data version and the statement's rows, read in one read transaction on a
    connection of its own (in a thread of the pool: no application context here)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        else:  # the SQLite driver begins no transaction for reads on its own
            connection.exec_driver_sql("BEGIN")
        try:
            return stored.current_version(connection), connection.execute(statement).all()
        finally:
            connection.rollback()
