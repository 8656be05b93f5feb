"""One cache: the stored aggregates, the stored page parts and the data version are gone;
only the stored clause figures remain (tracker.figures), which no longer need an index by
the time they were computed. The report history, read on every view now, gets an index in
its order (submission time, then id), which replaces the one by submission time alone.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stored_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_values_computed_at'))

    op.drop_table('stored_values')
    op.drop_table('data_version')
    with op.batch_alter_table('clause_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clause_figures_computed_at'))

    with op.batch_alter_table('contractor_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_reports_submitted_at'))
        batch_op.create_index('ix_contractor_reports_by_submission', ['submitted_at', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('contractor_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_contractor_reports_by_submission')
        batch_op.create_index(batch_op.f('ix_contractor_reports_submitted_at'), ['submitted_at'],
                              unique=False)

    with op.batch_alter_table('clause_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clause_figures_computed_at'), ['computed_at'],
                              unique=False)

    op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(sa.table('data_version', sa.column('id', sa.Integer()),
                            sa.column('version', sa.Integer())), [{'id': 1, 'version': 0}])
    op.create_table('stored_values',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('data_version', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', 'as_of', name=op.f('pk_stored_values'))
    )
    with op.batch_alter_table('stored_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_values_computed_at'), ['computed_at'],
                              unique=False)
