"""Retention and erasure of personal data (DESIGN §6, SECURITY.md "Personal data").

Anonymising a participant removes what identifies the person — name, reference, contact
details, exact birth year, readiness, education, months unemployed, consent text and
document, the notes of follow-ups and assessments — and keeps what the figures count:
municipality, housing area, benefit group at intake, gender, intake date, the age band at
intake (`intake_age_band`), and the placements with their dates, kinds, hours and outcomes.
So every figure is the same before and after.

The person's name, reference and contact details are then replaced in every other copy:
free text in any table (by the pseudonym), the audit trail's copied values, the documents
that name them (pathways lose their bytes; spreadsheets that list their pseudonym lose
theirs) and stored files whose text names them. The rows change through SQL, not the ORM,
so that the audit hook does not copy the old values into the trail once more; one audit
event per person says it was done, by whom and why.
"""
import html
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import JSON, String, Text, and_, exists, func, insert, or_, select, union_all, update

from tracker import audit
from tracker.counting.pathways import add_months
from tracker.documents.kinds.municipality import age_band_of
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    ContractorReport,
    Document,
    DocumentParticipant,
    FollowUp,
    ImportJob,
    Participant,
    PendingFollowUp,
    Placement,
    ProgressAssessment,
    ReportEvidence,
    RetentionSetting,
    StoredFile,
)
from tracker.models.base import Base, utcnow
from tracker.models.codes import RETENTION_KINDS
from tracker.names import ParticipantNames

# Tables whose text is not searched for a name: the person's own row (changed directly),
# the users (the staff's own names) and bookkeeping of sessions and throttles.
UNSWEPT_TABLES = {"participants", "users", "user_sessions", "api_tokens", "sign_in_throttles",
                  "maintenance_mode", "retention_settings", "alembic_version"}
# The audit trail's copied values of these columns of a person's own rows are emptied.
PERSONAL_COLUMNS = {"name", "ref", "email", "phone", "birth_year", "readiness",
                    "months_unemployed", "education_level", "consent_scope", "note",
                    "consent_file_id", "consent_withdrawal_note"}
ACCESS_ACTIONS = ("view", "export")
ERASE, ANONYMISE = "erase", "anonymise"
GROUP = 100  # participants anonymised together by `apply`


@dataclass
class Person:
    """What identifies one participant, read before it goes, and what replaces it."""

    id: int
    name: str
    ref: str
    pseudonym: str
    email: str | None
    phone: str | None

    @property
    def new_ref(self) -> str:
        return f"ANON-{self.pseudonym.removeprefix('P-')}"


@dataclass
class Outcome:
    """What an anonymisation changed, for the confirmation, the command and the tests."""

    participants: int = 0
    texts: int = 0
    audit_events: int = 0
    documents_withdrawn: list[str] = field(default_factory=list)
    attachments_withdrawn: list[str] = field(default_factory=list)
    files_withdrawn: int = 0


def _people(ids: Iterable[int]) -> list[Person]:
    rows = db.session.execute(
        select(Participant.id, Participant.name, Participant.ref, Participant.pseudonym,
               Participant.email, Participant.phone)
        .where(Participant.id.in_(list(ids)), Participant.anonymised_at.is_(None))
        .order_by(Participant.id)).all()
    return [Person(*row) for row in rows]


