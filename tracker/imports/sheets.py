"""The sheets of DESIGN §6 — their keys and columns, exactly — and how a cell is read.

Each cell parser takes what the reader gave (text from a CSV file; text, a number or a
date from an XLSX cell) and returns the value, or raises `CellError` with the reason.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from tracker.formatting import number
from tracker.forms import parse_number
from tracker.i18n import gettext as _
from tracker.imports.reader import Formula
from tracker.models.codes import (
    AGE_BANDS,
    AGREEMENT_STATUSES,
    CLAUSE_KINDS,
    CONTRACTOR_ROLES,
    DIMENSIONS,
    EDUCATION_LEVELS,
    FOLLOW_UP_STATUSES,
    FREQUENCIES,
    GENDERS,
    ORG_KINDS,
    OUTCOMES,
    PLACEMENT_KINDS,
    PROJECT_STATUSES,
    READINESS,
    REPORT_STATUSES,
    UNITS,
)
from tracker.validation import contains_cpr, cvr_is_valid, municipalities


class CellError(ValueError):
    """A cell that cannot be read; str(error) is the reason for the user."""


def cpr_message() -> str:
    return _("This looks like a CPR number. CPR numbers must not be stored in the system; "
             "remove the number from the workbook.")


def shown(raw: Any, limit: int = 80) -> str:
    """A cell as the user typed it, for the report; a CPR-shaped number is never repeated."""
    if raw is None:
        return ""
    if isinstance(raw, datetime):
        text = raw.date().isoformat() if raw.time() == time(0) else raw.isoformat(sep=" ")
    elif isinstance(raw, date):
        text = raw.isoformat()
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    else:
        # On one line: the report is read line by line (the command line, the CSV list).
        text = str(raw).strip()
        if contains_cpr(text):
            return "******-****"
        text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    if contains_cpr(text):
        return "******-****"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean(raw: Any) -> Any:
    """Trimmed text or the typed value; None for an empty cell; a formula is refused (text
    that starts with "=" is text: a comment may, and the export writes it as text)."""
    if raw is None:
        return None
    if isinstance(raw, Formula):
        raise CellError(_("A formula, not a value: type the value itself."))
    if isinstance(raw, str):
        text = raw.strip()
        return text or None
    return raw


# --- Parsers ----------------------------------------------------------------------------

Parser = Callable[[Any], Any]


def text(max_length: int) -> Parser:
    """Free text (also names and references): no CPR-shaped numbers, not too long."""

    def parse(raw):
        value = _clean(raw)
        if value is None:
            return None
        if isinstance(value, bool):
            raise CellError(_("Write text here, not TRUE or FALSE."))
        if isinstance(value, (datetime, date)):
            raise CellError(_("Excel has turned this into a date. Format the column as text "
                              "and type the value again."))
        if isinstance(value, float):
            value = str(int(value)) if value.is_integer() else str(value)
        value = str(value)
        if contains_cpr(value):
            raise CellError(cpr_message())
        if len(value) > max_length:
            raise CellError(_("At most %(n)s characters (this has %(length)s).",
                              n=max_length, length=len(value)))
        return value

    return parse


def cvr(raw):
    """A CVR number: 8 digits, modulus-11 check digit; spaces are dropped."""
    value = text(20)(raw)
    if value is None:
        return None
    value = value.replace(" ", "")
    if not cvr_is_valid(value):
        raise CellError(_("Not a valid CVR number: 8 digits with a valid check digit "
                          "(modulus 11). Check the number against the CVR register."))
    return value


def code(mapping: dict) -> Parser:
    """One of the code values of DESIGN §3-§4 (upper or lower case)."""

    def parse(raw):
        value = text(50)(raw)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in mapping:
            raise CellError(_("Not one of the allowed values: %(codes)s.",
                              codes=", ".join(mapping)))
        return lowered

    return parse


def municipality_code(raw):
    """A kommunekode of one of the 98 municipalities (three digits)."""
    value = text(10)(raw)
    if value is None:
        return None
    value = value.zfill(3) if value.isdigit() else value
    if value not in municipalities():
        raise CellError(_("%(code)s is not a Danish municipality code (kommunekode).",
                          code=value))
    return value


def email(raw):
    """An e-mail address as the forms take it (its form is checked, not that it exists)."""
    value = text(254)(raw)
    if value is None:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise CellError(_("Not a valid e-mail address, e.g. navn@example.dk.")) from None
    return value


PSEUDONYM = re.compile(r"P-[0-9A-Z]{1,10}")


def pseudonym(raw):
    """A participant's pseudonym as the system draws them, e.g. P-7KQ2MX."""
    value = text(12)(raw)
    if value is None:
        return None
    value = value.upper()
    if not PSEUDONYM.fullmatch(value):
        raise CellError(_("A pseudonym is P- followed by letters and digits, e.g. P-7KQ2MX."))
    return value


