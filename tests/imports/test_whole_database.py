"""The sheets that make the export the whole database: agreement parties, follow-ups,
progress assessments, report comments and review notes, evaluations and their actions, and
the participant's pseudonym, contact and intake details and anonymisation. Each is read
back row by row with its own problems, by natural keys, and twice changes nothing."""
import io
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from tests.imports.conftest import (
    AARHUS,
    BUILDER,
    KAERHOJ,
    happy_with,
    write_xlsx,
)
from tests.imports.test_import import _import, _problems
from tests.participants.test_pseudonyms import PATTERN
from tracker.models import (
    AgreementParty,
    AuditEvent,
    ContractorReport,
    Evaluation,
    EvaluationAction,
    FollowUp,
    Organisation,
    Participant,
    PendingFollowUp,
    ProgressAssessment,
    Project,
)

TODAY = date.today()
TOMORROW = TODAY + timedelta(days=1)

NEW_SHEETS = {
    "agreement_parties": [
        ["agreement_ref", "organisation_cvr", "role", "contributions", "benefits"],
        ["PA-1", BUILDER, "Bygherre", "Stiller krav om klausuler\n\nFinansierer en koordinator ",
         "Flere beboere i job"],
        ["PA-1", KAERHOJ, "Hovedentreprenør", None, None],
    ],
    "follow_ups": [
        ["placement_ref", "months", "status", "follow_up_date", "note"],
        ["F-3", 3, "employed", date(2026, 7, 27), "Fastansat som anlægsgartner."],
    ],
    "progress_assessments": [
        ["participant_ref", "assessed_on", "work_readiness", "danish_language",
         "professional_skills", "attendance", "well_being", "network", "self_confidence",
         "note"],
        ["D-1", date(2026, 2, 15), 4, 6, None, None, None, None, None, "God start."],
    ],
    "evaluations": [
        ["agreement_ref", "year", "findings", "promoting_factors", "hindering_factors"],
        ["PA-1", 2026, "Praktikkerne førte videre.", "Fast mentor.", None],
    ],
    "evaluation_actions": [
        ["agreement_ref", "year", "description", "owner", "due", "done_on"],
        ["PA-1", 2026, "Ugentligt møde med jobcentret", "Jobcenter Aarhus", date(2027, 1, 31),
         None],
    ],
}
NEW_COUNTS = {"agreement_parties": 2, "follow_ups": 1, "progress_assessments": 1,
              "evaluations": 1, "evaluation_actions": 1}


