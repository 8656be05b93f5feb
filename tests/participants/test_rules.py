"""The legal maxima of placements (PlacementRule), checked by a plain function."""
from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import select

from tests import factories
from tracker.models import PlacementRule
from tracker.participants.service import check_placement, duration_weeks

from .conftest import benefit


def test_weeks_count_both_ends():
    # 5 January to 15 February 2026: 27 + 15 = 42 days = 6 weeks.
    assert duration_weeks(date(2026, 1, 5), date(2026, 2, 15)) == 6
    assert duration_weeks(date(2026, 1, 5), date(2026, 1, 5)) * 7 == 1


def test_internship_over_four_weeks_for_dagpenge(app, db):
    dagpenge = benefit(db, "dagpenge")
    (warning,) = check_placement("internship", date(2026, 1, 5), date(2026, 2, 15), None,
                                 Decimal(30), dagpenge.id, None)
    assert (warning.limit, warning.basis, warning.allowed, warning.value, warning.excess) == (
        "weeks", "planned", Decimal(4), Decimal("6.0"), Decimal("2.0"))
    assert warning.message == ("Virksomhedspraktik: højst 4 uger for modtagere af dagpenge — "
                               "planlagt 6,0 uger (2,0 uger over grænsen)")


def test_four_weeks_exactly_is_within_the_rule(app, db):
    # 5 January to 1 February 2026 = 28 days = 4 weeks: not over.
    assert check_placement("internship", date(2026, 1, 5), date(2026, 2, 1), None, Decimal(30),
                           benefit(db, "dagpenge").id, None) == []


def test_actual_end_counts_once_ended(app, db):
    # Planned 4 weeks, but it ran 5 January to 8 February = 35 days = 5 weeks.
    (warning,) = check_placement("internship", date(2026, 1, 5), date(2026, 2, 1), date(2026, 2, 8),
                                 Decimal(30), benefit(db, "dagpenge").id, None)
    assert (warning.basis, warning.value, warning.excess) == ("actual", Decimal("5.0"), Decimal("1.0"))
    assert "faktisk 5,0 uger" in warning.message


def test_readiness_selects_the_rule(app, db):
    kontanthjaelp = benefit(db, "kontanthjaelp").id
    # 10 weeks (70 days: 5 January to 15 March 2026) is over 4 for job-ready, within 13 for
    # activity-ready, and no benefit-specific rule applies when readiness is unknown.
    args = ("internship", date(2026, 1, 5), date(2026, 3, 15), None, Decimal(37), kontanthjaelp)
    (job_ready,) = check_placement(*args, "job_ready")
    assert (job_ready.allowed, job_ready.value, job_ready.excess) == (4, Decimal("10.0"), Decimal("6.0"))
    assert check_placement(*args, "activity_ready") == []
    assert check_placement(*args, None) == []


def test_hours_rule_applies_to_everyone(app, db):
    (warning,) = check_placement("internship", date(2026, 1, 5), None, None, Decimal(40), None, None)
    assert (warning.limit, warning.value, warning.excess) == ("hours", Decimal("40.0"), Decimal("3.0"))
    assert warning.message == ("Virksomhedspraktik: højst 37 timer om ugen — 40,0 timer om ugen "
                               "(3,0 timer over grænsen)")


def test_both_limits_of_one_rule(app, db):
    # Wage subsidy: 26 weeks and 37 hours. 5 January to 26 July 2026 = 203 days = 29 weeks.
    warnings = check_placement("wage_subsidy", date(2026, 1, 5), date(2026, 7, 26), None,
                               Decimal("38.5"), None, None)
    assert [(w.limit, w.value, w.excess) for w in warnings] == [
        ("weeks", Decimal("29.0"), Decimal("3.0")), ("hours", Decimal("38.5"), Decimal("1.5"))]


