"""Imports bounded in memory and time (issue #23): a row and column limit per sheet checked
before a sheet is read (ZIP bombs among them), problems counted past the first thousand,
and a job whose worker or web process died shown as failed within a minute."""
import io
import zipfile
from contextlib import nullcontext
from datetime import date, datetime, timedelta

import pytest
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from tests.imports.conftest import (
    HAPPY,
    counts,
    csv_text,
    happy_with,
    ods_bytes,
    ods_content,
    xlsx_bytes,
    zip_bytes,
)
from tracker import jobs as queue
from tracker.imports import jobs, reader
from tracker.imports.export import XLSX_TYPE
from tracker.models import ImportJob, StoredFile
from tracker.models.base import utcnow

SHEET_PART = "xl/worksheets/sheet1.xml"


def _upload(client, content: bytes, filename: str) -> str:
    response = client.post("/import/", data={"workbook": (io.BytesIO(content), filename)},
                           content_type="multipart/form-data")
    return response.get_data(as_text=True) if response.status_code == 200 \
        else response.headers["Location"]


def _stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def _rewritten(content: bytes, part: str, rows) -> bytes:
    """The workbook with one worksheet part's rows replaced by `rows` (chunks of XML), written
    chunk by chunk at the highest compression: a large sheet stays small on disk."""
    source = zipfile.ZipFile(io.BytesIO(content))
    xml = source.read(part)
    head, tail = xml.split(b"<sheetData>")[0], xml.split(b"</sheetData>")[1]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info.filename, source.read(info))
                continue
            with target.open(part, "w") as sheet:
                sheet.write(head + b"<sheetData>")
                for chunk in rows:
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


def _number_rows(first: int, last: int):
    """Rows first..last of one number in column A, in chunks."""
    for start in range(first, last + 1, 10_000):
        yield b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n)
                       for n in range(start, min(start + 10_000, last + 1)))


