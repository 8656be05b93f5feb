"""Reporting obligations as rows: who owes which report for which period

A clause of all contractors is reported by the contractors staff choose (default: the
project's main contractors), from its first reporting period (`clauses.reporting_from`).
Existing data keeps every report it has: a clause owes from the period it was entered, or
from its first reported period when that is earlier, and a subcontractor that has reported
on a clause of all contractors is chosen to report on it, with the main contractors.

The rows are filled here by the rules of tracker.reporting.obligations, written out again
so this migration does not change when that module does.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:00:00

"""
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

MONTHS = {"monthly": 1, "quarterly": 3}

clauses = sa.table("clauses", sa.column("id"), sa.column("agreement_id"), sa.column("frequency"),
                   sa.column("responsible_contractor_id"), sa.column("start_date", sa.Date),
                   sa.column("end_date", sa.Date), sa.column("created_at", sa.DateTime),
                   sa.column("reporting_from", sa.Date))
agreements = sa.table("agreements", sa.column("id"), sa.column("project_id"), sa.column("status"))
projects = sa.table("projects", sa.column("id"), sa.column("start_date", sa.Date),
                    sa.column("end_date", sa.Date))
project_contractors = sa.table("project_contractors", sa.column("project_id"),
                               sa.column("contractor_id"), sa.column("role"))
reports = sa.table("contractor_reports", sa.column("id"), sa.column("clause_id"),
                   sa.column("contractor_id"), sa.column("period_start", sa.Date),
                   sa.column("period_end", sa.Date), sa.column("status"),
                   sa.column("report_version"))
reporters = sa.table("clause_reporters", sa.column("clause_id"), sa.column("contractor_id"))
obligations = sa.table("report_obligations", sa.column("clause_id"), sa.column("contractor_id"),
                       sa.column("period_start", sa.Date), sa.column("period_end", sa.Date),
                       sa.column("state"), sa.column("report_id"),
                       sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime),
                       sa.column("version"))


