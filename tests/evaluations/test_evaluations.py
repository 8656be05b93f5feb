"""Evaluations: create/edit with bad input, the computed summary, follow-up actions,
the open-actions list (overdue first) and who may see any of it."""
import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.evaluations.conftest import action, evaluation
from tracker.evaluations.service import as_of_date, summary
from tracker.models import Evaluation, EvaluationAction

TODAY = date.today()


def _texts(**overrides):
    data = {"year": "2025", "findings": "Praktik fører videre til job.",
            "promoting_factors": "Fast mentor.", "hindering_factors": "Sprogbarrierer."}
    data.update(overrides)
    return data


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Create and edit --------------------------------------------------------------------


def test_create_from_agreement(db, client, staff, year_2025):
    response = client.post(f"/agreements/{year_2025.agreement.id}/evaluations/new",
                           data=_texts())
    ev = db.session.scalar(select(Evaluation))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evaluations/{ev.id}")
    assert (ev.agreement_id, ev.year, ev.findings, ev.promoting_factors, ev.hindering_factors) \
        == (year_2025.agreement.id, 2025, "Praktik fører videre til job.", "Fast mentor.",
            "Sprogbarrierer.")


def test_create_form_suggests_last_year(db, client, staff, year_2025):
    body = client.get(f"/agreements/{year_2025.agreement.id}/evaluations/new").get_data(
        as_text=True)
    assert f'value="{TODAY.year - 1}"' in body
    assert "Partnerskab Gellerup" in body


