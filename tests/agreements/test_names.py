"""Agreement texts are read by the builder and the contractors: a participant's name is
refused in them, and one stored before is shown to them as the pseudonym."""
import pytest
from sqlalchemy import select

from tests import factories
from tracker.models import AgreementParty

REFUSED = "Teksten nævner en deltager ved navn. Brug pseudonymet (P-…) i stedet."


@pytest.fixture()
def amina(db, site):
    person = factories.participant(site.aarhus, name="Amina Hassan")
    db.session.commit()
    return person


@pytest.mark.parametrize("field", ["contributions", "benefits", "role"])
def test_a_party_text_naming_a_participant_is_refused(db, client, site, staff, project, amina,
                                                      field):
    agreement = factories.agreement(project)
    db.session.commit()
    data = {"organisation_id": site.aarhus.id, "role": "Jobcenter",
            "contributions": "Visitation af ledige borgere", "benefits": "Flere i job"}
    data[field] = "Praktik til amina hassan"
    body = client.post(f"/agreements/{agreement.id}/parties/new",
                       data=data).get_data(as_text=True)
    assert REFUSED in body
    assert db.session.scalar(select(AgreementParty)) is None


def test_a_clause_text_naming_a_participant_is_refused(db, client, staff, project, amina):
    agreement = factories.agreement(project)
    db.session.commit()
    body = client.post(f"/agreements/{agreement.id}/clauses/new", data={
        "ref": "K-9", "kind": "internship", "unit": "persons", "target": "2",
        "frequency": "quarterly", "text": "Amina Hassan skal have praktik."}
    ).get_data(as_text=True)
    assert REFUSED in body


@pytest.mark.parametrize("role", ["builder", "contractor"])
def test_stored_texts_are_shown_outside_the_secretariat_masked(db, client, login, site,
                                                                 project, amina, role):
    agreement = factories.agreement(project, title="Aftale om Amina Hassan")
    agreement.parties.append(AgreementParty(
        organisation=site.builder, role="Bygherre", contributions=["Praktik til AMINA HASSAN"],
        benefits=["amina hassan i job"]))
    factories.clause(agreement, ref="K-1", text="Gælder Amina Hassan.")
    user = factories.user(role, org=site.builder if role == "builder" else site.main)
    db.session.commit()
    login(user)
    pages = [client.get(url).get_data(as_text=True)
             for url in (f"/agreements/{agreement.id}", f"/projects/{project.id}")]
    for page in pages:
        assert "amina hassan" not in page.lower()
    assert f"<li>Praktik til {amina.pseudonym}</li>" in pages[0]
    assert f"<li>{amina.pseudonym} i job</li>" in pages[0]
    assert f"Gælder {amina.pseudonym}." in pages[0]
    assert f"Aftale om {amina.pseudonym}" in pages[1]
