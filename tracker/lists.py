"""Lists with search, filters, sortable columns, pagination and CSV/XLSX export.

One `ListSpec` describes a list; the page and its exports are both produced from it, so
an export holds exactly the rows and columns the filtered list shows (all its pages).
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import Select, inspect, or_
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.forms import choices as code_choices

PER_PAGE = 25
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class Column:
    """A column: its header, how to read the value from a row, and what it sorts by."""

    key: str
    label: Any
    value: Callable[[Any], Any]
    sort: ColumnElement | None = None
    numeric: bool = False
    link: Callable[[Any], str] | None = None


@dataclass
class Filter:
    """A filter from the query string: choices (code→label or callable) and the condition."""

    key: str
    label: Any
    condition: Callable[[str], ColumnElement]
    options: dict | Callable[[], list] = field(default_factory=dict)
    kind: str = "select"  # select | date_from | date_to

    def choices(self) -> list:
        opts = self.options() if callable(self.options) else self.options
        return code_choices(dict(opts), blank=str(_l("All")))


@dataclass
class ListSpec:
    columns: list[Column]
    search: list[ColumnElement] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = ""
    search_label: Any = _l("Search")

    def state(self) -> dict:
        """The list's current search, filter values and sort, from the query string."""
        return {
            "q": request.args.get("q", "").strip(),
            "filters": {f.key: request.args.get(f.key, "").strip() for f in self.filters},
            "sort": request.args.get("sort", self.default_sort),
        }

    def apply(self, query: Select, state: dict) -> Select:
        """Add the search, filters and order to a (role-scoped) query."""
        if state["q"] and self.search:
            like = f"%{state['q']}%"
            query = query.where(or_(*(col.ilike(like) for col in self.search)))
        for flt in self.filters:
            raw = state["filters"].get(flt.key)
            if raw:
                if flt.kind in ("date_from", "date_to"):
                    try:
                        raw = date.fromisoformat(raw)
                    except ValueError:
                        continue  # an unreadable date filters nothing
                query = query.where(flt.condition(raw))
        sort_key = state["sort"].lstrip("-")
        column = next((c for c in self.columns if c.key == sort_key and c.sort is not None), None)
        if column is None:
            column = next((c for c in self.columns if c.key == self.default_sort.lstrip("-")), None)
            state["sort"] = self.default_sort
        if column is not None:
            order = column.sort.desc() if state["sort"].startswith("-") else column.sort.asc()
            query = query.order_by(order)
        return query

    @staticmethod
    def stable(query: Select, state: dict) -> Select:
        """The query ordered last by its rows' primary key: rows with the same values (two
        residents of the same name) keep one order, so none shows on two pages or on none.
        In the sort's direction, so an index on the sorted column serves both."""
        entity = query.column_descriptions[0].get("entity")
        if entity is None:
            return query
        descending = state.get("sort", "").startswith("-")
        return query.order_by(*(key.desc() if descending else key.asc()
                                for key in inspect(entity).primary_key))

    def page(self, query: Select):
        return db.paginate(query, per_page=PER_PAGE, error_out=False, max_per_page=PER_PAGE)

    def respond(self, query: Select, state: dict, filename: str, template: str, **context):
        """The list page, or its CSV/XLSX export when the query string asks for one."""
        query = self.stable(query, state)
        fmt = request.args.get("export")
        if fmt in EXPORT_FORMATS:
            return export_response(self, query, fmt, filename)
        return render_template(template, spec=self, page=self.page(query), state=state,
                               **context)

    def rows(self, query: Select):
        """Every row of the filtered list, streamed in batches (for exports)."""
        return db.session.scalars(query.execution_options(yield_per=500))


def _cell(value):
    """A value as an export cell: strings for labels, dates and numbers kept typed."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime, int, float, Decimal, bool)):
        return value
    return str(value)


def _csv_text(value) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, float)):
        return f"{value}".replace(".", ",")  # Danish Excel reads decimal commas
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


def export_response(spec: ListSpec, query: Select, fmt: str, filename: str) -> Response:
    """The filtered list as CSV (semicolon, UTF-8 with BOM, for Danish Excel) or XLSX."""
    headers = [str(c.label) for c in spec.columns]
    rows = ([_cell(c.value(obj)) for c in spec.columns] for obj in spec.rows(query))
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(filename[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append([_xlsx_safe(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        body, mimetype = buffer.getvalue(), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
        body, mimetype = "\ufeff" + buffer.getvalue(), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_safe(value):
    if isinstance(value, str) and value[:1] == "=":
        return "'" + value  # never a formula
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value
