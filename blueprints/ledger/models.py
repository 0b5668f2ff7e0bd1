import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.columns import UTCDateTime, string_enum, utcnow
from blueprints.ledger.accounts import Account, AccountColumn, Owner, OwnerKind
from extensions import db


class LedgerEntry(db.Model):
    """One leg of a balanced transaction: debits positive, credits negative; a transaction sums to zero."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(36), index=True)
    account: Mapped[Account] = mapped_column(AccountColumn(), index=True)  # stored as e.g. "shop:7:pending"
    amount: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PayoutStatus(enum.StrEnum):
    IN_TRANSIT = "in_transit"  # in the bank file; waiting for the bank to say it arrived
    PAID = "paid"
    FAILED = "failed"  # the bank sent it back: the money is available again


class PayoutRun(db.Model):
    __tablename__ = "payout_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payouts: Mapped[list["Payout"]] = relationship(back_populates="run", order_by="Payout.id")


class Payout(db.Model):
    """One party's available balance on its way to their bank account."""

    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # At most one payout in transit per party: a second run, or two at once, cannot pay it twice.
        Index("uq_payouts_one_in_transit", "owner", unique=True,
              sqlite_where=text("status = 'in_transit'"), postgresql_where=text("status = 'in_transit'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payout_runs.id"), index=True)
    owner: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "supplier:3", str(Owner)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PayoutStatus] = mapped_column(string_enum(PayoutStatus, "payout_status"),
                                                 default=PayoutStatus.IN_TRANSIT)
    account_name: Mapped[str] = mapped_column(String(100), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    account_number: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    run: Mapped[PayoutRun] = relationship(back_populates="payouts")

    @property
    def party(self) -> Owner:
        kind, _sep, owner_id = self.owner.partition(":")
        return Owner(OwnerKind(kind), int(owner_id))


class BankDetails(db.Model):
    """Where a supplier's, shop's or sharer's payouts go; shown masked once saved."""

    __tablename__ = "bank_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(40), unique=True)
    account_name: Mapped[str] = mapped_column(String(100))
    bank_name: Mapped[str] = mapped_column(String(100))
    account_number: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def masked_number(self) -> str:
        return mask(self.account_number)


def mask(number: str) -> str:
    return "•••• " + number[-4:] if number else ""
