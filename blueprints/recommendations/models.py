from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.columns import UTCDateTime, utcnow
from extensions import db


class SuggestionSettings(db.Model):
    """A user who switched personalised suggestions off (no row: on)."""

    __tablename__ = "suggestion_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    personalised: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NotInterested(db.Model):
    """A product or prototype the user asked not to be suggested again."""

    __tablename__ = "not_interested"
    __table_args__ = (UniqueConstraint("user_id", "kind", "item_id", name="uq_not_interested_user_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "product" or "prototype"
    item_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
