"""Danish (and English) number, money, percent and date formatting for templates and PDFs."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal, get_locale

from tracker.models import codes


def _is_danish() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "da"


def number(value, decimals: int = 0) -> str:
    """1.234,5 in Danish, 1,234.5 in English; '' for None."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(str(value)), pattern)


def money(value) -> str:
    """1.234.567 kr. (whole kroner)."""
    if value is None:
        return ""
    return f"{number(value)} kr." if _is_danish() else f"DKK {number(value)}"


def percent(value, decimals: int = 1) -> str:
    """40,0 % in Danish, 40.0% in English."""
    if value is None:
        return ""
    return f"{number(value, decimals)} %" if _is_danish() else f"{number(value, decimals)}%"


def short_date(value: date | None) -> str:
    """30.06.2026 in tables."""
    if value is None:
        return ""
    return format_date(value, "dd.MM.yyyy" if _is_danish() else "d MMM yyyy")


def long_date(value: date | None) -> str:
    """30. juni 2026 in running text."""
    if value is None:
        return ""
    return format_date(value, "d. MMMM yyyy" if _is_danish() else "d MMMM yyyy")


def timestamp(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "dd.MM.yyyy HH:mm" if _is_danish() else "d MMM yyyy HH:mm")


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
    from flask_babel import gettext as _

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