class Replacer:
    """Replaces the people's names (by their pseudonyms), references and contact details
    in text, and says whether a text holds any of them."""

    def __init__(self, people: list[Person]):
        self.names = ParticipantNames([(p.name, p.pseudonym) for p in people])
        literals = {}
        for p in people:
            # A reference is replaced wherever it stands, so only one that cannot be an
            # ordinary number or word: with a letter and a digit.
            if re.search(r"[^\W\d_]", p.ref) and re.search(r"\d", p.ref):
                literals[p.ref] = p.new_ref
            if p.email:
                literals[p.email] = p.pseudonym
            if p.phone and len(re.sub(r"\D", "", p.phone)) >= 6:
                literals[p.phone] = p.pseudonym
        self.pattern = re.compile(
            "|".join(rf"(?<!\w){re.escape(text)}(?!\w)"
                     for text in sorted(literals, key=len, reverse=True)),
            re.IGNORECASE) if literals else None
        lowered = {k.casefold(): v for k, v in literals.items()}
        self._literal = lambda m: lowered[m.group().casefold()]
        # Fragments a text must contain (in any letter case) to be worth reading: a piece
        # of each last name and of each literal (`_fragment`).
        needed = [*(_fragment(p.name.split()[-1]) for p in people if p.name.split()),
                  *(_fragment(text, whole=True) for text in literals)]
        # None: some name has no such fragment, and every text must be read.
        self.fragments = None if "" in needed else sorted(set(needed))

    def text(self, value: str) -> str:
        masked = self.names.mask(value) or value
        return self.pattern.sub(self._literal, masked) if self.pattern else masked

    def value(self, value):
        """A column value (text, or JSON made of dicts, lists and text) with the people
        replaced."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def found_in(self, text: str) -> bool:
        return self.text(text) != text


def _fragment(text: str, whole: bool = False) -> str:
    """What a text holding `text` must hold: itself (`whole`, when it has no character
    special to LIKE and is plain ASCII), else its longest run of ASCII letters and digits
    of three or more ('' when there is none: then nothing is filtered out)."""
    if whole and text.isascii() and not re.search(r"[%_\\]", text):
        return text
    runs = re.findall(r"[A-Za-z0-9]+", text)
    return max(runs, key=len) if runs and len(max(runs, key=len)) >= 3 else ""


def _text_columns():
    for table in Base.metadata.sorted_tables:
        if table.name in UNSWEPT_TABLES:
            continue
        for column in table.columns:
            if isinstance(column.type, (String, Text, JSON)) and not column.primary_key:
                yield table, column


def _sweep(replacer: Replacer) -> int:
    """Every text and JSON column of every other table, with the people replaced; the
    number of rows changed. A cheap filter in SQL (each fragment, any letter case) picks
    the rows to read; a JSON column is filtered as its text."""
    changed = 0
    for table, column in _text_columns():
        as_text = func.lower(func.cast(column, Text) if isinstance(column.type, JSON)
                             else column, type_=Text)
        # Fragments are plain letters and digits: nothing in them is special to LIKE.
        wanted = or_(*(as_text.like(f"%{fragment.lower()}%") for fragment in replacer.fragments)) \
            if replacer.fragments is not None else column.is_not(None)
        key = list(table.primary_key.columns)
        rows = db.session.execute(select(*key, column).where(wanted)).all()
        for row in rows:
            new = replacer.value(row[-1])
            if new != row[-1]:
                db.session.execute(update(table).where(
                    and_(*(k == v for k, v in zip(key, row[:-1])))).values({column.name: new}))
                changed += 1
    return changed


def _audit_values(people: list[Person]) -> int:
    """The trail's copied personal values of the people's own rows (their participant
    row, follow-ups and assessments) emptied; who, when and what stay."""
    ids = [p.id for p in people]
    events = db.session.execute(
        select(AuditEvent.id, AuditEvent.changes)
        .where(AuditEvent.participant_id.in_(ids), AuditEvent.changes.is_not(None))).all()
    changed = 0
    for event_id, changes in events:
        if not isinstance(changes, dict):
            continue
        new = {k: (([None] * len(v) if isinstance(v, list) else None)
                   if k in PERSONAL_COLUMNS else v) for k, v in changes.items()}
        if new != changes:
            db.session.execute(update(AuditEvent).where(AuditEvent.id == event_id)
                               .values(changes=new))
            changed += 1
    return changed


def _spreadsheet_text(content: bytes) -> str:
    """The text of an XLSX file's parts, tags removed; '' when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = [archive.read(name).decode("utf-8", "replace")
                     for name in archive.namelist() if name.endswith(".xml")]
    except zipfile.BadZipFile:
        return ""
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(parts)))


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    try:
        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    except Exception:  # noqa: BLE001 - a file pypdf cannot read holds no text we can search
        return ""


def file_text(content: bytes | None) -> str:
    """The searchable text of a stored file: spreadsheets and PDFs; '' for pictures."""
    if not content:
        return ""
    if content.startswith(b"PK"):
        return _spreadsheet_text(content)
    if content.startswith(b"%PDF"):
        return _pdf_text(content)
    return ""


def _withdraw_documents(people: list[Person], now: datetime, outcome: Outcome) -> None:
    ids = [p.id for p in people]
    pathways = db.session.execute(
        select(Document.id, Document.number).where(Document.participant_id.in_(ids),
                                                   Document.withdrawn_at.is_(None))).all()
    for document_id, number in pathways:
        db.session.execute(update(Document).where(Document.id == document_id).values(
            content=None, attachment=None, withdrawn_at=now))
        outcome.documents_withdrawn.append(number)
    # Spreadsheets listing them by pseudonym: recorded when each document was issued.
    listing = db.session.execute(
        select(Document.id, Document.number)
        .join(DocumentParticipant, DocumentParticipant.document_id == Document.id)
        .where(DocumentParticipant.participant_id.in_(ids), Document.attachment.is_not(None),
               Document.withdrawn_at.is_(None))
        .distinct().order_by(Document.number)).all()
    for document_id, number in listing:
        db.session.execute(update(Document).where(Document.id == document_id).values(
            attachment=None, attachment_withdrawn_at=now))
        outcome.attachments_withdrawn.append(number)


