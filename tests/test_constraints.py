"""The database refuses bad data by itself (constraints), whatever the form does."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from tests import factories
from tracker.models import Organisation, Placement, User


@pytest.fixture()
def refused(db):
    def _refused(make):
        with pytest.raises(IntegrityError):
            make()
            db.session.flush()
        db.session.rollback()

    return _refused


def test_duplicate_cvr(db, refused):
    factories.organisation("builder", cvr="55133018")
    db.session.commit()
    refused(lambda: db.session.add(Organisation(name="Dublet", kind="builder", cvr="55133018")))


def test_cvr_must_have_eight_digits(db, refused):
    refused(lambda: db.session.add(Organisation(name="Kort", kind="builder", cvr="1234567")))


def test_unknown_organisation_kind(db, refused):
    refused(lambda: db.session.add(Organisation(name="X", kind="bank", cvr="55133018")))


def test_project_end_before_start(db, refused):
    refused(lambda: factories.project(start_date=date(2026, 5, 1), end_date=date(2026, 4, 30)))


@pytest.mark.parametrize("hours", ["0", "80", "-1"])
def test_placement_hours_out_of_range(db, refused, hours):
    person = factories.participant()
    firm = factories.organisation("contractor")
    db.session.commit()
    refused(lambda: db.session.add(Placement(
        ref="F-x", participant=person, employer=firm, kind="internship",
        start_date=date(2026, 1, 1), hours_per_week=Decimal(hours))))


def test_placement_end_before_start(db, refused):
    person = factories.participant()
    firm = factories.organisation("contractor")
    db.session.commit()
    refused(lambda: factories.placement(person, firm, start_date=date(2026, 3, 1),
                                        end_date=date(2026, 2, 1)))


def test_unknown_role(db, refused):
    refused(lambda: db.session.add(User(email="x@example.dk", name="X", role="superuser",
                                        password_hash="x")))


def test_external_role_needs_an_organisation(db, refused):
    refused(lambda: db.session.add(User(email="x@example.dk", name="X", role="builder",
                                        password_hash="x")))


def test_returned_report_needs_a_reason(db, refused):
    firm = factories.organisation("contractor")
    clause = factories.clause(factories.agreement(factories.project(contractors=[firm])))
    db.session.commit()
    refused(lambda: factories.report(clause, firm, status="returned"))


def test_site_hours_cover_local_hours(db, refused):
    firm = factories.organisation("contractor")
    clause = factories.clause(factories.agreement(factories.project(contractors=[firm])))
    db.session.commit()
    refused(lambda: factories.report(clause, firm, hours=Decimal(500), site_hours=Decimal(400)))


def test_duplicate_case_number(db, refused):
    factories.project(case_number="2026-001")
    db.session.commit()
    refused(lambda: factories.project(case_number="2026-001"))
