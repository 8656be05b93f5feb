"""An index of the placements that still lack an end or an outcome, by planned end: the
work list of placements to close reads those, not every placement.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 13:15:00

"""
from alembic import op
import sqlalchemy as sa

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

OPEN = sa.text("end_date IS NULL OR outcome IS NULL")


def upgrade():
    op.create_index("ix_placements_to_close", "placements", ["planned_end"],
                    postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index("ix_placements_to_close", table_name="placements")
