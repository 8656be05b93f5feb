"""Documents: list, issue, download within scope; the public verification page."""
import hashlib
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.audit import chosen_purpose, record_access, record_list_view
from tracker.documents import jobs
from tracker.documents.content import XLSX_TYPE
from tracker.documents.forms import IssueForm, VerifyForm
from tracker.documents.requests import (
    DocumentRequest,
    IssueError,
    check_request,
    issuable_kinds,
    pathway_refusal,
)
from tracker.documents.service import file_name, find_issued
from tracker.extensions import db, limiter
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import Column, Filter, ListSpec, Records
from tracker.models import Document, DocumentJob, HousingArea, Organisation, Participant, Project
from tracker.models.codes import DOCUMENT_KINDS, label
from tracker.urls import parse_id

bp = Blueprint("documents", __name__)

MB = 1024 * 1024
# The documents the system issues are a few hundred kB; nothing larger can be one of them.
VERIFY_MAX_BYTES = 10 * MB


NEEDS_WORDS = {
    "clause-status": _l("a building project"),
    "compliance": _l("a contractor and a building project it works on"),
    "municipality": _l("a municipality and a period"),
    "pathway": _l("a participant whose consent is recorded"),
    "annual": _l("a year"),
    "training": _l("a building project and a year"),
}


def _issuer(document: Document) -> str:
    return document.issued_by.name if document.issued_by else _("the system")


def _projects() -> Select:
    return access.visible(Project, current_user).with_only_columns(
        Project.id, Project.case_number, Project.name).order_by(Project.case_number, Project.id)


# The options of the project filter: the user's own projects.
PROJECTS = Records(_projects, [Project.case_number, Project.name],
                   label=lambda row: f"{row.case_number} {row.name}")


def _municipality_options() -> list[tuple[str, str]]:
    """Municipalities the user's documents can be about: their own, or their projects'."""
    projects = access.visible_project_ids(current_user)
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).where(
            Organisation.kind == "municipality",
            or_(Organisation.id.in_(access.visible_municipalities(current_user)
                                    .with_only_columns(Organisation.id)),
                Organisation.id.in_(select(HousingArea.municipality_id)
                                    .join(Project, Project.housing_area_id == HousingArea.id)
                                    .where(Project.id.in_(projects)))))
        .order_by(Organisation.name)).all()
    return [(str(i), name) for i, name in rows]


def _about_municipality(value: str):
    """Documents about a municipality: its reports, its projects' and its residents'."""
    municipality_id = parse_id(value)
    if municipality_id is None:
        return Document.id.is_(None)
    return or_(
        (Document.kind == "municipality") & (Document.organisation_id == municipality_id),
        Document.project_id.in_(select(Project.id).join(
            HousingArea, Project.housing_area_id == HousingArea.id)
            .where(HousingArea.municipality_id == municipality_id)),
        Document.participant_id.in_(select(Participant.id).where(
            Participant.municipality_id == municipality_id)),
    )


DOCUMENTS = ListSpec(
    columns=[
        Column("number", _l("Document number"), lambda d: d.number, Document.number,
               link=lambda d: url_for("documents.detail", document_id=d.id)),
        Column("kind", _l("Document"), lambda d: label(DOCUMENT_KINDS, d.kind), Document.kind),
        Column("scope", _l("Scope"), lambda d: d.scope, Document.scope),
        Column("as_of", _l("As of"), lambda d: d.as_of, Document.as_of),
        Column("issued_at", _l("Issued"), lambda d: d.issued_at, Document.issued_at),
        Column("issued_by", _l("Issued by"), _issuer),
    ],
    search=[Document.number, Document.scope],
    filters=[
        Filter("kind", _l("Document"), lambda v: Document.kind == v, DOCUMENT_KINDS),
        Filter("project", _l("Building project"), lambda ids: Document.project_id.in_(ids),
               PROJECTS),
        Filter("municipality", _l("Municipality"), _about_municipality, _municipality_options),
    ],
    default_sort="-issued_at",
    search_label=_l("Search number or scope"),
)


