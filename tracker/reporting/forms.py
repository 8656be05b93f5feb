"""Forms for contractor reports: the report (and its corrections) and the review."""
from datetime import date
from decimal import Decimal

from wtforms import (
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import NumberInput

from tracker.formatting import long_date, number
from tracker.forms import (
    Form,
    MultiCheckboxField,
    NumberField,
    VersionField,
    no_cpr,
    no_participant_names,
)
from tracker.i18n import lazy_gettext as _l
from tracker.models import Clause
from tracker.reporting.service import Period, clause_periods

MAX_FILES = 20
MAX_PERSONS = 100_000
MAX_WEEKS = Decimal("99999")  # weeks is NUMERIC(10, 2)
MAX_HOURS = Decimal("99999999")  # hours and site hours are NUMERIC(12, 2)
NEGATIVE = _l("The number cannot be negative.")
TOO_LARGE = _l("The number is too large.")

# Which figure each clause unit is measured by; that figure must be given.
REQUIRED_BY_UNIT = {
    "persons": ("persons",),
    "weeks": ("weeks",),
    "hours": ("hours",),
    "apprentice_years": ("hours",),
    "percent_hours": ("hours", "site_hours"),
}


def plain_number(value: Decimal) -> str:
    """A figure with the decimals it has: 12.400 · 37,5 · 906,25."""
    shown = max(0, -value.normalize().as_tuple().exponent)
    return number(value, min(shown, 2))


def _period_text(period: Period) -> str:
    return f"{long_date(period.start)} – {long_date(period.end)}"


class ReportForm(Form):
    """A contractor's report on one clause and period (a correction is the same form)."""

    period = SelectField(_l("Period"), validate_choice=False)
    persons = IntegerField(_l("Persons (local hires)"), widget=NumberInput(min=0), validators=[
        Optional(), NumberRange(min=0, message=NEGATIVE),
        NumberRange(max=MAX_PERSONS, message=TOO_LARGE)])
    weeks = NumberField(_l("Weeks (local hires)"), maximum=MAX_WEEKS,
                        message=_l("Write a number, e.g. 12,5."))
    hours = NumberField(_l("Hours (local hires)"), maximum=MAX_HOURS,
                        message=_l("Write a number, e.g. 12,5."))
    site_hours = NumberField(_l("Total site hours"), maximum=MAX_HOURS,
                             message=_l("Write a number, e.g. 12,5."))
    # The builder reads approved comments (the clause status report): no names in them.
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000), no_cpr,
                                                       no_participant_names])
    evidence = MultipleFileField(_l("Evidence"))
    keep_evidence = MultiCheckboxField(_l("Keep evidence from the version you correct"),
                                       coerce=int, validate_choice=False)
    # The version the contractor saw when opening the form (0: none); a newer one meanwhile
    # means someone else reported on the same period.
    based_on = HiddenField()

    def __init__(self, *args, clause: Clause, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.clause = clause
        self.today = today
        self.chosen_period: Period | None = None

    def set_period_choices(self, periods: list[tuple[Period, str]]) -> None:
        """Offer the given periods, each with a note on what was reported for it."""
        self.period.choices = [(p.start.isoformat(), label) for p, label in periods]

    def validate_period(self, field) -> None:
        try:
            start = date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(_l("Choose one of the clause's reporting periods.")) from None
        periods = clause_periods(self.clause)
        if not periods or start < periods[0].start or start > periods[-1].end:
            raise ValidationError(_l(
                "The period is outside the clause's period (%(period)s). Choose one of the "
                "clause's reporting periods.",
                period=_period_text(Period(self.clause.period_start, self.clause.period_end,
                                           self.clause.frequency))))
        period = next((p for p in periods if p.start == start), None)
        if period is None:
            raise ValidationError(_l("Choose one of the clause's reporting periods."))
        if period.start > self.today:
            raise ValidationError(_l(
                "The period has not begun yet; you can report on it from %(day)s.",
                day=long_date(period.start)))
        self.chosen_period = period

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        unit = self.clause.unit
        for name in REQUIRED_BY_UNIT[unit]:
            field = self[name]
            if field.data is None and not field.errors:
                field.errors.append(_l(
                    "The clause is measured in %(unit)s, so this figure is required "
                    "(write 0 when there is none).", unit=str(UNIT_WORDS[unit])))
                valid = False
        hours, site = self.hours.data, self.site_hours.data
        if hours is not None and site is not None and site < hours and not self.site_hours.errors:
            self.site_hours.errors.append(_l(
                "The total site hours cannot be lower than the hours of local hires (%(hours)s).",
                hours=plain_number(hours)))
            valid = False
        return valid


UNIT_WORDS = {
    "persons": _l("persons"),
    "weeks": _l("weeks"),
    "hours": _l("hours"),
    "apprentice_years": _l("apprentice years (from the hours)"),
    "percent_hours": _l("share of site hours (hours and total site hours)"),
}


class ReviewForm(Form):
    """Approve a submitted report, or return it with a reason; secretariat only."""

    # No Optional(): it would stop the chain before the reason check below.
    review_note = TextAreaField(_l("Note to the contractor"),
                                validators=[Length(max=4000), no_cpr, no_participant_names])
    decision = HiddenField()
    version = VersionField()

    def validate_review_note(self, field) -> None:
        field.data = (field.data or "").strip()
        if self.decision.data == "return" and not field.data:
            raise ValidationError(_l(
                "Write why the report is returned, so the contractor knows what to correct."))


class WaiveForm(Form):
    """Waive one reporting period of one contractor, with the reason; secretariat only."""

    reason = TextAreaField(_l("Why is the report not needed?"),
                           validators=[DataRequired(_l("Write why the period is waived.")),
                                       Length(max=2000), no_cpr],
                           filters=[lambda value: (value or "").strip()])
    version = VersionField()
