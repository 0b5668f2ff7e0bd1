"""Pledges become orders: once the product is on sale, each pledger confirms their order in one step (the
variant, from the poll winners, an address and a payment) at the early-bird price, within the window. The
pledge's units are the order's: never more, and what was bought with it counts against it."""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.bilingual import bilingual
from blueprints.catalog.models import Product, Variant
from blueprints.codesign.models import Pledge, Prototype
from blueprints.codesign.services import EARLY_BIRD_DAYS
from blueprints.columns import utcnow
from blueprints.errors import DomainError, InvalidFields
from blueprints.money import Rates
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.early_bird import early_bird_price_for
from blueprints.orders.models import Cart, CartItem, Order, OrderLine, OrderStatus, PaymentMethod
from blueprints.orders.services.checkout import AddressDetails, place_order
from extensions import db


@dataclass
class PledgeOrder:
    pledge: Pledge
    product: Product
    price: int
    units: int
    closes_at: datetime
    variants: list[Variant]


def order_link(prototype: Prototype) -> str:
    return f"/codesign/{prototype.slug}/order"


def pledge_order(user: User, prototype: Prototype) -> PledgeOrder | None:
    """The user's pledge on this prototype, ready to confirm as an order, while its early-bird window is open
    and units of it are left to buy."""
    if not user.is_authenticated or prototype.product is None or prototype.product.published_at is None:
        return None
    pledge = db.session.scalar(select(Pledge).where(Pledge.prototype_id == prototype.id, Pledge.user_id == user.id))
    offer = early_bird_price_for(pledge.id, user.id, prototype.product_id) if pledge else None
    if offer is None:
        return None
    product = prototype.product
    return PledgeOrder(pledge, product, offer[0], offer[1],
                       product.published_at + timedelta(days=EARLY_BIRD_DAYS),
                       [variant for variant in product.variants if variant.stock_on_hand > 0])


def confirm_pledge_order(user: User, prototype: Prototype, variant_id: int | None, address: AddressDetails,
                         payment_method: PaymentMethod, key: str, rates: Rates) -> Order:
    """One step: the pledge's units of the chosen variant, at the early-bird price, to this address."""
    offer = pledge_order(user, prototype)
    if offer is None:
        raise DomainError(_l("This pledge can no longer be confirmed: the early-bird window is over, or it is "
                             "already bought."))
    variant = next((variant for variant in offer.variants if variant.id == variant_id), None)
    if variant is None:
        raise InvalidFields({"variant_id": _l("Choose one of the options.")})
    # A cart of its own, so nothing else in the user's cart is bought with it.
    cart = Cart(token=secrets.token_urlsafe(32))
    cart.items.append(CartItem(variant_id=variant.id, shop_id=None, pledge_id=offer.pledge.id, quantity=offer.units))
    db.session.add(cart)
    db.session.flush()
    order = place_order(user, cart, address, payment_method, key, rates)
    db.session.delete(cart)
    db.session.flush()
    return order


def remind_pledgers(now: datetime | None = None, before: timedelta = timedelta(days=1)) -> int:
    """Pledgers whose early-bird window closes within `before` and who have not bought hear once
    (`flask remind-pledgers`, hourly); returns how many prototypes' pledgers were reminded."""
    now = now or utcnow()
    window = timedelta(days=EARLY_BIRD_DAYS)
    due = list(db.session.scalars(
        select(Prototype).join(Product, Product.id == Prototype.product_id)
        .where(Prototype.pledge_reminder_sent_at.is_(None), Prototype.goal_reached_at.is_not(None),
               Product.published_at.is_not(None), Product.published_at <= now - window + before,
               Product.published_at > now - window)))
    for prototype in due:
        prototype.pledge_reminder_sent_at = now
        bought = (select(OrderLine.pledge_id).join(Order, Order.id == OrderLine.order_id)
                  .where(Order.status != OrderStatus.CANCELLED, OrderLine.pledge_id.is_not(None))
                  .group_by(OrderLine.pledge_id))
        waiting = set(db.session.scalars(select(Pledge.user_id).where(Pledge.prototype_id == prototype.id,
                                                                      Pledge.id.not_in(bought))))
        notify(waiting, Kind.SUPPORTED_PROTOTYPES, event="pledge_order_reminder", subject=bilingual(prototype, "title"),
               link=order_link(prototype))
    db.session.flush()
    return len(due)


def pledges_turned_orders(prototype: Prototype) -> tuple[int, int]:
    """(pledges confirmed as orders, units in them), for the counts beside the MOQ bar."""
    row = db.session.execute(
        select(func.count(func.distinct(OrderLine.pledge_id)), func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id).join(Pledge, Pledge.id == OrderLine.pledge_id)
        .where(Pledge.prototype_id == prototype.id, Order.status != OrderStatus.CANCELLED)).one()
    return row[0], row[1]
