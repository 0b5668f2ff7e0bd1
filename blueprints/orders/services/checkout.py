"""Checkout: the delivery address, placing an order (once per idempotency key) and paying part of it with rewards.

Placing an order is one transaction: prices and stock are checked again, stock is taken under row
locks in variant-id order (so two checkouts never deadlock), and the ledger is written with it.
"""
import re
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from blueprints.bilingual import localized
from blueprints.orders.alerts import tell_suppliers_of_order
from blueprints.accounts.models import User
from blueprints.catalog.models import Variant
from blueprints.catalog.stock import move_stock
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.ledger.accounts import CUSTOMERS_RECEIVABLE, PLATFORM_COMMISSION, PLATFORM_MARGIN, Bucket, Owner
from blueprints.ledger.services import balance, post
from blueprints.money import Rates, format_money, split_line
from blueprints.orders.divisions import division_errors
from blueprints.orders.models import (Address, Cart, CartItem, Order, OrderLine, OrderStatus, PaymentMethod, Shipment,
                                      ShipmentStatus)
from blueprints.orders.services.cart import CartLine, CartSummary, NotEnoughStock, lock_cart, summarise
from blueprints.orders.queries import the_sharers_own_orders
from blueprints.sharing.models import ShareLink
from blueprints.sharing.services import normalise_address, same_device_as_sharer
from extensions import db


class DuplicateOrder(Exception):
    """Another request placed the order with this idempotency key first; roll back and show that one."""


PHONE = re.compile(r"^1[3-9][0-9]{9}$")


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
    """The 11 digits of a mainland mobile number as people type it: full-width digits (NFKC makes them
    ASCII), spaces, dashes of any kind, brackets, and the +86 / 0086 country code."""
    text = unicodedata.normalize("NFKC", text or "")
    digits = "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch) == "Pd" or ch in "()."))
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    return digits


def check_address(address: AddressDetails) -> None:
    errors = division_errors(address.province.strip(), address.city.strip(), address.district.strip())
    if not PHONE.match(normalise_phone(address.phone)):
        errors["phone"] = _l("Enter a mainland mobile number: 11 digits starting with 1, like 138 0013 8000.")
    if errors:
        raise InvalidFields(errors)


def saved_addresses(user: User) -> list[Address]:
    """The user's address book, the default first."""
    return list(db.session.scalars(select(Address).where(Address.user_id == user.id)
                                   .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id.desc())))


def clean_address(details: AddressDetails) -> AddressDetails:
    """Checked, with spaces trimmed and the phone number normalised: how an address is stored and compared."""
    check_address(details)
    return AddressDetails(*(value.strip() for value in (details.recipient, normalise_phone(details.phone),
                                                        details.province, details.city, details.district,
                                                        details.street)))


def find_same_address(user: User, details: AddressDetails, *, other_than: int | None = None) -> Address | None:
    return next((address for address in saved_addresses(user)
                 if AddressDetails.of(address) == details and address.id != other_than), None)


def save_address(user: User, details: AddressDetails) -> Address:
    """Add an address to the user's book; one identical to a saved one is not saved twice."""
    details = clean_address(details)
    if (same := find_same_address(user, details)) is not None:
        return same
    address = Address(user_id=user.id, **details.__dict__)
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


def self_referral(sharer_id: int, address: AddressDetails, device: "Device | None") -> str | None:
    """Why an order through a share link looks like the sharer's own (a second account, a new phone, a reworded
    address), as a code the pages word ("phone", "address", "device"); None when nothing points to them."""
    phone, street = normalise_phone(address.phone), normalise_address(address.province, address.city,
                                                                        address.district, address.street)
    for own_phone, *own_address in the_sharers_own_orders(sharer_id):
        if own_phone == phone:
            return "phone"
        if normalise_address(*own_address) == street:
            return "address"
    if device is not None and same_device_as_sharer(sharer_id, device.visitor, device.network):
        return "device"
    return None


@dataclass(frozen=True)
class Device:
    """The buyer's browser (visitor cookie, if it keeps one) and network, for the self-referral check."""

    visitor: str | None
    network: str | None


