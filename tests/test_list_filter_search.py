"""Filters by record with many options: a text field matched against the names in the user's
own scope, links with an id still working, exports equal to the filtered list, and the
pickers of the project page and the placement form typed instead of listed."""
import csv
import io
import re
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tracker.lists import SELECT_MAX
from tracker.models import Placement, ProjectContractor
from tracker.reporting import service as reporting_service

FILLERS = SELECT_MAX + 5  # contractors on one project: more than a drop-down holds


@pytest.fixture()
def world(db):
    """Four projects. 2026-001 (Gellerup, Brabrand) has Kærhøj and Hansen Tag; 2026-002
    (Gellerup, Brabrand) has Hansen & Søn; 2026-003 (Vollsmose, fsb) has Lindekrog; 2026-900
    (Vollsmose, fsb) has 55 filler contractors. Three participants, placed with Hansen Tag,
    Hansen & Søn and Lindekrog."""
    w = SimpleNamespace(**factories.two_estates())
    w.fillers = [factories.organisation("contractor", name=f"Filler Entreprise {n:02d} A/S")
                 for n in range(FILLERS)]
    w.p9 = factories.project(case_number="2026-900", name="Vollsmose facader",
                             area=w.vollsmose, builder=w.fsb, contractors=w.fillers)
    w.amina = factories.participant(w.aarhus, name="Amina Hassan", ref="D-0001",
                                    housing_area=w.gellerup)
    w.bo = factories.participant(w.aarhus, name="Bo Jensen", ref="D-0002",
                                 housing_area=w.gellerup)
    w.carl = factories.participant(w.odense, name="Carl Nielsen", ref="D-0003",
                                   housing_area=w.vollsmose)
    factories.placement(w.amina, w.hansen_tag, project=w.p1)
    factories.placement(w.bo, w.hansen_soen, project=w.p2)
    factories.placement(w.carl, w.lindekrog, project=w.p3)
    db.session.commit()
    return w


def _case_numbers(page: str) -> list[str]:
    return re.findall(r">(2026-\d{3})</a>", page)


def _names(page: str) -> list[str]:
    return re.findall(r'href="/participants/\d+">([^<]+)</a>', page)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))


def _field(page: str, key: str) -> str:
    """The markup of one filter's field in the list's form."""
    start = page.index(f'name="{key}"')
    return page[page.rindex('<div class="field">', 0, start):page.index("</div>", start)]


# --- the project list -----------------------------------------------------------------------

def test_many_options_make_a_text_field_and_few_stay_a_drop_down(db, client, world, staff):
    page = client.get("/projects/").get_data(as_text=True)
    contractor = _field(page, "contractor")
    assert '<input id="f-contractor" name="contractor" type="search" value=""' in contractor
    assert "<option" not in contractor
    assert "Filler Entreprise" not in page  # 59 contractors: none of them listed
    builder = _field(page, "builder")
    assert re.findall(r"<option[^>]*>([^<]*)</option>", builder) == [
        "Alle", "Brabrand Boligforening", "fsb"]


@pytest.mark.parametrize("typed, expected", [
    ("hansen", ["2026-001", "2026-002"]),       # both Hansen firms
    ("HANSEN TAG", ["2026-001"]),               # case does not matter
    ("Søn", ["2026-002"]),
    ("SØN", ["2026-002"]),                      # Danish letters in either case, SQLite too
    ("kærhøj", ["2026-001"]),
    ("KÆRHØJ BYG", ["2026-001"]),
    ("filler entreprise 07", ["2026-900"]),
    ("nobody", []),
    ("%", []),                                  # typed literally, not as a wildcard
    ("_", []),
    ("99999999999999999999", []),               # no id this long: a name typed
    ("²", []),                                  # a digit, but no id
])
def test_a_typed_name_filters_by_every_contractor_holding_it(db, client, world, staff, typed,
                                                             expected):
    page = client.get("/projects/", query_string={"contractor": typed}).get_data(as_text=True)
    assert _case_numbers(page) == expected
    assert f'name="contractor" type="search" value="{typed}"' in page


