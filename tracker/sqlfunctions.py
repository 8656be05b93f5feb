"""SQL expressions that SQLite and PostgreSQL spell differently, compiled per dialect.

The counting rules (DESIGN §4) must give the same figures on the embedded
SQLite database and on PostgreSQL, so date arithmetic and the multi-argument
minimum/maximum are written once here and rendered for each database; so are two hints
to the planners (`no_index`, `among`) that the national-scale reports need, a table of
given rows (`rows_cte`) that SQLAlchemy need not compile again for every statement, and
sums by each of several columns in one statement (`sums_by_each`).
"""
from typing import Any

from sqlalchemy import (
    CTE, BigInteger, CompoundSelect, Date, Integer, Select, bindparam, case, cast, func, literal,
    null, select, tuple_, union_all, values,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
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


class no_index(FunctionElement):
    """A column as it is; on SQLite written `+column`, which keeps SQLite's planner from
    reading a table through that column's index. For a year of the national data that index
    leads to most of the table's rows one by one (follow-ups by date, placements by project:
    72 and 86 ms), where reading the table in order takes 22 and 42 ms. PostgreSQL already
    scans."""

    inherit_cache = True
    name = "no_index"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(no_index)
def _no_index_default(element: no_index, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(no_index, "sqlite")
def _no_index_sqlite(element: no_index, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(list(element.clauses)[0], **kw)


class among(FunctionElement):
    """`column IN (subquery)`; on PostgreSQL `column = ANY(ARRAY(subquery))`. For the
    residents of the largest municipality (a tenth of all placements) PostgreSQL otherwise
    reads every placement and matches it against a hash of the residents, in each of the
    municipality report's statements; given the residents as an array it reads only their
    rows, through the participant index (national data: follow-ups 19 → 16 ms, chart
    24 → 16 ms, progression 9 → 7 ms). SQLite reads them through the index already."""

    inherit_cache = True
    name = "among"

    def __init__(self, column: Any, subquery: Select) -> None:
        super().__init__(column, subquery.scalar_subquery())


@compiles(among)
def _among_default(element: among, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = list(element.clauses)
    return f"{compiler.process(column, **kw)} IN {compiler.process(subquery, **kw)}"


@compiles(among, "postgresql")
def _among_postgresql(element: among, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = list(element.clauses)
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(subquery, **kw)})"


def rows_cte(name: str, columns: list[ColumnClause], rows: list[tuple], dialect: str) -> CTE:
    """A CTE of the given rows. On PostgreSQL `unnest()` of one array per column, so the
    statement has the same shape for any rows and SQLAlchemy compiles it once: VALUES with
    its rows written in is compiled anew for every statement (3.5 ms for the review queue's
    25 comparison windows, half of their statement's time). SQLite has no arrays: VALUES."""
    if dialect == "postgresql":
        arrays = [bindparam(f"{name}_{c.name}", [row[i] for row in rows],
                            type_=postgresql.ARRAY(c.type)) for i, c in enumerate(columns)]
        table = func.unnest(*arrays).table_valued(*columns).render_derived(name=name)
        return select(*table.c).cte(name)
    return values(*columns, name=name).data(rows).cte(name)


def sums_by_each(rows: Select, keys: int, dialect: str) -> Select | CompoundSelect:
    """The sums of `rows`' columns after its first `keys`, grouped by each of those first
    columns in turn, then over all rows: one row per group, `(i, key_0, …, key_n−1, sums…)`,
    where `i` is the index of the column grouped by (`keys` for all rows) and only `key_i` is
    set (a NULL key is a group of its own). The sums are integers; over no rows, NULL.

    PostgreSQL groups once, by GROUPING SETS. SQLite has none: one grouping per column and
    one of all rows, UNION ALL, over `rows` as a common table expression (which SQLite, like
    PostgreSQL, works out once when the statement reads it more than once)."""
    source = rows.subquery("grouped") if dialect == "postgresql" else rows.cte("grouped")
    columns = list(source.c)
    key_columns, sums = columns[:keys], [cast(func.sum(c), BigInteger) for c in columns[keys:]]
    if dialect == "postgresql":
        # GROUPING(key_0, …) has a bit set for each key not grouped by, key_0 the highest.
        every = (1 << keys) - 1
        which = case({every - (1 << (keys - 1 - i)): i for i in range(keys)},
                     value=func.grouping(*key_columns), else_=keys)
        return (select(which, *key_columns, *sums)
                .group_by(func.grouping_sets(*(tuple_(k) for k in key_columns), tuple_())))
    by_key = [select(literal(i), *(k if j == i else null() for j, k in enumerate(key_columns)),
                     *sums).group_by(key_columns[i]) for i in range(keys)]
    return union_all(*by_key, select(literal(keys), *(null() for _ in key_columns), *sums))