def _same_rows(count: int):
    """`count` rows of one number in column A, written without positions (as some programs
    do): the rows are alike, so they compress to almost nothing."""
    chunk = b"<row><c><v>1</v></c></row>" * 10_000
    for _ in range(count // 10_000):
        yield chunk


def _header() -> bytes:
    return b'<row r="1"><c r="A1" t="inlineStr"><is><t>cvr</t></is></c></row>'


# --- The zip bomb and the row limit -------------------------------------------------------

def test_a_zip_bomb_workbook_is_refused_before_calamine_reads_it(db, client, staff,
                                                                 monkeypatch):
    """Ten million rows below the header: 26 bytes a row unpack to 260,000,000 bytes, from a
    file of less than a megabyte; 10,000,000 > 200,000 rows."""
    content = _rewritten(xlsx_bytes({"organisations": [["cvr"]]}), SHEET_PART,
                         [_header(), *_same_rows(10_000_000)])
    unpacked = zipfile.ZipFile(io.BytesIO(content)).getinfo(SHEET_PART).file_size
    assert unpacked > 260_000_000 and len(content) < 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("calamine must not load a sheet over the limit")

    monkeypatch.setattr(reader.CalamineWorkbook, "from_filelike", never)
    page = _upload(client, content, "bombe.xlsx")
    assert ("Arket organisations har flere end 200.000 rækker; en import læser højst 200.000 "
            "rækker fra ét ark. Del rækkerne op i flere arbejdsbøger, og importér dem én ad "
            "gangen.") in page
    assert _stored(db) == 0


def _corrupted_after_half(content: bytes, part: str) -> bytes:
    """The workbook with the second half of a part's compressed bytes overwritten: whoever
    inflates that far finds the file damaged."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    info = archive.getinfo(part)
    data = bytearray(content)
    header = data[info.header_offset:info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") \
        + int.from_bytes(header[28:30], "little")
    middle = start + info.compress_size // 2
    data[middle:start + info.compress_size] = b"\xff" * (start + info.compress_size - middle)
    return bytes(data)


@pytest.mark.parametrize("rows", [_number_rows, _same_rows], ids=["with", "without positions"])
def test_the_sheet_is_read_no_further_than_the_limit(db, rows):
    """A sheet of 200,000 rows damaged in its second half, far past the limit: had the check
    read on, it would call the workbook damaged instead of too long."""
    lines = rows(2, 200_001) if rows is _number_rows else rows(200_000)
    content = _corrupted_after_half(_rewritten(
        xlsx_bytes({"organisations": [["cvr"]]}), SHEET_PART, [_header(), *lines]), SHEET_PART)
    with pytest.raises(reader.SourceError, match="kan ikke læses"):
        reader.open_bytes(content, "a.xlsx", max_rows=2_000_000)
    with pytest.raises(reader.SourceError, match="flere end 30.000 rækker"):
        reader.open_bytes(content, "a.xlsx", max_rows=30_000)


@pytest.mark.parametrize("rows, refused", [(3, False), (4, True)])
def test_the_row_limit_is_configured_and_counts_rows_below_the_header(
        app, db, client, staff, rows, refused):
    app.config["TRACKER_IMPORT_MAX_ROWS"] = 3
    sheet = [["ref", "name"]] + [[f"D-{n}", "Navn"] for n in range(1, rows + 1)]
    for filename, content in (
            ("a.xlsx", xlsx_bytes({"participants": sheet})),
            ("a.ods", ods_bytes({"participants": sheet})),
            ("participants.csv", csv_text(sheet).encode()),
            ("a.zip", zip_bytes({"participants.csv": csv_text(sheet).encode()}))):
        answer = _upload(client, content, filename)
        message = ("Arket participants har flere end 3 rækker; en import læser højst 3 rækker "
                   "fra ét ark.")
        assert (message in answer) is refused, filename
        assert answer.startswith("/import/jobs/") is not refused, filename


def test_the_command_line_refuses_a_sheet_over_the_limit(app, db, runner, tmp_path):
    app.config["TRACKER_IMPORT_MAX_ROWS"] = 2
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes({"participants": [["ref"], ["D-1"], ["D-2"], ["D-3"]]}))
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert "Arket participants har flere end 2 rækker" in result.output
    assert counts(db)["participants"] == 0


def test_a_lone_cell_far_below_or_right_is_refused_before_it_is_laid_out(db, client, staff):
    """calamine lays a sheet out as a full grid: one cell in XFD1048576 would ask for a grid of
    1,048,576 × 16,384 cells, and abort the process."""
    base = xlsx_bytes({"organisations": [["cvr"], ["10000106"]]})
    far_down = _rewritten(base, SHEET_PART, [_header(), (
        b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>')])
    far_right = _rewritten(base, SHEET_PART, [_header(), (
        b'<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>')])
    assert "Arket organisations har flere end 200.000 rækker" in \
        _upload(client, far_down, "a.xlsx")
    assert ("Arket organisations har celler ud over kolonne AZ; en import læser højst 52 "
            "kolonner. Slet kolonnerne efter den sidste, der er i brug, og upload arbejdsbogen "
            "igen.") in _upload(client, far_right, "b.xlsx")
    assert _stored(db) == 0


def test_column_az_is_read_and_formatted_empty_cells_do_not_count(db, client, staff):
    """Column AZ is the 52nd (26 + 26); a cell that only carries a format holds nothing."""
    row = [None] * 51 + ["note"]
    base = xlsx_bytes({"organisations": [["cvr", "name"] + [None] * 49 + ["x"],
                                         ["10000106", "Byg ApS"] + row[2:]]})
    styled = _rewritten(base, SHEET_PART, [
        zipfile.ZipFile(io.BytesIO(base)).read(SHEET_PART).split(b"<sheetData>")[1]
        .split(b"</sheetData>")[0],
        b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'])
    for content in (base, styled):
        assert _upload(client, content, "a.xlsx").startswith("/import/jobs/")


def test_cells_without_a_position_are_counted_in_order(db):
    """Some programs leave out the r="A1" references: rows and cells then follow each other."""
    base = xlsx_bytes({"participants": [["ref"]]})

    def rows(*values: bytes) -> bytes:
        return b"".join(b'<row><c t="inlineStr"><is><t>%s</t></is></c></row>' % v
                        for v in values)

    with reader.open_bytes(_rewritten(base, SHEET_PART, [rows(b"ref", b"D-1", b"D-2")]),
                           "a.xlsx", max_rows=2) as book:
        assert [s.name for s in book.sheets] == ["participants"]
    with pytest.raises(reader.SourceError, match="flere end 2 rækker"):
        reader.open_bytes(_rewritten(base, SHEET_PART, [rows(b"ref", b"D-1", b"D-2", b"D-3")]),
                          "a.xlsx", max_rows=2)
    wide = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 53 + b"</row>"
    with pytest.raises(reader.SourceError, match="ud over kolonne AZ"):
        reader.open_bytes(_rewritten(base, SHEET_PART, [wide]), "a.xlsx")


def test_an_ods_bomb_of_repeated_cells_is_refused(db, client, staff):
    """OpenDocument repeats a cell or row by a count: a file of a few hundred bytes that
    would unfold into 1,000 × 16,000 cells, and one of 300,000 rows."""
    header = '<table:table-row><table:table-cell office:value-type="string"><text:p>cvr' \
             '</text:p></table:table-cell></table:table-row>'

    def bomb(rows: int, columns: int) -> bytes:
        return ods_bytes(content=ods_content(
            f'<table:table table:name="organisations">{header}'
            f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
            f'office:value-type="string" table:number-columns-repeated="{columns}"><text:p>x'
            "</text:p></table:table-cell></table:table-row></table:table>"))

    assert "Arket organisations har celler ud over kolonne AZ" in \
        _upload(client, bomb(1_000, 16_000), "a.ods")
    assert "Arket organisations har flere end 200.000 rækker" in \
        _upload(client, bomb(300_000, 1), "b.ods")
    assert _stored(db) == 0


# --- Problems past the first thousand -----------------------------------------------------

def test_problems_past_the_first_thousand_are_counted_not_kept(db, client, staff, runner,
                                                                tmp_path):
    """2,234 rows with a bad birth year: 1,000 listed, 1,234 counted."""
    sheets = happy_with()
    sheets["participants"] = [sheets["participants"][0]] + [
        [f"D-{n}", "Navn", "19x0", None, None, None, None, date(2026, 1, 10),
         date(2026, 1, 10)] for n in range(1, 2_235)]
    content = xlsx_bytes(sheets)
    job_url = _upload(client, content, "a.xlsx")
    job = jobs.read(int(job_url.rsplit("/", 1)[1]))
    assert (job.problem_count, len(job.preview["problems"])) == (2_234, 1_000)
    page = client.get(job_url).get_data(as_text=True)
    assert "Kontrollen fandt 2.234 fejl." in page
    assert page.count('<td class="value">19x0</td>') == 1_000
    assert "… og 1.234 flere." in page
    lines = client.get(f"{job_url}/problems.csv").get_data(as_text=True).splitlines()
    assert len(lines) == 1 + 1_000 + 1
    assert lines[-1] == ";;;;… og 1.234 flere."
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    result = runner.invoke(args=["import-workbook", "--dry-run", str(path)])
    assert result.output.count("Skriv et helt tal") == 1_000
    assert result.output.rstrip().endswith("… og 1.234 flere.")


# --- Memory --------------------------------------------------------------------------------

def test_a_check_out_of_memory_fails_with_a_clear_message_and_may_be_discarded(
        db, client, staff, monkeypatch):
    def greedy(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(jobs, "import_workbook", greedy)
    job_url = _upload(client, xlsx_bytes(HAPPY), "a.xlsx")
    page = client.get(job_url).get_data(as_text=True)
    assert ("Arbejdsbogen krævede mere hukommelse, end en kontrol eller import må bruge; intet "
            "blev importeret.") in page
    assert jobs.read(int(job_url.rsplit("/", 1)[1])).state == "failed"
    assert client.post(f"{job_url}/discard").headers["Location"] == "/import/"
    assert _stored(db) == 0


# --- A job whose process died --------------------------------------------------------------

def _in_request_job(db, user, state: str, started: datetime) -> int:
    """A job that a web process started (no RQ job), still saying it runs."""
    job_id = jobs.create(xlsx_bytes(HAPPY), "a.xlsx", XLSX_TYPE, user, "da").id
    db.session.commit()
    jobs.update(job_id, state=state, updated_at=started)
    return job_id


@pytest.mark.parametrize(("state", "seconds", "held", "stopped"), [
    ("checking", 61, False, True), ("importing", 61, False, True),
    ("checking", 59, False, False), ("checking", 3_600, True, False),
])
def test_a_job_whose_web_process_died_is_failed_after_a_minute(
        db, client, staff, clock, state, seconds, held, stopped):
    """Run in a request, a job holds its run lock while its process lives; unheld and quiet
    for more than a minute, it died with its process (killed at gunicorn's timeout)."""
    started = clock.now
    job_id = _in_request_job(db, staff, state, started)
    clock.now = started + timedelta(seconds=seconds)
    with jobs.holding(job_id) if held else nullcontext():
        assert jobs.stopped(jobs.read(job_id)) is stopped
        page = client.get(f"/import/jobs/{job_id}")
        assert ("Refresh" in page.headers) is not stopped
        assert jobs.read(job_id).state == ("failed" if stopped else state)
    if stopped:
        word = "Kontrollen" if state == "checking" else "Importen"
        assert f"{word} stoppede uventet; intet blev importeret." in page.get_data(as_text=True)
        assert client.post(f"/import/jobs/{job_id}/discard").headers["Location"] == "/import/"
        assert jobs.read(job_id) is None and _stored(db) == 0


def test_the_run_lock_is_held_only_while_a_job_runs(db, staff):
    job_id = _in_request_job(db, staff, "checking", utcnow())
    assert jobs.held(job_id) is False
    with jobs.holding(job_id):
        assert jobs.held(job_id) is True
        assert jobs.held(job_id + 1) is False
    assert jobs.held(job_id) is False


def test_a_check_run_in_the_request_holds_its_run_lock(db, client, staff, monkeypatch):
    seen = []
    real = jobs.import_workbook

    def spy(session, workbook, actor, **options):
        job_id = session.scalar(select(func.max(ImportJob.id)))
        seen.append((job_id, jobs.held(job_id)))
        return real(session, workbook, actor, **options)

    monkeypatch.setattr(jobs, "import_workbook", spy)
    job_id = int(_upload(client, xlsx_bytes(HAPPY), "a.xlsx").rsplit("/", 1)[1])
    assert seen == [(job_id, True)]
    assert jobs.held(job_id) is False and jobs.read(job_id).state == "checked"


def _started(rq_id: str, connection, heartbeat: datetime) -> None:
    """What RQ holds while a worker runs the job, its last heartbeat at `heartbeat`."""
    rq_job = Job.fetch(rq_id, connection=connection)
    rq_job.set_status(JobStatus.STARTED)
    rq_job.heartbeat(heartbeat, ttl=3_600)


@pytest.mark.parametrize(("seconds", "stopped"), [(59, False), (61, True)])
def test_a_job_whose_worker_was_killed_mid_job_is_failed_within_a_minute(
        db, client, staff, redis_queue, clock, seconds, stopped):
    """A worker killed with SIGKILL (or its machine gone) leaves its job "started" in RQ with a
    heartbeat that no longer moves; RQ itself would notice only much later."""
    job_url = _upload(client, xlsx_bytes(HAPPY), "a.xlsx")
    job_id = int(job_url.rsplit("/", 1)[1])
    beat = clock.now
    _started(jobs.read(job_id).rq_id, redis_queue.connection, beat)
    clock.now = beat + timedelta(seconds=seconds)
    assert queue.state(jobs.read(job_id).rq_id) == ("abandoned" if stopped else "started")
    page = client.get(job_url)
    assert ("Refresh" in page.headers) is not stopped
    assert jobs.read(job_id).state == ("failed" if stopped else "checking")
    client.post(f"{job_url}/discard")
    assert (jobs.read(job_id) is None) is stopped


def test_the_worker_beats_more_often_than_a_job_is_given_up(app, runner, redis_queue,
                                                            monkeypatch):
    """The worker writes a running job's heartbeat every HEARTBEAT seconds; a job is given up
    after missing more than two."""
    import rq

    made = {}

    class Worker:
        def __init__(self, queues, **options):
            made.update(options)

        def work(self, burst):
            return True

    monkeypatch.setattr(rq, "Worker", Worker)
    assert runner.invoke(args=["worker", "--burst"]).exit_code == 0
    assert made["job_monitoring_interval"] == queue.HEARTBEAT
    assert queue.HEARTBEAT * 2 < queue.SILENT_AFTER <= 60
