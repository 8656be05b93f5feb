"""Consent withdrawal (issue #20, point 4): recorded by the secretariat with a date and a
note after a confirmation page, undone only by the secretariat; afterwards no new
placement, progress assessment or pathway document for the person, from the forms, the
workbook import, the document issuing and the command line; what was registered before
stays, and so do the figures."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.participants.conftest import assessment, follow_up
from tracker.counting.municipality import municipality_summary
from tracker.imports.reader import open_path
from tracker.imports.service import import_workbook
from tracker.models import AuditEvent, Document, Placement, ProgressAssessment

SCORES = {"work_readiness": "4", "danish_language": "6"}


@pytest.fixture()
def amina(db, world):
    """Amina, consent 10.01.2026, one internship that ended with an ordinary job and one
    running wage-subsidy job, both at Kærhøj on the project."""
    person = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan",
                                   housing_area=world.gellerup, consent_date=date(2026, 1, 10))
    factories.placement(person, world.kaerhoej, "internship", world.project, ref="F-0001",
                        start_date=date(2026, 2, 2), end_date=date(2026, 3, 1),
                        outcome="ordinary_job")
    factories.placement(person, world.kaerhoej, "wage_subsidy", world.project, ref="F-0002",
                        start_date=date(2026, 3, 2))
    db.session.commit()
    return person


def _withdraw(db, person, on=date(2026, 4, 1), note="Ringede og trak samtykket tilbage."):
    person.consent_withdrawn_on, person.consent_withdrawal_note = on, note
    db.session.commit()


def _placements(db) -> int:
    return db.session.scalar(select(func.count(Placement.id)))


# --- recording and undoing ------------------------------------------------------------------

def test_the_form_proposes_today_and_the_look_is_logged(db, client, staff, amina):
    page = client.get(f"/participants/{amina.id}/consent/withdraw").get_data(as_text=True)
    assert f'value="{date.today().isoformat()}"' in page
    assert "Tilbagetræk samtykke" in page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")).one()
    assert (event.user_id, event.participant_id, event.purpose) == (staff.id, amina.id,
                                                                     "casework")


def test_confirmation_page_says_what_stops_and_saves_nothing(db, client, staff, amina):
    response = client.post(f"/participants/{amina.id}/consent/withdraw",
                           data={"withdrawn_on": "2026-04-01", "note": "Ringede."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bekræft tilbagetrækningen" in page
    assert "Fra 1. april 2026 kan der ikke oprettes nye forløb, progressionsmålinger eller " \
           "forløbsbeskrivelser for Amina Hassan." in page
    assert "Forløb, opfølgninger og progressionsmålinger, der allerede er registreret, " \
           "bliver stående, og tallene i rapporterne ændrer sig ikke." in page
    db.session.expire_all()
    assert amina.consent_withdrawn_on is None


def test_change_on_the_confirmation_page_goes_back_to_the_form(db, client, staff, amina):
    response = client.post(f"/participants/{amina.id}/consent/withdraw",
                           data={"withdrawn_on": "2026-04-01", "note": "Ringede.",
                                 "confirmed": "1", "change": "1"})
    page = response.get_data(as_text=True)
    assert "Bekræft tilbagetrækningen" not in page
    assert 'value="2026-04-01"' in page and "Ringede.</textarea>" in page
    db.session.expire_all()
    assert amina.consent_withdrawn_on is None


def test_confirmed_withdrawal_is_saved_and_audited(db, client, staff, amina):
    response = client.post(f"/participants/{amina.id}/consent/withdraw",
                           data={"withdrawn_on": "2026-04-01", "note": " Ringede. ",
                                 "confirmed": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/participants/{amina.id}"
    db.session.expire_all()
    assert (amina.consent_withdrawn_on, amina.consent_withdrawal_note) == (
        date(2026, 4, 1), "Ringede.")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "participants", AuditEvent.action == "update")).one()
    assert (event.user_id, event.participant_id) == (staff.id, amina.id)
    assert event.changes == {"consent_withdrawn_on": [None, "2026-04-01"],
                             "consent_withdrawal_note": [None, "Ringede."]}


@pytest.mark.parametrize("day, message", [
    (date.today() + timedelta(days=1), "Datoen kan ikke ligge efter i dag."),
    (date(2026, 1, 9), "Samtykket kan ikke være trukket tilbage, før det blev givet "
                       "(10.01.2026)."),
    (None, "Feltet skal udfyldes."),
])
def test_bad_dates_are_refused(db, client, staff, amina, day, message):
    response = client.post(f"/participants/{amina.id}/consent/withdraw",
                           data={"withdrawn_on": day.isoformat() if day else "",
                                 "confirmed": "1"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert amina.consent_withdrawn_on is None


def test_withdrawal_on_the_consent_day_is_allowed(db, client, staff, amina):
    client.post(f"/participants/{amina.id}/consent/withdraw",
                data={"withdrawn_on": "2026-01-10", "confirmed": "1"})
    db.session.expire_all()
    assert (amina.consent_withdrawn_on, amina.consent_withdrawal_note) == (date(2026, 1, 10), None)


def test_no_withdrawal_without_consent(db, client, staff, world):
    person = factories.participant(name="Omar Ali", consent_date=None)
    db.session.commit()
    response = client.post(f"/participants/{person.id}/consent/withdraw",
                           data={"withdrawn_on": "2026-04-01", "confirmed": "1"},
                           follow_redirects=True)
    assert "Omar Ali har intet samtykke registreret, så der er intet at trække tilbage." in \
        response.get_data(as_text=True)
    db.session.expire_all()
    assert person.consent_withdrawn_on is None


def test_a_second_withdrawal_changes_nothing(db, client, staff, amina):
    _withdraw(db, amina)
    response = client.post(f"/participants/{amina.id}/consent/withdraw",
                           data={"withdrawn_on": "2026-05-01", "confirmed": "1"},
                           follow_redirects=True)
    assert "Samtykket blev allerede trukket tilbage den 01.04.2026." in \
        response.get_data(as_text=True)
    db.session.expire_all()
    assert amina.consent_withdrawn_on == date(2026, 4, 1)


def test_removing_a_withdrawal_asks_first_then_is_audited(db, client, staff, amina):
    _withdraw(db, amina)
    page = client.get(f"/participants/{amina.id}/consent/withdrawal/remove").get_data(as_text=True)
    assert "Fjern tilbagetrækningen af samtykket" in page
    assert "Gør det kun, hvis tilbagetrækningen blev registreret ved en fejl." in page
    db.session.expire_all()
    assert amina.consent_withdrawn_on == date(2026, 4, 1)  # a GET changes nothing
    response = client.post(f"/participants/{amina.id}/consent/withdrawal/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert (amina.consent_withdrawn_on, amina.consent_withdrawal_note) == (None, None)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.user_id == staff.id)).one()
    assert event.changes == {"consent_withdrawn_on": ["2026-04-01", None],
                             "consent_withdrawal_note": ["Ringede og trak samtykket tilbage.",
                                                         None]}


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_only_the_secretariat_records_or_removes(db, client, login, world, amina, role):
    org = {"contractor": world.kaerhoej, "builder": world.builder,
           "municipality": world.aarhus}[role]
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    for url in (f"/participants/{amina.id}/consent/withdraw",
                f"/participants/{amina.id}/consent/withdrawal/remove"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"withdrawn_on": "2026-04-01",
                                      "confirmed": "1"}).status_code == 404
    db.session.expire_all()
    assert amina.consent_withdrawn_on is None


def test_the_page_says_so_at_the_top_and_offers_erasure(db, client, staff, amina):
    _withdraw(db, amina)
    page = client.get(f"/participants/{amina.id}").get_data(as_text=True)
    banner = page.index("Samtykket blev trukket tilbage den 1. april 2026.")
    assert banner < page.index("Formål med opslaget")  # at the top, above everything else
    assert "Ringede og trak samtykket tilbage." in page
    assert "Borgeren kan også bede om at få sine oplysninger slettet." in page
    assert f"/participants/{amina.id}/consent/withdrawal/remove" in page
    # The buttons for what may no longer be added are gone.
    assert f"/participants/{amina.id}/placements/new" not in page
    assert f"/participants/{amina.id}/assessments/new" not in page


def test_the_municipality_sees_the_withdrawal_but_no_actions(db, client, login, world, amina):
    _withdraw(db, amina)
    user = factories.user("municipality", org=world.aarhus)
    db.session.commit()
    login(user)
    page = client.get(f"/participants/{amina.id}").get_data(as_text=True)
    assert "Samtykket blev trukket tilbage den 1. april 2026." in page
    assert "withdrawal/remove" not in page
    assert "Borgeren kan også bede om at få sine oplysninger slettet." not in page


def test_the_consent_date_cannot_move_past_the_withdrawal(db, client, staff, world, amina):
    _withdraw(db, amina)
    data = {"ref": "D-0001", "name": "Amina Hassan", "intake_date": "2026-01-01",
            "consent_date": "2026-05-01", "municipality_id": world.aarhus.id,
            "housing_area_id": world.gellerup.id}
    response = client.post(f"/participants/{amina.id}/edit", data=data)
    assert response.status_code == 200
    assert "Samtykkedatoen kan ikke ligge efter tilbagetrækningen af samtykket (01.04.2026)." \
        in response.get_data(as_text=True)
    db.session.expire_all()
    assert amina.consent_date == date(2026, 1, 10)


# --- refusals -----------------------------------------------------------------------------

def _placement_form(world, **overrides):
    data = {"ref": "F-0009", "kind": "ordinary_job", "project_id": world.project.id,
            "employer_id": world.kaerhoej.id, "start_date": "2026-05-01",
            "hours_per_week": "37"}
    return data | overrides


PLACEMENT_REFUSED = ("Amina Hassan trak sit samtykke tilbage den 01.04.2026. Der kan ikke "
                     "oprettes nye forløb.")


def test_no_new_placement_from_the_participant_page(db, client, staff, world, amina):
    _withdraw(db, amina)
    response = client.get(f"/participants/{amina.id}/placements/new", follow_redirects=True)
    assert PLACEMENT_REFUSED in response.get_data(as_text=True)
    response = client.post(f"/participants/{amina.id}/placements/new",
                           data=_placement_form(world), follow_redirects=True)
    assert PLACEMENT_REFUSED in response.get_data(as_text=True)
    assert _placements(db) == 2


def test_no_new_placement_when_choosing_the_participant(db, client, staff, world, amina):
    _withdraw(db, amina)
    response = client.post(f"/placements/new?project_id={world.project.id}",
                           data=_placement_form(world, participant_id=amina.id))
    assert response.status_code == 200
    assert PLACEMENT_REFUSED in response.get_data(as_text=True)
    assert _placements(db) == 2


def test_no_next_placement_after_one_that_ended(db, client, staff, world, amina):
    first = db.session.scalar(select(Placement).where(Placement.ref == "F-0001"))
    _withdraw(db, amina)
    response = client.get(f"/participants/{amina.id}/placements/new?after={first.id}",
                          follow_redirects=True)
    assert PLACEMENT_REFUSED in response.get_data(as_text=True)


def test_existing_placements_can_still_be_ended(db, client, staff, world, amina):
    running = db.session.scalar(select(Placement).where(Placement.ref == "F-0002"))
    _withdraw(db, amina)
    response = client.post(f"/placements/{running.id}/end",
                           data={"end_date": "2026-04-01", "outcome": "dropped_out",
                                 "version": running.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert (running.end_date, running.outcome) == (date(2026, 4, 1), "dropped_out")


def test_no_new_progress_assessment(db, client, staff, amina):
    _withdraw(db, amina)
    refused = ("Amina Hassan trak sit samtykke tilbage den 01.04.2026. Der kan ikke "
               "registreres nye progressionsmålinger.")
    response = client.get(f"/participants/{amina.id}/assessments/new", follow_redirects=True)
    assert refused in response.get_data(as_text=True)
    response = client.post(f"/participants/{amina.id}/assessments/new",
                           data={"assessed_on": "2026-05-01", **SCORES}, follow_redirects=True)
    assert refused in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProgressAssessment.id))) == 0


def test_an_existing_assessment_can_still_be_corrected(db, client, staff, amina):
    earlier = assessment(db, amina, date(2026, 3, 1), work_readiness=3)
    _withdraw(db, amina)
    response = client.post(f"/assessments/{earlier.id}/edit",
                           data={"assessed_on": "2026-03-01", "work_readiness": "4",
                                 "version": earlier.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert earlier.work_readiness == 4


PATHWAY_REFUSED = ("Deltageren trak sit samtykke tilbage den 01.04.2026, så der kan ikke "
                   "udstedes en forløbsbeskrivelse.")


def test_no_pathway_document_from_the_web(db, client, staff, amina):
    _withdraw(db, amina)
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_id": amina.id})
    assert response.status_code == 400
    assert PATHWAY_REFUSED in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_no_pathway_document_from_the_command_line(db, runner, amina, tmp_path):
    _withdraw(db, amina)
    target = tmp_path / "forloeb.pdf"
    result = runner.invoke(args=["document", "pathway", "--participant", "D-0001",
                                 "-o", str(target)])
    assert result.exit_code != 0
    assert PATHWAY_REFUSED in result.output
    assert not target.exists()
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_the_pathway_document_is_issued_before_a_withdrawal(db, runner, amina, tmp_path):
    """The refusal is the withdrawal's doing: the same person without it gets the document."""
    result = runner.invoke(args=["document", "pathway", "--participant", "D-0001",
                                 "-o", str(tmp_path / "forloeb.pdf")])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Document.id))) == 1