def _withdraw_files(file_ids: Iterable[int], now: datetime) -> int:
    ids = [i for i in file_ids if i is not None]
    if not ids:
        return 0
    return db.session.execute(
        update(StoredFile).where(StoredFile.id.in_(ids), StoredFile.withdrawn_at.is_(None))
        .values(content=None, withdrawn_at=now)).rowcount


def _files_naming(replacer: Replacer) -> list[int]:
    """Stored evidence files and uploaded workbooks whose text names the people."""
    searched = union_all(
        select(ReportEvidence.file_id.label("id")),
        select(ImportJob.stored_file_id).where(ImportJob.stored_file_id.is_not(None)))
    ids = db.session.scalars(select(StoredFile.id).where(
        StoredFile.id.in_(select(searched.subquery().c.id)),
        StoredFile.withdrawn_at.is_(None))).all()
    found = []
    for file_id in ids:
        content = db.session.scalar(select(StoredFile.content).where(StoredFile.id == file_id))
        if replacer.found_in(file_text(content)):
            found.append(file_id)
    return found


def anonymise(participant_ids: Iterable[int], action: str, reason: str) -> Outcome:
    """Anonymise the participants (those not yet anonymised) and every copy of what
    identified them, in the session's transaction; the caller commits. `action` is
    "erase" (on request) or "anonymise" (retention); `reason` is recorded with it."""
    people = _people(participant_ids)
    outcome = Outcome(participants=len(people))
    if not people:
        return outcome
    now = utcnow()
    ids = [p.id for p in people]
    replacer = Replacer(people)
    consent_files = db.session.scalars(
        select(Participant.consent_file_id).where(Participant.id.in_(ids))).all()
    # Read before the rows change: what still names the people.
    named_files = _files_naming(replacer)
    with audit.maintenance(db.session, "anonymise"):
        for p in people:
            birth_year, intake = db.session.execute(
                select(Participant.birth_year, Participant.intake_date)
                .where(Participant.id == p.id)).one()
            db.session.execute(update(Participant).where(Participant.id == p.id).values(
                name=p.pseudonym, first_name_key=None, ref=p.new_ref, email=None, phone=None,
                birth_year=None,
                intake_age_band=age_band_of(intake.year - birth_year) if birth_year else None,
                readiness=None, months_unemployed=None, education_level=None,
                consent_scope=None, consent_file_id=None, consent_withdrawal_note=None,
                anonymised_at=now))
        placements = select(Placement.id).where(Placement.participant_id.in_(ids))
        db.session.execute(update(FollowUp).where(FollowUp.placement_id.in_(placements))
                           .values(note=""))
        db.session.execute(update(ProgressAssessment)
                           .where(ProgressAssessment.participant_id.in_(ids)).values(note=""))
        outcome.files_withdrawn = _withdraw_files([*consent_files, *named_files], now)
        _withdraw_documents(people, now, outcome)
        outcome.audit_events = _audit_values(people)
        outcome.texts = _sweep(replacer)
        actor_id, actor = audit.current_actor()
        db.session.execute(insert(AuditEvent), [{
            "occurred_at": now, "user_id": actor_id, "actor": actor, "action": action,
            "entity": "participants", "entity_id": p.id, "participant_id": p.id,
            "changes": {"reason": reason}} for p in people])
    db.session.expire_all()
    return outcome


# --- retention -----------------------------------------------------------------------------

def settings() -> dict[str, int]:
    """Months kept, per kind of record (RETENTION_KINDS)."""
    rows = dict(db.session.execute(select(RetentionSetting.kind, RetentionSetting.months)).all())
    return {kind: rows[kind] for kind in RETENTION_KINDS if kind in rows}


def cutoff(today: date, months: int) -> date:
    """The day `months` before today: what ended before it has been kept long enough."""
    return add_months(today, -months)


def last_activity() -> select:
    """Each participant's last day of activity: intake, consent, placements' starts and
    ends, follow-ups (done or still due) and assessments."""
    days = union_all(
        select(Participant.id.label("pid"), Participant.intake_date.label("day")),
        select(Participant.id, Participant.consent_date).where(
            Participant.consent_date.is_not(None)),
        select(Placement.participant_id, Placement.start_date),
        select(Placement.participant_id, Placement.end_date).where(
            Placement.end_date.is_not(None)),
        select(Placement.participant_id, FollowUp.follow_up_date)
        .join(FollowUp, FollowUp.placement_id == Placement.id),
        select(Placement.participant_id, PendingFollowUp.due_date)
        .join(PendingFollowUp, PendingFollowUp.placement_id == Placement.id),
        select(ProgressAssessment.participant_id, ProgressAssessment.assessed_on),
    ).subquery()
    return select(days.c.pid, func.max(days.c.day).label("last")).group_by(days.c.pid)


@dataclass
class Due:
    """What one kind's rule would remove now: its rows as (id, words) and the cutoff."""

    kind: str
    months: int
    before: date
    items: list[tuple[int, str]]


