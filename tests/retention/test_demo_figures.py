"""On the demo data: every participant anonymised at once, and every document's figures,
the municipality summaries and the API's figures are what they were."""
from datetime import UTC, date, datetime

from sqlalchemy import select

from tracker.counting import municipality_summary
from tracker.documents import render
from tracker.documents.kinds import build
from tracker.documents.requests import DocumentRequest
from tracker.models import Organisation, Participant, Project
from tracker.retention import service as retention

ISSUED = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def _figures(db) -> list:
    today = date.today()
    start = date(today.year, 1, 1)
    projects = db.session.scalars(select(Project).order_by(Project.id)).all()
    municipalities = db.session.scalars(select(Organisation).where(
        Organisation.kind == "municipality").order_by(Organisation.id)).all()
    requests = [DocumentRequest("clause-status", as_of=today, project=p) for p in projects]
    requests += [DocumentRequest("training", as_of=today, project=p, year=today.year)
                 for p in projects if p.start_date <= today]
    requests += [DocumentRequest("municipality", as_of=today, municipality=m,
                                 date_from=date(today.year - 1, 1, 1), date_to=today)
                 for m in municipalities]
    requests += [DocumentRequest("annual", as_of=today, year=year)
                 for year in (today.year - 1, today.year)]
    shown = []
    for req in requests:
        built = build(req)
        shown.append(render.render_html(req.kind, built, req, "D-0000-000001", ISSUED, None))
        shown.append([sheet.rows for sheet in built.sheets])
    shown += [municipality_summary(m.id, start, today) for m in municipalities]
    return shown


def test_anonymising_everyone_changes_no_figure(db, runner, client, login):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = _figures(db)
    everyone = db.session.scalars(select(Participant.id)).all()
    assert len(everyone) >= 40
    outcome = retention.anonymise(everyone, retention.ANONYMISE, "retention")
    db.session.commit()
    assert outcome.participants == len(everyone)
    assert db.session.scalar(select(Participant.id).where(
        Participant.anonymised_at.is_(None))) is None
    assert _figures(db) == before