# --- the workbook import ------------------------------------------------------------------

def _import(db, tmp_path, sheets: dict) -> list[tuple]:
    from tests.imports.conftest import write_xlsx

    path = write_xlsx(tmp_path / "forloeb.xlsx", sheets)
    with open_path(path) as workbook:
        report = import_workbook(db.session, workbook, (None, "test"), dry_run=False)
    return [(p.sheet, p.row, p.column, p.reason) for p in report.problems]


PLACEMENT_HEADER = ["ref", "participant_ref", "kind", "employer_cvr", "case_number", "start",
                    "planned_end", "end", "hours_per_week", "outcome", "next_ref"]


def test_import_refuses_a_new_placement_for_a_withdrawn_participant(db, world, amina, tmp_path):
    _withdraw(db, amina)
    problems = _import(db, tmp_path, {"placements": [
        PLACEMENT_HEADER,
        # Unchanged: the placements registered before stay as they are.
        ["F-0001", "D-0001", "internship", world.kaerhoej.cvr, "BB-2207", "2026-02-02", None,
         "2026-03-01", 37, "ordinary_job", None],
        ["F-0009", "D-0001", "ordinary_job", world.kaerhoej.cvr, "BB-2207", "2026-05-01", None,
         None, 37, None, None],
    ]})
    assert problems == [("placements", 3, "participant_ref",
                         "Deltageren D-0001 trak sit samtykke tilbage den 01.04.2026. Der kan "
                         "ikke oprettes nye forløb.")]
    assert _placements(db) == 2


