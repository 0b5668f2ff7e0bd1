"""Carts, placing orders, fulfilment and cancellation.

Placing an order is one transaction: prices and stock are checked again, stock is taken under row
locks in variant-id order (so two checkouts never deadlock), and the ledger is written with it.
"""
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus, Variant
from blueprints.codesign.services import early_bird_price_for
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.ledger.accounts import (CUSTOMERS_RECEIVABLE, PAYMENTS_RECEIVED, PLATFORM_COMMISSION, PLATFORM_MARGIN,
                                        Bucket, Owner)
from blueprints.ledger.services import balance, order_entries, post
from blueprints.money import Rates, current_rates, format_money, split_line
from blueprints.orders.models import (Address, Cart, CartItem, Order, OrderLine, OrderStatus, PaymentMethod, Shipment,
                                      ShipmentStatus)
from blueprints.sharing.models import ShareLink
from blueprints.shops.models import Listing, Shop
from blueprints.shops.services import priced_within_limits
from blueprints.suppliers.models import SupplierMember, SupplierStatus
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
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


class DuplicateOrder(Exception):
    """Another request placed the order with this idempotency key first; roll back and show that one."""


# The cart

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


def _public(product: Product) -> bool:
    return product.status == ProductStatus.ACTIVE and product.supplier.status == SupplierStatus.VERIFIED


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
        return [(line.item.variant.product.title, line.item.variant.label, line.item.quantity, line.line_total)
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


def summarise(cart: Cart | None) -> CartSummary:
    """The cart priced as it would be bought now, with what stands in the way of buying it."""
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
        if not _public(product):
            summary.lines.append(CartLine(item, None, _l("%(title)s is no longer for sale.", title=product.title)))
            continue
        if item.pledge_id:
            offer = early_bird_price_for(item.pledge_id, cart.user_id, product.id)
            if offer is None:
                summary.lines.append(CartLine(item, None, _l("The early-bird offer for %(title)s has ended.",
                                                             title=product.title)))
            elif item.quantity > offer[1]:
                summary.lines.append(CartLine(item, offer[0], _l(
                    "Your pledge covers %(count)d of %(title)s at the early-bird price.", count=offer[1],
                    title=product.title)))
            else:
                summary.lines.append(CartLine(item, offer[0]))
            continue
        price = prices.get((item.shop_id, product.id)) if item.shop_id else product.suggested_price
        if price is None:
            summary.lines.append(CartLine(item, None, _l("%(shop)s no longer sells %(title)s.",
                                                         shop=item.shop.name, title=product.title)))
        elif item.quantity > item.variant.stock_on_hand:
            summary.lines.append(CartLine(item, price, str(NotEnoughStock(product.title, item.variant.stock_on_hand))))
        else:
            summary.lines.append(CartLine(item, price))
    return summary


def _check_quantity(variant: Variant, quantity: int) -> None:
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise InvalidFields({"quantity": _l("Choose a quantity from 1 to %(max)d.", max=MAX_QUANTITY)})
    if quantity > variant.stock_on_hand:
        raise NotEnoughStock(variant.product.title, variant.stock_on_hand)


def add_to_cart(cart: Cart, variant: Variant, shop: Shop | None, quantity: int, *,
                pledge_id: int | None = None) -> CartItem:
    """Add units through a shop, from the catalog (shop None), or at a pledge's early-bird price."""
    product = variant.product
    if not _public(product):
        raise DomainError(_l("%(title)s is not for sale.", title=product.title))
    if shop is not None and (shop.id, product.id) not in _listing_prices({(shop.id, product.id)}):
        raise DomainError(_l("%(shop)s does not sell %(title)s.", shop=shop.name, title=product.title))
    shop_id = shop.id if shop else None
    item = next((i for i in cart.items if i.variant_id == variant.id and i.shop_id == shop_id
                 and i.pledge_id == pledge_id), None)
    if pledge_id is not None:
        offer = early_bird_price_for(pledge_id, cart.user_id, product.id)
        if offer is None:
            raise DomainError(_l("The early-bird offer for %(title)s has ended.", title=product.title))
        if quantity + (item.quantity if item else 0) > offer[1]:
            raise InvalidFields({"quantity": _l("Your pledge covers %(count)d of %(title)s at the early-bird price.",
                                                count=offer[1], title=product.title)})
    already = item.quantity if item else 0
    if already and quantity + already > variant.stock_on_hand:
        raise NotEnoughStock.already_in_cart(product.title, already, variant.stock_on_hand)
    _check_quantity(variant, quantity + already)
    if item is None:
        item = CartItem(variant_id=variant.id, shop_id=shop_id, pledge_id=pledge_id, quantity=quantity)
        cart.items.append(item)
    else:
        item.quantity += quantity
    db.session.flush()
    return item


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


# Checkout

PHONE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class AddressDetails:
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    street: str

    @classmethod
    def of(cls, address: Address) -> "AddressDetails":
        return cls(address.recipient, address.phone, address.province, address.city, address.district,
                   address.street)


def normalise_phone(text: str) -> str:
    digits = re.sub(r"[\s\-()]", "", text or "")
    return digits.removeprefix("+86").removeprefix("0086")


def check_address(address: AddressDetails) -> None:
    errors = {}
    if not PHONE.match(normalise_phone(address.phone)):
        errors["phone"] = _l("Enter a mainland mobile number: 11 digits starting with 1, like 138 0013 8000.")
    if errors:
        raise InvalidFields(errors)


def saved_addresses(user: User) -> list[Address]:
    return list(db.session.scalars(select(Address).where(Address.user_id == user.id)
                                   .order_by(Address.created_at.desc(), Address.id.desc())))


def save_address(user: User, details: AddressDetails) -> Address:
    check_address(details)
    address = Address(user_id=user.id, **{**details.__dict__, "phone": normalise_phone(details.phone)})
    db.session.add(address)
    db.session.flush()
    return address


_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone


def new_order_number(now: datetime) -> str:
    return f"SM{now:%y%m%d}-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(5))


def order_by_key(idempotency_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.idempotency_key == idempotency_key))


