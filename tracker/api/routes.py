"""JSON API v1: the same role scope as the pages (tracker.access), bearer tokens only."""
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask import Blueprint, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.api.auth import user_from_token
from tracker.api.openapi import openapi_document
from tracker.audit import record_access, record_list_view
from tracker.counting import SUMMARY_FIELDS, clause_figures, municipality_summary, rounded
from tracker.extensions import csrf, db
from tracker.models import (
    Agreement,
    Clause,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    Project,
)
from tracker.names import masked_for
from tracker.urls import MAX_ID, parse_date

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies: every call carries its bearer token
MAX_PER_PAGE = 200
# A call cannot say why it reads residents' data: its reads are logged as casework.
API_PURPOSE = "casework"


class ApiError(Exception):
    """An error answered as JSON: {"error": {"status": …, "message": …}}."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    response = jsonify({"error": {"status": error.status, "message": error.message}})
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    if user_from_token() is None:
        raise ApiError(401, "A valid bearer token is required: Authorization: Bearer <token>.")
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _user():
    return g.api_user


def _date_arg(name: str, default: date | None = None) -> date:
    """A date parameter; without one the default. Given empty or unreadable it is refused,
    never read as the default."""
    raw = request.args.get(name)
    if raw is None:
        if default is None:
            raise ApiError(400, f"The query parameter '{name}' is required (YYYY-MM-DD).")
        return default
    value = parse_date(raw)
    if value is None:
        raise ApiError(400, f"'{name}' must be a date as YYYY-MM-DD, not {raw!r}.")
    return value


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ApiError(400, f"'{name}' must be a whole number from {low} to {high}.")
    return int(raw)


def _one(model, ident: int):
    obj = db.session.scalars(access.visible(model, _user()).where(model.id == ident)).first()
    if obj is None:
        raise ApiError(404, f"No {model.__tablename__[:-1].replace('_', ' ')} {ident} "
                            "exists within your access.")
    return obj


def _page(query, serialise, key: str, logged: tuple[str, Callable] | None = None):
    """One page of a list. `logged` (what the access log calls the list, a row's
    participant id): the page shows residents, and is logged naming them."""
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False,
                         max_per_page=MAX_PER_PAGE, count=True)
    body = {key: [serialise(obj) for obj in result.items], "page": page,
            "per_page": per_page, "total": result.total}
    if logged is not None:
        entity, participant_of = logged
        record_list_view(db.session, entity, [participant_of(obj) for obj in result.items],
                         API_PURPOSE)
        db.session.commit()
    return jsonify(body)


def _number(value):
    """A figure as a JSON number rounded to two decimals (None stays null)."""
    value = rounded(value)
    return None if value is None else float(value)


def _iso(value: date | None):
    return value.isoformat() if value else None


def _project(p: Project) -> dict:
    return {
        "id": p.id, "case_number": p.case_number, "name": p.name,
        "housing_area": p.housing_area.name,
        "municipality_cvr": p.housing_area.municipality.cvr,
        "builder": {"cvr": p.builder.cvr, "name": p.builder.name},
        "start": _iso(p.start_date), "end": _iso(p.end_date), "status": p.status,
        "contract_sum": _number(p.contract_sum), "craft_cost": _number(p.craft_cost),
    }


def _clause(c: Clause) -> dict:
    return {
        "id": c.id, "ref": c.ref, "project_id": c.agreement.project_id,
        "agreement_ref": c.agreement.ref, "kind": c.kind, "unit": c.unit,
        "target": _number(c.target),
        "responsible_cvr": c.responsible_contractor.cvr if c.responsible_contractor else None,
        "start": _iso(c.start_date), "end": _iso(c.end_date), "frequency": c.frequency,
    }


def _participant(p: Participant, user) -> dict:
    """A participant as the user may see it. Builders and contractors get the pseudonym and
    never the id or the reference, which lead back to the person in other records (a
    contractor also gets its own hire's name); the municipality gets the reference and not
    the pseudonym; only the secretariat gets both."""
    detail = access.participant_detail(user)
    data = {}
    if access.shows_reference(user):
        data.update({"id": p.id, "ref": p.ref})
    if access.shows_pseudonym(user):
        data["pseudonym"] = p.pseudonym
    if detail != "pseudonym":
        data["name"] = p.name
    if detail == "full":
        data.update({
            "birth_year": p.birth_year, "gender": p.gender,
            "housing_area": p.housing_area.name if p.housing_area else None,
            "municipality_cvr": p.municipality.cvr if p.municipality else None,
            "benefit": p.benefit_group.code if p.benefit_group else None,
            "readiness": p.readiness, "intake_date": _iso(p.intake_date),
            "consent_date": _iso(p.consent_date),
            "consent_withdrawn_on": _iso(p.consent_withdrawn_on),
        })
    return data


def _placement(pl: Placement, user) -> dict:
    """A placement with its participant as the user may know them (`_participant`): the
    pseudonym, the id, or both for the secretariat. Builders get no placement reference."""
    detail = access.participant_detail(user)
    data = {
        "id": pl.id, "kind": pl.kind,
        "employer_cvr": pl.employer.cvr, "project_id": pl.project_id, "trade": pl.trade,
        "start": _iso(pl.start_date), "planned_end": _iso(pl.planned_end),
        "end": _iso(pl.end_date), "hours_per_week": _number(pl.hours_per_week),
        "next_placement_id": pl.next_placement_id,
    }
    if detail != "pseudonym":
        data["ref"] = pl.ref
    if access.shows_reference(user):
        data["participant_id"] = pl.participant_id
    if access.shows_pseudonym(user):
        data["participant"] = pl.participant.pseudonym
    if detail == "full":
        data["outcome"] = pl.outcome
    return data


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API (public)."""
    return jsonify(openapi_document(url_for("api.projects", _external=False).rsplit("/", 1)[0]))


@bp.get("/projects")
def projects():
    """Projects within the token user's scope; ?case_number= filters exactly."""
    query = access.visible(Project, _user()).options(
        joinedload(Project.housing_area).joinedload(HousingArea.municipality),
        joinedload(Project.builder)).order_by(Project.case_number)
    case_number = request.args.get("case_number")
    if case_number is not None:
        query = query.where(Project.case_number == case_number)
    return _page(query, _project, "projects")


@bp.get("/projects/<int:project_id>")
def project(project_id: int):
    """One project within scope."""
    return jsonify(_project(_one(Project, project_id)))


@bp.get("/projects/<int:project_id>/fulfilment")
def fulfilment(project_id: int):
    """Every clause of the project (within scope) with its figures as of ?as_of= (DESIGN §4)."""
    as_of = _date_arg("as_of", date.today())
    project = _one(Project, project_id)
    clauses = db.session.scalars(
        access.visible(Clause, _user()).join(Agreement, Clause.agreement_id == Agreement.id)
        .where(Agreement.project_id == project.id).order_by(Clause.ref)).all()
    figures = clause_figures([c.id for c in clauses], as_of)
    return jsonify({
        "project_id": project.id, "case_number": project.case_number, "as_of": as_of.isoformat(),
        "clauses": [{
            "ref": c.ref, "kind": c.kind, "unit": c.unit,
            "target": _number(figures[c.id].target),
            "registered": _number(figures[c.id].registered),
            "reported": _number(figures[c.id].reported),
            "percent": _number(figures[c.id].percent),
            "status": figures[c.id].status,
            "discrepancy": figures[c.id].discrepancy,
        } for c in clauses],
    })


@bp.get("/municipalities/<cvr>/summary")
def municipality(cvr: str):
    """DESIGN §6 summary for the municipality's residents in ?from= … ?to=."""
    date_from, date_to = _date_arg("from"), _date_arg("to")
    if date_to < date_from:
        raise ApiError(400, "'to' must not be before 'from'.")
    org = db.session.scalars(
        access.visible_municipalities(_user()).where(Organisation.cvr == cvr)).first()
    if org is None:
        raise ApiError(404, f"No municipality with CVR {cvr} exists within your access.")
    summary = municipality_summary(org.id, date_from, date_to)
    return jsonify({
        "municipality": {"cvr": org.cvr, "name": org.name, "code": org.municipality_code},
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        **{field: summary[field] for field in SUMMARY_FIELDS},
    })


@bp.get("/clauses")
def clauses():
    """Clauses within scope; ?project_id= filters."""
    query = access.visible(Clause, _user()).options(
        joinedload(Clause.agreement), joinedload(Clause.responsible_contractor)
    ).order_by(Clause.ref)
    project_id = request.args.get("project_id")
    if project_id is not None:
        query = query.join(Agreement, Clause.agreement_id == Agreement.id).where(
            Agreement.project_id == _int_arg("project_id", 0, 1, MAX_ID))
    return _page(query, _clause, "clauses")


@bp.get("/clauses/<int:clause_id>")
def clause(clause_id: int):
    """One clause within scope, with its figures as of ?as_of=."""
    as_of = _date_arg("as_of", date.today())
    obj = _one(Clause, clause_id)
    figures = clause_figures([obj.id], as_of)[obj.id]
    return jsonify({**_clause(obj), "as_of": as_of.isoformat(),
                    "registered": _number(figures.registered),
                    "reported": _number(figures.reported), "percent": _number(figures.percent),
                    "status": figures.status, "discrepancy": figures.discrepancy})


@bp.get("/participants")
def participants():
    """Participants within scope, with the fields the role may see (builders: pseudonyms).
    A page with names is logged, naming the participants on it."""
    user = _user()
    detail = access.participant_detail(user)
    # By pseudonym for those who do not see ids: the order of ids is the order of intake.
    order = Participant.id if access.shows_reference(user) else Participant.pseudonym
    query = access.visible(Participant, user).options(
        joinedload(Participant.housing_area), joinedload(Participant.municipality),
        joinedload(Participant.benefit_group)).order_by(order)
    logged = ("api_participants", lambda p: p.id) if detail != "pseudonym" else None
    return _page(query, lambda p: _participant(p, user), "participants", logged)


def _participant_answer(obj: Participant):
    user = _user()
    if access.participant_detail(user) != "pseudonym":
        record_access(db.session, "view", obj, purpose=API_PURPOSE)
        db.session.commit()
    return jsonify(_participant(obj, user))


@bp.get("/participants/<int:participant_id>")
def participant(participant_id: int):
    """One participant within scope, by id, for those who know participants by id (the
    secretariat, the municipality); the view is recorded in the audit trail."""
    if not access.shows_reference(_user()):
        raise ApiError(404, f"No participant {participant_id} exists within your access.")
    return _participant_answer(_one(Participant, participant_id))


@bp.get("/participants/<pseudonym>")
def participant_by_pseudonym(pseudonym: str):
    """One participant within scope, by pseudonym, for those who know participants by
    pseudonym (the secretariat, contractors, builders); the view is recorded."""
    obj = None
    if access.shows_pseudonym(_user()):
        obj = db.session.scalars(access.visible(Participant, _user())
                                 .where(Participant.pseudonym == pseudonym)).first()
    if obj is None:
        raise ApiError(404, f"No participant {pseudonym!r} exists within your access.")
    return _participant_answer(obj)


@bp.get("/placements")
def placements():
    """Placements within scope; ?participant= (a pseudonym), ?participant_id= (for those
    who see participants in full) and ?project_id= filter. A resident's placements are
    personal data: a page is logged, naming the participants on it."""
    user = _user()
    detail = access.participant_detail(user)
    query = access.visible(Placement, user).options(
        joinedload(Placement.employer), joinedload(Placement.participant)).order_by(Placement.id)
    if request.args.get("participant") is not None:
        if not access.shows_pseudonym(user):
            raise ApiError(400, "Filter by the participant's id: ?participant_id=….")
        query = query.where(Placement.participant_id.in_(
            select(Participant.id).where(Participant.pseudonym == request.args["participant"])))
    if request.args.get("participant_id") is not None:
        if not access.shows_reference(user):
            raise ApiError(400, "Filter by the participant's pseudonym: ?participant=P-….")
        query = query.where(
            Placement.participant_id == _int_arg("participant_id", 0, 1, MAX_ID))
    if request.args.get("project_id") is not None:
        query = query.where(Placement.project_id == _int_arg("project_id", 0, 1, MAX_ID))
    logged = ("api_placements", lambda pl: pl.participant_id) if detail != "pseudonym" else None
    return _page(query, lambda pl: _placement(pl, user), "placements", logged)


@bp.get("/placements/<int:placement_id>")
def placement(placement_id: int):
    """One placement within scope; the view is recorded in the audit trail."""
    user = _user()
    obj = _one(Placement, placement_id)
    body = _placement(obj, user)
    if access.participant_detail(user) != "pseudonym":
        record_access(db.session, "view", obj, purpose=API_PURPOSE)
        db.session.commit()
    return jsonify(body)


def _report(report) -> dict:
    """A report version; outside the secretariat, participants' names in the comment are
    replaced by their pseudonyms."""
    return {
        "id": report.id, "ref": report.ref, "clause_id": report.clause_id,
        "contractor_cvr": report.contractor.cvr, "period_start": _iso(report.period_start),
        "period_end": _iso(report.period_end), "version": report.report_version,
        "status": report.status, "persons": report.persons, "weeks": _number(report.weeks),
        "hours": _number(report.hours), "site_hours": _number(report.site_hours),
        "comment": masked_for(_user(), report.comment),
    }


REPORT_FIELDS = {"clause_id", "period_start", "persons", "weeks", "hours", "site_hours",
                 "comment"}


def _form_value(value) -> str:
    """A JSON value as the report form reads it; numbers with a decimal comma, which the
    form never mistakes for a thousands separator."""
    if isinstance(value, bool):
        raise ApiError(400, "Figures must be numbers, not true/false.")
    if isinstance(value, (int, float)):
        return format(Decimal(str(value)), "f").replace(".", ",")
    return str(value)


@bp.post("/reports")
def submit_report():
    """A contractor's report on one clause and period, checked exactly as in the portal;
    a second report on the same period is a new version (a correction)."""
    from flask_babel import force_locale
    from sqlalchemy.exc import IntegrityError
    from werkzeug.datastructures import MultiDict

    from tracker.reporting import service
    from tracker.reporting.forms import ReportForm

    user = _user()
    if user.role != "contractor":
        raise ApiError(403, "Only contractor users submit reports.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.")
    unknown = sorted(set(body) - REPORT_FIELDS)
    if unknown:
        raise ApiError(400, f"Unknown fields: {', '.join(unknown)}.")
    clause_id = body.get("clause_id")
    if isinstance(clause_id, float) and clause_id.is_integer():  # JSON: 7.0 is the integer 7
        clause_id = int(clause_id)
    if not isinstance(clause_id, int) or isinstance(clause_id, bool) \
            or not 1 <= clause_id <= MAX_ID:
        raise ApiError(400, f"'clause_id' must be a clause id (a whole number from 1 to "
                            f"{MAX_ID}).")
    clause = _one(Clause, clause_id)
    data = MultiDict({"period": _form_value(body.get("period_start", ""))})
    for name in ("persons", "weeks", "hours", "site_hours", "comment"):
        if body.get(name) is not None:
            data[name] = _form_value(body[name])
    with force_locale("en"):
        form = ReportForm(formdata=data, clause=clause, today=date.today(),
                          meta={"csrf": False})
        if not form.validate():
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            first = next(iter(errors.values()))[0]
            raise ApiError(400, f"{first} ({', '.join(errors)})")
    report = service.submit_report(
        clause=clause, contractor=user.organisation, period=form.chosen_period, user=user,
        persons=form.persons.data, weeks=form.weeks.data, hours=form.hours.data,
        site_hours=form.site_hours.data, comment=form.comment.data or "", files=[])
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "Another report on this period arrived at the same moment; "
                            "send it again.") from None
    response = jsonify(_report(report))
    response.status_code = 201
    response.headers["Location"] = url_for("api.report", report_id=report.id)
    return response


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    """One contractor report (one version) within scope."""
    from tracker.models import ContractorReport

    return jsonify(_report(_one(ContractorReport, report_id)))
