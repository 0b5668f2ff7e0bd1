"""Posting balanced transactions and reading balances."""
import uuid
from collections.abc import Iterable

from sqlalchemy import func, select

from blueprints.ledger.models import LedgerEntry
from extensions import db

CUSTOMER_PAYMENTS = "customers:receivable"
PLATFORM_COMMISSION = "platform:commission"
PLATFORM_MARGIN = "platform:margin"
PAYMENTS_RECEIVED = "platform:payments_received"  # cash collected on delivery and transfers confirmed


def supplier_account(supplier_id: int, state: str) -> str:
    return f"supplier:{supplier_id}:{state}"


def shop_account(shop_id: int, state: str) -> str:
    return f"shop:{shop_id}:{state}"


def referrer_account(user_id: int, state: str) -> str:
    return f"referrer:{user_id}:{state}"


class UnbalancedTransaction(ValueError):
    pass


def post(legs: Iterable[tuple[str, int]], *, memo: str, order_id: int | None = None) -> str:
    """Write one transaction; zero legs are skipped. Returns its id."""
    legs = [(account, amount) for account, amount in legs if amount]
    if sum(amount for _account, amount in legs) != 0:
        raise UnbalancedTransaction(legs)
    transaction_id = str(uuid.uuid4())
    db.session.add_all(LedgerEntry(transaction_id=transaction_id, account=account, amount=amount, memo=memo,
                                   order_id=order_id) for account, amount in legs)
    db.session.flush()
    return transaction_id


def balance(account: str) -> int:
    """Debits minus credits. What the platform owes a supplier, shop or referrer is minus this."""
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                             .where(LedgerEntry.account == account))


def owed_to(account_prefix: str) -> dict[str, int]:
    """What the platform owes on each state of an account, e.g. owed_to("shop:7") -> {"pending": ..., ...}."""
    rows = db.session.execute(select(LedgerEntry.account, func.sum(LedgerEntry.amount))
                              .where(LedgerEntry.account.like(f"{account_prefix}:%"))
                              .group_by(LedgerEntry.account))
    owed = {"pending": 0, "available": 0}
    for account, total in rows:
        owed[account.rsplit(":", 1)[1]] = -int(total)
    return owed


def order_entries(order_id: int) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)
                                   .order_by(LedgerEntry.id)))
