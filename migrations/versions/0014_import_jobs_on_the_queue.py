"""Import jobs on the job queue: the RQ job id replaces the child process's id

A workbook's check and import run as RQ jobs (tracker.jobs) instead of a child process of
the web server; the job's row keeps the RQ job id, so the page can tell a job whose worker
died from one that still runs.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rq_id', sa.String(length=64), nullable=True))
        batch_op.drop_column('pid')


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.drop_column('rq_id')