class PriceChanged(DomainError):
    pass


def _uses_sharers_address(sharer_id: int, address: AddressDetails) -> bool:
    """A second account of the sharer's? Their own earlier orders went to this phone or street."""
    return db.session.scalar(select(Order.id).where(
        Order.buyer_id == sharer_id,
        (Order.phone == normalise_phone(address.phone))
        | ((Order.street == address.street.strip()) & (Order.city == address.city.strip()))).limit(1)) is not None


def place_order(buyer: User, cart: Cart | None, address: AddressDetails, payment_method: PaymentMethod,
                idempotency_key: str, rates: Rates, expected_total: int | None = None, *,
                share_link: ShareLink | None = None, use_credit: bool = False) -> Order:
    """Turn the cart into an order, or return the order this key already made.

    Raises DuplicateOrder when a concurrent request with the same key won the race (the caller
    rolls back and shows that order), NotEnoughStock or DomainError when the cart cannot be bought.
    """
    if not buyer.is_authenticated:
        raise AccessDenied()
    existing = order_by_key(idempotency_key)
    if existing is not None:
        if existing.buyer_id != buyer.id:
            raise AccessDenied()
        return existing
    check_address(address)
    summary = summarise(cart)
    if not summary.lines:
        raise DomainError(_l("Your cart is empty."))
    if summary.problems:
        raise DomainError(" ".join(str(problem) for problem in summary.problems))
    if expected_total is not None and summary.total != expected_total:
        raise PriceChanged(_l("A price changed while you were checking out: the total is now %(total)s. "
                              "Check the order below and place it again.", total=format_money(summary.total)))

    # Exactly one level: the person whose link this is, never anyone "above" them (there is no one).
    referrer_id, flag = None, None
    if share_link is not None and share_link.user_id != buyer.id:
        if _uses_sharers_address(share_link.user_id, address):
            flag = "The sharer's own orders used this phone number or street; reward held for review."
        else:
            referrer_id = share_link.user_id

    now = utcnow()
    shop_ids = {line.item.shop_id for line in summary.lines}
    number = new_order_number(now)
    while db.session.scalar(select(Order.id).where(Order.number == number)) is not None:
        number = new_order_number(now)
    order = Order(number=number, idempotency_key=idempotency_key, buyer_id=buyer.id,
                  shop_id=next(iter(shop_ids)) if len(shop_ids) == 1 else None, payment_method=payment_method,
                  recipient=address.recipient.strip(), phone=normalise_phone(address.phone),
                  province=address.province.strip(), city=address.city.strip(), district=address.district.strip(),
                  street=address.street.strip(), total=summary.total, placed_at=now,
                  share_link_id=share_link.id if share_link else None, referral_flag=flag,
                  status=OrderStatus.PLACED if payment_method == PaymentMethod.BANK_TRANSFER else OrderStatus.CONFIRMED,
                  confirmed_at=None if payment_method == PaymentMethod.BANK_TRANSFER else now)
    db.session.add(order)
    try:
        # Claim the key before touching stock: a concurrent twin waits here, then fails cleanly.
        db.session.flush()
    except IntegrityError as error:
        if order_key_conflict(error):
            raise DuplicateOrder(idempotency_key) from error
        raise

    _take_stock(summary)

    shipments: dict[int, Shipment] = {}
    ledger = defaultdict(int)
    for cart_line in summary.lines:
        variant, quantity = cart_line.item.variant, cart_line.item.quantity
        product = variant.product
        supplier_id = product.supplier_id
        if supplier_id not in shipments:
            shipments[supplier_id] = Shipment(order=order, supplier_id=supplier_id, status=(
                ShipmentStatus.AWAITING_PAYMENT if payment_method == PaymentMethod.BANK_TRANSFER
                else ShipmentStatus.READY))
        split = split_line(cart_line.unit_price, product.supply_price, quantity, rates,
                           referred=referrer_id is not None, through_shop=cart_line.item.shop_id is not None)
        db.session.add(OrderLine(
            order=order, shipment=shipments[supplier_id], variant_id=variant.id, shop_id=cart_line.item.shop_id,
            pledge_id=cart_line.item.pledge_id,
            title=product.title, variant_label=variant.label, sku=variant.sku, unit_price=cart_line.unit_price,
            quantity=quantity, line_total=split.total, supplier_payout=split.supplier_payout,
            platform_commission=split.platform_commission, referral_reward=split.referral_reward,
            shop_earnings=split.shop_earnings, platform_margin=split.platform_margin))
        ledger[CUSTOMERS_RECEIVABLE] += split.total
        ledger[Owner.supplier(supplier_id).account(Bucket.PENDING)] -= split.supplier_payout
        ledger[PLATFORM_COMMISSION] -= split.platform_commission
        ledger[PLATFORM_MARGIN] -= split.platform_margin
        if cart_line.item.shop_id:
            ledger[Owner.shop(cart_line.item.shop_id).account(Bucket.PENDING)] -= split.shop_earnings
        if referrer_id:
            ledger[Owner.referrer(referrer_id).account(Bucket.PENDING)] -= split.referral_reward
    db.session.flush()
    post(ledger.items(), memo=f"order {order.number} placed", order_id=order.id)
    if use_credit:
        _spend_credit(buyer, order)
    for item in list(cart.items):
        cart.items.remove(item)
    db.session.flush()
    return order


