"""A placed order's life: who sees it, the supplier's queue, payment, shipping, delivery, cancelling and completing."""
from collections import defaultdict
from datetime import datetime, timedelta

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.catalog.stock import move_stock
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.ledger.accounts import CUSTOMERS_RECEIVABLE, PAYMENTS_RECEIVED, Bucket
from blueprints.ledger.services import order_entries, post
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.models import Order, OrderLine, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from blueprints.orders.return_models import OPEN_RETURN, ReturnRequest
from blueprints.orders.services.checkout import first_shipment_status
from blueprints.shops.models import Shop
from blueprints.suppliers.models import SupplierMember
from extensions import db

# Sent once an order's last shipment is delivered, with order_id: reviews asks its buyer how it went.
order_delivered = Namespace().signal("order-delivered")


# Who sees which orders

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


def confirm_transfer(admin: User, order: Order) -> None:
    """The buyer's one transfer reached the platform's account: the platform confirms it once for the whole order,
    and every supplier's part becomes ready to ship."""
    if not (admin.is_authenticated and admin.is_admin):
        raise AccessDenied()
    order = _lock_order(order.id)
    if order.payment_method != PaymentMethod.BANK_TRANSFER or order.status != OrderStatus.PLACED:
        raise DomainError(_l("This order is not waiting for a bank transfer."))
    now = utcnow()
    claimed = db.session.execute(update(Shipment).where(Shipment.order_id == order.id,
                                                        Shipment.status == ShipmentStatus.AWAITING_PAYMENT)
                                 .values(status=ShipmentStatus.READY, payment_confirmed_at=now)).rowcount
    if claimed == 0:
        raise DomainError(_l("This order is not waiting for a bank transfer."))
    post([(PAYMENTS_RECEIVED, order.to_pay), (CUSTOMERS_RECEIVABLE, -order.to_pay)],
         memo=f"order {order.number}: transfer confirmed", order_id=order.id)
    _refresh_status(order, now)
    db.session.flush()
    _tell_buyer(order, "transfer_confirmed")
    notify(set(db.session.scalars(select(SupplierMember.user_id).where(
        SupplierMember.supplier_id.in_([shipment.supplier_id for shipment in order.shipments])))),
        Kind.ORDER_UPDATES, event="ready_to_ship", subject=order.number, link="/supplier/orders")


def confirm_payment(user: User, shipment: Shipment) -> None:
    """Only the platform confirms a transfer now, and for the whole order (see confirm_transfer)."""
    confirm_transfer(user, shipment.order)


def awaiting_transfer() -> list[Order]:
    """Bank-transfer orders whose money has not been confirmed, oldest first (the admin's list)."""
    return list(db.session.scalars(_order_query().where(Order.status == OrderStatus.PLACED,
                                                        Order.payment_method == PaymentMethod.BANK_TRANSFER)
                                   .order_by(Order.placed_at, Order.id)))


def _record_payment(shipment: Shipment, how: str) -> None:
    """The buyer's money for this shipment arrived: what customers owe goes down by what was paid."""
    amount = shipment.order.due_for(shipment)
    post([(PAYMENTS_RECEIVED, amount), (CUSTOMERS_RECEIVABLE, -amount)],
         memo=f"order {shipment.order.number}: {how}", order_id=shipment.order_id)


def _check_tracking(carrier: str, tracking_number: str) -> None:
    errors = {}
    if not carrier.strip():
        errors["carrier"] = _l("Name the carrier, like SF Express.")
    if not tracking_number.strip():
        errors["tracking_number"] = _l("Enter the tracking number.")
    if errors:
        raise InvalidFields(errors)


def ship(user: User, shipment: Shipment, *, carrier: str, tracking_number: str) -> None:
    require_own_shipment(user, shipment)
    _check_tracking(carrier, tracking_number)
    now = _move(shipment, ShipmentStatus.READY, ShipmentStatus.SHIPPED)
    shipment.carrier, shipment.tracking_number, shipment.shipped_at = carrier.strip(), tracking_number.strip(), now
    _refresh_status(shipment.order, now)
    db.session.flush()
    _tell_buyer(shipment.order, "shipped")