def _periods(frequency, start, end):
    """The calendar months or quarters from start to end, the first and last cut to them."""
    months = MONTHS[frequency]
    index = (start.year * 12 + start.month - 1) // months * months
    periods = []
    while True:
        boundary = date(index // 12, index % 12 + 1, 1)
        if boundary > end:
            return periods
        following = index + months
        last = date(following // 12, following % 12 + 1, 1) - timedelta(days=1)
        periods.append((max(boundary, start), min(last, end)))
        index = following


def _fill(bind):
    clause_rows = bind.execute(
        sa.select(clauses.c.id, clauses.c.frequency, clauses.c.responsible_contractor_id,
                  clauses.c.created_at, agreements.c.status, agreements.c.project_id,
                  sa.func.coalesce(clauses.c.start_date, projects.c.start_date).label("start"),
                  sa.func.coalesce(clauses.c.end_date, projects.c.end_date).label("end"))
        .join(agreements, clauses.c.agreement_id == agreements.c.id)
        .join(projects, agreements.c.project_id == projects.c.id)).all()
    on_project, main = defaultdict(set), defaultdict(set)
    for row in bind.execute(sa.select(project_contractors)):
        on_project[row.project_id].add(row.contractor_id)
        if row.role == "main":
            main[row.project_id].add(row.contractor_id)
    newest = {}
    for row in bind.execute(sa.select(reports)):
        key = (row.clause_id, row.contractor_id, row.period_start)
        if key not in newest or newest[key].report_version < row.report_version:
            newest[key] = row
    reported = defaultdict(set)
    first_reported = {}
    for (clause_id, contractor_id, start) in newest:
        reported[clause_id].add(contractor_id)
        first_reported[clause_id] = min(start, first_reported.get(clause_id, start))

    now = datetime.now(timezone.utc)
    chosen_rows, rows = [], {}
    for clause in clause_rows:
        entered = clause.created_at
        if isinstance(entered, str):  # SQLite gives text
            entered = datetime.fromisoformat(entered)
        reporting_from = min(filter(None, (entered.date() if entered else None,
                                           first_reported.get(clause.id))), default=None)
        bind.execute(clauses.update().where(clauses.c.id == clause.id)
                     .values(reporting_from=reporting_from))
        if clause.responsible_contractor_id is not None:
            owing = {clause.responsible_contractor_id}
        else:
            owing = main[clause.project_id]
            others = (reported[clause.id] & on_project[clause.project_id]) - owing
            if others:
                owing = owing | others
                chosen_rows += [{"clause_id": clause.id, "contractor_id": c} for c in owing]
        start, end = _day(clause.start), _day(clause.end)
        if clause.status == "draft" or None in (start, end) or start > end:
            continue
        for contractor_id in owing:
            for period_start, period_end in _periods(clause.frequency, start, end):
                if reporting_from is None or period_end >= reporting_from:
                    rows[clause.id, contractor_id, period_start] = (period_end, "due", None)
    for key, row in newest.items():
        rows[key] = (_day(row.period_end), row.status, row.id)
    if chosen_rows:
        bind.execute(reporters.insert(), chosen_rows)
    values = [{"clause_id": k[0], "contractor_id": k[1], "period_start": _day(k[2]),
               "period_end": v[0], "state": v[1], "report_id": v[2], "created_at": now,
               "updated_at": now, "version": 1} for k, v in rows.items()]
    for at in range(0, len(values), 5000):
        bind.execute(obligations.insert(), values[at:at + 5000])


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('clause_reporters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_clause_reporters_clause_id_clauses')),
    sa.ForeignKeyConstraint(['contractor_id'], ['organisations.id'], name=op.f('fk_clause_reporters_contractor_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clause_reporters')),
    sa.UniqueConstraint('clause_id', 'contractor_id', name=op.f('uq_clause_reporters_clause_id_contractor_id'))
    )
    with op.batch_alter_table('clause_reporters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clause_reporters_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('report_obligations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('waived_reason', sa.Text(), nullable=True),
    sa.Column('waived_by_id', sa.Integer(), nullable=True),
    sa.Column('waived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("state <> 'waived' OR waived_reason IS NOT NULL", name=op.f('ck_report_obligations_waived_has_reason')),
    sa.CheckConstraint("state IN ('due', 'submitted', 'approved', 'returned', 'waived')", name=op.f('ck_report_obligations_state_valid')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_report_obligations_period_end_after_start')),
    sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_report_obligations_clause_id_clauses')),
    sa.ForeignKeyConstraint(['contractor_id'], ['organisations.id'], name=op.f('fk_report_obligations_contractor_id_organisations')),
    sa.ForeignKeyConstraint(['report_id'], ['contractor_reports.id'], name=op.f('fk_report_obligations_report_id_contractor_reports')),
    sa.ForeignKeyConstraint(['waived_by_id'], ['users.id'], name=op.f('fk_report_obligations_waived_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_obligations')),
    sa.UniqueConstraint('clause_id', 'contractor_id', 'period_start', name=op.f('uq_report_obligations_clause_id_contractor_id_period_start'))
    )
    with op.batch_alter_table('report_obligations', schema=None) as batch_op:
        batch_op.create_index('ix_report_obligations_by_contractor', ['contractor_id', 'state', 'period_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_obligations_clause_id'), ['clause_id'], unique=False)
        batch_op.create_index('ix_report_obligations_open', ['period_end', 'id'], unique=False, postgresql_where=sa.text("state IN ('due', 'returned')"), sqlite_where=sa.text("state IN ('due', 'returned')"))

    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporting_from', sa.Date(), nullable=True))

    # ### end Alembic commands ###
    _fill(op.get_bind())


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.drop_column('reporting_from')

    with op.batch_alter_table('report_obligations', schema=None) as batch_op:
        batch_op.drop_index('ix_report_obligations_open', postgresql_where=sa.text("state IN ('due', 'returned')"), sqlite_where=sa.text("state IN ('due', 'returned')"))
        batch_op.drop_index(batch_op.f('ix_report_obligations_clause_id'))
        batch_op.drop_index('ix_report_obligations_by_contractor')

    op.drop_table('report_obligations')
    with op.batch_alter_table('clause_reporters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clause_reporters_contractor_id'))

    op.drop_table('clause_reporters')
    # ### end Alembic commands ###
