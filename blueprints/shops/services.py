"""Shop rules: one shop per user; listings only of public products, priced inside the supplier's
band and never below the floor that keeps the shop's earnings at or above zero."""
from dataclasses import dataclass
from functools import cache

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, and_, bindparam, cast, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import contains_eager, joinedload

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductImage
from blueprints.catalog.services import (READ_WITH_PRODUCT, is_public, keep_product_facts, public_product_conditions,
                                         with_product_facts)
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import delete_image, store_image
from blueprints.money import (BASIS_POINTS, Rates, current_rates, format_money, kept_share, listing_price_floor,
                              shop_earnings_per_unit)
from blueprints.slugs import is_valid_slug
from blueprints.shops.models import Listing, Shop
from extensions import db

# Sent when a shop adds a product; orders tells the shop's customers (they are orders' to know).
listing_added = Namespace().signal("listing-added")




@dataclass(frozen=True)
class PriceRange:
    lowest: int
    highest: int

    @property
    def sellable(self) -> bool:
        return self.lowest <= self.highest


def shop_of(user: User) -> Shop | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Shop).where(Shop.owner_id == user.id))


def _has_a_committed_shop(user: User) -> bool:
    """Whether another transaction has opened a shop for `user`, asked on a connection of its own: after a refused
    insert this session's transaction can answer nothing until it is rolled back (on PostgreSQL)."""
    try:
        with db.engine.connect() as connection:
            return connection.scalar(select(Shop.id).where(Shop.owner_id == user.id)) is not None
    except SQLAlchemyError:
        return False


def require_shop_owner(user: User, shop: Shop) -> None:
    if not user.is_authenticated or shop.owner_id != user.id:
        raise AccessDenied()


def _check_shop_fields(name: str, slug: str, exclude_id: int | None) -> dict:
    errors = {}
    if not name.strip():
        errors["name"] = _l("Give your shop a name.")
    if not is_valid_slug(slug):
        errors["slug"] = _l("Use lowercase letters, digits and single hyphens, like mei-home-goods.")
    elif db.session.scalar(select(Shop.id).where(Shop.slug == slug, Shop.id != (exclude_id or 0))) is not None:
        errors["slug"] = _l("Another shop already uses this address. Try another.")
    return errors


def open_shop(user: User, *, name: str, slug: str, tagline: str = "", name_en: str = "",
              tagline_en: str = "") -> Shop:
    if not user.is_authenticated:
        raise AccessDenied()
    if shop_of(user) is not None:
        raise DomainError(_l("You already have a shop."))
    slug = slug.strip().lower()
    errors = _check_shop_fields(name, slug, None)
    if errors:
        if "slug" in errors and shop_of(user) is not None:
            # The same form from a second tab opened the shop (and took this address) since the check above.
            raise DomainError(_l("You already have a shop."))
        raise InvalidFields(errors)
    shop = Shop(owner_id=user.id, name=name.strip(), slug=slug, tagline=tagline.strip(), name_en=name_en.strip(),
                tagline_en=tagline_en.strip())
    db.session.add(shop)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Another request (the same form sent from a second tab) opened a shop for this user, or took the
        # address, between the checks above and this insert. The caller rolls back, as for any refusal.
        if "owner_id" in str(error.orig) or _has_a_committed_shop(user):
            raise DomainError(_l("You already have a shop.")) from error
        raise InvalidFields({"slug": _l("Another shop already uses this address. Try another.")}) from error
    return shop


def update_shop(user: User, shop: Shop, *, name: str, slug: str, tagline: str, name_en: str = "",
                tagline_en: str = "") -> Shop:
    require_shop_owner(user, shop)
    slug = slug.strip().lower()
    errors = _check_shop_fields(name, slug, shop.id)
    if errors:
        raise InvalidFields(errors)
    shop.name, shop.slug, shop.tagline = name.strip(), slug, tagline.strip()
    shop.name_en, shop.tagline_en = name_en.strip(), tagline_en.strip()
    db.session.flush()
    return shop


def set_logo(user: User, shop: Shop, stream) -> None:
    """Replace the shop's logo with an uploaded image (raises ImageRejected), or remove it (stream None)."""
    require_shop_owner(user, shop)
    old_key = shop.logo_key
    shop.logo_key = store_image(stream).key if stream is not None else None
    db.session.flush()
    if old_key:
        delete_image(old_key)


def allowed_prices(product: Product, rates: Rates) -> PriceRange:
    return PriceRange(max(product.min_price, listing_price_floor(product.supply_price, rates)), product.max_price)


def _check_price(product: Product, price: int | None, rates: Rates) -> None:
    limits = allowed_prices(product, rates)
    if not limits.sellable:
        raise InvalidFields({"price": _l("At today's platform rates this product cannot be resold without a loss.")})
    if price is None or not limits.lowest <= price <= limits.highest:
        raise InvalidFields({"price": _l("Choose a price from %(low)s to %(high)s.",
                                       low=format_money(limits.lowest), high=format_money(limits.highest))})


