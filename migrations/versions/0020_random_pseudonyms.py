"""Random pseudonyms: every participant gets a stored pseudonym, "P-" and six characters
drawn at random, in place of one made from the database id (P-0008 for the participant
with id 8, which anyone holding the reference D-0008 could guess).

Existing participants get theirs here; the drawing is written out again so this migration
does not change when the model does.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 08:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 6
BATCH = 5000


def _backfill(bind):
    participants = sa.table("participants", sa.column("id", sa.Integer),
                            sa.column("pseudonym", sa.String))
    ids = list(bind.execute(sa.select(participants.c.id).order_by(participants.c.id)).scalars())
    drawn: set[str] = set()
    rows = []
    for participant_id in ids:
        while True:
            candidate = "P-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
            if candidate not in drawn:
                break
        drawn.add(candidate)
        rows.append({"_id": participant_id, "pseudonym": candidate})
    statement = (participants.update().where(participants.c.id == sa.bindparam("_id"))
                 .values(pseudonym=sa.bindparam("pseudonym")))
    for start in range(0, len(rows), BATCH):
        bind.execute(statement, rows[start:start + BATCH])


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonym', sa.String(length=12), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.alter_column('pseudonym', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_participants_pseudonym'), ['pseudonym'])


def downgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_participants_pseudonym'), type_='unique')
        batch_op.drop_column('pseudonym')
