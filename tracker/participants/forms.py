"""Forms for participants and their progress assessments (placements: placement_forms)."""
from datetime import date

from flask_babel import get_locale
from flask_wtf.file import FileField
from sqlalchemy import or_, select
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import Form, VersionField, choices, no_cpr, record_choices
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.i18n import today
from tracker.models import (
    BenefitGroup,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
)
from tracker.models.codes import DIMENSIONS, EDUCATION_LEVELS, GENDERS, READINESS
from tracker.urls import parse_id

NEEDS_CONSENT = _l("Needs consent first.")


def optional_int(value) -> int | None:
    """Coerce a select's value to an id; the blank option is None. Anything but an id a row
    can have is refused before any check looks it up."""
    if value in (None, "", "None"):
        return None
    ident = parse_id(str(value))
    if ident is None:
        raise ValueError(value)
    return ident


def optional_code(value) -> str | None:
    """Coerce a select's value to a code; the blank option is None."""
    return value or None


def not_in_future(field, message) -> None:
    """Refuse a date after today (in the application's time zone); `message` names today."""
    now = today()
    if isinstance(field.data, date) and field.data > now:
        raise ValidationError(message % {"today": short_date(now)})


def _filled(field) -> bool:
    data = field.data
    if field.type == "FileField":
        return bool(getattr(data, "filename", None))
    return data not in (None, "")


def _name(group: BenefitGroup) -> str:
    locale = get_locale()
    return group.name("en" if locale is not None and locale.language == "en" else "da")


def _valid_on(model, day: date):
    return (model.valid_from <= day) & or_(model.valid_to.is_(None), model.valid_to >= day)


