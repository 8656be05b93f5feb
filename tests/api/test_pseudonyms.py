"""What builder and contractor tokens learn about participants: pseudonyms, never the ids or
references that lead back to a person; and no participant's name in a report comment."""
import json

from tracker.models import ContractorReport


def _text(response) -> str:
    return json.dumps(response.json, ensure_ascii=False)


def test_builder_lists_hold_pseudonyms_and_no_ids_or_references(call, api_world):
    amina, bo = api_world.amina, api_world.bo
    people = call("builder", "/participants").json
    # Amina and Bo have placements on the builder's project; by pseudonym, not by id.
    assert people["participants"] == sorted(
        [{"pseudonym": amina.pseudonym}, {"pseudonym": bo.pseudonym}],
        key=lambda p: p["pseudonym"])
    placements = call("builder", f"/placements?project_id={api_world.project.id}").json
    assert {(p["id"], p["participant"]) for p in placements["placements"]} == {
        (api_world.internship.id, amina.pseudonym), (api_world.wage.id, bo.pseudonym)}
    text = _text(call("builder", "/placements")) + _text(call("builder", "/participants"))
    for forbidden in ('"participant_id"', '"ref"', amina.ref, bo.ref, api_world.internship.ref,
                      "Amina", "Bo Jensen"):
        assert forbidden not in text, forbidden


def test_placements_by_pseudonym_and_by_id(call, api_world):
    amina = api_world.amina
    mine = call("builder", f"/placements?participant={amina.pseudonym}").json["placements"]
    assert [p["id"] for p in mine] == [api_world.internship.id]
    refused = call("builder", f"/placements?participant_id={amina.id}")
    assert refused.status_code == 400 and "?participant=P-" in refused.json["error"]["message"]
    # The municipality filters by id and is not told the pseudonym.
    by_id = call("municipality", f"/placements?participant_id={amina.id}").json["placements"]
    assert [(p["id"], p["participant_id"]) for p in by_id] == [(api_world.internship.id, amina.id)]
    assert "participant" not in by_id[0]
    assert call("municipality", f"/placements?participant={amina.pseudonym}").status_code == 400
    # The secretariat has both.
    staff = call("staff", f"/placements/{api_world.internship.id}").json
    assert (staff["participant_id"], staff["participant"]) == (amina.id, amina.pseudonym)


def test_a_stored_comment_reaches_the_builder_masked(db, call, api_world):
    """The issue's case: a comment written before names were refused, approved, fetched by
    the builder's token. The names become pseudonyms; the secretariat reads it as written."""
    report = db.session.query(ContractorReport).filter_by(clause_id=api_world.weeks.id).one()
    report.comment = ("AMINA HASSAN (født 1990), enlig mor til tre, startede 1.2.; "
                      "bo jensen fortsætter.")
    db.session.commit()
    builder = call("builder", f"/reports/{report.id}").json["comment"]
    assert builder == (f"{api_world.amina.pseudonym} (født 1990), enlig mor til tre, "
                       f"startede 1.2.; {api_world.bo.pseudonym} fortsætter.")
    assert call("contractor", f"/reports/{report.id}").json["comment"] == builder
    assert call("staff", f"/reports/{report.id}").json["comment"] == report.comment
    # The municipality knows residents by reference: a neutral word, not the pseudonym.
    assert call("municipality", f"/reports/{report.id}").json["comment"] == (
        "[deltager] (født 1990), enlig mor til tre, startede 1.2.; [deltager] fortsætter.")


def test_a_comment_naming_a_participant_is_refused(db, client, api_world):
    before = db.session.query(ContractorReport).count()
    response = client.post("/api/v1/reports", headers={
        "Authorization": f"Bearer {api_world.tokens['contractor']}"}, json={
        "clause_id": api_world.weeks.id, "period_start": "2026-04-01", "weeks": 2,
        "comment": "Amina Hassan, født 1990, enlig mor til tre, er startet."})
    assert response.status_code == 400
    assert "names a participant" in response.json["error"]["message"]
    assert "pseudonym" in response.json["error"]["message"]
    assert db.session.query(ContractorReport).count() == before
