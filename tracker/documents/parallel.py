"""A document's grouped statements side by side, on connections of their own, all reading
the same data.

At national scale the annual and municipality reports count from a few grouped statements
over tens of thousands of placements (15–70 ms each); one after another they were most of
the application's own time per document. Side by side they take about as long as the
longest: PostgreSQL runs each connection's statement in a server process of its own, and
SQLite runs outside Python's global lock.

The same data: every change to counted data raises the one-row `data_version` in its own
transaction (tracker.stored). Each connection reads the version in the read transaction
its statements then run in (REPEATABLE READ on PostgreSQL; on SQLite, in WAL mode, a read
transaction is a snapshot). When each read the version the session reads, no change to
counted data lies between what they read: they count the same rows as the session would.
Otherwise (a change committed meanwhile), and when the session's own transaction holds
changes that other connections cannot see, the statements run one after another on the
session's connection, as they did before.
"""
import os
import queue
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from flask import current_app
from sqlalchemy import Connection, Engine, Executable

from tracker import stored
from tracker.extensions import db


def fetch_all(statements: dict[str, Executable],
              process: dict[str, Callable[[list], Any]] | None = None,
              parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rows of each statement, by name, as of the same data as the session; for a name
    in `process`, what that function makes of the rows instead. `parameters` holds the
    values of the statements' parameters (each statement takes those it has).

    Side by side, each connection reads its next statement as soon as it has the rows of
    the last, and the calling thread processes those rows meanwhile (nationally, the
    municipality report's chart waited 6 ms behind the assessments' processing when the
    reading thread processed them). The functions must change nothing."""
    process = process or {}
    session = db.session
    version = stored.current_version(session.connection())  # flushes pending changes first
    engine = db.engine
    connections = min(connection_count(current_app.config.get("TRACKER_DOCUMENT_CONNECTIONS")),
                      len(statements))
    apart = (connections > 1 and not session.info.get(stored.CHANGED)
             and engine.url.database not in (None, "", ":memory:"))
    if apart:
        versions, results = _read_apart(engine, statements, connections, process, parameters)
        if all(seen == version for seen in versions):
            return results
    connection = session.connection()
    results = {}
    for name, statement in statements.items():
        rows = connection.execute(statement, parameters).all()
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


_READ_NOTHING = object()  # what a connection that read no statement returns, not a version


def _read_apart(engine: Engine, statements: dict[str, Executable], connections: int,
                process: dict[str, Callable[[list], Any]],
                parameters: dict[str, Any] | None) -> tuple[list, dict[str, Any]]:
    """The data version each connection that read statements read, and the statements' rows
    (processed). Each of up to `connections` connections reads, in one read transaction,
    the data version and then the next statement not yet taken, in the given order, until
    none is left; the calling thread processes the rows as they arrive."""
    waiting: queue.SimpleQueue = queue.SimpleQueue()
    for item in statements.items():
        waiting.put(item)
    arrived: queue.SimpleQueue = queue.SimpleQueue()

    def reader() -> Any:  # in a thread of the pool: no application context here
        if waiting.empty():  # the other connections have taken every statement
            return _READ_NOTHING
        try:
            with engine.connect() as connection:
                try:
                    version, read = _begin(connection), _READ_NOTHING
                    while True:
                        try:
                            name, statement = waiting.get_nowait()
                        except queue.Empty:
                            return read
                        arrived.put((name, connection.execute(statement, parameters).all()))
                        read = version
                finally:
                    connection.rollback()
        except BaseException as error:
            arrived.put((None, error))
            raise

    results: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=connections) as pool:
        readers = [pool.submit(reader) for _ in range(connections)]
        for _ in statements:
            name, rows_or_error = arrived.get()
            if name is None:
                raise rows_or_error  # leaving the pool waits for the other connections
            results[name] = process[name](rows_or_error) if name in process else rows_or_error
        versions = [r.result() for r in readers]
    return ([v for v in versions if v is not _READ_NOTHING],
            {name: results[name] for name in statements})


def _begin(connection: Connection) -> int | None:
    """Begin a read transaction on `connection` and read the data version in it (REPEATABLE
    READ on PostgreSQL: its statements all read the data as of this first reading)."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="REPEATABLE READ")
    else:  # the SQLite driver begins no transaction for reads on its own
        connection.exec_driver_sql("BEGIN")
    return stored.current_version(connection)
