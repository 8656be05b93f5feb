"""The JSON API: tokens, scope, the DESIGN §6 endpoints with hand-computed figures."""
from datetime import UTC, date, datetime

import pytest

from tracker.models import ApiToken


def test_fulfilment_figures_by_hand(call, api_world):
    body = call("staff", f"/projects/{api_world.project.id}/fulfilment?as_of=2026-04-30").json
    assert body["as_of"] == "2026-04-30" and body["case_number"] == "BB-2207"
    by_ref = {c["ref"]: c for c in body["clauses"]}
    # Persons: Amina and Bo each have a counting placement → 2 of target 2.
    assert by_ref["K-1"] == {"ref": "K-1", "kind": "any", "unit": "persons", "target": 2.0,
                             "registered": 2.0, "reported": None, "percent": 100.0,
                             "status": "met", "discrepancy": False}
    # Weeks: internship 1.2.–28.2. = 28 days; wage subsidy 1.3.–30.4. (as-of, planned end
    # later) = 31 + 30 = 61 days → 89 / 7 = 12.714… weeks; reported 12.00 (approved Q1).
    weeks = by_ref["K-2"]
    assert weeks["registered"] == 12.71
    assert weeks["reported"] == 12.0
    assert weeks["percent"] == 127.14          # 12.714… / 10 × 100
    assert weeks["status"] == "met"
    assert weeks["discrepancy"] is False       # |12.71 − 12| ≤ 10 % of 12.71


def test_fulfilment_as_of_before_start_and_bad_date(call, api_world):
    body = call("staff", f"/projects/{api_world.project.id}/fulfilment?as_of=2025-12-31").json
    assert {c["status"] for c in body["clauses"]} == {"not_started"}
    bad = call("staff", f"/projects/{api_world.project.id}/fulfilment?as_of=31-12-2026")
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in bad.json["error"]["message"]


def test_municipality_summary_by_hand(call, api_world):
    body = call("municipality", "/municipalities/55133018/summary?from=2026-01-01&to=2026-06-30").json
    assert body["municipality"] == {"cvr": "55133018", "name": "Aarhus Kommune", "code": "751"}
    assert body["enrolled"] == 1                      # Amina (10.1.2026); Bo enrolled in 2025
    assert body["placements"] == {"internship": 1, "wage_subsidy": 1, "apprenticeship": 0,
                                  "ordinary_job": 0}   # Odense's resident is not counted
    assert body["moved_into_work_or_education"] == 1  # Amina's internship ended in a job
    assert body["follow_ups"] == {"employed": 1, "education": 0, "unemployed": 0, "unknown": 0}


def test_municipality_summary_scope(call, api_world):
    assert call("municipality", "/municipalities/35209115/summary?from=2026-01-01&to=2026-06-30"
                ).status_code == 404
    assert call("builder", "/municipalities/55133018/summary?from=2026-01-01&to=2026-06-30"
                ).status_code == 404
    assert call("staff", "/municipalities/35209115/summary?from=2026-01-01&to=2026-06-30"
                ).status_code == 200
    assert call("staff", "/municipalities/55133018/summary?from=2026-06-30&to=2026-01-01"
                ).status_code == 400
    assert call("staff", "/municipalities/55133018/summary?from=2026-01-01").status_code == 400


def test_projects_list_and_case_number(call, api_world):
    body = call("staff", "/projects?case_number=BB-2207").json
    assert [p["case_number"] for p in body["projects"]] == ["BB-2207"]
    assert body["projects"][0]["id"] == api_world.project.id
    assert body["total"] == 1
    assert [p["case_number"] for p in call("contractor", "/projects").json["projects"]] == ["BB-2207"]
    assert [p["case_number"] for p in call("other_contractor", "/projects").json["projects"]] == [
        "OJB-0412"]


@pytest.mark.parametrize("role, path", [
    ("other_contractor", "/projects/{project}"),
    ("other_contractor", "/projects/{project}/fulfilment"),
    ("other_contractor", "/clauses/{clause}"),
    ("other_contractor", "/participants/{amina}"),
    ("other_contractor", "/placements/{internship}"),
    ("municipality", "/participants/{odense_resident}"),
    ("builder", "/projects/{other_project}"),
])
def test_outside_scope_is_404(call, api_world, role, path):
    url = path.format(project=api_world.project.id, clause=api_world.persons.id,
                      amina=api_world.amina.id, internship=api_world.internship.id,
                      odense_resident=api_world.odense_resident.id,
                      other_project=api_world.other_project.id)
    response = call(role, url)
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


def test_fields_by_role(call, api_world):
    amina = api_world.amina
    by_id, by_pseudonym = f"/participants/{amina.id}", f"/participants/{amina.pseudonym}"
    secretariat = call("staff", by_id).json
    assert (secretariat["id"], secretariat["ref"], secretariat["pseudonym"]) == (
        amina.id, amina.ref, amina.pseudonym)
    # The job centre knows the resident by reference and id, never with the pseudonym.
    full = call("municipality", by_id).json
    assert full["name"] == "Amina Hassan" and full["intake_date"] == "2026-01-10"
    assert full["ref"] == amina.ref and "pseudonym" not in full
    assert call("municipality", by_pseudonym).status_code == 404
    # The contractor: its hire's name and pseudonym, no id and no reference.
    named = call("contractor", by_pseudonym).json
    assert named == {"pseudonym": amina.pseudonym, "name": "Amina Hassan"}
    # The builder: the pseudonym alone.
    assert call("builder", by_pseudonym).json == {"pseudonym": amina.pseudonym}
    for role in ("contractor", "builder"):  # an id is no way in for them
        assert call(role, by_id).status_code == 404
    placement = call("contractor", f"/placements/{api_world.internship.id}").json
    assert "outcome" not in placement and "participant_id" not in placement
    assert placement["participant"] == amina.pseudonym


