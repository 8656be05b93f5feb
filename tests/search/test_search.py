"""The header's search: projects, organisations and participants holding the typed text,
each role finding only what its scope holds, participants shown logged as a list's are."""
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import factories
from tracker.models import AuditEvent, AuditEventParticipant
from tracker.search import service


@pytest.fixture()
def world(db):
    """two_estates (2026-001 Gellerup etape 1: Kærhøj, Hansen Tag; 2026-002 Gellerup etape 2:
    Hansen & Søn; 2026-003 Vollsmose tage: Lindekrog) and 2026-004 "Hansensvej boligblok"
    (Vollsmose, fsb, Lindekrog). Amina and Bo Hansen live in Aarhus, Carl Hansen in Odense;
    each is placed with one firm."""
    w = SimpleNamespace(**factories.two_estates())
    w.p4 = factories.project(case_number="2026-004", name="Hansensvej boligblok",
                             area=w.vollsmose, builder=w.fsb, contractors=[w.lindekrog])
    w.amina = factories.participant(w.aarhus, name="Amina Hansen", ref="D-0001",
                                    pseudonym="P-AAAAAA")
    w.bo = factories.participant(w.aarhus, name="Bo Hansen", ref="D-0002", pseudonym="P-BBBBBB")
    w.carl = factories.participant(w.odense, name="Carl Hansen", ref="D-0003",
                                   pseudonym="P-CCCCCC")
    factories.placement(w.amina, w.hansen_tag, project=w.p1)
    factories.placement(w.bo, w.hansen_soen, project=w.p2)
    factories.placement(w.carl, w.lindekrog, project=w.p3)
    db.session.commit()
    return w


def _as(db, login, role, org=None):
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    return user


def _found(page: str) -> dict[str, list[str]]:
    """Each group of the results page: its kind → the names shown, in order."""
    return {kind: re.findall(r"<li>(?:<a href=\"[^\"]*\">|<strong>)([^<]+)", body)
            for kind, body in re.findall(
                r'<section class="search-group" aria-labelledby="found-(\w+)">(.*?)</section>',
                page, re.S)}


