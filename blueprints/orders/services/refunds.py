"""Refunds: giving money back on delivered lines, reversing exactly the refunded share of each line's split.

Each refund takes its amount out of what is left of the line's split (supplier payout, commission, shop
earnings, sharer's reward, margin) in proportion, in whole fen that add up to the amount (`money.allocate`),
so a line can never be refunded past its split however many partial refunds it gets. A supplier's, shop's or
sharer's share comes out of their pending balance while the order is open, and out of the available balance
once it has completed: if that money was already paid out, the balance goes negative and the next payout nets
it. The part of the order paid with rewards comes back as rewards; the rest is owed to the buyer's account
until the platform marks it paid.
"""
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError
from blueprints.ledger.accounts import (PLATFORM_COMMISSION, PLATFORM_MARGIN, REFUNDS_OWED, REFUNDS_PAID, Account,
                                        Bucket, Owner)
from blueprints.ledger.services import lock_parties, post
from blueprints.money import allocate
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.models import Order, OrderLine, OrderStatus, Shipment, ShipmentStatus
from blueprints.orders.return_models import Refund, RefundLine, RefundStatus
from blueprints.sharing.models import ShareLink
from extensions import db

PARTS = ("supplier_payout", "platform_commission", "referral_reward", "shop_earnings", "platform_margin")


@dataclass(frozen=True)
class LineRefund:
    """Give back `amount` on `line` (for `quantity` units coming back, or 0 for money only)."""

    line: OrderLine
    amount: int
    quantity: int = 0


def refunded_parts(line_ids: list[int]) -> dict[int, dict[str, int]]:
    """{line id: {part: refunded so far, ..., "quantity": units, "amount": fen}} for these lines."""
    columns = [getattr(RefundLine, name) for name in (*PARTS, "quantity", "amount")]
    rows = db.session.execute(select(RefundLine.order_line_id, *(func.sum(column) for column in columns))
                              .where(RefundLine.order_line_id.in_(line_ids))
                              .group_by(RefundLine.order_line_id)) if line_ids else []
    done = {line_id: dict.fromkeys((*PARTS, "quantity", "amount"), 0) for line_id in line_ids}
    for line_id, *sums in rows:
        done[line_id] = dict(zip((*PARTS, "quantity", "amount"), (int(value or 0) for value in sums), strict=True))
    return done


def left_to_refund(line: OrderLine, done: dict[str, int]) -> dict[str, int]:
    return {name: getattr(line, name) - done[name] for name in PARTS}


def _paid(shipment: Shipment) -> bool:
    return shipment.status == ShipmentStatus.DELIVERED


def _earners(line: OrderLine, referrer_id: int | None) -> dict[str, Owner | None]:
    return {"supplier_payout": Owner.supplier(line.shipment.supplier_id),
            "shop_earnings": Owner.shop(line.shop_id) if line.shop_id else None,
            "referral_reward": Owner.referrer(referrer_id) if referrer_id else None}


def lock_order(order_id: int) -> Order:
    return db.session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                             .execution_options(populate_existing=True))


def refund(order: Order, wanted: list[LineRefund], *, return_id: int | None = None) -> Refund:
    """Record one refund on `order` and reverse its money. Raises DomainError if it asks for more than is left."""
    order = lock_order(order.id)
    if return_id is not None and db.session.scalar(select(Refund.id).where(Refund.return_id == return_id)):
        raise DomainError(_l("This return has already been refunded."))
    wanted = [item for item in wanted if item.amount > 0 or item.quantity > 0]
    if not wanted:
        raise DomainError(_l("Choose what to refund."))
    lines = {line.id: line for line in order.lines}
    done = refunded_parts(sorted(lines))
    referrer_id = db.session.scalar(select(ShareLink.user_id).where(ShareLink.id == order.share_link_id)) \
        if order.share_link_id else None
    bucket = Bucket.AVAILABLE if order.status == OrderStatus.COMPLETED else Bucket.PENDING
    # The parties whose balances this touches take turns with a payout run (see ledger.services.lock_parties).
    parties = {owner for item in wanted for owner in _earners(item.line, referrer_id).values() if owner}
    if bucket == Bucket.AVAILABLE:
        lock_parties(parties)

    record = Refund(order_id=order.id, return_id=return_id, amount=0, status=RefundStatus.SETTLED)
    legs: dict[Account, int] = defaultdict(int)
    for item in wanted:
        line = lines.get(item.line.id)
        if line is None:
            raise AccessDenied()
        if not _paid(line.shipment):
            raise DomainError(_l("Only delivered goods are refunded; before that, cancel the order."))
        left = left_to_refund(line, done[line.id])
        units_left = line.quantity - done[line.id]["quantity"]
        if item.amount < 0 or item.amount > sum(left.values()) or not 0 <= item.quantity <= units_left:
            raise DomainError(_l("%(title)s: that is more than is left to refund.", title=line.title))
        shares = allocate(left, item.amount)
        record.lines.append(RefundLine(order_line_id=line.id, quantity=item.quantity, amount=item.amount, **shares))
        for name, part in shares.items():
            done[line.id][name] += part
        done[line.id]["quantity"] += item.quantity
        record.amount += item.amount
        earners = _earners(line, referrer_id)
        for name, share in shares.items():
            if name == "platform_commission":
                legs[PLATFORM_COMMISSION] += share
            elif name == "platform_margin":
                legs[PLATFORM_MARGIN] += share
            elif share:
                legs[earners[name].account(bucket)] += share

    before = db.session.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.order_id == order.id))
    # Rewards come back in the proportion they paid for the order, counted on the running total, so the
    # rounding never drifts: after everything is refunded, exactly what was spent has come back.
    record.rewards_back = ((before + record.amount) * order.credit_used // order.total
                           - before * order.credit_used // order.total) if order.total else 0
    record.cash_back = record.amount - record.rewards_back
    record.status = RefundStatus.OWED if record.cash_back else RefundStatus.SETTLED
    legs[Owner.referrer(order.buyer_id).account(Bucket.AVAILABLE)] -= record.rewards_back
    legs[REFUNDS_OWED] -= record.cash_back
    db.session.add(record)
    db.session.flush()
    post(legs.items(), memo=f"order {order.number} refund {record.id}", order_id=order.id)
    return record


def mark_refund_paid(admin, refund_record: Refund) -> None:
    """The platform sent the buyer's money back: what is owed to buyers goes down, the bank's money with it."""
    if not (admin.is_authenticated and admin.is_admin):
        raise AccessDenied()
    lock_order(refund_record.order_id)
    db.session.refresh(refund_record)
    if refund_record.status != RefundStatus.OWED:
        raise DomainError(_l("This refund is not waiting to be paid."))
    post([(REFUNDS_OWED, refund_record.cash_back), (REFUNDS_PAID, -refund_record.cash_back)],
         memo=f"order {refund_record.order.number} refund {refund_record.id} paid", order_id=refund_record.order_id)
    refund_record.status, refund_record.paid_at = RefundStatus.PAID, utcnow()
    db.session.flush()
    notify({refund_record.order.buyer_id}, Kind.ORDER_UPDATES, event="refund_paid", subject=refund_record.order.number,
           link=f"/orders/{refund_record.order.number}")


def refunds_owed() -> list[Refund]:
    """Refunds still to be paid to buyers' accounts, oldest first (the admin's list)."""
    return list(db.session.scalars(select(Refund).where(Refund.status == RefundStatus.OWED)
                                   .options(joinedload(Refund.order)).order_by(Refund.created_at, Refund.id)))


def refunds_of(order: Order) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))
