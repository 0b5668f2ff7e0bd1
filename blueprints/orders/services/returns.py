"""Returns: a buyer asks to send back delivered units; the supplier (or, on appeal, the platform) decides; the goods
come back; the refund is issued. Each step is a line on the order's timeline and a note to whoever acts next."""
from collections import defaultdict
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.catalog.models import Variant
from blueprints.catalog.stock import move_stock
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import store_images
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.models import Order, OrderLine, ShipmentStatus
from blueprints.orders.return_models import (OPEN_RETURN, QUALITY_REASONS, ReturnEvent, ReturnLine, ReturnReason,
                                             ReturnRequest, ReturnStatus)
from blueprints.orders.services.fulfilment import _supplier_id_of
from blueprints.orders.services.refunds import LineRefund, lock_order, refund
from blueprints.suppliers.models import SupplierMember
from extensions import db

MAX_PHOTOS = 4


def _is_admin(user: User) -> bool:
    return user.is_authenticated and user.is_admin


def units_in_returns(line_ids: list[int]) -> dict[int, int]:
    """Units of each line already in a return that was not turned down."""
    if not line_ids:
        return {}
    rows = db.session.execute(select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
                              .join(ReturnLine.request)
                              .where(ReturnLine.order_line_id.in_(line_ids),
                                     ReturnRequest.status != ReturnStatus.REJECTED)
                              .group_by(ReturnLine.order_line_id))
    return {line_id: int(units) for line_id, units in rows}


def returnable(order: Order, window: timedelta, now: datetime | None = None) -> list[tuple[OrderLine, int]]:
    """(line, units the buyer may still return) for delivered lines inside the return window."""
    now = now or utcnow()
    open_lines = [line for line in order.lines
                  if line.shipment.status == ShipmentStatus.DELIVERED and line.shipment.delivered_at
                  and line.shipment.delivered_at + window >= now]
    taken = units_in_returns([line.id for line in open_lines])
    return [(line, line.quantity - taken.get(line.id, 0)) for line in open_lines
            if line.quantity - taken.get(line.id, 0) > 0]


def _event(request: ReturnRequest, status: ReturnStatus, actor: User | None, note: str = "") -> None:
    request.status, request.updated_at = status, utcnow()
    db.session.add(ReturnEvent(return_id=request.id, status=status.value, actor_id=actor.id if actor else None,
                               note=note[:500], at=request.updated_at))


def _tell(user_ids: set[int], event: str, request: ReturnRequest, link: str) -> None:
    notify(user_ids, Kind.ORDER_UPDATES, event=event, subject=request.order.number, link=link)


def _supplier_members(supplier_id: int) -> set[int]:
    return set(db.session.scalars(select(SupplierMember.user_id).where(SupplierMember.supplier_id == supplier_id)))


def _admins() -> set[int]:
    return set(db.session.scalars(select(User.id).where(User.is_admin.is_(True))))


def _to_buyer(request: ReturnRequest, event: str) -> None:
    _tell({request.order.buyer_id}, event, request, f"/orders/{request.order.number}")


def _to_supplier(request: ReturnRequest, event: str) -> None:
    _tell(_supplier_members(request.supplier_id), event, request, "/supplier/returns")


