"""Enrolment and correction of participants: consent first, no CPR numbers, clear messages."""
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.models import BenefitGroup, Participant, StoredFile

PDF = b"%PDF-1.4\n% samtykke\n"


def _form(world, **overrides):
    data = {"ref": "D-0001", "name": "Amina Hassan", "email": "amina@example.dk",
            "phone": "+45 20 30 40 50", "birth_year": "1990", "gender": "f",
            "housing_area_id": world.gellerup.id, "municipality_id": world.aarhus.id,
            "benefit_group_id": world.kontanthjaelp.id, "readiness": "activity_ready",
            "months_unemployed": "14", "education_level": "primary", "intake_date": "2026-01-05",
            "consent_date": "2026-01-05", "consent_scope": "Deling med jobcentret"}
    data.update(overrides)
    return data


def _count(db) -> int:
    return db.session.scalar(select(func.count(Participant.id)))


def test_enrol_with_consent_saves_everything(db, client, world, staff):
    response = client.post("/participants/new", data=_form(world))
    assert response.status_code == 302
    p = db.session.scalar(select(Participant))
    assert response.headers["Location"] == f"/participants/{p.id}"
    assert (p.ref, p.name, p.email, p.birth_year, p.gender) == (
        "D-0001", "Amina Hassan", "amina@example.dk", 1990, "f")
    assert (p.housing_area_id, p.municipality_id, p.benefit_group_id) == (
        world.gellerup.id, world.aarhus.id, world.kontanthjaelp.id)
    assert (p.readiness, p.months_unemployed, p.education_level) == ("activity_ready", 14, "primary")
    assert (p.intake_date, p.consent_date, p.consent_scope) == (
        date(2026, 1, 5), date(2026, 1, 5), "Deling med jobcentret")


def test_without_consent_only_the_name_may_be_saved(db, client, world, staff):
    empty = {k: "" for k in ("email", "phone", "birth_year", "gender", "housing_area_id",
                             "municipality_id", "benefit_group_id", "readiness",
                             "months_unemployed", "education_level", "consent_scope")}
    response = client.post("/participants/new", data=_form(world, consent_date="", **empty))
    assert response.status_code == 302
    p = db.session.scalar(select(Participant))
    assert (p.name, p.consent_date, p.email, p.municipality_id) == ("Amina Hassan", None, None, None)


def test_consent_missing_with_other_fields_is_explained_and_nothing_saved(db, client, world, staff):
    data = _form(world, consent_date="", consent_scope="", housing_area_id="", municipality_id="",
                 benefit_group_id="", readiness="", months_unemployed="", education_level="",
                 gender="", birth_year="")
    body = client.post("/participants/new", data=data).get_data(as_text=True)
    assert "Samtykke skal registreres, før der gemmes andet end navnet" in body
    assert "tøm disse felter: E-mail, Telefon." in body
    form = body[body.index("<form method=\"post\" class=\"card form\""):]  # not the summary
    assert form.count("Kræver samtykke først.") == 2
    assert body.count("Kræver samtykke først.") == 4  # and each once in the summary
    assert 'value="amina@example.dk"' in body  # the input is kept
    assert _count(db) == 0


@pytest.mark.parametrize("field", ["name", "email", "phone", "consent_scope"])
def test_cpr_number_in_any_text_field_is_refused(db, client, world, staff, field):
    value = {"name": "Amina 010190-1234", "email": "0101901234@example.dk",
             "phone": "010190 1234", "consent_scope": "CPR 0101901234"}[field]
    body = client.post("/participants/new", data=_form(world, **{field: value})).get_data(as_text=True)
    assert "Det ligner et CPR-nummer. CPR-numre må ikke gemmes i systemet" in body
    assert _count(db) == 0


def test_duplicate_ref_is_refused(db, client, world, staff):
    factories.participant(ref="D-0001")
    db.session.commit()
    body = client.post("/participants/new", data=_form(world)).get_data(as_text=True)
    assert "En anden deltager har referencen D-0001." in body
    assert _count(db) == 1


def test_next_ref_is_suggested(db, client, world, staff):
    factories.participant(ref="D-0041")
    factories.participant(ref="D-0009")
    factories.participant(ref="X-9999")
    db.session.commit()
    body = client.get("/participants/new").get_data(as_text=True)
    assert 'value="D-0042"' in body


@pytest.mark.parametrize("overrides, message", [
    ({"birth_year": "1899"}, f"Fødselsåret skal være mellem 1900 og {date.today().year}."),
    ({"birth_year": str(date.today().year + 1)},
     f"Fødselsåret skal være mellem 1900 og {date.today().year}."),
    ({"months_unemployed": "-1"}, "Antal måneder ledig kan ikke være negativt."),
    ({"name": ""}, "Feltet skal udfyldes."),
    ({"email": "ikke-en-adresse"}, "Ugyldig e-mailadresse."),
])
def test_bad_values_are_explained(db, client, world, staff, overrides, message):
    body = client.post("/participants/new", data=_form(world, **overrides)).get_data(as_text=True)
    assert message in body
    assert _count(db) == 0


