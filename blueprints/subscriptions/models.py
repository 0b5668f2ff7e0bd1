from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.catalog.models import Category
from blueprints.columns import UTCDateTime, utcnow
from extensions import db


class KeywordSubscription(db.Model):
    """"Tell me when something about `keywords` appears", optionally only in a category or under a price."""
    __tablename__ = "keyword_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    keywords: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    max_price: Mapped[int | None]  # in fen
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()