def _search(client, text: str, **args) -> str:
    response = client.get("/search", query_string={"q": text, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _logged(db) -> list[tuple]:
    """The search's access-log events: (purpose, user, participants named)."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "search")
                                .order_by(AuditEvent.id)).all()
    return [(e.action, e.purpose, e.user_id, sorted(db.session.scalars(
        select(AuditEventParticipant.participant_id)
        .where(AuditEventParticipant.event_id == e.id)))) for e in events]


# --- what each role finds -------------------------------------------------------------------

HANSEN = {
    # Projects by name; organisations by name; participants by name.
    "staff": {"projects": ["2026-004"],
              "organisations": ["Hansen &amp; Søn Murer A/S", "Hansen Tag ApS"],
              "participants": ["Amina Hansen", "Bo Hansen", "Carl Hansen"]},
    # Hansen Tag is on 2026-001 only, with Kærhøj, for Brabrand; Amina is its hire.
    "contractor": {"organisations": ["Hansen Tag ApS"], "participants": ["Amina Hansen"]},
    # fsb builds 2026-003 and -004 with Lindekrog; never a participant group.
    "builder": {"projects": ["2026-004"]},
    # Aarhus: 2026-001 and -002 in Gellerup, their firms, and Amina and Bo.
    "municipality": {"organisations": ["Hansen &amp; Søn Murer A/S", "Hansen Tag ApS"],
                     "participants": ["Amina Hansen", "Bo Hansen"]},
}


@pytest.mark.parametrize("role", HANSEN)
def test_each_role_finds_only_what_its_scope_holds(db, client, login, world, role):
    org = {"staff": None, "contractor": world.hansen_tag, "builder": world.fsb,
           "municipality": world.aarhus}[role]
    _as(db, login, role, org)
    page = _search(client, "hansen")
    assert _found(page) == HANSEN[role]
    total = sum(len(names) for names in HANSEN[role].values())
    assert (f"{total} resultater for »hansen«." if total > 1 else "1 resultat for »hansen«.") in page


def test_a_municipality_finds_its_own_residents_by_reference_not_by_pseudonym(
        db, client, login, world):
    _as(db, login, "municipality", world.odense)
    assert _found(_search(client, "hansen")) == {"projects": ["2026-004"],
                                                 "participants": ["Carl Hansen"]}
    assert _found(_search(client, "d-0003")) == {"participants": ["Carl Hansen"]}
    assert _found(_search(client, "D-0001")) == {}  # Amina lives in Aarhus
    page = _search(client, "P-CCCCCC")  # the pseudonym is not shown to a job centre
    assert _found(page) == {} and "Ingen resultater for »P-CCCCCC«." in page


def test_a_contractor_finds_its_hires_by_pseudonym_not_by_reference(db, client, login, world):
    _as(db, login, "contractor", world.hansen_tag)
    page = _search(client, "p-aaaaaa")
    assert _found(page) == {"participants": ["Amina Hansen"]}
    assert "P-AAAAAA" in page and "D-0001" not in page  # the keys a contractor sees
    assert _found(_search(client, "D-0001")) == {}
    assert _found(_search(client, "P-BBBBBB")) == {}  # Bo works for Hansen & Søn


def test_a_builder_never_finds_a_participant(db, client, login, world):
    _as(db, login, "builder", world.brabrand)
    for text in ("Amina", "D-0001", "P-AAAAAA"):
        page = _search(client, text)
        main = page[page.index("<main"):].replace(f"»{text}«", "")  # the text typed, shown
        assert _found(page) == {} and "Amina" not in main and "D-0001" not in main
    assert _logged(db) == []


def test_the_secretariat_finds_by_reference_pseudonym_case_number_and_cvr(db, client, world,
                                                                          staff):
    assert _found(_search(client, "D-0002")) == {"participants": ["Bo Hansen"]}
    assert _found(_search(client, "P-CCCCCC")) == {"participants": ["Carl Hansen"]}
    assert _found(_search(client, "2026-00")) == {
        "projects": ["2026-001", "2026-002", "2026-003", "2026-004"]}
    assert _found(_search(client, world.lindekrog.cvr)) == {
        "organisations": ["Lindekrog Malerfirma ApS"]}


def test_links_lead_where_each_role_may_go(db, client, login, world, staff):
    page = _search(client, "lindekrog")
    assert f'<a href="/organisations/{world.lindekrog.id}/edit">Lindekrog' in page
    page = _search(client, "carl")
    assert f'<a href="/participants/{world.carl.id}">Carl Hansen</a>' in page
    client.post("/logout")
    _as(db, login, "municipality", world.aarhus)
    page = _search(client, "hansen tag")
    # The organisation page is the secretariat's: a municipality gets the projects the firm
    # works on, among its own.
    link = re.search(r'<a href="([^"]+)">Hansen Tag ApS</a>', page).group(1)
    assert link == f"/projects/?contractor={world.hansen_tag.id}"
    projects = client.get(link).get_data(as_text=True)
    assert re.findall(r">(2026-\d{3})</a>", projects) == ["2026-001"]
    page = _search(client, "gellerup etape 2")
    assert f'<a href="/projects/{world.p2.id}">2026-002</a>' in page


# --- the limit and "show all in the list" ---------------------------------------------------

def test_more_than_the_limit_links_to_the_list_filtered_by_the_same_text(
        db, client, world, staff, monkeypatch):
    monkeypatch.setattr(service, "SHOWN", 2)
    page = _search(client, "hansen")
    assert _found(page) == {"projects": ["2026-004"],
                            "organisations": ["Hansen &amp; Søn Murer A/S", "Hansen Tag ApS"],
                            "participants": ["Amina Hansen", "Bo Hansen"]}
    assert "Deltagere <span class=\"count\">(3)</span>" in page
    assert '<a href="/participants/?q=hansen">Vis alle 3 i listen</a>' in page
    assert page.count("Vis alle") == 1  # two organisations found, both shown
    listed = client.get("/participants/?q=hansen").get_data(as_text=True)
    assert re.findall(r'href="/participants/\d+">([^<]+)</a>', listed) == [
        "Amina Hansen", "Bo Hansen", "Carl Hansen"]


def test_without_a_list_of_its_own_the_user_is_told_to_type_more(db, client, login, world,
                                                                  monkeypatch):
    monkeypatch.setattr(service, "SHOWN", 1)
    _as(db, login, "municipality", world.aarhus)
    page = _search(client, "hansen")
    assert _found(page)["organisations"] == ["Hansen &amp; Søn Murer A/S"]
    assert "De første 1 vises. Skriv mere for at indsnævre søgningen." in page
    assert "/organisations/?q=" not in page  # the organisation list is the secretariat's
    assert '<a href="/participants/?q=hansen">Vis alle 2 i listen</a>' in page


# --- the access log -------------------------------------------------------------------------

def test_the_participants_shown_are_logged_as_one_view(db, client, login, world, staff,
                                                        monkeypatch):
    monkeypatch.setattr(service, "SHOWN", 2)
    _search(client, "hansen")
    _search(client, "carl", purpose="follow_up")
    _search(client, "gellerup")  # projects only: nobody shown, nothing logged
    assert _logged(db) == [
        ("view", "casework", staff.id, sorted([world.amina.id, world.bo.id])),
        ("view", "follow_up", staff.id, [world.carl.id]),
    ]
    history = client.get(f"/participants/{world.carl.id}").get_data(as_text=True)
    history = history[history.index("Logning (historik)"):]
    assert "<td>Set</td><td>Søgeresultater</td><td>Opfølgning</td>" in history
    client.post("/logout")
    contractor = _as(db, login, "contractor", world.lindekrog)
    _search(client, "hansen")
    assert _logged(db)[-1] == ("view", "casework", contractor.id, [world.carl.id])


def test_the_results_are_never_cached(db, client, world, staff):
    assert client.get("/search?q=hansen").headers["Cache-Control"] == "no-store"


# --- what is typed --------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_search_asks_for_text_and_runs_nothing(db, client, world, staff, text):
    page = _search(client, text)
    assert "Skriv det, du leder efter, i søgefeltet øverst på siden." in page
    assert _found(page) == {} and _logged(db) == []


def test_a_search_of_the_greatest_length_runs_and_a_longer_one_is_refused(db, client, world,
                                                                           staff):
    name = "Hansen " + "x" * (service.MAX_LENGTH - 7)  # 100 characters
    factories.participant(world.aarhus, name=name)
    db.session.commit()
    assert _found(_search(client, name)) == {"participants": [name]}
    page = _search(client, name + "x")
    assert "Søgningen er for lang: højst 100 tegn." in page
    assert _found(page) == {} and name not in page
    page = _search(client, "hansen " * 2000)
    assert "Søgningen er for lang: højst 100 tegn." in page and "hansen hansen" not in page


def test_a_cpr_number_is_refused_and_never_shown_again(db, client, world, staff):
    page = _search(client, "Amina 241290-1234")
    assert "ligner et CPR-nummer" in page
    assert "241290" not in page and _found(page) == {} and _logged(db) == []


def test_percent_and_underscore_match_only_themselves(db, client, world, staff):
    factories.organisation("contractor", name="Byg 100% ApS")
    factories.organisation("contractor", name="Byg 1000 ApS")
    factories.project(case_number="2026-010", name="Blok_A facader", area=world.vollsmose,
                      builder=world.fsb)
    factories.project(case_number="2026-011", name="Blok A facader", area=world.vollsmose,
                      builder=world.fsb)
    db.session.commit()
    assert _found(_search(client, "100%")) == {"organisations": ["Byg 100% ApS"]}
    assert _found(_search(client, "%")) == {"organisations": ["Byg 100% ApS"]}
    assert _found(_search(client, "k_a")) == {"projects": ["2026-010"]}
    assert _found(_search(client, "_")) == {"projects": ["2026-010"]}
    # The lists the results link to read the text the same way.
    listed = client.get("/projects/?q=k_a").get_data(as_text=True)
    assert re.findall(r">(2026-\d{3})</a>", listed) == ["2026-010"]
    listed = client.get("/organisations/?q=100%25").get_data(as_text=True)
    assert "Byg 100% ApS" in listed and "Byg 1000 ApS" not in listed


@pytest.mark.parametrize("typed, expected", [
    ("jose", ["José Østergård"]),          # the accent left out
    ("JOSÉ", ["José Østergård"]),          # capitals, with the accent
    ("øSTERGÅRD", ["José Østergård"]),     # Danish letters in either case
    ("ostergard", []),                     # Ø and å are letters of their own, not accents
    ("ozturk", ["Ayşe Öztürk"]),
    ("AYSE", ["Ayşe Öztürk"]),
])
def test_case_and_accents_aside(db, client, world, staff, typed, expected):
    factories.participant(world.aarhus, name="José Østergård")
    factories.participant(world.aarhus, name="Ayşe Öztürk")
    db.session.commit()
    found = _found(_search(client, typed))
    assert found.get("participants", []) == expected
    listed = client.get("/participants/", query_string={"q": typed}).get_data(as_text=True)
    assert re.findall(r'href="/participants/\d+">([^<]+)</a>', listed) == expected


def test_no_results_says_so(db, client, world, staff):
    page = _search(client, "Ingen hedder sådan")
    assert "Ingen resultater for »Ingen hedder sådan«." in page and _found(page) == {}


# --- the field in the header ----------------------------------------------------------------

def test_the_header_has_a_labelled_search_field_for_signed_in_users(db, client, login, world):
    assert 'id="site-search"' not in client.get("/login").get_data(as_text=True)
    _as(db, login, "municipality", world.aarhus)
    page = client.get("/projects/").get_data(as_text=True)
    assert ('<label for="site-search" class="visually-hidden">Søg i byggesager, '
            'organisationer og deltagere</label>') in page
    assert re.search(r'<input id="site-search" name="q" type="search" maxlength="100" '
                     r'value=""', page)
    assert 'value="bo hansen"' in _search(client, "bo hansen")  # the text stays in the field
    client.post("/logout")
    _as(db, login, "builder", world.fsb)
    page = client.get("/projects/").get_data(as_text=True)
    assert ('<label for="site-search" class="visually-hidden">Søg i byggesager og '
            'organisationer</label>') in page


def test_signing_in_is_needed(db, client, world):
    response = client.get("/search?q=hansen")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
