"""The project page's stored part (tracker.stored.part): its agreements, clause figures,
placements and reports are rendered once and read back until counted data changes; kept
apart per scope and language; never holding a form token; dropped when a resident's record
changes. Expected figures worked out by hand (the busy_project fixture's docstring)."""
from datetime import date

from sqlalchemy import func, select, text

from tests import factories
from tests.conftest import statements
from tracker import stored
from tracker.models import Document, Organisation, Participant, Placement, StoredValue

URL = "/projects/{}?as_of=2026-05-31"


def _row(page: str, ref: str) -> str:
    start = page.index(f'<th scope="row">{ref}')
    return page[start:page.index("</tr>", start)]


def _parts(db) -> list[str]:
    return db.session.scalars(select(StoredValue.value)
                              .where(StoredValue.key.startswith("part:"))).all()


def test_the_part_is_read_back_without_its_queries(db, client, staff, busy_project):
    url = URL.format(busy_project.id)
    first = client.get(url).get_data(as_text=True)
    again, seen = statements(db, lambda: client.get(url).get_data(as_text=True))
    assert again == first
    # None of the part's own statements ran: no agreements, clauses, placements or reports.
    for table in ("FROM agreements", "FROM clauses", "FROM placements", "FROM contractor_reports"):
        assert not [s for s in seen if table in s], table
    assert "Amina Hassan" in again and '<td class="num">6</td>' in _row(again, "K-1")


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


def test_documents_and_history_are_read_on_every_view(db, client, staff, busy_project):
    url = URL.format(busy_project.id)
    client.get(url)
    # A document is not counted data: it raises no data version, so it must not be kept.
    db.session.add(Document(number="D-2026-0002", kind="compliance", scope="2026-017",
                            project_id=busy_project.id, as_of=date(2026, 5, 31),
                            sha256="1" * 64, size=4, content=b"%PDF"))
    db.session.commit()
    assert "D-2026-0002" in client.get(url).get_data(as_text=True)


def test_parts_are_kept_apart_per_scope_and_language(db, client, login, site, busy_project):
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
    assert "Amina Hassan" not in page and f"<td>P-{amina.id:04d}</td>" in page
    assert 'class="edit-link"' not in page
    client.post("/logout")
    login(english)
    page = client.get(url).get_data(as_text=True)
    assert '<h2 id="placements">Placements' in page and "Amina Hassan" in page
    assert len(_parts(db)) == 3


def test_a_changed_resident_drops_every_part(db, client, staff, busy_project):
    url = URL.format(busy_project.id)
    client.get(url)
    assert any("Amina Hassan" in value for value in _parts(db))
    amina = db.session.scalar(select(Participant).where(Participant.name == "Amina Hassan"))
    amina.name = "Amina H."
    db.session.commit()
    assert _parts(db) == []  # gone with the change, not merely out of date
    assert "Amina H.</a>" in client.get(url).get_data(as_text=True)


def test_a_part_holding_a_form_token_is_never_kept(db, app):
    calls = []

    def render(html):
        def _render():
            calls.append(html)
            return html
        return _render

    with app.test_request_context("/"):
        with_token = '<form><input type="hidden" name="csrf_token" value="abc"></form>'
        for _ in range(2):
            assert str(stored.part("t", date(2026, 5, 31), render(with_token))) == with_token
        plain = "<p>Ingen formular</p>"
        for _ in range(2):
            assert str(stored.part("u", date(2026, 5, 31), render(plain))) == plain
    assert calls == [with_token, with_token, plain]


def test_a_value_is_not_kept_when_the_data_changed_while_it_was_computed(db, app):
    def compute():
        with db.engine.begin() as conn:  # another process commits a counted change meanwhile
            conn.execute(text("UPDATE data_version SET version = version + 1"))
        return 42

    stored.raise_version(db.session)  # the version row exists
    db.session.commit()
    assert stored.value("changed-meanwhile", date(2026, 5, 31), compute) == 42
    assert db.session.scalar(select(func.count()).select_from(StoredValue)
                             .where(StoredValue.key == "changed-meanwhile")) == 0


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
