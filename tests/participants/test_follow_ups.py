"""Follow-ups 3, 6 and 12 months after a placement ended: due dates, the work list, registering."""
import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tracker.models import AuditEvent, FollowUp, Placement
from tracker.participants.service import add_months, due_follow_ups_query, follow_up_due

from .conftest import follow_up


@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 3, date(2026, 4, 30)),   # April has 30 days
    (date(2026, 1, 31), 6, date(2026, 7, 31)),
    (date(2026, 1, 31), 12, date(2027, 1, 31)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),  # into February of a common year
    (date(2027, 11, 30), 3, date(2028, 2, 29)),  # ... and of a leap year
    (date(2026, 10, 15), 3, date(2027, 1, 15)),  # across the new year
])
def test_due_dates(start, months, expected):
    assert add_months(start, months) == expected == follow_up_due(start, months)


def test_sql_due_dates_agree(app, db, world):
    person = factories.participant(world.aarhus)
    pl = factories.placement(person, world.kaerhoej, start_date=date(2026, 1, 5),
                             end_date=date(2026, 1, 31), outcome="unemployed")
    follow_up(db, pl, months=6)
    db.session.commit()
    query, months, due = due_follow_ups_query(select(Placement))
    rows = db.session.execute(query.order_by(due)).all()
    # 6 months is registered; 3 and 12 remain.
    assert [(r.months, r.due) for r in rows] == [(3, date(2026, 4, 30)), (12, date(2027, 1, 31))]


@pytest.fixture()
def ended(db, world):
    """Three ended placements; today is the reference for overdue."""
    today = date.today()
    amina = factories.participant(world.aarhus, name="Amina Hassan", ref="D-0001")
    omar = factories.participant(world.aarhus, name="Omar Ali", ref="D-0002")
    # Ended 200 days ago: 3 and 6 months are overdue, 12 months ahead.
    old = factories.placement(amina, world.kaerhoej, ref="F-0001", start_date=today - timedelta(days=300),
                              end_date=today - timedelta(days=200), outcome="unemployed")
    # Ended 100 days ago: 3 months overdue (by 100 − ~91 days).
    newer = factories.placement(omar, world.fjordbyg, ref="F-0002", start_date=today - timedelta(days=150),
                                end_date=today - timedelta(days=100), outcome="ordinary_job")
    # Still running: nothing due.
    factories.placement(omar, world.kaerhoej, ref="F-0003", start_date=today - timedelta(days=10))
    db.session.commit()
    return {"amina": amina, "omar": omar, "old": old, "newer": newer, "today": today}


def _rows(client, query=""):
    raw = client.get(f"/follow-ups/?export=csv{query}").get_data(as_text=True)
    return list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))


def test_work_list_overdue_first_then_by_due_date(db, client, world, staff, ended):
    today, old, newer = ended["today"], ended["old"], ended["newer"]
    rows = _rows(client)
    assert rows[0] == ["Deltager", "Reference", "Forløb", "Forløb afsluttet", "Måneder", "Frist",
                       "Dage over fristen"]
    expected = sorted([
        (old, 3), (old, 6), (old, 12), (newer, 3), (newer, 6), (newer, 12)],
        key=lambda pm: add_months(pm[0].end_date, pm[1]))
    assert [(r[2].split()[0], int(r[4])) for r in rows[1:]] == [(p.ref, m) for p, m in expected]
    first_due = add_months(old.end_date, 3)
    assert rows[1][5] == first_due.isoformat()
    assert int(rows[1][6]) == (today - first_due).days > 0
    # Not yet due: zero days overdue.
    assert rows[-1][6] == "0"


def test_overdue_ones_lead_the_page(db, client, world, staff, ended):
    page = client.get("/follow-ups/").get_data(as_text=True)
    old_3 = add_months(ended["old"].end_date, 3).strftime("%d.%m.%Y")
    newer_12 = add_months(ended["newer"].end_date, 12).strftime("%d.%m.%Y")
    assert page.index(old_3) < page.index(newer_12)
    assert "Registrér" in page


