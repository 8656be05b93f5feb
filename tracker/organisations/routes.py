"""Organisations and housing areas: list, create, edit, deactivate (secretariat only)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker import access
from tracker.auth import secretariat_required
from tracker.extensions import db
from tracker.forms import apply_form, commit_edit
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import Column, Filter, ListSpec
from tracker.models import HousingArea, Organisation
from tracker.models.codes import ORG_KINDS, label
from tracker.organisations.forms import HousingAreaForm, OrganisationForm
from tracker.removal import Removal, confirm, references, refusal
from tracker.urls import parse_id

bp = Blueprint("organisations", __name__)

ACTIVE_STATES = {"active": _l("Active"), "inactive": _l("Deactivated")}


def _active_filter(model):
    return Filter("state", _l("Status"), lambda v: model.is_active.is_(v == "active"),
                  ACTIVE_STATES)


ORGANISATIONS = ListSpec(
    columns=[
        Column("name", _l("Name"), lambda o: o.name, Organisation.name,
               link=lambda o: url_for("organisations.edit", organisation_id=o.id)),
        Column("kind", _l("Kind"), lambda o: label(ORG_KINDS, o.kind), Organisation.kind),
        Column("cvr", _l("CVR number"), lambda o: o.cvr, Organisation.cvr),
        Column("code", _l("Municipality code"), lambda o: o.municipality_code,
               Organisation.municipality_code),
        Column("email", _l("E-mail"), lambda o: o.email),
        Column("active", _l("Active"), lambda o: o.is_active, Organisation.is_active),
    ],
    search=[Organisation.name, Organisation.cvr],
    filters=[Filter("kind", _l("Kind"), lambda v: Organisation.kind == v, ORG_KINDS),
             _active_filter(Organisation)],
    default_sort="name",
    search_label=_l("Search name or CVR"),
)


def _municipality_options():
    rows = db.session.execute(select(Organisation.id, Organisation.name)
                              .where(Organisation.kind == "municipality")
                              .order_by(Organisation.name)).all()
    return [(str(i), n) for i, n in rows]


HOUSING_AREAS = ListSpec(
    columns=[
        Column("name", _l("Name"), lambda a: a.name, HousingArea.name,
               link=lambda a: url_for("organisations.edit_area", housing_area_id=a.id)),
        Column("municipality", _l("Municipality"), lambda a: a.municipality.name),
        Column("active", _l("Active"), lambda a: a.is_active, HousingArea.is_active),
    ],
    search=[HousingArea.name],
    filters=[Filter("municipality", _l("Municipality"),
                    lambda v: HousingArea.municipality_id == parse_id(v) if parse_id(v) else False,
                    _municipality_options),
             _active_filter(HousingArea)],
    default_sort="name",
    search_label=_l("Search name"),
)


@bp.route("/organisations/")
@secretariat_required
def index():
    """All organisations with search, filters and export; secretariat only."""
    state = ORGANISATIONS.state()
    query = ORGANISATIONS.apply(access.visible(Organisation, current_user), state)
    return ORGANISATIONS.respond(query, state, "organisationer", "organisations/index.html")


@bp.route("/organisations/new", methods=["GET", "POST"])
@secretariat_required
def create():
    """Register an organisation; secretariat only."""
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = Organisation()
        apply_form(form, organisation)
        db.session.add(organisation)
        db.session.commit()
        flash(_("%(name)s was created.", name=organisation.name), "success")
        return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=None)


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(organisation_id: int):
    """Correct an organisation; refused when someone else saved it meanwhile."""
    organisation = access.get_visible_or_404(Organisation, organisation_id, current_user)
    form = OrganisationForm(obj=organisation, current=organisation)
    if form.validate_on_submit() and commit_edit(form, organisation):
        flash(_("The changes to %(name)s were saved.", name=organisation.name), "success")
        return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=organisation)


@bp.route("/organisations/<int:organisation_id>/active", methods=["POST"])
@secretariat_required
def toggle_active(organisation_id: int):
    """Deactivate or reactivate: an organisation records refer to is kept (see `remove`)."""
    organisation = access.get_visible_or_404(Organisation, organisation_id, current_user)
    organisation.is_active = not organisation.is_active
    db.session.commit()
    flash(_("%(name)s is now active.", name=organisation.name) if organisation.is_active
          else _("%(name)s is deactivated.", name=organisation.name), "success")
    return redirect(url_for("organisations.edit", organisation_id=organisation.id))


@bp.route("/housing-areas/")
@secretariat_required
def areas():
    """All housing areas; secretariat only."""
    state = HOUSING_AREAS.state()
    query = HOUSING_AREAS.apply(select(HousingArea).join(HousingArea.municipality), state)
    return HOUSING_AREAS.respond(query, state, "boligomraader", "organisations/areas.html")


@bp.route("/housing-areas/new", methods=["GET", "POST"])
@secretariat_required
def create_area():
    """Register a housing area; secretariat only."""
    form = HousingAreaForm()
    if form.validate_on_submit():
        area = HousingArea(name=form.name.data, municipality_id=form.municipality_id.data)
        db.session.add(area)
        db.session.commit()
        flash(_("%(name)s was created.", name=area.name), "success")
        return redirect(url_for("organisations.areas"))
    return render_template("organisations/area_form.html", form=form, area=None)


@bp.route("/housing-areas/<int:housing_area_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_area(housing_area_id: int):
    """Correct a housing area, or deactivate it; secretariat only."""
    area = db.get_or_404(HousingArea, housing_area_id)
    form = HousingAreaForm(obj=area, current=area)
    if form.validate_on_submit() and commit_edit(form, area):
        flash(_("The changes to %(name)s were saved.", name=area.name), "success")
        return redirect(url_for("organisations.areas"))
    return render_template("organisations/area_form.html", form=form, area=area)


@bp.route("/housing-areas/<int:housing_area_id>/active", methods=["POST"])
@secretariat_required
def toggle_area(housing_area_id: int):
    """Deactivate or reactivate a housing area (one in use is kept, see `remove_area`)."""
    area = db.get_or_404(HousingArea, housing_area_id)
    area.is_active = not area.is_active
    db.session.commit()
    flash(_("%(name)s is now active.", name=area.name) if area.is_active
          else _("%(name)s is deactivated.", name=area.name), "success")
    return redirect(url_for("organisations.edit_area", housing_area_id=area.id))


@bp.route("/organisations/<int:organisation_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove(organisation_id: int):
    """Remove an organisation made by mistake, after a confirmation; one that anything
    refers to is deactivated instead."""
    organisation = access.get_visible_or_404(Organisation, organisation_id, current_user)
    return confirm(Removal(
        title=_("Remove %(name)s", name=organisation.name),
        goes=[_("The organisation %(name)s (CVR %(cvr)s).", name=organisation.name,
                cvr=organisation.cvr or "–")],
        perform=lambda: db.session.delete(organisation),
        done=_("%(name)s was removed.", name=organisation.name),
        refused=refusal(organisation.name, references(organisation)),
        back=url_for("organisations.edit", organisation_id=organisation.id),
        after=url_for("organisations.index")))


@bp.route("/housing-areas/<int:housing_area_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_area(housing_area_id: int):
    """Remove a housing area made by mistake, after a confirmation; not one in use."""
    area = db.get_or_404(HousingArea, housing_area_id)
    return confirm(Removal(
        title=_("Remove %(name)s", name=area.name),
        goes=[_("The housing area %(name)s.", name=area.name)],
        perform=lambda: db.session.delete(area),
        done=_("%(name)s was removed.", name=area.name),
        refused=refusal(area.name, references(area)),
        back=url_for("organisations.edit_area", housing_area_id=area.id),
        after=url_for("organisations.areas")))
