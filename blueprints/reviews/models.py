from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.accounts.models import User
from blueprints.columns import UTCDateTime, utcnow
from extensions import db


class Review(db.Model):
    """A buyer's review of one delivered order line. Never deleted: moderation only folds it, with a reason."""
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_one_to_five"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One review per line, held by the database, not only by a check in Python.
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    variant_label: Mapped[str] = mapped_column(String(120))  # what was bought, copied from the line
    stars: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    photo_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    helpful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)  # the supplier's one official public answer
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The ask on a prototype the supplier made of it.
    ask_id: Mapped[int | None] = mapped_column(ForeignKey("asks.id"))

    author: Mapped[User] = relationship()
    photos: Mapped[list["ReviewPhoto"]] = relationship(order_by="ReviewPhoto.position", cascade="all, delete-orphan")


class ReviewPhoto(db.Model):
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "review_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)


class ReviewVote(db.Model):
    """Someone found a review helpful (once each)."""

    __tablename__ = "review_votes"
    __table_args__ = (UniqueConstraint("review_id", "user_id", name="uq_review_votes_review_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ReviewReport(db.Model):
    __tablename__ = "review_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    review: Mapped[Review] = relationship()
    reporter: Mapped[User] = relationship()


class ReviewRequest(db.Model):
    """The one "how was it?" sent for a delivered order; the unique order id keeps it to one."""

    __tablename__ = "review_requests"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True, autoincrement=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrackRecord(db.Model):
    """A supplier's or shop's figures, computed from the site's data by `flask refresh-track-records` on a schedule,
    so a page reads one row instead of counting orders on every view."""
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "track_records"
    __table_args__ = (UniqueConstraint("kind", "owner_id", name="uq_track_records_kind_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "supplier" or "shop"
    owner_id: Mapped[int]
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    orders: Mapped[int] = mapped_column(default=0)
    shipped: Mapped[int] = mapped_column(default=0)
    median_ship_hours: Mapped[int | None]
    on_time_bp: Mapped[int | None]  # basis points of shipments sent within the promised time
    return_rate_bp: Mapped[int | None]
    review_count: Mapped[int] = mapped_column(default=0)
    average_stars_x100: Mapped[int | None]
    prototypes_launched: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