def test_registered_follow_ups_leave_the_list(db, client, world, staff, ended):
    follow_up(db, ended["old"], months=3, on=ended["today"])
    db.session.commit()
    refs = [(r[2].split()[0], r[4]) for r in _rows(client)[1:]]
    assert ("F-0001", "3") not in refs and ("F-0001", "6") in refs
    assert len(refs) == 5


def test_filters_overdue_and_soon(db, client, world, staff, ended):
    today = ended["today"]
    overdue = _rows(client, "&state=overdue")[1:]
    assert all(date.fromisoformat(r[5]) < today for r in overdue)
    assert sorted((r[2].split()[0], r[4]) for r in overdue) == sorted(
        (p.ref, str(m)) for p, m in [(ended["old"], 3), (ended["old"], 6), (ended["newer"], 3)]
        if add_months(p.end_date, m) < today)
    soon = _rows(client, "&state=soon")[1:]
    assert all(today <= date.fromisoformat(r[5]) <= today + timedelta(days=30) for r in soon)


def test_export_is_logged_per_participant(db, client, world, staff, ended):
    xlsx = client.get("/follow-ups/?export=xlsx")
    assert xlsx.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert len(list(sheet.iter_rows(min_row=2))) == 6
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert sorted(e.participant_id for e in exports) == sorted([ended["amina"].id, ended["omar"].id])
    assert {e.purpose for e in exports} == {"follow_up"}


def test_register_a_follow_up(db, client, world, staff, ended):
    pl = ended["old"]
    form = client.get(f"/placements/{pl.id}/follow-ups/new?months=6").get_data(as_text=True)
    assert '<option selected value="6">' in form
    response = client.post(f"/placements/{pl.id}/follow-ups/new?next=/follow-ups/",
                           data={"months": "6", "status": "employed",
                                 "follow_up_date": ended["today"].isoformat(), "note": "Fast job"})
    assert response.headers["Location"] == "/follow-ups/"
    saved = db.session.scalar(select(FollowUp))
    assert (saved.placement_id, saved.months, saved.status, saved.note) == (pl.id, 6, "employed", "Fast job")


@pytest.mark.parametrize("data, message", [
    ({"status": ""}, "Vælg, hvor deltageren står."),
    ({"note": "CPR 0101901234"}, "Det ligner et CPR-nummer."),
    ({"follow_up_date": "2000-01-01"}, "Opfølgningen kan ikke ligge før forløbets afslutning"),
    ({"months": "4"}, "Ikke et gyldigt valg."),
])
def test_bad_follow_up_is_explained(db, client, world, staff, ended, data, message):
    pl = ended["old"]
    body = client.post(f"/placements/{pl.id}/follow-ups/new", data={
        "months": "3", "status": "employed", "follow_up_date": ended["today"].isoformat(), **data}
    ).get_data(as_text=True)
    assert message in body
    assert db.session.scalar(select(FollowUp)) is None


def test_one_follow_up_per_placement_and_months(db, client, world, staff, ended):
    pl = ended["old"]
    follow_up(db, pl, months=3, on=ended["today"])
    db.session.commit()
    body = client.post(f"/placements/{pl.id}/follow-ups/new", data={
        "months": "3", "status": "unknown", "follow_up_date": ended["today"].isoformat()}
    ).get_data(as_text=True)
    assert "Opfølgningen 3 måneder efter dette forløb er allerede registreret." in body
    assert len(db.session.scalars(select(FollowUp)).all()) == 1


def test_no_follow_up_of_a_running_placement(db, client, world, staff, ended):
    running = db.session.scalar(select(Placement).where(Placement.ref == "F-0003"))
    response = client.get(f"/placements/{running.id}/follow-ups/new", follow_redirects=True)
    assert "En opfølgning registreres, når forløbet er afsluttet." in response.get_data(as_text=True)


