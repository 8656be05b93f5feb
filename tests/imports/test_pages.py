"""The upload page: preview, confirm, discard, progress, the job queue, who may."""
import io
import json

import pytest
from openpyxl import load_workbook
from rq.job import Job
from sqlalchemy import func, select

from tests import factories
from tests.conftest import work_off
from tests.imports.conftest import HAPPY, HAPPY_COUNTS, counts, happy_with, xlsx_bytes
from tracker import jobs as queue
from tracker.imports import jobs
from tracker.models import AuditEvent, ImportJob, Participant, StoredFile

EMPTY = {name: 0 for name in HAPPY_COUNTS}


def _upload(client, content: bytes, filename: str = "arbejdsbog.xlsx"):
    return client.post("/import/", data={"workbook": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def _without_audit(numbers: dict) -> dict:
    return {k: v for k, v in numbers.items() if k != "audit_events"}


def test_the_page_explains_the_sheets(client, staff):
    page = client.get("/import/").get_data(as_text=True)
    assert "Importér en arbejdsbog" in page
    assert "<code>participants</code>" in page
    assert "<code>case_number + contractor_cvr</code>" in page
    assert "Tom skabelon (XLSX)" in page
    assert "Eksportér hele databasen" not in page  # admins only


def test_preview_then_confirm_imports_the_same_file(app, db, client, staff):
    response = _upload(client, xlsx_bytes(HAPPY))
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert job_url.startswith("/import/jobs/")
    # Checked, not written: only the uploaded file is stored.
    assert _without_audit(counts(db)) == EMPTY
    assert _stored(db) == 1

    page = client.get(job_url).get_data(as_text=True)
    assert "Alle rækker er i orden. Intet er gemt endnu" in page
    assert '<th scope="row"><code>participants</code></th>' in page
    assert "Amina Hassan Ali" in page  # among the first changes
    assert "Importér nu" in page

    stored = db.session.scalar(select(StoredFile))
    response = client.post(f"{job_url}/confirm", data={"sha256": stored.sha256})
    assert response.status_code == 302
    assert _without_audit(counts(db)) == HAPPY_COUNTS
    assert _stored(db) == 0  # the upload is gone once imported
    summary = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "imports"))
    assert (summary.user_id, summary.actor) == (staff.id, staff.email)

    page = client.get(job_url).get_data(as_text=True)
    assert "Arbejdsbogen er importeret: 18 nye og 0 ændrede rækker." in page


def test_confirm_refuses_another_file(db, client, staff):
    job_url = _upload(client, xlsx_bytes(HAPPY)).headers["Location"]
    response = client.post(f"{job_url}/confirm", data={"sha256": "0" * 64})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Den fil, du bekræftede, er ikke den, der blev kontrolleret." in page
    assert _without_audit(counts(db)) == EMPTY


def test_a_broken_upload_lists_its_problems_and_cannot_be_imported(db, client, staff):
    sheets = happy_with()
    sheets["participants"][1][2] = "19x0"
    job_url = _upload(client, xlsx_bytes(sheets)).headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "Kontrollen fandt 1 fejl. Intet er gemt." in page
    assert ("<td>participants</td>\n      <td class=\"num\">2</td>\n      <td><code>birth_year"
            "</code></td>\n      <td class=\"value\">19x0</td>\n      <td>Skriv et helt tal, fx "
            "1985.</td>") in page
    assert "Importér nu" not in page
    stored = db.session.scalar(select(StoredFile))
    client.post(f"{job_url}/confirm", data={"sha256": stored.sha256})
    assert _without_audit(counts(db)) == EMPTY

    csv_text = client.get(f"{job_url}/problems.csv").get_data(as_text=True)
    assert csv_text.splitlines() == [
        "\ufeffArk;Række;Kolonne;Værdi;Fejl",
        "participants;2;birth_year;19x0;Skriv et helt tal, fx 1985.",
    ]


def test_discard_forgets_the_upload(db, client, staff, app):
    job_url = _upload(client, xlsx_bytes(HAPPY)).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    response = client.post(f"{job_url}/discard")
    assert response.status_code == 302
    assert _stored(db) == 0
    assert db.session.get(ImportJob, job_id) is None
    assert client.get(job_url).status_code == 404


def test_the_same_workbook_again_has_nothing_to_import(db, client, staff, runner, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes(HAPPY))
    assert runner.invoke(args=["import-workbook", str(path)]).exit_code == 0
    events = counts(db)["audit_events"]
    job_url = _upload(client, path.read_bytes()).headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "Alle rækker er i orden, og intet skal ændres" in page
    assert "Importér nu" not in page
    # Storing the upload is audited (create of stored_files); no row of the data is.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity != "stored_files")) == events


