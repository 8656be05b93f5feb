"""Lists with search, filters, sortable columns, pagination and CSV/XLSX export.

One `ListSpec` describes a list; the page and its exports are both produced from it, so
an export holds exactly the rows and columns the filtered list shows (all its pages). A list
that shows residents names the participant of a row (`participant_of`): every page of it
shown is then one access-log event naming the participants on that page (its exports are
logged by the view, one event per exported participant).

A filter by record (contractor, builder, project, …) is a drop-down while it has at most
`SELECT_MAX` options; with more it is a text field matched against the options' names, and
a link with the record's id (`?contractor=12`) shows the chosen name with a way to clear it.
Both go through the same role-scoped query of options (`Records`), so nobody is offered, or
can filter by, a name outside their scope.
"""
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, flash, render_template, request
from openpyxl import Workbook
from sqlalchemy import Select, false, func, inspect, or_, select
from sqlalchemy.sql.elements import ColumnElement

from tracker.audit import record_list_view
from tracker.extensions import db
from tracker.formatting import cell
from tracker.forms import choices as code_choices
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.urls import page_number, parse_id
from tracker.validation import contains_cpr

PER_PAGE = 25
EXPORT_FORMATS = ("csv", "xlsx")
SELECT_MAX = 50  # a filter by record with more options than this is a text field
MATCHES_SHOWN = 10  # names matching the typed text, shown as links to choose one


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) for names holding `text` as typed."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Accented letters typed without their accent still match ("Jose" finds "José", "Ozturk"
# finds "Öztürk"). Æ, ø and å are Danish letters of their own and stay. PostgreSQL has
# translate(); SQLite gets the same function from the app (tracker/__init__.py), so both
# run the same query.
ACCENTED = "áàâäãéèêëíìîïóòôöõúùûüýÿçñšžčćğş"
UNACCENTED = "aaaaaeeeeiiiiooooouuuuyycnszccgs"
_UNACCENT = str.maketrans(ACCENTED, UNACCENTED)


def folded(column: ColumnElement) -> ColumnElement:
    """A text column lower-cased and without accents, in SQL."""
    return func.translate(func.lower(column), ACCENTED, UNACCENTED)


def fold(text: str) -> str:
    """Typed text lower-cased and without accents, as `folded` makes a column."""
    return text.lower().translate(_UNACCENT)


def text_matches(columns: list[ColumnElement], text: str) -> ColumnElement:
    """Rows where one of `columns` holds `text`: case and accents aside, and % and _ as the
    characters typed, never as wildcards."""
    pattern = like_pattern(fold(text))
    return or_(*(folded(c).like(pattern, escape="\\") for c in columns))


def named_list(names: list[str]) -> str:
    """The first MATCHES_SHOWN names, separated by semicolons (names hold commas: "Jensen,
    Berg ApS"), with "…" when there were more."""
    shown = "; ".join(names[:MATCHES_SHOWN])
    return shown + (" …" if len(names) > MATCHES_SHOWN else "")


def record_id(raw: str) -> int | None:
    """A filter value that is a record's id (a link's `?contractor=12`), else None: the
    value is then a name typed."""
    return parse_id(raw)


@dataclass
class Column:
    """A column: its header, how to read the value from a row, and what it sorts by."""

    key: str
    label: Any
    value: Callable[[Any], Any]
    sort: ColumnElement | None = None
    numeric: bool = False
    link: Callable[[Any], str] | None = None
    page: bool = True  # False: in the exports only, where width costs nothing
    shown: Callable[[Any], str] = cell  # the value as the page shows it (exports keep it typed)


