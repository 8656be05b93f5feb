"""Danish (and English) number, money, percent and date formatting for templates and PDFs."""
from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from tracker.i18n import locale as get_locale
from tracker.i18n import timezone as user_timezone
from tracker.models import codes

DANISH = Locale.parse("da")


def _locale() -> Locale:
    """The user's language; Danish outside a request (a job or a command)."""
    return get_locale() or DANISH


def _is_danish() -> bool:
    return _locale().language == "da"


def number(value, decimals: int = 0) -> str:
    """1.234,5 in Danish, 1,234.5 in English; '' for None.

    The value goes through its decimal text so that a float is rounded as written
    (half to even, as Babel does), not as its binary approximation."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(str(value)), pattern, locale=_locale())


def kroner(value) -> str:
    """An amount as stored, øre included when there are any: 1.234.567 or 1.234.567,50.
    Never rounded to whole kroner, so what was entered is what is shown."""
    if value is None:
        return ""
    value = Decimal(str(value))
    return number(value, 0 if value == value.to_integral_value() else 2)


def money(value) -> str:
    """1.234.567 kr., or 1.234.567,50 kr. with øre."""
    if value is None:
        return ""
    return f"{kroner(value)} kr." if _is_danish() else f"DKK {kroner(value)}"


def percent(value, decimals: int = 1) -> str:
    """40,0 % in Danish, 40.0% in English (the value is already a percentage)."""
    if value is None:
        return ""
    return f"{number(value, decimals)} %" if _is_danish() else f"{number(value, decimals)}%"


def _date(value: date | datetime, danish: str, english: str) -> str:
    """A date in the user's pattern; a datetime is first moved into the user's time zone
    (a naive one is UTC), so a moment shows as the day it was in Denmark."""
    locale = _locale()
    pattern = danish if locale.language == "da" else english
    if isinstance(value, datetime):
        return format_datetime(value, pattern, tzinfo=user_timezone(), locale=locale)
    return format_date(value, pattern, locale=locale)


def short_date(value: date | None) -> str:
    """30.06.2026 in tables."""
    if value is None:
        return ""
    return _date(value, "dd.MM.yyyy", "d MMM yyyy")


def long_date(value: date | None) -> str:
    """30. juni 2026 in running text."""
    if value is None:
        return ""
    return _date(value, "d. MMMM yyyy", "d MMMM yyyy")


def timestamp(value: datetime | None) -> str:
    """30.06.2026 14:05 in the user's time zone (a naive value is UTC)."""
    if value is None:
        return ""
    return _date(value, "dd.MM.yyyy HH:mm", "d MMM yyyy HH:mm")


LABELS = {
    "role": codes.ROLES, "org_kind": codes.ORG_KINDS, "project_status": codes.PROJECT_STATUSES,
    "contractor_role": codes.CONTRACTOR_ROLES, "placement_kind": codes.PLACEMENT_KINDS,
    "clause_kind": codes.CLAUSE_KINDS, "unit": codes.UNITS, "clause_status": codes.CLAUSE_STATUSES,
    "frequency": codes.FREQUENCIES, "report_status": codes.REPORT_STATUSES,
    "agreement_status": codes.AGREEMENT_STATUSES, "gender": codes.GENDERS,
    "readiness": codes.READINESS, "education_level": codes.EDUCATION_LEVELS,
    "outcome": codes.OUTCOMES, "follow_up_status": codes.FOLLOW_UP_STATUSES,
    "dimension": codes.DIMENSIONS, "benefit": codes.BENEFITS, "document_kind": codes.DOCUMENT_KINDS,
}


def code_label(code, field: str) -> str:
    """The word users read for a code value: {{ p.kind|label('placement_kind') }}."""
    return codes.label(LABELS[field], code)


def cell(value) -> str:
    """A list cell: dates, numbers and booleans in the user's format, the rest as text."""
    from tracker.i18n import gettext as _

    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return short_date(value)
    if isinstance(value, int):
        return number(value)
    if isinstance(value, (Decimal, float)):
        return number(value, 0 if value == int(value) else 1)
    return str(value)


def register(app) -> None:
    app.jinja_env.filters.update(
        number=number, money=money, percent=percent, date=short_date, long_date=long_date,
        timestamp=timestamp, label=code_label, cell=cell,
    )