def whole(**changes) -> dict:
    """The happy workbook with the new sheets; F-3 ends the pathway of D-2 in a job, the
    reports have their comment and review note, the participants their details."""
    sheets = happy_with(**{name: [list(r) for r in rows] for name, rows in NEW_SHEETS.items()})
    sheets["placements"][3][8:11] = [date(2026, 4, 26), 30, "ordinary_job"]
    sheets["contractor_reports"][0] += ["comment", "review_note"]
    sheets["contractor_reports"][1] += ["Timer ifølge timesedlerne.", None]
    sheets["contractor_reports"][2] += [None, "Timesedlerne mangler."]
    sheets["participants"][0] += ["email", "phone", "readiness", "months_unemployed",
                                  "education_level", "consent_scope", "pseudonym"]
    sheets["participants"][1] += ["amina@example.dk", "+45 20 30 40 50", "job_ready", 18,
                                  "vocational", "Forløb og opfølgning", "P-AMINA2"]
    sheets["participants"][2] += [None, None, None, None, None, None, None]
    sheets["organisations"][0] += ["email"]
    for row in sheets["organisations"][1:]:
        row += ["indberetning@kaerhoj.example" if row[0] == KAERHOJ else None]
    sheets["projects"][0] += ["status"]
    sheets["projects"][1] += ["planned"]
    return {**sheets, **changes}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_new_sheets_are_imported_and_a_second_import_adds_nothing(db, runner, tmp_path):
    path = write_xlsx(tmp_path / "hele.xlsx", whole())
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "agreement_parties             2        2        0          0" in lines
    assert "evaluation_actions            1        1        0          0" in lines

    parties = {p.organisation.cvr: (p.role, p.contributions, p.benefits)
               for p in db.session.scalars(select(AgreementParty))}
    assert parties == {
        BUILDER: ("Bygherre", ["Stiller krav om klausuler", "Finansierer en koordinator"],
                  ["Flere beboere i job"]),
        KAERHOJ: ("Hovedentreprenør", [], [])}
    follow_up = db.session.scalar(select(FollowUp))
    assert (follow_up.placement.ref, follow_up.months, follow_up.status,
            follow_up.follow_up_date, follow_up.note) == (
        "F-3", 3, "employed", date(2026, 7, 27), "Fastansat som anlægsgartner.")
    # F-3 ended D-2's pathway on 26 April: the 6 and 12 months' follow-ups are due.
    assert sorted(db.session.scalars(select(PendingFollowUp.months))) == [6, 12]
    assessment = db.session.scalar(select(ProgressAssessment))
    assert (assessment.participant.ref, assessment.assessed_on, assessment.work_readiness,
            assessment.danish_language, assessment.network, assessment.note) == (
        "D-1", date(2026, 2, 15), 4, 6, None, "God start.")
    reports = {r.ref: (r.comment, r.review_note, r.status)
               for r in db.session.scalars(select(ContractorReport))}
    assert reports == {"R-1": ("Timer ifølge timesedlerne.", None, "approved"),
                       "R-2": ("", "Timesedlerne mangler.", "returned")}
    evaluation = db.session.scalar(select(Evaluation))
    assert (evaluation.agreement.ref, evaluation.year, evaluation.findings,
            evaluation.promoting_factors, evaluation.hindering_factors) == (
        "PA-1", 2026, "Praktikkerne førte videre.", "Fast mentor.", "")
    action = db.session.scalar(select(EvaluationAction))
    assert (action.evaluation_id, action.description, action.owner, action.due_date,
            action.done_on) == (evaluation.id, "Ugentligt møde med jobcentret",
                                "Jobcenter Aarhus", date(2027, 1, 31), None)
    amina = db.session.scalar(select(Participant).where(Participant.ref == "D-1"))
    assert (amina.email, amina.phone, amina.readiness, amina.months_unemployed,
            amina.education_level, amina.consent_scope, amina.pseudonym) == (
        "amina@example.dk", "+45 20 30 40 50", "job_ready", 18, "vocational",
        "Forløb og opfølgning", "P-AMINA2")
    jonas = db.session.scalar(select(Participant).where(Participant.ref == "D-2"))
    assert PATTERN.fullmatch(jonas.pseudonym)  # none given: one drawn
    assert db.session.scalar(select(Organisation.email).where(Organisation.cvr == KAERHOJ)) \
        == "indberetning@kaerhoj.example"
    assert db.session.scalar(select(Project.status)) == "planned"

    events = _count(db, AuditEvent)
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Intet skulle ændres")
    assert "I alt                        24        0        0         24" in result.output
    assert _count(db, AuditEvent) == events
    assert db.session.scalar(select(Participant.pseudonym).where(Participant.ref == "D-2")) \
        == jonas.pseudonym


def test_an_old_workbook_without_the_new_columns_keeps_what_is_there(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", whole())).exit_code == 0
    jonas = db.session.scalar(select(Participant.pseudonym).where(Participant.ref == "D-2"))
    # The happy workbook as it was, but for F-3's end: the old columns only.
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx",
                                        happy_with(placements=whole()["placements"])))
    assert result.exit_code == 0, result.output
    assert "I alt                        18        0        0         18" in result.output
    amina = db.session.scalar(select(Participant).where(Participant.ref == "D-1"))
    assert (amina.pseudonym, amina.email) == ("P-AMINA2", "amina@example.dk")
    assert db.session.scalar(select(Participant.pseudonym).where(Participant.ref == "D-2")) \
        == jonas
    assert db.session.scalar(select(ContractorReport.comment).where(
        ContractorReport.ref == "R-1")) == "Timer ifølge timesedlerne."


