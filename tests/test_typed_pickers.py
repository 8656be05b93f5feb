"""Forms and the documents list with more projects and contractors than a drop-down holds:
the placement form's project and employer, the issue form's project and contractor, and the
documents list's project filter are typed (case number or name, CVR number or name) and
looked up in the user's own scope; with few to choose from they stay drop-downs."""
import hashlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.lists import SELECT_MAX
from tracker.models import Document, Placement

FILLERS = SELECT_MAX + 5  # 55: more projects and more contractors than a drop-down holds


@pytest.fixture()
def world(db):
    """58 projects and 60 employers. 2026-001 "Gellerup etape 1" (Brabrand) has Kærhøj and
    Hansen Tag; 2026-002 "Gellerup etape 2" (Brabrand) has Hansen & Søn; 2026-003 "Vollsmose
    tage" (fsb) and the 55 fillers 2026-100… "Vollsmose blok 00…54" (fsb) have Lindekrog.
    Employers: those four, 55 filler contractors and the café (kind other)."""
    w = SimpleNamespace(**factories.two_estates())
    w.cafe = factories.organisation("other", name="Café Gellerup")
    w.fillers = [factories.organisation("contractor", name=f"Filler Entreprise {n:02d} A/S")
                 for n in range(FILLERS)]
    w.blocks = [factories.project(case_number=f"2026-{100 + n}", name=f"Vollsmose blok {n:02d}",
                                  area=w.vollsmose, builder=w.fsb, contractors=[w.lindekrog])
                for n in range(FILLERS)]
    w.amina = factories.participant(w.aarhus, name="Amina Hassan", ref="D-0001",
                                    housing_area=w.gellerup)
    db.session.commit()
    return w


def _field(page: str, name: str) -> str:
    """The markup of one field of a form (its div)."""
    start = page.index(f'name="{name}"')
    return page[page.rindex('<div class="field', 0, start):page.index("</div>", start)]


def _options(markup: str) -> list[str]:
    return re.findall(r"<option[^>]*>([^<]*)</option>", markup)


def _placements(db) -> list[tuple]:
    return db.session.execute(select(
        Placement.ref, Placement.project_id, Placement.employer_id).order_by(Placement.ref)).all()


PLACEMENT = {"ref": "F-0100", "kind": "internship", "start_date": "2026-03-02",
             "hours_per_week": "30"}


def _place(client, world, **fields):
    return client.post(f"/participants/{world.amina.id}/placements/new",
                       data=dict(PLACEMENT, **fields))


# --- the placement form ---------------------------------------------------------------------

def test_many_projects_and_employers_are_typed_not_listed(db, client, world, staff):
    page = client.get(f"/participants/{world.amina.id}/placements/new").get_data(as_text=True)
    assert '<input id="project_name" name="project_name" type="text" value="">' in page
    assert '<input id="employer_name" name="employer_name" type="text" value="">' in page
    assert 'id="project_id"' not in page and 'id="employer_id"' not in page
    assert "Vollsmose blok" not in page and "Filler Entreprise" not in page
    assert "<optgroup" not in page


def test_a_placement_by_typed_case_number_and_employer_cvr(db, client, world, staff):
    response = _place(client, world, project_name="2026-001", employer_name=world.hansen_tag.cvr)
    assert response.status_code == 302
    assert _placements(db) == [("F-0100", world.p1.id, world.hansen_tag.id)]


@pytest.mark.parametrize("project, employer, expected", [
    ("2026-001 Gellerup etape 1", "Kærhøj Byg A/S", "p1 kaerhoej"),  # as the form shows them
    ("GELLERUP ETAPE 2", "hansen & søn", "p2 hansen_soen"),          # whole names, any case
    ("etape 2", "hansen", "p2 hansen_soen"),  # the one Hansen firm on 2026-002
    ("tage", "lindekrog", "p3 lindekrog"),
    ("", "café", "None cafe"),                # no building project: any employer
])
def test_typed_names_single_out_a_project_and_employer(db, client, world, staff, project,
                                                       employer, expected):
    assert _place(client, world, project_name=project,
                  employer_name=employer).status_code == 302
    project_key, employer_key = expected.split()
    project_id = None if project_key == "None" else getattr(world, project_key).id
    assert _placements(db) == [("F-0100", project_id, getattr(world, employer_key).id)]