def _spend_credit(buyer: User, order: Order) -> None:
    """Pay part of the order with the buyer's available rewards; never below zero, even racing another checkout."""
    # The buyer's row is the lock: two checkouts spending the same credit take turns (PostgreSQL).
    db.session.execute(select(User.id).where(User.id == buyer.id).with_for_update())
    account = Owner.referrer(buyer.id).account(Bucket.AVAILABLE)
    available = -balance(account)
    credit = min(max(available, 0), order.total)
    if credit <= 0:
        return
    post([(account, credit), (CUSTOMERS_RECEIVABLE, -credit)], memo=f"order {order.number} paid with rewards",
         order_id=order.id)
    order.credit_used = credit
    if balance(account) > 0:
        raise DomainError(_l("Your reward balance changed while you were checking out. Please try again."))
    db.session.flush()


def order_key_conflict(error: Exception) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    return "idempotency_key" in text or "uq_orders_idempotency_key" in text


def _take_stock(summary: CartSummary) -> None:
    wanted = defaultdict(int)
    titles = {}
    for line in summary.lines:
        wanted[line.item.variant_id] += line.item.quantity
        titles[line.item.variant_id] = line.item.variant.product.title
    # Lock in id order, so two checkouts taking the same variants in another order cannot deadlock.
    locked = {variant.id: variant for variant in db.session.scalars(
        select(Variant).where(Variant.id.in_(wanted)).order_by(Variant.id).with_for_update()
        .execution_options(populate_existing=True))}
    for variant_id in sorted(wanted):
        available = locked[variant_id].stock_on_hand
        if available < wanted[variant_id]:
            raise NotEnoughStock(titles[variant_id], available)
    for variant_id in sorted(wanted):
        # Guarded in SQL as well: SQLite has no row locks, and the CHECK stops any slip.
        result = db.session.execute(update(Variant).where(Variant.id == variant_id,
                                                          Variant.stock_on_hand >= wanted[variant_id])
                                    .values(stock_on_hand=Variant.stock_on_hand - wanted[variant_id]))
        if result.rowcount != 1:
            raise NotEnoughStock(titles[variant_id], 0)
    db.session.expire_all()