BROKEN_NEW = {
    "agreement_parties": [
        ["agreement_ref", "organisation_cvr", "role", "contributions"],
        ["PA-9", BUILDER, "Bygherre", None],
        ["PA-1", "10000009", None, "\n".join(f"Bidrag {n}" for n in range(31))],
    ],
    "follow_ups": [
        ["placement_ref", "months", "status", "follow_up_date"],
        ["F-3", 4, "employed", date(2026, 8, 26)],
        ["F-1", 3, "employed", date(2026, 6, 1)],
        ["F-3", 6, "hired", date(2026, 4, 1)],
        ["F-3", 12, "employed", TOMORROW],
    ],
    "progress_assessments": [
        ["participant_ref", "assessed_on", "work_readiness", "network"],
        ["D-1", date(2026, 2, 15), 11, None],
        ["D-1", date(2026, 3, 15), None, None],
        ["D-3", date(2026, 3, 15), 5, None],
        ["D-1", TOMORROW, 5, 5],
    ],
    "evaluations": [
        ["agreement_ref", "year"],
        ["PA-1", 1999],
        ["PA-1", TODAY.year + 1],
    ],
    "evaluation_actions": [
        ["agreement_ref", "year", "description", "owner", "due", "done_on"],
        ["PA-1", 2025, "Møde", "Jobcentret", date(2027, 1, 1), None],
        ["PA-1", 1999, "Møde", "Jobcentret", date(2027, 1, 1), TOMORROW],
    ],
}


def test_bad_rows_of_the_new_sheets_are_each_told(db, runner, tmp_path):
    sheets = whole(**BROKEN_NEW)
    sheets["participants"].append(["D-3", "Sara Mikkelsen", None, None, None, None, None,
                                   date(2026, 1, 10), None] + [None] * 7)
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets), "--dry-run")
    assert result.exit_code == 1
    year = TODAY.year
    assert _problems(result.output) == [
        'agreement_parties, række 2, kolonne agreement_ref: "PA-9" – PA-9 findes hverken i '
        'arket agreements eller i databasen.',
        'agreement_parties, række 3, kolonne organisation_cvr: "10000009" – 10000009 findes '
        'hverken i arket organisations eller i databasen.',
        'agreement_parties, række 3, kolonne role: – Kolonnen skal udfyldes.',
        # The cell's 31 lines on one line, cut at 80 characters.
        'agreement_parties, række 3, kolonne contributions: "Bidrag 0 Bidrag 1 Bidrag 2 '
        'Bidrag 3 Bidrag 4 Bidrag 5 Bidrag 6 Bidrag 7 Bidrag …" – Skriv højst 30 linjer.',
        'follow_ups, række 2, kolonne months: "4" – Opfølgninger registreres 3, 6 eller 12 '
        'måneder efter forløbets afslutning.',
        'follow_ups, række 3, kolonne placement_ref: "F-1" – Opfølgninger registreres efter det '
        'forløb, der afslutter forløbskæden (afsluttet, med et andet resultat end '
        'next_placement og uden next_ref).',
        'follow_ups, række 4, kolonne status: "hired" – Ikke en af de tilladte værdier: '
        'employed, education, unemployed, unknown.',
        'follow_ups, række 4, kolonne follow_up_date: "2026-04-01" – Opfølgningen kan ikke '
        'ligge før forløbets afslutning (26.04.2026).',
        f'follow_ups, række 5, kolonne follow_up_date: "{TOMORROW.isoformat()}" – Datoen kan '
        'ikke ligge efter i dag.',
        'progress_assessments, række 2, kolonne work_readiness: "11" – En score er et helt tal '
        'fra 1 til 10.',
        'progress_assessments, række 3, kolonne work_readiness: – Giv en score på mindst én '
        'dimension.',
        'progress_assessments, række 4, kolonne participant_ref: "D-3" – Deltageren D-3 har '
        'ikke noget registreret samtykke (consent_date). Registrér samtykket, før progression '
        'registreres.',
        f'progress_assessments, række 5, kolonne assessed_on: "{TOMORROW.isoformat()}" – '
        'Datoen kan ikke ligge efter i dag.',
        f'evaluations, række 2, kolonne year: "1999" – En evaluering ser tilbage på et år fra '
        f'2000 til {year}.',
        f'evaluations, række 3, kolonne year: "{year + 1}" – En evaluering ser tilbage på et år '
        f'fra 2000 til {year}.',
        'evaluation_actions, række 2, kolonne year: "2025" – Der er ingen evaluering af PA-1 '
        'for 2025, hverken i arket evaluations eller i databasen.',
        f'evaluation_actions, række 3, kolonne year: "1999" – En evaluering ser tilbage på et '
        f'år fra 2000 til {year}.',
        f'evaluation_actions, række 3, kolonne done_on: "{TOMORROW.isoformat()}" – Datoen kan '
        'ikke ligge efter i dag.',
    ]
    assert _count(db, Participant) == 0


