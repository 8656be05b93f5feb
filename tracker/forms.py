"""Form pieces every feature uses: code-value choices, CPR refusal, optimistic locking."""
from flask import flash
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError

from tracker.extensions import db
from tracker.validation import contains_cpr


class Form(FlaskForm):
    """Base of every form: WTForms' own messages come from our Danish catalogue."""

    class Meta:
        def get_translations(self, form):
            return get_translations()


def choices(mapping: dict, blank: str | None = None) -> list[SelectChoice]:
    """Select options from a code→label (or id→name) mapping, optionally led by a blank."""
    options = [SelectChoice("", blank)] if blank is not None else []
    # Labels stay lazy: a choice list built at import time still renders in the user's language.
    return options + [SelectChoice(code, label) for code, label in mapping.items()]


def record_choices(records, blank: str | None = None) -> list[SelectChoice]:
    """Select options for records: value the id, label the record's str()."""
    return choices({r.id: str(r) for r in records}, blank)


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


CONFLICT_MESSAGE = _l(
    "Someone else saved this record while you were editing it. Your changes were not saved; "
    "they are still in the form. Compare with the saved version (open it in a new tab), "
    "then save again.")


def is_stale(form, obj) -> bool:
    """True when the record was saved by someone else since this form was loaded."""
    return form.version.data is not None and form.version.data != obj.version


def apply_form(form, obj, skip: tuple[str, ...] = ()) -> None:
    """Copy the form's fields onto the record (never the version or the CSRF token)."""
    for name, field in form._fields.items():
        if name in ("version", "csrf_token", *skip) or not hasattr(obj, name):
            continue
        field.populate_obj(obj, name)


def commit_edit(form, obj, apply=None) -> bool:
    """Save an edit form unless someone else saved the record meanwhile.

    On a conflict nothing is written, the conflict message is flashed, and the form keeps
    the user's input with the record's current version, so saving again is a choice.
    """
    if is_stale(form, obj):
        flash(CONFLICT_MESSAGE, "error")
        form.version.data = obj.version
        return False
    (apply or apply_form)(form, obj)
    try:
        db.session.commit()
    except StaleDataError:  # saved by someone else between our read and our write
        db.session.rollback()
        flash(CONFLICT_MESSAGE, "error")
        return False
    return True


def _wtforms_messages():  # pragma: no cover - never called
    """WTForms' own messages, listed so the Danish catalogue carries them
    (Flask-WTF translates them through Flask-Babel)."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    return [
        _("This field is required."), _("Invalid email address."), _("Not a valid choice."),
        _("Not a valid integer value."), _("Not a valid decimal value."),
        _("Not a valid float value."), _("Not a valid date value."),
        _("Number must be between %(min)s and %(max)s."), _("Number must be at least %(min)s."),
        _("Number must be at most %(max)s."), _("Invalid Choice: could not coerce."),
        _("Field must be between %(min)d and %(max)d characters long."), _("Invalid input."),
        _("'%(value)s' is not a valid choice for this field."),
        ngettext("Field cannot be longer than %(max)d character.",
                 "Field cannot be longer than %(max)d characters.", 1),
        ngettext("Field must be at least %(min)d character long.",
                 "Field must be at least %(min)d characters long.", 1),
        _("The CSRF token is missing."), _("The CSRF token has expired."),
        _("The CSRF token is invalid."),
    ]
