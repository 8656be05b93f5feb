"""Append-only access log and document numbers under concurrency: the participants an access
event showed (a list page, a search, an API page, an evidence file) as rows of
audit_event_participants; triggers that refuse to change or delete rows of the audit trail
except inside a transaction holding the row of maintenance_mode (anonymisation by the
retention job, or emptying a scratch database), where only the copied field values
(`changes`) may change; and a counter per year that document numbers are taken from.

Alembic does not see triggers: a later batch operation on audit_events or
audit_event_participants in SQLite copies the table without them and must make them again
(`create_triggers`).

The counters start at the highest number issued in each year so far.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 08:00:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# Who, when, what and why of an event: never changed, not even by anonymisation.
FIXED_COLUMNS = ("id", "occurred_at", "user_id", "actor", "action", "entity", "entity_id",
                 "participant_id", "purpose")
REFUSED = "The audit trail is append-only"
TRAIL = ("audit_events", "audit_event_participants")
NUMBER = re.compile(r"^D-(\d{4})-(\d+)$")


def _sqlite_triggers():
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in FIXED_COLUMNS)
    unlocked = "EXISTS (SELECT 1 FROM maintenance_mode)"
    return [
        f"CREATE TRIGGER audit_events_refuse_update BEFORE UPDATE ON audit_events "
        f"WHEN NOT ({unlocked} AND {unchanged}) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE of audit_events refused'); END",
        f"CREATE TRIGGER audit_event_participants_refuse_update BEFORE UPDATE ON "
        f"audit_event_participants "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE of audit_event_participants refused'); END",
    ] + [
        f"CREATE TRIGGER {table}_refuse_delete BEFORE DELETE ON {table} WHEN NOT {unlocked} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE from {table} refused'); END"
        for table in TRAIL
    ]


def _postgresql_triggers():
    new = ", ".join(f"NEW.{c}" for c in FIXED_COLUMNS)
    old = ", ".join(f"OLD.{c}" for c in FIXED_COLUMNS)
    function = f"""
        CREATE FUNCTION audit_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM maintenance_mode) THEN
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                ELSIF TG_OP = 'TRUNCATE' THEN
                    RETURN NULL;
                ELSIF TG_TABLE_NAME = 'audit_events'
                        AND ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN
                    RETURN NEW;
                END IF;
            END IF;
            RAISE EXCEPTION '{REFUSED}: % of % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END
        $$"""
    statements = [function]
    for table in TRAIL:
        statements += [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only()",
        ]
    return statements


def create_triggers(bind):
    """The triggers that keep the audit trail append-only, for the database at hand."""
    statements = _sqlite_triggers() if bind.dialect.name == "sqlite" else _postgresql_triggers()
    for statement in statements:
        op.execute(sa.text(statement))


def drop_triggers(bind):
    if bind.dialect.name == "sqlite":
        for name in ("audit_events_refuse_update", "audit_event_participants_refuse_update",
                     "audit_events_refuse_delete", "audit_event_participants_refuse_delete"):
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        return
    for table in TRAIL:
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
    op.execute(sa.text("DROP FUNCTION IF EXISTS audit_trail_append_only()"))


def _start_counters(bind):
    """Each year's counter at the highest serial issued in it (read in Python: the serials
    are zero-padded text, and a seventh digit would sort wrongly as text)."""
    highest = {}
    for (number,) in bind.execute(sa.text("SELECT number FROM documents")):
        match = NUMBER.match(number)
        if match:
            year, serial = int(match.group(1)), int(match.group(2))
            highest[year] = max(serial, highest.get(year, 0))
    if highest:
        counters = sa.table("document_number_counters", sa.column("year", sa.Integer),
                            sa.column("last_serial", sa.Integer))
        op.bulk_insert(counters, [{"year": y, "last_serial": s} for y, s in sorted(highest.items())])


def upgrade():
    op.create_table('audit_event_participants',
    sa.Column('participant_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'], name=op.f('fk_audit_event_participants_event_id_audit_events')),
    sa.PrimaryKeyConstraint('participant_id', 'event_id', name=op.f('pk_audit_event_participants'))
    )
    op.create_table('maintenance_mode',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_maintenance_mode_single_row')),
    sa.CheckConstraint("reason IN ('anonymise', 'empty')", name=op.f('ck_maintenance_mode_reason_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_mode'))
    )
    op.create_table('document_number_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_serial >= 0', name=op.f('ck_document_number_counters_last_serial_not_negative')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_document_number_counters'))
    )
    bind = op.get_bind()
    _start_counters(bind)
    create_triggers(bind)


def downgrade():
    drop_triggers(op.get_bind())
    op.drop_table('document_number_counters')
    op.drop_table('maintenance_mode')
    op.drop_table('audit_event_participants')
