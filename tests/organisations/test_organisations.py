"""Organisations and housing areas: forms, bad input, optimistic locking, lists, exports."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tracker.models import HousingArea, Organisation


def _form(**overrides):
    data = {"name": "Brabrand Boligforening", "kind": "builder", "cvr": "35209115",
            "municipality_code": "", "email": ""}
    data.update(overrides)
    return data


def test_create_organisation(db, client, staff):
    response = client.post("/organisations/new", data=_form())
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.cvr == "35209115"))
    assert (org.name, org.kind, org.version) == ("Brabrand Boligforening", "builder", 1)


@pytest.mark.parametrize("overrides, message", [
    ({"cvr": "35209116"}, "gyldigt kontrolciffer (modulus 11)"),
    ({"cvr": "1234"}, "gyldigt kontrolciffer (modulus 11)"),
    ({"kind": "municipality"}, "En kommune skal have sin kommunekode"),
    ({"municipality_code": "751"}, "Kun kommuner har en kommunekode"),
    ({"name": "Kontakt 010190-1234"}, "Det ligner et CPR-nummer"),
    ({"name": ""}, "Feltet skal udfyldes"),
])
def test_bad_input_is_explained_and_nothing_saved(db, client, staff, overrides, message):
    response = client.post("/organisations/new", data=_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation)) is None


def test_duplicate_cvr_names_the_holder(db, client, staff):
    factories.organisation("builder", name="Østjysk Bolig", cvr="35209115")
    db.session.commit()
    body = client.post("/organisations/new", data=_form()).get_data(as_text=True)
    assert "Østjysk Bolig har allerede dette CVR-nummer" in body


def test_a_name_in_an_error_message_is_shown_as_text_not_markup(db, client, staff):
    factories.organisation("builder", name='<i>Brabrand</i> <img src="x">', cvr="35209115")
    db.session.commit()

    page = client.post("/organisations/new", data=_form()).get_data(as_text=True)

    assert "&lt;i&gt;Brabrand&lt;/i&gt; &lt;img src=&#34;x&#34;&gt; har allerede dette CVR-nummer" \
        in page
    assert "<i>Brabrand</i>" not in page and '<img src="x">' not in page


def test_municipality_with_code(db, client, staff):
    client.post("/organisations/new", data=_form(name="Aarhus Kommune", kind="municipality",
                                                  cvr="55133018", municipality_code="751"))
    org = db.session.scalar(select(Organisation))
    assert org.municipality_code == "751"


def test_second_save_of_a_stale_form_is_refused_and_keeps_input(db, client, staff):
    org = factories.organisation("builder", name="Civica", cvr="35209115")
    db.session.commit()
    # Both open the form at version 1; the first saves.
    assert client.post(f"/organisations/{org.id}/edit",
                       data=_form(name="Civica (første)", version=1)).status_code == 302
    response = client.post(f"/organisations/{org.id}/edit",
                           data=_form(name="Civica (anden)", version=1))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "En anden har gemt denne registrering" in body
    assert 'value="Civica (anden)"' in body          # their input is kept
    db.session.refresh(org)
    assert (org.name, org.version) == ("Civica (første)", 2)
    # Saving again after seeing the conflict is a deliberate choice and goes through.
    assert client.post(f"/organisations/{org.id}/edit",
                       data=_form(name="Civica (anden)", version=2)).status_code == 302
    db.session.refresh(org)
    assert org.name == "Civica (anden)"


def test_deactivate_never_deletes(db, client, staff):
    org = factories.organisation("contractor")
    db.session.commit()
    client.post(f"/organisations/{org.id}/active")
    db.session.refresh(org)
    assert org.is_active is False
    client.post(f"/organisations/{org.id}/active")
    db.session.refresh(org)
    assert org.is_active is True


def test_list_filters_sorts_and_exports_exactly_what_it_shows(db, client, staff):
    factories.organisation("builder", name="Brabrand Boligforening")
    factories.organisation("builder", name="Østjysk Bolig")
    factories.organisation("contractor", name="Jysk Renovering A/S")
    db.session.commit()
    page = client.get("/organisations/?kind=builder&sort=-name").get_data(as_text=True)
    assert "Jysk Renovering" not in page
    assert page.index("Østjysk Bolig") < page.index("Brabrand Boligforening")

    raw = client.get("/organisations/?kind=builder&sort=-name&export=csv")
    assert raw.headers["Content-Disposition"] == 'attachment; filename="organisationer.csv"'
    text = raw.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Navn", "Type", "CVR-nummer"]
    assert [r[0] for r in rows[1:]] == ["Østjysk Bolig", "Brabrand Boligforening"]
    assert rows[1][1] == "Bygherre (boligorganisation)"

    xlsx = client.get("/organisations/?kind=builder&sort=-name&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Østjysk Bolig", "Brabrand Boligforening"]


def test_search_by_cvr(db, client, staff):
    factories.organisation("builder", name="Civica", cvr="35209115")
    factories.organisation("builder", name="Himmerland Boligforening")
    db.session.commit()
    page = client.get("/organisations/?q=3520").get_data(as_text=True)
    assert "Civica" in page and "Himmerland" not in page


def test_pagination(db, client, staff):
    for n in range(30):
        factories.organisation("contractor", name=f"Firma {n:02d}")
    db.session.commit()
    first = client.get("/organisations/").get_data(as_text=True)
    second = client.get("/organisations/?page=2").get_data(as_text=True)
    assert "Firma 24" in first and "Firma 25" not in first
    assert "Firma 25" in second and "Side 2 af 2" in second
    assert "30 rækker" in first


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_external_roles_cannot_manage_organisations(db, client, login, role):
    user = factories.user(role, org=factories.organisation(role))
    db.session.commit()
    login(user)
    assert client.get("/organisations/").status_code == 404
    assert client.post("/organisations/new", data=_form()).status_code == 404
    assert client.get("/housing-areas/").status_code == 404


def test_housing_area_create_and_duplicate(db, client, staff):
    aarhus = factories.organisation("municipality", name="Aarhus Kommune")
    db.session.commit()
    assert client.post("/housing-areas/new", data={"name": "Gellerup",
                                                   "municipality_id": aarhus.id}).status_code == 302
    body = client.post("/housing-areas/new", data={"name": "Gellerup",
                                                   "municipality_id": aarhus.id}).get_data(as_text=True)
    assert "Der findes allerede et boligområde med dette navn" in body
    assert len(db.session.scalars(select(HousingArea)).all()) == 1
    page = client.get(f"/housing-areas/?municipality={aarhus.id}").get_data(as_text=True)
    assert "Gellerup" in page


def test_kind_choices_are_in_the_users_language(db, client, staff):
    body = client.get("/organisations/new").get_data(as_text=True)
    assert ">Bygherre (boligorganisation)</option>" in body
    assert "Builder (housing association)" not in body
