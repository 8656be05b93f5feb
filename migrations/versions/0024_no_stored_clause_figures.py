"""The stored clause figures go: every page, API answer and document computes the figures
it shows, and the dashboards keep theirs for a short time instead (Flask-Caching).
Projects keep their figures version, whose row lock makes two changes to one project's data
wait for each other.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 14:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("clause_figures")


def downgrade():
    op.create_table(
        "clause_figures",
        sa.Column("clause_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("project_version", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("registered", sa.String(length=60), nullable=True),
        sa.Column("reported", sa.String(length=60), nullable=True),
        sa.Column("percent", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("discrepancy", sa.Boolean(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clause_id"], ["clauses.id"],
                                name=op.f("fk_clause_figures_clause_id_clauses"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("clause_id", "as_of", name=op.f("pk_clause_figures")),
    )
