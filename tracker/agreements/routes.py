"""Partnership agreements, their parties and clauses.

Everyone who may see a project may read its agreements (a contractor only the clauses it
answers for); only the secretariat creates and changes them.
"""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from tracker import access, names
from tracker.agreements.forms import (
    PARTY_ROLES,
    AgreementForm,
    ClauseForm,
    NewAgreementForm,
    PartyForm,
)
from tracker.agreements.service import (
    clauses_with_figures,
    figure,
    target_calculation,
    unit_word,
)
from tracker.auth import secretariat_required
from tracker.extensions import db
from tracker.forms import apply_form, commit_edit
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.models import (
    Agreement,
    AgreementParty,
    Clause,
    ContractorReport,
    Evaluation,
    Project,
    ProjectContractor,
    SentReminder,
)
from tracker.models.codes import CLAUSE_KINDS, label
from tracker.projects.service import load_project
from tracker.removal import Removal, confirm, references, refusal
from tracker.uploads import UploadError, file_response, store_upload
from tracker.urls import as_of_arg

bp = Blueprint("agreements", __name__)
# Clause figures in pages: "8,5", "7,16", "10"; units in running text: "elevårsværk".
bp.add_app_template_filter(figure, "figure")
bp.add_app_template_filter(unit_word, "unit_word")

SIGNED_MAX_MB = 10
CONTRACTOR_PARTY_ROLES = {"main": "Hovedentreprenør", "sub": "Underentreprenør"}


def _can_edit() -> bool:
    return current_user.role in access.SECRETARIAT


def _signed_upload(form):
    """The uploaded signed agreement as a stored file; None without one; False when refused
    (the reason is put on the field, so the form shows it with the rest of the input)."""
    upload = form.signed_pdf.data
    if not upload:
        return None
    try:
        return store_upload(upload, allowed=("pdf",), max_mb=SIGNED_MAX_MB,
                            uploaded_by=current_user)
    except UploadError as error:
        form.signed_pdf.errors = [*form.signed_pdf.errors, str(error)]
        return False


def _duplicate_ref(field, message: str) -> None:
    db.session.rollback()
    field.errors = [*field.errors, message]


def _add_default_parties(agreement: Agreement, project: Project) -> None:
    """The builder and the contractors on the project, with their usual Danish roles."""
    agreement.parties.append(AgreementParty(organisation=project.builder, role="Bygherre",
                                            contributions=[], benefits=[]))
    links = db.session.scalars(select(ProjectContractor).where(
        ProjectContractor.project_id == project.id).order_by(ProjectContractor.role,
                                                             ProjectContractor.id)).all()
    for link in links:
        agreement.parties.append(AgreementParty(
            organisation_id=link.contractor_id, role=CONTRACTOR_PARTY_ROLES[link.role],
            contributions=[], benefits=[]))


@bp.route("/projects/<int:project_id>/agreements/new", methods=["GET", "POST"])
@secretariat_required
def create(project_id: int):
    """Register a partnership agreement on a project, optionally with its signed PDF."""
    project = load_project(project_id, current_user)
    form = NewAgreementForm()
    if form.validate_on_submit():
        stored = _signed_upload(form)
        if stored is not False:
            agreement = Agreement(project=project)
            apply_form(form, agreement, skip=("add_parties",))
            agreement.signed_file = stored
            if form.add_parties.data:
                _add_default_parties(agreement, project)
            db.session.add(agreement)
            try:
                db.session.commit()
            except IntegrityError:  # the number was taken by someone else meanwhile
                _duplicate_ref(form.ref, _("Agreement no. %(ref)s is already used.",
                                           ref=form.ref.data))
            else:
                flash(_("The partnership agreement %(ref)s was created.", ref=agreement.ref),
                      "success")
                return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return render_template("agreements/form.html", form=form, agreement=None, project=project)


def _load_agreement(agreement_id: int) -> Agreement:
    agreement = db.session.scalars(
        access.visible(Agreement, current_user).where(Agreement.id == agreement_id)
        .options(joinedload(Agreement.project).joinedload(Project.builder),
                 selectinload(Agreement.parties).joinedload(AgreementParty.organisation),
                 joinedload(Agreement.signed_file))).first()
    if agreement is None:
        abort(404)
    return agreement


