"""The municipality report reads the index by participant alone

The municipality report reads every placement of a municipality's residents (10,000 for the
largest municipality in national data) in three statements. With the next placement
(pathway steps) and the id (follow-ups) in the index by participant, the databases read them
from the index without the table: on national data the residents' statement took 23 → 19 ms
on PostgreSQL and 29 → 25 ms on SQLite, the follow-ups' 10 → 7 ms on PostgreSQL
(bench/RESULTS.md). The index keeps its name and its first six columns, which the annual
report reads (0010). ANALYZE lets the planners know the new index at once.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 09:12:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_FIRST_COLUMNS = ['participant_id', 'start_date', 'end_date', 'planned_end', 'kind', 'outcome']


def upgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_by_participant')
        batch_op.create_index('ix_placements_by_participant',
                              [*_FIRST_COLUMNS, 'next_placement_id', 'id'], unique=False)
    op.execute("ANALYZE placements")


def downgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_by_participant')
        batch_op.create_index('ix_placements_by_participant', _FIRST_COLUMNS, unique=False)
