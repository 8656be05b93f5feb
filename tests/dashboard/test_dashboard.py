"""Dashboards: statuses as of a chosen date, scope per role, charts, fixed query count."""
import re
from datetime import date

import pytest
from sqlalchemy import event, select

from tests import factories
from tracker.dashboard.service import running_placements_by_month
from tracker.models import FollowUp, Placement


@pytest.fixture()
def world(db):
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    builder = factories.organisation("builder", name="Brabrand Boligforening")
    other_builder = factories.organisation("builder", name="Civica")
    aarhus = factories.organisation("municipality", name="Aarhus Kommune")
    area = factories.housing_area(aarhus, name="Gellerup")
    project = factories.project(builder=builder, area=area, contractors=[firm],
                                case_number="BB-2207", start_date=date(2026, 1, 1),
                                end_date=date(2026, 12, 31))
    other = factories.project(builder=other_builder, contractors=[firm], case_number="CIV-1187",
                              start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    agreement = factories.agreement(project)
    # Target 1 person: met once one placement counts.
    met = factories.clause(agreement, unit="persons", target="1", ref="K-MET")
    # Target 1000 hours: far behind → at risk.
    behind = factories.clause(agreement, unit="hours", target="1000", ref="K-RISK")
    # Starts later: not started on 2026-06-30.
    factories.clause(agreement, unit="persons", target="1", ref="K-LATER",
                     start_date=date(2026, 9, 1))
    factories.clause(factories.agreement(other), unit="persons", target="1", ref="K-OTHER")
    person = factories.participant(aarhus, name="Amina Hassan")
    # Ends the pathway (an outcome other than next placement): its follow-ups fall due.
    factories.placement(person, firm, project=project, start_date=date(2026, 3, 1),
                        end_date=date(2026, 3, 31), hours_per_week=37, outcome="unemployed")
    users = {"staff": factories.user("staff"), "builder": factories.user("builder", org=builder),
             "municipality": factories.user("municipality", org=aarhus)}
    db.session.commit()
    return users | {"met": met, "behind": behind}


def _tiles(body: str) -> str:
    return body.split('class="tiles status-tiles"', 1)[1].split("</ul>", 1)[0]


def test_status_counts_as_of_a_date(client, login, world):
    login(world["staff"])
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    tiles = _tiles(body)
    # K-MET is met; K-OTHER has no placement and K-RISK is behind → at risk 2
    # (K-RISK: 31 days × 37 / 7 = 163.9 h of 1000), not started 1 (K-LATER).
    assert '<span class="figure">1</span> Opfyldt' in tiles
    assert '<span class="figure">2</span> Bagud' in tiles
    assert '<span class="figure">1</span> Ikke startet' in tiles
    assert "Tal opgjort pr. 30. juni 2026." in body
    assert "163,9" in body          # the registered hours, Danish format


def test_before_the_clauses_start_everything_is_not_started(client, login, world):
    login(world["staff"])
    tiles = _tiles(client.get("/?as_of=2025-12-31").get_data(as_text=True))
    assert '<span class="figure">4</span> Ikke startet' in tiles


def test_unreadable_as_of_is_refused_with_a_message(client, login, world):
    # Not quietly today's figures under a date the user did not ask for (issue #23).
    login(world["staff"])
    response = client.get("/?as_of=30-06-2026")
    assert response.status_code == 400
    assert "Datoen for tallene skal skrives som ÅÅÅÅ-MM-DD" in response.get_data(as_text=True)


def test_builder_sees_only_its_projects_clauses(client, login, world):
    login(world["builder"])
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert "K-MET" in body and "K-OTHER" not in body and "CIV-1187" not in body


def test_municipality_sees_its_residents_figures(client, login, world):
    login(world["municipality"])
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert "Borgere i Aarhus Kommune" in body
    assert "<svg" in body


def test_placements_by_month_by_hand(app, world):
    data = running_placements_by_month(select(Placement), date(2026, 6, 30), months=6)
    assert data["months"][0] == date(2026, 1, 1) and data["months"][-1] == date(2026, 6, 1)
    # The one internship ran 1.–31. March only.
    assert data["series"]["internship"] == [0, 0, 1, 0, 0, 0]
    assert data["series"]["ordinary_job"] == [0] * 6


def test_placements_by_month_edges_by_hand(db):
    """Each edge of the effective-end rule, months Jan–Apr 2026 as of 15.4.2026."""
    firm = factories.organisation("contractor")
    person = factories.participant()
    for start, end, planned in (
            (date(2026, 1, 31), date(2026, 2, 1), None),     # ends on 1.2.: Jan and Feb
            (date(2026, 1, 10), date(2026, 1, 31), None),    # ends 31.1.: Jan only
            (date(2025, 6, 1), None, date(2026, 2, 28)),     # planned end passed: Jan, Feb
            (date(2025, 6, 1), None, date(2026, 12, 31)),    # planned later: all four
            (date(2026, 3, 1), None, None),                  # no end at all: Mar, Apr
            (date(2026, 4, 15), None, date(2026, 4, 15)),    # starts on the as-of date: Apr
            (date(2026, 4, 16), None, None),                 # after the as-of date: none
            (date(2025, 1, 1), date(2025, 12, 31), None)):   # ended before: none
        factories.placement(person, firm, kind="wage_subsidy", start_date=start,
                            end_date=end, planned_end=planned)
    factories.placement(person, firm, kind="apprenticeship", start_date=date(2026, 2, 15),
                        planned_end=date(2026, 3, 1))           # Feb and Mar
    db.session.commit()
    data = running_placements_by_month(select(Placement), date(2026, 4, 15), months=4)
    assert data["months"] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1),
                              date(2026, 4, 1)]
    assert data["series"]["wage_subsidy"] == [4, 3, 2, 3]
    assert data["series"]["apprenticeship"] == [0, 1, 1, 0]
    assert data["series"]["internship"] == [0, 0, 0, 0]