def add_listing(user: User, shop: Shop, product: Product, price: int | None, rates: Rates) -> Listing:
    require_shop_owner(user, shop)
    if not is_public(product):
        raise DomainError(_l("Only active products of verified suppliers can be listed."))
    if db.session.scalar(select(Listing.id).where(Listing.shop_id == shop.id,
                                                  Listing.product_id == product.id)) is not None:
        raise DomainError(_l("This product is already in your shop."))
    _check_price(product, price, rates)
    last = db.session.scalar(select(func.max(Listing.position)).where(Listing.shop_id == shop.id))
    listing = Listing(shop_id=shop.id, product_id=product.id, price=price, position=(last or 0) + 1)
    db.session.add(listing)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The same product added a moment ago by another request (a second tab, a double click); the caller
        # rolls back, as for any refusal.
        raise DomainError(_l("This product is already in your shop.")) from error
    listing_added.send(shop, product=product)
    return listing


def set_listing_price(user: User, listing: Listing, price: int | None, rates: Rates) -> None:
    require_shop_owner(user, listing.shop)
    _check_price(listing.product, price, rates)
    listing.price = price
    db.session.flush()


def move_listing(user: User, listing: Listing, step: int) -> None:
    """Swap the listing with its neighbour above (step -1) or below (step +1)."""
    require_shop_owner(user, listing.shop)
    ordered = list(db.session.scalars(select(Listing).where(Listing.shop_id == listing.shop_id)
                                      .order_by(Listing.position, Listing.id)))
    index = ordered.index(listing)
    other = index + step
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    db.session.flush()


def set_featured(user: User, listing: Listing, featured: bool) -> None:
    require_shop_owner(user, listing.shop)
    listing.featured = featured
    db.session.flush()


def remove_listing(user: User, listing: Listing) -> None:
    require_shop_owner(user, listing.shop)
    db.session.delete(listing)
    db.session.flush()


def earnings(listing: Listing, rates: Rates) -> tuple[int, int]:
    """What the shop keeps per unit: (without a sharer's reward, with one)."""
    supply = listing.product.supply_price
    return (shop_earnings_per_unit(listing.price, supply, rates, referred=False),
            shop_earnings_per_unit(listing.price, supply, rates, referred=True))


# Reading shops

def _listing_query():
    return (select(Listing)
            .options(joinedload(Listing.product).joinedload(Product.supplier),
                     joinedload(Listing.product).selectinload(Product.images),
                     joinedload(Listing.product).selectinload(Product.variants))
            .order_by(Listing.position, Listing.id))


def priced_within_limits(rates: Rates):
    """SQL: the listing's price is still inside the band and above the floor (a supplier may have
    changed its prices since the listing was made; until the owner re-prices, it is not for sale)."""
    return _priced_within(kept_share(rates))


def _priced_within(kept_share_bp):
    """priced_within_limits with the kept share as a number or a bound parameter."""
    # In 64 bits: a price in fen times basis points overflows PostgreSQL's integer from about ¥2,150 up.
    return and_(Listing.price >= Product.min_price, Listing.price <= Product.max_price,
                cast(Listing.price, BigInteger) * kept_share_bp
                >= cast(Product.supply_price, BigInteger) * BASIS_POINTS)


# A listing is for sale when its product is public and its price still fits the product's band: in SQL
# (public_listings) and in Python (listing_problem is None). Every shop list and page uses one of the two.

def public_listings(query, kept_share_bp=None):
    """`query` (selecting from Listing) narrowed to the listings a shop's visitors may buy; `kept_share_bp`
    (kept_share of the rates, or a bound parameter for a statement built once) defaults to today's rates'."""
    priced = priced_within_limits(current_rates()) if kept_share_bp is None else _priced_within(kept_share_bp)
    return query.join(Listing.product).join(Product.supplier).where(*public_product_conditions(), priced)


def listing_problem(listing: Listing, rates: Rates) -> str | None:
    """Why a listing is not for sale in its shop right now, for its owner; None when it is."""
    product = listing.product
    if not is_public(product):
        return _l("Hidden from your shop: the supplier has retired this product or is suspended. "
                  "It comes back when that changes.")
    limits = allowed_prices(product, rates)
    if not limits.lowest <= listing.price <= limits.highest:
        return _l("Hidden from your shop: the supplier changed its prices. Set a price from %(low)s to %(high)s "
                  "to sell it again.", low=format_money(limits.lowest), high=format_money(limits.highest))
    return None


def owner_listings(shop: Shop) -> list[Listing]:
    """Every listing, including those hidden while their product is retired or supplier suspended."""
    return list(db.session.scalars(_listing_query().where(Listing.shop_id == shop.id)).unique())


def storefront_listings(shop: Shop) -> list[Listing]:
    return list(db.session.scalars(public_listings(_listing_query()).where(Listing.shop_id == shop.id)).unique())


def storefront_cover_key(shop: Shop, listings: list[Listing] | None = None) -> str | None:
    """The first picture the shop's visitors see (its link preview's): from its `listings` when they are loaded,
    else without loading them."""
    if listings is not None:
        return next((listing.product.cover.key for listing in listings if listing.product.cover), None)
    return db.session.scalar(
        public_listings(select(ProductImage.key).select_from(Listing))
        .join(ProductImage, ProductImage.product_id == Listing.product_id).where(Listing.shop_id == shop.id)
        .order_by(Listing.position, Listing.id, ProductImage.position, ProductImage.id).limit(1))


