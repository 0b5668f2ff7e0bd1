from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.accounts.models import User
from blueprints.catalog.models import Product
from blueprints.columns import UTCDateTime, utcnow
from extensions import db


class Shop(db.Model):
    """A storefront that curates catalog products. It never owns products or stock."""
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # The plain columns hold the required 简体中文 text; the *_en columns the optional English.
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="", server_default="")
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    tagline: Mapped[str] = mapped_column(String(160), default="")
    tagline_en: Mapped[str] = mapped_column(String(160), default="", server_default="")
    logo_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # newest on the home page

    owner: Mapped[User] = relationship()


class Listing(db.Model):
    """A catalog product in a shop, at the shop's price."""
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "listings"
    __table_args__ = (
        UniqueConstraint("shop_id", "product_id", name="uq_listings_shop_product"),
        CheckConstraint("price > 0", name="price_positive"),
        # A storefront lists its listings in the owner's order.
        Index("ix_listings_shop_id_position_id", "shop_id", "position", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    price: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    featured: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shop: Mapped[Shop] = relationship()
    product: Mapped[Product] = relationship()
