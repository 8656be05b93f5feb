"""The append-only audit trail: changes to records and views of personal data.

The database itself refuses to change or delete a row of the trail (triggers made by
migration 0019); only inside a transaction that holds the row of `maintenance_mode` may the
copied field values be blanked (anonymisation) or rows be deleted.
"""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, one_of, utcnow

AUDIT_ACTIONS = ("create", "update", "delete", "view", "export", "login", "logout", "login_failed",
                 "login_throttled", "password_changed", "password_reset", "signed_out_all",
                 "throttle_cleared", "anonymise", "erase")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (one_of("action", AUDIT_ACTIONS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # No foreign key: the trail outlives users and records it speaks of.
    user_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None]
    participant_id: Mapped[int | None] = mapped_column(index=True)
    changes: Mapped[dict | None] = mapped_column(JSON)
    purpose: Mapped[str | None] = mapped_column(String(40))


class AuditEventParticipant(Base):
    """A participant shown by an event that showed several (a list page, a search, an API
    page, an evidence file): one row each, so that each resident's history finds the event.
    Keyed by participant first: the history reads it by participant."""

    __tablename__ = "audit_event_participants"

    # No foreign key to participants: the trail outlives them.
    participant_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True,
                                          autoincrement=False)


MAINTENANCE_REASONS = ("anonymise", "empty")


class MaintenanceMode(Base):
    """At most one row, inserted and deleted again inside the one transaction that may
    anonymise or delete rows of the audit trail; other transactions never see it."""

    __tablename__ = "maintenance_mode"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),
                      one_of("reason", MAINTENANCE_REASONS))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(String(20))