def test_a_name_matching_several_lists_them_and_saves_nothing(db, client, world, staff):
    page = _place(client, world, project_name="gellerup",
                  employer_name="hansen").get_data(as_text=True)
    project = _field(page, "project_name")
    assert 'class="field has-error"' in project and 'value="gellerup"' in project
    assert "(2026-001 Gellerup etape 1; 2026-002 Gellerup etape 2)" in project
    employer = _field(page, "employer_name")
    assert "(Hansen &amp; Søn Murer A/S; Hansen Tag ApS)" in employer
    # More than ten projects hold "blok": ten are named, then "…".
    page = _place(client, world, project_name="blok",
                  employer_name="lindekrog").get_data(as_text=True)
    named = re.search(r"\((2026-1.*?)\)", _field(page, "project_name")).group(1)
    assert named == "; ".join(f"2026-{100 + n} Vollsmose blok {n:02d}" for n in range(10)) + " …"
    assert _placements(db) == []


def test_names_holding_commas_are_told_apart_in_the_message(db, client, world, staff):
    factories.organisation("contractor", name="Jensen, Berg ApS")
    factories.organisation("contractor", name="Jensen, Hansen & Co A/S")
    db.session.commit()
    page = _place(client, world, project_name="", employer_name="jensen").get_data(as_text=True)
    assert "(Jensen, Berg ApS; Jensen, Hansen &amp; Co A/S)" in _field(page, "employer_name")


def test_the_messages_for_nothing_and_several(db, client, login, world):
    user = factories.user("staff", locale="en")
    db.session.commit()
    login(user)
    page = _place(client, world, project_name="Nørrebro",
                  employer_name="Nobody ApS").get_data(as_text=True)
    assert "No building project has “Nørrebro” as its case number or in its name." in page
    assert "No employer has “Nobody ApS” in its name or as its CVR number." in page
    page = _place(client, world, project_name="etape", employer_name="hansen").get_data(
        as_text=True)
    assert ("Several building projects match “etape” (2026-001 Gellerup etape 1; 2026-002 "
            "Gellerup etape 2): type the case number.") in page
    assert ("Several employers match “hansen” (Hansen &amp; Søn Murer A/S; Hansen Tag ApS): "
            "type the whole name or the CVR number.") in page
    page = _place(client, world, project_name="", employer_name="").get_data(as_text=True)
    assert "Choose the employer." in page
    assert _placements(db) == []


def test_typed_text_in_a_message_is_shown_as_text(db, client, world, staff):
    page = _place(client, world, project_name="<i>x</i>",
                  employer_name="<b>y</b>").get_data(as_text=True)
    assert "<i>x</i>" not in page and "<b>y</b>" not in page
    for name, escaped in (("project_name", "&lt;i&gt;x&lt;/i&gt;"),
                          ("employer_name", "&lt;b&gt;y&lt;/b&gt;")):
        error = _field(page, name).split('<div class="error"')[1]  # the message, not the value
        assert escaped in error


def test_an_employer_not_on_the_project_is_refused_as_before(db, client, world, staff):
    page = _place(client, world, project_name="2026-001",
                  employer_name="Lindekrog Malerfirma ApS").get_data(as_text=True)
    assert ("Lindekrog Malerfirma ApS er ikke entreprenør på 2026-001 Gellerup etape 1. "
            "Vælg en af byggesagens entreprenører, eller ingen byggesag.") in page
    # Two Hansen firms, neither of them on 2026-003: several, and nothing saved.
    page = _place(client, world, project_name="2026-003",
                  employer_name="hansen").get_data(as_text=True)
    assert "(Hansen &amp; Søn Murer A/S; Hansen Tag ApS)" in _field(page, "employer_name")
    assert _placements(db) == []
    assert _place(client, world, project_name="",
                  employer_name="Lindekrog Malerfirma ApS").status_code == 302
    assert _placements(db) == [("F-0100", None, world.lindekrog.id)]