def test_the_names_matched_are_offered_as_links_to_one_of_them(db, client, world, staff):
    page = client.get("/projects/?contractor=hansen").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*contractor=(\d+)[^"]*)">([^<]+)</a>', page)
    assert [(int(ident), name) for _href, ident, name in links] == [
        (world.hansen_soen.id, "Hansen &amp; Søn Murer A/S"),
        (world.hansen_tag.id, "Hansen Tag ApS")]
    chosen = client.get(links[1][0].replace("&amp;", "&")).get_data(as_text=True)
    assert _case_numbers(chosen) == ["2026-001"]


def test_a_link_with_an_id_shows_the_name_and_can_be_cleared(db, client, world, staff):
    page = client.get(f"/projects/?contractor={world.lindekrog.id}").get_data(as_text=True)
    assert _case_numbers(page) == ["2026-003"]
    field = _field(page, "contractor")
    assert "<strong>Lindekrog Malerfirma ApS</strong>" in field
    assert f'<input type="hidden" name="contractor" value="{world.lindekrog.id}">' in field
    clear = re.search(r'<span class="chosen">.*?<a href="([^"]+)"', field).group(1)
    assert f"contractor={world.lindekrog.id}" not in clear
    cleared = client.get(clear.replace("&amp;", "&")).get_data(as_text=True)
    assert _case_numbers(cleared) == ["2026-001", "2026-002", "2026-003", "2026-900"]


def test_exports_hold_exactly_the_rows_of_a_typed_name(db, client, world, staff):
    url = "/projects/?contractor=hansen&sort=-case_number"
    assert _case_numbers(client.get(url).get_data(as_text=True)) == ["2026-002", "2026-001"]
    rows = _csv(client.get(url + "&export=csv"))
    assert [(r[0], r[4]) for r in rows[1:]] == [("2026-002", "Brabrand Boligforening"),
                                                ("2026-001", "Brabrand Boligforening")]
    sheet = load_workbook(io.BytesIO(client.get(url + "&export=xlsx").data)).active
    assert [r[0] for r in list(sheet.iter_rows(values_only=True))[1:]] == ["2026-002", "2026-001"]


def test_a_builder_is_neither_offered_nor_matched_names_outside_its_projects(db, client, login,
                                                                            world):
    user = factories.user("builder", org=world.fsb)
    db.session.commit()
    login(user)
    # fsb's projects have Lindekrog and the 55 fillers: a text field.
    page = client.get("/projects/").get_data(as_text=True)
    assert 'name="contractor" type="search"' in page
    assert _case_numbers(page) == ["2026-003", "2026-900"]
    typed = client.get("/projects/?contractor=hansen").get_data(as_text=True)
    assert _case_numbers(typed) == [] and "Hansen" not in typed.replace('value="hansen"', "")
    by_id = client.get(f"/projects/?contractor={world.hansen_tag.id}").get_data(as_text=True)
    assert _case_numbers(by_id) == [] and "Hansen Tag" not in by_id
    assert "<strong>" not in _field(by_id, "contractor")  # no chosen name to show
    own = client.get("/projects/?contractor=filler entreprise 01").get_data(as_text=True)
    assert _case_numbers(own) == ["2026-900"]
    rows = _csv(client.get("/projects/?contractor=hansen&export=csv"))
    assert rows[1:] == []


def test_a_contractor_is_not_matched_names_outside_its_projects(db, client, login, world):
    user = factories.user("contractor", org=world.lindekrog)
    db.session.commit()
    login(user)
    page = client.get("/projects/").get_data(as_text=True)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", _field(page, "contractor")) == [
        "Alle", "Lindekrog Malerfirma ApS"]
    typed = client.get("/projects/?contractor=hansen").get_data(as_text=True)
    assert _case_numbers(typed) == [] and "Hansen" not in typed.replace('value="hansen"', "")


# --- the participant list -------------------------------------------------------------------

def test_participants_placed_with_a_typed_name_or_an_id(db, client, world, staff):
    page = client.get("/participants/?contractor=hansen").get_data(as_text=True)
    assert _names(page) == ["Amina Hassan", "Bo Jensen"]
    rows = _csv(client.get("/participants/?contractor=hansen&export=csv"))
    assert [r[0] for r in rows[1:]] == ["Amina Hassan", "Bo Jensen"]
    by_id = client.get(f"/participants/?contractor={world.lindekrog.id}").get_data(as_text=True)
    assert _names(by_id) == ["Carl Nielsen"]
    assert "<strong>Lindekrog Malerfirma ApS</strong>" in _field(by_id, "contractor")


# --- the due reports of the review queue ----------------------------------------------------

@pytest.fixture()
def due(db, world, monkeypatch):
    """A quarterly clause on 2026-001 for Hansen Tag and one on 2026-002 for Hansen & Søn; as
    of 24 November 2026 each owes Q1, Q2 and Q3 (the projects run all of 2026)."""
    monkeypatch.setattr(reporting_service, "today", lambda: date(2026, 11, 24))
    factories.clause(factories.agreement(world.p1), responsible_contractor=world.hansen_tag,
                     frequency="quarterly", ref="K-1")
    factories.clause(factories.agreement(world.p2), responsible_contractor=world.hansen_soen,
                     frequency="quarterly", ref="K-2")
    db.session.commit()


def _due_rows(page: str) -> list[tuple[str, str]]:
    """(clause, contractor) of each row of the due list."""
    table = page[page.index('id="due"'):]
    return re.findall(r"<td>(K-\d)</td>\s*<td>([^<]+)</td>", table)


def test_due_reports_of_the_one_contractor_a_name_singles_out(db, client, world, staff, due):
    page = client.get("/reports/?contractor=hansen tag").get_data(as_text=True)
    assert _due_rows(page) == [("K-1", "Hansen Tag ApS")] * 3
    rows = _csv(client.get("/reports/?contractor=hansen tag&export=csv"))
    assert [(r[4], r[5]) for r in rows[1:]] == [("K-1", "Hansen Tag ApS")] * 3


