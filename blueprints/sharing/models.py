from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.accounts.models import User
from blueprints.columns import UTCDateTime, utcnow
from extensions import db


class ShareLink(db.Model):
    """One user's link to one page. There is no link between users: nobody has an "upline"."""

    __tablename__ = "share_links"
    __table_args__ = (UniqueConstraint("user_id", "path", name="uq_share_links_user_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))  # the page on this site it leads to
    title: Mapped[str] = mapped_column(String(200))
    # The language the sharer saw the page in when they made the link: its preview in a chat app speaks it.
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ShareClick(db.Model):
    """A visitor who followed a link, counted once a day."""

    __tablename__ = "share_clicks"
    __table_args__ = (UniqueConstraint("link_id", "visitor", "day", name="uq_share_clicks_link_visitor_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id"), index=True)
    visitor: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)


class SharerDevice(db.Model):
    """A browser (visitor cookie) and network a user was seen on, so an order through their own link from the same
    device or network is recognised as theirs even under a second account, a new phone or a reworded address."""

    __tablename__ = "sharer_devices"
    __table_args__ = (UniqueConstraint("user_id", "visitor", "network", name="uq_sharer_devices_user_seen"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    visitor: Mapped[str] = mapped_column(String(64), index=True)
    network: Mapped[str] = mapped_column(String(64), index=True)  # a hash of the address and browser
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CookielessVisit(db.Model):
    """A first visit (no visitor id yet) from one network and browser to one link on one day: a browser that never
    keeps the cookie comes back as a "first visit" each time, and is counted once a day through this row."""

    __tablename__ = "share_cookieless_visits"
    __table_args__ = (UniqueConstraint("link_id", "network", "day", name="uq_share_cookieless_visits_link_network_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id"))
    network: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
