"""Follow-ups only after a placement that ends a pathway

Follow-ups are due only after a placement that ends its participant's pathway (an outcome
other than next_placement and no next placement). Those created for placements that led on
to a next placement are removed, unless something was recorded on them: a status other than
'unknown' or a note. Data only; the removed rows held nothing to restore.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # A plain statement, not the models: the models change with later revisions.
    op.execute(sa.text(
        "DELETE FROM follow_ups "
        "WHERE status = 'unknown' AND TRIM(COALESCE(note, '')) = '' "
        "AND placement_id IN (SELECT id FROM placements "
        "WHERE outcome = 'next_placement' OR next_placement_id IS NOT NULL)"))


def downgrade():
    # The removed follow-ups recorded nothing, so there is nothing to put back.
    pass