def test_housing_area_must_lie_in_the_municipality(db, client, world, staff):
    body = client.post("/participants/new", data=_form(world, municipality_id=world.odense.id)
                       ).get_data(as_text=True)
    assert "Gellerup ligger i Aarhus Kommune." in body
    assert _count(db) == 0


def test_municipality_is_taken_from_the_housing_area(db, client, world, staff):
    client.post("/participants/new", data=_form(world, housing_area_id=world.vollsmose.id,
                                                 municipality_id=""))
    assert db.session.scalar(select(Participant)).municipality_id == world.odense.id


def test_benefit_must_apply_on_the_intake_date(db, client, world, staff):
    reform = BenefitGroup(code="ny_kontanthjaelp", name_da="Ny kontanthjælp", name_en="New social assistance",
                          valid_from=date(2026, 7, 1))
    db.session.add(reform)
    db.session.commit()
    body = client.post("/participants/new", data=_form(world, benefit_group_id=reform.id)
                       ).get_data(as_text=True)
    assert "Ny kontanthjælp er ikke en ydelse på indskrivningsdatoen 05.01.2026." in body
    assert _count(db) == 0
    assert client.post("/participants/new", data=_form(world, benefit_group_id=reform.id,
                                                        intake_date="2026-07-01")).status_code == 302


def test_consent_document_is_stored_and_served_only_to_full_viewers(db, client, world, staff):
    data = _form(world, consent_document=(io.BytesIO(PDF), "samtykke.pdf"))
    assert client.post("/participants/new", data=data,
                       content_type="multipart/form-data").status_code == 302
    p = db.session.scalar(select(Participant))
    assert p.consent_file.filename == "samtykke.pdf"
    download = client.get(f"/participants/{p.id}/consent-document")
    assert download.data == PDF
    assert download.headers["Cache-Control"] == "no-store"


def test_consent_document_of_the_wrong_type_is_refused(db, client, world, staff):
    data = _form(world, consent_document=(io.BytesIO(b"just text"), "samtykke.pdf"))
    body = client.post("/participants/new", data=data,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Filen er ikke af en tilladt type (PDF, JPG, PNG)" in body
    assert _count(db) == 0
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_consent_document_without_consent_date_is_refused(db, client, world, staff):
    data = {"ref": "D-0001", "name": "Amina Hassan", "intake_date": "2026-01-05",
            "consent_document": (io.BytesIO(PDF), "samtykke.pdf")}
    body = client.post("/participants/new", data=data,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "tøm disse felter: Samtykkeerklæring (PDF, JPG eller PNG)." in body
    assert _count(db) == 0


def test_edit_with_optimistic_locking(db, client, world, staff):
    p = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan",
                              housing_area=world.gellerup)
    db.session.commit()
    first = client.post(f"/participants/{p.id}/edit",
                        data=_form(world, name="Amina H.", version=1))
    assert first.status_code == 302
    stale = client.post(f"/participants/{p.id}/edit", data=_form(world, name="Amina X", version=1))
    body = stale.get_data(as_text=True)
    assert "En anden har gemt denne registrering" in body
    assert 'value="Amina X"' in body
    db.session.refresh(p)
    assert (p.name, p.version) == ("Amina H.", 2)


def test_removing_consent_while_keeping_details_is_refused(db, client, world, staff):
    p = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan")
    db.session.commit()
    body = client.post(f"/participants/{p.id}/edit",
                       data=_form(world, consent_date="", version=1)).get_data(as_text=True)
    assert "Samtykke skal registreres, før der gemmes andet end navnet" in body
    db.session.refresh(p)
    assert p.consent_date == date(2026, 1, 1)


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_only_the_secretariat_enrols_and_edits(db, client, login, world, role):
    org = {"contractor": world.kaerhoej, "builder": world.builder, "municipality": world.aarhus}[role]
    p = factories.participant(world.aarhus)
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    assert client.get("/participants/new").status_code == 404
    assert client.post("/participants/new", data=_form(world)).status_code == 404
    assert client.get(f"/participants/{p.id}/edit").status_code == 404


def test_form_options_are_in_danish(db, client, world, staff):
    body = client.get("/participants/new").get_data(as_text=True)
    for word in ("Kvinde", "Jobparat", ">Ukendt<", "Grundskole", "Dagpenge", "Gellerup"):
        assert word in body, word


def test_replacing_the_consent_document_on_edit(db, client, world, staff):
    p = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan",
                              housing_area=world.gellerup)
    db.session.commit()
    data = _form(world, version=1, consent_document=(io.BytesIO(PDF), "ny.pdf"))
    assert client.post(f"/participants/{p.id}/edit", data=data,
                       content_type="multipart/form-data").status_code == 302
    db.session.refresh(p)
    assert p.consent_file.filename == "ny.pdf"
    # A stale form keeps no file.
    stale = _form(world, version=1, consent_document=(io.BytesIO(PDF + b"2"), "nyere.pdf"))
    body = client.post(f"/participants/{p.id}/edit", data=stale,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "En anden har gemt denne registrering" in body
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1