def request_return(buyer: User, order: Order, quantities: dict[int, int], reason: ReturnReason, note: str,
                   photos: list | None = None, *, window: timedelta, now: datetime | None = None
                   ) -> list[ReturnRequest]:
    """One request per supplier whose delivered lines the buyer sends back; `quantities` is {line id: units}."""
    if not buyer.is_authenticated or order.buyer_id != buyer.id:
        raise AccessDenied()
    lock_order(order.id)
    allowed = {line.id: (line, units) for line, units in returnable(order, window, now)}
    wanted = {line_id: units for line_id, units in quantities.items() if units}
    if not wanted:
        raise InvalidFields({"lines": _l("Choose at least one item to return.")})
    for line_id, units in wanted.items():
        if line_id not in allowed or not 0 < units <= allowed[line_id][1]:
            raise InvalidFields({"lines": _l("You can return only delivered items, within %(days)d days of "
                                             "delivery, and no more than you received.", days=window.days)})
    keys = " ".join(image.key for image in store_images(photos or []))
    by_shipment: dict[int, list[tuple[OrderLine, int]]] = defaultdict(list)
    for line_id, units in wanted.items():
        line = allowed[line_id][0]
        by_shipment[line.shipment_id].append((line, units))
    made = []
    for shipment_id, items in sorted(by_shipment.items()):
        supplier_id = items[0][0].shipment.supplier_id
        request = ReturnRequest(order_id=order.id, shipment_id=shipment_id, supplier_id=supplier_id, reason=reason,
                                note=(note or "").strip()[:2000], photo_keys=keys,
                                lines=[ReturnLine(order_line_id=line.id, quantity=units) for line, units in items])
        db.session.add(request)
        db.session.flush()
        _event(request, ReturnStatus.REQUESTED, buyer, request.note)
        _to_supplier(request, "return_requested")
        made.append(request)
    db.session.flush()
    return made


def _claim(request: ReturnRequest, expected: tuple[ReturnStatus, ...], to: ReturnStatus) -> None:
    """Move the request on only from `expected`, so two clicks (or two people) at once make one step."""
    lock_order(request.order_id)
    moved = db.session.execute(update(ReturnRequest).where(ReturnRequest.id == request.id,
                                                           ReturnRequest.status.in_(expected))
                               .values(status=to)).rowcount
    if moved != 1:
        raise DomainError(_l("This return cannot make that step now."))
    db.session.refresh(request)


def _own(user: User, request: ReturnRequest) -> None:
    if _supplier_id_of(user) != request.supplier_id:
        raise AccessDenied()


def accept(user: User, request: ReturnRequest, return_address: str) -> None:
    _own(user, request)
    if not (return_address or "").strip():
        raise InvalidFields({"return_address": _l("Enter the address the buyer sends it back to.")})
    _claim(request, (ReturnStatus.REQUESTED,), ReturnStatus.ACCEPTED)
    request.return_address = return_address.strip()[:300]
    _event(request, ReturnStatus.ACCEPTED, user)
    _to_buyer(request, "return_accepted")


def refuse(user: User, request: ReturnRequest, reason: str) -> None:
    _own(user, request)
    if not (reason or "").strip():
        raise InvalidFields({"reason": _l("Tell the buyer why: they see this.")})
    _claim(request, (ReturnStatus.REQUESTED,), ReturnStatus.REFUSED)
    request.answer = reason.strip()[:500]
    _event(request, ReturnStatus.REFUSED, user, request.answer)
    _to_buyer(request, "return_refused")


def escalate(buyer: User, request: ReturnRequest) -> None:
    if not buyer.is_authenticated or request.order.buyer_id != buyer.id:
        raise AccessDenied()
    _claim(request, (ReturnStatus.REFUSED,), ReturnStatus.ESCALATED)
    _event(request, ReturnStatus.ESCALATED, buyer)
    _tell(_admins(), "return_escalated", request, "/admin/returns")


def decide(admin: User, request: ReturnRequest, *, accepted: bool, reason: str, return_address: str = "") -> None:
    """The platform's word on an escalated return: accepted (the buyer sends it back) or rejected (closed)."""
    if not _is_admin(admin):
        raise AccessDenied()
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _l("Give the reason for the decision: the buyer and the supplier see it.")
    if accepted and not (return_address or "").strip():
        errors["return_address"] = _l("Enter the address the buyer sends it back to.")
    if errors:
        raise InvalidFields(errors)
    to = ReturnStatus.ACCEPTED if accepted else ReturnStatus.REJECTED
    _claim(request, (ReturnStatus.ESCALATED,), to)
    request.answer = reason.strip()[:500]
    if accepted:
        request.return_address = return_address.strip()[:300]
    _event(request, to, admin, request.answer)
    _to_buyer(request, "return_decided")
    _to_supplier(request, "return_decided")