def test_rules_are_dated(app, db):
    db.session.add(PlacementRule(placement_kind="ordinary_job", max_hours_per_week=Decimal(30),
                                 valid_from=date(2026, 3, 1), valid_to=date(2026, 6, 30),
                                 description=""))
    db.session.flush()
    assert check_placement("ordinary_job", date(2026, 2, 28), None, None, Decimal(37), None, None) == []
    (warning,) = check_placement("ordinary_job", date(2026, 3, 1), None, None, Decimal(37), None, None)
    assert warning.message == ("Ordinært job: højst 30 timer om ugen — 37,0 timer om ugen "
                               "(7,0 timer over grænsen)")
    assert check_placement("ordinary_job", date(2026, 7, 1), None, None, Decimal(37), None, None) == []


def test_other_kinds_and_benefits_are_untouched(app, db):
    assert check_placement("apprenticeship", date(2026, 1, 5), date(2027, 1, 5), None, Decimal(37),
                           benefit(db, "dagpenge").id, None) == []
    assert check_placement("internship", date(2026, 1, 5), date(2026, 2, 15), None, Decimal(30),
                           benefit(db, "sygedagpenge").id, None) == []


# --- The warning in the user's language ---------------------------------------------------

def test_the_warning_is_english_in_the_english_interface(app, db):
    dagpenge = benefit(db, "dagpenge").id
    # 5 January to 15 February 2026 = 42 days = 6 weeks, 2 over the 4 of the rule.
    args = ("internship", date(2026, 1, 5), date(2026, 2, 15), None, Decimal(30), dagpenge, None)
    with app.test_request_context():
        (danish,) = check_placement(*args)
        assert danish.message == ("Virksomhedspraktik: højst 4 uger for modtagere af dagpenge — "
                                  "planlagt 6,0 uger (2,0 uger over grænsen)")
        with force_locale("en"):
            (english,) = check_placement(*args)
            assert english.message == (
                "Internship: at most 4 weeks for recipients of unemployment insurance benefit "
                "— planned 6.0 weeks (2.0 weeks over the limit)")


def test_a_rule_for_a_readiness_is_worded_in_both_languages(app, db):
    kontanthjaelp = benefit(db, "kontanthjaelp").id
    # 5 January to 15 March 2026 = 70 days = 10 weeks, 6 over the 4 for job-ready people.
    args = ("internship", date(2026, 1, 5), date(2026, 3, 15), None, Decimal(30), kontanthjaelp,
            "job_ready")
    rule = db.session.scalar(select(PlacementRule).where(
        PlacementRule.benefit_group_id == kontanthjaelp, PlacementRule.readiness == "job_ready"))
    rule.description = ""  # no Danish text of the administrator's: made from the fields
    db.session.flush()
    with app.test_request_context():
        (danish,) = check_placement(*args)
        assert danish.message == (
            "Virksomhedspraktik: højst 4 uger for jobparate modtagere af kontanthjælp — "
            "planlagt 10,0 uger (6,0 uger over grænsen)")
        with force_locale("en"):
            (english,) = check_placement(*args)
            assert english.message == (
                "Internship: at most 4 weeks for job-ready recipients of social assistance — "
                "planned 10.0 weeks (6.0 weeks over the limit)")


def test_the_placement_page_warns_in_english(db, client, world, login):
    person = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan",
                                   benefit_group=world.dagpenge, housing_area=world.gellerup)
    # 5 January to 15 February 2026: 6 weeks of internship for dagpenge, 2 over 4.
    pl = factories.placement(person, world.kaerhoej, ref="F-0001", start_date=date(2026, 1, 5),
                             planned_end=date(2026, 2, 15), hours_per_week=30)
    english = factories.user("staff", locale="en")
    db.session.commit()
    login(english)
    page = client.get(f"/placements/{pl.id}").get_data(as_text=True)
    assert ("Internship: at most 4 weeks for recipients of unemployment insurance benefit — "
            "planned 6.0 weeks (2.0 weeks over the limit)") in page
    assert "Virksomhedspraktik" not in page and "højst" not in page
