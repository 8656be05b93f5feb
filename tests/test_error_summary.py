"""A refused form says what is wrong at the top of the page, each item a link to its field,
and marks each field in error for assistive technology (issue #22, point 3)."""
import re

from tests import factories


def test_a_refused_form_has_a_summary_linking_to_each_field(db, client, staff):
    project = factories.project(case_number="2026-E")
    agreement = factories.agreement(project)
    db.session.commit()

    response = client.post(f"/agreements/{agreement.id}/clauses/new", data={
        "ref": "", "kind": "any", "unit": "persons", "target": "-3", "target_basis": "",
        "target_rate": "", "responsible_contractor_id": "", "start_date": "", "end_date": "",
        "frequency": "quarterly", "text": ""})

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    summary = body[body.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert 'role="alert"' in body and "autofocus" in summary
    assert "Formularen blev ikke gemt" in summary
    # The empty reference and the negative target, each linked to its field.
    assert re.search(r'<a href="#ref">Klausulnr\.: Feltet skal udfyldes\.</a>', summary)
    assert re.search(r'<a href="#target">[^<]+</a>', summary)
    field = re.search(r'<input[^>]*id="ref"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="ref-error"' in field
    assert 'id="ref-error"' in body


def test_a_page_without_errors_has_no_summary(db, client, staff):
    project = factories.project(case_number="2026-F")
    agreement = factories.agreement(project)
    db.session.commit()

    body = client.get(f"/agreements/{agreement.id}/clauses/new").get_data(as_text=True)

    assert "error-summary" not in body and 'aria-invalid' not in body


def test_fields_drawn_by_hand_are_marked_too(db, client, staff):
    """The party form draws its role field itself (a list of suggestions): in error it is
    marked and described as the macro's fields are."""
    agreement = factories.agreement(factories.project(case_number="2026-G"))
    db.session.commit()

    body = client.post(f"/agreements/{agreement.id}/parties/new",
                       data={"organisation_id": "", "role": ""}).get_data(as_text=True)

    field = re.search(r'<input[^>]*id="role"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="role-error"' in field
    assert 'id="role-error"' in body
