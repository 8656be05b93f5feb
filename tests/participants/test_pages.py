"""The participant page and list by role: what each sees, the audit trail of views and
exports, no-store caching, the pathway timeline, and a constant number of queries."""
import csv
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from tests import factories
from tracker.extensions import db as _db
from tracker.models import AuditEvent

from .conftest import assessment, follow_up


@pytest.fixture()
def people(db, world):
    """Amina (Aarhus) placed with Kærhøj; Omar (Odense) placed with Fjordbyg; Sara (Aarhus) none."""
    amina = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan",
                                  housing_area=world.gellerup, benefit_group=world.dagpenge,
                                  intake_date=date(2026, 1, 5))
    omar = factories.participant(world.odense, ref="D-0002", name="Omar Ali",
                                 housing_area=world.vollsmose, benefit_group=world.kontanthjaelp,
                                 intake_date=date(2026, 3, 1))
    sara = factories.participant(world.aarhus, ref="D-0003", name="Sara Nielsen",
                                 housing_area=world.gellerup, intake_date=date(2026, 6, 1))
    internship = factories.placement(amina, world.kaerhoej, project=world.project, ref="F-0001",
                                     start_date=date(2026, 1, 5), end_date=date(2026, 1, 30),
                                     outcome="next_placement", trade="murer")
    subsidy = factories.placement(amina, world.kaerhoej, project=world.project, ref="F-0002",
                                  kind="wage_subsidy", start_date=date(2026, 1, 31),
                                  planned_end=date(2027, 1, 31), hours_per_week=40)
    internship.next_placement_id = subsidy.id
    factories.placement(omar, world.fjordbyg, ref="F-0003", start_date=date(2026, 3, 2),
                        end_date=date(2026, 4, 30), outcome="ordinary_job")
    assessment(db, amina, date(2026, 2, 1), work_readiness=3, note="Første samtale")
    follow_up(db, internship, months=3, status="employed", on=date(2026, 5, 1), note="Godt i gang")
    db.session.commit()
    return {"amina": amina, "omar": omar, "sara": sara, "internship": internship, "subsidy": subsidy}


def _user(db, login, role, org=None):
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    return user


def _csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


# --- the page by role ----------------------------------------------------------------------

def test_staff_sees_everything(db, client, world, staff, people):
    amina = people["amina"]
    response = client.get(f"/participants/{amina.id}")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Dagpenge" in page and "Gellerup" in page and "Aarhus Kommune" in page
    assert 'aria-labelledby="timeline-title"' in page                    # the pathway timeline
    assert page.count('<rect x=') >= 2 and "marker-end=\"url(#pathway-arrow)\"" in page
    assert "Nyt forløb</text>" in page                                    # outcome at the ended bar
    assert "Godt i gang" in page and "Første samtale" in page
    assert "Logning (historik)" in page
    # Wage subsidy 31.01.2026-31.01.2027 = 366 days = 52,3 weeks > 26; 40 hours > 37.
    assert "planlagt 52,3 uger (26,3 uger over grænsen)" in page
    assert "40,0 timer om ugen (3,0 timer over grænsen)" in page


def test_contractor_sees_the_name_and_own_placements_only(db, client, login, world, people):
    _user(db, login, "contractor", world.kaerhoej)
    amina = people["amina"]
    page = client.get(f"/participants/{amina.id}").get_data(as_text=True)
    assert "Amina Hassan" in page and "F-0001" in page and "F-0002" in page
    for hidden in ("Dagpenge", "Gellerup", "Progressionsmålinger", "Første samtale", "Godt i gang",
                   "Logning (historik)", "Fødselsår", "over grænsen", "Resultat"):
        assert hidden not in page, hidden
    # Placed with another firm: outside the scope.
    assert client.get(f"/participants/{people['omar'].id}").status_code == 404
    assert client.get(f"/participants/{people['sara'].id}").status_code == 404
    pl_page = client.get(f"/placements/{people['internship'].id}").get_data(as_text=True)
    assert "Amina Hassan" in pl_page and "Nyt forløb" not in pl_page
    # The rule warnings name the benefit, so a contractor never sees them.
    subsidy = client.get(f"/placements/{people['subsidy'].id}").get_data(as_text=True)
    assert "Løntilskud" in subsidy and "over grænsen" not in subsidy


def test_contractor_list_shows_name_and_pseudonym_only(db, client, login, world, people):
    _user(db, login, "contractor", world.kaerhoej)
    rows = _csv(client.get("/participants/?export=csv"))
    # The pseudonym, which the firm writes in its reports; not the reference.
    assert rows == [["Navn", "Pseudonym"], ["Amina Hassan", people["amina"].pseudonym]]
    page = client.get("/participants/").get_data(as_text=True)
    assert "Ydelse ved indskrivning" not in page and "Kommune" not in page


def test_builder_never_sees_participant_pages(db, client, login, world, people):
    _user(db, login, "builder", world.builder)
    assert client.get("/participants/").status_code == 404
    assert client.get(f"/participants/{people['amina'].id}").status_code == 404
    assert client.get(f"/placements/{people['internship'].id}").status_code == 404


