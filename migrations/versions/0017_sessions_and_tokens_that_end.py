"""Sessions and tokens that end: a row per sign-in (ended on sign-out, sign out everywhere and
a new password), API tokens with a name and an expiry, and the sign-in throttle counted in
the database per address and per typed e-mail. The user's session version and failed-login
counter give way to these.

Tokens issued before this revision expire 90 days after it runs, so programs using them keep
working while their owners make new ones.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:00:00

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa

OLD_ACTIONS = "'create', 'update', 'delete', 'view', 'export', 'login', 'logout', 'login_failed'"
NEW_ACTIONS = OLD_ACTIONS + (", 'login_throttled', 'password_changed', 'password_reset', "
                             "'signed_out_all', 'throttle_cleared'")


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('sign_in_throttles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('address', 'account')", name=op.f('ck_sign_in_throttles_kind_valid')),
    sa.CheckConstraint('failures >= 1', name=op.f('ck_sign_in_throttles_failures_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_throttles')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_sign_in_throttles_kind_key'))
    )

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(UTC) + timedelta(days=90)))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_events_action_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_audit_events_action_valid'), f"action IN ({NEW_ACTIONS})")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('failed_login_window_start')


def downgrade():
    op.execute(sa.text(f"DELETE FROM audit_events WHERE action NOT IN ({OLD_ACTIONS})"))
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_events_action_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_audit_events_action_valid'), f"action IN ({OLD_ACTIONS})")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_login_window_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('name')

    op.drop_table('sign_in_throttles')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