def test_edit_follow_up(db, client, world, staff, ended):
    f = follow_up(db, ended["old"], months=3, status="unknown", on=ended["today"])
    db.session.commit()
    assert client.post(f"/follow-ups/{f.id}/edit", data={
        "months": "3", "status": "employed", "follow_up_date": ended["today"].isoformat(),
        "version": 1}).status_code == 302
    db.session.refresh(f)
    assert (f.status, f.version) == ("employed", 2)


def test_pagination_of_the_work_list(db, client, world, staff):
    person = factories.participant(world.aarhus)
    for n in range(10):  # 10 ended placements × 3 follow-ups = 30 rows
        factories.placement(person, world.kaerhoej, ref=f"F-{n:04d}", start_date=date(2025, 1, 1),
                            end_date=date(2025, 2, 1) + timedelta(days=n), outcome="unemployed")
    db.session.commit()
    first = client.get("/follow-ups/").get_data(as_text=True)
    second = client.get("/follow-ups/?page=2").get_data(as_text=True)
    assert "30 rækker" in first and "Side 2 af 2" in second
    assert second.count('class="row-actions"') == 5


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_work_list_is_for_the_secretariat(db, client, login, world, role):
    org = {"contractor": world.kaerhoej, "builder": world.builder, "municipality": world.aarhus}[role]
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    assert client.get("/follow-ups/").status_code == 404


def test_pending_follow_ups_are_kept_in_step_with_their_placement(db):
    from sqlalchemy import select

    from tests import factories as f
    from tracker.models import FollowUp, PendingFollowUp

    def pending():
        db.session.expire_all()
        return sorted(db.session.execute(
            select(PendingFollowUp.placement_id, PendingFollowUp.months,
                   PendingFollowUp.due_date)).tuples())

    firm = f.organisation("contractor")
    job = f.placement(f.participant(), firm, kind="ordinary_job", start_date=date(2026, 3, 1))
    db.session.commit()
    assert pending() == []  # running: no pathway has ended

    job.end_date, job.outcome = date(2026, 8, 31), "unemployed"
    db.session.commit()
    # Due 3, 6 and 12 months after 31 August, each clamped to its month's last day.
    assert pending() == [(job.id, 3, date(2026, 11, 30)), (job.id, 6, date(2027, 2, 28)),
                         (job.id, 12, date(2027, 8, 31))]

    db.session.add(FollowUp(placement=job, months=3, status="unemployed",
                            follow_up_date=date(2026, 12, 1)))
    db.session.commit()
    assert [row[1] for row in pending()] == [6, 12]

    job.outcome = "next_placement"  # it led on after all: no follow-ups are due
    db.session.commit()
    assert pending() == []


def test_dashboard_counts_due_follow_ups_by_hand(db, client, login):
    from tests import factories as f

    staff = f.user("staff")
    firm = f.organisation()
    ends = [date(2026, 8, 31),   # 3 months: due 30.11. → 1
            date(2026, 9, 1),    # 3 months: due 1.12. → 0
            date(2026, 5, 31),   # 3 months due 31.8., 6 months due 30.11. → 2
            date(2025, 11, 30)]  # 3, 6 and 12 months (30.11.2026) all due → 3
    for end in ends:
        f.placement(f.participant(), firm, start_date=date(2025, 1, 1), end_date=end,
                    outcome="unemployed")
    # Ended as long ago but ending no pathway: led on, or no outcome recorded → 0.
    f.placement(f.participant(), firm, start_date=date(2025, 1, 1), end_date=date(2025, 11, 30),
                outcome="next_placement")
    f.placement(f.participant(), firm, start_date=date(2025, 1, 1), end_date=date(2025, 11, 30))
    db.session.commit()
    login(staff)
    body = client.get("/?as_of=2026-11-30").get_data(as_text=True)
    assert '<span class="figure">6</span> opfølgninger forfaldne' in body


# --- only after the placement that ends a pathway ----------------------------------------------

