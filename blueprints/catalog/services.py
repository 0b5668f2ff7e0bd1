"""Catalog rules: only a verified supplier's members create or change its products; only active
products of verified suppliers are public."""
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from blinker import Namespace
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.cache import remembered
from blueprints.catalog.models import Category, Product, ProductImage, ProductStatus, Variant
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import delete_image, store_images
from blueprints.money import current_rates, format_money, listing_price_floor
from blueprints.slugs import unique_slug
from blueprints.suppliers.models import Supplier, SupplierStatus
from blueprints.suppliers.services import require_verified_supplier, supplier_of
from extensions import db

# Sent the first time a product goes on sale (co-design tells the prototype's supporters).
product_published = Namespace().signal("product-published")

TRANSITIONS = {
    ProductStatus.DRAFT: {ProductStatus.ACTIVE},
    ProductStatus.ACTIVE: {ProductStatus.RETIRED},
    ProductStatus.RETIRED: {ProductStatus.ACTIVE},
}




@dataclass(frozen=True)
class ProductDetails:
    title: str
    description: str
    category_id: int
    supply_price: int
    suggested_price: int
    min_price: int
    max_price: int
    title_en: str = ""
    description_en: str = ""


def price_errors(details: ProductDetails) -> dict:
    errors = {}
    if details.supply_price is None or details.supply_price <= 0:
        errors["supply_price"] = _l("The supply price must be more than zero.")
        return errors
    if details.min_price < details.supply_price:
        errors["min_price"] = _l("The lowest resale price cannot be below the supply price.")
    if details.max_price < details.min_price:
        errors["max_price"] = _l("The highest resale price cannot be below the lowest.")
    if not details.min_price <= details.suggested_price <= details.max_price:
        errors["suggested_price"] = _l("The suggested price must be inside the resale band.")
    elif details.suggested_price < (floor := listing_price_floor(details.supply_price, current_rates())):
        # The catalog sells at the suggested price; below this the platform would pay to sell it.
        errors["suggested_price"] = _l("The suggested price must leave room for the platform's fees: at least %(floor)s.",
                                       floor=format_money(floor))
    return errors


def _check_details(details: ProductDetails) -> None:
    errors = price_errors(details)
    if not details.title.strip():
        errors["title"] = _l("Give the product a title in Chinese.")
    if db.session.get(Category, details.category_id) is None:
        errors["category_id"] = _l("Choose a category.")
    if errors:
        raise InvalidFields(errors)


def require_product_editor(user: User, product: Product) -> None:
    supplier = require_verified_supplier(user)
    if product.supplier_id != supplier.id:
        raise AccessDenied()


def create_product(user: User, details: ProductDetails) -> Product:
    supplier = require_verified_supplier(user)
    _check_details(details)
    product = Product(supplier_id=supplier.id, slug=unique_slug(Product.slug, details.title, fallback="product"),
                      status=ProductStatus.DRAFT, **_fields(details))
    db.session.add(product)
    db.session.flush()
    return product


def update_product(user: User, product: Product, details: ProductDetails) -> Product:
    require_product_editor(user, product)
    _check_details(details)
    for name, value in _fields(details).items():
        setattr(product, name, value)
    db.session.flush()
    return product


def _fields(details: ProductDetails) -> dict:
    return {"title": details.title.strip(), "title_en": details.title_en.strip(),
            "description": details.description.strip(), "description_en": details.description_en.strip(),
            "category_id": details.category_id, "supply_price": details.supply_price,
            "suggested_price": details.suggested_price, "min_price": details.min_price,
            "max_price": details.max_price}


def change_status(user: User, product: Product, status: ProductStatus) -> None:
    require_product_editor(user, product)
    if status not in TRANSITIONS[product.status]:
        raise DomainError(_l("A product cannot go from this state to that one."))
    if status == ProductStatus.ACTIVE and not product.variants:
        raise DomainError(_l("Add at least one variant with its SKU before publishing."))
    product.status = status
    first_time_on_sale = status == ProductStatus.ACTIVE and product.published_at is None
    if first_time_on_sale:
        product.published_at = utcnow()
    db.session.flush()
    if first_time_on_sale:
        product_published.send(product)