def test_duplicate_year_is_refused_with_a_clear_message(db, client, staff, year_2025):
    evaluation(year_2025.agreement, 2025)
    db.session.commit()
    response = client.post(f"/agreements/{year_2025.agreement.id}/evaluations/new",
                           data=_texts(findings="Andet forsøg"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Denne aftale har allerede en evaluering af 2025" in body
    assert "Andet forsøg" in body  # the input is kept
    assert _count(db, Evaluation) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"year": str(TODAY.year + 1)}, f"vælg {TODAY.year} eller tidligere"),
    ({"year": "1999"}, "Tallet skal være mindst 2000"),
    ({"year": "tyve"}, "Skal være et helt tal"),
    ({"year": ""}, "Feltet skal udfyldes"),
    ({"findings": "Deltager 010190-1234 fik job"}, "Det ligner et CPR-nummer"),
])
def test_bad_evaluation_input(db, client, staff, year_2025, overrides, message):
    response = client.post(f"/agreements/{year_2025.agreement.id}/evaluations/new",
                           data=_texts(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(db, Evaluation) == 0


def test_create_choosing_the_agreement(db, client, staff, year_2025):
    body = client.post("/evaluations/new", data=_texts()).get_data(as_text=True)
    assert "Feltet skal udfyldes" in body  # no agreement chosen
    assert _count(db, Evaluation) == 0
    response = client.post("/evaluations/new",
                           data=_texts(agreement_id=str(year_2025.agreement.id)))
    assert response.status_code == 302
    assert db.session.scalar(select(Evaluation.agreement_id)) == year_2025.agreement.id


def test_edit_with_optimistic_locking(db, client, staff, year_2025):
    ev = evaluation(year_2025.agreement, 2025, findings="Første udgave")
    db.session.commit()
    url = f"/evaluations/{ev.id}/edit"
    assert client.post(url, data=_texts(findings="Kollegas tekst", version=1)).status_code == 302
    response = client.post(url, data=_texts(findings="Min tekst", version=1))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "En anden har gemt denne registrering" in body
    assert "Min tekst" in body
    db.session.refresh(ev)
    assert (ev.findings, ev.version) == ("Kollegas tekst", 2)


def test_edit_to_a_year_already_evaluated_is_refused(db, client, staff, year_2025):
    evaluation(year_2025.agreement, 2024)
    ev = evaluation(year_2025.agreement, 2025)
    db.session.commit()
    body = client.post(f"/evaluations/{ev.id}/edit",
                       data=_texts(year="2024", version=1)).get_data(as_text=True)
    assert "Denne aftale har allerede en evaluering af 2024" in body
    db.session.refresh(ev)
    assert ev.year == 2025


# --- The computed summary -----------------------------------------------------------------


def test_as_of_is_year_end_or_today_while_running():
    assert as_of_date(2025, date(2026, 5, 3)) == date(2025, 12, 31)
    assert as_of_date(2026, date(2026, 5, 3)) == date(2026, 5, 3)


def test_summary_figures_by_hand(db, year_2025):
    ev = evaluation(year_2025.agreement, 2025)
    result = summary(ev, date(2026, 3, 1))
    assert result.as_of == date(2025, 12, 31)
    by_ref = {line.clause.ref: line for line in result.lines}
    persons = by_ref["K-PERS"]
    # A and B count (C's employer is no contractor on the project): 2 of 4 = 50,0 %.
    assert (persons.figures.target, persons.figures.registered) == (4, 2)
    assert persons.percent == pytest.approx(50)
    # Only A's internship counts: 28 days = 4 weeks of 10 = 40,0 %. The year is over, so a
    # share below 100 % is behind.
    weeks = by_ref["K-UGER"]
    assert weeks.figures.registered == 4
    assert str(weeks.percent) == "40.0"
    assert (persons.figures.status, weeks.figures.status) == ("at_risk", "at_risk")
    assert result.met == 0
    # A (ordinary job after the internship) and B (ordinary job started) moved in 2025;
    # C only in 2026. A, B and C were placed on the project; D on another one.
    assert (result.moved, result.placed) == (2, 3)


def test_running_year_counts_up_to_the_as_of_date(db, year_2025):
    ev = evaluation(year_2025.agreement, 2025)
    result = summary(ev, date(2025, 6, 30))
    by_ref = {line.clause.ref: line.figures for line in result.lines}
    # By 30 June only A counts (B starts in September): 1 of 4 = 25 %; nobody moved but A.
    assert result.as_of == date(2025, 6, 30)
    assert by_ref["K-PERS"].registered == 1
    assert (result.moved, result.placed) == (1, 2)


def test_evaluation_page_shows_the_figures(db, client, staff, year_2025):
    ev = evaluation(year_2025.agreement, 2025, findings="Mentorer virker.",
                    hindering_factors="Sprog.")
    db.session.commit()
    body = client.get(f"/evaluations/{ev.id}").get_data(as_text=True)
    assert "Evaluering 2025 · Partnerskab Gellerup" in body
    assert "31. december 2025" in body
    row = body.split("K-PERS", 1)[1].split("</tr>", 1)[0]
    assert ">4<" in row and ">2<" in row and "50,0 %" in row and "Bagud" in row
    row = body.split("K-UGER", 1)[1].split("</tr>", 1)[0]
    assert "10,0" in row and "4,0" in row and "40,0 %" in row
    assert "Mentorer virker." in body and "Sprog." in body
    assert "Ikke skrevet endnu." in body  # the promoting factors are empty
    tiles = body.split('<ul class="tiles', 1)[1].split("</ul>", 1)[0]
    assert '<span class="figure">2</span>' in tiles and '<span class="figure">3</span>' in tiles
    assert '<span class="figure">0 / 2</span>' in tiles


def test_agreement_without_clauses_has_an_empty_state(db, client, staff):
    agreement = factories.agreement(factories.project())
    ev = evaluation(agreement, 2025)
    db.session.commit()
    body = client.get(f"/evaluations/{ev.id}").get_data(as_text=True)
    assert "Aftalen har endnu ingen klausuler." in body


# --- Follow-up actions ----------------------------------------------------------------------


def test_add_edit_and_mark_done(db, client, staff, year_2025):
    ev = evaluation(year_2025.agreement, 2025)
    db.session.commit()
    response = client.post(f"/evaluations/{ev.id}/actions/new", data={
        "description": "Sikkerhedsinstruktion på let dansk", "owner": "Sekretariatet",
        "due_date": "2026-12-15"})
    assert response.status_code == 302
    act = db.session.scalar(select(EvaluationAction))
    assert (act.owner, act.due_date, act.done_on) == ("Sekretariatet", date(2026, 12, 15), None)

    response = client.post(f"/evaluations/actions/{act.id}/edit", data={
        "description": act.description, "owner": "Jobcenter Aarhus", "due_date": "2027-01-31",
        "done_on": "", "version": 1})
    assert response.status_code == 302
    db.session.refresh(act)
    assert (act.owner, act.due_date) == ("Jobcenter Aarhus", date(2027, 1, 31))

    client.post(f"/evaluations/actions/{act.id}/done")
    db.session.refresh(act)
    assert act.done_on == TODAY
    client.post(f"/evaluations/actions/{act.id}/done")  # opened again
    db.session.refresh(act)
    assert act.done_on is None


@pytest.mark.parametrize("overrides, message", [
    ({"owner": ""}, "Feltet skal udfyldes"),
    ({"due_date": ""}, "Feltet skal udfyldes"),
    ({"due_date": "31-12-2026"}, "Ikke en gyldig dato"),
    ({"description": "Ring til 0101901234"}, "Det ligner et CPR-nummer"),
    ({"done_on": (TODAY + timedelta(days=1)).isoformat()}, "kan ikke ligge i fremtiden"),
])
def test_bad_action_input_keeps_the_input(db, client, staff, year_2025, overrides, message):
    ev = evaluation(year_2025.agreement, 2025)
    db.session.commit()
    data = {"description": "Ugentligt møde med jobcentret", "owner": "Byggeledelsen",
            "due_date": "2026-12-01", **overrides}
    response = client.post(f"/evaluations/{ev.id}/actions/new", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert "Ugentligt møde med jobcentret" in body or "Ring til" in body
    assert _count(db, EvaluationAction) == 0


def test_action_edit_is_locked_optimistically(db, client, staff, year_2025):
    ev = evaluation(year_2025.agreement, 2025)
    act = action(ev, "Møde", "Sekretariatet", date(2026, 12, 1))
    db.session.commit()
    data = {"description": "Møde", "owner": "A", "due_date": "2026-12-01", "version": 1}
    assert client.post(f"/evaluations/actions/{act.id}/edit", data=data).status_code == 302
    body = client.post(f"/evaluations/actions/{act.id}/edit",
                       data={**data, "owner": "B"}).get_data(as_text=True)
    assert "En anden har gemt denne registrering" in body
    db.session.refresh(act)
    assert act.owner == "A"


@pytest.fixture()
def open_actions(db, year_2025):
    ev = evaluation(year_2025.agreement, 2025)
    action(ev, "Handling X", "Sekretariatet", TODAY - timedelta(days=10))
    action(ev, "Handling Y", "Aarhus Kommune", TODAY + timedelta(days=5))
    action(ev, "Handling Z", "Jobcenter Aarhus", TODAY - timedelta(days=2))
    action(ev, "Handling W", "Aarhus Kommune", TODAY - timedelta(days=30),
           done_on=TODAY - timedelta(days=1))
    db.session.commit()
    return ev


def _order(body: str, names=("Handling X", "Handling Y", "Handling Z", "Handling W")):
    present = [n for n in names if n in body]
    return sorted(present, key=body.index)


def test_open_actions_overdue_first(db, client, staff, open_actions):
    body = client.get("/evaluations/actions/").get_data(as_text=True)
    # Done actions are left out; the two overdue ones lead, the oldest first.
    assert _order(body) == ["Handling X", "Handling Z", "Handling Y"]
    assert "3 rækker" in body
    # Sorted by owner, the overdue actions still come first.
    body = client.get("/evaluations/actions/?sort=owner").get_data(as_text=True)
    assert _order(body) == ["Handling Z", "Handling X", "Handling Y"]


def test_open_actions_filters(db, client, staff, open_actions):
    body = client.get("/evaluations/actions/?overdue=yes").get_data(as_text=True)
    assert _order(body) == ["Handling X", "Handling Z"]
    body = client.get("/evaluations/actions/?overdue=no").get_data(as_text=True)
    assert _order(body) == ["Handling Y"]
    body = client.get("/evaluations/actions/?owner=Aarhus+Kommune").get_data(as_text=True)
    assert _order(body) == ["Handling Y"]


def test_open_actions_export(db, client, staff, open_actions):
    raw = client.get("/evaluations/actions/?export=csv")
    assert raw.headers["Content-Disposition"] == 'attachment; filename="handlinger.csv"'
    rows = list(csv.reader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert rows[0] == ["Byggesag", "Partnerskabsaftale", "Handling", "Ansvarlig", "Frist",
                       "Overskredet"]
    assert [r[2] for r in rows[1:]] == ["Handling X", "Handling Z", "Handling Y"]
    assert rows[1][0] == "2025-017 Gellerup etape 2"
    assert rows[1][1] == "Partnerskab Gellerup (2025)"
    assert rows[1][4] == (TODAY - timedelta(days=10)).isoformat()
    assert [r[5] for r in rows[1:]] == ["ja", "ja", "nej"]
    xlsx = client.get("/evaluations/actions/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_mark_done_from_the_list_returns_to_it(db, client, staff, open_actions):
    act = db.session.scalar(select(EvaluationAction).where(
        EvaluationAction.description == "Handling X"))
    response = client.post(f"/evaluations/actions/{act.id}/done", data={"back": "actions"})
    assert response.headers["Location"].endswith("/evaluations/actions/")
    body = client.get("/evaluations/actions/").get_data(as_text=True)
    assert _order(body) == ["Handling Z", "Handling Y"]


def test_evaluations_list_and_empty_states(db, client, staff, year_2025):
    body = client.get("/evaluations/").get_data(as_text=True)
    assert "Ingen evalueringer endnu" in body
    body = client.get("/evaluations/actions/").get_data(as_text=True)
    assert "Ingen åbne handlinger" in body
    ev = evaluation(year_2025.agreement, 2025)
    action(ev, "Åben", "Sekretariatet", TODAY)
    action(ev, "Lukket", "Sekretariatet", TODAY, done_on=TODAY)
    db.session.commit()
    body = client.get("/evaluations/?year=2025").get_data(as_text=True)
    row = body.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "2025-017 Gellerup etape 2" in row and "Partnerskab Gellerup" in row
    assert '<td class="num">1</td>' in row  # one open action
    assert "Ingen evalueringer" in client.get("/evaluations/?year=2024").get_data(as_text=True)


# --- Who may ------------------------------------------------------------------------------


def test_admin_may_use_evaluations(db, client, login, year_2025):
    admin = factories.user("admin")
    db.session.commit()
    login(admin)
    assert client.get("/evaluations/actions/").status_code == 200


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_external_roles_get_404(db, client, login, year_2025, role):
    org = {"contractor": year_2025.contractor, "builder": year_2025.project.builder,
           "municipality": year_2025.project.housing_area.municipality}[role]
    user = factories.user(role, org=org)  # even for their own project
    ev = evaluation(year_2025.agreement, 2025)
    act = action(ev, "Møde", "Sekretariatet", TODAY)
    db.session.commit()
    login(user)
    for method, url in [
        ("GET", "/evaluations/"), ("GET", "/evaluations/actions/"),
        ("GET", "/evaluations/actions/?export=csv"), ("GET", "/evaluations/new"),
        ("GET", f"/agreements/{year_2025.agreement.id}/evaluations/new"),
        ("POST", f"/agreements/{year_2025.agreement.id}/evaluations/new"),
        ("GET", f"/evaluations/{ev.id}"), ("POST", f"/evaluations/{ev.id}/edit"),
        ("POST", f"/evaluations/{ev.id}/actions/new"),
        ("POST", f"/evaluations/actions/{act.id}/edit"),
        ("POST", f"/evaluations/actions/{act.id}/done"),
    ]:
        assert client.open(url, method=method).status_code == 404, (method, url)


def test_unknown_records_answer_404(db, client, staff):
    assert client.get("/evaluations/999").status_code == 404
    assert client.get("/agreements/999/evaluations/new").status_code == 404
    assert client.post("/evaluations/actions/999/done").status_code == 404


def test_evaluations_list_exports(db, client, staff, open_actions):
    raw = client.get("/evaluations/?export=xlsx")
    assert raw.status_code == 200 and raw.data[:2] == b"PK"
    rows = list(csv.reader(io.StringIO(
        client.get("/evaluations/?export=csv").get_data(as_text=True).lstrip("\ufeff")),
        delimiter=";"))
    assert rows[0][:4] == ["År", "Byggesag", "Partnerskabsaftale", "Åbne handlinger"]
    assert rows[1][:4] == ["2025", "2025-017 Gellerup etape 2", "Partnerskab Gellerup", "3"]


def test_editing_from_the_open_actions_list_returns_to_it(db, client, staff, open_actions):
    act = db.session.scalar(select(EvaluationAction).where(
        EvaluationAction.description == "Handling Y"))
    body = client.get("/evaluations/actions/").get_data(as_text=True)
    assert f"/evaluations/actions/{act.id}/edit?back=actions" in body
    response = client.post(f"/evaluations/actions/{act.id}/edit?back=actions", data={
        "description": "Handling Y", "owner": "Aarhus Kommune",
        "due_date": act.due_date.isoformat(), "done_on": TODAY.isoformat(), "version": 1})
    assert response.headers["Location"].endswith("/evaluations/actions/")
    db.session.refresh(act)
    assert act.done_on == TODAY
