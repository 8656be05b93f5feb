"""The append-only audit trail: changes to records and views of personal data."""
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, one_of, utcnow

AUDIT_ACTIONS = ("create", "update", "delete", "view", "export", "login", "logout", "login_failed",
                 "login_throttled", "password_changed", "password_reset", "signed_out_all",
                 "throttle_cleared")


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