def add_variant(user: User, product: Product, *, sku: str, options: dict, stock_on_hand: int,
                options_en: dict | None = None, image_id: int | None = None) -> Variant:
    require_product_editor(user, product)
    variant = Variant(position=len(product.variants))
    _apply_variant(variant, sku=sku, options=options, options_en=options_en or {}, stock_on_hand=stock_on_hand,
                   image_id=image_id, product=product)
    product.variants.append(variant)
    db.session.flush()
    return variant


def update_variant(user: User, variant: Variant, *, sku: str, options: dict, stock_on_hand: int,
                   options_en: dict | None = None, image_id: int | None = None) -> Variant:
    """Change the variant to exactly what is given: no image_id means it has no picture of its own."""
    require_product_editor(user, variant.product)
    _apply_variant(variant, sku=sku, options=options, options_en=options_en or {}, stock_on_hand=stock_on_hand,
                   image_id=image_id, product=variant.product)
    db.session.flush()
    return variant


def _kept_options(options: dict) -> dict:
    return {name.strip(): value.strip() for name, value in options.items() if name.strip() and value.strip()}


def _apply_variant(variant: Variant, *, sku: str, options: dict, options_en: dict, stock_on_hand: int,
                   image_id: int | None, product: Product) -> None:
    siblings = product.variants
    sku = sku.strip().upper()
    options, options_en = _kept_options(options), _kept_options(options_en)
    errors = {}
    for name in options_en.keys() - options.keys():
        # The Chinese value is the one every page can fall back on.
        errors[name] = _l("Give this option in Chinese too.")
    # "Green / Large" twice on one product page would leave a buyer guessing which one they get.
    if any(other is not variant and {k: v.casefold() for k, v in other.options.items()}
           == {k: v.casefold() for k, v in options.items()} for other in siblings):
        errors["colour"] = _l("Another variant of this product already has these options.")
    taken = db.session.scalar(select(Variant.id).where(func.upper(Variant.sku) == sku, Variant.id != variant.id))
    if taken is not None:
        errors["sku"] = _l("Another variant already uses this SKU.")
    if stock_on_hand is None or stock_on_hand < 0:
        errors["stock_on_hand"] = _l("Stock cannot be negative.")
    # Another product's picture would show a buyer something this product is not.
    if image_id is not None and image_id not in {image.id for image in product.images}:
        errors["image_id"] = _l("Choose one of this product's own pictures.")
    if errors:
        raise InvalidFields(errors)
    variant.image_id = image_id
    variant.sku = sku
    variant.options = options
    variant.options_en = options_en
    variant.stock_on_hand = stock_on_hand


def remove_variant(user: User, variant: Variant) -> None:
    require_product_editor(user, variant.product)
    if variant.product.status == ProductStatus.ACTIVE and len(variant.product.variants) == 1:
        raise DomainError(_l("An active product needs at least one variant. Retire it first."))
    variant.product.variants.remove(variant)
    db.session.flush()


def add_images(user: User, product: Product, uploads) -> list[ProductImage]:
    """Store uploaded (file name, stream) pairs for the product, all or none (see media.store_images)."""
    require_product_editor(user, product)
    stored = store_images(uploads)
    first_position = len(product.images)
    images = [ProductImage(key=image.key, width=image.width, height=image.height, position=first_position + index)
              for index, image in enumerate(stored)]
    product.images.extend(images)
    db.session.flush()
    return images


def remove_image(user: User, image: ProductImage) -> None:
    """Delete the picture; the variants it showed keep selling, with no picture of their own."""
    require_product_editor(user, image.product)
    for variant in image.product.variants:
        if variant.image_id == image.id:
            variant.image_id = None
    # Unlinked before the delete: nothing tells the session that variants must be written first.
    db.session.flush()
    image.product.images.remove(image)
    db.session.flush()
    delete_image(image.key)


# Reading the catalog. The one rule of what the public may see of it: active products of verified suppliers,
# in SQL (public_product_conditions) and in Python (is_public). Every list and page uses one of the two.

def public_product_conditions() -> tuple:
    """SQL conditions for a public product; the query must join Product.supplier."""
    return Product.status == ProductStatus.ACTIVE, Supplier.status == SupplierStatus.VERIFIED


