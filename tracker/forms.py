"""Form pieces every feature uses: code-value choices, CPR refusal, participants' names
refused in text that leaves the secretariat, optimistic locking."""
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import flash, g
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, PasswordField, SelectMultipleField, StringField
from wtforms.fields import SelectChoice, SelectFieldBase
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.extensions import db
from tracker.i18n import lazy_gettext as _l
from tracker.i18n import translations
from tracker.names import names_in
from tracker.validation import contains_cpr, email_problem

# --- Danish numbers ---------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")
_GROUPED = {".": re.compile(r"[1-9][0-9]{0,2}(\.[0-9]{3})+"),
            ",": re.compile(r"[1-9][0-9]{0,2}(,[0-9]{3})+")}
_CURRENCY = re.compile(r"^(dkk|kr\.?)|(dkk|kr\.?|,-|\.-)$", re.IGNORECASE)


def parse_number(text: str) -> Decimal:
    """A number as Danes type it: "12.500.000", "12500000,50", "kr. 1.234,-", "0,025".

    A dot followed by groups of three digits is a thousands separator; a comma is the
    decimal mark. English input ("12,500,000.50", "0.1") is understood too where it is
    not ambiguous. Raises ValueError when the text is not a number.
    """
    s = re.sub(r"\s", "", text or "")
    s = _CURRENCY.sub("", s)
    s = _CURRENCY.sub("", s)  # "kr. 1.234,-" has both a prefix and a suffix
    negative = s.startswith("-")
    s = s.removeprefix("-").removeprefix("+")
    if "," in s and "." in s:
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, fraction = s.rsplit(decimal_mark, 1)
        if thousands in whole and not _GROUPED[thousands].fullmatch(whole):
            raise ValueError(text)
        whole = whole.replace(thousands, "")
    elif _GROUPED["."].fullmatch(s):
        whole, fraction = s.replace(".", ""), ""
    elif s.count(",") > 1 and _GROUPED[","].fullmatch(s):
        whole, fraction = s.replace(",", ""), ""
    elif s.count(",") == 1 or s.count(".") == 1:
        whole, fraction = re.split(r"[,.]", s)
    else:
        whole, fraction = s, ""
    whole = whole or ("0" if fraction else "")
    if not _DIGITS.fullmatch(whole) or (fraction and not _DIGITS.fullmatch(fraction)):
        raise ValueError(text)
    try:
        value = Decimal(f"{whole}.{fraction or 0}")
    except InvalidOperation as error:  # pragma: no cover - the patterns above exclude it
        raise ValueError(text) from error
    return -value if negative else value


def input_number(value: Decimal | None, places: int = 2, pad: bool = False) -> str:
    """A number written back into an input the Danish way: 12.500.000 or 12.500.000,50."""
    if value is None:
        return ""
    value = Decimal(value)
    whole = int(abs(value))
    fraction = abs(value) - whole
    text = f"{whole:,}".replace(",", ".")
    if fraction:
        digits = f"{fraction:.{places}f}"[2:].rstrip("0")
        if pad:
            digits = digits.ljust(places, "0")  # kroner and øre: 12.500.000,50
        text += "," + digits
    return ("-" if value < 0 else "") + text


