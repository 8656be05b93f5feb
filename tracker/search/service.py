"""Finding rows whose text holds what was typed, within a role-scoped query. Knows
nothing of HTTP: the view chooses the queries (tracker.access) and the columns (those of
the matching list, so that "show all in the list" shows the same rows)."""
from dataclasses import dataclass

from sqlalchemy import Select, func
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.lists import text_matches

SHOWN = 10  # rows of each kind on the results page; the list shows the rest
MAX_LENGTH = 100  # characters; nobody types a longer name, case number or reference


@dataclass
class Found:
    """The first rows found and how many there are in all."""

    rows: list
    total: int


def find(query: Select, columns: list[ColumnElement], text: str, order: list) -> Found:
    """The first SHOWN rows of `query` (in `order`) holding `text` in one of `columns`,
    case and accents aside, and the number of such rows: one statement, the number
    counted beside each row."""
    matching = (query.where(text_matches(columns, text))
                .add_columns(func.count().over()).order_by(*order).limit(SHOWN))
    rows = db.session.execute(matching).all()
    return Found([row[0] for row in rows], rows[0][1] if rows else 0)
