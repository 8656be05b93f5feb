"""An index of the reporting obligations by state and period end: the outstanding ones
(every returned period, and the due ones whose period has ended) are two ranges of it,
not a scan of every open obligation, most of which are periods still running.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 16:40:00

"""
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_report_obligations_outstanding", "report_obligations",
                    ["state", "period_end"])


def downgrade():
    op.drop_index("ix_report_obligations_outstanding", table_name="report_obligations")