def test_import_refuses_moving_a_placement_to_a_withdrawn_participant(db, world, amina,
                                                                       tmp_path):
    other = factories.participant(world.aarhus, ref="D-0002", name="Jonas Kristensen")
    factories.placement(other, world.kaerhoej, "internship", world.project, ref="F-0003",
                        start_date=date(2026, 2, 2))
    _withdraw(db, amina)
    problems = _import(db, tmp_path, {"placements": [
        PLACEMENT_HEADER,
        ["F-0003", "D-0001", "internship", world.kaerhoej.cvr, "BB-2207", "2026-02-02", None,
         None, 37, None, None],
    ]})
    assert [p[:3] for p in problems] == [("placements", 2, "participant_ref")]
    assert db.session.scalar(select(Placement.participant_id)
                             .where(Placement.ref == "F-0003")) == other.id


def test_import_refuses_a_consent_date_after_the_withdrawal(db, world, amina, tmp_path):
    _withdraw(db, amina)
    problems = _import(db, tmp_path, {"participants": [
        ["ref", "name", "intake_date", "consent_date"],
        ["D-0001", "Amina Hassan", "2026-01-01", "2026-05-01"],
    ]})
    # Also after the start of her internship F-0001 (the plausibility rule): both are said.
    assert sorted(problems) == sorted([
        ("participants", 2, "consent_date",
         "Samtykket blev trukket tilbage den 01.04.2026; samtykkedatoen kan ikke ligge efter "
         "den."),
        ("participants", 2, "consent_date",
         "Forløbet F-0001 starter den 02.02.2026, før denne dato. Vælg en dato senest "
         "02.02.2026, eller flyt først forløbets start.")])
    db.session.expire_all()
    assert amina.consent_date == date(2026, 1, 10)