@pytest.fixture()
def chain(db, world):
    """Amina: internship → wage subsidy → ordinary job, the job ended 30.6.2026 with the
    outcome ordinary job (she moved on to a job elsewhere). Omar: an internship that ended
    31.3.2026 (its planned end) with no outcome recorded."""
    amina = factories.participant(world.aarhus, name="Amina Hassan", ref="D-0001")
    omar = factories.participant(world.aarhus, name="Omar Ali", ref="D-0002")
    internship = factories.placement(amina, world.kaerhoej, ref="F-0001",
                                     start_date=date(2025, 9, 1), end_date=date(2025, 10, 31),
                                     outcome="next_placement")
    subsidy = factories.placement(amina, world.kaerhoej, ref="F-0002", kind="wage_subsidy",
                                  start_date=date(2025, 11, 3), end_date=date(2026, 4, 30),
                                  outcome="next_placement")
    job = factories.placement(amina, world.kaerhoej, ref="F-0003", kind="ordinary_job",
                              start_date=date(2026, 5, 4), end_date=date(2026, 6, 30),
                              outcome="ordinary_job")
    internship.next_placement_id, subsidy.next_placement_id = subsidy.id, job.id
    unclosed = factories.placement(omar, world.fjordbyg, ref="F-0004",
                                   start_date=date(2026, 3, 2), planned_end=date(2026, 3, 31),
                                   end_date=date(2026, 3, 31))
    db.session.commit()
    return {"amina": amina, "internship": internship, "subsidy": subsidy, "job": job,
            "unclosed": unclosed}


def test_only_the_placement_that_ends_the_pathway_has_follow_ups(db, client, staff, chain):
    rows = _rows(client)[1:]
    # 30.6.2026 + 3, 6 and 12 months; nothing for F-0001 and F-0002, which led on, nor for
    # F-0004, whose outcome is missing.
    assert [(r[2].split()[0], r[4], r[5]) for r in rows] == [
        ("F-0003", "3", "2026-09-30"), ("F-0003", "6", "2026-12-30"),
        ("F-0003", "12", "2027-06-30")]


def test_the_participant_page_lists_only_the_pathway_end_as_due(db, client, staff, chain):
    page = client.get(f"/participants/{chain['amina'].id}").get_data(as_text=True)
    due = page.split("<h3>Endnu ikke registreret</h3>", 1)[1].split("</table>", 1)[0]
    assert due.count("<tr") == 1 + 3  # the header and the job's three follow-ups
    assert "F-0003" in due and "F-0001" not in due and "F-0002" not in due


@pytest.mark.parametrize("key, links", [("internship", 0), ("subsidy", 0), ("job", 3)])
def test_the_placement_page_offers_follow_ups_only_at_the_end(db, client, staff, chain,
                                                              key, links):
    page = client.get(f"/placements/{chain[key].id}").get_data(as_text=True)
    assert page.count("Registrér opfølgning") == links


def test_no_follow_up_is_registered_after_a_placement_that_led_on(db, client, staff, chain):
    url = f"/placements/{chain['subsidy'].id}/follow-ups/new"
    page = client.post(url, data={"months": "3", "status": "employed",
                                  "follow_up_date": "2026-08-01"}, follow_redirects=True)
    assert "Opfølgninger registreres efter det forløb, der afslutter forløbskæden" in \
        page.get_data(as_text=True)
    assert db.session.scalar(select(FollowUp)) is None


def test_a_follow_up_recorded_on_a_placement_that_led_on_still_shows(db, client, staff, chain):
    """Kept from before the rule: shown and editable on the placement's page, never due."""
    kept = follow_up(db, chain["internship"], months=3, status="employed", on=date(2026, 2, 1),
                     note="I løntilskud")
    db.session.commit()
    page = client.get(f"/placements/{chain['internship'].id}").get_data(as_text=True)
    assert "I løntilskud" in page and f"/follow-ups/{kept.id}/edit" in page
    assert "Registrér opfølgning" not in page
