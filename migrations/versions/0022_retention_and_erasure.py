"""Retention and erasure: how long each kind of record is kept (set by an administrator,
five years to begin with); documents and stored files whose bytes were withdrawn for data
protection (the record stays, for /verify); the age band an anonymised participant keeps
in place of the birth year.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 10:11:35

"""
import importlib.util
from datetime import datetime, timezone
from pathlib import Path

from alembic import op
import sqlalchemy as sa

KINDS = ("participants", "consent_documents", "evidence_files", "access_log",
         "person_documents")
FIVE_YEARS = 60
ACTIONS = ("create", "update", "delete", "view", "export", "login", "logout", "login_failed",
           "login_throttled", "password_changed", "password_reset", "signed_out_all",
           "throttle_cleared")
NEW_ACTIONS = ("anonymise", "erase")


def _trail_triggers():
    """Migration 0019's triggers of the audit trail: a batch operation on audit_events in
    SQLite copies the table without them."""
    path = Path(__file__).with_name("0019_append_only_access_log_and_document_numbers.py")
    spec = importlib.util.spec_from_file_location("migration_0019", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _audit_actions(actions):
    """The audit trail's CHECK of its action column, with these actions."""
    triggers = _trail_triggers()
    bind = op.get_bind()
    triggers.drop_triggers(bind)
    listed = ", ".join(f"'{a}'" for a in actions)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint('action_valid', type_='check')
        batch_op.create_check_constraint('action_valid', f"action IN ({listed})")
    triggers.create_triggers(bind)


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retention_settings',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('participants', 'consent_documents', 'evidence_files', 'access_log', 'person_documents')", name=op.f('ck_retention_settings_kind_valid')),
    sa.CheckConstraint('months BETWEEN 1 AND 1200', name=op.f('ck_retention_settings_months')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_retention_settings'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attachment_withdrawn_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_age_band', sa.String(length=5), nullable=True))
        batch_op.create_check_constraint(
            'intake_age_band_valid',
            "intake_age_band IN ('u25', '25-29', '30-39', '40-49', '50+')")

    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))

    _audit_actions(ACTIONS + NEW_ACTIONS)

    settings = sa.table('retention_settings', sa.column('kind', sa.String),
                        sa.column('months', sa.Integer), sa.column('updated_at', sa.DateTime))
    op.bulk_insert(settings, [{'kind': kind, 'months': FIVE_YEARS,
                               'updated_at': datetime.now(timezone.utc)} for kind in KINDS])


def downgrade():
    _audit_actions(ACTIONS)
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_constraint('intake_age_band_valid', type_='check')
        batch_op.drop_column('intake_age_band')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('attachment_withdrawn_at')
        batch_op.drop_column('withdrawn_at')

    op.drop_table('retention_settings')
