from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, false, func
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.columns import UTCDateTime, utcnow
from extensions import db

DEFAULT_TIME_ZONE = "Asia/Shanghai"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    # None means "follow the browser's Accept-Language".
    locale: Mapped[str | None] = mapped_column(String(16))
    # An IANA zone name; None means the site's default (Asia/Shanghai).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # May co-designed products name this user among their contributors? Off until they say so.
    credit_contributions: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the owner deleted the account: the row stays for the orders and ledger that name it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The sign-in this request came with (set by accounts.sessions when a session is loaded): Flask-Login keeps
    # it as the user's id in the cookie, so each sign-in has its own revocable cookie, not the user id.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# Emails are unique whatever their case, enforced by the database, not only by a lookup.
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class AuthSession(db.Model):
    """One sign-in on one device. The browser holds a random token (in the session cookie, and in the
    remember-me cookie when asked); the server keeps only its SHA-256, so it can end the sign-in at any time."""
    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False, server_default=false())
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountToken(db.Model):
    """A single-use link sent by email: a password reset, or the confirmation of a new email address.
    Only the token's SHA-256 is stored."""
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
