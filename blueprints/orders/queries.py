"""What other domains may read about orders. They ask here rather than joining on the order tables, so
orders can change how it stores things without reaching into every room."""
from sqlalchemy import Select, func, or_, select

from blueprints.catalog.models import Variant
from blueprints.orders.models import Order, OrderLine, OrderStatus
from blueprints.orders.return_models import RefundLine
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
