"""Partnership agreements: create and edit, the signed PDF (type, size, scope), parties with
contributions and benefits, and the agreement page."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tracker.models import Agreement, AgreementParty, StoredFile
from tracker.uploads import MB

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def agreement_form(**overrides) -> dict:
    data = {"ref": "PA-2026-01", "title": "Socialt partnerskab Gellerup",
            "signed_on": "2026-02-15", "status": "active", "add_parties": "y"}
    data.update(overrides)
    return data


def _with_file(data: dict, content: bytes, name: str = "aftale.pdf") -> dict:
    return {**data, "signed_pdf": (io.BytesIO(content), name)}


def _files(db) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_create_with_signed_pdf_and_default_parties(db, client, site, staff, project):
    response = client.post(f"/projects/{project.id}/agreements/new",
                           data=_with_file(agreement_form(), PDF),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    agreement = db.session.scalar(select(Agreement))
    assert response.headers["Location"].endswith(f"/agreements/{agreement.id}")
    assert (agreement.ref, agreement.title, agreement.signed_on, agreement.status) == (
        "PA-2026-01", "Socialt partnerskab Gellerup", date(2026, 2, 15), "active")
    assert (agreement.signed_file.filename, agreement.signed_file.content) == ("aftale.pdf", PDF)
    assert [(p.organisation.name, p.role) for p in agreement.parties] == [
        ("Brabrand Boligforening", "Bygherre"), ("Kærhøj Byg A/S", "Hovedentreprenør")]
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Partnerskabsaftalen PA-2026-01 er oprettet." in page
    assert "<dt>Aftalenr.</dt><dd>PA-2026-01</dd>" in page
    assert "Hent den underskrevne aftale (PDF)" in page


def test_create_without_parties_and_without_file(db, client, staff, project):
    data = agreement_form()
    del data["add_parties"]
    assert client.post(f"/projects/{project.id}/agreements/new", data=data).status_code == 302
    agreement = db.session.scalar(select(Agreement))
    assert agreement.parties == [] and agreement.signed_file is None
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Ikke uploadet endnu." in page and "Ingen parter registreret endnu." in page


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Feltet skal udfyldes."),
    ({"signed_on": (date.today() + timedelta(days=1)).isoformat()},
     "Underskriftsdatoen kan ikke ligge i fremtiden."),
    ({"status": "signed"}, "Ikke et gyldigt valg."),
    ({"title": "Aftale med 010190-1234"}, "Det ligner et CPR-nummer"),
])
def test_bad_input_is_explained(db, client, staff, project, overrides, message):
    body = client.post(f"/projects/{project.id}/agreements/new",
                       data=agreement_form(**overrides)).get_data(as_text=True)
    assert message in body
    assert db.session.scalar(select(Agreement)) is None


def test_duplicate_ref(db, client, staff, project):
    factories.agreement(project, ref="PA-2026-01", title="Den første aftale")
    db.session.commit()
    body = client.post(f"/projects/{project.id}/agreements/new",
                       data=agreement_form()).get_data(as_text=True)
    assert "Aftalenr. PA-2026-01 er allerede brugt af »Den første aftale«." in body
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == 1


def test_a_png_renamed_pdf_is_refused_and_the_input_kept(db, client, staff, project):
    response = client.post(f"/projects/{project.id}/agreements/new",
                           data=_with_file(agreement_form(), PNG, "aftale.pdf"),
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Filen er ikke af en tilladt type (PDF). Indholdet er kontrolleret, ikke kun "
            "navnet.") in body
    assert 'value="Socialt partnerskab Gellerup"' in body and 'value="PA-2026-01"' in body
    assert db.session.scalar(select(Agreement)) is None and _files(db) == 0


def test_a_file_over_10_mb_is_refused(db, client, staff, project):
    too_big = b"%PDF-" + b"0" * (10 * MB + 1 - 5)
    assert len(too_big) == 10 * MB + 1
    body = client.post(f"/projects/{project.id}/agreements/new",
                       data=_with_file(agreement_form(), too_big),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Filen er større end 10 MB." in body
    assert db.session.scalar(select(Agreement)) is None and _files(db) == 0


def test_a_file_of_exactly_10_mb_is_accepted(db, client, staff, project):
    just_fits = b"%PDF-" + b"0" * (10 * MB - 5)
    response = client.post(f"/projects/{project.id}/agreements/new",
                           data=_with_file(agreement_form(), just_fits),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(StoredFile.size)) == 10 * MB


def test_file_is_asked_for_again_when_other_fields_fail(db, client, staff, project):
    body = client.post(f"/projects/{project.id}/agreements/new",
                       data=_with_file(agreement_form(title=""), PDF),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Filen blev ikke gemt, fordi formularen havde fejl. Vælg filen igen" in body
    assert _files(db) == 0


@pytest.fixture()
def signed(db, project):
    agreement = factories.agreement(project, ref="PA-1", title="Socialt partnerskab Gellerup")
    agreement.signed_file = StoredFile(filename="aftale.pdf", content_type="application/pdf",
                                       size=len(PDF), sha256="0" * 64, content=PDF)
    db.session.commit()
    return agreement


def test_staff_downloads_the_signed_agreement(db, client, staff, signed):
    response = client.get(f"/agreements/{signed.id}/signed")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="aftale.pdf"'


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_download_only_within_scope(app, db, client, login, site, signed, role):
    own = {"contractor": site.main, "builder": site.builder, "municipality": site.aarhus}[role]
    user = factories.user(role, org=own)
    stranger = factories.user(role, org=factories.organisation(role))
    db.session.commit()
    login(user)
    assert client.get(f"/agreements/{signed.id}/signed").data == PDF
    other = app.test_client()
    assert other.post("/login", data={"email": stranger.email,
                                      "password": PASSWORD}).status_code == 302
    assert other.get(f"/agreements/{signed.id}/signed").status_code == 404
    assert other.get(f"/agreements/{signed.id}").status_code == 404


def test_download_without_a_file_is_404(db, client, staff, project):
    agreement = factories.agreement(project)
    db.session.commit()
    assert client.get(f"/agreements/{agreement.id}/signed").status_code == 404


def test_edit_keeps_the_file_or_replaces_it(db, client, staff, signed):
    form = agreement_form(ref="PA-1", title="Partnerskab Gellerup", version=signed.version)
    assert client.post(f"/agreements/{signed.id}/edit", data=form).status_code == 302
    db.session.refresh(signed)
    assert (signed.title, signed.signed_file.content) == ("Partnerskab Gellerup", PDF)
    new_pdf = PDF.replace(b"1.7", b"1.4")
    client.post(f"/agreements/{signed.id}/edit",
                data=_with_file(agreement_form(ref="PA-1", version=signed.version), new_pdf,
                                "ny.pdf"),
                content_type="multipart/form-data")
    db.session.refresh(signed)
    assert (signed.signed_file.filename, signed.signed_file.content) == ("ny.pdf", new_pdf)


def test_stale_agreement_edit_is_refused_and_keeps_input(db, client, staff, signed):
    loaded = signed.version  # both editors opened the form at this version
    client.post(f"/agreements/{signed.id}/edit",
                data=agreement_form(ref="PA-1", title="Første", version=loaded))
    response = client.post(f"/agreements/{signed.id}/edit",
                           data=_with_file(agreement_form(ref="PA-1", title="Anden",
                                                          version=loaded),
                                           PDF), content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert "En anden har gemt denne registrering" in body and 'value="Anden"' in body
    db.session.refresh(signed)
    assert (signed.title, signed.version) == ("Første", loaded + 1)
    assert _files(db) == 1  # the refused upload was not kept


# --- Parties --------------------------------------------------------------------------------

def party_form(org, **overrides) -> dict:
    data = {"organisation_id": org.id, "role": "Jobcenter",
            "contributions": "Visitation af ledige borgere\n\n  Virksomhedskonsulent 5 timer/uge  \n",
            "benefits": "Flere borgere i job\nKendskab til byggeriets fag"}
    data.update(overrides)
    return data


def test_add_party_with_contributions_and_benefits(db, client, site, staff, signed):
    response = client.post(f"/agreements/{signed.id}/parties/new",
                           data=party_form(site.aarhus), follow_redirects=True)
    body = response.get_data(as_text=True)
    party = db.session.scalar(select(AgreementParty))
    assert (party.role, party.contributions, party.benefits) == (
        "Jobcenter", ["Visitation af ledige borgere", "Virksomhedskonsulent 5 timer/uge"],
        ["Flere borgere i job", "Kendskab til byggeriets fag"])
    assert "Aarhus Kommune er tilføjet som part." in body
    assert "<li>Visitation af ledige borgere</li>" in body
    assert "<li>Kendskab til byggeriets fag</li>" in body
    # The party form lists it one item per line when opened again.
    form = client.get(f"/agreement-parties/{party.id}/edit").get_data(as_text=True)
    assert "Visitation af ledige borgere\nVirksomhedskonsulent 5 timer/uge</textarea>" in form


def test_a_party_only_once_per_agreement(db, client, site, staff, signed):
    client.post(f"/agreements/{signed.id}/parties/new", data=party_form(site.aarhus))
    body = client.post(f"/agreements/{signed.id}/parties/new",
                       data=party_form(site.aarhus)).get_data(as_text=True)
    assert "Ikke et gyldigt valg." in body  # no longer offered
    assert db.session.scalar(select(func.count()).select_from(AgreementParty)) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"role": ""}, "Feltet skal udfyldes."),
    ({"contributions": "Praktik til 010190-1234"}, "Det ligner et CPR-nummer"),
    ({"benefits": "x" * 501}, "Hver linje må højst have 500 tegn."),
    ({"organisation_id": ""}, "Feltet skal udfyldes."),
])
def test_bad_party_input(db, client, site, staff, signed, overrides, message):
    body = client.post(f"/agreements/{signed.id}/parties/new",
                       data=party_form(site.aarhus, **overrides)).get_data(as_text=True)
    assert message in body
    assert db.session.scalar(select(AgreementParty)) is None


def test_edit_and_remove_party(db, client, site, staff, signed):
    client.post(f"/agreements/{signed.id}/parties/new", data=party_form(site.aarhus))
    party = db.session.scalar(select(AgreementParty))
    client.post(f"/agreement-parties/{party.id}/edit",
                data=party_form(site.aarhus, benefits="Lokal beskæftigelse", version=1))
    db.session.refresh(party)
    assert (party.benefits, party.version) == (["Lokal beskæftigelse"], 2)
    stale = client.post(f"/agreement-parties/{party.id}/edit",
                        data=party_form(site.aarhus, role="Kommune", version=1))
    assert "En anden har gemt denne registrering" in stale.get_data(as_text=True)
    response = client.post(f"/agreement-parties/{party.id}/remove", data={"confirm": "y"},
                           follow_redirects=True)
    assert "Aarhus Kommune er ikke længere part i aftalen." in response.get_data(as_text=True)
    assert db.session.scalar(select(AgreementParty)) is None


# --- External roles ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_external_roles_read_but_cannot_change(db, client, login, site, signed, role):
    party = AgreementParty(agreement=signed, organisation=site.builder, role="Bygherre",
                           contributions=["Praktikpladser"], benefits=["Lokal beskæftigelse"])
    db.session.add(party)
    clause = factories.clause(signed, ref="K-1")
    own = {"contractor": site.main, "builder": site.builder, "municipality": site.aarhus}[role]
    user = factories.user(role, org=own)
    db.session.commit()
    login(user)
    page = client.get(f"/agreements/{signed.id}").get_data(as_text=True)
    assert "<li>Praktikpladser</li>" in page and "K-1" in page
    assert "/edit" not in page and "Tilføj part" not in page and "Ny klausul" not in page
    for method, url in [("GET", f"/agreements/{signed.id}/edit"),
                        ("POST", f"/agreements/{signed.id}/edit"),
                        ("GET", f"/projects/{signed.project_id}/agreements/new"),
                        ("GET", f"/agreements/{signed.id}/parties/new"),
                        ("POST", f"/agreement-parties/{party.id}/edit"),
                        ("POST", f"/agreement-parties/{party.id}/remove"),
                        ("GET", f"/agreements/{signed.id}/clauses/new"),
                        ("POST", f"/clauses/{clause.id}/edit")]:
        assert client.open(url, method=method).status_code == 404, (method, url)
    assert db.session.scalar(select(AgreementParty)) is not None


def test_page_title_is_the_agreements_title_only(db, client, login):
    """A template edit once put the evaluations section into the <title>."""
    from tests import factories

    staff = factories.user("staff")
    agreement = factories.agreement(factories.project(), title="Social aftale, Gellerup")
    db.session.commit()
    login(staff)
    body = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.strip() == "Social aftale, Gellerup · Sociale partnerskaber"
    assert body.count('id="evaluations"') == 1
