"""The project page shows every change at once, in each user's language and scope.
Expected figures worked out by hand (the busy_project fixture's docstring)."""
from datetime import date

from sqlalchemy import select

from tests import factories
from tracker.models import Document, Organisation, Participant, Placement

URL = "/projects/{}?as_of=2026-05-31"


def _row(page: str, ref: str) -> str:
    start = page.index(f'<th scope="row">{ref}')
    return page[start:page.index("</tr>", start)]


def test_a_counted_change_shows_at_once(db, client, staff, site, busy_project):
    url = URL.format(busy_project.id)
    assert '<td class="num">6</td>' in _row(client.get(url).get_data(as_text=True), "K-1")
    # The placement now ends 18 April: 1 March – 18 April is 49 days = 7 weeks.
    placement = db.session.scalar(select(Placement).where(Placement.project_id == busy_project.id))
    placement.end_date = date(2026, 4, 18)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert '<td class="num">7</td>' in _row(page, "K-1")
    # A renamed employer (an organisation, not the project) shows too.
    db.session.get(Organisation, site.main.id).name = "Nyt Byggefirma A/S"
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Nyt Byggefirma A/S" in page and "Kærhøj Byg A/S" not in page


def test_a_new_document_shows_at_once(db, client, staff, busy_project):
    url = URL.format(busy_project.id)
    client.get(url)
    db.session.add(Document(number="D-2026-0002", kind="compliance", scope="2026-017",
                            project_id=busy_project.id, as_of=date(2026, 5, 31),
                            sha256="1" * 64, size=4, content=b"%PDF"))
    db.session.commit()
    assert "D-2026-0002" in client.get(url).get_data(as_text=True)


def test_each_user_sees_the_page_in_their_language_and_scope(db, client, login, site,
                                                             busy_project):
    """Viewed in turn by Danish staff, a builder and English staff: nothing of one view
    shows in the next."""
    url = URL.format(busy_project.id)
    staff = factories.user("staff")
    english = factories.user("staff", locale="en")
    builder = factories.user("builder", org=site.builder)
    db.session.commit()
    amina = db.session.scalar(select(Participant).where(Participant.name == "Amina Hassan"))
    login(staff)
    danish = client.get(url).get_data(as_text=True)
    assert "Amina Hassan" in danish and '<h2 id="placements">Forløb' in danish
    assert 'class="edit-link"' in danish  # the staff may edit the clauses
    client.post("/logout")
    login(builder)  # the same project after the staff's view: pseudonyms, no edit links
    page = client.get(url).get_data(as_text=True)
    assert "Amina Hassan" not in page and f"<td>{amina.pseudonym}</td>" in page
    assert 'class="edit-link"' not in page
    client.post("/logout")
    login(english)
    page = client.get(url).get_data(as_text=True)
    assert '<h2 id="placements">Placements' in page and "Amina Hassan" in page


def test_a_changed_resident_shows_at_once(db, client, staff, busy_project):
    url = URL.format(busy_project.id)
    assert "Amina Hassan</a>" in client.get(url).get_data(as_text=True)
    amina = db.session.scalar(select(Participant).where(Participant.name == "Amina Hassan"))
    amina.name = "Amina H."
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Amina H.</a>" in page and "Amina Hassan" not in page


def test_the_counts_of_a_large_project_are_written_the_danish_way(app):
    """1,340 placements and 12,345 report versions: "1.340" and "12.345" (the template alone;
    a project of that size is the national benchmark's)."""
    from types import SimpleNamespace

    from flask import render_template

    figures = SimpleNamespace(agreements=[], clauses=[], figures={}, calculations={},
                              placements=[], placement_count=1340, reports=[],
                              report_count=12345, detail="full", as_of=date(2026, 5, 31))
    with app.test_request_context("/projects/1"):
        html = render_template("projects/_figures.html", page=figures,
                               project=SimpleNamespace(id=1), can_edit=False,
                               today=date(2026, 5, 31), report_link=False)
    assert '<span class="count">(1.340)</span>' in html
    assert "Viser de 0 nyeste af 1.340 forløb." in html
    assert '<span class="count">(12.345)</span>' in html
    assert "Viser de 0 nyeste af 12.345 indberetningsversioner." in html
