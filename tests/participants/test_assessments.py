"""Progress assessments: the form, and the chart and change table on the participant page."""
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tracker.models import ProgressAssessment
from tracker.participants.service import change_since_first

from .conftest import assessment

SCORES = {"work_readiness": "3", "danish_language": "5", "professional_skills": "2",
          "attendance": "6", "well_being": "4", "network": "2", "self_confidence": "3"}


@pytest.fixture()
def person(db, world):
    p = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan")
    db.session.commit()
    return p


def test_register_an_assessment(db, client, world, staff, person):
    form = client.get(f"/participants/{person.id}/assessments/new").get_data(as_text=True)
    assert form.count('type="radio"') == 70  # seven dimensions × 1-10
    assert "Fremmøde og stabilitet" in form
    response = client.post(f"/participants/{person.id}/assessments/new",
                           data={"assessed_on": "2026-02-01", "note": "God start", **SCORES})
    assert response.headers["Location"] == f"/participants/{person.id}#progress"
    saved = db.session.scalar(select(ProgressAssessment))
    assert saved.scores() == {k: int(v) for k, v in SCORES.items()}
    assert (saved.assessed_on, saved.note) == (date(2026, 2, 1), "God start")


def test_blank_dimensions_are_allowed_but_not_all(db, client, world, staff, person):
    body = client.post(f"/participants/{person.id}/assessments/new",
                       data={"assessed_on": "2026-02-01"}).get_data(as_text=True)
    assert "Giv en score på mindst én dimension." in body
    client.post(f"/participants/{person.id}/assessments/new",
                data={"assessed_on": "2026-02-01", "danish_language": "4"})
    saved = db.session.scalar(select(ProgressAssessment))
    assert (saved.danish_language, saved.work_readiness) == (4, None)


@pytest.mark.parametrize("data, message", [
    ({"work_readiness": "11"}, "Ikke et gyldigt valg."),
    ({"note": "Ring på 010190-1234"}, "Det ligner et CPR-nummer."),
    ({"assessed_on": ""}, "Feltet skal udfyldes."),
])
def test_bad_assessment_is_explained(db, client, world, staff, person, data, message):
    body = client.post(f"/participants/{person.id}/assessments/new",
                       data={"assessed_on": "2026-02-01", **SCORES, **data}).get_data(as_text=True)
    assert message in body
    assert db.session.scalar(select(ProgressAssessment)) is None


def test_no_assessment_before_consent(db, client, world, staff):
    person = factories.participant(name="Omar Ali", consent_date=None)
    db.session.commit()
    response = client.post(f"/participants/{person.id}/assessments/new",
                           data={"assessed_on": "2026-02-01", **SCORES}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Registrér samtykket fra Omar Ali, før der registreres progression." in body
    assert db.session.scalar(select(ProgressAssessment)) is None


def test_change_since_first(app, db, world, person):
    assessment(db, person, date(2026, 2, 1), work_readiness=3, network=5)
    assessment(db, person, date(2026, 5, 1), work_readiness=5, danish_language=4)
    assessment(db, person, date(2026, 8, 1), work_readiness=7, network=4)
    changes = {c.dimension: (c.first, c.latest, c.change) for c in change_since_first(person.assessments)}
    assert changes["work_readiness"] == (3, 7, 4)
    assert changes["network"] == (5, 4, -1)
    assert changes["danish_language"] == (4, 4, 0)
    assert changes["attendance"] == (None, None, None)


def test_chart_and_changes_on_the_page(db, client, world, staff, person):
    assessment(db, person, date(2026, 2, 1), work_readiness=3, network=5)
    assessment(db, person, date(2026, 8, 1), work_readiness=7, network=4)
    db.session.commit()
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert 'aria-labelledby="progress-title"' in page
    # Two lines (work readiness, network) and four points.
    assert page.count("<polyline") == 2
    assert page.count("<circle cx=") - 7 == 4  # seven legend markers besides
    assert "Arbejdsparathed: 7 (01.08.2026)" in page
    assert '<td class="num change up">+4</td>' in page
    assert '<td class="num change down">-1</td>' in page


def test_edit_assessment_with_locking(db, client, world, staff, person):
    a = assessment(db, person, date(2026, 2, 1), work_readiness=3)
    db.session.commit()
    saved = client.post(f"/assessments/{a.id}/edit", data={"assessed_on": "2026-02-01",
                                                           "work_readiness": "4", "version": 1})
    assert saved.status_code == 302
    stale = client.post(f"/assessments/{a.id}/edit", data={"assessed_on": "2026-02-01",
                                                           "work_readiness": "9", "version": 1})
    assert "En anden har gemt denne registrering" in stale.get_data(as_text=True)
    db.session.refresh(a)
    assert a.work_readiness == 4