def test_a_form_shown_again_keeps_what_was_typed(db, client, world, staff):
    page = _place(client, world, project_name="etape 2", employer_name="hansen",
                  hours_per_week="80").get_data(as_text=True)
    assert 'value="etape 2"' in _field(page, "project_name")
    assert 'value="hansen"' in _field(page, "employer_name")
    assert "Timer om ugen skal være mere end 0 og højst 60 (du skrev 80)." in page
    assert _placements(db) == []


def test_from_a_project_its_name_and_only_contractor_are_filled_in(db, client, world, staff):
    url = f"/placements/new?project_id={world.p3.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="2026-003 Vollsmose tage"' in _field(page, "project_name")
    assert 'value="Lindekrog Malerfirma ApS"' in _field(page, "employer_name")
    assert f'<input type="hidden" name="project_id" value="{world.p3.id}">' in page
    assert f'<input type="hidden" name="employer_id" value="{world.lindekrog.id}">' in page
    # Sent as shown (names and the ids with them).
    assert client.post(url, data=dict(
        PLACEMENT, participant_id=world.amina.id, project_name="2026-003 Vollsmose tage",
        project_id=world.p3.id, employer_name="Lindekrog Malerfirma ApS",
        employer_id=world.lindekrog.id)).status_code == 302
    assert _placements(db) == [("F-0100", world.p3.id, world.lindekrog.id)]


def test_editing_shows_the_current_choice_and_keeps_or_changes_it(db, client, world, staff):
    pl = factories.placement(world.amina, world.hansen_tag, project=world.p1, ref="F-0001",
                             start_date=date(2026, 2, 2))
    db.session.commit()
    page = client.get(f"/placements/{pl.id}/edit").get_data(as_text=True)
    assert 'value="2026-001 Gellerup etape 1"' in _field(page, "project_name")
    assert 'value="Hansen Tag ApS"' in _field(page, "employer_name")
    form = {"ref": "F-0001", "kind": "internship", "start_date": "2026-02-02",
            "hours_per_week": "25", "version": str(pl.version),
            "project_name": "2026-001 Gellerup etape 1", "project_id": world.p1.id,
            "employer_name": "Hansen Tag ApS", "employer_id": world.hansen_tag.id}
    assert client.post(f"/placements/{pl.id}/edit", data=form).status_code == 302
    db.session.refresh(pl)
    assert (pl.project_id, pl.employer_id, pl.hours_per_week) == (
        world.p1.id, world.hansen_tag.id, Decimal(25))
    # The project's name cleared (its id still sent with it): no building project.
    form.update(version=str(pl.version), project_name="", employer_name="café")
    assert client.post(f"/placements/{pl.id}/edit", data=form).status_code == 302
    db.session.refresh(pl)
    assert (pl.project_id, pl.employer_id) == (None, world.cafe.id)


# --- the issue form -------------------------------------------------------------------------

def _documents(db) -> list[tuple]:
    return db.session.execute(select(Document.kind, Document.project_id)).all()


def test_a_document_is_issued_for_a_typed_project(db, client, world, staff):
    page = client.get("/documents/new?kind=compliance").get_data(as_text=True)
    assert 'name="project_name" type="text" value=""' in page
    assert 'name="contractor_name" type="text" value=""' in page
    assert "Vollsmose blok" not in page and "Filler Entreprise" not in page
    response = client.post("/documents/new", data={"kind": "clause-status",
                                                   "project_name": "vollsmose tage",
                                                   "as_of": "2026-06-30"})
    assert response.status_code == 302
    assert _documents(db) == [("clause-status", world.p3.id)]


def test_a_project_page_link_fills_in_the_project(db, client, world, staff):
    page = client.get(f"/documents/new?kind=clause-status&project_id={world.p2.id}").get_data(
        as_text=True)
    assert 'value="2026-002 Gellerup etape 2"' in _field(page, "project_name")
    assert f'<input type="hidden" name="project_id" value="{world.p2.id}">' in page
    # A form sent with the id alone (a button on another page) chooses the project too.
    response = client.post("/documents/new", data={"kind": "clause-status",
                                                   "project_id": world.p2.id,
                                                   "as_of": "2026-06-30"})
    assert response.status_code == 302
    assert _documents(db) == [("clause-status", world.p2.id)]


