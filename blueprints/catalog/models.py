import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.bilingual import localized_options
from blueprints.columns import UTCDateTime, string_enum, utcnow
from blueprints.suppliers.models import Supplier
from extensions import db


class Category(db.Model):
    """A small two-level tree, named in both languages the site speaks."""

    __tablename__ = "categories"
    cached_in = [("catalog", None), ("categories", None)]  # the catalog's facet list names every category (blueprints/cache.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped["Category | None"] = relationship(remote_side=[id])

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class Product(db.Model):
    __tablename__ = "products"
    cached_in = [("catalog", None), ("product", "id")]  # its page's pictures (blueprints/cache.py fragments)
    __table_args__ = (
        CheckConstraint("supply_price > 0", name="supply_price_positive"),
        CheckConstraint("supply_price <= min_price AND min_price <= suggested_price AND suggested_price <= max_price",
                        name="price_band_ordered"),
        # The catalog and home page: active products, newest first, read in index order a page at a time.
        Index("ix_products_status_created_at_id", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    # The plain columns hold the required 简体中文 text; the *_en columns the optional English.
    title: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str] = mapped_column(String(160), default="", server_default="")
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[ProductStatus] = mapped_column(string_enum(ProductStatus, "product_status"),
                                                  default=ProductStatus.DRAFT, index=True)
    # Minor units (fen). supply_price is what the supplier is paid per unit.
    supply_price: Mapped[int]
    suggested_price: Mapped[int]
    min_price: Mapped[int]
    max_price: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first time it went on sale

    supplier: Mapped[Supplier] = relationship()
    category: Mapped[Category] = relationship()
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", order_by="ProductImage.position, ProductImage.id", cascade="all, delete-orphan")
    variants: Mapped[list["Variant"]] = relationship(
        back_populates="product", order_by="Variant.position, Variant.id", cascade="all, delete-orphan")

    @property
    def cover(self) -> "ProductImage | None":
        return self.images[0] if self.images else None

    @property
    def stock_total(self) -> int:
        return sum(variant.stock_on_hand for variant in self.variants)


class ProductImage(db.Model):
    __tablename__ = "product_images"
    cached_in = [("catalog", None), ("product", "product_id")]

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="images")


class Variant(db.Model):
    """A SKU: one combination of option values, with its own stock."""
    # The pages it appears on (blueprints/shared_pages.py); stock moves bump fewer (blueprints/catalog/stock.py).
    cached_in = [("catalog", None)]

    __tablename__ = "variants"
    __table_args__ = (CheckConstraint("stock_on_hand >= 0", name="stock_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    # e.g. {"colour": "Sage", "size": "M"}
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    # The same keys as options, with the values in English, e.g. {"colour": "Sage"} for {"colour": "鼠尾草绿"}.
    options_en: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    stock_on_hand: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    # The product's picture of this variant (its colour, say), shown first when a buyer chooses it.
    image_id: Mapped[int | None] = mapped_column(ForeignKey("product_images.id", ondelete="SET NULL"))

    product: Mapped[Product] = relationship(back_populates="variants")

    def picture_among(self, images: list[ProductImage]) -> ProductImage | None:
        """This variant's picture, found in its product's already loaded images (no query)."""
        return next((image for image in images if image.id == self.image_id), None) if self.image_id else None

    @property
    def label(self) -> str:
        """The option values in the viewer's language, e.g. "鼠尾草绿 / 中号" or "Sage / M"."""
        shown = localized_options(self.options, self.options_en)
        return " / ".join(str(value) for value in shown.values()) or self.sku