def send_back(buyer: User, request: ReturnRequest, *, carrier: str, tracking_number: str) -> None:
    if not buyer.is_authenticated or request.order.buyer_id != buyer.id:
        raise AccessDenied()
    errors = {}
    if not (carrier or "").strip():
        errors["carrier"] = _l("Name the carrier, like SF Express.")
    if not (tracking_number or "").strip():
        errors["tracking_number"] = _l("Enter the tracking number.")
    if errors:
        raise InvalidFields(errors)
    _claim(request, (ReturnStatus.ACCEPTED,), ReturnStatus.SENT_BACK)
    request.carrier, request.tracking_number = carrier.strip()[:60], tracking_number.strip()[:60]
    _event(request, ReturnStatus.SENT_BACK, buyer, f"{request.carrier} {request.tracking_number}")
    _to_supplier(request, "return_sent_back")


def receive(user: User, request: ReturnRequest, *, restock: bool):
    """The supplier has the goods back: the refund is issued at once, and the units go back on sale if asked."""
    _own(user, request)
    _claim(request, (ReturnStatus.SENT_BACK,), ReturnStatus.REFUNDED)
    record = refund(request.order, [LineRefund(item.line, item.line.unit_price * item.quantity, item.quantity)
                                    for item in request.lines], return_id=request.id)
    if restock:
        for item in sorted(request.lines, key=lambda item: item.line.variant_id):
            move_stock(item.line.variant_id, item.quantity)
    _event(request, ReturnStatus.REFUNDED, user)
    _to_buyer(request, "return_refunded")
    db.session.flush()
    return record


# Reading

def _with_lines(query):
    return query.options(selectinload(ReturnRequest.lines).joinedload(ReturnLine.line),
                         selectinload(ReturnRequest.events), joinedload(ReturnRequest.order),
                         joinedload(ReturnRequest.supplier))


def returns_of_order(order: Order) -> list[ReturnRequest]:
    return list(db.session.scalars(_with_lines(select(ReturnRequest)).where(ReturnRequest.order_id == order.id)
                                   .order_by(ReturnRequest.id)))


def supplier_returns(user: User, *, open_only: bool = True) -> list[ReturnRequest]:
    query = _with_lines(select(ReturnRequest)).where(ReturnRequest.supplier_id == _supplier_id_of(user))
    if open_only:
        query = query.where(ReturnRequest.status.in_(OPEN_RETURN))
    return list(db.session.scalars(query.order_by(ReturnRequest.created_at.desc(), ReturnRequest.id.desc())))


def escalated_returns(admin: User) -> list[ReturnRequest]:
    if not _is_admin(admin):
        raise AccessDenied()
    return list(db.session.scalars(_with_lines(select(ReturnRequest))
                                   .where(ReturnRequest.status == ReturnStatus.ESCALATED)
                                   .order_by(ReturnRequest.updated_at)))


def quality_counts(user: User) -> list[tuple[int, str, str, int]]:
    """(product id, product title, reason, units) of this supplier's goods returned as damaged or not as described,
    most first: quality problems show up per product."""
    supplier_id = _supplier_id_of(user)
    rows = db.session.execute(
        select(Variant.product_id, OrderLine.title, ReturnRequest.reason, func.sum(ReturnLine.quantity))
        .select_from(ReturnLine).join(ReturnLine.request).join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .where(ReturnRequest.supplier_id == supplier_id, ReturnRequest.reason.in_(QUALITY_REASONS))
        .group_by(Variant.product_id, OrderLine.title, ReturnRequest.reason)
        .order_by(func.sum(ReturnLine.quantity).desc(), OrderLine.title))
    return [(product_id, title, reason, int(units)) for product_id, title, reason, units in rows]


def has_open_return(order_id: int) -> bool:
    return db.session.scalar(select(ReturnRequest.id).where(ReturnRequest.order_id == order_id,
                                                            ReturnRequest.status.in_(OPEN_RETURN)).limit(1)) is not None
