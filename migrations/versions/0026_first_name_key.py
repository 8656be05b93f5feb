"""Participants' first names, folded as names are looked for in text, indexed: a page that
masks names in a text looks up the participants whose first name is one of its words
instead of reading every participant's name.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 17:20:00

"""
from alembic import op
import sqlalchemy as sa

# The app's own rule: the key must be the one the app computes for a name.
from tracker.validation import first_name_key

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("participants", sa.Column("first_name_key", sa.String(length=200),
                                            nullable=True))
    op.create_index("ix_participants_first_name_key", "participants", ["first_name_key"])
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, name FROM participants WHERE anonymised_at IS NULL")).all()
    keys = [{"id": row.id, "key": key} for row in rows if (key := first_name_key(row.name))]
    if keys:
        connection.execute(sa.text("UPDATE participants SET first_name_key = :key "
                                   "WHERE id = :id"), keys)


def downgrade():
    op.drop_index("ix_participants_first_name_key", table_name="participants")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("first_name_key")