# Reading orders

def _order_query():
    return select(Order).options(selectinload(Order.lines), selectinload(Order.shipments).joinedload(Shipment.supplier))


def orders_of(buyer: User) -> list[Order]:
    return list(db.session.scalars(_order_query().where(Order.buyer_id == buyer.id)
                                   .order_by(Order.placed_at.desc(), Order.id.desc())))


def order_for_buyer(number: str, user: User) -> Order | None:
    """The order if `user` placed it; anyone else gets None (a 404, not a hint that it exists)."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(_order_query().where(Order.number == number, Order.buyer_id == user.id))


def _supplier_id_of(user: User) -> int:
    supplier_id = db.session.scalar(select(SupplierMember.supplier_id).where(SupplierMember.user_id == user.id)) \
        if user.is_authenticated else None
    if supplier_id is None:
        raise AccessDenied()
    return supplier_id


def fulfilment_queue(user: User, *, open_only: bool = True) -> list[Shipment]:
    supplier_id = _supplier_id_of(user)
    query = (select(Shipment).where(Shipment.supplier_id == supplier_id)
             .options(joinedload(Shipment.order).selectinload(Order.shipments).selectinload(Shipment.lines),
                      selectinload(Shipment.lines))
             .join(Shipment.order).order_by(Order.placed_at.desc(), Shipment.id.desc()))
    if open_only:
        query = query.where(Shipment.status.in_([ShipmentStatus.AWAITING_PAYMENT, ShipmentStatus.READY,
                                                 ShipmentStatus.SHIPPED]))
    return list(db.session.scalars(query))


def shop_order_lines(shop: Shop) -> list[OrderLine]:
    return list(db.session.scalars(
        select(OrderLine).where(OrderLine.shop_id == shop.id).options(joinedload(OrderLine.order))
        .join(OrderLine.order).order_by(Order.placed_at.desc(), OrderLine.id)))


# Status changes

def _refresh_status(order: Order, now: datetime) -> None:
    for shipment in order.shipments:
        db.session.refresh(shipment)  # another supplier may have moved theirs meanwhile
    states = {shipment.status for shipment in order.shipments}
    if states == {ShipmentStatus.CANCELLED}:
        order.status = OrderStatus.CANCELLED
    elif states == {ShipmentStatus.DELIVERED}:
        order.status, order.delivered_at = OrderStatus.DELIVERED, now
    elif states & {ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED}:
        order.status = OrderStatus.SHIPPED  # at least partly on its way: no longer cancellable
    elif ShipmentStatus.AWAITING_PAYMENT in states:
        order.status = OrderStatus.PLACED
    else:
        order.status = OrderStatus.CONFIRMED
    if order.status != OrderStatus.PLACED and order.confirmed_at is None:
        order.confirmed_at = now


def require_own_shipment(user: User, shipment: Shipment) -> None:
    if shipment.supplier_id != _supplier_id_of(user):
        raise AccessDenied()


def _lock_order(order_id: int) -> Order:
    """Every status change of an order starts here: on PostgreSQL the order row is locked, so a cancel
    and a "shipped" for the same order run one after the other and the second sees the first."""
    return db.session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                             .execution_options(populate_existing=True))


def _move(shipment: Shipment, expected: ShipmentStatus, to: ShipmentStatus) -> datetime:
    _lock_order(shipment.order_id)
    # Conditional, so that on SQLite too only one of two racing requests can make the step.
    claimed = db.session.execute(update(Shipment).where(Shipment.id == shipment.id, Shipment.status == expected)
                                 .values(status=to)).rowcount
    if claimed != 1:
        raise DomainError(_l("This shipment cannot make that step now."))
    db.session.refresh(shipment)
    return utcnow()


def confirm_payment(user: User, shipment: Shipment) -> None:
    require_own_shipment(user, shipment)
    now = _move(shipment, ShipmentStatus.AWAITING_PAYMENT, ShipmentStatus.READY)
    shipment.payment_confirmed_at = now
    _record_payment(shipment, "transfer confirmed")
    _refresh_status(shipment.order, now)
    db.session.flush()


def _record_payment(shipment: Shipment, how: str) -> None:
    """The buyer's money for this shipment arrived: what customers owe goes down by what was paid."""
    amount = shipment.order.due_for(shipment)
    post([(PAYMENTS_RECEIVED, amount), (CUSTOMERS_RECEIVABLE, -amount)],
         memo=f"order {shipment.order.number}: {how}", order_id=shipment.order_id)


