"""The contractors' portal: reporting, bad input, corrections, history, evidence, scope."""
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.reporting.conftest import PDF, PNG, xlsx_bytes
from tracker.models import AuditEvent, ContractorReport, ReportEvidence, StoredFile


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _form(**overrides):
    data = {"period": "2026-01-01", "persons": "3", "weeks": "24,5", "hours": "906,5",
            "site_hours": "12.400", "comment": "Timer ifølge timesedler"}
    data.update(overrides)
    return data


def _post(client, url, data, files=()):
    payload = dict(data)
    payload["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=payload, content_type="multipart/form-data")


def test_portal_shows_the_firms_clauses_due_reports_and_figures(db, client, login, world):
    # A placement of A on project P from 1 February, 37 hours a week, still running.
    factories.placement(factories.participant(), world.a, project=world.p,
                        start_date=date(2026, 2, 1))
    db.session.commit()
    login(world.users["contractor_a"])

    body = client.get("/reports/").get_data(as_text=True)

    assert "Aarhus Byg A/S" in body
    assert "K-P1" in body and "K-P2" in body        # responsible, and open to all
    assert "K-Q1" not in body                       # B's clause on B's project
    assert "Bispehaven tag" not in body
    # Registered hours of K-P1 as of 15 May: 1 Feb..15 May = 104 days, 104/7 × 37 = 549,71.
    assert "549,71" in body
    # Due: Q1 of K-P1 (deadline 30.04, overdue) and January–April of K-P2 (monthly).
    assert "30.04.2026" in body
    assert body.count("Overskredet") >= 1
    assert "1. kvartal 2026" in body


def _clause_section(body: str) -> str:
    return body[body.index('id="clauses"'):body.index('id="latest"')]


def test_portal_shows_completed_projects_on_their_own_tab(db, client, login, world):
    # B is on P (in progress) and Q; Q is completed. Its clause K-Q1 is owed for the first
    # quarter (deadline 30 April, overdue on 15 May).
    world.q.status = "completed"
    db.session.commit()
    login(world.users["contractor_b"])

    body = client.get("/reports/").get_data(as_text=True)
    clauses = _clause_section(body)
    assert "Igangværende byggesager (1)" in clauses and "Afsluttede byggesager (1)" in clauses
    assert "K-P2" in clauses and "K-Q1" not in clauses
    assert "Bispehaven tag" in body[:body.index('id="clauses"')]  # still among the due reports
    assert "/reports/?projects=completed" in clauses

    completed = _clause_section(client.get("/reports/?projects=completed").get_data(as_text=True))
    assert "K-Q1" in completed and "K-P2" not in completed
    assert "Bispehaven tag" in completed
    assert f"/reports/clauses/{world.hours_b.id}/new" in completed  # it can still be reported on


def test_portal_says_when_no_project_is_in_progress(db, client, login, world):
    world.p.status = "completed"  # A's only project
    db.session.commit()
    login(world.users["contractor_a"])
    clauses = _clause_section(client.get("/reports/").get_data(as_text=True))
    assert "Jeres virksomhed har ingen igangværende byggesager." in clauses
    assert "K-P1" not in clauses

    world.p.status = "active"
    db.session.commit()
    clauses = _clause_section(client.get("/reports/").get_data(as_text=True))
    assert "K-P1" in clauses and "Afsluttede byggesager" not in clauses
    # Without completed projects the completed tab's address shows those in progress.
    clauses = _clause_section(client.get("/reports/?projects=completed").get_data(as_text=True))
    assert "K-P1" in clauses


def test_submit_a_report_with_evidence(db, client, login, world):
    login(world.users["contractor_a"])
    url = f"/reports/clauses/{world.hours_a.id}/new"

    page = client.get(url + "?period=2026-01-01").get_data(as_text=True)
    assert '<option selected value="2026-01-01">' in page
    assert "2026-07-01" not in page  # Q3 has not begun on 15 May

    response = _post(client, url, _form(), files=[("timesedler.pdf", PDF),
                                                  ("oversigt.xlsx", xlsx_bytes())])

    assert response.status_code == 302
    report = db.session.scalar(select(ContractorReport))
    assert (report.period_start, report.period_end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (report.persons, report.weeks, report.hours, report.site_hours) == (
        3, Decimal("24.5"), Decimal("906.5"), Decimal("12400"))
    assert (report.status, report.report_version) == ("submitted", 1)
    assert report.submitted_by_id == world.users["contractor_a"].id
    assert report.ref == f"R-K-P1-{world.a.cvr}-20260101-1"
    assert sorted(e.file.filename for e in report.evidence) == ["oversigt.xlsx", "timesedler.pdf"]
    assert sorted(e.file.content_type for e in report.evidence) == [
        "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Indberetning R-K-P1" in detail and "er sendt til sekretariatet" in detail


@pytest.mark.parametrize("overrides, files, message", [
    ({"period": "2025-10-01"}, [], "Perioden ligger uden for klausulens periode"),
    ({"period": "2027-01-01"}, [], "Perioden ligger uden for klausulens periode"),
    ({"period": "2026-01-15"}, [], "Vælg en af klausulens indberetningsperioder"),
    ({"period": "2026-07-01"}, [], "Perioden er ikke begyndt endnu"),
    ({"hours": "-5"}, [], "Tallet kan ikke være negativt"),
    ({"persons": "-1"}, [], "Tallet kan ikke være negativt"),
    ({"hours": "500", "site_hours": "400"}, [],
     "De samlede timer på byggepladsen kan ikke være lavere end de lokalt ansattes timer (500)"),
    ({"hours": ""}, [], "Klausulen måles i timer, så dette tal skal udfyldes"),
    ({"hours": "tolv"}, [], "Skriv et tal, f.eks. 12,5."),
    ({"hours": "12,345"}, [], "Brug højst 2 decimaler."),
    ({"hours": "NaN"}, [], "Skriv et tal, f.eks. 12,5."),
    ({"comment": "Ansat 010190-1234"}, [], "Det ligner et CPR-nummer"),
    ({}, [("timesedler.pdf", b"\x00\x01\x02 not a pdf at all")], "ikke af en tilladt type"),
    ({}, [("timesedler.pdf", b"Uge;Timer\n1;37\n")],
     "Filen hedder .pdf, men indholdet er ikke en PDF-fil"),
    ({}, [("foto.png", PDF)], "Filen hedder .png, men indholdet er ikke en PNG-fil"),
    ({}, [("kontrakt.docx", b"PK\x03\x04")], "Kun PDF-, XLSX-, CSV-, JPG- og PNG-filer"),
    ({}, [("ok.pdf", PDF), ("stor.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))],
     "Filen er større end 10 MB"),
])
def test_bad_input_is_explained_and_nothing_stored(db, client, login, world, overrides, files,
                                                   message):
    login(world.users["contractor_a"])

    response = _post(client, f"/reports/clauses/{world.hours_a.id}/new", _form(**overrides),
                     files)

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert (_count(db, ContractorReport), _count(db, ReportEvidence), _count(db, StoredFile)) == (
        0, 0, 0)
    # The form keeps what was typed.
    assert 'value="' + _form(**overrides)["site_hours"] + '"' in body


def test_bad_file_names_every_refused_file_and_keeps_nothing(db, client, login, world):
    login(world.users["contractor_a"])

    body = _post(client, f"/reports/clauses/{world.hours_a.id}/new", _form(),
                 [("god.png", PNG), ("falsk.pdf", b"\x00\x01")]).get_data(as_text=True)

    assert "falsk.pdf: Filen er ikke af en tilladt type" in body
    assert "Intet blev gemt. Vælg filerne igen." in body
    assert _count(db, StoredFile) == 0


def test_correction_makes_version_2_and_keeps_version_1(db, client, login, world):
    login(world.users["contractor_a"])
    _post(client, f"/reports/clauses/{world.hours_a.id}/new", _form(hours="100"),
          [("v1.pdf", PDF)])
    first = db.session.scalar(select(ContractorReport))

    page = client.get(f"/reports/{first.id}/correct").get_data(as_text=True)
    assert 'value="100"' in page and "Din rettelse gemmes som version 2" in page
    evidence_id = first.evidence[0].id
    response = _post(client, f"/reports/{first.id}/correct",
                     _form(hours="120,5", based_on="1", keep_evidence=str(evidence_id)),
                     [("v2.png", PNG)])

    assert response.status_code == 302
    reports = db.session.scalars(
        select(ContractorReport).order_by(ContractorReport.report_version)).all()
    assert [(r.report_version, r.hours, r.status) for r in reports] == [
        (1, Decimal("100"), "submitted"), (2, Decimal("120.5"), "submitted")]
    assert reports[0].version == 1  # the row of version 1 was never updated
    assert reports[1].ref == f"R-K-P1-{world.a.cvr}-20260101-2"
    assert [e.file.filename for e in reports[0].evidence] == ["v1.pdf"]
    assert sorted(e.file.filename for e in reports[1].evidence) == ["v1.pdf", "v2.png"]
    assert _count(db, StoredFile) == 2  # the kept file is shared, not copied


def test_a_stale_correction_form_is_refused_and_keeps_input(db, client, login, world):
    first = factories.report(world.hours_a, world.a, hours=Decimal(100), site_hours=Decimal(900))
    factories.report(world.hours_a, world.a, hours=Decimal(110), site_hours=Decimal(900),
                     report_version=2)
    db.session.commit()
    login(world.users["contractor_a"])

    # The contractor opened version 1's form, but version 2 was submitted meanwhile.
    body = _post(client, f"/reports/{first.id}/correct",
                 _form(hours="130", based_on="1")).get_data(as_text=True)

    assert "Der blev indsendt en ny version af denne indberetning" in body
    assert 'value="130"' in body
    assert _count(db, ContractorReport) == 2


def test_returned_report_shows_the_reason_and_can_be_resubmitted(db, client, login, world):
    returned = factories.report(world.hours_a, world.a, status="returned", hours=Decimal(50),
                                site_hours=Decimal(900), review_note="Timesedlerne mangler.")
    db.session.commit()
    login(world.users["contractor_a"])

    portal = client.get("/reports/").get_data(as_text=True)
    assert "Timesedlerne mangler." in portal
    assert f"/reports/{returned.id}/correct" in portal  # the due row links to a correction
    detail = client.get(f"/reports/{returned.id}").get_data(as_text=True)
    assert "Sendt retur af sekretariatet" in detail and "Timesedlerne mangler." in detail

    _post(client, f"/reports/{returned.id}/correct", _form(hours="60", based_on="1"),
          [("timesedler.pdf", PDF)])

    newest = db.session.scalar(select(ContractorReport).where(
        ContractorReport.report_version == 2))
    assert (newest.status, newest.hours) == ("submitted", Decimal("60"))
    db.session.refresh(returned)
    assert (returned.status, returned.review_note) == ("returned", "Timesedlerne mangler.")


def test_history_lists_every_version_of_the_own_firm_only(db, client, login, world):
    factories.report(world.hours_a, world.a, ref="R-A1", status="returned", review_note="Ret")
    factories.report(world.hours_a, world.a, ref="R-A2", report_version=2, status="approved")
    factories.report(world.hours_b, world.b, ref="R-B1")
    factories.report(world.shared, world.b, ref="R-B2", period_start=date(2026, 1, 1),
                     period_end=date(2026, 1, 31))
    db.session.commit()
    login(world.users["contractor_a"])

    body = client.get("/reports/history").get_data(as_text=True)
    assert "R-A1" in body and "R-A2" in body and "Ret" in body
    assert "R-B1" not in body and "R-B2" not in body
    export = client.get("/reports/history?export=csv").get_data(as_text=True)
    assert "R-A1" in export and "R-B2" not in export


def test_evidence_download_within_scope_only(db, client, login, world):
    login(world.users["contractor_a"])
    _post(client, f"/reports/clauses/{world.hours_a.id}/new", _form(), [("bilag.pdf", PDF)])
    report = db.session.scalar(select(ContractorReport))
    evidence = report.evidence[0]
    url = f"/reports/{report.id}/evidence/{evidence.id}"

    response = client.get(url)
    assert response.data == PDF
    assert response.headers["Cache-Control"] == "no-store"
    logged = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "report_evidence", AuditEvent.action == "view")).all()
    assert [(e.entity_id, e.user_id) for e in logged] == [
        (evidence.id, world.users["contractor_a"].id)]
    assert 'filename="bilag.pdf"' in response.headers["Content-Disposition"]

    other = factories.report(world.hours_a, world.a, period_start=date(2026, 4, 1),
                             period_end=date(2026, 6, 30))
    db.session.commit()
    # The evidence of one report is not reachable through another report's URL.
    assert client.get(f"/reports/{other.id}/evidence/{evidence.id}").status_code == 404

    for role in ("contractor_b", "builder", "municipality"):
        client.post("/logout")
        login(world.users[role])
        assert client.get(url).status_code == 404, role
        assert client.get(f"/reports/{report.id}").status_code == 404, role
    client.post("/logout")
    login(world.users["staff"])
    assert client.get(url).data == PDF


def test_contractor_b_cannot_report_on_or_correct_a_s_clauses(db, client, login, world):
    report_a = factories.report(world.hours_a, world.a)
    db.session.commit()
    login(world.users["contractor_b"])

    assert client.get(f"/reports/clauses/{world.hours_a.id}/new").status_code == 404
    assert _post(client, f"/reports/clauses/{world.hours_a.id}/new", _form()).status_code == 404
    assert client.get(f"/reports/{report_a.id}/correct").status_code == 404
    assert client.post(f"/reports/{report_a.id}/correct", data=_form()).status_code == 404
    assert client.post(f"/reports/{report_a.id}/review",
                       data={"decision": "approve"}).status_code == 404
    # B may report on the clause open to every contractor on P, as B.
    response = _post(client, f"/reports/clauses/{world.shared.id}/new",
                     _form(period="2026-04-01", persons="2"))
    assert response.status_code == 302
    assert db.session.scalar(select(ContractorReport.contractor_id).where(
        ContractorReport.clause_id == world.shared.id)) == world.b.id


@pytest.mark.parametrize("role", ["builder", "municipality"])
def test_builder_and_municipality_cannot_use_reporting(db, client, login, world, role):
    report = factories.report(world.hours_a, world.a)
    db.session.commit()
    login(world.users[role])

    for url in ("/reports/", "/reports/history", f"/reports/{report.id}",
                f"/reports/clauses/{world.hours_a.id}/new", f"/reports/{report.id}/correct"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/reports/{report.id}/review",
                       data={"decision": "approve"}).status_code == 404
    db.session.refresh(report)
    assert report.status == "submitted"


def test_secretariat_cannot_submit_as_a_contractor(db, client, login, world):
    login(world.users["staff"])
    assert client.get(f"/reports/clauses/{world.hours_a.id}/new").status_code == 404


def test_clause_that_has_not_begun_explains_when_reporting_opens(db, client, login, world):
    world.hours_a.start_date = date(2026, 9, 15)
    db.session.commit()
    login(world.users["contractor_a"])

    body = client.get(f"/reports/clauses/{world.hours_a.id}/new").get_data(as_text=True)

    assert "Klausulens første indberetningsperiode begynder den 15. september 2026" in body
    assert "<form method=\"post\" class=\"card form\"" not in body


def test_form_preselects_the_newest_ended_period_still_to_report(db, client, login, world):
    # K-P2 is monthly; on 15 May January–April have ended. April is approved, March returned.
    factories.report(world.shared, world.a, period_start=date(2026, 4, 1),
                     period_end=date(2026, 4, 30), status="approved")
    factories.report(world.shared, world.a, period_start=date(2026, 3, 1),
                     period_end=date(2026, 3, 31), status="returned", review_note="Ret")
    db.session.commit()
    login(world.users["contractor_a"])

    body = client.get(f"/reports/clauses/{world.shared.id}/new").get_data(as_text=True)

    assert '<option selected value="2026-03-01">' in body
    assert "april 2026 (01.04.2026–30.04.2026) · Godkendt, version 1" in body
    assert "juni 2026" not in body  # June has not begun


def test_pages_work_in_english(db, client, login, world):
    factories.report(world.hours_a, world.a)
    db.session.commit()
    login(world.users["contractor_a"])
    client.post("/language", data={"lang": "en", "next": "/reports/"})

    body = client.get("/reports/").get_data(as_text=True)

    assert "Due reports" in body and "Q1 2026" in body


def test_a_huge_number_is_refused_not_a_crash(db, client, login):
    """Found by schemathesis: 6.03e307 overflowed the decimal check with a 500."""
    from tracker.forms import Form, NumberField

    class Figures(Form):
        hours = NumberField("Timer", maximum=99999999)

    from werkzeug.datastructures import MultiDict

    with client.application.test_request_context():
        form = Figures(formdata=MultiDict({"hours": "6" + "0" * 307}), meta={"csrf": False})
        assert not form.validate()
        assert form.hours.errors == ["Tallet er for stort."]
        form = Figures(formdata=MultiDict({"hours": "6.026342067438078e+307"}),
                       meta={"csrf": False})
        assert not form.validate()
