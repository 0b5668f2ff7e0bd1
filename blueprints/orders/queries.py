"""What other domains may read about orders. They ask here rather than joining on the order tables, so
orders can change how it stores things without reaching into every room."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from blueprints.catalog.models import Variant
from blueprints.orders.models import Cart, CartItem, Order, OrderLine, OrderStatus, Shipment, ShipmentStatus
from blueprints.orders.return_models import RefundLine, ReturnLine, ReturnRequest, ReturnStatus
from blueprints.sharing.models import ShareLink
from extensions import db

_not_cancelled = Order.status != OrderStatus.CANCELLED


def units_in_cart_of(user_id: int):
    """How many units are in the user's cart, as a subquery: the header asks it beside its other counts."""
    return (select(func.coalesce(func.sum(CartItem.quantity), 0)).join(CartItem.cart)
            .where(Cart.user_id == user_id).scalar_subquery())


def units_bought_with_pledge(pledge_id: int) -> int:
    """Units bought at a pledge's early-bird price in orders that still stand."""
    return db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)).join(Order)
                             .where(OrderLine.pledge_id == pledge_id, _not_cancelled))


def buyers_through_shop(shop_id: int) -> set[int]:
    """Everyone with an order through the shop that was not cancelled."""
    return set(db.session.scalars(select(Order.buyer_id).where(Order.shop_id == shop_id, _not_cancelled).distinct()))


def sales_through_links(link_ids: list[int], sharer_id: int) -> dict[int, tuple[int, int]]:
    """{link id: (orders, reward earned)} for orders placed through these links by anyone but the sharer."""
    if not link_ids:
        return {}
    rows = db.session.execute(
        select(Order.share_link_id, func.count(func.distinct(Order.id)),
               func.coalesce(func.sum(OrderLine.referral_reward), 0))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.share_link_id.in_(link_ids), _not_cancelled, Order.buyer_id != sharer_id)
        .group_by(Order.share_link_id)).all()
    return {link_id: (count, earned) for link_id, count, earned in rows}


def units_sold_by_product():
    """A subquery of (product_id, units) over every order line ever placed."""
    return (select(Variant.product_id, func.sum(OrderLine.quantity).label("units"))
            .join(OrderLine, OrderLine.variant_id == Variant.id).group_by(Variant.product_id).subquery())


def purchases() -> Select:
    """(user_id, product_id, at) for each line of an order that was not cancelled: who bought what, when.
    Callers add their own columns and filters with `with_only_columns` and `where` on `selected_columns`."""
    return (select(Order.buyer_id.label("user_id"), Variant.product_id.label("product_id"),
                   Order.placed_at.label("at"))
            .select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
            .join(Variant, Variant.id == OrderLine.variant_id)
            .where(_not_cancelled))



_PARTS = ("supplier_payout", "platform_commission", "referral_reward", "shop_earnings", "platform_margin")


def _parts_sum(model):
    return sum((getattr(model, name) for name in _PARTS[1:]), start=getattr(model, _PARTS[0]))


def split_problems() -> list[str]:
    """Order lines and refunds whose split does not add up, or that refund more of a part than the line held."""
    problems = [f"order {number}: line {line_id}'s split does not add up to its total"
                for line_id, number in db.session.execute(select(OrderLine.id, Order.number).join(Order)
                                                           .where(_parts_sum(OrderLine) != OrderLine.line_total))]
    problems += [f"refund line {refund_line_id}'s split does not add up to its amount"
                 for refund_line_id in db.session.scalars(select(RefundLine.id)
                                                          .where(_parts_sum(RefundLine) != RefundLine.amount))]
    refunded = (select(RefundLine.order_line_id, *(func.sum(getattr(RefundLine, name)).label(name) for name in _PARTS))
                .group_by(RefundLine.order_line_id).subquery())
    over = (select(OrderLine.id).join(refunded, refunded.c.order_line_id == OrderLine.id)
            .where(or_(*(refunded.c[name] > getattr(OrderLine, name) for name in _PARTS))))
    problems += [f"order line {line_id} was refunded more than it held" for line_id in db.session.scalars(over)]
    return problems


def order_id_by_number(number: str) -> int | None:
    return db.session.scalar(select(Order.id).where(Order.number == number))