def _expired_participants(before: date, extra=None) -> list[tuple[int, str, date]]:
    last = last_activity().subquery()
    running = exists().where(Placement.participant_id == Participant.id,
                             Placement.end_date.is_(None))
    query = (select(Participant.id, Participant.pseudonym, last.c.last)
             .join(last, last.c.pid == Participant.id)
             .where(last.c.last < before, ~running)
             .order_by(last.c.last, Participant.id))
    if extra is not None:
        query = query.where(extra)
    return [(pid, pseudonym, _as_date(day)) for pid, pseudonym, day in db.session.execute(query)]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def due(today: date) -> list[Due]:
    """What each rule would remove today, oldest first."""
    found = []
    for kind, months in settings().items():
        before = cutoff(today, months)
        found.append(Due(kind, months, before, _DUE[kind](before)))
    return found


def _due_participants(before: date) -> list[tuple[int, str]]:
    return [(pid, f"{pseudonym} ({day:%d.%m.%Y})")
            for pid, pseudonym, day in _expired_participants(
                before, Participant.anonymised_at.is_(None))]


def _due_consent_documents(before: date) -> list[tuple[int, str]]:
    rows = _expired_participants(before, Participant.consent_file_id.is_not(None))
    files = dict(db.session.execute(select(Participant.id, Participant.consent_file_id).where(
        Participant.id.in_([pid for pid, _p, _d in rows]))).all())
    return [(files[pid], f"{pseudonym} ({day:%d.%m.%Y})") for pid, pseudonym, day in rows]


def _due_evidence_files(before: date) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(StoredFile.id, ContractorReport.ref, ContractorReport.period_end)
        .join(ReportEvidence, ReportEvidence.file_id == StoredFile.id)
        .join(ContractorReport, ReportEvidence.report_id == ContractorReport.id)
        .where(ContractorReport.period_end < before, StoredFile.withdrawn_at.is_(None))
        .order_by(ContractorReport.period_end, StoredFile.id)).all()
    return [(file_id, f"{ref} ({_as_date(end):%d.%m.%Y})") for file_id, ref, end in rows]


def _due_access_log(before: date) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.occurred_at)
        .where(AuditEvent.action.in_(ACCESS_ACTIONS),
               AuditEvent.occurred_at < datetime.combine(before, datetime.min.time()))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
    return [(event_id, f"{occurred:%d.%m.%Y}") for event_id, occurred in rows]


def _due_person_documents(before: date) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Document.id, Document.number, Document.issued_at)
        .where(Document.participant_id.is_not(None), Document.withdrawn_at.is_(None),
               Document.issued_at < datetime.combine(before, datetime.min.time()))
        .order_by(Document.issued_at, Document.id)).all()
    return [(document_id, f"{number} ({issued:%d.%m.%Y})") for document_id, number, issued in rows]


_DUE: dict[str, Callable[[date], list[tuple[int, str]]]] = {
    "participants": _due_participants,
    "consent_documents": _due_consent_documents,
    "evidence_files": _due_evidence_files,
    "access_log": _due_access_log,
    "person_documents": _due_person_documents,
}


def apply(found: list[Due]) -> dict[str, int]:
    """Carry out what `due` found, in the session's transaction (the caller commits); how
    many of each kind went."""
    now = utcnow()
    done = {}
    for item in found:
        ids = [i for i, _words in item.items]
        if not ids:
            done[item.kind] = 0
        elif item.kind == "participants":
            # In groups: each group's names are looked for in every text column at once.
            done[item.kind] = sum(
                anonymise(ids[start:start + GROUP], ANONYMISE, "retention").participants
                for start in range(0, len(ids), GROUP))
        elif item.kind in ("consent_documents", "evidence_files"):
            if item.kind == "consent_documents":
                db.session.execute(update(Participant).where(Participant.consent_file_id.in_(ids))
                                   .values(consent_file_id=None))
            done[item.kind] = _withdraw_files(ids, now)
        elif item.kind == "access_log":
            done[item.kind] = _delete_access_events(ids)
        elif item.kind == "person_documents":
            done[item.kind] = db.session.execute(
                update(Document).where(Document.id.in_(ids), Document.withdrawn_at.is_(None))
                .values(content=None, attachment=None, withdrawn_at=now)).rowcount
    return done


def _delete_access_events(ids: list[int]) -> int:
    from tracker.models import AuditEventParticipant

    with audit.maintenance(db.session, "anonymise"):
        deleted = 0
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            db.session.execute(AuditEventParticipant.__table__.delete().where(
                AuditEventParticipant.event_id.in_(chunk)))
            deleted += db.session.execute(
                AuditEvent.__table__.delete().where(AuditEvent.id.in_(chunk))).rowcount
    return deleted