def test_municipality_sees_its_residents_only(db, client, login, world, people):
    _user(db, login, "municipality", world.aarhus)
    rows = _csv(client.get("/participants/?export=csv"))
    assert [r[0] for r in rows[1:]] == ["Amina Hassan", "Sara Nielsen"]
    page = client.get(f"/participants/{people['amina'].id}").get_data(as_text=True)
    assert "Dagpenge" in page and "Logning (historik)" in page and "Første samtale" in page
    assert "Redigér deltager" not in page and "Opret næste forløb" not in page
    assert client.get(f"/participants/{people['omar'].id}").status_code == 404


# --- audit trail ----------------------------------------------------------------------------

def test_view_is_logged_with_the_chosen_purpose_and_shown(db, client, world, staff, people):
    amina = people["amina"]
    client.get(f"/participants/{amina.id}")
    page = client.get(f"/participants/{amina.id}?purpose=follow_up").get_data(as_text=True)
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")
                               .order_by(AuditEvent.id)).all()
    assert [(v.participant_id, v.purpose, v.user_id) for v in views] == [
        (amina.id, "casework", staff.id), (amina.id, "follow_up", staff.id)]
    assert '<option value="follow_up" selected>Opfølgning</option>' in page
    # The history lists the views (newest first) and the changes with field names.
    history = page[page.index("Logning (historik)"):]
    assert f"<td>{staff.email}</td><td>Set</td><td>Deltager</td><td>Opfølgning</td>" in history
    assert "<td>Ændret</td><td>Forløb</td><td></td><td>Førte til</td>" in history


def _history_rows(page: str) -> list[str]:
    table = page[page.index("Logning (historik)"):]
    return re.findall(r"<tr><td>\d\d\.\d\d\.\d{4} \d\d:\d\d</td>", table)


def test_the_page_shows_the_newest_history_and_the_rest_is_one_click_away(
        db, client, world, staff, people, monkeypatch):
    """The participant page lists the 20 newest entries and links to the whole history,
    which is paged (here 10 a page) and is itself an access that is logged."""
    from tracker.participants import routes

    amina = people["amina"]
    for _ in range(24):
        client.get(f"/participants/{amina.id}")
    total = db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.participant_id == amina.id))
    assert total > 25  # 24 views, the registrations of the fixture
    page = client.get(f"/participants/{amina.id}").get_data(as_text=True)
    assert len(_history_rows(page)) == 20
    assert f'<a href="/participants/{amina.id}/history?purpose=casework">Hele historikken</a>' \
        in page

    monkeypatch.setattr(routes, "HISTORY_PER_PAGE", 10)
    first = client.get(f"/participants/{amina.id}/history?purpose=follow_up")
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("no-store")
    body = first.get_data(as_text=True)
    # 25 views before this one + the registrations + this view, 10 a page.
    pages = -(-(total + 2) // 10)
    assert f"Side 1 af {pages}" in body and len(_history_rows(body)) == 10
    assert f"{total + 2} poster." in body and "logges med formålet »Opfølgning«" in body
    last = client.get(f"/participants/{amina.id}/history?page={pages}").get_data(as_text=True)
    # That look is one more entry: total + 3, the first 10 × (pages − 1) on earlier pages.
    assert len(_history_rows(last)) == min(10, total + 3 - 10 * (pages - 1))
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")
                                .order_by(AuditEvent.id.desc()).limit(2)).all()
    assert [(v.participant_id, v.purpose) for v in viewed] == [
        (amina.id, "casework"), (amina.id, "follow_up")]


def test_the_whole_history_only_for_those_who_see_the_history(db, client, login, world,
                                                               people):
    amina, omar = people["amina"], people["omar"]
    _user(db, login, "contractor", world.kaerhoej)
    assert client.get(f"/participants/{amina.id}/history").status_code == 404
    client.post("/logout")
    _user(db, login, "builder", world.builder)
    assert client.get(f"/participants/{amina.id}/history").status_code == 404
    client.post("/logout")
    _user(db, login, "municipality", world.aarhus)
    assert client.get(f"/participants/{amina.id}/history").status_code == 200
    assert client.get(f"/participants/{omar.id}/history").status_code == 404


def test_unknown_purpose_falls_back_to_casework(db, client, world, staff, people):
    client.get(f"/participants/{people['amina'].id}?purpose=curiosity")
    view = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "view"))
    assert view.purpose == "casework"


def test_placement_page_view_is_logged(db, client, world, staff, people):
    pl = people["internship"]
    client.get(f"/placements/{pl.id}?purpose=reporting")
    view = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "view"))
    assert (view.entity, view.entity_id, view.participant_id, view.purpose) == (
        "placements", pl.id, people["amina"].id, "reporting")


# --- the list --------------------------------------------------------------------------------