def place_order(buyer: User, cart: Cart | None, address: AddressDetails, payment_method: PaymentMethod,
                idempotency_key: str, rates: Rates, expected_total: int | None = None, *,
                share_link: ShareLink | None = None, use_credit: bool = False,
                summary: CartSummary | None = None, held: bool = False, device: Device | None = None) -> Order:
    """Turn the cart into an order, or return the order this key already made.

    `summary` (with `cart` None) places lines priced elsewhere, such as at a team price; `held` keeps the
    order out of the supplier's queue (waiting for its team) until `release_held_order`.
    Raises DuplicateOrder when a concurrent request with the same key won the race (the caller
    rolls back and shows that order), NotEnoughStock or DomainError when the cart cannot be bought.
    """
    if not buyer.is_authenticated:
        raise AccessDenied()
    _one_checkout_at_a_time(buyer)
    if cart is not None:
        # Read after the lock: another tab may have just ordered (and emptied) this very cart.
        lock_cart(cart)
    existing = order_by_key(idempotency_key)
    if existing is not None:
        if existing.buyer_id != buyer.id:
            raise AccessDenied()
        return existing
    check_address(address)
    summary = summary if summary is not None else summarise(cart, buyer.id)
    if not summary.lines:
        if cart is not None and _ordered_lately(buyer):
            raise DomainError(_l("Your cart is empty: it was just checked out in another tab or window. "
                                 "You will find the order under My orders."))
        raise DomainError(_l("Your cart is empty."))
    if summary.problems:
        raise DomainError(" ".join(str(problem) for problem in summary.problems))
    if expected_total is not None and summary.total != expected_total:
        raise PriceChanged(_l("A price changed while you were checking out: the total is now %(total)s. "
                              "Check the order below and place it again.", total=format_money(summary.total)))

    # Exactly one level: the person whose link this is, never anyone "above" them (there is no one).
    referrer_id, flag = None, None
    if share_link is not None and share_link.user_id != buyer.id:
        flag = self_referral(share_link.user_id, address, device)
        if flag is None:
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
                  status=_first_status(payment_method, held),
                  confirmed_at=None if held or payment_method == PaymentMethod.BANK_TRANSFER else now)
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
                ShipmentStatus.HELD if held else first_shipment_status(payment_method)))
        split = split_line(cart_line.unit_price, product.supply_price, quantity, rates,
                           referred=referrer_id is not None, through_shop=cart_line.item.shop_id is not None)
        db.session.add(OrderLine(
            order=order, shipment=shipments[supplier_id], variant_id=variant.id, shop_id=cart_line.item.shop_id,
            pledge_id=cart_line.item.pledge_id,
            # In the buyer's language: the order keeps what they saw when they bought.
            title=localized(product, "title"), variant_label=variant.label, sku=variant.sku,
            unit_price=cart_line.unit_price,
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
    for item in list(cart.items if cart is not None else []):
        cart.items.remove(item)
    db.session.flush()
    tell_suppliers_of_order(order.number, shipments)
    return order


def _one_checkout_at_a_time(buyer: User) -> None:
    """Checkouts of one buyer take turns (PostgreSQL): a second tab waits here, then finds the cart ordered and the
    rewards spent. Taken before any insert: an insert's foreign-key lock on the buyer's row, held while waiting for
    stock, would otherwise deadlock with this lock taken later (FOR NO KEY UPDATE leaves those key locks free)."""
    db.session.execute(select(User.id).where(User.id == buyer.id).with_for_update(key_share=True))


def _ordered_lately(buyer: User) -> bool:
    return db.session.scalar(select(Order.id).where(Order.buyer_id == buyer.id,
                                                    Order.placed_at > utcnow() - timedelta(minutes=30))
                             .limit(1)) is not None


def priced_line(variant: Variant, shop_id: int | None, quantity: int, unit_price: int) -> CartSummary:
    """One line priced elsewhere (a team price), to place with `place_order(..., summary=...)`."""
    item = CartItem(variant=variant, variant_id=variant.id, shop_id=shop_id, quantity=quantity)
    return CartSummary([CartLine(item, unit_price)])


def first_shipment_status(payment_method: PaymentMethod) -> ShipmentStatus:
    """Where a shipment starts in the supplier's queue: waiting for a transfer, or ready to ship."""
    return ShipmentStatus.AWAITING_PAYMENT if payment_method == PaymentMethod.BANK_TRANSFER else ShipmentStatus.READY


def _first_status(payment_method: PaymentMethod, held: bool) -> OrderStatus:
    if held:
        return OrderStatus.WAITING_FOR_TEAM
    return OrderStatus.PLACED if payment_method == PaymentMethod.BANK_TRANSFER else OrderStatus.CONFIRMED


def _spend_credit(buyer: User, order: Order) -> None:
    """Pay part of the order with the buyer's available rewards; never below zero, even racing another checkout
    (place_order holds the buyer's row, so two checkouts spending the same credit take turns)."""
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
        titles[line.item.variant_id] = localized(line.item.variant.product, "title")
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
        if not move_stock(variant_id, -wanted[variant_id]):
            raise NotEnoughStock(titles[variant_id], 0)
    db.session.expire_all()


def flagged_referrals() -> list[Order]:
    """Orders whose referral reward is held for review, newest first (the admin's list)."""
    return list(db.session.scalars(select(Order).where(Order.referral_flag.is_not(None))
                                   .options(joinedload(Order.buyer),
                                            joinedload(Order.share_link).joinedload(ShareLink.user))
                                   .order_by(Order.placed_at.desc())))
