"""Form pieces every feature uses: code-value choices, CPR refusal, optimistic locking."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError

from tracker.validation import contains_cpr


def choices(mapping: dict, blank: str | None = None) -> list[SelectChoice]:
    """Select options from a code→label mapping, optionally led by an empty choice."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(code, str(label)) for code, label in mapping.items()]


def no_cpr(form, field) -> None:
    """Refuse text that holds a CPR-shaped number, saying why."""
    if isinstance(field.data, str) and contains_cpr(field.data):
        raise ValidationError(_l(
            "This looks like a CPR number. CPR numbers must not be stored in the system; "
            "remove the number and save again."))


class VersionField(HiddenField):
    """The record version the form was loaded with (optimistic locking)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.data = int(self.data) if self.data not in (None, "") else None
        except ValueError:
            self.data = None