def listings_of_products(shop_id: int, product_ids: list[int]) -> list[Listing]:
    """The shop's public listings of these products (a few of its storefront's, at the same cost)."""
    if not product_ids:
        return []
    return list(db.session.scalars(public_listings(_listing_query()).where(
        Listing.shop_id == shop_id, Listing.product_id.in_(product_ids))).unique())


def product_ids_sold_by(shop_id: int) -> set[int]:
    """The products a shop's visitors may buy there, by id."""
    return set(db.session.scalars(public_listings(select(Listing.product_id)).where(Listing.shop_id == shop_id)))


def shop_by_slug(slug: str) -> Shop | None:
    """An open shop: one whose owner deleted their account is closed."""
    return db.session.scalar(_open_shops(select(Shop)).where(Shop.slug == slug))


def _open_shops(query):
    """`query` (joined to Shop) narrowed to open shops."""
    return query.join(User, User.id == Shop.owner_id).where(User.deleted_at.is_(None))


def public_listing(shop: Shop, product_slug: str) -> Listing | None:
    """One listing and its product, loaded as product_for_page loads it (its facts for the page too)."""
    return _listing_for_page(_public_listing_statement(tuple(READ_WITH_PRODUCT), in_shop_by_slug=False),
                             shop_id=shop.id, product_slug=product_slug)


def public_listing_in_open_shop(shop_slug: str, product_slug: str) -> Listing | None:
    """public_listing with its shop, found by their addresses' slugs, if the shop is open (shop_by_slug):
    a shop's product page in one round trip."""
    return _listing_for_page(_public_listing_statement(tuple(READ_WITH_PRODUCT), in_shop_by_slug=True),
                             shop_slug=shop_slug, product_slug=product_slug)


def _listing_for_page(statement, **bound) -> Listing | None:
    row = db.session.execute(statement, {**bound, "kept_share_bp": kept_share(current_rates())}).unique().one_or_none()
    if row is None:
        return None
    keep_product_facts(row[0].product, row)
    return row[0]


@cache
def _public_listing_statement(registered_facts: tuple[str, ...], *, in_shop_by_slug: bool):
    # Built once, as product_for_page's is (`registered_facts` keys the cache alike), with what varies bound: the rates
    # too. The product and supplier public_listings joins are the ones loaded (contains_eager): joining them twice
    # cost as much again.
    query = public_listings(select(Listing), kept_share_bp=bindparam("kept_share_bp"))
    if in_shop_by_slug:
        query = (_open_shops(query.join(Listing.shop)).where(Shop.slug == bindparam("shop_slug"))
                 .options(contains_eager(Listing.shop)))
    else:
        query = query.where(Listing.shop_id == bindparam("shop_id"))
    return with_product_facts(
        query.where(Product.slug == bindparam("product_slug"))
        .options(contains_eager(Listing.product).contains_eager(Product.supplier),
                 contains_eager(Listing.product).joinedload(Product.images),
                 contains_eager(Listing.product).selectinload(Product.variants),
                 contains_eager(Listing.product).joinedload(Product.category)))


# Its own listings, whatever the statement it is read in already joins (a shop's page joins listings).
READ_WITH_PRODUCT["listed"] = lambda product_id: select(Listing.id).where(
    Listing.product_id == product_id).correlate_except(Listing).exists()


def shops_selling(product: Product) -> list[Listing]:
    return list(db.session.scalars(
        public_listings(select(Listing).where(Listing.product_id == product.id).options(joinedload(Listing.shop))
                        .join(Listing.shop)).order_by(Shop.name)))


def lowest_listing_prices(product_ids: list[int]) -> dict[int, int]:
    """{product id: the lowest price any shop sells it for}, in one query."""
    if not product_ids:
        return {}
    rows = db.session.execute(public_listings(select(Listing.product_id, func.min(Listing.price)))
                              .where(Listing.product_id.in_(product_ids)).group_by(Listing.product_id))
    return dict(rows.all())


def lowest_listing_price_sql():
    """SQL, inside a query over products: the lowest price a shop sells the product for (what its card
    shows, as `lowest_listing_prices` does), NULL when no shop sells it."""
    return (select(func.min(Listing.price))
            .where(Listing.product_id == Product.id, priced_within_limits(current_rates()))
            .correlate(Product).scalar_subquery())


def featured_shops(limit: int = 6) -> list[Shop]:
    return list(db.session.scalars(select(Shop).join(User, User.id == Shop.owner_id).where(User.deleted_at.is_(None))
                                   .order_by(Shop.created_at.desc()).limit(limit)))


def close_shop_of(user: User) -> None:
    """The owner deleted their account: the shop stops selling, and shop_by_slug no longer finds it."""
    shop = db.session.scalar(select(Shop).where(Shop.owner_id == user.id))
    if shop is not None:
        for listing in owner_listings(shop):
            db.session.delete(listing)