def correct_tracking(user: User, shipment: Shipment, *, carrier: str, tracking_number: str) -> None:
    """A mistyped carrier or number is fixed while the parcel travels; the buyer is told the new one."""
    require_own_shipment(user, shipment)
    _check_tracking(carrier, tracking_number)
    if shipment.status != ShipmentStatus.SHIPPED:
        raise DomainError(_l("Only a shipment on its way can have its tracking corrected."))
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if (carrier, tracking_number) == (shipment.carrier, shipment.tracking_number):
        return
    shipment.carrier, shipment.tracking_number = carrier, tracking_number
    db.session.flush()
    _tell_buyer(shipment.order, "tracking_corrected")


def mark_delivered(user: User, shipment: Shipment) -> None:
    require_own_shipment(user, shipment)
    now = _move(shipment, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    shipment.delivered_at = now
    if shipment.order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        _record_payment(shipment, "cash collected on delivery")
    _refresh_status(shipment.order, now)
    db.session.flush()
    _tell_buyer(shipment.order, "delivered")
    if shipment.order.status == OrderStatus.DELIVERED:
        order_delivered.send(shipment.order, order_id=shipment.order_id)


def _tell_buyer(order: Order, event: str) -> None:
    notify({order.buyer_id}, Kind.ORDER_UPDATES, event=event, subject=order.number, link=f"/orders/{order.number}")


def cancel_order(user: User, order: Order) -> None:
    """The buyer cancels before anything has shipped: stock comes back and the money is reversed."""
    if not user.is_authenticated or order.buyer_id != user.id:
        raise AccessDenied()
    _cancel(order.id, (OrderStatus.PLACED, OrderStatus.CONFIRMED),
            (ShipmentStatus.AWAITING_PAYMENT, ShipmentStatus.READY))


def cancel_held_order(order_id: int) -> Order:
    """A team that did not form gives its members' held orders back: stock, rewards and credit return."""
    return _cancel(order_id, (OrderStatus.WAITING_FOR_TEAM,), (ShipmentStatus.HELD,))


def release_held_order(order_id: int) -> Order:
    """The order's team formed: its shipments join the supplier's queue as any order's would."""
    order = _lock_order(order_id)
    if order.status != OrderStatus.WAITING_FOR_TEAM:
        raise DomainError(_l("This order is not waiting for a team."))
    db.session.execute(update(Shipment).where(Shipment.order_id == order.id, Shipment.status == ShipmentStatus.HELD)
                       .values(status=first_shipment_status(order.payment_method)))
    _refresh_status(order, utcnow())
    db.session.flush()
    return order


def _cancel(order_id: int, statuses, shipment_statuses) -> Order:
    order = _lock_order(order_id)
    not_cancellable = DomainError(_l("This order can no longer be cancelled: part of it has shipped."))
    if order.status not in statuses:
        raise not_cancellable
    # Claim every shipment that has not left; if one has (or a twin request got here first), stop.
    claimed = db.session.execute(
        update(Shipment).where(Shipment.order_id == order.id, Shipment.status.in_(shipment_statuses))
        .values(status=ShipmentStatus.CANCELLED)).rowcount
    if claimed != len(order.shipments):
        raise not_cancellable
    returned = defaultdict(int)
    for line in order.lines:
        returned[line.variant_id] += line.quantity
    for variant_id in sorted(returned):
        move_stock(variant_id, returned[variant_id])
    now = utcnow()
    for shipment in order.shipments:
        db.session.refresh(shipment)
    order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    reversal = defaultdict(int)
    for entry in order_entries(order.id):
        reversal[entry.account] -= entry.amount
    post(reversal.items(), memo=f"order {order.number} cancelled", order_id=order.id)
    db.session.flush()
    return order


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
    returning = select(ReturnRequest.order_id).where(ReturnRequest.status.in_(OPEN_RETURN))
    due = list(db.session.scalars(select(Order).where(Order.status == OrderStatus.DELIVERED, Order.delivered_at <= cutoff,
                                                      Order.id.not_in(returning)).order_by(Order.id)))
    for order in due:
        complete_order(order)
    return due
