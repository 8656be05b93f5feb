"""SQL expressions that SQLite and PostgreSQL spell differently, compiled per dialect.

The counting rules (DESIGN §4) must give the same figures on the embedded
SQLite database and on PostgreSQL, so date arithmetic and the multi-argument
minimum/maximum are written once here and rendered for each database.
"""
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    cast,
    func,
)
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


# --- calendar months as integers --------------------------------------------------------------
# A month number counts months from year 0 (year × 12 + month − 1), so that calendar months
# and quarters (month number // 3) become integer arithmetic, the same on both databases.

class month_number(FunctionElement):
    """The month number of a date: year × 12 + month − 1, as an integer."""

    type = Integer()
    inherit_cache = True
    name = "month_number"


@compiles(month_number)
def _month_number_default(element: month_number, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = list(element.clauses)
    value = compiler.process(day, **kw)
    # date_part gives a float (EXTRACT a slower numeric): cast, so divisions stay integral.
    return (f"(CAST(date_part('year', {value}) AS INTEGER) * 12"
            f" + CAST(date_part('month', {value}) AS INTEGER) - 1)")


@compiles(month_number, "sqlite")
def _month_number_sqlite(element: month_number, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = list(element.clauses)
    value = compiler.process(day, **kw)
    # SQLite keeps dates as ISO text (YYYY-MM-DD); substr is several times faster than strftime.
    return (f"(CAST(substr({value}, 1, 4) AS INTEGER) * 12"
            f" + CAST(substr({value}, 6, 2) AS INTEGER) - 1)")


class day_of_month(FunctionElement):
    """The day of the month of a date (1–31), as an integer."""

    type = Integer()
    inherit_cache = True
    name = "day_of_month"


@compiles(day_of_month)
def _day_of_month_default(element: day_of_month, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = list(element.clauses)
    return f"CAST(date_part('day', {compiler.process(day, **kw)}) AS INTEGER)"


@compiles(day_of_month, "sqlite")
def _day_of_month_sqlite(element: day_of_month, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = list(element.clauses)
    return f"CAST(substr({compiler.process(day, **kw)}, 9, 2) AS INTEGER)"


class first_of_month(FunctionElement):
    """The first day of the month with the given month number (see `month_number`)."""

    type = Date()
    inherit_cache = True
    name = "first_of_month"


class last_of_month(FunctionElement):
    """The last day of the month with the given month number (see `month_number`)."""

    type = Date()
    inherit_cache = True
    name = "last_of_month"


def _month_start_sql(number: str, dialect: str) -> str:
    """SQL for the first day of month `number` (an integer SQL expression)."""
    if dialect == "sqlite":
        # SQLite keeps dates as ISO text; printf builds one.
        return f"printf('%04d-%02d-01', ({number}) / 12, ({number}) % 12 + 1)"
    return f"make_date(CAST({number} AS INTEGER) / 12, mod(CAST({number} AS INTEGER), 12) + 1, 1)"


@compiles(first_of_month)
def _first_of_month_default(element: first_of_month, compiler: SQLCompiler, **kw: Any) -> str:
    (number,) = list(element.clauses)
    return _month_start_sql(compiler.process(number, **kw), "default")


@compiles(first_of_month, "sqlite")
def _first_of_month_sqlite(element: first_of_month, compiler: SQLCompiler, **kw: Any) -> str:
    (number,) = list(element.clauses)
    return _month_start_sql(compiler.process(number, **kw), "sqlite")


@compiles(last_of_month)
def _last_of_month_default(element: last_of_month, compiler: SQLCompiler, **kw: Any) -> str:
    (number,) = list(element.clauses)
    following = f"({compiler.process(number, **kw)}) + 1"
    # PostgreSQL: date − integer is the date that many days earlier.
    return f"({_month_start_sql(following, 'default')} - 1)"


@compiles(last_of_month, "sqlite")
def _last_of_month_sqlite(element: last_of_month, compiler: SQLCompiler, **kw: Any) -> str:
    (number,) = list(element.clauses)
    following = f"({compiler.process(number, **kw)}) + 1"
    return f"date({_month_start_sql(following, 'sqlite')}, '-1 day')"
