"""Documents issued where the user is (#22, point 6): an issue button on the project, its
contractors, the participant and the municipality pages with the scope filled in; a form that
shows only the chosen kind's fields; the resident picked by name; the builder's compliance
statements. The world is tests/documents/conftest.py."""
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.documents.conftest import AS_OF
from tracker.documents.requests import DocumentRequest, IssueError, check_request
from tracker.lists import SELECT_MAX
from tracker.models import AuditEvent, AuditEventParticipant, Document


def _issue_links(page: str) -> list[dict]:
    """The links to the issue form on a page, each as its query (kind and scope)."""
    return [dict(parse_qsl(urlsplit(href.replace("&amp;", "&")).query))
            for href in re.findall(r'href="(/documents/new\?[^"]*)"', page)]


def _issue_form(page: str) -> str:
    start = page.index('<form method="post" action="/documents/new"')
    return page[start:page.index("</form>", start)]


def _names(form: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', form))


def _documents(db) -> list[tuple]:
    return db.session.execute(select(
        Document.kind, Document.project_id, Document.organisation_id, Document.participant_id)
        .order_by(Document.id)).all()


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


# --- the form: a kind chooser, then only the chosen kind's fields ---------------------------

@pytest.mark.parametrize("role, kinds", [
    ("staff", ["clause-status", "compliance", "municipality", "pathway", "annual", "training"]),
    ("builder", ["clause-status", "compliance", "training"]),
    ("contractor", ["clause-status", "compliance"]),
    ("municipality", ["municipality", "pathway"]),
])
def test_without_a_kind_the_form_asks_which_document(db, client, login, world, role, kinds):
    login(world.users[role])
    page = client.get("/documents/new").get_data(as_text=True)
    assert '<form method="post" action="/documents/new"' not in page
    assert [link["kind"] for link in _issue_links(page)] == kinds
    assert all(len(link) == 1 for link in _issue_links(page))


# Each kind's form: the kind (hidden), what the kind is about, and the as-of date. Few
# projects, contractors and participants: drop-downs.
FIELDS = {
    "clause-status": {"kind", "project_id", "as_of"},
    "compliance": {"kind", "project_id", "contractor_id", "as_of"},
    "municipality": {"kind", "municipality_id", "date_from", "date_to", "as_of"},
    "pathway": {"kind", "participant_id", "as_of"},
    "annual": {"kind", "year", "as_of"},
    "training": {"kind", "project_id", "year", "as_of"},
}


@pytest.mark.parametrize("kind", list(FIELDS))
def test_the_form_shows_only_the_fields_of_the_chosen_kind(db, client, login, world, kind):
    login(world.users["staff"])
    page = client.get(f"/documents/new?kind={kind}").get_data(as_text=True)
    form = _issue_form(page)
    assert _names(form) == FIELDS[kind]
    assert f'<input type="hidden" name="kind" value="{kind}">' in form
    # Another kind is one link away.
    assert 'href="/documents/new"' in page


def test_fields_of_another_kind_are_not_read(db, client, login, world):
    login(world.users["staff"])
    response = client.post("/documents/new", data={
        "kind": "clause-status", "project_id": world.project.id, "as_of": "2026-06-30",
        "year": "not a year", "participant_id": world.fie.id, "municipality_id": "x"})
    assert response.status_code == 302
    assert _documents(db) == [("clause-status", world.project.id, None, None)]


def test_what_the_kind_is_about_is_required(db, client, login, world):
    login(world.users["staff"])
    response = client.post("/documents/new", data={"kind": "compliance",
                                                   "project_id": world.project.id})
    assert response.status_code == 400
    form = _issue_form(response.get_data(as_text=True))
    assert re.search(r'<div class="field has-error">\s*<label for="contractor_id"', form)
    assert "Feltet skal udfyldes." in form
    assert _count(db) == 0


def test_a_kind_the_user_may_not_issue_shows_the_choice_again(db, client, login, world):
    login(world.users["builder"])
    page = client.get("/documents/new?kind=pathway").get_data(as_text=True)
    assert '<form method="post" action="/documents/new"' not in page
    assert [link["kind"] for link in _issue_links(page)] == [
        "clause-status", "compliance", "training"]


# --- the buttons on the pages, by role -------------------------------------------------------

def _project_links(world, role) -> list[dict]:
    p = str(world.project.id)
    clause_status = {"kind": "clause-status", "project_id": p}
    training = {"kind": "training", "project_id": p}
    c1 = {"kind": "compliance", "project_id": p, "contractor_id": str(world.c1.id)}
    c2 = {"kind": "compliance", "project_id": p, "contractor_id": str(world.c2.id)}
    return {"staff": [clause_status, training, c1, c2],
            "admin": [clause_status, training, c1, c2],
            "builder": [clause_status, training, c1, c2],
            "contractor": [clause_status, c1],  # C1's user: its own statement only
            "municipality": []}[role]


@pytest.mark.parametrize("role", ["staff", "admin", "builder", "contractor", "municipality"])
def test_the_project_page_offers_the_documents_the_role_may_issue(db, client, login, world,
                                                                  role):
    login(world.users[role])
    page = client.get(f"/projects/{world.project.id}").get_data(as_text=True)
    assert _issue_links(page) == _project_links(world, role)


def test_from_a_contractor_row_the_statement_is_issued_on_confirming(db, client, login, world):
    login(world.users["staff"])
    project_page = client.get(f"/projects/{world.project.id}").get_data(as_text=True)
    link = next(link for link in _issue_links(project_page)
                if link.get("contractor_id") == str(world.c2.id))
    form = _issue_form(client.get("/documents/new", query_string=link).get_data(as_text=True))
    assert f'<option selected value="{world.project.id}">T-100 Renovering af Testparken' in form
    assert f'<option selected value="{world.c2.id}">Maler Test ApS' in form
    response = client.post("/documents/new", data=dict(link, as_of="2026-06-30"))
    assert response.status_code == 302
    document = db.session.scalar(select(Document))
    assert response.headers["Location"].endswith(f"/documents/{document.id}")
    assert _documents(db) == [("compliance", world.project.id, world.c2.id, None)]


def test_the_training_report_from_the_project_page_is_for_this_year(db, client, login, world):
    login(world.users["staff"])
    link = {"kind": "training", "project_id": str(world.project.id)}
    form = _issue_form(client.get("/documents/new", query_string=link).get_data(as_text=True))
    assert f'name="year" type="number" value="{date.today().year}"' in form


def _pathway_links(page: str) -> list[dict]:
    return [link for link in _issue_links(page) if link["kind"] == "pathway"]


def test_the_participant_page_offers_the_pathway_to_the_secretariat(db, client, login, world):
    login(world.users["staff"])
    page = client.get(f"/participants/{world.ada.id}").get_data(as_text=True)
    assert _pathway_links(page) == [{"kind": "pathway", "participant_id": str(world.ada.id)}]
    assert "Udsted forløbsbeskrivelse" in page
    # The municipality may see Ada, but the button is the secretariat's.
    client.post("/logout")
    login(world.users["municipality"])
    page = client.get(f"/participants/{world.ada.id}").get_data(as_text=True)
    assert _pathway_links(page) == []


@pytest.mark.parametrize("case, reason", [
    ("no consent", "kan kun udstedes, når deltagerens samtykke er registreret"),
    ("withdrawn", "Deltageren trak sit samtykke tilbage den 01.05.2026, så der kan ikke "
                  "udstedes en forløbsbeskrivelse."),
    ("anonymised", "Deltageren er anonymiseret; der kan ikke udstedes en forløbsbeskrivelse."),
])
def test_no_pathway_button_without_consent_but_the_reason(db, client, login, world, case,
                                                          reason):
    person = world.fie if case == "no consent" else world.bo
    if case == "withdrawn":
        person.consent_withdrawn_on = date(2026, 5, 1)
    if case == "anonymised":
        person.anonymised_at = datetime(2026, 7, 1, tzinfo=UTC)
    db.session.commit()
    login(world.users["staff"])
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert _pathway_links(page) == []
    assert reason in page


def test_the_municipality_dashboard_offers_this_years_report(db, client, login, world):
    login(world.users["municipality"])
    page = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    link = {"kind": "municipality", "municipality_id": str(world.m.id),
            "date_from": "2026-01-01", "date_to": "2026-06-30", "as_of": "2026-06-30"}
    assert _issue_links(page) == [link]
    form = _issue_form(client.get("/documents/new", query_string=link).get_data(as_text=True))
    assert f'<option selected value="{world.m.id}">Testrup Kommune' in form
    assert 'value="2026-01-01"' in form and form.count('value="2026-06-30"') == 2
    response = client.post("/documents/new", data=link)
    assert response.status_code == 302
    assert _documents(db) == [("municipality", None, world.m.id, None)]
    # Other roles' dashboards have no municipality of their own to report on.
    client.post("/logout")
    login(world.users["staff"])
    assert _issue_links(client.get("/?as_of=2026-06-30").get_data(as_text=True)) == []


def test_a_municipalitys_page_offers_its_report_to_the_secretariat(db, client, login, world):
    login(world.users["staff"])
    page = client.get(f"/organisations/{world.m.id}/edit").get_data(as_text=True)
    link = {"kind": "municipality", "municipality_id": str(world.m.id)}
    assert _issue_links(page) == [link]
    # The form fills in this year so far.
    today = date.today()
    form = _issue_form(client.get("/documents/new", query_string=link).get_data(as_text=True))
    assert f'<option selected value="{world.m.id}">Testrup Kommune' in form
    assert f'name="date_from" type="date" value="{today.year}-01-01"' in form
    assert f'name="date_to" type="date" value="{today.isoformat()}"' in form
    assert 'name="as_of" type="date" value=""' in form
    assert _issue_links(client.get(f"/organisations/{world.c1.id}/edit").get_data(
        as_text=True)) == []


# --- the resident picked by name -------------------------------------------------------------

@pytest.fixture()
def crowd(db, world):
    """More residents of M than a drop-down holds, two of them called Yasmin."""
    for n in range(SELECT_MAX):
        factories.participant(world.m, name=f"Beboer {n:02d}", ref=f"D-{100 + n}")
    world.yasmin = factories.participant(world.m, name="Yasmin Farah", ref="D-0042",
                                         housing_area=world.area)
    world.yasmin_h = factories.participant(world.m, name="Yasmin Hassan", ref="D-0043",
                                           housing_area=world.area)
    db.session.commit()
    return world


def _shown_in_document_form(db) -> list[set[int]]:
    """The participants each access-log event of the issue form named."""
    events = db.session.scalars(select(AuditEvent.id).where(
        AuditEvent.entity == "document_form").order_by(AuditEvent.id)).all()
    return [set(db.session.scalars(select(AuditEventParticipant.participant_id).where(
        AuditEventParticipant.event_id == event))) for event in events]


def test_many_residents_are_typed_by_name(db, client, login, crowd):
    login(crowd.users["staff"])
    form = _issue_form(client.get("/documents/new?kind=pathway").get_data(as_text=True))
    assert _names(form) == {"kind", "participant_name", "as_of"}
    assert "Beboer" not in form and "Yasmin" not in form
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_name": "Yasmin Farah"})
    assert response.status_code == 302
    assert _documents(db) == [("pathway", None, None, crowd.yasmin.id)]


def test_an_ambiguous_name_lists_the_matches_and_the_reference_singles_one_out(db, client,
                                                                               login, crowd):
    login(crowd.users["staff"])
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_name": "yasmin"})
    assert response.status_code == 400
    form = _issue_form(response.get_data(as_text=True))
    assert ("Flere deltagere passer på »yasmin« (Yasmin Farah (D-0042); Yasmin Hassan "
            "(D-0043)): skriv referencen.") in form
    assert _count(db) == 0
    assert _shown_in_document_form(db) == [{crowd.yasmin.id, crowd.yasmin_h.id}]
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_name": "D-0043"})
    assert response.status_code == 302
    assert _documents(db) == [("pathway", None, None, crowd.yasmin_h.id)]


def test_a_resident_outside_the_scope_is_not_found(db, client, login, crowd):
    login(crowd.users["municipality"])  # 57 residents of M: typed; Fie lives elsewhere
    for text in ("Fie Udensamtykke", "D-9", "udensamtykke"):
        response = client.post("/documents/new", data={"kind": "pathway",
                                                       "participant_name": text})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert f"Ingen deltager har referencen »{text}« eller »{text}« i navnet." in page
    assert _count(db) == 0 and _shown_in_document_form(db) == []


def test_from_the_participant_page_the_name_is_filled_in_and_logged(db, client, login, crowd):
    login(crowd.users["staff"])
    page = client.get(f"/participants/{crowd.yasmin.id}").get_data(as_text=True)
    link = _pathway_links(page)[0]
    form = _issue_form(client.get("/documents/new", query_string=link).get_data(as_text=True))
    assert 'name="participant_name" type="text" value="Yasmin Farah (D-0042)"' in form
    assert f'<input type="hidden" name="participant_id" value="{crowd.yasmin.id}">' in form
    assert _shown_in_document_form(db) == [{crowd.yasmin.id}]
    response = client.post("/documents/new", data={
        "kind": "pathway", "participant_name": "Yasmin Farah (D-0042)",
        "participant_id": crowd.yasmin.id})
    assert response.status_code == 302
    assert _documents(db) == [("pathway", None, None, crowd.yasmin.id)]


def test_few_residents_are_a_drop_down_of_names(db, client, login, world):
    login(world.users["municipality"])  # five residents of M; Fie lives elsewhere
    form = _issue_form(client.get(
        f"/documents/new?kind=pathway&participant_id={world.bo.id}").get_data(as_text=True))
    assert re.findall(r"<option[^>]*>([^<]*)</option>", form) == [
        "— vælg —", "Ada Testesen (D-1)", "Bo Prøvesen (D-2)", "Cai Eksempelsen (D-3)",
        "Dea Demosen (D-4)", "Eli Mønstersen (D-5)"]
    assert f'<option selected value="{world.bo.id}">' in form
    assert _shown_in_document_form(db) == [
        {world.ada.id, world.bo.id, world.cai.id, world.dea.id, world.eli.id}]
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_id": world.fie.id})
    assert response.status_code == 400 and "Ikke et gyldigt valg" in response.get_data(
        as_text=True)


# --- who may issue what ------------------------------------------------------------------------

MAY_ISSUE = {
    "admin": {"clause-status", "compliance", "municipality", "pathway", "annual", "training"},
    "staff": {"clause-status", "compliance", "municipality", "pathway", "annual", "training"},
    "builder": {"clause-status", "compliance", "training"},
    "contractor": {"clause-status", "compliance"},
    "municipality": {"municipality", "pathway"},
}


@pytest.mark.parametrize("role", list(MAY_ISSUE))
@pytest.mark.parametrize("kind", sorted(MAY_ISSUE["staff"]))
def test_who_may_issue_which_kind_within_the_scope(db, world, role, kind):
    req = DocumentRequest(kind, project=world.project, contractor=world.c1, municipality=world.m,
                          participant=world.ada, year=2026, date_from=date(2026, 1, 1),
                          date_to=AS_OF, as_of=AS_OF)
    if kind in MAY_ISSUE[role]:
        check_request(req, world.users[role], date(2026, 11, 24))
    else:
        with pytest.raises(IssueError, match="Du må ikke udstede en"):
            check_request(req, world.users[role], date(2026, 11, 24))


def test_the_builder_issues_and_opens_its_projects_compliance_statement(db, client, login,
                                                                        world):
    login(world.users["builder"])
    response = client.post("/documents/new", data={
        "kind": "compliance", "project_id": world.project.id, "contractor_id": world.c2.id,
        "as_of": "2026-06-30"})
    assert response.status_code == 302
    document = db.session.scalar(select(Document))
    assert (document.kind, document.project_id, document.organisation_id) == (
        "compliance", world.project.id, world.c2.id)
    assert client.get(f"/documents/{document.id}").status_code == 200
    assert client.get(f"/documents/{document.id}/pdf").data == document.content
    assert document.number in client.get("/documents/").get_data(as_text=True)
    # Another builder, the other contractor and the municipality do not see it.
    for role, status in (("other_builder", 404), ("other_contractor", 404),
                         ("contractor", 404), ("municipality", 404)):
        client.post("/logout")
        login(world.users[role])
        assert client.get(f"/documents/{document.id}").status_code == status, role


def test_the_builder_chooses_only_its_projects_and_their_contractors(db, client, login, world):
    login(world.users["builder"])
    form = _issue_form(client.get("/documents/new?kind=compliance").get_data(as_text=True))
    options = re.findall(r"<option[^>]*>([^<]*)</option>", form)
    assert options == ["— vælg —", "T-100 Renovering af Testparken",
                       "— vælg —", "Maler Test ApS", "Murer Test A/S"]
    response = client.post("/documents/new", data={
        "kind": "compliance", "project_id": world.other_project.id, "contractor_id": world.c3.id})
    assert response.status_code == 400
    assert _count(db) == 0
    with pytest.raises(IssueError, match="inden for din adgang"):
        check_request(DocumentRequest("compliance", project=world.other_project,
                                      contractor=world.c3), world.users["builder"],
                      date(2026, 11, 24))
