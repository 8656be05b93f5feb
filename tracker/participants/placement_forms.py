"""Forms for placements (forløb), their end and their follow-ups."""
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import Form, NumberField, VersionField, choices, no_cpr
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.i18n import today
from tracker.lists import MATCHES_SHOWN, SELECT_MAX, Records, named_list
from tracker.models import FollowUp, Organisation, Participant, Placement, Project, ProjectContractor
from tracker.models.codes import FOLLOW_UP_MONTHS, FOLLOW_UP_STATUSES, OUTCOMES, PLACEMENT_KINDS
from tracker.participants.forms import not_in_future, optional_code, optional_int
from tracker.participants.service import start_problem, withdrawal_refusal
from tracker.projects.forms import TypedProject, project_label, strip

MAX_HOURS_PER_WEEK = Decimal(60)
EMPLOYER_KINDS = ("contractor", "other")


def hours_in_range(form, field) -> None:
    """0 < hours ≤ 60, the range the database also enforces, with the value in the message."""
    if field.data is not None and not Decimal(0) < field.data <= MAX_HOURS_PER_WEEK:
        raise ValidationError(_(
            "Hours per week must be more than 0 and at most 60 (you entered %(value)s).",
            value=str(field.raw_data[0] if field.raw_data else field.data)))


class PlacementForm(TypedProject, Form):
    """A placement (forløb) of a participant at an employer, optionally on a project."""

    participant_id = SelectField(_l("Participant"), coerce=optional_int, validate_choice=False)
    # With many participants to choose from: typed (reference or name), looked up on sending.
    participant_name = StringField(_l("Participant"), validators=[no_cpr])
    ref = StringField(_l("Reference"), validators=[InputRequired(), Length(max=50), no_cpr])
    kind = SelectField(_l("Kind"))
    project_id = SelectField(_l("Building project"), coerce=optional_int)
    # With many projects or employers to choose from: typed (case number or name, CVR
    # number or name), looked up on sending.
    project_name = StringField(_l("Building project"), filters=[strip])
    employer_id = SelectField(_l("Employer"), coerce=optional_int)
    employer_name = StringField(_l("Employer"), filters=[strip])
    trade = StringField(_l("Trade"), validators=[Optional(), no_cpr, Length(max=100)],
                        render_kw={"list": "trades", "autocomplete": "off"})
    start_date = DateField(_l("Start"), validators=[InputRequired()])
    planned_end = DateField(_l("Planned end"), validators=[Optional()])
    hours_per_week = NumberField(_l("Hours per week"), places=1, required=True, minimum=None,
                                 validators=[hours_in_range],
                                 message=_l("Not a valid decimal value."))
    version = VersionField()

    def __init__(self, *args, current: Placement | None = None, participant: Participant | None = None,
                 participants_query=None, projects_query=None, project: Project | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        self.participant = participant
        self.participant_errors: list = []  # shown by the fixed participant's name
        self.kind.choices = choices(PLACEMENT_KINDS)
        self._typed_participant: int | None = None
        # The participants the form lists by name (its drop-down, or those matching a typed
        # name): the view logs them as shown.
        self.people_shown: list[int] = []
        if participant is not None:
            del self.participant_id  # fixed by the URL
            del self.participant_name
        else:
            self.people = Records(
                lambda: participants_query.with_only_columns(
                    Participant.id, Participant.name, Participant.ref)
                .order_by(Participant.name, Participant.ref, Participant.id),
                [Participant.name], label=lambda row: f"{row.name} ({row.ref})")
            people = db.session.execute(self.people.query().limit(SELECT_MAX + 1)).all()
            if len(people) > SELECT_MAX:  # thousands at national scale: typed, not listed
                del self.participant_id
            else:
                del self.participant_name
                self.participant_id.choices = choices(
                    {row.id: self.people.label(row) for row in people}, blank="—")
                self.people_shown = [row.id for row in people]
        self.shown: dict[str, int] = {}  # the record whose name a typed field shows
        self._typed: dict[str, int] = {}  # the record a typed field was found to name
        self._unknown: set[str] = set()  # an id sent that is no choice of the user's
        self.projects = Records(
            lambda: projects_query.with_only_columns(
                Project.id, Project.case_number, Project.name)
            .order_by(Project.case_number, Project.id),
            [Project.case_number, Project.name], label=project_label)
        projects = db.session.execute(self.projects.query().limit(SELECT_MAX + 1)).all()
        if len(projects) > SELECT_MAX:  # thousands at national scale: typed, not listed
            self.typed_instead("project", self.projects)
        else:
            del self.project_name
            self.project_id.choices = choices(
                {row.id: project_label(row) for row in projects},
                blank=str(_l("— no building project —")))
        current_employer = current.employer_id if current else None
        self.employers = Records(
            lambda: select(Organisation.id, Organisation.name, Organisation.kind)
            .where(Organisation.kind.in_(EMPLOYER_KINDS),
                   or_(Organisation.is_active.is_(True), Organisation.id == current_employer))
            .order_by(Organisation.name, Organisation.id),
            [Organisation.name])
        employers = db.session.execute(self.employers.query().limit(SELECT_MAX + 1)).all()
        if len(employers) > SELECT_MAX:
            self.typed_instead("employer", self.employers)
        else:
            del self.employer_name
            self._employer_choices(employers, current, project)
        if current is not None and not self.is_submitted():  # the current choice, as text
            if self.project_name:
                self.show_project(current.project)
            if self.employer_name:
                self.show_employer(current.employer)

    def _employer_choices(self, employers: list, current: Placement | None,
                          project: Project | None) -> None:
        # The project's own contractors first: with a project, only they may employ.
        project_id = project.id if project is not None else (
            self.project_id.data if self.project_id and isinstance(self.project_id.data, int)
            else current.project_id if current else None)
        on_project = set(db.session.scalars(select(ProjectContractor.contractor_id).where(
            ProjectContractor.project_id == project_id))) if project_id else set()
        groups = {"project": str(_l("Contractors on the building project")),
                  "contractor": str(_l("Contractors")), "other": str(_l("Other employers"))}
        ordered = sorted(employers, key=lambda o: (o.id not in on_project, o.kind, o.name))
        self.employer_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(o.id, o.name, optgroup=groups["project" if o.id in on_project else o.kind])
            for o in ordered]

    def show_project(self, project: Project | None) -> None:
        """Put a project in the form: its option chosen, or its case number and name typed."""
        if self.project_id:
            self.project_id.data = project.id if project is not None else None
        elif project is not None:
            self.project_name.data = str(project)
            self.shown["project"] = project.id

    def show_employer(self, employer: Organisation | None) -> None:
        """Put an employer in the form: its option chosen, or its name typed."""
        if self.employer_id:
            self.employer_id.data = employer.id if employer is not None else None
        elif employer is not None:
            self.employer_name.data = employer.name
            self.shown["employer"] = employer.id

    def chosen_project_id(self) -> int | None:
        return self.project_id.data if self.project_id else self._typed.get("project")

    def chosen_employer_id(self) -> int | None:
        return self.employer_id.data if self.employer_id else self._typed.get("employer")

    def apply_choices(self, placement: Placement) -> None:
        """The project and employer chosen in the lists or typed, onto the placement."""
        placement.project_id = self.chosen_project_id()
        placement.employer_id = self.chosen_employer_id()

    def chosen_participant(self) -> Participant | None:
        if self.participant is not None:
            return self.participant
        ident = self.participant_id.data if self.participant_id else self._typed_participant
        if ident is None:
            return None
        return db.session.get(Participant, ident)

    def validate_participant_name(self, field):
        """The typed text must single out one participant in the user's scope: by reference,
        by the whole name, or as the only name holding the text."""
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_l("Choose the participant."))
        if field.errors:  # refused as typed (a CPR number): not looked up
            return
        found = self.people.find(text, exact=Participant.ref)
        if not found:
            raise ValidationError(_(
                "No participant has the reference “%(text)s” or “%(text)s” in the name.",
                text=text))
        if len(found) > 1:
            self.people_shown = [row.id for row in found[:MATCHES_SHOWN]]
            raise ValidationError(_(
                "Several participants match “%(text)s” (%(names)s): type the reference.",
                text=text, names=named_list([self.people.label(row) for row in found])))
        self._typed_participant = found[0].id

    def validate_participant_id(self, field):
        if self.participant is not None:
            return
        if field.data is None:
            raise ValidationError(_l("Choose the participant."))
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Not a valid choice."))

    def validate_ref(self, field):
        field.data = field.data.strip()
        clash = db.session.scalar(select(Placement).where(Placement.ref == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_("Another placement has the reference %(ref)s.", ref=field.data))

    def validate_employer_name(self, field):
        """The typed text must single out one employer: by CVR number, by its whole name, or
        as the only name holding the text; with a project, as the only one of the project's
        contractors holding it. Then, as in the list, only those may employ."""
        if "employer" in self.shown:
            self._typed["employer"] = self.shown["employer"]
        elif "employer" in self._unknown:
            raise ValidationError(_l("Not a valid choice."))
        elif not field.data:
            raise ValidationError(_l("Choose the employer."))
        else:
            self._typed["employer"] = self._find_employer(field.data)
        self._check_on_project(self._typed["employer"])

    def _find_employer(self, text: str) -> int:
        found = self.employers.find(text, exact=Organisation.cvr)
        project_id = self.chosen_project_id()
        if len(found) > 1 and project_id is not None:
            # Of several firms, the one contractor on the project holding the text is meant.
            contractors = Records(lambda: self.employers.query().where(Organisation.id.in_(
                select(ProjectContractor.contractor_id)
                .where(ProjectContractor.project_id == project_id))), self.employers.search)
            on_project = contractors.find(text, exact=Organisation.cvr)
            if len(on_project) == 1:
                found = on_project
        if not found:
            raise ValidationError(_(
                "No employer has “%(text)s” in its name or as its CVR number.", text=text))
        if len(found) > 1:
            self.people_shown = [row.id for row in found[:MATCHES_SHOWN]]
            raise ValidationError(_(
                "Several employers match “%(text)s” (%(names)s): type the whole name or the "
                "CVR number.", text=text, names=named_list([row.name for row in found])))
        return found[0].id

    def validate_employer_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the employer."))
        self._check_on_project(field.data)

    def _check_on_project(self, employer_id: int) -> None:
        """With a building project, only the project's contractors may employ."""
        project_id = self.chosen_project_id()
        if project_id is None:
            return
        on_project = db.session.scalar(select(ProjectContractor.id).where(
            ProjectContractor.project_id == project_id,
            ProjectContractor.contractor_id == employer_id))
        if on_project is None:
            project = db.session.get(Project, project_id)
            employer = db.session.get(Organisation, employer_id)
            raise ValidationError(_(
                "%(employer)s is not a contractor on %(project)s. Choose one of the project's "
                "contractors, or no building project.",
                employer=employer.name if employer else "?", project=str(project)))

    def validate_planned_end(self, field):
        if field.data and isinstance(self.start_date.data, date) and field.data < self.start_date.data:
            raise ValidationError(_("The planned end cannot be before the start (%(date)s).",
                                     date=short_date(self.start_date.data)))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        person = self.participant
        chooser = self.participant_id or self.participant_name
        if person is None and not chooser.errors:
            person = self.chosen_participant()
        message = None
        if person is not None and person.consent_date is None:
            message = _("%(name)s has no consent recorded. Record the consent on the "
                         "participant before adding placements.", name=person.name)
        elif person is not None and self.current is None:
            message = withdrawal_refusal(person, "placement")  # a correction is no new one
        if message is not None:
            if self.participant is None:
                chooser.errors = [*chooser.errors, message]
            else:
                self.participant_errors.append(message)
            ok = False
        return self._check_start(person) and ok

    def _check_start(self, person: Participant | None) -> bool:
        """Not before the participant's intake or consent. Checked when the start is set or
        moved, so a placement stored before the rule can still be corrected otherwise."""
        start = self.start_date.data
        if person is None or self.start_date.errors or not isinstance(start, date):
            return True
        if self.current is not None and self.current.start_date == start:
            return True
        problem = start_problem(start, person.name, person.intake_date, person.consent_date)
        if problem is None:
            return True
        self.start_date.errors = [*self.start_date.errors, problem]
        return False


class EditPlacementForm(PlacementForm):
    """A placement's correction, including its end and outcome once it has ended."""

    end_date = DateField(_l("Actual end"), validators=[Optional()])
    outcome = SelectField(_l("Outcome"), coerce=optional_code)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = choices(OUTCOMES, blank="—")

    def validate_end_date(self, field):
        if field.data and isinstance(self.start_date.data, date) and field.data < self.start_date.data:
            raise ValidationError(_("The end cannot be before the start (%(date)s).",
                                     date=short_date(self.start_date.data)))

    def validate_outcome(self, field):
        if self.end_date.data and not field.data:
            raise ValidationError(_l("Choose the outcome of the ended placement."))
        if field.data and not self.end_date.data:
            raise ValidationError(_l("An outcome needs the actual end date."))


class EndPlacementForm(Form):
    """Ending a placement: when it ended and what it led to."""

    end_date = DateField(_l("Actual end"), validators=[InputRequired()])
    outcome = SelectField(_l("Outcome"), coerce=optional_code)
    version = VersionField()

    def __init__(self, *args, placement: Placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.placement = placement
        self.outcome.choices = choices(OUTCOMES, blank="—")

    def validate_end_date(self, field):
        if field.data and field.data < self.placement.start_date:
            raise ValidationError(_("The end cannot be before the start (%(date)s).",
                                     date=short_date(self.placement.start_date)))

    def validate_outcome(self, field):
        if not field.data:
            raise ValidationError(_l("Choose what the placement led to."))


class FollowUpForm(Form):
    """Where the participant stood N months after a placement ended."""

    months = SelectField(_l("Months after the end"), coerce=int,
                         choices=[SelectChoice(m, str(m)) for m in FOLLOW_UP_MONTHS])
    status = SelectField(_l("Status"), coerce=optional_code)
    follow_up_date = DateField(_l("Date of the follow-up"), validators=[InputRequired()],
                               default=today)
    note = TextAreaField(_l("Note"), validators=[Optional(), no_cpr, Length(max=4000)])
    version = VersionField()

    def __init__(self, *args, placement: Placement, current: FollowUp | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.placement = placement
        self.current = current
        self.status.choices = choices(FOLLOW_UP_STATUSES, blank="—")

    def validate_months(self, field):
        clash = db.session.scalar(select(FollowUp).where(
            FollowUp.placement_id == self.placement.id, FollowUp.months == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_(
                "The follow-up %(months)s months after this placement is registered already.",
                months=field.data))

    def validate_status(self, field):
        if not field.data:
            raise ValidationError(_l("Choose where the participant stands."))

    def validate_follow_up_date(self, field):
        end = self.placement.end_date
        if field.data and end and field.data < end:
            raise ValidationError(_("The follow-up cannot be before the placement ended (%(date)s).",
                                     date=short_date(end)))
        if self.current is None or field.data != self.current.follow_up_date:
            not_in_future(field, _l("A follow-up cannot be dated in the future (today is "
                                    "%(today)s)."))