def test_typed_contractor_and_several_matching(db, client, world, staff):
    page = client.post("/documents/new", data={
        "kind": "compliance", "project_name": "2026-001", "contractor_name": "hansen",
        "as_of": "2026-06-30"}).get_data(as_text=True)
    assert "(Hansen &amp; Søn Murer A/S; Hansen Tag ApS)" in _field(page, "contractor_name")
    assert _documents(db) == []


def test_a_builder_cannot_choose_a_project_outside_its_own(db, client, login, world):
    user = factories.user("builder", org=world.fsb)  # 56 projects: typed
    db.session.commit()
    login(user)
    page = client.get("/documents/new?kind=clause-status").get_data(as_text=True)
    assert 'name="project_name" type="text"' in page
    for data in ({"project_name": "Gellerup etape 1"}, {"project_name": "2026-001"},
                 {"project_name": "gellerup"}):
        page = client.post("/documents/new", data=dict(data, kind="clause-status")).get_data(
            as_text=True)
        assert "2026-001 Gellerup" not in page and "2026-002 Gellerup" not in page
        assert 'class="field has-error"' in _field(page, "project_name")
    page = client.post("/documents/new", data={"kind": "clause-status",
                                               "project_id": world.p1.id}).get_data(as_text=True)
    assert "Ikke et gyldigt valg." in page
    # A link to another builder's project shows nothing of it.
    page = client.get(f"/documents/new?kind=clause-status&project_id={world.p1.id}").get_data(
        as_text=True)
    assert 'name="project_name" type="text" value=""' in page and "Gellerup" not in page
    assert _documents(db) == []


def test_a_contractor_types_among_its_own_projects_and_speaks_for_its_own_firm(db, client,
                                                                               login, world):
    user = factories.user("contractor", org=world.lindekrog)  # on 56 projects: typed
    db.session.commit()
    login(user)
    page = client.get("/documents/new?kind=compliance").get_data(as_text=True)
    assert 'name="project_name" type="text"' in page
    assert _options(_field(page, "contractor_id")) == ["— vælg —", "Lindekrog Malerfirma ApS"]
    page = client.post("/documents/new", data={
        "kind": "clause-status", "project_name": "2026-001"}).get_data(as_text=True)
    assert 'class="field has-error"' in _field(page, "project_name")
    assert "Gellerup etape" not in page
    assert _documents(db) == []


# --- the documents list ---------------------------------------------------------------------

@pytest.fixture()
def archive(db, world):
    """A clause status report about each of 2026-001, 2026-002 and 2026-003."""
    for n, project in enumerate((world.p1, world.p2, world.p3), start=1):
        content = f"%PDF-1.7 {n}".encode()
        db.session.add(Document(
            number=f"D-2026-00000{n}", kind="clause-status", scope=f"Byggesag {project}",
            project_id=project.id, as_of=date(2026, 6, 30), parameters={},
            sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content,
            issued_at=datetime(2026, 7, n, 9, 30, tzinfo=UTC)))
    db.session.commit()


def _numbers(page: str) -> list[str]:
    return re.findall(r">(D-2026-\d{6})</a>", page)


def test_documents_filtered_by_a_typed_project_name_or_a_link(db, client, world, staff, archive):
    page = client.get("/documents/").get_data(as_text=True)
    assert '<input id="f-project" name="project" type="search" value=""' in page
    assert "Vollsmose blok" not in page
    assert _numbers(page) == ["D-2026-000003", "D-2026-000002", "D-2026-000001"]
    typed = client.get("/documents/?project=gellerup").get_data(as_text=True)
    assert _numbers(typed) == ["D-2026-000002", "D-2026-000001"]
    links = re.findall(r'<a href="[^"]*project=(\d+)[^"]*">([^<]+)</a>', typed)
    assert [(int(i), name) for i, name in links] == [(world.p1.id, "2026-001 Gellerup etape 1"),
                                                     (world.p2.id, "2026-002 Gellerup etape 2")]
    assert _numbers(client.get("/documents/?project=2026-003").get_data(as_text=True)) == [
        "D-2026-000003"]
    by_id = client.get(f"/documents/?project={world.p3.id}").get_data(as_text=True)
    assert _numbers(by_id) == ["D-2026-000003"]
    assert "<strong>2026-003 Vollsmose tage</strong>" in by_id and "Fjern" in by_id


