"""Generated from the URL map: every route with an id, asked by each external role for
the other organisation's object, answers 404. A new route cannot be forgotten: an id
argument this test does not know fails it."""
import pytest

EXTERNAL = ("contractor", "builder", "municipality")

# URL argument → attribute of the world side that holds the object it names.
ARGUMENTS = {
    "project_id": "project",
    "agreement_id": "agreement",
    "clause_id": "clause",
    "participant_id": "participant",
    "pseudonym": "participant.pseudonym",
    "placement_id": "placement",
    "report_id": "report",
    "obligation_id": "obligation",
    "follow_up_id": "follow_up",
    "assessment_id": "assessment",
    "organisation_id": "contractor",
    "housing_area_id": "area",
    "document_id": "document",
    "party_id": "party",
    "evaluation_id": "evaluation",
    "action_id": "action",
    # Admin-only records, or parts of a record named by another argument: any id must
    # answer 404 to the external roles.
    "user_id": "any",
    "benefit_group_id": "any",
    "rule_id": "any",
    "token_id": "token",
    "throttle_id": "any",
    "evidence_id": "any",
    "evidence": "any",
    "job_id": "any",
    "cvr": "municipality.cvr",
}


def _value(world, arg):
    source = ARGUMENTS[arg]
    if source == "any":
        return 1
    name, _, field = source.partition(".")
    return getattr(getattr(world.b, name), field or "id")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.arguments and rule.endpoint != "static":
            yield rule, sorted(rule.arguments)


def test_every_id_argument_is_known(app):
    unknown = {arg for _rule, ids in _routes(app) for arg in ids if arg not in ARGUMENTS}
    assert not unknown, f"add these URL arguments to ARGUMENTS: {unknown}"


@pytest.mark.parametrize("role", EXTERNAL)
def test_other_organisations_objects_answer_404(app, db, client, login, world, role):
    from tracker.cli import new_token

    login(world.users[role])
    token = new_token(world.users[role])
    db.session.commit()
    checked = 0
    for rule, ids in _routes(app):
        values = {arg: _value(world, arg) for arg in ids}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # The API takes the same user's bearer token instead of the session.
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            query = "?from=2026-01-01&to=2026-12-31" if "summary" in url else ""
            response = client.open(url + query, method=method, headers=headers)
            assert response.status_code == 404, (role, method, url, response.status_code)
            checked += 1
    assert checked >= 2