def test_a_name_of_several_contractors_lists_them_to_choose_from(db, client, world, staff, due):
    page = client.get("/reports/?contractor=hansen").get_data(as_text=True)
    assert _due_rows(page) == []
    assert f"contractor={world.hansen_tag.id}" in page and f"contractor={world.hansen_soen.id}" in page
    assert _csv(client.get("/reports/?contractor=hansen&export=csv"))[1:] == []
    everyone = client.get("/reports/").get_data(as_text=True)
    assert sorted(_due_rows(everyone)) == [("K-1", "Hansen Tag ApS")] * 3 + [
        ("K-2", "Hansen &amp; Søn Murer A/S")] * 3


def test_due_reports_of_the_projects_a_typed_name_holds(db, client, world, staff, due):
    page = client.get("/reports/?project=etape 2").get_data(as_text=True)
    assert _due_rows(page) == [("K-2", "Hansen &amp; Søn Murer A/S")] * 3
    by_id = client.get(f"/reports/?project={world.p1.id}").get_data(as_text=True)
    assert _due_rows(by_id) == [("K-1", "Hansen Tag ApS")] * 3


# --- pickers typed instead of listed --------------------------------------------------------

def test_a_contractor_is_added_to_a_project_by_its_typed_name_or_cvr(db, client, world, staff):
    page = client.get(f"/projects/{world.p3.id}").get_data(as_text=True)
    assert 'name="contractor_name"' in page and 'id="contractor_id"' not in page
    assert "Filler Entreprise" not in page

    def on_project() -> set[int]:
        return set(db.session.scalars(select(ProjectContractor.contractor_id).where(
            ProjectContractor.project_id == world.p3.id)))

    url = f"/projects/{world.p3.id}/contractors"
    client.post(url, data={"contractor_name": "hansen", "role": "sub"})  # two firms: refused
    assert on_project() == {world.lindekrog.id}
    client.post(url, data={"contractor_name": "hansen tag", "role": "sub"})
    assert on_project() == {world.lindekrog.id, world.hansen_tag.id}
    client.post(url, data={"contractor_name": world.hansen_soen.cvr, "role": "sub"})
    assert on_project() == {world.lindekrog.id, world.hansen_tag.id, world.hansen_soen.id}
    # Filler Entreprise 01 A/S is a whole name, though "Filler Entreprise 01" is in no other.
    client.post(url, data={"contractor_name": "filler entreprise 01 a/s", "role": "sub"})
    assert world.fillers[1].id in on_project()


def test_a_placement_form_with_many_participants_takes_a_reference_or_name(db, client, world,
                                                                           staff):
    for n in range(SELECT_MAX):
        factories.participant(world.aarhus, name=f"Deltager {n:02d}", ref=f"D-1{n:03d}")
    db.session.commit()
    page = client.get("/placements/new").get_data(as_text=True)
    assert 'name="participant_name"' in page and "Deltager 07" not in page
    form = {"ref": "F-0100", "kind": "internship", "project_id": "",
            "employer_id": world.kaerhoej.id, "start_date": "2026-03-02", "hours_per_week": "30"}
    client.post("/placements/new", data=dict(form, participant_name="deltager"))
    assert db.session.scalar(select(Placement).where(Placement.ref == "F-0100")) is None
    client.post("/placements/new", data=dict(form, participant_name="D-0002"))
    assert db.session.scalar(select(Placement.participant_id).where(
        Placement.ref == "F-0100")) == world.bo.id
    client.post("/placements/new", data=dict(form, ref="F-0101", participant_name="carl"))
    assert db.session.scalar(select(Placement.participant_id).where(
        Placement.ref == "F-0101")) == world.carl.id


def _builder_options(page: str) -> list[str]:
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', _field(page, "builder"))


def test_a_lists_length_and_options_follow_a_change_at_once(db, client, login, world, staff):
    """A new project and a renamed builder show on the next view; a builder's list has its
    own length, never the secretariat's."""
    first = client.get("/projects/").get_data(as_text=True)
    assert "4 rækker" in first  # 2026-001, -002, -003 and -900
    assert _builder_options(first) == ["Brabrand Boligforening", "fsb"]

    factories.project(case_number="2026-004", area=world.gellerup, builder=world.brabrand)
    world.fsb.name = "FSB Bolig"
    db.session.commit()
    changed = client.get("/projects/").get_data(as_text=True)
    assert "5 rækker" in changed
    assert _builder_options(changed) == ["Brabrand Boligforening", "FSB Bolig"]

    builder = factories.user("builder", org=world.fsb)
    db.session.commit()
    client.post("/logout")
    login(builder)
    own = client.get("/projects/").get_data(as_text=True)
    assert "2 rækker" in own  # fsb's 2026-003 and -900
    assert _builder_options(own) == ["FSB Bolig"]


def test_a_long_lists_length_is_a_danish_number(db, client, world, staff, monkeypatch):
    from tracker.extensions import db as _db

    paginate = _db.paginate

    def long_list(*args, **kwargs):
        page = paginate(*args, **kwargs)
        page.total = 123456
        return page

    monkeypatch.setattr(_db, "paginate", long_list)
    page = client.get("/projects/").get_data(as_text=True)
    assert "123.456 rækker" in page and "Side 1 af 4.939" in page  # 123,456 / 25 = 4,938.2
