"""Forms for partnership agreements, their parties and clauses."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker.agreements.service import basis_amount, derived_target, figure
from tracker.extensions import db
from tracker.formatting import money, short_date
from tracker.forms import (
    Form,
    MultiCheckboxField,
    NumberField,
    VersionField,
    choices,
    no_cpr,
    no_participant_names,
)
from tracker.i18n import lazy_gettext as _l
from tracker.models import (
    Agreement,
    AgreementParty,
    Clause,
    ClauseReporter,
    Organisation,
    Project,
    ProjectContractor,
)
from tracker.models.codes import (
    AGREEMENT_STATUSES,
    CLAUSE_KINDS,
    CONTRACTOR_ROLES,
    FREQUENCIES,
    TARGET_BASES,
    UNITS,
    label,
)
from tracker.projects.forms import optional_int, strip

# Numeric(12, 2) and Numeric(12, 4): the largest target and rate the database holds.
MAX_TARGET = Decimal("9999999999.99")
MAX_RATE = Decimal("99999999.9999")
MAX_LINES, MAX_LINE_LENGTH = 30, 500
# Suggestions for a party's role; any text is allowed.
PARTY_ROLES = ("Bygherre", "Hovedentreprenør", "Underentreprenør", "Jobcenter",
               "Boligsocial helhedsplan", "Uddannelsesinstitution", "Sekretariat")


class AgreementForm(Form):
    ref = StringField(_l("Agreement no."), validators=[DataRequired(), Length(max=50)],
                      filters=[strip], description=_l("The agreement's own number, e.g. PA-2026-01."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), no_cpr,
                                                 no_participant_names],
                        filters=[strip])
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    status = SelectField(_l("Status"))
    signed_pdf = FileField(_l("Signed agreement (PDF)"),
                            description=_l("PDF only, at most 10 MB."))
    version = VersionField()

    def __init__(self, *args, current: Agreement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        # Labels are made per request, so they come in the user's language.
        self.status.choices = choices(AGREEMENT_STATUSES)

    def validate_ref(self, field):
        clash = db.session.scalar(select(Agreement).where(Agreement.ref == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_l("Agreement no. %(ref)s is already used by “%(title)s”.",
                                     ref=field.data, title=clash.title))

    def validate_signed_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("The signed date cannot be in the future."))


class NewAgreementForm(AgreementForm):
    add_parties = BooleanField(_l("Add the builder and the project's contractors as parties"),
                               default=True)


class LinesField(TextAreaField):
    """A list of short texts, one per line in a textarea; empty lines are dropped."""

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = [line.strip() for line in text.splitlines() if line.strip()]

    def _value(self) -> str:
        return "\n".join(self.data or [])


def lines_ok(form, field) -> None:
    """No CPR numbers, not too many lines, none too long."""
    no_cpr(form, SimpleNamespace(data="\n".join(field.data or [])))
    if len(field.data or []) > MAX_LINES:
        raise ValidationError(_l("Write at most %(n)s lines.", n=MAX_LINES))
    if any(len(line) > MAX_LINE_LENGTH for line in field.data or []):
        raise ValidationError(_l("Each line may have at most %(n)s characters.",
                                 n=MAX_LINE_LENGTH))


class PartyForm(Form):
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int,
                                  validators=[DataRequired()])
    role = StringField(_l("Role in the partnership"), filters=[strip],
                       validators=[DataRequired(), Length(max=100), no_cpr,
                                   no_participant_names],
                       description=_l("E.g. Bygherre, Hovedentreprenør, Jobcenter."))
    # The parties' texts go into the clause status report to the builder and contractors.
    contributions = LinesField(_l("Contributions"), validators=[lines_ok, no_participant_names],
                               description=_l("What the party contributes; one item per line."))
    benefits = LinesField(_l("Expected benefits"), validators=[lines_ok, no_participant_names],
                          description=_l("What the party expects to get out of it; "
                                         "one item per line."))
    version = VersionField()

    def __init__(self, *args, agreement: Agreement, current: AgreementParty | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement, self.current = agreement, current
        taken = select(AgreementParty.organisation_id).where(
            AgreementParty.agreement_id == agreement.id)
        if current is not None:
            taken = taken.where(AgreementParty.id != current.id)
        organisations = db.session.scalars(
            select(Organisation).where(Organisation.is_active, Organisation.id.not_in(taken))
            .order_by(Organisation.name)).all()
        if current is not None and current.organisation not in organisations:
            organisations = [current.organisation, *organisations]
        self.organisation_id.choices = choices(
            {o.id: o.name for o in organisations}, blank=str(_l("— choose an organisation —")))

    def validate_organisation_id(self, field):
        clash = db.session.scalar(select(AgreementParty).where(
            AgreementParty.agreement_id == self.agreement.id,
            AgreementParty.organisation_id == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_l("%(name)s is already a party to this agreement.",
                                     name=clash.organisation.name))


NOTHING = _l("Nothing – I enter the target myself")


class ClauseForm(Form):
    ref = StringField(_l("Clause no."), validators=[DataRequired(), Length(max=50)],
                      filters=[strip], description=_l("Unique, e.g. K-001."))
    kind = SelectField(_l("Kind of placement"))
    unit = SelectField(_l("Unit"))
    target_basis = SelectField(_l("Compute the target from"))
    target_rate = NumberField(_l("Rate (units per DKK 1 million)"), places=4, maximum=MAX_RATE,
                              message=_l("Write a number, e.g. 0,1 or 0,025."))
    target = NumberField(_l("Fixed target"), places=2, maximum=MAX_TARGET,
                         message=_l("Write a number, e.g. 12 or 8,5."))
    responsible_contractor_id = SelectField(_l("Responsible contractor"), coerce=optional_int)
    start_date = DateField(_l("Start of the clause period"), validators=[Optional()])
    end_date = DateField(_l("End of the clause period"), validators=[Optional()])
    frequency = SelectField(_l("Reporting frequency"))
    reporters = MultiCheckboxField(_l("Who reports"), coerce=int)
    reporting_from = DateField(_l("Reporting starts with the period holding"),
                               validators=[Optional()])
    text = TextAreaField(_l("Text of the clause"),
                         validators=[Length(max=10000), no_cpr, no_participant_names])
    version = VersionField()

    def __init__(self, *args, project: Project, current: Clause | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project, self.current = project, current
        self.computed_target: Decimal | None = None
        self.kind.choices = choices(CLAUSE_KINDS)
        self.unit.choices = choices(UNITS)
        self.frequency.choices = choices(FREQUENCIES)
        self.target_basis.choices = choices(TARGET_BASES, blank=str(NOTHING))
        contractors = db.session.scalars(
            select(Organisation).join(ProjectContractor,
                                      ProjectContractor.contractor_id == Organisation.id)
            .where(ProjectContractor.project_id == project.id).order_by(Organisation.name)).all()
        self.responsible_contractor_id.choices = choices(
            {c.id: c.name for c in contractors},
            blank=str(_l("All contractors on the project")))
        roles = {contractor_id: role for contractor_id, role in db.session.execute(
            select(ProjectContractor.contractor_id, ProjectContractor.role)
            .where(ProjectContractor.project_id == project.id))}
        self.reporters.choices = [
            (c.id, f"{c.name} ({label(CONTRACTOR_ROLES, roles[c.id]).lower()})")
            for c in contractors]
        if not self.is_submitted():
            if current is not None and current.target_basis:
                # A computed target is shown as its calculation; the fixed-target field
                # stays empty so that a changed rate is not met by the old figure.
                self.target.data = None
            chosen = [r.contractor_id for r in current.reporters] if current else []
            # As the obligations count it: none chosen means the main contractors.
            self.reporters.data = chosen or [c.id for c in contractors if roles[c.id] == "main"]
            if current is None:  # owed from the period the clause is entered in
                self.reporting_from.data = date.today()

    def validate_ref(self, field):
        clash = db.session.scalar(select(Clause).where(Clause.ref == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_l("Clause no. %(ref)s is already used.", ref=field.data))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        target_ok = self._check_target()
        period_ok = self._check_period()  # checked even when the target is wrong: all errors at once
        return ok and target_ok and period_ok

    def _error(self, field, message) -> bool:
        field.errors = [*field.errors, message]
        return False

    def _check_target(self) -> bool:
        """The target is entered, or computed from the project's amount by a rate."""
        if self.target.errors or self.target_rate.errors or self.target_basis.errors:
            return False
        basis, rate, target = self.target_basis.data, self.target_rate.data, self.target.data
        percent = self.unit.data == "percent_hours"
        if not basis:
            if rate is not None:
                return self._error(self.target_basis, _l(
                    "Choose the amount the rate applies to, or leave the rate empty."))
            if target is None:
                return self._error(self.target, _l(
                    "Enter the target, or compute it from the contract sum or craft cost."))
            if target <= 0:
                return self._error(self.target, _l("The target must be greater than 0."))
            if percent and target > 100:
                return self._error(self.target, _l("A share of site hours cannot be more than 100 percent."))
            return True
        if percent:
            return self._error(self.target_basis, _l(
                "A share of site hours is a percentage; it cannot be computed from an amount. "
                "Enter the target yourself."))
        if rate is None or rate <= 0:
            return self._error(self.target_rate, _l(
                "Enter the rate: how many units per DKK 1 million, greater than 0."))
        amount = basis_amount(self.project, basis)
        if not amount:
            message = (_l("The project has no contract sum. Enter it on the project first, or "
                          "enter the target yourself.") if basis == "contract_sum" else
                       _l("The project has no craft cost. Enter it on the project first, or "
                          "enter the target yourself."))
            return self._error(self.target_basis, message)
        computed = derived_target(amount, rate)
        if computed <= 0:
            return self._error(self.target_rate, _l(
                "%(amount)s / 1 million × this rate gives a target of 0. Use a larger rate.",
                amount=money(amount)))
        if computed > MAX_TARGET:
            return self._error(self.target_rate, _l("The computed target is too large."))
        if target is not None and target != computed:
            # A fixed target and a rate that disagree: the user says which one is meant,
            # rather than the typed figure being dropped without a word.
            message = (_l(
                "You entered a fixed target of %(target)s and chose to compute the target "
                "from the contract sum, which gives %(computed)s. Empty the fixed target to "
                "use the computed one, or choose “%(nothing)s” to keep %(target)s.",
                target=figure(target), computed=figure(computed), nothing=NOTHING)
                if basis == "contract_sum" else _l(
                "You entered a fixed target of %(target)s and chose to compute the target "
                "from the craft cost, which gives %(computed)s. Empty the fixed target to "
                "use the computed one, or choose “%(nothing)s” to keep %(target)s.",
                target=figure(target), computed=figure(computed), nothing=NOTHING))
            return self._error(self.target, message)
        self.computed_target = computed
        return True

    def _check_period(self) -> bool:
        """The clause period (empty = the project's) lies within the project period."""
        if self.start_date.errors or self.end_date.errors:
            return False
        project = self.project
        start = self.start_date.data or project.start_date
        end = self.end_date.data or project.end_date
        if end < start:
            return self._error(self.end_date, _l(
                "The end of the clause period must be on or after its start (%(start)s).",
                start=short_date(start)))
        if start < project.start_date or end > project.end_date:
            field = self.start_date if start < project.start_date else self.end_date
            return self._error(field, _l(
                "The clause period must lie within the project period (%(start)s–%(end)s).",
                start=short_date(project.start_date), end=short_date(project.end_date)))
        return True

    def apply(self, clause: Clause) -> None:
        """Copy the form onto a clause: the computed target when an amount is chosen (the
        form has refused a fixed target that differs), else the fixed one."""
        for name in ("ref", "kind", "unit", "responsible_contractor_id", "start_date",
                     "end_date", "frequency", "reporting_from"):
            setattr(clause, name, getattr(self, name).data)
        chosen = set() if clause.responsible_contractor_id else set(self.reporters.data or ())
        clause.reporters = [r for r in clause.reporters if r.contractor_id in chosen] + [
            ClauseReporter(contractor_id=c) for c in sorted(chosen - {
                r.contractor_id for r in clause.reporters})]
        clause.text = self.text.data or ""
        if self.target_basis.data:
            clause.target_basis = self.target_basis.data
            clause.target_rate = self.target_rate.data
            clause.target = self.computed_target
        else:
            clause.target_basis = clause.target_rate = None
            clause.target = self.target.data
