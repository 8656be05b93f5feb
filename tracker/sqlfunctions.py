"""SQL expressions that SQLite and PostgreSQL spell differently, compiled per dialect.

The counting rules (DESIGN §4) must give the same figures on the embedded
SQLite database and on PostgreSQL, so date arithmetic and the multi-argument
minimum/maximum are written once here and rendered for each database.
"""
from typing import Any

from sqlalchemy import BigInteger, Integer, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement):
    """Whole calendar days from `start` to `end` (end − start) as an integer."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = list(element.clauses)
    # PostgreSQL: date − date is an integer number of days.
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = list(element.clauses)
    # SQLite keeps dates as ISO text; julianday() of two midnights differs by a whole number.
    return (
        f"CAST(julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)}) AS INTEGER)"
    )


class _Extreme(FunctionElement):
    """Base of `least`/`greatest`: typed like their first argument."""

    inherit_cache = True

    def __init__(self, *clauses: Any) -> None:
        super().__init__(*clauses)
        self.type = list(self.clauses)[0].type


class least(_Extreme):
    """The smallest of the arguments. Callers must ensure no argument is NULL (see below)."""

    name = "least"
    inherit_cache = True


class greatest(_Extreme):
    """The largest of the arguments. Callers must ensure no argument is NULL (see below)."""

    name = "greatest"
    inherit_cache = True


# NULL handling differs: SQLite's min()/max() return NULL when any argument is NULL,
# PostgreSQL's LEAST/GREATEST skip NULLs. Wrap nullable arguments in COALESCE so both agree.
@compiles(least)
def _least_default(element: least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest_default(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def scaled_int(value: Any, places: int) -> ColumnElement[int]:
    """A NUMERIC value × 10^places as an exact integer (NULL stays NULL).

    SQLite keeps NUMERIC columns as binary floats, so their sums drift; summing
    integers in the smallest unit the column holds is exact on both databases.
    """
    return cast(func.round(value * 10**places), BigInteger)
