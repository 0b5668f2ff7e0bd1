import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.accounts.models import User
from blueprints.catalog.models import Variant
from blueprints.columns import UTCDateTime, string_enum, utcnow
from blueprints.shops.models import Shop
from blueprints.suppliers.models import Supplier
from extensions import db


class Cart(db.Model):
    """A signed-in user's cart, or a visitor's (found by the token kept in their session)."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    token: Mapped[str | None] = mapped_column(String(43), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list["CartItem"]] = relationship(back_populates="cart", order_by="CartItem.id",
                                                   cascade="all, delete-orphan")


class CartItem(db.Model):
    __tablename__ = "cart_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    # The shop it was added through decides the price and who earns; None is the platform's catalog.
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    # Set when a pledger buys at the prototype's early-bird price after it launched.
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"))
    quantity: Mapped[int]

    cart: Mapped[Cart] = relationship(back_populates="items")
    variant: Mapped[Variant] = relationship()
    shop: Mapped[Shop | None] = relationship()


class Address(db.Model):
    """A saved shipping address, in the mainland's order: province, city, district, street."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(40))
    city: Mapped[str] = mapped_column(String(40))
    district: Mapped[str] = mapped_column(String(40))
    street: Mapped[str] = mapped_column(String(200))
    # The one checkout offers first; at most one per user (orders.services.addresses keeps it so).
    is_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentMethod(enum.StrEnum):
    CASH_ON_DELIVERY = "cod"
    BANK_TRANSFER = "bank_transfer"


class OrderStatus(enum.StrEnum):
    PLACED = "placed"          # waiting for a bank transfer to be confirmed
    CONFIRMED = "confirmed"    # ready to ship
    SHIPPED = "shipped"        # every shipment is on its way (or delivered)
    DELIVERED = "delivered"
    COMPLETED = "completed"    # the return window has passed; earnings are available
    CANCELLED = "cancelled"
    WAITING_FOR_TEAM = "team_waiting"  # a team order, held until its team forms (or cancelled if it fails)


class ShipmentStatus(enum.StrEnum):
    HELD = "held"  # its order waits for a team: not in the supplier's queue yet
    AWAITING_PAYMENT = "awaiting_payment"
    READY = "ready"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Order(db.Model):
    __tablename__ = "orders"
    cached_in = [("suggestions", "buyer_id")]  # what its buyer is suggested (blueprints/recommendations)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # One order per key: a double click, a retry or a resubmitted form finds the first order.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(string_enum(OrderStatus, "order_status"), default=OrderStatus.PLACED,
                                                index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(string_enum(PaymentMethod, "payment_method"))
    recipient: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(40))
    city: Mapped[str] = mapped_column(String(40))
    district: Mapped[str] = mapped_column(String(40))
    street: Mapped[str] = mapped_column(String(200))
    total: Mapped[int]
    # Paid with the buyer's available share rewards; the rest is paid by cash or transfer.
    credit_used: Mapped[int] = mapped_column(default=0, server_default="0")
    # The share link the buyer came through, and whether its reward was held back for review.
    share_link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id"), index=True)
    referral_flag: Mapped[str | None] = mapped_column(String(200))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    buyer: Mapped[User] = relationship()
    shop: Mapped[Shop | None] = relationship()
    share_link: Mapped["ShareLink | None"] = relationship()  # noqa: F821 (defined in the sharing domain)
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", order_by="OrderLine.id")
    shipments: Mapped[list["Shipment"]] = relationship(back_populates="order", order_by="Shipment.id")

    @property
    def rows(self) -> list[tuple[str, str, int, int]]:
        return [(line.title, line.variant_label, line.quantity, line.line_total) for line in self.lines]

    @property
    def to_pay(self) -> int:
        return self.total - self.credit_used

    def due_for(self, shipment: "Shipment") -> int:
        """What to collect or receive for one shipment: its lines, less the rewards credit the buyer used,
        which is taken off the shipments in order."""
        if not self.credit_used:
            return sum(line.line_total for line in shipment.lines)
        credit = self.credit_used
        for each in sorted(self.shipments, key=lambda s: s.id):
            amount = sum(line.line_total for line in each.lines)
            taken = min(credit, amount)
            credit -= taken
            if each.id == shipment.id:
                return amount - taken
        return 0

    @property
    def shown_status(self) -> str:
        """The status as a buyer should read it: not "shipped" while another supplier's part still waits."""
        if self.status == OrderStatus.SHIPPED:
            states = {shipment.status for shipment in self.shipments} - {ShipmentStatus.CANCELLED}
            if states & {ShipmentStatus.AWAITING_PAYMENT, ShipmentStatus.READY}:
                return "partly_shipped"
            if ShipmentStatus.DELIVERED in states:
                return "partly_delivered"
        return self.status

    @property
    def cancellable(self) -> bool:
        return self.status in (OrderStatus.PLACED, OrderStatus.CONFIRMED)


class Shipment(db.Model):
    """The part of an order one supplier fulfils."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("order_id", "supplier_id", name="uq_shipments_order_supplier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[ShipmentStatus] = mapped_column(string_enum(ShipmentStatus, "shipment_status"), index=True)
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    payment_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="shipments")
    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="shipment", order_by="OrderLine.id")


class OrderLine(db.Model):
    """What was bought, at what price, and how the money splits (see Money in DESIGN.md)."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("supplier_payout + platform_commission + referral_reward + shop_earnings + platform_margin"
                        " = line_total", name="split_adds_up"),
        CheckConstraint("supplier_payout >= 0 AND platform_commission >= 0 AND referral_reward >= 0"
                        " AND shop_earnings >= 0", name="split_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"), index=True)
    # The shop the line was sold through: it decided the price and earns the rest.
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    # Bought at a pledge's early-bird price (counts against what the pledge allows).
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    variant_label: Mapped[str] = mapped_column(String(120))
    sku: Mapped[str] = mapped_column(String(64))
    unit_price: Mapped[int]
    quantity: Mapped[int]
    line_total: Mapped[int]
    supplier_payout: Mapped[int]
    platform_commission: Mapped[int]
    referral_reward: Mapped[int]
    shop_earnings: Mapped[int]
    platform_margin: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")
    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()
    shop: Mapped[Shop | None] = relationship()
from blueprints.orders.return_models import Refund, RefundLine, ReturnEvent, ReturnLine, ReturnRequest  # noqa: E402,F401
