"""Consent withdrawal and the participants each document names: the day a participant
withdrew consent and a note (no new placement, assessment or pathway document after it);
and a row for each participant an issued document names, the subject of a pathway
document or a person in its spreadsheet, so an access request finds them without
opening the archive.

Documents issued before are linked here: pathway documents by their participant, the
spreadsheets by the pseudonyms in their first column, the random ones of revision 0020 or
the earlier ones made from the id (P-0008). The reading is written out here so this
migration does not change when the documents do.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 08:00:00

"""
import io
import re

from alembic import op
import sqlalchemy as sa
from openpyxl import load_workbook


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

PSEUDONYM_HEADERS = ("deltager (pseudonym)", "participant (pseudonym)")
ID_PSEUDONYM = re.compile(r"P-(\d{4,})")
BATCH = 5000


def _pseudonyms(attachment: bytes) -> set[str]:
    """The pseudonyms in the first column of the spreadsheet's person-level sheets."""
    found = set()
    book = load_workbook(io.BytesIO(attachment), read_only=True)
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(max_col=1, values_only=True)
            header = next(rows, (None,))[0]
            if str(header or "").strip().lower() not in PSEUDONYM_HEADERS:
                continue
            found.update(str(value).strip() for (value,) in rows if value)
    finally:
        book.close()
    return found


def _link_issued(bind):
    documents = sa.table("documents", sa.column("id", sa.Integer),
                         sa.column("participant_id", sa.Integer),
                         sa.column("attachment", sa.LargeBinary))
    participants = sa.table("participants", sa.column("id", sa.Integer),
                            sa.column("pseudonym", sa.String))
    links = sa.table("document_participants", sa.column("participant_id", sa.Integer),
                     sa.column("document_id", sa.Integer))
    by_pseudonym = dict(bind.execute(sa.select(participants.c.pseudonym, participants.c.id)).all())
    known_ids = set(by_pseudonym.values())
    rows = set(bind.execute(sa.select(documents.c.participant_id, documents.c.id)
                            .where(documents.c.participant_id.is_not(None))).all())
    ids = bind.execute(sa.select(documents.c.id).where(documents.c.attachment.is_not(None))
                       .order_by(documents.c.id)).scalars().all()
    for document_id in ids:  # one file in memory at a time
        attachment = bind.execute(sa.select(documents.c.attachment)
                                  .where(documents.c.id == document_id)).scalar_one()
        for pseudonym in _pseudonyms(attachment):
            old = ID_PSEUDONYM.fullmatch(pseudonym)
            participant_id = by_pseudonym.get(pseudonym) or (int(old[1]) if old else None)
            if participant_id in known_ids:
                rows.add((participant_id, document_id))
    values = [{"participant_id": p, "document_id": d} for p, d in sorted(rows)]
    for start in range(0, len(values), BATCH):
        bind.execute(links.insert(), values[start:start + BATCH])


def upgrade():
    op.create_table('document_participants',
    sa.Column('participant_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_participants_document_id_documents')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_document_participants_participant_id_participants')),
    sa.PrimaryKeyConstraint('participant_id', 'document_id', name=op.f('pk_document_participants'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_withdrawn_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('consent_withdrawal_note', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            'withdrawn_after_consent',
            'consent_withdrawn_on IS NULL OR consent_withdrawn_on >= consent_date')
        batch_op.create_check_constraint(
            'withdrawal_note_with_date',
            'consent_withdrawal_note IS NULL OR consent_withdrawn_on IS NOT NULL')
    _link_issued(op.get_bind())


def downgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_participants_withdrawal_note_with_date'), type_='check')
        batch_op.drop_constraint(op.f('ck_participants_withdrawn_after_consent'), type_='check')
        batch_op.drop_column('consent_withdrawal_note')
        batch_op.drop_column('consent_withdrawn_on')

    op.drop_table('document_participants')
