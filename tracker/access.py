"""What each role may see (DESIGN §2): one Select per entity, used by every view.

Every list, detail page, export, API call and PDF starts from these queries;
a record outside them answers 404 through `get_visible_or_404`.
"""
from flask import abort
from sqlalchemy import Select, false, or_, select

from tracker.extensions import db
from tracker.models import (
    Agreement,
    Clause,
    ContractorReport,
    Document,
    FollowUp,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    Project,
    ProjectContractor,
    ReportObligation,
)

SECRETARIAT = ("admin", "staff")


def _org(user) -> int | None:
    return user.organisation_id


def _contractor_project_ids(user) -> Select:
    return select(ProjectContractor.project_id).where(
        ProjectContractor.contractor_id == _org(user)
    )


def _municipality_project_ids(user) -> Select:
    return (
        select(Project.id)
        .join(HousingArea, Project.housing_area_id == HousingArea.id)
        .where(HousingArea.municipality_id == _org(user))
    )


def scope_key(user) -> str:
    """A name for what the `visible_*` queries let the user see: users with the same key see
    the same rows (for figures kept per scope, tracker.dashboard.service.figures_for)."""
    if user.role in SECRETARIAT:
        return "secretariat"
    return f"{user.role}:{_org(user)}"


def visible_projects(user) -> Select:
    """Projects: all for the secretariat; a party's own for the others."""
    query = select(Project)
    if user.role in SECRETARIAT:
        return query
    if user.role == "builder":
        return query.where(Project.builder_id == _org(user))
    if user.role == "contractor":
        return query.where(Project.id.in_(_contractor_project_ids(user)))
    if user.role == "municipality":
        return query.where(Project.id.in_(_municipality_project_ids(user)))
    return query.where(false())


def visible_project_ids(user) -> Select:
    return visible_projects(user).with_only_columns(Project.id)


def visible_agreements(user) -> Select:
    query = select(Agreement)
    if user.role in SECRETARIAT:
        return query
    return query.where(Agreement.project_id.in_(visible_project_ids(user)))


def visible_clauses(user) -> Select:
    """Clauses of visible agreements; a contractor sees those it answers for."""
    query = select(Clause)
    if user.role in SECRETARIAT:
        return query
    query = query.where(
        Clause.agreement_id.in_(visible_agreements(user).with_only_columns(Agreement.id))
    )
    if user.role == "contractor":
        query = query.where(
            or_(Clause.responsible_contractor_id.is_(None),
                Clause.responsible_contractor_id == _org(user))
        )
    return query


def visible_placements(user) -> Select:
    """Placements: a contractor's own hires, a builder's projects, a municipality's residents."""
    query = select(Placement)
    if user.role in SECRETARIAT:
        return query
    if user.role == "contractor":
        return query.where(Placement.employer_id == _org(user))
    if user.role == "builder":
        return query.where(Placement.project_id.in_(visible_project_ids(user)))
    if user.role == "municipality":
        return query.where(
            Placement.participant_id.in_(
                select(Participant.id).where(Participant.municipality_id == _org(user))
            )
        )
    return query.where(false())


def visible_participants(user) -> Select:
    """Participants: residents of a municipality; those placed with a contractor or on a
    builder's projects (who see them only as name, or pseudonym, per `participant_detail`)."""
    query = select(Participant)
    if user.role in SECRETARIAT:
        return query
    if user.role == "municipality":
        return query.where(Participant.municipality_id == _org(user))
    if user.role in ("contractor", "builder"):
        return query.where(
            Participant.id.in_(visible_placements(user).with_only_columns(Placement.participant_id))
        )
    return query.where(false())


def participant_detail(user) -> str:
    """How much of a participant a role may see: 'full', 'name' or 'pseudonym'."""
    if user.role in SECRETARIAT or user.role == "municipality":
        return "full"
    if user.role == "contractor":
        return "name"
    return "pseudonym"


def shows_reference(user) -> bool:
    """Whether the user sees participants' references and database ids: the secretariat and
    the municipality (the job centre knows its residents by reference)."""
    return participant_detail(user) == "full"


def shows_pseudonym(user) -> bool:
    """Whether the user sees participants' pseudonyms: the secretariat, contractors and
    builders. Outside the secretariat nobody gets both a reference and the pseudonym: with
    the two, a job centre could tell who stands behind a builder's documents."""
    return user.role in SECRETARIAT or user.role in ("contractor", "builder")