def test_two_assessments_on_one_day_and_two_actions_alike_are_told_apart(db, runner, tmp_path):
    sheets = whole()
    sheets["progress_assessments"][0].insert(2, "occurrence")
    sheets["progress_assessments"][1].insert(2, None)  # empty: the first of the day
    sheets["progress_assessments"].append(
        ["D-1", date(2026, 2, 15), 2, 5, None, None, None, None, None, None, "Igen."])
    sheets["evaluation_actions"][0].insert(3, "occurrence")
    sheets["evaluation_actions"][1].insert(3, 1)
    sheets["evaluation_actions"].append(["PA-1", 2026, "Ugentligt møde med jobcentret", 2,
                                         "Byggeledelsen", date(2027, 2, 28), None])
    path = write_xlsx(tmp_path / "a.xlsx", sheets)
    assert _import(runner, path).exit_code == 0
    assert sorted(db.session.execute(select(
        ProgressAssessment.work_readiness, ProgressAssessment.note)).all()) == [
        (4, "God start."), (5, "Igen.")]
    assert sorted(db.session.scalars(select(EvaluationAction.owner))) == [
        "Byggeledelsen", "Jobcenter Aarhus"]
    result = _import(runner, path)
    assert "I alt                        26        0        0         26" in result.output

    sheets["evaluation_actions"][2][3] = 1  # the same key twice
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets), "--dry-run")
    assert _problems(result.output) == [
        'evaluation_actions, række 3, kolonne occurrence: "1" – PA-1 / 2026 / Ugentligt møde '
        'med jobcentret / 1 står mere end én gang i arket (første gang i række 2).']


def test_a_changed_follow_up_is_audited_in_the_participants_history(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", whole())).exit_code == 0
    sheets = whole()
    sheets["follow_ups"][1][2:4] = ["education", date(2026, 8, 3)]
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert "follow_ups                    1        0        1          0" in result.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    jonas = db.session.scalar(select(Participant.id).where(Participant.ref == "D-2"))
    assert (event.entity, event.participant_id, event.changes) == (
        "follow_ups", jonas, {"status": ["employed", "education"],
                              "follow_up_date": ["2026-07-27", "2026-08-03"]})


def test_a_report_keeps_its_comment_but_its_review_may_change(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", whole())).exit_code == 0
    sheets = whole()
    sheets["contractor_reports"][2][9] = "approved"  # R-2, returned before
    sheets["contractor_reports"][2][11] = "Godkendt efter nye timesedler."
    assert _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets)).exit_code == 0
    r2 = db.session.scalar(select(ContractorReport).where(ContractorReport.ref == "R-2"))
    assert (r2.status, r2.review_note) == ("approved", "Godkendt efter nye timesedler.")

    sheets["contractor_reports"][1][10] = "Andre timer."
    result = _import(runner, write_xlsx(tmp_path / "c.xlsx", sheets), "--dry-run")
    assert _problems(result.output) == [
        'contractor_reports, række 2, kolonne comment: "Andre timer." – Kommentaren i en '
        'indberetning er entreprenørens egen udtalelse og kan ikke ændres ved en import: en '
        'rettelse er en ny version med en ny ref.']


def test_a_returned_report_without_a_note_gets_the_fixed_one(db, runner, tmp_path):
    sheets = whole()
    sheets["contractor_reports"][2][11] = None
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets)).exit_code == 0
    assert db.session.scalar(select(ContractorReport.review_note).where(
        ContractorReport.ref == "R-2")) == "Importeret som returneret"
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert "contractor_reports            2        0        0          2" in result.output


# --- Pseudonyms and anonymised participants ----------------------------------------------

def only_amina(participants: list[list]) -> dict:
    """The workbook with these participants, and only Amina's placements (Jonas is not
    among them)."""
    sheets = whole(participants=participants)
    sheets["placements"] = sheets["placements"][:3]
    sheets["follow_ups"] = sheets["follow_ups"][:1]
    return sheets


