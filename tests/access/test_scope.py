"""Every role × an object inside and outside its scope (DESIGN §2)."""
import pytest
from sqlalchemy import select

from tracker import access
from tracker.models import (
    Agreement,
    Clause,
    ContractorReport,
    Document,
    FollowUp,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    Project,
)

ROLES = ("admin", "staff", "contractor", "builder", "municipality")

# entity → (attribute on a world side, roles that see side A's object)
MATRIX = {
    Project: ("project", {"admin", "staff", "contractor", "builder", "municipality"}),
    Agreement: ("agreement", {"admin", "staff", "contractor", "builder", "municipality"}),
    Clause: ("clause", {"admin", "staff", "contractor", "builder", "municipality"}),
    Placement: ("placement", {"admin", "staff", "contractor", "builder", "municipality"}),
    Participant: ("participant", {"admin", "staff", "contractor", "builder", "municipality"}),
    ContractorReport: ("report", {"admin", "staff", "contractor", "builder", "municipality"}),
    FollowUp: ("follow_up", {"admin", "staff", "municipality"}),
    ProgressAssessment: ("assessment", {"admin", "staff", "municipality"}),
}


def _ids(db, model, user):
    return set(db.session.scalars(access.visible(model, user).with_only_columns(model.id)))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", list(MATRIX), ids=lambda m: m.__name__)
def test_inside_and_outside_scope(db, world, model, role):
    attr, roles_seeing_a = MATRIX[model]
    user = world.users[role]
    ids = _ids(db, model, user)
    own, other = getattr(world.a, attr).id, getattr(world.b, attr).id
    assert (own in ids) == (role in roles_seeing_a)
    # Only the secretariat sees the other organisation's records.
    assert (other in ids) == (role in ("admin", "staff"))


# Which document kinds each external role (bound to side A) may see of side A.
DOCUMENTS_SEEN = {
    "contractor": {"clause-status", "compliance"},
    "builder": {"clause-status", "compliance", "training"},
    "municipality": {"clause-status", "training", "municipality", "pathway"},
}


@pytest.mark.parametrize("role", ROLES)
def test_documents_by_role(db, world, role):
    user = world.users[role]
    ids = _ids(db, Document, user)
    for kind, doc in world.a.documents.items():
        expected = role in ("admin", "staff") or kind in DOCUMENTS_SEEN[role]
        assert (doc.id in ids) == expected, (role, kind)
    for doc in world.b.documents.values():
        assert (doc.id in ids) == (role in ("admin", "staff")), role


def test_contractor_does_not_see_clause_of_another_responsible(db, world):
    from tests import factories

    other_firm = factories.organisation("contractor")
    foreign = factories.clause(world.a.agreement, responsible_contractor=other_firm)
    shared = factories.clause(world.a.agreement)  # none responsible: all contractors
    db.session.commit()
    ids = _ids(db, Clause, world.users["contractor"])
    assert foreign.id not in ids
    assert shared.id in ids


def test_organisations_of_external_users(db, world):
    ids = _ids(db, Organisation, world.users["builder"])
    assert world.a.builder.id in ids and world.a.contractor.id in ids
    assert world.b.builder.id not in ids and world.b.contractor.id not in ids


def test_participant_detail_levels():
    from types import SimpleNamespace as U

    assert [access.participant_detail(U(role=r)) for r in ROLES] == [
        "full", "full", "name", "pseudonym", "full"]


def test_get_visible_or_404(db, world):
    from werkzeug.exceptions import NotFound

    user = world.users["builder"]
    assert access.get_visible_or_404(Project, world.a.project.id, user) == world.a.project
    with pytest.raises(NotFound):
        access.get_visible_or_404(Project, world.b.project.id, user)
    assert db.session.scalars(select(Project)).all()  # nothing else was hidden
