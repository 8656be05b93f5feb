"""The pages issue 7 measures make at most 15 SQL statements, and the same number whatever
the data size: generated national-style data at two sizes (bench/generate.py)."""
from datetime import date

import pytest
from sqlalchemy import event, select

from bench.generate import BENCH_PASSWORD, Generator, load
from tracker.extensions import db
from tracker.models import ContractorReport, Participant, Project, User

LIMIT = 15


def _pages(largest: Project, participant: Participant, report: ContractorReport) -> dict:
    return {
        "staff dashboard": ("staff", "/?as_of=2026-11-24"),
        "project list, filtered and paged": ("staff", "/projects/?status=active&page=2"),
        # As of the data's own date, as the dashboards: their first view stored the clause
        # figures as of that date. On any other day the page's first view computes and
        # stores them (more statements), so the count would depend on the clock.
        "largest project page": ("staff", f"/projects/{largest.id}?as_of=2026-11-24"),
        "participant list": ("staff", "/participants/?page=2"),
        "participant page": ("staff", f"/participants/{participant.id}"),
        "review queue": ("staff", "/reports/"),
        "report page": ("staff", f"/reports/{report.id}"),
        "municipality dashboard": ("municipality", "/?as_of=2026-11-24"),
        "follow-up work list": ("staff", "/follow-ups/"),
        "placements to close": ("staff", "/placements/to-close/"),
        "contractor portal": ("contractor", "/reports/"),
        "builder dashboard": ("builder", "/?as_of=2026-11-24"),
    }


def _count(client, url, headers=None) -> int:
    statements = []

    def listener(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def _measure(client, scale: float) -> dict:
    generator = Generator(seed=2026, scale=scale, today=date(2026, 11, 24))
    generator.build()
    load(generator)
    db.session.commit()
    largest = db.session.scalar(select(Project).where(
        Project.case_number == generator.largest_project))
    participant = db.session.scalar(select(Participant).order_by(Participant.id))
    report = db.session.scalar(select(ContractorReport).order_by(ContractorReport.id))
    # A note from the secretariat on the contractor's newest report, at every size: the
    # portal then looks up the names the note may hold (tracker.names).
    firm = db.session.scalar(select(User.organisation_id).where(
        User.email == "contractor@bench.dk"))
    newest = db.session.scalar(
        select(ContractorReport).where(ContractorReport.contractor_id == firm)
        .order_by(ContractorReport.submitted_at.desc(), ContractorReport.id.desc()).limit(1))
    newest.review_note = "Timesedler mangler for Amina Hassan."
    db.session.commit()
    counts = {}
    for name, (role, url) in _pages(largest, participant, report).items():
        client.post("/logout")
        client.post("/login", data={"email": f"{role}@bench.dk", "password": BENCH_PASSWORD})
        counts[name] = _count(client, url)
    from tracker.cli import new_token

    token = new_token(db.session.scalar(select(User).where(User.role == "staff")))
    db.session.commit()
    counts["API fulfilment of the largest project"] = _count(
        client, f"/api/v1/projects/{largest.id}/fulfilment?as_of=2026-11-24",
        {"Authorization": f"Bearer {token}"})
    return counts


@pytest.fixture()
def empty_after(app):
    yield
    from tests.conftest import _empty_database

    db.session.remove()
    _empty_database()


def test_query_counts_are_small_and_do_not_grow(app, client, empty_after):
    small = _measure(client, 0.02)
    from tests.conftest import _empty_database

    db.session.remove()
    _empty_database()
    large = _measure(client, 0.05)
    assert {name: n for name, n in small.items() if n > LIMIT} == {}
    assert large == small