class NumberField(StringField):
    """A text input for an amount or figure in Danish notation; data is a Decimal or None.

    `required` makes an empty input an error; `places` is the most decimals accepted.
    """

    def __init__(self, label=None, validators=None, places: int = 2, required: bool = False,
                 minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None,
                 message=None, pad: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.places, self.required, self.pad = places, required, pad
        if required:
            self.flags.required = True  # rendered as the input's required attribute
        self.minimum, self.maximum = minimum, maximum
        self.message = message or _l("Write a number, e.g. 12.500.000 or 12500000,50.")

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = valuelist[0] if valuelist else ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = parse_number(text)
        except ValueError as error:
            self.data = None
            raise ValueError(str(self.message)) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return input_number(self.data, self.places, self.pad)

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # the message from process_formdata is enough
        if self.data is None:
            if self.required:
                raise StopValidation(_l("This field is required."))
            return
        if -self.data.as_tuple().exponent > self.places:
            raise StopValidation(_l("Use at most %(n)s decimals.", n=self.places))
        if self.minimum is not None and self.data < self.minimum:
            raise StopValidation(_l("The number cannot be negative.") if self.minimum == 0
                                 else _l("The number must be at least %(n)s.",
                                         n=input_number(self.minimum, self.places)))
        if self.maximum is not None and self.data > self.maximum:
            raise StopValidation(_l("The number is too large."))


class Form(FlaskForm):
    """Base of every form: WTForms' own messages come from our Danish catalogue; every
    field a person types text into refuses a CPR-shaped number (DESIGN §3), whether or not
    the field names the check itself; and a choice that is none of a list's is refused
    before any other check of the field looks it up."""

    class Meta:
        def get_translations(self, form):
            return translations()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self._fields.get("version"), VersionField):
            self._fields["version"].owner = self
        for field in self:
            if _typed_text(field) and no_cpr not in field.validators:
                # First, so that no other check looks the number up or repeats it.
                field.validators = [no_cpr, *field.validators]
            elif isinstance(field, SelectFieldBase):
                field.validators = [_not_refused, *field.validators]


def _not_refused(form, field) -> None:
    """Stop at a choice already refused (not one of the list's, or no number): the field's
    own checks, which may look the value up in the database, are not run on it. A choice
    left blank goes on, for Optional() to accept."""
    if field.errors and any(str(value).strip() for value in field.raw_data or ()):
        raise StopValidation()


def _typed_text(field) -> bool:
    """A field whose text is typed and kept: not a password (only its hash is kept), not a
    hidden field (the page fills it in)."""
    return isinstance(field, StringField) and not isinstance(field, (PasswordField, HiddenField))


def choices(mapping: dict, blank: str | None = None) -> list[SelectChoice]:
    """Select options from a code→label (or id→name) mapping, optionally led by a blank."""
    options = [SelectChoice("", blank)] if blank is not None else []
    # Labels stay lazy: a choice list built at import time still renders in the user's language.
    return options + [SelectChoice(code, label) for code, label in mapping.items()]


def record_choices(records, blank: str | None = None) -> list[SelectChoice]:
    """Select options for records: value the id, label the record's str()."""
    return choices({r.id: str(r) for r in records}, blank)


def no_cpr(form, field) -> None:
    """Refuse text that holds a CPR-shaped number, saying why; the field's other checks
    are not run on it."""
    if isinstance(field.data, str) and contains_cpr(field.data):
        raise StopValidation(_l(
            "This looks like a CPR number. CPR numbers must not be stored in the system; "
            "remove the number and save again."))


def sign_in_email(form, field) -> None:
    """An e-mail address a user can sign in with (tracker.validation.email_problem)."""
    if email_problem(field.data) is not None:
        raise ValidationError(_l("Invalid email address."))  # WTForms' words, as elsewhere


NAME_MESSAGE = _l("The text names a participant. Use the pseudonym (P-…) instead.")


def no_participant_names(form, field) -> None:
    """Refuse text that builders or contractors will read when it names a known participant
    (first and last name, any letter case): they know participants only by pseudonym. A
    field of lines is read line by line."""
    texts = field.data if isinstance(field.data, list) else [field.data]
    if any(isinstance(text, str) and names_in(text) for text in texts):
        raise StopValidation(NAME_MESSAGE)