def ship(user: User, shipment: Shipment, *, carrier: str, tracking_number: str) -> None:
    require_own_shipment(user, shipment)
    errors = {}
    if not carrier.strip():
        errors["carrier"] = _l("Name the carrier, like SF Express.")
    if not tracking_number.strip():
        errors["tracking_number"] = _l("Enter the tracking number.")
    if errors:
        raise InvalidFields(errors)
    now = _move(shipment, ShipmentStatus.READY, ShipmentStatus.SHIPPED)
    shipment.carrier, shipment.tracking_number, shipment.shipped_at = carrier.strip(), tracking_number.strip(), now
    _refresh_status(shipment.order, now)
    db.session.flush()
    _tell_buyer(shipment.order, "shipped")


def mark_delivered(user: User, shipment: Shipment) -> None:
    require_own_shipment(user, shipment)
    now = _move(shipment, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    shipment.delivered_at = now
    if shipment.order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        _record_payment(shipment, "cash collected on delivery")
    _refresh_status(shipment.order, now)
    db.session.flush()
    _tell_buyer(shipment.order, "delivered")


def _tell_buyer(order: Order, event: str) -> None:
    notify({order.buyer_id}, Kind.ORDER_UPDATES, event=event, subject=order.number, link=f"/orders/{order.number}")


def cancel_order(user: User, order: Order) -> None:
    """The buyer cancels before anything has shipped: stock comes back and the money is reversed."""
    if not user.is_authenticated or order.buyer_id != user.id:
        raise AccessDenied()
    order = _lock_order(order.id)
    not_cancellable = DomainError(_l("This order can no longer be cancelled: part of it has shipped."))
    if order.status not in (OrderStatus.PLACED, OrderStatus.CONFIRMED):
        raise not_cancellable
    # Claim every shipment that has not left; if one has (or a twin request got here first), stop.
    claimed = db.session.execute(
        update(Shipment).where(Shipment.order_id == order.id,
                               Shipment.status.in_([ShipmentStatus.AWAITING_PAYMENT, ShipmentStatus.READY]))
        .values(status=ShipmentStatus.CANCELLED)).rowcount
    if claimed != len(order.shipments):
        raise not_cancellable
    returned = defaultdict(int)
    for line in order.lines:
        returned[line.variant_id] += line.quantity
    for variant_id in sorted(returned):
        db.session.execute(update(Variant).where(Variant.id == variant_id)
                           .values(stock_on_hand=Variant.stock_on_hand + returned[variant_id]))
    now = utcnow()
    for shipment in order.shipments:
        db.session.refresh(shipment)
    order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    reversal = defaultdict(int)
    for entry in order_entries(order.id):
        reversal[entry.account] -= entry.amount
    post(reversal.items(), memo=f"order {order.number} cancelled", order_id=order.id)
    db.session.flush()


def complete_order(order: Order) -> None:
    """After the return window: what suppliers, shops and referrers earned becomes available."""
    if order.status != OrderStatus.DELIVERED:
        raise DomainError(_l("Only a delivered order can be completed."))
    legs = defaultdict(int)
    for entry in order_entries(order.id):
        if entry.account.bucket == Bucket.PENDING:
            legs[entry.account] -= entry.amount
            legs[entry.account.moved_to(Bucket.AVAILABLE)] += entry.amount
    post(legs.items(), memo=f"order {order.number} completed", order_id=order.id)
    order.status, order.completed_at = OrderStatus.COMPLETED, utcnow()
    db.session.flush()


def complete_due_orders(return_window: timedelta, now: datetime | None = None) -> list[Order]:
    cutoff = (now or utcnow()) - return_window
    due = list(db.session.scalars(select(Order).where(Order.status == OrderStatus.DELIVERED,
                                                      Order.delivered_at <= cutoff).order_by(Order.id)))
    for order in due:
        complete_order(order)
    return due



def flagged_referrals() -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.referral_flag.is_not(None))
                                   .options(joinedload(Order.buyer), joinedload(Order.share_link).joinedload(ShareLink.user))
                                   .order_by(Order.placed_at.desc())))
