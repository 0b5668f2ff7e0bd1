"""The cart: what a buyer means to buy, priced as it would be bought now, and what stands in the way."""
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from blueprints.accounts.models import User
from blueprints.bilingual import localized
from blueprints.catalog.models import Product, Variant
from blueprints.catalog.services import is_public
from blueprints.orders.early_bird import early_bird_price_for
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.money import current_rates
from blueprints.orders.models import Cart, CartItem
from blueprints.shops.models import Listing, Shop
from blueprints.shops.services import priced_within_limits
from extensions import db


MAX_QUANTITY = 99


class NotEnoughStock(DomainError):
    def __init__(self, title: str, available: int):
        if available <= 0:
            message = _l("%(title)s is out of stock.", title=title)
        else:
            message = _l("Only %(count)d left of %(title)s.", count=available, title=title)
        super().__init__(message)
        self.available = available

    @classmethod
    def already_in_cart(cls, title: str, in_cart: int, available: int) -> "NotEnoughStock":
        error = cls(title, available)
        error.args = (_l("You already have %(count)d of %(title)s in your cart; %(more)d more can be added.",
                         count=in_cart, title=title, more=max(0, available - in_cart)),)
        return error


def find_cart(user: User, token: str | None) -> Cart | None:
    if user.is_authenticated:
        return db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    if token:
        return db.session.scalar(select(Cart).where(Cart.token == token, Cart.user_id.is_(None)))
    return None


def get_or_create_cart(user: User, token: str | None) -> Cart:
    cart = find_cart(user, token)
    if cart is None:
        cart = Cart(user_id=user.id) if user.is_authenticated else Cart(token=token or secrets.token_urlsafe(32))
        try:
            with db.session.begin_nested():
                db.session.add(cart)
        except IntegrityError:
            # A parallel request of the same user (a double click on "Add") made the cart first: use that one.
            cart = find_cart(user, token)
    return cart


def cart_quantity(user: User, token: str | None) -> int:
    """How many units are in the cart, in one cheap query (for the header on every page)."""
    query = select(func.coalesce(func.sum(CartItem.quantity), 0)).join(CartItem.cart)
    if user.is_authenticated:
        query = query.where(Cart.user_id == user.id)
    elif token:
        query = query.where(Cart.token == token, Cart.user_id.is_(None))
    else:
        return 0
    return db.session.scalar(query)


@dataclass
class CartLine:
    item: CartItem
    unit_price: int | None  # None: no longer for sale as it was added
    problem: str | None = None

    @property
    def line_total(self) -> int:
        return (self.unit_price or 0) * self.item.quantity


@dataclass
class CartSummary:
    lines: list[CartLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.line_total for line in self.lines if line.problem is None)

    @property
    def count(self) -> int:
        return sum(line.item.quantity for line in self.lines)

    @property
    def rows(self) -> list[tuple[str, str, int, int]]:
        """(title, option, quantity, amount) for a read-only list of what is bought."""
        return [(localized(line.item.variant.product, "title"), line.item.variant.label, line.item.quantity,
                 line.line_total)
                for line in self.lines]

    @property
    def problems(self) -> list[str]:
        return [line.problem for line in self.lines if line.problem]