def _participants(*rows) -> list[list]:
    header = ["ref", "name", "birth_year", "gender", "housing_area", "municipality_cvr",
              "intake_date", "consent_date", "email", "pseudonym", "anonymised_on",
              "intake_age_band"]
    return [header, *[list(r) for r in rows]]


AMINA = ["D-1", "Amina Hassan Ali", 1990, "f", "Gellerup", AARHUS, date(2026, 1, 10),
         date(2026, 1, 10), None, "P-AMINA2", None, None]
ERASED = ["ANON-7KQ2MX", "P-7KQ2MX", None, "f", "Gellerup", AARHUS, date(2026, 1, 10),
          date(2026, 1, 10), None, "P-7KQ2MX", date(2026, 11, 30), "30-39"]


def test_an_anonymised_participant_comes_in_as_it_is(db, runner, tmp_path):
    sheets = only_amina(_participants(AMINA, ERASED))
    path = write_xlsx(tmp_path / "a.xlsx", sheets)
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    erased = db.session.scalar(select(Participant).where(Participant.ref == "ANON-7KQ2MX"))
    assert (erased.name, erased.pseudonym, erased.birth_year, erased.intake_age_band,
            erased.anonymised_at.date()) == ("P-7KQ2MX", "P-7KQ2MX", None, "30-39",
                                             date(2026, 11, 30))
    assert "participants                  2        0        0          2" in \
        _import(runner, path).output

    # An old row of the erased person (before anonymisation) does not bring them back.
    old = ["D-7", "Yasmin Farah", 1994, "f", "Gellerup", AARHUS, date(2026, 1, 10),
           date(2026, 1, 10), "yasmin@example.dk", "P-7KQ2MX", None, None]
    changed = list(ERASED)
    changed[8] = "p7kq2mx@example.dk"
    sheets = only_amina(_participants(AMINA, changed, old))
    sheets["progress_assessments"].append(["ANON-7KQ2MX", date(2026, 3, 1), 5, None, None,
                                           None, None, None, None, "Ny note."])
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets), "--dry-run")
    assert _problems(result.output)[3:] == [
        'progress_assessments, række 3, kolonne note: "Ny note." – Deltageren er '
        'anonymiseret: noter om deltageren gemmes ikke. Tøm cellen.']
    assert _problems(result.output)[:3] == [
        'participants, række 3, kolonne email: "p7kq2mx@example.dk" – En anonymiseret deltager '
        'har ingen af disse oplysninger: tøm cellen.',
        'participants, række 3, kolonne email: "p7kq2mx@example.dk" – Deltageren er '
        'anonymiseret; en import kan ikke ændre den.',
        'participants, række 4, kolonne pseudonym: "P-7KQ2MX" – P-7KQ2MX er pseudonymet for en '
        'deltager, der er anonymiseret (ANON-7KQ2MX); en import kan ikke bringe deltagerens '
        'oplysninger tilbage.',
    ]


def test_what_an_anonymised_participant_may_not_have(db, runner, tmp_path):
    named = list(ERASED)
    named[0], named[1], named[9] = "ANON-1", "Yasmin Farah", "P-YASMIN"
    born = list(ERASED)
    born[0], born[1], born[2], born[9] = "ANON-2", "P-BORN22", 1994, "P-BORN22"
    banded = list(AMINA)
    banded[11] = "30-39"
    later = list(ERASED)
    later[0], later[1], later[9], later[10] = "ANON-3", "P-LATER3", "P-LATER3", TOMORROW
    nameless = list(ERASED)
    nameless[0], nameless[9] = "ANON-4", None
    sheets = only_amina(_participants(banded, named, born, later, nameless))
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets), "--dry-run")
    assert _problems(result.output) == [
        'participants, række 2, kolonne intake_age_band: "30-39" – Kun en anonymiseret '
        'deltager har en aldersgruppe ved indskrivning i stedet for et fødselsår. Tøm cellen, '
        'eller udfyld anonymised_on.',
        'participants, række 3, kolonne name: "Yasmin Farah" – En anonymiseret deltager hedder '
        'sit pseudonym (P-YASMIN) og intet andet.',
        'participants, række 4, kolonne birth_year: "1994" – En anonymiseret deltager har ingen '
        'af disse oplysninger: tøm cellen.',
        f'participants, række 5, kolonne anonymised_on: "{TOMORROW.isoformat()}" – Datoen kan '
        'ikke ligge efter i dag.',
        'participants, række 6, kolonne pseudonym: – En anonymiseret deltager skal have sit '
        'pseudonym, som også er deltagerens navn.',
    ]