def test_list_filters_and_export_exactly_what_it_shows(db, client, world, staff, people):
    query = f"municipality={world.aarhus.id}&sort=-name"
    page = client.get(f"/participants/?{query}").get_data(as_text=True)
    assert "Omar Ali" not in page
    assert page.index("Sara Nielsen") < page.index("Amina Hassan")
    response = client.get(f"/participants/?{query}&export=csv")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="deltagere.csv"'
    rows = _csv(response)
    assert rows[0] == ["Navn", "Reference", "Boligområde", "Kommune", "Ydelse ved indskrivning",
                       "Indskrivningsdato", "Samtykke"]
    assert rows[1:] == [
        ["Sara Nielsen", "D-0003", "Gellerup", "Aarhus Kommune", "", "2026-06-01", "ja"],
        ["Amina Hassan", "D-0001", "Gellerup", "Aarhus Kommune", "Dagpenge", "2026-01-05", "ja"]]
    xlsx = client.get(f"/participants/?{query}&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["Sara Nielsen", "Amina Hassan"]


def test_export_is_logged_once_per_exported_participant(db, client, world, staff, people):
    client.get(f"/participants/?municipality={world.aarhus.id}&export=csv")
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert sorted(e.participant_id for e in exports) == sorted([people["amina"].id, people["sara"].id])
    assert {(e.purpose, e.user_id, e.entity) for e in exports} == {("reporting", staff.id, "participants")}
    # ... and it shows in the resident's own history.
    page = client.get(f"/participants/{people['sara'].id}").get_data(as_text=True)
    assert "<td>Eksporteret</td><td>Deltager</td><td>Afrapportering</td>" in page


@pytest.mark.parametrize("query, names", [
    ("q=D-0002", ["Omar Ali"]),
    ("q=hassan", ["Amina Hassan"]),
    ("benefit={kontanthjaelp}", ["Omar Ali"]),
    ("area={vollsmose}", ["Omar Ali"]),
    ("running=yes", ["Amina Hassan"]),
    ("running=no", ["Omar Ali", "Sara Nielsen"]),
    ("contractor={fjordbyg}", ["Omar Ali"]),
    ("intake_from=2026-02-01&intake_to=2026-05-31", ["Omar Ali"]),
    ("intake_from=2026-06-01", ["Sara Nielsen"]),
])
def test_list_filters(db, client, world, staff, people, query, names):
    query = query.format(kontanthjaelp=world.kontanthjaelp.id, vollsmose=world.vollsmose.id,
                         fjordbyg=world.fjordbyg.id)
    rows = _csv(client.get(f"/participants/?{query}&export=csv"))
    assert [r[0] for r in rows[1:]] == names


# --- performance ----------------------------------------------------------------------------

def _statements(client, url) -> int:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def _pathway(db, world, name: str, n: int):
    person = factories.participant(world.aarhus, name=name, benefit_group=world.dagpenge)
    start = date(2025, 1, 6)
    previous = None
    for i in range(n):
        ended = i < n - 1
        pl = factories.placement(person, world.kaerhoej, project=world.project, ref=f"{name}-{i}",
                                 start_date=start, planned_end=start + timedelta(days=41),
                                 end_date=start + timedelta(days=34) if ended else None,
                                 outcome="next_placement" if ended else None)
        if previous is not None:
            previous.next_placement_id = pl.id
        follow_up(db, pl, months=3, on=start + timedelta(days=200)) if ended else None
        assessment(db, person, start, work_readiness=1 + i % 10, network=2)
        previous, start = pl, start + timedelta(days=35)
    db.session.commit()
    return person


def test_participant_page_statements_do_not_grow_with_placements(db, client, world, staff):
    two = _pathway(db, world, "To", 2)
    ten = _pathway(db, world, "Ti", 10)
    assert _statements(client, f"/participants/{two.id}") == _statements(client, f"/participants/{ten.id}")


def test_each_view_is_in_the_history_and_a_change_shows_at_once(
        db, client, world, staff, people):
    """The pathway, follow-ups and assessments, the audit history with each view's purpose;
    a new follow-up on the next view."""
    amina = people["amina"]
    url = f"/participants/{amina.id}"
    client.get(url)
    page = client.get(f"{url}?purpose=follow_up").get_data(as_text=True)
    assert "Godt i gang" in page and "Første samtale" in page
    # Both views in the history, each with its own purpose.
    history = page[page.index("Logning (historik)"):]
    assert f"<td>{staff.email}</td><td>Set</td><td>Deltager</td><td>Opfølgning</td>" in history
    assert f"<td>{staff.email}</td><td>Set</td><td>Deltager</td><td>Sagsbehandling</td>" in history
    # A new follow-up shows at once.
    follow_up(db, people["subsidy"], months=6, status="education", on=date(2026, 8, 1),
              note="Startet på uddannelse")
    db.session.commit()
    assert "Startet på uddannelse" in client.get(url).get_data(as_text=True)


def test_the_timeline_shows_a_placement_without_any_end(db, client, world, staff, people):
    """A running placement with neither a planned nor an actual end, listed last: the page
    and its timeline still show (this broke once, found by the browser journey)."""
    factories.placement(people["sara"], world.kaerhoej, ref="F-0009", kind="ordinary_job",
                        start_date=date(2026, 7, 1))
    db.session.commit()
    response = client.get(f"/participants/{people['sara'].id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<svg" in body
    assert "F-0009" in body