@dataclass
class Records:
    """What a filter by record chooses among: `query()` makes a Select of (id, label
    columns…) of the records within the current user's scope, ordered for showing; typed
    text is matched against the `search` columns; `label` makes an option's name from a row."""

    query: Callable[[], Select]
    search: list[ColumnElement]
    label: Callable[[Any], str] = lambda row: row[1]

    def named(self, text: str) -> Select:
        """The options whose name holds `text` (case-insensitive)."""
        return self.query().where(text_matches(self.search, text))

    def ids_named(self, text: str) -> Select:
        """The ids of `named(text)`, for a condition. A derived table, so that no table of
        the list's own query is correlated into it."""
        named = self.named(text).order_by(None)
        inner = named.with_only_columns(named.selected_columns[0],
                                        maintain_column_froms=True).subquery("named")
        return select(inner.c[0])

    def one(self, ident: int) -> Select:
        query = self.query()
        return query.where(query.selected_columns[0] == ident)

    def find(self, text: str, exact: ColumnElement | None = None) -> list:
        """The options typed `text` stands for, for a form's field: the one whose `exact`
        column (a reference, a CVR number) is the text, else the one whose whole name it is,
        else those with the text in their name (at most MATCHES_SHOWN + 1 rows)."""
        if exact is not None:
            rows = db.session.execute(self.query().where(exact == text).limit(2)).all()
            if rows:
                return rows
        whole = or_(*(func.lower(c) == text.lower() for c in self.search))
        rows = db.session.execute(self.query().where(whole).limit(2)).all()
        if len(rows) == 1:
            return rows
        return db.session.execute(self.named(text).limit(MATCHES_SHOWN + 1)).all()


class TypedRecords:
    """For a form whose `<key>_id` drop-down becomes the `<key>_name` text field when there
    are more records than a drop-down holds. The form keeps `shown` (key → the record whose
    name the text field shows) and `_unknown` (keys whose sent id is no choice of the user's)."""

    shown: dict[str, int]
    _unknown: set[str]

    def typed_instead(self, key: str, records: Records) -> None:
        """The `key_name` text field instead of the `key_id` drop-down. An id sent with it
        (a link's `?project_id=12`, the choice shown as text) stands while the text is its
        name or was not sent."""
        raw = (self[f"{key}_id"].raw_data or [""])[0].strip()
        del self[f"{key}_id"]
        text = self[f"{key}_name"]
        ident = record_id(raw)
        row = db.session.execute(records.one(ident)).first() if ident is not None else None
        if row is None:
            if raw and not text.raw_data:
                self._unknown.add(key)
            return
        if not text.raw_data:
            text.data = records.label(row)
        if text.data == records.label(row):
            self.shown[key] = row.id


@dataclass
class Filter:
    """A filter from the query string: choices (code→label, a callable, or `Records`) and
    the condition. A `Records` filter's condition receives the chosen ids: a list of one
    id, or a Select of the ids whose names match the typed text."""

    key: str
    label: Any
    condition: Callable[[Any], ColumnElement]
    options: dict | Callable[[], list] | Records = field(default_factory=dict)
    kind: str = "select"  # select | record | date_from | date_to

    def __post_init__(self):
        if isinstance(self.options, Records):
            self.kind = "record"

    def choices(self) -> list:
        opts = self.options() if callable(self.options) else self.options
        return code_choices(dict(opts), blank=str(_l("All")))

    def ids(self, raw: str):
        """A record filter's value as ids: an id from a link, else the options named so."""
        ident = record_id(raw)
        return [ident] if ident is not None else self.options.ids_named(raw)


@dataclass
class Control:
    """How one filter shows on the page: a drop-down (`select`), a text field (`text`, with
    the names matching what was typed), a chosen record (`chosen`) or a date field."""

    filter: Filter
    kind: str
    value: str
    choices: list = field(default_factory=list)
    chosen: str | None = None
    matches: list[tuple[str, str]] = field(default_factory=list)
    more: bool = False
    typed: bool = False  # the value is a name typed: the matching names are shown