def visible_products():
    return select(Product).join(Product.supplier).where(*public_product_conditions())


def is_public(product: Product) -> bool:
    return product.status == ProductStatus.ACTIVE and product.supplier.status == SupplierStatus.VERIFIED


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def _listed_products():
    return visible_products().options(selectinload(Product.images), selectinload(Product.variants),
                                      joinedload(Product.supplier), joinedload(Product.category))


def newest_products(limit: int) -> list[Product]:
    """The newest public products, without counting them all as a page of the catalog does."""
    return list(db.session.scalars(_listed_products().order_by(Product.created_at.desc(), Product.id.desc())
                                   .limit(limit)))


def in_category(category_id_column, category: Category):
    """A product or prototype in `category` or one of its subcategories."""
    children = select(Category.id).where(Category.parent_id == category.id)
    return or_(category_id_column == category.id, category_id_column.in_(children))


def catalog_page(*, category: Category | None, page: int, per_page: int = 24):
    query = _listed_products()
    if category is not None:
        query = query.where(in_category(Product.category_id, category))
    page_of = db.paginate(query.order_by(Product.created_at.desc(), Product.id.desc()), page=page,
                          per_page=per_page, error_out=False, count=False)
    # Counting every public product reads the whole table; the page count may be a minute stale.
    page_of.total = remembered(f"catalog-count:{category.id if category else 'all'}",
                               current_app.config["CATALOG_COUNT_SECONDS"],
                               lambda: db.session.scalar(select(func.count()).select_from(query.subquery())))
    return page_of


# What other rooms show on a product's page if there is any (its co-design story, team price, shops, reviews),
# asked as EXISTS in the statement that loads the product for its page: most products lack some of them, and each
# was a query of its own on every first view. name -> function(the Product.id column) -> a boolean expression;
# each room registers its own, as with the facts read with a sign-in (accounts/sessions.py READ_WITH_SIGN_IN).
READ_WITH_PRODUCT: dict[str, Callable] = {}


def with_product_facts(query):
    """`query` (joined to Product) also reading READ_WITH_PRODUCT, for `keep_product_facts`."""
    return query.add_columns(*(exists_for(Product.id).label(name) for name, exists_for in READ_WITH_PRODUCT.items()))


def keep_product_facts(product: Product, row) -> None:
    g.setdefault("product_facts", {})[product.id] = {name: bool(getattr(row, name)) for name in READ_WITH_PRODUCT}


def product_has(product: Product, name: str) -> bool:
    """Whether the product's page has a part of `name` (READ_WITH_PRODUCT): True unless its loading said not."""
    return g.get("product_facts", {}).get(product.id, {}).get(name, True)


def product_for_page(slug: str, viewer: User) -> Product | None:
    """The product if the public may see it, or if the viewer acts for its supplier (a preview)."""
    row = db.session.execute(_product_page_statement(tuple(READ_WITH_PRODUCT)), {"slug": slug}).unique().one_or_none()
    if row is None:
        return None
    product = row[0]
    keep_product_facts(product, row)
    if is_public(product):
        return product
    own_supplier = supplier_of(viewer)
    return product if own_supplier is not None and own_supplier.id == product.supplier_id else None


@cache
def _product_page_statement(registered_facts: tuple[str, ...]):
    # Built once, as the sign-in's is: with the facts and the eager loads, building it cost more than running it.
    # `registered_facts` only keys the cache: a fact a room registers later gets a statement of its own. Its pictures
    # and category (the breadcrumb) come with it; its variants apart, as joining both collections would multiply
    # rows (pictures × variants, with no bound on either).
    return with_product_facts(
        select(Product).where(Product.slug == bindparam("slug"))
        .options(joinedload(Product.images), selectinload(Product.variants), joinedload(Product.supplier),
                 joinedload(Product.category)))


def supplier_products(supplier: Supplier) -> list[Product]:
    return list(db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id)
        .options(selectinload(Product.images), selectinload(Product.variants), joinedload(Product.category))
        .order_by(Product.updated_at.desc(), Product.id.desc())))
