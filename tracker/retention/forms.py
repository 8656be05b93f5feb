"""The retention settings and the confirmations of retention and erasure."""
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from tracker.forms import Form, no_cpr
from tracker.i18n import lazy_gettext as _l
from tracker.models.codes import RETENTION_KINDS


class RetentionForm(Form):
    """Months kept per kind of record; a field per kind, named after it."""


for _kind, _label in RETENTION_KINDS.items():
    setattr(RetentionForm, _kind, IntegerField(
        _label, validators=[InputRequired(_l("Write a number of months.")),
                            NumberRange(1, 1200, _l("Between 1 and 1200 months."))]))


class ApplyForm(Form):
    confirm = BooleanField(_l("I have read what will be anonymised and removed"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class EraseForm(Form):
    reason = TextAreaField(_l("Reason (e.g. the resident's request of a given date)"),
                           validators=[DataRequired(_l("Write why the participant is erased.")),
                                       Length(max=500), no_cpr],
                           filters=[lambda value: (value or "").strip()])
    confirm = BooleanField(_l("I have read what will be erased; it cannot be undone"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
