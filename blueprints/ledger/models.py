from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.columns import UTCDateTime, utcnow
from blueprints.ledger.accounts import Account, AccountColumn
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