def _listing_prices(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """{(shop id, product id): price} for public listings, in one query."""
    if not pairs:
        return {}
    shop_ids, product_ids = {shop for shop, _ in pairs}, {product for _, product in pairs}
    rows = db.session.execute(select(Listing.shop_id, Listing.product_id, Listing.price).join(Listing.product)
                              .where(Listing.shop_id.in_(shop_ids), Listing.product_id.in_(product_ids),
                                     priced_within_limits(current_rates())))
    return {(shop_id, product_id): price for shop_id, product_id, price in rows}


def summarise(cart: Cart | None, buyer_id: int | None = None) -> CartSummary:
    """The cart priced as it would be bought now, with what stands in the way of buying it (`buyer_id`: who
    buys a one-off cart that belongs to nobody, such as a pledge being confirmed)."""
    if cart is None:
        return CartSummary()
    items = list(db.session.scalars(
        select(CartItem).where(CartItem.cart_id == cart.id).order_by(CartItem.id)
        .options(joinedload(CartItem.variant).joinedload(Variant.product).joinedload(Product.supplier),
                 joinedload(CartItem.variant).joinedload(Variant.product).selectinload(Product.images),
                 joinedload(CartItem.shop))))
    prices = _listing_prices({(item.shop_id, item.variant.product_id) for item in items if item.shop_id})
    summary = CartSummary()
    for item in items:
        product = item.variant.product
        if not is_public(product):
            summary.lines.append(CartLine(item, None, _l("%(title)s is no longer for sale.",
                                                         title=localized(product, "title"))))
            continue
        if item.pledge_id:
            offer = early_bird_price_for(item.pledge_id, cart.user_id or buyer_id, product.id)
            if offer is None:
                summary.lines.append(CartLine(item, None, _l("The early-bird offer for %(title)s has ended.",
                                                             title=localized(product, "title"))))
            elif item.quantity > offer[1]:
                summary.lines.append(CartLine(item, offer[0], _l(
                    "Your pledge covers %(count)d of %(title)s at the early-bird price.", count=offer[1],
                    title=localized(product, "title"))))
            else:
                summary.lines.append(CartLine(item, offer[0]))
            continue
        price = prices.get((item.shop_id, product.id)) if item.shop_id else product.suggested_price
        if price is None:
            summary.lines.append(CartLine(item, None, _l("%(shop)s no longer sells %(title)s.",
                                                         shop=localized(item.shop, "name"),
                                                         title=localized(product, "title"))))
        elif item.quantity > item.variant.stock_on_hand:
            summary.lines.append(CartLine(item, price, str(NotEnoughStock(localized(product, "title"),
                                                                          item.variant.stock_on_hand))))
        else:
            summary.lines.append(CartLine(item, price))
    return summary


def _check_quantity(variant: Variant, quantity: int) -> None:
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise InvalidFields({"quantity": _l("Choose a quantity from 1 to %(max)d.", max=MAX_QUANTITY)})
    if quantity > variant.stock_on_hand:
        raise NotEnoughStock(localized(variant.product, "title"), variant.stock_on_hand)


def add_to_cart(cart: Cart, variant: Variant, shop: Shop | None, quantity: int, *,
                pledge_id: int | None = None) -> CartItem:
    """Add units through a shop, from the catalog (shop None), or at a pledge's early-bird price."""
    product = variant.product
    if not is_public(product):
        raise DomainError(_l("%(title)s is not for sale.", title=localized(product, "title")))
    if shop is not None and (shop.id, product.id) not in _listing_prices({(shop.id, product.id)}):
        raise DomainError(_l("%(shop)s does not sell %(title)s.", shop=localized(shop, "name"),
                             title=localized(product, "title")))
    shop_id = shop.id if shop else None
    lock_cart(cart)
    item = next((i for i in cart.items if i.variant_id == variant.id and i.shop_id == shop_id
                 and i.pledge_id == pledge_id), None)
    most = min(variant.stock_on_hand, MAX_QUANTITY)
    if pledge_id is not None:
        offer = early_bird_price_for(pledge_id, cart.user_id, product.id)
        if offer is None:
            raise DomainError(_l("The early-bird offer for %(title)s has ended.", title=localized(product, "title")))
        if quantity + (item.quantity if item else 0) > offer[1]:
            raise InvalidFields({"quantity": _l("Your pledge covers %(count)d of %(title)s at the early-bird price.",
                                                count=offer[1], title=localized(product, "title"))})
        most = min(most, offer[1])
    already = item.quantity if item else 0
    if already and quantity + already > variant.stock_on_hand:
        raise NotEnoughStock.already_in_cart(localized(product, "title"), already, variant.stock_on_hand)
    _check_quantity(variant, quantity + already)
    if item is None:
        item = CartItem(variant_id=variant.id, shop_id=shop_id, pledge_id=pledge_id, quantity=quantity)
        cart.items.append(item)
        db.session.flush()
        return item
    # One statement adds to what the row holds when it is written, not to what this request read: two "Add"
    # clicks at once keep both (SQLite, which has no row locks, included).
    added = db.session.execute(update(CartItem).where(CartItem.id == item.id, CartItem.quantity + quantity <= most)
                               .values(quantity=CartItem.quantity + quantity)
                               .execution_options(synchronize_session=False))
    db.session.refresh(item, ["quantity"])
    if added.rowcount != 1:
        raise NotEnoughStock.already_in_cart(localized(product, "title"), item.quantity, variant.stock_on_hand)
    return item


def lock_cart(cart: Cart) -> None:
    """Changes to one cart take turns (PostgreSQL), and see the items as the last one left them."""
    db.session.execute(select(Cart.id).where(Cart.id == cart.id).with_for_update(key_share=True))
    db.session.expire(cart, ["items"])


def _own_item(cart: Cart | None, item_id: int) -> CartItem:
    item = db.session.get(CartItem, item_id)
    if cart is None or item is None or item.cart_id != cart.id:
        raise AccessDenied()
    return item


def set_quantity(cart: Cart | None, item_id: int, quantity: int) -> None:
    item = _own_item(cart, item_id)
    if quantity == 0:
        cart.items.remove(item)
    else:
        _check_quantity(item.variant, quantity)
        item.quantity = quantity
    db.session.flush()


def remove_item(cart: Cart | None, item_id: int) -> None:
    item = _own_item(cart, item_id)
    cart.items.remove(item)
    db.session.flush()


def merge_visitor_cart(token: str | None, user: User) -> None:
    """At sign-in, what a visitor put in their cart moves into the user's cart (capped at stock)."""
    if not token:
        return
    visitor_cart = db.session.scalar(select(Cart).where(Cart.token == token, Cart.user_id.is_(None)))
    if visitor_cart is None or not visitor_cart.items:
        return
    user_cart = get_or_create_cart(user, None)
    for item in list(visitor_cart.items):
        existing = next((i for i in user_cart.items if i.variant_id == item.variant_id and i.shop_id == item.shop_id
                         and i.pledge_id == item.pledge_id), None)
        wanted = item.quantity + (existing.quantity if existing else 0)
        capped = max(1, min(wanted, item.variant.stock_on_hand, MAX_QUANTITY))
        if existing:
            existing.quantity = capped
        else:
            user_cart.items.append(CartItem(variant_id=item.variant_id, shop_id=item.shop_id, pledge_id=item.pledge_id,
                                            quantity=capped))
    db.session.delete(visitor_cart)
    db.session.flush()


def prune_visitor_carts(older_than: timedelta, now: datetime | None = None) -> int:
    """Forget carts of visitors who never signed in and have not come back; returns how many."""
    cutoff = (now or utcnow()) - older_than
    stale = list(db.session.scalars(select(Cart).where(Cart.user_id.is_(None), Cart.updated_at < cutoff)))
    for cart in stale:
        db.session.delete(cart)  # its items go with it
    db.session.flush()
    return len(stale)
