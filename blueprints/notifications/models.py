import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.columns import UTCDateTime, string_enum, utcnow
from extensions import db


class Kind(enum.StrEnum):
    ORDER_UPDATES = "order_updates"
    REPLIES = "replies"  # replies to my comments
    SUPPORTED_PROTOTYPES = "supported"  # prototypes I supported, voted on, pledged to or commented on
    KEYWORD_MATCHES = "keywords"  # something new matches one of my saved keywords
    SHOP_NEWS = "shop_news"  # new things from shops I bought from
    RECOMMENDATIONS = "recommended"
    DIGEST = "digest"  # the daily bundle of what the cap held back; not a choice of its own
    ACCOUNT = "account"  # password resets, email confirmations, security notices: always sent, not a choice
    # Everything else a user did or owns: their supplier application, their supplier's orders, reports and
    # feedback, their returns, payouts and teams. Rooms with news of that kind call notify(..., MY_ACTIVITY).
    MY_ACTIVITY = "activity"


class Channel(enum.StrEnum):
    IN_SITE = "in_site"
    EMAIL = "email"


CHOOSABLE = [Kind.ORDER_UPDATES, Kind.SUPPORTED_PROTOTYPES, Kind.REPLIES, Kind.MY_ACTIVITY, Kind.KEYWORD_MATCHES,
             Kind.SHOP_NEWS, Kind.RECOMMENDATIONS]
# News about what the user did or owns. It always reaches the bell (a user cannot miss that the thing they
# pledged to launched), is never capped, and goes by email as they chose: orders, pledges and the rest of
# their activity by default, replies only when asked for.
OWN_ACTIVITY = frozenset({Kind.ORDER_UPDATES, Kind.REPLIES, Kind.SUPPORTED_PROTOTYPES, Kind.MY_ACTIVITY})
# Kinds that tell people about things to buy: off until chosen, capped per day, an unsubscribe link in each email.
PROMOTIONAL = frozenset({Kind.KEYWORD_MATCHES, Kind.SHOP_NEWS, Kind.RECOMMENDATIONS})
DEFAULT_ON = ({(kind, Channel.IN_SITE) for kind in OWN_ACTIVITY}
              | {(kind, Channel.EMAIL) for kind in (Kind.ORDER_UPDATES, Kind.SUPPORTED_PROTOTYPES, Kind.MY_ACTIVITY)})
DEFAULT_DAILY_CAP = 3


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
    # The channels it went out on. A row with neither shown in the site nor emailed still counts
    # towards the daily cap, so email-only users get the same cap.
    in_site: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    by_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Over the daily cap: kept out of sight until the digest bundles it.
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[Kind] = mapped_column(string_enum(Kind, "notification_kind"))
    in_site: Mapped[bool]
    email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NotificationSettings(db.Model):
    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    daily_cap: Mapped[int] = mapped_column(Integer, default=DEFAULT_DAILY_CAP)


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class OutboxEmail(db.Model):
    """An email waiting to be sent. `flask send-outbox` claims each row before sending it, so two
    runs at once never send the same one twice."""
    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[Kind] = mapped_column(string_enum(Kind, "notification_kind"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[EmailStatus] = mapped_column(string_enum(EmailStatus, "email_status"), default=EmailStatus.PENDING,
                                                index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