@bp.route("/agreements/<int:agreement_id>")
@login_required
def detail(agreement_id: int):
    """The agreement page: parties with contributions and benefits, clauses with figures,
    the signed file; for everyone who may see the project."""
    agreement = _load_agreement(agreement_id)
    as_of = as_of_arg()
    clauses, figures = clauses_with_figures(
        access.visible(Clause, current_user).where(Clause.agreement_id == agreement.id), as_of)
    # The agreement's texts are shown masked outside the secretariat.
    names.prepare(current_user, [
        agreement.title, *(c.text for c in clauses),
        *(text for party in agreement.parties
          for text in (party.role, *(party.contributions or ()), *(party.benefits or ())))])
    calculations = {c.id: target_calculation(c, agreement.project) for c in clauses}
    evaluations = (db.session.scalars(select(Evaluation).where(
        Evaluation.agreement_id == agreement.id).order_by(Evaluation.year.desc())).all()
        if _can_edit() else [])
    return render_template("agreements/detail.html", agreement=agreement,
                           project=agreement.project, clauses=clauses, figures=figures,
                           calculations=calculations, as_of=as_of, today=date.today(),
                           can_edit=_can_edit(), evaluations=evaluations)


@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(agreement_id: int):
    """Correct an agreement or upload its signed PDF; secretariat only."""
    agreement = _load_agreement(agreement_id)
    form = AgreementForm(obj=agreement, current=agreement)
    if form.validate_on_submit():
        stored = _signed_upload(form)

        def apply(form_, agreement_):
            apply_form(form_, agreement_)
            if stored:
                agreement_.signed_file = stored

        try:
            saved = stored is not False and commit_edit(form, agreement, apply=apply)
        except IntegrityError:
            _duplicate_ref(form.ref, _("Agreement no. %(ref)s is already used.",
                                       ref=form.ref.data))
            saved = False
        if saved:
            flash(_("The changes to %(name)s were saved.", name=agreement.ref), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return render_template("agreements/form.html", form=form, agreement=agreement,
                           project=agreement.project)


@bp.route("/agreements/<int:agreement_id>/signed")
@login_required
def signed_file(agreement_id: int):
    """Download the signed agreement; only for users who may see the agreement."""
    agreement = access.get_visible_or_404(Agreement, agreement_id, current_user)
    if agreement.signed_file is None:
        abort(404)
    return file_response(agreement.signed_file)


# --- Parties ---------------------------------------------------------------------------


@bp.route("/agreements/<int:agreement_id>/parties/new", methods=["GET", "POST"])
@secretariat_required
def create_party(agreement_id: int):
    """Add a party with its role, contributions and expected benefits; secretariat only."""
    agreement = _load_agreement(agreement_id)
    form = PartyForm(agreement=agreement)
    if form.validate_on_submit():
        party = AgreementParty(agreement=agreement)
        apply_form(form, party)
        db.session.add(party)
        try:
            db.session.commit()
        except IntegrityError:  # added by someone else meanwhile
            _duplicate_ref(form.organisation_id,
                           _("The organisation is already a party to this agreement."))
        else:
            flash(_("%(name)s was added as a party.", name=party.organisation.name), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return render_template("agreements/party_form.html", form=form, agreement=agreement,
                           party=None, suggestions=PARTY_ROLES)


def _load_party(party_id: int) -> AgreementParty:
    party = db.get_or_404(AgreementParty, party_id)
    access.get_visible_or_404(Agreement, party.agreement_id, current_user)
    return party


@bp.route("/agreement-parties/<int:party_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_party(party_id: int):
    """Change a party's role, contributions or benefits; secretariat only."""
    party = _load_party(party_id)
    form = PartyForm(obj=party, agreement=party.agreement, current=party)
    if form.validate_on_submit():
        try:
            saved = commit_edit(form, party)
        except IntegrityError:
            _duplicate_ref(form.organisation_id,
                           _("The organisation is already a party to this agreement."))
            saved = False
        if saved:
            flash(_("The changes to %(name)s were saved.", name=party.organisation.name),
                  "success")
            return redirect(url_for("agreements.detail", agreement_id=party.agreement_id))
    return render_template("agreements/party_form.html", form=form, agreement=party.agreement,
                           party=party, suggestions=PARTY_ROLES)


@bp.route("/agreement-parties/<int:party_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_party(party_id: int):
    """Take a party out of the agreement, after a confirmation (the audit trail keeps what
    it said)."""
    party = _load_party(party_id)
    name = party.organisation.name
    goes = [_("%(name)s as a party (%(role)s) to the agreement.", name=name, role=party.role)]
    if party.contributions or party.benefits:
        goes.append(_("Its %(contributions)s contributions and %(benefits)s benefits.",
                      contributions=len(party.contributions or []),
                      benefits=len(party.benefits or [])))
    return confirm(Removal(
        title=_("Remove %(name)s from the agreement", name=name), goes=goes,
        perform=lambda: db.session.delete(party),
        done=_("%(name)s is no longer a party to the agreement.", name=name),
        back=url_for("agreements.detail", agreement_id=party.agreement_id)))


# --- Clauses ---------------------------------------------------------------------------


def _flash_calculation(clause: Clause, project: Project) -> None:
    """Say how a computed target came about, so an entered figure overridden is no surprise."""
    calculation = target_calculation(clause, project)
    if calculation:
        flash(_("The target was computed: %(calculation)s", calculation=calculation), "info")


@bp.route("/agreements/<int:agreement_id>/clauses/new", methods=["GET", "POST"])
@secretariat_required
def create_clause(agreement_id: int):
    """Add a clause to an agreement; its target entered or computed by a rate."""
    agreement = _load_agreement(agreement_id)
    form = ClauseForm(project=agreement.project)
    if form.validate_on_submit():
        clause = Clause(agreement=agreement)
        form.apply(clause)
        db.session.add(clause)
        try:
            db.session.commit()
        except IntegrityError:
            _duplicate_ref(form.ref, _("Clause no. %(ref)s is already used.", ref=form.ref.data))
        else:
            flash(_("Clause %(ref)s was created.", ref=clause.ref), "success")
            _flash_calculation(clause, agreement.project)
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return render_template("agreements/clause_form.html", form=form, agreement=agreement,
                           project=agreement.project, clause=None, calculation=None)


@bp.route("/clauses/<int:clause_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_clause(clause_id: int):
    """Correct a clause; secretariat only."""
    clause = access.get_visible_or_404(Clause, clause_id, current_user)
    agreement = clause.agreement
    form = ClauseForm(obj=clause, project=agreement.project, current=clause)
    if form.validate_on_submit():
        try:
            saved = commit_edit(form, clause, apply=lambda form_, clause_: form_.apply(clause_))
        except IntegrityError:
            _duplicate_ref(form.ref, _("Clause no. %(ref)s is already used.", ref=form.ref.data))
            saved = False
        if saved:
            flash(_("The changes to %(name)s were saved.", name=clause.ref), "success")
            _flash_calculation(clause, agreement.project)
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return render_template("agreements/clause_form.html", form=form, agreement=agreement,
                           project=agreement.project, clause=clause,
                           calculation=target_calculation(clause, agreement.project))


@bp.route("/clauses/<int:clause_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_clause(clause_id: int):
    """Remove a clause entered by mistake, after a confirmation; not once a contractor has
    reported on it (the reports are the contractor's, and would lose their clause)."""
    clause = access.get_visible_or_404(Clause, clause_id, current_user)
    agreement = clause.agreement
    reports = db.session.scalar(select(func.count()).select_from(ContractorReport)
                                .where(ContractorReport.clause_id == clause.id))
    refused = ngettext(
        "Clause %(ref)s has %(num)s contractor report and cannot be removed.",
        "Clause %(ref)s has %(num)s contractor reports and cannot be removed.",
        reports, ref=clause.ref) if reports else None

    def perform():
        # Rows kept for the clause that the database does not remove with it everywhere.
        db.session.execute(delete(SentReminder).where(SentReminder.clause_id == clause.id))
        db.session.delete(clause)

    return confirm(Removal(
        title=_("Remove clause %(ref)s", ref=clause.ref),
        goes=[_("Clause %(ref)s (%(kind)s, target %(target)s) of agreement %(agreement)s, "
                "with the periods owed for it and who reports on it.", ref=clause.ref,
                kind=label(CLAUSE_KINDS, clause.kind), target=clause.target,
                agreement=agreement.ref),
              _("Its figures leave the project's page, the documents and the dashboards.")],
        perform=perform, done=_("Clause %(ref)s was removed.", ref=clause.ref),
        refused=refused, back=url_for("agreements.detail", agreement_id=agreement.id)))


@bp.route("/agreements/<int:agreement_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove(agreement_id: int):
    """Remove an agreement made by mistake, with its parties, after a confirmation; not
    once it has clauses or evaluations."""
    agreement = _load_agreement(agreement_id)
    project_id = agreement.project_id
    return confirm(Removal(
        title=_("Remove agreement %(ref)s", ref=agreement.ref),
        goes=[_("Agreement %(ref)s (%(title)s), with its %(n)s parties.", ref=agreement.ref,
                title=agreement.title, n=len(agreement.parties))],
        perform=lambda: db.session.delete(agreement),
        done=_("Agreement %(ref)s was removed.", ref=agreement.ref),
        refused=refusal(agreement.ref, references(agreement, {"agreement_parties"})),
        back=url_for("agreements.detail", agreement_id=agreement.id),
        after=url_for("projects.detail", project_id=project_id)))