def test_query_count_does_not_grow_with_placements(db, client, login, world):
    login(world["staff"])

    def count():
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/?as_of=2026-06-30").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = count()
    firm = db.session.scalar(select(Placement)).employer
    project = db.session.scalar(select(Placement)).project
    for n in range(15):
        person = factories.participant(name=f"Deltager {n}")
        factories.placement(person, firm, project=project, start_date=date(2026, 2, 1))
    db.session.commit()
    assert count() == before


def test_work_lists_by_hand(client, login, world):
    login(world["staff"])
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    work = body.split("<h2>Arbejdslister</h2>", 1)[1].split("</ul>", 1)[0]
    # Quarterly clauses from 1.1.2026 (K-MET, K-RISK on BB-2207, K-OTHER on CIV-1187; K-LATER
    # starts 1.9.): each owes Q1 (ended 31.3., deadline 30.4. → overdue on 30.6.); Q2 has
    # not ended before 30.6. So 3 missing, all 3 past the deadline.
    assert '<span class="figure">3</span> indberetninger mangler, 3 over fristen' in work
    # The internship ended 31.3.: its 3-month follow-up fell due on 30.6.
    assert '<span class="figure">1</span> opfølgninger forfaldne' in work
    assert '<span class="figure">0</span> indberetninger afventer godkendelse' in work
    assert '<span class="figure">0</span> åbne evalueringshandlinger' in work


def test_builder_has_no_work_lists(client, login, world):
    login(world["builder"])
    assert "Arbejdslister" not in client.get("/?as_of=2026-06-30").get_data(as_text=True)


def test_many_clauses_list_the_lowest_fulfilment_first(db, client, login):
    """27 clauses at risk: the dashboard lists the 25 with the lowest fulfilment."""
    firm = factories.organisation("contractor")
    project = factories.project(contractors=[firm])  # 2026-01-01 .. 2026-12-31
    agreement = factories.agreement(project)
    for target in range(3, 30):  # one person counts: fulfilment 100/target %, 33 % .. 3 %
        factories.clause(agreement, kind="any", unit="persons", target=str(target),
                         ref=f"K-T{target:02d}")
    factories.placement(factories.participant(), firm, project=project,
                        start_date=date(2026, 2, 1))
    staff = factories.user("staff")
    db.session.commit()
    login(staff)
    # As of 1 July 182 of 365 days have passed (49.9 %): every clause is at risk.
    body = client.get("/?as_of=2026-07-01").get_data(as_text=True)
    assert '<span class="figure">27</span> Bagud' in body
    assert "De 25 med lavest opfyldelse af 27 klausuler, der er bagud." in body
    at_risk = body.split("<h3>Klausuler, der er bagud</h3>", 1)[1].split("</table>", 1)[0]
    assert "K-T05" in at_risk and "K-T29" in at_risk
    assert "K-T03" not in at_risk and "K-T04" not in at_risk  # the two highest (33 %, 25 %)
    assert "27 klausuler i alt" in body and "<h3>Alle klausuler</h3>" not in body