def test_no_or_bad_or_revoked_token_is_401(db, call, client, api_world):
    assert call(None, "/projects").status_code == 401
    assert client.get("/api/v1/projects", headers={"Authorization": "Bearer nope"}).status_code == 401
    token = db.session.query(ApiToken).filter_by(user_id=api_world.users["staff"].id).one()
    token.revoked_at = datetime.now(UTC)
    db.session.commit()
    response = call("staff", "/projects")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_is_not_enough(db, client, login, api_world):
    login(api_world.users["staff"])
    assert client.get("/api/v1/projects").status_code == 401


def test_bad_paging_is_400(call, api_world):
    assert call("staff", "/projects?per_page=1000").status_code == 400
    assert call("staff", "/clauses?project_id=abc").status_code == 400


def test_openapi_document_describes_every_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {path for path in doc["paths"]}
    routes = {rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{")
              .replace(">", "}") for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1") and not rule.rule.endswith("openapi.json")}
    assert routes == documented


@pytest.fixture()
def post(client, api_world):
    def _post(role, body, **kwargs):
        return client.post("/api/v1/reports", json=body, headers={
            "Authorization": f"Bearer {api_world.tokens[role]}"}, **kwargs)

    return _post


def test_contractor_posts_a_report_as_a_new_version(db, post, call, api_world):
    body = {"clause_id": api_world.weeks.id, "period_start": "2026-01-01", "weeks": 13.5,
            "hours": 499.5, "site_hours": 4000, "comment": "Rettet efter timesedler"}
    response = post("contractor", body)
    assert response.status_code == 201, response.json
    report = response.json
    # Q1 2026 already had an approved version 1 (12 weeks): this is version 2, awaiting review.
    assert (report["version"], report["status"], report["weeks"], report["hours"]) == (
        2, "submitted", 13.5, 499.5)
    assert (report["period_start"], report["period_end"]) == ("2026-01-01", "2026-03-31")
    assert response.headers["Location"].endswith(f"/api/v1/reports/{report['id']}")
    # The approved version still counts until the correction is approved.
    figures = call("staff", f"/projects/{api_world.project.id}/fulfilment?as_of=2026-04-30").json
    assert {c["ref"]: c["reported"] for c in figures["clauses"]}["K-2"] == 12.0


@pytest.mark.parametrize("change, reason", [
    ({"period_start": "2027-01-01"}, "outside the clause"),
    ({"period_start": "2026-02-01"}, "reporting periods"),
    ({"period_start": "1.1.2026"}, "reporting periods"),
    ({"hours": -5}, "negative"),
    ({"hours": 500, "site_hours": 400}, "lower than the hours"),
    ({"weeks": 1.234}, "at most 2 decimals"),    # never read as 1.234 thousand
    ({"weeks": True}, "numbers"),
    ({"weeks": None}, "required"),
    ({"colour": "blue"}, "Unknown fields: colour"),
])
def test_bad_reports_are_400_and_nothing_is_stored(db, post, api_world, change, reason):
    from tracker.models import ContractorReport

    before = db.session.query(ContractorReport).count()
    body = {"clause_id": api_world.weeks.id, "period_start": "2026-04-01", "weeks": 2,
            "hours": 74, "site_hours": 1000} | change
    response = post("contractor", body)
    assert response.status_code == 400
    assert reason in response.json["error"]["message"]
    assert db.session.query(ContractorReport).count() == before


def test_only_contractors_post_and_only_on_their_clauses(post, client, api_world):
    body = {"clause_id": api_world.weeks.id, "period_start": "2026-04-01", "weeks": 2}
    assert post("staff", body).status_code == 403
    assert post("other_contractor", body).status_code == 404
    not_json = client.post("/api/v1/reports", data="weeks=2", headers={
        "Authorization": f"Bearer {api_world.tokens['contractor']}"})
    assert not_json.status_code == 400


def test_a_withdrawn_consent_is_in_the_participant(call, db, api_world):
    amina = api_world.amina
    assert call("staff", f"/participants/{amina.id}").json["consent_withdrawn_on"] is None
    amina.consent_date, amina.consent_withdrawn_on = date(2026, 1, 10), date(2026, 4, 1)
    db.session.commit()
    for role in ("staff", "municipality"):  # those who see the consent date
        data = call(role, f"/participants/{amina.id}").json
        assert (data["consent_date"], data["consent_withdrawn_on"]) == ("2026-01-10",
                                                                        "2026-04-01")
    assert "consent_withdrawn_on" not in call("contractor", f"/participants/{amina.pseudonym}").json