def test_a_running_job_shows_its_progress_and_refreshes(app, db, client, staff):
    job_id = jobs.create(b"PK", "stor.xlsx", "application/zip", staff, "da").id
    db.session.commit()
    jobs.update(job_id, state="importing", phase="writing", rows_done=40_000,
                rows_total=120_000)
    response = client.get(f"/import/jobs/{job_id}")
    page = response.get_data(as_text=True)
    assert response.headers["Refresh"] == "2"
    assert "Række 40.000 af 120.000 (33 %)" in page
    assert '<progress max="120000" value="40000">' in page
    assert "Skriver til databasen" in page


def test_on_the_queue_a_worker_checks_and_imports_the_upload(app, db, client, staff,
                                                             redis_queue):
    job_url = _upload(client, xlsx_bytes(HAPPY)).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    job = jobs.read(job_id)
    check_id = job.rq_id
    assert (job.state, queue.state(check_id)) == ("checking", "queued")
    # The job's limits come from the settings: 900 s and 2 GiB by default.
    rq_job = Job.fetch(check_id, connection=redis_queue.connection)
    assert rq_job.timeout == 900
    assert rq_job.args == ("tracker.imports.jobs:run", [job_id, "check"], 2 * 1024 ** 3)
    response = client.get(job_url)
    assert response.headers["Refresh"] == "2"
    assert "Kontrollerer rækkerne" in response.get_data(as_text=True)

    work_off(redis_queue)
    job = jobs.read(job_id)
    assert (job.state, job.problem_count, queue.state(check_id)) == ("checked", 0, "finished")
    assert "Importér nu" in client.get(job_url).get_data(as_text=True)

    client.post(f"{job_url}/confirm", data={"sha256": job.sha256})
    job = jobs.read(job_id)
    assert job.state == "importing" and job.rq_id not in (None, check_id)
    assert _without_audit(counts(db)) == EMPTY  # nothing until a worker imports it
    work_off(redis_queue)
    job = jobs.read(job_id)
    assert (job.state, job.stored_file_id) == ("imported", None)
    new = {sheet["name"]: sheet["new"] for sheet in job.result["sheets"]}
    assert new["participants"] == 2 and new["placements"] == 3  # as counted in HAPPY
    db.session.remove()
    assert _without_audit(counts(db)) == HAPPY_COUNTS
    assert db.session.scalar(select(Participant.name).where(Participant.ref == "D-1")) \
        == "Amina Hassan Ali"
    page = client.get(job_url).get_data(as_text=True)
    assert "Arbejdsbogen er importeret: 18 nye og 0 ændrede rækker." in page


def test_the_template_has_every_sheet_and_no_rows(client, staff):
    response = client.get("/import/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "organisations", "housing_areas", "projects", "project_contractors", "agreements",
        "agreement_parties", "clauses", "participants", "placements", "follow_ups",
        "progress_assessments", "contractor_reports", "evaluations", "evaluation_actions"]
    assert [c.value for c in book["participants"][1]] == HAPPY["participants"][0] + [
        "consent_scope", "email", "phone", "readiness", "months_unemployed", "education_level",
        "pseudonym", "anonymised_on", "intake_age_band"]
    assert [c.value for c in book["evaluation_actions"][1]] == [
        "agreement_ref", "year", "description", "occurrence", "owner", "due", "done_on"]
    assert book["participants"].max_row == 1


def test_admin_exports_the_database_and_each_participant_records_it(db, client, admin,
                                                                     runner, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes(HAPPY))
    assert runner.invoke(args=["import-workbook", str(path)]).exit_code == 0
    response = client.get("/import/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    book = load_workbook(io.BytesIO(response.data))
    assert [[c.value for c in row] for row in book["housing_areas"].iter_rows()] == \
        HAPPY["housing_areas"]
    exports = db.session.scalars(select(AuditEvent.participant_id).where(
        AuditEvent.action == "export")).all()
    assert len(exports) == 2


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_external_roles_get_404(db, client, login, role):
    org = factories.organisation(role)
    user = factories.user(role, org=org)
    staff_user = factories.user("staff")
    job_id = jobs.create(b"PK", "a.xlsx", "application/zip", staff_user, "da").id
    db.session.commit()
    login(user)
    for url in ("/import/", "/import/template.xlsx", "/import/export.xlsx",
                f"/import/jobs/{job_id}", f"/import/jobs/{job_id}/problems.csv"):
        assert client.get(url).status_code == 404, url
    for url in (f"/import/jobs/{job_id}/confirm", f"/import/jobs/{job_id}/discard"):
        assert client.post(url).status_code == 404, url
    assert client.post("/import/", data={}).status_code == 404


def test_staff_may_not_export_the_database(client, staff):
    assert client.get("/import/export.xlsx").status_code == 404


def test_the_job_row_holds_no_cpr_number(app, db, client, staff):
    sheets = happy_with()
    sheets["participants"][1][1] = "Amina 010190-1234"
    job_url = _upload(client, xlsx_bytes(sheets)).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    row = db.session.execute(select(ImportJob.__table__).where(ImportJob.id == job_id)).one()
    text = json.dumps([str(value) for value in row])
    assert "010190" not in text
    assert row.problem_count == 1
