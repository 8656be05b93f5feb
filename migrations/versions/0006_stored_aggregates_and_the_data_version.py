"""Stored aggregates and the data version: a dashboard's counts over the whole deployment
are computed once per as-of date and read back until any counted data changes (every such
change raises data_version.version in its own transaction).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 14:43:38.853763

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
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
        batch_op.create_index(batch_op.f('ix_stored_values_computed_at'), ['computed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('stored_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_values_computed_at'))

    op.drop_table('stored_values')
    op.drop_table('data_version')