def lines(max_lines: int = 30, max_length: int = 500) -> Parser:
    """A list of short texts, one per line of the cell (as the form's text box takes them);
    empty lines are dropped."""
    whole = text(max_lines * (max_length + 2))

    def parse(raw):
        value = whole(raw)
        if value is None:
            return None
        items = [line.strip() for line in value.splitlines() if line.strip()]
        if len(items) > max_lines:
            raise CellError(_("Write at most %(n)s lines.", n=max_lines))
        if any(len(item) > max_length for item in items):
            raise CellError(_("Each line may have at most %(n)s characters.", n=max_length))
        return items

    return parse


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DANISH = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})")


def a_date(raw):
    """ISO YYYY-MM-DD, an Excel date cell, or the Danish DD-MM-YYYY Excel writes in CSV."""
    value = _clean(raw)
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise CellError(_("The cell holds a time of day as well; write only the date "
                              "(YYYY-MM-DD)."))
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        iso, danish = _ISO.fullmatch(value), _DANISH.fullmatch(value)
        parts = (iso.group(1, 2, 3) if iso else
                 (danish.group(3), danish.group(2), danish.group(1)) if danish else None)
        if parts:
            try:
                return date(*(int(p) for p in parts))
            except ValueError:
                raise CellError(_("There is no such date.")) from None
    raise CellError(_("Write the date as YYYY-MM-DD, e.g. 2026-03-31."))


def _decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("Write a number, e.g. 37,5."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (datetime, date)):
        raise CellError(_("Write a number, not a date."))
    try:
        return parse_number(str(value))
    except (ValueError, InvalidOperation):
        raise CellError(_("Write a number, e.g. 37,5.")) from None


def integer(minimum: int | None = 0, maximum: int | None = None, example: int = 12) -> Parser:
    def parse(raw):
        value = _clean(raw)
        if value is None:
            return None
        try:
            number_ = _decimal(value)
        except CellError:
            number_ = None
        if number_ is None or number_ != number_.to_integral_value():
            raise CellError(_("Write a whole number, e.g. %(example)s.", example=example))
        result = int(number_)
        _check_range(result, minimum, maximum)
        return result

    return parse


def _check_range(value, minimum, maximum) -> None:
    if minimum is not None and value < minimum:
        raise CellError(_("The number cannot be negative.") if minimum == 0
                        else _("The number must be at least %(n)s.", n=minimum))
    if maximum is not None and value > maximum:
        raise CellError(_("The number is too large."))