def test_a_builder_filters_its_documents_only(db, client, login, world, archive):
    user = factories.user("builder", org=world.brabrand)  # two projects: a drop-down
    db.session.commit()
    login(user)
    page = client.get("/documents/").get_data(as_text=True)
    assert _options(_field(page, "project")) == [
        "Alle", "2026-001 Gellerup etape 1", "2026-002 Gellerup etape 2"]
    assert _numbers(client.get("/documents/?project=etape 2").get_data(as_text=True)) == [
        "D-2026-000002"]
    assert _numbers(client.get("/documents/?project=vollsmose").get_data(as_text=True)) == []


# --- few to choose from: the drop-downs as before ---------------------------------------------

@pytest.fixture()
def small(db):
    """Two projects, three contractors and a café."""
    aarhus = factories.organisation("municipality", name="Aarhus Kommune")
    gellerup = factories.housing_area(aarhus, name="Gellerup")
    brabrand = factories.organisation("builder", name="Brabrand Boligforening")
    kaerhoej = factories.organisation("contractor", name="Kærhøj Byg A/S")
    hansen_tag = factories.organisation("contractor", name="Hansen Tag ApS")
    lindekrog = factories.organisation("contractor", name="Lindekrog Malerfirma ApS")
    cafe = factories.organisation("other", name="Café Gellerup")
    p1 = factories.project(case_number="2026-001", name="Gellerup etape 1", area=gellerup,
                           builder=brabrand, contractors=[kaerhoej, hansen_tag])
    p2 = factories.project(case_number="2026-002", name="Gellerup etape 2", area=gellerup,
                           builder=brabrand, contractors=[lindekrog])
    amina = factories.participant(aarhus, name="Amina Hassan", ref="D-0001")
    db.session.commit()
    return SimpleNamespace(**locals())


def test_with_few_to_choose_from_the_drop_downs_are_unchanged(db, client, small, staff):
    page = client.get(f"/placements/new?project_id={small.p1.id}").get_data(as_text=True)
    assert 'name="project_name"' not in page and 'name="employer_name"' not in page
    assert _options(_field(page, "project_id")) == [
        "— ingen byggesag —", "2026-001 Gellerup etape 1", "2026-002 Gellerup etape 2"]
    assert f'<option selected value="{small.p1.id}">' in page
    employer = _field(page, "employer_id")
    assert re.findall(r'<optgroup label="([^"]+)">', employer) == [
        "Entreprenører på byggesagen", "Entreprenører", "Andre arbejdsgivere"]
    assert _options(employer) == ["—", "Hansen Tag ApS", "Kærhøj Byg A/S",
                                  "Lindekrog Malerfirma ApS", "Café Gellerup"]
    assert client.post(f"/participants/{small.amina.id}/placements/new", data=dict(
        PLACEMENT, project_id=small.p2.id, employer_id=small.lindekrog.id)).status_code == 302
    assert _placements(db) == [("F-0100", small.p2.id, small.lindekrog.id)]

    page = client.get(f"/documents/new?kind=compliance&project_id={small.p2.id}").get_data(
        as_text=True)
    assert 'name="project_name"' not in page and 'name="contractor_name"' not in page
    assert _options(_field(page, "project_id")) == [
        "— vælg —", "2026-001 Gellerup etape 1", "2026-002 Gellerup etape 2"]
    assert f'<option selected value="{small.p2.id}">' in page
    assert _options(_field(page, "contractor_id")) == [
        "— vælg —", "Hansen Tag ApS", "Kærhøj Byg A/S", "Lindekrog Malerfirma ApS"]

    page = client.get("/documents/").get_data(as_text=True)
    assert _options(_field(page, "project")) == [
        "Alle", "2026-001 Gellerup etape 1", "2026-002 Gellerup etape 2"]
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