@bp.route("/documents/")
@login_required
def index():
    """Issued documents the user may see (access.visible), with filters; every role."""
    state = DOCUMENTS.state()
    query = DOCUMENTS.apply(
        access.visible(Document, current_user).options(joinedload(Document.issued_by)), state)
    return DOCUMENTS.respond(query, state, "dokumenter", "documents/index.html",
                             can_issue=bool(issuable_kinds(current_user)))


def _request_from(form: IssueForm) -> DocumentRequest:
    """The document the form asks for, its objects loaded through the user's scope."""
    def one(model, ident):
        if ident is None:
            return None
        return access.get_visible_or_404(model, ident, current_user)

    municipality = None
    if form.value("municipality_id") is not None:
        municipality = db.session.scalar(
            access.visible_municipalities(current_user)
            .where(Organisation.id == form.municipality_id.data))
    contractor = None
    if form.chosen_id("contractor") is not None:
        contractor = db.session.get(Organisation, form.chosen_id("contractor"))
    return DocumentRequest(
        kind=form.chosen_kind, as_of=form.as_of.data,
        project=one(Project, form.chosen_id("project")), contractor=contractor,
        municipality=municipality, participant=one(Participant, form.chosen_id("participant")),
        year=form.value("year"), date_from=form.value("date_from"),
        date_to=form.value("date_to"))


def _issued_message(document: Document) -> str:
    return _("Document %(number)s (%(kind)s) was issued and archived.",
             number=document.number, kind=label(DOCUMENT_KINDS, document.kind))


@bp.route("/documents/new", methods=["GET", "POST"])
@login_required
def issue():
    """Issue a document: without a kind, the kinds the user may issue; with one
    (`?kind=training&project_id=12`, a button on another page), the form for that kind with
    what the query names filled in; a POST issues it. Who may issue which kind, and for
    what, is checked before the request is queued (and again when it is issued)."""
    if not issuable_kinds(current_user):
        abort(404)
    form = IssueForm(current_user, formdata=request.form if request.method == "POST"
                     else (request.args or None))
    if request.method == "GET":
        form.fill_defaults(date.today())
    if request.method == "POST" and form.validate():
        try:
            req = _request_from(form)
            check_request(req, current_user, date.today())
        except IssueError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            job = jobs.submit(req, current_user)
            if job.state == "done":  # no queue: issued in this request
                flash(_issued_message(job.document), "success")
                return redirect(url_for("documents.detail", document_id=job.document_id))
            if job.state == "failed":
                flash(jobs.shown_error(job), "error")
            else:
                return redirect(url_for("documents.job", job_id=job.id))
    # Residents named in the form (to choose from, or matching a typed name) are shown.
    logged = record_list_view(db.session, "document_form", form.people_shown,
                              chosen_purpose("reporting"))
    html = render_template("documents/issue.html", form=form, needs_words=NEEDS_WORDS)
    if logged is not None:
        db.session.commit()
    return html, 400 if request.method == "POST" else 200


def _may_issue(kind: str, contractor_id: int | None = None) -> bool:
    if kind not in issuable_kinds(current_user):
        return False
    # A contractor speaks only for its own firm (requests._check_scope).
    return not (kind == "compliance" and current_user.role == "contractor"
                and contractor_id is not None and contractor_id != current_user.organisation_id)


@bp.app_template_global()
def issue_url(kind: str, **scope) -> str | None:
    """The issue form for `kind` with its scope (ids, dates) filled in, for a button on the
    page the document is about; None when the signed-in user may not issue it."""
    if not _may_issue(kind, scope.get("contractor_id")):
        return None
    return url_for("documents.issue", kind=kind, **scope)


@bp.app_template_global()
def may_issue(kind: str) -> bool:
    """Whether the signed-in user may issue documents of `kind` (for some scope)."""
    return _may_issue(kind)


@bp.app_template_global()
def pathway_issue(participant: Participant) -> dict | None:
    """For the participant page: the secretariat's button to issue the participant's
    pathway (`url`), or why none can be issued (`refusal`); None for the other roles."""
    if current_user.role not in access.SECRETARIAT:
        return None
    refusal = pathway_refusal(participant)
    if refusal is not None:
        return {"url": None, "refusal": refusal}
    return {"url": issue_url("pathway", participant_id=participant.id), "refusal": None}