def decimal(places: int, minimum: Decimal | None = Decimal(0),
            maximum: Decimal | None = None) -> Parser:
    """A number with at most `places` decimals; Danish decimal comma in text."""

    def parse(raw):
        value = _clean(raw)
        if value is None:
            return None
        result = _decimal(value)
        if not result.is_finite():
            raise CellError(_("Write a number, e.g. 37,5."))
        rounded = result.quantize(Decimal(1).scaleb(-places))
        # A float from Excel may carry noise in the last digits (0.1 + 0.2).
        tolerance = Decimal("1e-9") if isinstance(value, float) else Decimal(0)
        if abs(rounded - result) > tolerance:
            raise CellError(_("Use at most %(n)s decimals.", n=places))
        _check_range(rounded, minimum, maximum)
        return rounded

    return parse


# --- The sheets -------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    """A column of a sheet: its name in the header, its parser, required for new rows,
    its default."""

    name: str
    parse: Parser
    required: bool = False
    # The value of an empty cell, and of a new row when the column is left out (a key
    # column with a default may be left out altogether).
    default: Any = None


@dataclass(frozen=True)
class SheetSpec:
    name: str
    key: tuple[str, ...]
    columns: tuple[Col, ...]  # the key columns first, then DESIGN §6's order

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def index(self, column: str) -> int:
        return self.names.index(column)

    def key_of(self, values) -> Any:
        """The natural key of a row (values in column order): a string, or a tuple."""
        parts = tuple(values[self.index(k)] for k in self.key)
        return parts[0] if len(parts) == 1 else parts

    def key_text(self, key) -> str:
        return " / ".join(display(k) for k in key) if isinstance(key, tuple) else str(key)


REF = text(50)
MAX_AMOUNT = Decimal("9999999999999.99")  # Numeric(15, 2), as the form
MAX_TARGET = Decimal("9999999999.99")
MAX_HOURS = Decimal("99999999")
MAX_WEEKS = Decimal("99999")
OCCURRENCE = integer(1, 999, example=1)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("organisations", ("cvr",), (
        Col("cvr", cvr, True),
        Col("name", text(200), True),
        Col("kind", code(ORG_KINDS), True),
        Col("municipality_code", municipality_code),
        Col("email", email),
    )),
    SheetSpec("housing_areas", ("name",), (
        Col("name", text(200), True),
        Col("municipality_cvr", cvr, True),
    )),
    SheetSpec("projects", ("case_number",), (
        Col("case_number", REF, True),
        Col("name", text(200), True),
        Col("housing_area", text(200), True),
        Col("builder_cvr", cvr, True),
        Col("start", a_date, True),
        Col("end", a_date, True),
        Col("contract_sum", decimal(2, maximum=MAX_AMOUNT)),
        Col("craft_cost", decimal(2, maximum=MAX_AMOUNT)),
        Col("status", code(PROJECT_STATUSES), default="active"),
    )),
    SheetSpec("project_contractors", ("case_number", "contractor_cvr"), (
        Col("case_number", REF, True),
        Col("contractor_cvr", cvr, True),
        Col("role", code(CONTRACTOR_ROLES), True),
    )),
    SheetSpec("agreements", ("ref",), (
        Col("ref", REF, True),
        Col("case_number", REF, True),
        Col("title", text(200), True),
        Col("signed_on", a_date),
        Col("status", code(AGREEMENT_STATUSES), True),
    )),
    SheetSpec("agreement_parties", ("agreement_ref", "organisation_cvr"), (
        Col("agreement_ref", REF, True),
        Col("organisation_cvr", cvr, True),
        Col("role", text(100), True),
        Col("contributions", lines()),
        Col("benefits", lines()),
    )),
    SheetSpec("clauses", ("ref",), (
        Col("ref", REF, True),
        Col("agreement_ref", REF, True),
        Col("kind", code(CLAUSE_KINDS), True),
        Col("unit", code(UNITS), True),
        Col("target", decimal(2, maximum=MAX_TARGET), True),
        Col("responsible_cvr", cvr),
        Col("start", a_date),
        Col("end", a_date),
        Col("frequency", code(FREQUENCIES), True),
        Col("text", text(10000)),
        Col("reporting_from", a_date),
    )),
    SheetSpec("participants", ("ref",), (
        Col("ref", REF, True),
        Col("name", text(200), True),
        Col("birth_year", integer(None, None, example=1985)),
        Col("gender", code(GENDERS)),
        Col("housing_area", text(200)),
        Col("municipality_cvr", cvr),
        Col("benefit", text(40)),
        Col("intake_date", a_date, True),
        Col("consent_date", a_date),
        Col("consent_scope", text(2000)),
        Col("email", email),
        Col("phone", text(40)),
        Col("readiness", code(READINESS)),
        Col("months_unemployed", integer(0, 1200, example=18)),
        Col("education_level", code(EDUCATION_LEVELS)),
        Col("pseudonym", pseudonym),
        Col("anonymised_on", a_date),
        Col("intake_age_band", code(AGE_BANDS)),
    )),
    SheetSpec("placements", ("ref",), (
        Col("ref", REF, True),
        Col("participant_ref", REF, True),
        Col("kind", code(PLACEMENT_KINDS), True),
        Col("employer_cvr", cvr, True),
        Col("case_number", REF),
        Col("trade", text(100)),
        Col("start", a_date, True),
        Col("planned_end", a_date),
        Col("end", a_date),
        Col("hours_per_week", decimal(1, maximum=Decimal(999)), True),
        Col("outcome", code(OUTCOMES)),
        Col("next_ref", REF),
    )),
    SheetSpec("follow_ups", ("placement_ref", "months"), (
        Col("placement_ref", REF, True),
        Col("months", integer(None, None, example=6), True),
        Col("status", code(FOLLOW_UP_STATUSES), True),
        Col("follow_up_date", a_date, True),
        Col("note", text(4000)),
    )),
    # Two assessments of one participant on one day (entered twice) are told apart by
    # `occurrence`: 1 unless written otherwise.
    SheetSpec("progress_assessments", ("participant_ref", "assessed_on", "occurrence"), (
        Col("participant_ref", REF, True),
        Col("assessed_on", a_date, True),
        Col("occurrence", OCCURRENCE, default=1),
        *(Col(dimension, integer(None, None, example=5)) for dimension in DIMENSIONS),
        Col("note", text(4000)),
    )),
    SheetSpec("contractor_reports", ("ref",), (
        Col("ref", REF, True),
        Col("clause_ref", REF, True),
        Col("contractor_cvr", cvr, True),
        Col("period_start", a_date, True),
        Col("period_end", a_date, True),
        Col("persons", integer(0, 100_000, example=3)),
        Col("weeks", decimal(2, maximum=MAX_WEEKS)),
        Col("hours", decimal(2, maximum=MAX_HOURS)),
        Col("site_hours", decimal(2, maximum=MAX_HOURS)),
        Col("status", code(REPORT_STATUSES), True),
        Col("comment", text(4000)),
        Col("review_note", text(4000)),
    )),
    SheetSpec("evaluations", ("agreement_ref", "year"), (
        Col("agreement_ref", REF, True),
        Col("year", integer(None, None, example=2025), True),
        Col("findings", text(20000)),
        Col("promoting_factors", text(20000)),
        Col("hindering_factors", text(20000)),
    )),
    # An action is known by its evaluation and its text; `occurrence` as for assessments.
    SheetSpec("evaluation_actions", ("agreement_ref", "year", "description", "occurrence"), (
        Col("agreement_ref", REF, True),
        Col("year", integer(None, None, example=2025), True),
        Col("description", text(2000), True),
        Col("occurrence", OCCURRENCE, default=1),
        Col("owner", text(200), True),
        Col("due", a_date, True),
        Col("done_on", a_date),
    )),
)
SPECS = {s.name: s for s in SHEETS}


def display(value: Any) -> str:
    """A parsed value as the preview shows it: ISO dates, Danish numbers."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        places = max(-value.normalize().as_tuple().exponent, 0)
        return number(value, places)
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)
