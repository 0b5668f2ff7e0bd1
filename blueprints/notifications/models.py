import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.columns import UTCDateTime, string_enum, utcnow
from extensions import db


class Kind(enum.StrEnum):
    ORDER_UPDATES = "order_updates"
    SUPPORTED_PROTOTYPES = "supported"  # news of prototypes I support or pledged to


# Orders are the user's own business and default on; everything else waits for a yes.
DEFAULT_ON = {Kind.ORDER_UPDATES}


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[Kind] = mapped_column(string_enum(Kind, "notification_kind"))
    # What happened, as a key the template words in the reader's language, and what it is about.
    event: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[Kind] = mapped_column(string_enum(Kind, "notification_kind"))
    in_site: Mapped[bool]