@bp.route("/documents/requests/<int:job_id>")
@login_required
def job(job_id: int):
    """How a request to issue a document stands, refreshing itself until it is done (then
    on to the document) or has failed; the user who asked, and the secretariat, else 404."""
    query = select(DocumentJob).where(DocumentJob.id == job_id)
    if current_user.role not in ("admin", "staff"):
        query = query.where(DocumentJob.requested_by_id == current_user.id)
    job = db.session.scalar(query) or abort(404)
    state = jobs.shown_state(job)
    if state == "done":
        flash(_issued_message(job.document), "success")
        return redirect(url_for("documents.detail", document_id=job.document_id))
    response = make_response(render_template(
        "documents/job.html", job=job, state=state,
        error=jobs.shown_error(job) if state == "failed" else None))
    if state in jobs.ACTIVE:
        response.headers["Refresh"] = "2"  # the page polls while the document is made
    response.headers["Cache-Control"] = "no-store"
    return response


def _visible_document(document_id: int) -> Document:
    return db.session.scalars(
        access.visible(Document, current_user).where(Document.id == document_id)
        .options(joinedload(Document.issued_by))).first() or abort(404)


@bp.route("/documents/<int:document_id>")
@login_required
def detail(document_id: int):
    """One issued document: what it is, its checksum, downloads; within scope, else 404."""
    document = _visible_document(document_id)
    has_attachment = db.session.scalar(
        select(Document.attachment.is_not(None)).where(Document.id == document.id))
    return render_template("documents/detail.html", document=document,
                           has_attachment=has_attachment, issuer=_issuer(document),
                           size_kb=-(-document.size // 1024))


def _file(document: Document, body: bytes, mimetype: str, attachment: bool) -> Response:
    if document.participant_id is not None:  # a named participant's data left the system
        record_access(db.session, "export", document, purpose="reporting")
        db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{file_name(document, attachment)}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/documents/<int:document_id>/pdf")
@login_required
def download(document_id: int):
    """The archived PDF, byte for byte; within scope, else 404."""
    document = _visible_document(document_id)
    if document.withdrawn_at is not None:
        abort(410)
    return _file(document, document.content, "application/pdf", attachment=False)


@bp.route("/documents/<int:document_id>/attachment")
@login_required
def attachment(document_id: int):
    """The XLSX issued with the document (person-level rows, pseudonymised); within scope."""
    document = _visible_document(document_id)
    if document.withdrawn_at is not None or document.attachment_withdrawn_at is not None:
        abort(410)
    if document.attachment is None:
        abort(404)
    return _file(document, document.attachment, XLSX_TYPE, attachment=True)


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def verify():
    """Public: was this file (or this number and SHA-256) issued by the system? Says when,
    what kind and for what scope, and nothing more."""
    if request.method == "POST" and (request.content_length or 0) > VERIFY_MAX_BYTES + MB:
        form = VerifyForm(formdata=None)
        flash(_("The file is larger than %(n)s MB; a document from the system is much smaller.",
                n=VERIFY_MAX_BYTES // MB), "error")
        return render_template("documents/verify.html", form=form, checked=False), 413
    request.max_content_length = VERIFY_MAX_BYTES + MB  # also caps uploads of unknown length
    form = VerifyForm()
    result, checked, digest = None, False, None
    if request.method == "POST" and form.validate():
        upload = form.file.data
        number = (form.number.data or "").strip().upper() or None
        if upload and upload.filename:
            content = upload.read(VERIFY_MAX_BYTES + 1)
            if len(content) > VERIFY_MAX_BYTES:
                form.file.errors.append(_("The file is larger than %(n)s MB; a document from the "
                                          "system is much smaller.", n=VERIFY_MAX_BYTES // MB))
            else:
                digest = hashlib.sha256(content).hexdigest()
                result, checked = find_issued(digest, number), True
        elif number and form.sha256.data:
            digest = form.sha256.data.strip().lower()
            result, checked = find_issued(digest, number), True
        else:
            flash(_("Choose the PDF file, or type both the document number and its SHA-256."),
                  "error")
    return render_template("documents/verify.html", form=form, result=result, checked=checked,
                           digest=digest)