def test_the_listed_clauses_follow_a_change_at_once(db, client, login, world):
    """A new case number and clause reference show on the next view."""
    login(world["staff"])
    first = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert ">BB-2207</a>" in first and first.count("<td>K-RISK</td>") == 2  # at risk, all
    world["behind"].ref = "K-BAGUD"
    world["behind"].agreement.project.case_number = "BB-2208"
    db.session.commit()
    changed = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert "<td>K-BAGUD</td>" in changed and "K-RISK" not in changed
    assert ">BB-2208</a>" in changed and "BB-2207" not in changed


def _work_count(html: str, words: str) -> int:
    match = re.search(r'<span class="figure">([\d.]+)</span> ' + re.escape(words), html)
    assert match, words
    return int(match.group(1).replace(".", ""))


def test_the_follow_ups_due_are_counted_again_after_one_is_registered(db, client, login):
    staff = factories.user("staff")
    person, employer = factories.participant(), factories.organisation()
    # Ended 31.01.2026 and 28.02.2026, no project, each ending a pathway: follow-ups after 3
    # months are due on 30.04.2026 and 31.05.2026, after 6 months on 31.07 and 31.08 — by
    # 30.06.2026: two.
    first = factories.placement(person, employer, start_date=date(2026, 1, 5),
                                end_date=date(2026, 1, 31), outcome="dropped_out")
    factories.placement(person, employer, start_date=date(2026, 2, 2),
                        end_date=date(2026, 2, 28), outcome="unemployed")
    db.session.commit()
    login(staff)
    page = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert _work_count(page, "opfølgninger forfaldne") == 2
    db.session.add(FollowUp(placement=first, months=3, status="employed",
                            follow_up_date=date(2026, 5, 2)))
    db.session.commit()
    page = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert _work_count(page, "opfølgninger forfaldne") == 1


def _chain_world(town, copies: int):
    """`copies` residents of each pathway: Ada internship → wage subsidy → ordinary job;
    Bo an internship ended unemployed; Cai a wage subsidy; Dan an apprenticeship."""
    firm = factories.organisation("contractor")
    for n in range(copies):
        ada, bo, cai, dan = (factories.participant(town, name=f"{name} {n}")
                             for name in ("Ada", "Bo", "Cai", "Dan"))
        job = factories.placement(ada, firm, kind="ordinary_job", start_date=date(2026, 6, 1))
        subsidy = factories.placement(ada, firm, kind="wage_subsidy",
                                      start_date=date(2026, 3, 1), end_date=date(2026, 5, 31),
                                      outcome="next_placement", next_placement=job)
        factories.placement(ada, firm, kind="internship", start_date=date(2026, 2, 1),
                            end_date=date(2026, 2, 28), outcome="next_placement",
                            next_placement=subsidy)
        factories.placement(bo, firm, kind="internship", start_date=date(2026, 3, 1),
                            end_date=date(2026, 3, 28), outcome="unemployed")
        factories.placement(cai, firm, kind="wage_subsidy", start_date=date(2026, 4, 1))
        factories.placement(dan, firm, kind="apprenticeship", start_date=date(2026, 5, 1))


def _flow_figures(body: str) -> list[str]:
    flow = body.split("<title>Forløbskæder i år</title>", 1)[1].split("</svg>", 1)[0]
    return [part.split("</text>", 1)[0].rsplit(">", 1)[1]
            for part in flow.split('font-weight="bold"')[1:]]


def test_the_municipality_dashboard_draws_the_chain_not_counts_by_kind(client, login, db):
    """Five residents of each pathway. Placements by kind and the moves would read
    10 → 10 → 10 here (internships of Ada and Bo, wage subsidies of Ada and Cai, jobs of Ada
    and apprenticeships of Dan); the chain of the same residents, as the municipality report
    counts it, is 10 → 5 → 5."""
    town = factories.organisation("municipality", name="Holstebro Kommune")
    _chain_world(town, 5)
    user = factories.user("municipality", org=town)
    db.session.commit()
    login(user)
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert _flow_figures(body) == ["10", "5", "5"]
    flow = body.split("<title>Forløbskæder i år</title>", 1)[1].split("</svg>", 1)[0]
    assert "Virksomhedspraktik" in flow and "Løntilskud" in flow and "Ordinært job" in flow
    # 20 residents, 20 enrolled on 1.1.2026, 10 moved (Ada's jobs, Dan's apprenticeships).
    assert '<span class="figure">20</span> deltagere i alt' in body
    assert '<span class="figure">10</span> kommet i job eller uddannelse' in body
    # Every month has 5 or more placements of each kind running, or none: the chart is drawn.
    assert "<title>Igangværende forløb pr. måned</title>" in body


