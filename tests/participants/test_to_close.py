"""The work list "Forløb der skal afsluttes": placements whose planned end has passed without
an actual end or an outcome, oldest planned end first, for the secretariat."""
import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tracker import access
from tracker.models import AuditEvent, Placement

HEADER = ["Deltager", "Forløb", "Type", "Arbejdsgiver", "Planlagt slut",
          "Dage efter planlagt slut", "Mangler"]


@pytest.fixture()
def placements(db, world):
    """Six placements around today: two to close, four not."""
    today = date.today()
    amina = factories.participant(world.aarhus, name="Amina Hassan", ref="D-0001")
    omar = factories.participant(world.aarhus, name="Omar Ali", ref="D-0002")

    def add(person, firm, ref, start_days_ago, planned_days_ago, end=False, outcome=None,
            kind="internship"):
        planned = today - timedelta(days=planned_days_ago) if planned_days_ago is not None \
            else None
        return factories.placement(person, firm, kind=kind, ref=ref,
                                   start_date=today - timedelta(days=start_days_ago),
                                   planned_end=planned, end_date=planned if end else None,
                                   outcome=outcome)

    # Planned end 10 days ago, still running on paper.
    running = add(amina, world.kaerhoej, "F-0001", 60, 10)
    # Ended on its planned end 40 days ago, but its outcome is missing.
    no_outcome = add(omar, world.fjordbyg, "F-0002", 100, 40, end=True, kind="wage_subsidy")
    add(amina, world.kaerhoej, "F-0003", 30, -5)                          # planned end ahead
    add(amina, world.kaerhoej, "F-0004", 30, 0)                           # planned end today
    add(omar, world.kaerhoej, "F-0005", 90, 20, end=True, outcome="unemployed")  # closed
    add(omar, world.kaerhoej, "F-0006", 30, None)                         # no planned end
    db.session.commit()
    return {"today": today, "amina": amina, "omar": omar, "running": running,
            "no_outcome": no_outcome}


def _rows(client, query=""):
    raw = client.get(f"/placements/to-close/?export=csv{query}").get_data(as_text=True)
    return list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))


def test_lists_placements_past_their_planned_end_oldest_first(db, client, staff, placements):
    today = placements["today"]
    assert _rows(client) == [
        HEADER,
        ["Omar Ali", "F-0002", "Løntilskud", "Fjordbyg Entreprise A/S",
         (today - timedelta(days=40)).isoformat(), "40", "Resultat"],
        ["Amina Hassan", "F-0001", "Virksomhedspraktik", "Kærhøj Byg A/S",
         (today - timedelta(days=10)).isoformat(), "10", "Faktisk slut og resultat"],
    ]


def test_each_row_links_to_the_participant_and_the_placement(db, client, staff, placements):
    page = client.get("/placements/to-close/").get_data(as_text=True)
    pl = placements["no_outcome"]
    assert f'<a href="/participants/{placements["omar"].id}">Omar Ali</a>' in page
    assert f'<a href="/placements/{pl.id}">F-0002</a>' in page
    assert f'<a href="/placements/{pl.id}/end">Afslut forløb</a>' in page
    assert "2 rækker" in page


def test_the_placement_page_offers_to_end_one_without_an_outcome(db, client, staff, placements):
    page = client.get(f"/placements/{placements['no_outcome'].id}").get_data(as_text=True)
    assert f'href="/placements/{placements["no_outcome"].id}/end">Afslut forløb</a>' in page


def test_recording_the_outcome_takes_it_off_the_list(db, client, staff, placements):
    pl = placements["no_outcome"]
    response = client.post(f"/placements/{pl.id}/end", data={
        "end_date": pl.end_date.isoformat(), "outcome": "unemployed", "version": pl.version})
    assert response.status_code == 302
    assert [r[1] for r in _rows(client)[1:]] == ["F-0001"]


def test_search_and_kind_filter(db, client, staff, placements):
    assert [r[1] for r in _rows(client, "&q=Amina")[1:]] == ["F-0001"]
    assert [r[1] for r in _rows(client, "&kind=wage_subsidy")[1:]] == ["F-0002"]


def test_paged_in_the_database(db, client, world, staff):
    today = date.today()
    person = factories.participant(world.aarhus)
    for n in range(30):  # 30 to close: 25 on the first page, 5 on the second
        factories.placement(person, world.kaerhoej, ref=f"F-{n:04d}",
                            start_date=today - timedelta(days=100),
                            planned_end=today - timedelta(days=50 - n))
    db.session.commit()
    first = client.get("/placements/to-close/").get_data(as_text=True)
    second = client.get("/placements/to-close/?page=2").get_data(as_text=True)
    assert "30 rækker" in first and "Side 2 af 2" in second
    assert second.count('class="row-actions"') == 5
    # Oldest first: F-0000 (50 days past) leads page one, F-0029 (21 days) ends page two.
    assert first.index(">F-0000<") < first.index(">F-0001<")
    assert ">F-0029<" in second and ">F-0000<" not in second


def test_export_is_logged_per_participant(db, client, staff, placements):
    client.get("/placements/to-close/?export=xlsx")
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert sorted(e.participant_id for e in exports) == sorted(
        [placements["amina"].id, placements["omar"].id])


def test_the_list_starts_from_the_scoped_query(db, client, staff, placements, monkeypatch):
    """Were the secretariat's placements narrowed in access.py (to one employer, here), the
    list would follow."""
    firm = placements["running"].employer_id
    monkeypatch.setitem(access.SCOPES, Placement,
                        lambda user: select(Placement).where(Placement.employer_id == firm))
    assert [r[1] for r in _rows(client)[1:]] == ["F-0001"]


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_only_the_secretariat_sees_the_list(db, client, login, world, placements, role):
    org = {"contractor": world.kaerhoej, "builder": world.builder,
           "municipality": world.aarhus}[role]
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    assert client.get("/placements/to-close/").status_code == 404
    assert "Forløb der skal afsluttes" not in client.get("/").get_data(as_text=True)


def test_admin_finds_it_in_the_menu(db, client, login, placements):
    admin = factories.user("admin")
    db.session.commit()
    login(admin)
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/placements/to-close/"' in page and "Forløb der skal afsluttes" in page
    assert client.get("/placements/to-close/").status_code == 200
