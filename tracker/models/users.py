"""Users, their sessions and API tokens, and the sign-in throttle."""
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, true
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
    last_login_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_secretariat(self) -> bool:
        return self.role in ("admin", "staff")

    def __str__(self) -> str:
        return self.name


class UserSession(Base):
    """One sign-in: the browser's session names it, and it is valid while not ended (sign
    out, sign out everywhere, a new password) nor idle or old past the configured limits."""

    __tablename__ = "user_sessions"

    # Random; kept in the signed session cookie, which nobody can forge without the secret.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def status(self, now: datetime) -> str:
        """'revoked', 'expired' or 'active' at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        expires = self.expires_at
        if expires.tzinfo is None:  # SQLite returns naive UTC
            expires = expires.replace(tzinfo=UTC)
        return "expired" if expires <= now else "active"


THROTTLE_KINDS = ("address", "account")


class SignInThrottle(Base):
    """Failed sign-ins from one address or for one typed e-mail (known or not), counted in
    the database so every app process sees the same figure; `not_before` delays the next
    attempt."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (
        one_of("kind", THROTTLE_KINDS),
        UniqueConstraint("kind", "key"),
        CheckConstraint("failures >= 1", name="failures_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(254))
    failures: Mapped[int]
    first_failure_at: Mapped[datetime]
    last_failure_at: Mapped[datetime]
    not_before: Mapped[datetime | None]