# --- what stays -----------------------------------------------------------------------------

def test_figures_do_not_change(db, world, amina):
    """Amina's internship (ended 01.03.2026 in an ordinary job) and her wage-subsidy job
    overlap the first half of 2026; she is enrolled in it and moved into work on 01.03."""
    follow_up(db, db.session.scalar(select(Placement).where(Placement.ref == "F-0001")),
              months=3, status="employed", on=date(2026, 6, 1))
    db.session.commit()
    before = municipality_summary(world.aarhus.id, date(2026, 1, 1), date(2026, 6, 30))
    assert (before["enrolled"], before["placements"]["internship"],
            before["placements"]["wage_subsidy"], before["moved_into_work_or_education"],
            before["follow_ups"]["employed"]) == (1, 1, 1, 1, 1)
    _withdraw(db, amina)
    after = municipality_summary(world.aarhus.id, date(2026, 1, 1), date(2026, 6, 30))
    assert after == before


# --- where else the withdrawal shows ------------------------------------------------------

def test_the_participant_list_and_its_export_say_withdrawn(db, client, staff, world, amina):
    bo = factories.participant(world.aarhus, ref="D-0002", name="Bo Jensen",
                               consent_date=date(2026, 1, 12))
    factories.participant(world.aarhus, ref="D-0003", name="Carl Nielsen", consent_date=None)
    db.session.commit()
    _withdraw(db, amina)

    page = client.get("/participants/?sort=ref").get_data(as_text=True)
    rows = [page[page.index(ref):][:page[page.index(ref):].index("</tr>")]
            for ref in ("D-0001", "D-0002", "D-0003")]
    assert "Trukket tilbage den 01.04.2026" in rows[0]
    assert "Trukket tilbage" not in rows[1] and ">Ja<" in rows[1]
    assert ">Nej<" in rows[2]

    export = client.get("/participants/?sort=ref&export=csv&purpose=casework").get_data(
        as_text=True)
    lines = {line.split(";")[1]: line for line in export.splitlines()[1:]}
    assert lines["D-0001"].endswith(";Trukket tilbage den 01.04.2026")
    assert lines[bo.ref].endswith(";ja") and lines["D-0003"].endswith(";nej")
