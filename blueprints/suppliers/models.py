import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.accounts.models import User
from blueprints.columns import UTCDateTime, string_enum, utcnow
from extensions import db


class SupplierStatus(enum.StrEnum):
    APPLIED = "applied"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class SupplierAction(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


class Supplier(db.Model):
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The plain columns hold the required 简体中文 text; the *_en columns the optional English.
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact: Mapped[str] = mapped_column(String(200))
    registration_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[SupplierStatus] = mapped_column(string_enum(SupplierStatus, "supplier_status"),
                                                   default=SupplierStatus.APPLIED, index=True)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["SupplierMember"]] = relationship(back_populates="supplier")
    applied_by: Mapped[User] = relationship(foreign_keys=[applied_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def is_verified(self) -> bool:
        return self.status == SupplierStatus.VERIFIED


class SupplierMember(db.Model):
    """A user who acts for a supplier. A user belongs to at most one supplier."""

    __tablename__ = "supplier_members"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supplier: Mapped[Supplier] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class SupplierDecision(db.Model):
    """The audit trail: every verification decision, who made it, when and why."""

    __tablename__ = "supplier_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[SupplierAction] = mapped_column(string_enum(SupplierAction, "supplier_action"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    supplier: Mapped[Supplier] = relationship()
    admin: Mapped[User] = relationship()
