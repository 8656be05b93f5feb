"""Stored clause figures: each clause's fulfilment as of a date, computed once and used
until its project's data changes (projects.figures_version is raised by every change).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:33:48.456899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clause_figures',
    sa.Column('clause_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('project_version', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=60), nullable=False),
    sa.Column('registered', sa.String(length=60), nullable=True),
    sa.Column('reported', sa.String(length=60), nullable=True),
    sa.Column('percent', sa.String(length=60), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('discrepancy', sa.Boolean(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_clause_figures_clause_id_clauses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clause_id', 'as_of', name=op.f('pk_clause_figures'))
    )
    with op.batch_alter_table('clause_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clause_figures_computed_at'), ['computed_at'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('figures_version', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('figures_version')

    with op.batch_alter_table('clause_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clause_figures_computed_at'))

    op.drop_table('clause_figures')
