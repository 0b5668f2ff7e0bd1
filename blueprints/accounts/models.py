from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String, false, func
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.columns import UTCDateTime, utcnow
from extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    # None means "follow the browser's Accept-Language".
    locale: Mapped[str | None] = mapped_column(String(16))
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # May co-designed products name this user among their contributors? Off until they say so.
    credit_contributions: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# Emails are unique whatever their case, enforced by the database, not only by a lookup.
Index("uq_users_email_lower", func.lower(User.email), unique=True)