def test_the_municipality_dashboard_hides_counts_from_1_to_4(client, login, db):
    """One resident of each pathway: 4 residents in all, a chain of 2 → 1 → 1 and 1 moved
    (Ada's job; Dan's apprenticeship) … all "<5". The chart would show single placements."""
    town = factories.organisation("municipality", name="Lemvig Kommune")
    _chain_world(town, 1)
    user = factories.user("municipality", org=town)
    db.session.commit()
    login(user)
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert _flow_figures(body) == ["&lt;5", "&lt;5", "&lt;5"]
    assert '<span class="figure">&lt;5</span> deltagere i alt' in body
    assert '<span class="figure">&lt;5</span> kommet i job eller uddannelse' in body
    # Follow-ups: none yet, but with 4 residents in all even 0 is hidden.
    assert '<span class="figure">&lt;5</span> opfølgninger: i job' in body
    assert "<title>Igangværende forløb pr. måned</title>" not in body
    assert "Diagrammet over forløb i gang i hver måned er udeladt" in body


def test_the_secretariat_dashboard_keeps_exact_figures(client, login, db):
    """Staff see the chart of every placement, small counts and all."""
    town = factories.organisation("municipality", name="Lemvig Kommune")
    _chain_world(town, 1)
    staff = factories.user("staff")
    db.session.commit()
    login(staff)
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert "<title>Igangværende forløb pr. måned</title>" in body
    assert "udeladt" not in body


def test_the_placements_to_close_are_counted_by_hand(db, client, login):
    """As of 30.6.2026: planned end passed with no end (1), ended with no outcome (1); not
    counted: planned end on the day, closed, or led on."""
    staff = factories.user("staff")
    person, firm = factories.participant(), factories.organisation()
    for planned, end, outcome in (
            (date(2026, 6, 29), None, None),                       # counted
            (date(2026, 5, 31), date(2026, 5, 29), None),          # counted
            (date(2026, 6, 30), None, None),                       # the as-of date itself
            (date(2026, 5, 31), date(2026, 5, 31), "dropped_out"),
            (date(2026, 4, 30), date(2026, 4, 30), "next_placement"),
            (None, None, None)):
        factories.placement(person, firm, start_date=date(2026, 4, 1), planned_end=planned,
                            end_date=end, outcome=outcome)
    db.session.commit()
    login(staff)
    page = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    assert _work_count(page, "forløb skal afsluttes") == 2
    assert '<a href="/placements/to-close/"><span class="figure">2</span>' in page
    # A day later the one planned to end on 30.6. is past its planned end too.
    assert _work_count(client.get("/?as_of=2026-07-01").get_data(as_text=True),
                       "forløb skal afsluttes") == 3


def test_a_count_of_persons_is_a_whole_number_as_on_the_project_page(db, client, login):
    """Three residents placed against a target of 5 persons: the dashboard lists the clause
    (at risk) with "3", never "3,0", as the project page does; so is the reported 3."""
    firm = factories.organisation("contractor")
    project = factories.project(contractors=[firm])  # 2026-01-01 .. 2026-12-31
    clause = factories.clause(factories.agreement(project), unit="persons", target="5",
                              ref="K-PERS")
    for _n in range(3):
        factories.placement(factories.participant(), firm, project=project,
                            start_date=date(2026, 2, 1))
    factories.report(clause, firm, persons=3, status="approved")  # Q1, ended by 30 June
    staff = factories.user("staff")
    db.session.commit()
    login(staff)
    body = client.get("/?as_of=2026-06-30").get_data(as_text=True)
    row = re.search(r"<td>K-PERS</td>(.*?)</tr>", body, re.S).group(1)
    # Target, registered, reported, fulfilment 3 / 5 = 60,0 %.
    assert re.findall(r'<td class="num">([^<]*)', row) == ["5", "3", "3", "60,0 %"]
    page = client.get(f"/projects/{project.id}?as_of=2026-06-30").get_data(as_text=True)
    row = re.search(r"K-PERS.*?</tr>", page, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]*)', row)[1:3] == ["3", "3"]
