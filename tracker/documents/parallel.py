"""A document's grouped statements, read one after another on the session's connection.
(To be removed with the document rewrite; kept here only so that tracker.documents runs
without the data version it once compared connections by.)
"""
import os
from typing import Any, Callable

from sqlalchemy import Executable

from tracker.extensions import db


def fetch_all(statements: dict[str, Executable],
              process: dict[str, Callable[[list], Any]] | None = None,
              parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rows of each statement, by name; for a name in `process`, what that function
    makes of the rows instead. `parameters` holds the values of the statements' parameters."""
    process = process or {}
    connection = db.session.connection()
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
