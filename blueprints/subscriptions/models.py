from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.catalog.models import Category
from blueprints.columns import UTCDateTime, utcnow
from extensions import db


class KeywordSubscription(db.Model):
    """"Tell me when something about `keywords` appears", optionally only in a category or under a price."""
    __tablename__ = "keyword_subscriptions"
    cached_in = [("suggestions", "user_id")]  # what its user is suggested (blueprints/recommendations)
    # One row per distinct choice, even for two submits at once (a unique key over the nullable
    # columns themselves would let NULLs repeat).
    __table_args__ = (UniqueConstraint("user_id", "choice", name="uq_keyword_subscriptions_user_choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    keywords: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    max_price: Mapped[int | None]  # in fen
    choice: Mapped[str] = mapped_column(String(140))  # keywords|category|price, see `choice_key`
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()


def choice_key(keywords: str, category_id: int | None, max_price: int | None) -> str:
    return f"{keywords}|{category_id or ''}|{max_price or ''}"
