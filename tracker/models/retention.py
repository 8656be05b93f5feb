"""How long each kind of record is kept before `flask retention` anonymises or removes it;
set by an administrator."""
from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, one_of, utcnow
from tracker.models.codes import RETENTION_KINDS


class RetentionSetting(Base):
    __tablename__ = "retention_settings"
    __table_args__ = (one_of("kind", RETENTION_KINDS),
                      CheckConstraint("months BETWEEN 1 AND 1200", name="months"))

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    months: Mapped[int]
    # Who changed it is in the audit trail.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