def test_an_import_neither_anonymises_nor_renames_pseudonyms(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", whole())).exit_code == 0
    anonymised = list(AMINA)
    anonymised[1], anonymised[2], anonymised[10] = "P-AMINA2", None, date(2026, 12, 1)
    renamed = ["D-2", "Jonas Kristensen", None, None, None, None, date(2026, 2, 1),
               date(2026, 2, 1), None, "P-JONAS22", None, None]
    taken = ["D-5", "Sara Mikkelsen", None, None, None, None, date(2026, 2, 1),
             date(2026, 2, 1), None, "P-AMINA2", None, None]
    bad = ["D-6", "Ida Holm", None, None, None, None, date(2026, 2, 1), date(2026, 2, 1),
           "ida@", "X-123", None, None]
    sheets = whole(participants=_participants(anonymised, renamed, taken, bad))
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets), "--dry-run")
    jonas = db.session.scalar(select(Participant.pseudonym).where(Participant.ref == "D-2"))
    assert _problems(result.output) == [
        'participants, række 2, kolonne anonymised_on: "2026-12-01" – En import kan ikke '
        'anonymisere en deltager: slet deltageren på deltagerens side (Slet deltager), som '
        'også fjerner navnet alle andre steder.',
        f'participants, række 3, kolonne pseudonym: "P-JONAS22" – En deltagers pseudonym '
        f'ændres aldrig: D-2 har {jonas}.',
        'participants, række 4, kolonne pseudonym: "P-AMINA2" – P-AMINA2 er pseudonymet for '
        'deltageren D-1.',
        'participants, række 5, kolonne email: "ida@" – Ikke en gyldig e-mailadresse, fx '
        'navn@example.dk.',
        'participants, række 5, kolonne pseudonym: "X-123" – Et pseudonym er P- efterfulgt af '
        'bogstaver og cifre, fx P-7KQ2MX.',
    ]


def test_text_that_starts_with_an_equals_sign_is_text_a_formula_is_not(db, runner, tmp_path):
    book = Workbook()
    book.remove(book.active)
    for name, rows in whole().items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    comment = book["contractor_reports"]["K2"]
    comment.value, comment.data_type = "=Timer ifølge timesedlerne", "s"  # text
    book["evaluations"]["C2"] = "=B2"  # a formula
    buffer = io.BytesIO()
    book.save(buffer)
    (tmp_path / "a.xlsx").write_bytes(buffer.getvalue())
    result = _import(runner, tmp_path / "a.xlsx", "--dry-run")
    assert _problems(result.output) == [
        'evaluations, række 2, kolonne findings: "=B2" – En formel, ikke en værdi: skriv selve '
        'værdien.']
    book["evaluations"]["C2"] = "Fund."
    buffer = io.BytesIO()
    book.save(buffer)
    (tmp_path / "b.xlsx").write_bytes(buffer.getvalue())
    assert _import(runner, tmp_path / "b.xlsx").exit_code == 0
    assert db.session.scalar(select(ContractorReport.comment).where(
        ContractorReport.ref == "R-1")) == "=Timer ifølge timesedlerne"


def test_a_partys_lines_change_as_a_whole(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", whole())).exit_code == 0
    sheets = whole()
    sheets["agreement_parties"][2][3:5] = ["Udpeger en kontaktperson\nIndberetter kvartalsvis",
                                           "Lokal arbejdskraft"]
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert "agreement_parties             2        0        1          1" in result.output
    party = db.session.scalar(select(AgreementParty).join(Organisation).where(
        Organisation.cvr == KAERHOJ))
    db.session.refresh(party)
    assert (party.contributions, party.benefits) == (
        ["Udpeger en kontaktperson", "Indberetter kvartalsvis"], ["Lokal arbejdskraft"])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert (event.entity, event.entity_id, event.participant_id, event.changes) == (
        "agreement_parties", party.id, None,
        {"contributions": [[], ["Udpeger en kontaktperson", "Indberetter kvartalsvis"]],
         "benefits": [[], ["Lokal arbejdskraft"]]})