class VersionField(HiddenField):
    """The record version the form was loaded with (optimistic locking), and beside it the
    values the form was loaded with ("original"), so that after a conflict the fields this
    user changed can be told from those someone else changed (`commit_edit`)."""

    owner = None  # the form, set by Form.__init__
    original: str | None = None  # as posted back, JSON

    def process(self, formdata, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        if formdata is not None and ORIGINAL in formdata:
            self.original = formdata.get(ORIGINAL)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.data = int(self.data) if self.data not in (None, "") else None
        except ValueError:
            self.data = None

    def __call__(self, **kwargs):
        snapshot = self.original
        if snapshot is None and self.owner is not None:
            snapshot = json.dumps(_snapshot(self.owner))
        return Markup(f"{super().__call__(**kwargs)}<input type=\"hidden\" name=\"{ORIGINAL}\" "
                      f"value=\"{escape(snapshot or '')}\">")

    def loaded_values(self) -> dict | None:
        try:
            values = json.loads(self.original or "")
        except ValueError:
            return None
        return values if isinstance(values, dict) else None


ORIGINAL = "original"  # the form value holding what the form was loaded with


def _plain(value):
    """A field's or attribute's value as comparable text (None stays None); lists and other
    values a conflict cannot be shown for give NOTHING."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | str):
        return str(value).strip() or None
    return NOTHING


NOTHING = object()
_NOT_COMPARED = ("csrf_token", "version")


def _snapshot(form) -> dict:
    values = {}
    for name, field in form._fields.items():
        if name in _NOT_COMPARED or field.type in ("FileField", "PasswordField", "SubmitField"):
            continue
        value = _plain(field.data)
        if value is not NOTHING:
            values[name] = value
    return values


@dataclass(frozen=True)
class Change:
    """A field someone else changed while this user edited the record."""

    label: str
    before: str
    theirs: str
    yours: str | None  # what this user typed, when both changed the field


CONFLICT_MESSAGE = _l(
    "Someone else saved this record while you were editing it. Your changes were not saved; "
    "they are still in the form. Compare with the saved version (open it in a new tab), "
    "then save again.")
MERGED_MESSAGE = _l(
    "Someone else saved this record while you were editing it, so nothing was saved. Their "
    "changes, listed below, are now in the form together with yours; where you both changed "
    "a field, your value is in the form. Check the form and save again.")


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
        _take_their_changes(form, obj)
        return False
    (apply or apply_form)(form, obj)
    try:
        db.session.commit()
    except StaleDataError:  # saved by someone else between our read and our write
        db.session.rollback()
        flash(CONFLICT_MESSAGE, "error")
        return False
    return True


def _shown(field, value: str | None) -> str:
    """A value as the form shows it: a choice by its label, an empty one as a dash."""
    if value is None:
        return "–"
    for choice_value, label, *_rest in getattr(field, "iter_choices", lambda: [])():
        if _plain(choice_value) == value:
            return str(label)
    return value


def _take_their_changes(form, obj) -> None:
    """After a conflict: the fields only someone else changed take their values, the fields
    this user changed keep the user's, and `g.conflict` lists the other's changes for the
    page (tracker/templates/base.html). The form then carries the record's current version
    and values, so saving again writes this user's changes on top of the other's."""
    loaded = form.version.loaded_values()
    form.version.data = obj.version
    if loaded is None:  # a form rendered before the values were sent along
        flash(CONFLICT_MESSAGE, "error")
        return
    changes, current = [], {}
    for name, before in loaded.items():
        field = form._fields.get(name)
        if field is None or not hasattr(obj, name):
            continue
        saved = getattr(obj, name)
        theirs = _plain(saved)
        if theirs is NOTHING:
            continue
        current[name] = theirs
        if theirs == before:
            continue
        mine = _plain(field.data)
        if mine == before:  # only they changed it: the form takes their value
            field.data, field.raw_data = saved, None
            changes.append(Change(str(field.label.text), _shown(field, before),
                                  _shown(field, theirs), None))
        else:
            changes.append(Change(str(field.label.text), _shown(field, before),
                                  _shown(field, theirs), _shown(field, mine)))
    form.version.original = json.dumps({**loaded, **current})
    g.conflict = changes
    flash(MERGED_MESSAGE, "error")


def _wtforms_messages():  # pragma: no cover - never called
    """WTForms' own messages, listed so the Danish catalogue carries them
    (WTForms translates them through `Form.Meta.get_translations`)."""
    from tracker.i18n import gettext as _
    from tracker.i18n import ngettext

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


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