def order_figures(order_ids: list[int]) -> dict[int, tuple[str, str, int, int]]:
    """{order id: (number, status, units, total)} for the given orders, in one query."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(Order.id, Order.number, Order.status, func.coalesce(func.sum(OrderLine.quantity), 0), Order.total)
        .join(OrderLine, OrderLine.order_id == Order.id).where(Order.id.in_(order_ids))
        .group_by(Order.id, Order.number, Order.status, Order.total)).all()
    return {order_id: (number, str(status), units, total) for order_id, number, status, units, total in rows}


@dataclass(frozen=True)
class DeliveredLine:
    """What a review needs to know about the order line it is about."""

    id: int
    order_number: str
    buyer_id: int
    product_id: int
    supplier_id: int
    shop_id: int | None
    title: str
    variant_label: str
    delivered_at: datetime


def _delivered_lines() -> Select:
    return (select(OrderLine.id, Order.number, Order.buyer_id, Variant.product_id, Shipment.supplier_id,
                   OrderLine.shop_id, OrderLine.title, OrderLine.variant_label, Shipment.delivered_at)
            .select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
            .join(Shipment, Shipment.id == OrderLine.shipment_id).join(Variant, Variant.id == OrderLine.variant_id)
            .where(Shipment.status == ShipmentStatus.DELIVERED))


def delivered_line(line_id: int) -> DeliveredLine | None:
    """The line if its goods were delivered (its order may since have completed), else None."""
    row = db.session.execute(_delivered_lines().where(OrderLine.id == line_id)).first()
    return DeliveredLine(*row) if row else None


def delivered_lines_of(user_id: int, *, order_number: str | None = None) -> list[DeliveredLine]:
    """The user's delivered lines, newest delivery first (of one order, when given)."""
    query = _delivered_lines().where(Order.buyer_id == user_id)
    if order_number is not None:
        query = query.where(Order.number == order_number)
    rows = db.session.execute(query.order_by(Shipment.delivered_at.desc(), OrderLine.id))
    return [DeliveredLine(*row) for row in rows]


def order_buyer_and_number(order_id: int) -> tuple[int, str] | None:
    row = db.session.execute(select(Order.buyer_id, Order.number).where(Order.id == order_id)).first()
    return tuple(row) if row else None


@dataclass(frozen=True)
class ShipmentTimes:
    supplier_id: int
    order_placed_at: datetime
    ready_at: datetime | None  # paid (or cash on delivery): from here the supplier's clock runs
    shipped_at: datetime | None
    shop_id: int | None


def shipment_times() -> list[ShipmentTimes]:
    """Every shipment that was not cancelled, with when it became ready and when it left: the raw figures of the
    suppliers' track records (read by a scheduled job, never per page view)."""
    rows = db.session.execute(
        select(Shipment.supplier_id, Order.placed_at, func.coalesce(Shipment.payment_confirmed_at, Order.confirmed_at),
               Shipment.shipped_at, Order.shop_id)
        .join(Order, Order.id == Shipment.order_id).where(Shipment.status != ShipmentStatus.CANCELLED))
    return [ShipmentTimes(*row) for row in rows]


def the_sharers_own_orders(sharer_id: int) -> list[tuple[str, str, str, str, str]]:
    """(phone, province, city, district, street) of each order the sharer placed themselves."""
    return [tuple(row) for row in db.session.execute(
        select(Order.phone, Order.province, Order.city, Order.district, Order.street)
        .where(Order.buyer_id == sharer_id).order_by(Order.id.desc()).limit(200))]


def held_referrals_of(sharer_id: int) -> list[tuple[str, datetime, str]]:
    """(order number, placed at, why) for orders through the sharer's links whose reward is held."""
    return [tuple(row) for row in db.session.execute(
        select(Order.number, Order.placed_at, Order.referral_flag).join(ShareLink, ShareLink.id == Order.share_link_id)
        .where(ShareLink.user_id == sharer_id, Order.referral_flag.is_not(None)).order_by(Order.placed_at.desc()))]


def orders_for_export(buyer_id: int) -> list[dict]:
    """A buyer's orders as plain data, for their data download."""
    orders = db.session.scalars(select(Order).where(Order.buyer_id == buyer_id).order_by(Order.placed_at))
    return [{"number": order.number, "status": order.status.value, "total": order.total,
             "placed_at": order.placed_at.isoformat(), "payment_method": order.payment_method.value,
             "ship_to": " ".join((order.recipient, order.phone, order.province, order.city, order.district,
                                  order.street))} for order in orders]


# Returns the supplier agreed to (or the platform ordered): on their way back or refunded.
_RETURNS_TAKEN_BACK = (ReturnStatus.ACCEPTED, ReturnStatus.SENT_BACK, ReturnStatus.REFUNDED)


def units_delivered_and_returned() -> dict[int, tuple[int, int]]:
    """{supplier id: (units delivered, units taken back in returns)}, for the suppliers' track records."""
    delivered = dict(db.session.execute(
        select(Shipment.supplier_id, func.sum(OrderLine.quantity)).join(OrderLine, OrderLine.shipment_id == Shipment.id)
        .where(Shipment.delivered_at.is_not(None), Shipment.status != ShipmentStatus.CANCELLED)
        .group_by(Shipment.supplier_id)).all())
    returned = dict(db.session.execute(
        select(ReturnRequest.supplier_id, func.sum(ReturnLine.quantity))
        .join(ReturnLine, ReturnLine.return_id == ReturnRequest.id)
        .where(ReturnRequest.status.in_(_RETURNS_TAKEN_BACK)).group_by(ReturnRequest.supplier_id)).all())
    return {supplier_id: (units, returned.get(supplier_id, 0)) for supplier_id, units in delivered.items()}