def visible_follow_ups(user) -> Select:
    query = select(FollowUp)
    if user.role in SECRETARIAT:
        return query
    if user.role == "municipality":
        return query.where(
            FollowUp.placement_id.in_(visible_placements(user).with_only_columns(Placement.id))
        )
    return query.where(false())  # outcomes after the placement are not the firm's business


def visible_assessments(user) -> Select:
    query = select(ProgressAssessment)
    if user.role in SECRETARIAT:
        return query
    if user.role == "municipality":
        return query.where(
            ProgressAssessment.participant_id.in_(
                visible_participants(user).with_only_columns(Participant.id)
            )
        )
    return query.where(false())


def visible_reports(user) -> Select:
    """Contractor reports: a contractor's own; reports on visible projects for the rest."""
    query = select(ContractorReport)
    if user.role in SECRETARIAT:
        return query
    if user.role == "contractor":
        return query.where(ContractorReport.contractor_id == _org(user))
    return query.where(
        ContractorReport.clause_id.in_(visible_clauses(user).with_only_columns(Clause.id))
    )


def visible_obligations(user) -> Select:
    """Reporting obligations: as reports (a contractor's own; on visible clauses for the
    rest)."""
    query = select(ReportObligation)
    if user.role in SECRETARIAT:
        return query
    if user.role == "contractor":
        return query.where(ReportObligation.contractor_id == _org(user))
    return query.where(
        ReportObligation.clause_id.in_(visible_clauses(user).with_only_columns(Clause.id)))


def visible_documents(user) -> Select:
    """Issued documents: the secretariat all; others those about their own scope."""
    query = select(Document)
    if user.role in SECRETARIAT:
        return query
    project_docs = Document.project_id.in_(visible_project_ids(user))
    if user.role == "builder":  # what is addressed to the builder of the project
        return query.where(project_docs,
                           Document.kind.in_(("clause-status", "compliance", "training")))
    if user.role == "contractor":
        return query.where(
            project_docs,
            or_(Document.kind == "clause-status",
                (Document.kind == "compliance") & (Document.organisation_id == _org(user))),
        )
    if user.role == "municipality":
        return query.where(
            or_(
                project_docs & Document.kind.in_(("clause-status", "training")),
                (Document.kind == "municipality") & (Document.organisation_id == _org(user)),
                (Document.kind == "pathway") & Document.participant_id.in_(
                    visible_participants(user).with_only_columns(Participant.id)),
            )
        )
    return query.where(false())


def visible_organisations(user) -> Select:
    """Organisations: all for the secretariat; the others see those on their projects."""
    query = select(Organisation)
    if user.role in SECRETARIAT:
        return query
    return query.where(
        or_(
            Organisation.id == _org(user),
            Organisation.id.in_(visible_projects(user).with_only_columns(Project.builder_id)),
            Organisation.id.in_(
                select(ProjectContractor.contractor_id).where(
                    ProjectContractor.project_id.in_(visible_project_ids(user))
                )
            ),
        )
    )


def visible_municipalities(user) -> Select:
    """Municipality organisations whose residents' figures the user may see."""
    query = select(Organisation).where(Organisation.kind == "municipality")
    if user.role in SECRETARIAT:
        return query
    if user.role == "municipality":
        return query.where(Organisation.id == _org(user))
    return query.where(false())


SCOPES = {
    Project: visible_projects,
    Agreement: visible_agreements,
    Clause: visible_clauses,
    Placement: visible_placements,
    Participant: visible_participants,
    FollowUp: visible_follow_ups,
    ProgressAssessment: visible_assessments,
    ContractorReport: visible_reports,
    ReportObligation: visible_obligations,
    Document: visible_documents,
    Organisation: visible_organisations,
}


def visible(model, user) -> Select:
    """The Select of `model` rows `user` may see."""
    return SCOPES[model](user)


def get_visible_or_404(model, ident: int, user, *options):
    """Load one record by id through the user's scope (with loader options); 404 when
    outside it."""
    query = visible(model, user).where(model.id == ident).options(*options)
    obj = db.session.scalars(query).first()
    if obj is None:
        abort(404)
    return obj