@dataclass
class ListSpec:
    columns: list[Column]
    search: list[ColumnElement] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = ""
    search_label: Any = _l("Search")
    # For a list of residents: a row's participant id, and what the access log calls the list.
    participant_of: Callable[[Any], int] | None = None
    audit_entity: str = ""

    def state(self) -> dict:
        """The list's current search, filter values and sort, from the query string. A
        search or filter holding a CPR-shaped number is refused: it is dropped (never sent
        to the database nor shown again), and the list shows no rows and says why."""
        state = {
            "q": request.args.get("q", "").strip(),
            "filters": {f.key: request.args.get(f.key, "").strip() for f in self.filters},
            "sort": request.args.get("sort", self.default_sort),
            "refused": False,
        }
        if contains_cpr(state["q"]):
            state["q"], state["refused"] = "", True
        for key, value in state["filters"].items():
            if contains_cpr(value):
                state["filters"][key], state["refused"] = "", True
        if state["refused"] and request.args.get("export") is None:
            flash(_("The search looks like a CPR number and was not run. CPR numbers must "
                    "not be used in the system; search by name or reference."), "error")
        return state

    def apply(self, query: Select, state: dict) -> Select:
        """Add the search, filters and order to a (role-scoped) query."""
        if state.get("refused"):
            query = query.where(false())
        if state["q"] and self.search:
            query = query.where(text_matches(self.search, state["q"]))
        for flt in self.filters:
            raw = state["filters"].get(flt.key)
            if raw:
                if flt.kind in ("date_from", "date_to"):
                    try:
                        raw = date.fromisoformat(raw)
                    except ValueError:
                        continue  # an unreadable date filters nothing
                elif flt.kind == "record":
                    raw = flt.ids(raw)
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

    def filter(self, key: str) -> Filter:
        return next(f for f in self.filters if f.key == key)

    def matches(self, flt: Filter, state: dict) -> tuple[list[tuple[str, str]], bool]:
        """The first options named like the typed value of a record filter, as (id, name),
        and whether there are more; one statement, kept in `state` for the page."""
        found = state.setdefault("matches", {})
        if flt.key not in found:
            records = flt.options
            rows = db.session.execute(
                records.named(state["filters"][flt.key]).limit(MATCHES_SHOWN + 1)).all()
            found[flt.key] = ([(str(r[0]), records.label(r)) for r in rows[:MATCHES_SHOWN]],
                              len(rows) > MATCHES_SHOWN)
        return found[flt.key]

    def controls(self, state: dict) -> list[Control]:
        """The filters as the page shows them. A record filter costs one statement (two for
        a chosen record among many); its options are read only when there are few."""
        if "controls" not in state:
            state["controls"] = [self._control(f, state["filters"].get(f.key, ""), state)
                                 for f in self.filters]
        return state["controls"]

    def _control(self, flt: Filter, raw: str, state: dict) -> Control:
        if flt.kind in ("date_from", "date_to"):
            return Control(flt, "date", raw)
        if flt.kind != "record":
            return Control(flt, "select", raw, choices=self._choices(flt))
        records = flt.options
        ident = record_id(raw)
        if raw and ident is None:
            matches, more = self.matches(flt, state)
            return Control(flt, "text", raw, matches=matches, more=more, typed=True)
        options = self._options(records)
        if len(options) <= SELECT_MAX:
            return Control(flt, "select", raw, choices=[("", str(_l("All"))), *options])
        if not raw:
            return Control(flt, "text", "")
        chosen = dict(options).get(raw)
        if chosen is None:
            row = db.session.execute(records.one(ident)).first()
            chosen = records.label(row) if row is not None else None
        if chosen is None:  # not a record the user may see: shown as typed
            return Control(flt, "text", raw)
        return Control(flt, "chosen", raw, chosen=chosen)

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

    @staticmethod
    def _choices(flt: Filter) -> list:
        return [(c.value, str(c.label)) for c in flt.choices()]

    @staticmethod
    def _options(records: Records) -> list:
        """A record filter's first options (one more than a drop-down holds), as (id, name)."""
        rows = db.session.execute(records.query().limit(SELECT_MAX + 1)).all()
        return [(str(r[0]), records.label(r)) for r in rows]

    def page(self, query: Select, state: dict):
        """The page of rows the query string asks for, with the list's length."""
        return db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False,
                           max_per_page=PER_PAGE)

    def respond(self, query: Select, state: dict, filename: str, template: str,
                access_purpose: str | None = None, **context):
        """The list page, or its CSV/XLSX export when the query string asks for one. A page
        of residents is logged with `access_purpose` and committed."""
        query = self.stable(query, state)
        fmt = request.args.get("export")
        if fmt in EXPORT_FORMATS:
            return export_response(self, query, fmt, filename)
        page = self.page(query, state)
        if self.participant_of is None:
            return render_template(template, spec=self, page=page, state=state, **context)
        record_list_view(db.session, self.audit_entity,
                         [self.participant_of(row) for row in page.items], access_purpose)
        # Rendered before the commit: a commit would expire the rows and load them again.
        html = render_template(template, spec=self, page=page, state=state, **context)
        db.session.commit()
        return html

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