class ParticipantForm(Form):
    """Enrolment and correction of a participant; consent comes before any personal detail."""

    ref = StringField(_l("Reference"), validators=[InputRequired(), Length(max=50), no_cpr])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200), no_cpr])
    email = EmailField(_l("E-mail"), validators=[Optional(), no_cpr, Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), no_cpr, Length(max=40)])
    birth_year = IntegerField(_l("Birth year"), validators=[Optional()])
    gender = SelectField(_l("Gender"), coerce=optional_code)
    housing_area_id = SelectField(_l("Housing area"), coerce=optional_int)
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int)
    benefit_group_id = SelectField(_l("Benefit at intake"), coerce=optional_int,
                                   validate_choice=False)
    readiness = SelectField(_l("Readiness"), coerce=optional_code)
    months_unemployed = IntegerField(_l("Months unemployed at intake"), validators=[
        Optional(), NumberRange(min=0, message=_l("Months unemployed cannot be negative."))])
    education_level = SelectField(_l("Education level"), coerce=optional_code)
    intake_date = DateField(_l("Intake date"), validators=[InputRequired()], default=date.today)
    consent_date = DateField(_l("Consent date"), validators=[Optional()])
    consent_scope = TextAreaField(_l("What the consent covers"),
                                  validators=[Optional(), no_cpr, Length(max=2000)])
    consent_document = FileField(_l("Consent document (PDF, JPG or PNG)"))
    version = VersionField()

    # Everything beyond the name (and reference, intake date) needs consent first.
    PERSONAL_FIELDS = ("email", "phone", "birth_year", "gender", "housing_area_id",
                       "municipality_id", "benefit_group_id", "readiness", "months_unemployed",
                       "education_level", "consent_scope", "consent_document")

    def __init__(self, *args, current: Participant | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        # Code labels are chosen per request, in the user's language.
        self.gender.choices = choices(GENDERS, blank="—")
        self.readiness.choices = choices(READINESS, blank=str(_l("Unknown")))
        self.education_level.choices = choices(EDUCATION_LEVELS, blank="—")
        areas = db.session.scalars(
            select(HousingArea).where(or_(HousingArea.is_active.is_(True),
                                          HousingArea.id == (current.housing_area_id if current else None)))
            .order_by(HousingArea.name)).all()
        self.housing_area_id.choices = record_choices(areas, blank="—")
        municipalities = db.session.scalars(
            select(Organisation).where(Organisation.kind == "municipality",
                                       or_(Organisation.is_active.is_(True),
                                           Organisation.id == (current.municipality_id if current else None)))
            .order_by(Organisation.name)).all()
        self.municipality_id.choices = record_choices(municipalities, blank="—")
        on = self.intake_date.data if isinstance(self.intake_date.data, date) else date.today()
        groups = db.session.scalars(
            select(BenefitGroup).where(or_(
                _valid_on(BenefitGroup, on),
                BenefitGroup.id == (current.benefit_group_id if current else None)))
            .order_by(BenefitGroup.sort_order, BenefitGroup.name_da)).all()
        self.benefit_group_id.choices = choices({g.id: _name(g) for g in groups}, blank="—")

    def validate_ref(self, field):
        field.data = field.data.strip()
        clash = db.session.scalar(select(Participant).where(Participant.ref == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_("Another participant has the reference %(ref)s.", ref=field.data))

    def validate_birth_year(self, field):
        if field.data is not None and not 1900 <= field.data <= date.today().year:
            raise ValidationError(_("The birth year must be between 1900 and %(year)s.",
                                     year=date.today().year))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = self._check_consent() and ok
        ok = self._check_withdrawal() and ok
        ok = self._check_benefit_group() and ok
        ok = self._check_area_in_municipality() and ok
        ok = self._check_placement_starts() and ok
        return ok

    def _check_placement_starts(self) -> bool:
        """A changed intake or consent date may not come after the start of the participant's
        first placement (placements cannot start before either). A date left as it was is
        not checked, so a participant stored before the rule can still be corrected."""
        if self.current is None or not isinstance(self.intake_date.data, date) \
                or self.consent_date.errors:
            return True
        first = db.session.execute(
            select(Placement.ref, Placement.start_date)
            .where(Placement.participant_id == self.current.id)
            .order_by(Placement.start_date, Placement.id).limit(1)).first()
        if first is None:
            return True
        ok = True
        for field in (self.intake_date, self.consent_date):
            if field.data is not None and field.data != getattr(self.current, field.name) \
                    and field.data > first.start_date:
                field.errors = [*field.errors, _(
                    "The placement %(ref)s starts on %(start)s, before this date. Choose a date "
                    "on or before %(start)s, or move the placement's start first.",
                    ref=first.ref, start=short_date(first.start_date))]
                ok = False
        return ok

    def _check_consent(self) -> bool:
        if self.consent_date.data is not None or self.consent_date.errors:
            return True
        missing = [self[name] for name in self.PERSONAL_FIELDS if _filled(self[name])]
        if self.current is not None and self.current.consent_file_id is not None:
            missing.append(self.consent_document)
        if not missing:
            return True
        for field in missing:
            field.errors = [*field.errors, NEEDS_CONSENT]
        self.consent_date.errors = [_(
            "Consent must be recorded before anything beyond the name is saved. Fill in the "
            "consent date (and what the consent covers), or empty these fields: %(fields)s.",
            fields=", ".join(str(f.label.text) for f in missing))]
        return False

    def _check_withdrawal(self) -> bool:
        """A recorded withdrawal needs the consent it withdrew, given on or before it."""
        withdrawn = self.current.consent_withdrawn_on if self.current is not None else None
        given = self.consent_date.data
        if withdrawn is None or self.consent_date.errors:
            return True
        if given is None:
            self.consent_date.errors = [_(
                "The consent was withdrawn on %(date)s. Remove the withdrawal on the "
                "participant's page before removing the consent.", date=short_date(withdrawn))]
            return False
        if given > withdrawn:
            self.consent_date.errors = [_(
                "The consent date cannot be after the withdrawal of the consent (%(date)s).",
                date=short_date(withdrawn))]
            return False
        return True

    def _check_benefit_group(self) -> bool:
        group_id = self.benefit_group_id.data
        if group_id is None:
            return True
        group = db.session.get(BenefitGroup, group_id)
        if group is None:
            self.benefit_group_id.errors = [_l("Not a valid choice.")]
            return False
        on = self.intake_date.data
        valid = group.valid_from <= on and (group.valid_to is None or group.valid_to >= on) \
            if isinstance(on, date) else True
        if not valid:
            self.benefit_group_id.errors = [_(
                "%(name)s is not a benefit on the intake date %(date)s. Choose a benefit that "
                "applied then.", name=_name(group), date=short_date(on))]
            return False
        return True

    def _check_area_in_municipality(self) -> bool:
        if self.housing_area_id.data is None:
            return True
        area = db.session.get(HousingArea, self.housing_area_id.data)
        if self.municipality_id.data is None:
            if self.consent_date.data is not None:
                self.municipality_id.data = area.municipality_id  # the area tells the municipality
            return True
        if area.municipality_id != self.municipality_id.data:
            self.housing_area_id.errors = [_(
                "%(area)s lies in %(municipality)s. Choose the matching municipality or "
                "another housing area.", area=area.name, municipality=area.municipality.name)]
            return False
        return True


SCORES = [SelectChoice(n, str(n)) for n in range(1, 11)]


class AssessmentForm(Form):
    """A progress assessment: 1-10 on each dimension (blank when not assessed), with a note."""

    assessed_on = DateField(_l("Date"), validators=[InputRequired()], default=today)
    note = TextAreaField(_l("Note"), validators=[Optional(), no_cpr, Length(max=4000)])
    version = VersionField()

    def __init__(self, *args, current: ProgressAssessment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current

    def validate_assessed_on(self, field):
        # Only a date set or moved: an assessment stored before the rule stays editable.
        if self.current is None or field.data != self.current.assessed_on:
            not_in_future(field, _l("An assessment cannot be dated in the future (today is "
                                    "%(today)s)."))

    def dimensions(self):
        return [self[d] for d in DIMENSIONS]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if all(self[d].data is None for d in DIMENSIONS):
            self.assessed_on.errors = list(self.assessed_on.errors) + [
                _l("Give a score on at least one dimension.")]
            ok = False
        return ok


for _dimension, _label in DIMENSIONS.items():
    setattr(AssessmentForm, _dimension, RadioField(
        _label, coerce=optional_int, choices=SCORES, validators=[Optional()]))


class WithdrawConsentForm(Form):
    """The day a participant withdrew consent, and a note; sent twice, the second time
    confirmed (`confirmed`) after the page has said what stops."""

    withdrawn_on = DateField(_l("Consent withdrawn on"), validators=[InputRequired()],
                             default=date.today)
    note = TextAreaField(_l("Note"), validators=[Optional(), no_cpr, Length(max=2000)])
    confirmed = HiddenField()

    def __init__(self, *args, participant: Participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant

    def validate_withdrawn_on(self, field):
        if field.data is None:  # not a date: the field's own validators said so
            return
        if field.data > today():
            raise ValidationError(_l("The date cannot be after today."))
        given = self.participant.consent_date
        if given is not None and field.data < given:
            raise ValidationError(_(
                "The consent cannot have been withdrawn before it was given (%(date)s).",
                date=short_date(given)))
