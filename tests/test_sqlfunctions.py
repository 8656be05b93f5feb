"""SQL written once and rendered per database (tracker.sqlfunctions): `sums_by_each`, on the
database the suite runs on (GROUPING SETS on PostgreSQL, UNION ALL on SQLite)."""
from sqlalchemy import Integer, String, column, select

from tracker.sqlfunctions import rows_cte, sums_by_each

PEOPLE = [  # housing area, gender, placed, moved
    ("Gellerup", "f", 1, 0),
    ("Gellerup", "m", 1, 1),
    ("Bispehaven", "f", 0, 1),
    (None, "f", 1, 1),
    ("Bispehaven", None, 0, 0),
]


COLUMNS = [column("area", String), column("gender", String), column("placed", Integer),
           column("moved", Integer)]


def _sums(db, rows, where=None):
    dialect = db.session.get_bind().dialect.name
    people = rows_cte("people", COLUMNS, rows, dialect)
    source = select(*people.c)
    if where is not None:
        source = source.where(where(people.c))
    return [tuple(row) for row in db.session.execute(sums_by_each(source, 2, dialect))]


def test_sums_by_each_key_and_over_all_rows(db):
    rows = _sums(db, PEOPLE)
    expected = [
        # by area (key 0): Gellerup 1+1 placed, 0+1 moved; Bispehaven 0+0, 1+0; no area 1, 1
        (0, "Gellerup", None, 2, 1), (0, "Bispehaven", None, 0, 1), (0, None, None, 1, 1),
        # by gender (key 1): f 1+0+1 placed, 0+1+1 moved; m 1, 1; no gender 0, 0
        (1, None, "f", 2, 2), (1, None, "m", 1, 1), (1, None, None, 0, 0),
        # all five: 1+1+0+1+0 placed, 0+1+1+1+0 moved
        (2, None, None, 3, 3),
    ]
    assert sorted(rows, key=repr) == sorted(expected, key=repr)
    assert all(type(n) is int for row in rows for n in row[3:])  # not PostgreSQL's numeric


def test_sums_by_each_of_no_rows_is_one_row_of_nothing(db):
    assert _sums(db, PEOPLE, where=lambda c: c.placed > 1) == [(2, None, None, None, None)]
