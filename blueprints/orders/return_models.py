"""After the sale: a buyer's return of delivered lines, its timeline, and the refunds that reverse the money."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.columns import UTCDateTime, string_enum, utcnow
from blueprints.orders.models import Order, OrderLine, Shipment
from blueprints.suppliers.models import Supplier
from extensions import db


class ReturnReason(enum.StrEnum):
    NO_REASON = "no_reason"  # the seven days' return without a reason
    DAMAGED = "damaged"
    NOT_AS_DESCRIBED = "not_as_described"
    WRONG_ITEM = "wrong_item"


# Reasons that say something about the product's quality: counted per product for its supplier.
QUALITY_REASONS = (ReturnReason.DAMAGED, ReturnReason.NOT_AS_DESCRIBED)


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"    # the supplier decides
    ACCEPTED = "accepted"      # the buyer sends it back
    REFUSED = "refused"        # the buyer may escalate
    ESCALATED = "escalated"    # the platform decides
    REJECTED = "rejected"      # the platform agreed with the refusal: closed
    SENT_BACK = "sent_back"    # on its way back to the supplier
    REFUNDED = "refunded"      # received; the refund is issued


OPEN_RETURN = (ReturnStatus.REQUESTED, ReturnStatus.ACCEPTED, ReturnStatus.REFUSED, ReturnStatus.ESCALATED,
               ReturnStatus.SENT_BACK)


class ReturnRequest(db.Model):
    """A buyer's request to return some delivered units of one shipment (one supplier decides it)."""

    __tablename__ = "return_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[ReturnStatus] = mapped_column(string_enum(ReturnStatus, "return_status"),
                                                 default=ReturnStatus.REQUESTED, index=True)
    reason: Mapped[ReturnReason] = mapped_column(string_enum(ReturnReason, "return_reason"))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_keys: Mapped[str] = mapped_column(String(300), default="")  # space-separated image keys
    answer: Mapped[str] = mapped_column(String(500), default="")  # the supplier's refusal, or the platform's reason
    return_address: Mapped[str] = mapped_column(String(300), default="")
    carrier: Mapped[str] = mapped_column(String(60), default="")
    tracking_number: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship()
    shipment: Mapped[Shipment] = relationship()
    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list["ReturnLine"]] = relationship(back_populates="request", order_by="ReturnLine.id")
    events: Mapped[list["ReturnEvent"]] = relationship(order_by="ReturnEvent.id")

    @property
    def photos(self) -> list[str]:
        return self.photo_keys.split()

    @property
    def amount(self) -> int:
        return sum(line.line.unit_price * line.quantity for line in self.lines)


class ReturnLine(db.Model):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      UniqueConstraint("return_id", "order_line_id", name="uq_return_lines_return_line"))

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int]

    request: Mapped[ReturnRequest] = relationship(back_populates="lines")
    line: Mapped[OrderLine] = relationship()


class ReturnEvent(db.Model):
    """One line of the order's timeline: a return moved to `status`, by whom, with what said."""

    __tablename__ = "return_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefundStatus(enum.StrEnum):
    OWED = "owed"  # to be paid back to the buyer's account; the admin marks it paid
    PAID = "paid"
    SETTLED = "settled"  # nothing to pay in cash: it all went back as rewards


class Refund(db.Model):
    """Money given back on an order: the refunded share of each line's split, reversed in the ledger."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # One refund per return, even if "received" is clicked twice at once.
    return_id: Mapped[int | None] = mapped_column(ForeignKey("return_requests.id"), unique=True)
    amount: Mapped[int]
    rewards_back: Mapped[int] = mapped_column(default=0)  # the part paid with rewards returns as rewards
    cash_back: Mapped[int] = mapped_column(default=0)
    status: Mapped[RefundStatus] = mapped_column(string_enum(RefundStatus, "refund_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    lines: Mapped[list["RefundLine"]] = relationship(order_by="RefundLine.id")


class RefundLine(db.Model):
    """What one refund took back from one order line, part by part (adds up to `amount`)."""

    __tablename__ = "refund_lines"
    __table_args__ = (
        CheckConstraint("supplier_payout + platform_commission + referral_reward + shop_earnings + platform_margin"
                        " = amount", name="refund_split_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    amount: Mapped[int]
    supplier_payout: Mapped[int]
    platform_commission: Mapped[int]
    referral_reward: Mapped[int]
    shop_earnings: Mapped[int]
    platform_margin: Mapped[int]
