"""What other domains may read about orders. They ask here rather than joining on the order tables, so
orders can change how it stores things without reaching into every room."""
from sqlalchemy import Select, func, select

from blueprints.catalog.models import Variant
from blueprints.orders.models import Order, OrderLine, OrderStatus
from extensions import db

_not_cancelled = Order.status != OrderStatus.CANCELLED


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


def orders_for_export(buyer_id: int) -> list[dict]:
    """A buyer's orders as plain data, for their data download."""
    orders = db.session.scalars(select(Order).where(Order.buyer_id == buyer_id).order_by(Order.placed_at))
    return [{"number": order.number, "status": order.status.value, "total": order.total,
             "placed_at": order.placed_at.isoformat(), "payment_method": order.payment_method.value,
             "ship_to": " ".join((order.recipient, order.phone, order.province, order.city, order.district,
                                  order.street))} for order in orders]
