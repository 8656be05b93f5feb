"""Users, their API tokens."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Timestamped, one_of, utcnow
from tracker.models.codes import ROLES
from tracker.models.organisations import Organisation


class User(UserMixin, Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES),
        CheckConstraint(
            "role IN ('admin', 'staff') OR organisation_id IS NOT NULL",
            name="organisation_for_external_roles",
        ),
        CheckConstraint("locale IS NULL OR locale IN ('da', 'en')", name="locale_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    locale: Mapped[str | None] = mapped_column(String(5))
    # Raised to end every session of the user (sign out everywhere, new password).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_login_window_start: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_secretariat(self) -> bool:
        return self.role in ("admin", "staff")

    def __str__(self) -> str:
        return self.name


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
