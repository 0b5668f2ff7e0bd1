"""Posting balanced transactions and reading balances."""
import hashlib
import uuid
from collections.abc import Iterable

from sqlalchemy import func, select

from blueprints.ledger.accounts import BUCKETS, PER_PARTY, Account, Bucket, Owner
from blueprints.ledger.models import LedgerEntry
from extensions import db


class UnbalancedTransaction(ValueError):
    pass


def post(legs: Iterable[tuple[Account, int]], *, memo: str, order_id: int | None = None) -> str:
    """Write one transaction; zero legs are skipped. Returns its id."""
    legs = [(account, amount) for account, amount in legs if amount]
    for account, _amount in legs:
        if not isinstance(account, Account):
            raise TypeError(f"a ledger account must be an Account, not {account!r}")
    if sum(amount for _account, amount in legs) != 0:
        raise UnbalancedTransaction(legs)
    transaction_id = str(uuid.uuid4())
    db.session.add_all(LedgerEntry(transaction_id=transaction_id, account=account, amount=amount, memo=memo,
                                   order_id=order_id) for account, amount in legs)
    db.session.flush()
    return transaction_id


def balance(account: Account) -> int:
    """Debits minus credits. What the platform owes a supplier, shop or referrer is minus this."""
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                             .where(LedgerEntry.account == account))


def owed_to(owner: Owner, buckets: tuple[Bucket, ...] | None = None) -> dict[Bucket, int]:
    """What the platform owes `owner` in each of their buckets, e.g. {"pending": ..., "available": ...}.

    By default a party's earnings show as pending and available; ask for EARNINGS to see payouts too."""
    if buckets is None:
        buckets = (Bucket.PENDING, Bucket.AVAILABLE) if owner.kind in PER_PARTY else BUCKETS[owner.kind]
    rows = db.session.execute(select(LedgerEntry.account, func.sum(LedgerEntry.amount))
                              .where(LedgerEntry.account.in_([owner.account(bucket) for bucket in buckets]))
                              .group_by(LedgerEntry.account))
    owed = dict.fromkeys(buckets, 0)
    for account, total in rows:
        owed[account.bucket] = -int(total)
    return owed


def entries_of(owner: Owner, *, limit: int = 100) -> list[LedgerEntry]:
    """The owner's entries, newest first."""
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.account.in_(owner.accounts))
                                   .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc()).limit(limit)))


def order_entries(order_id: int) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)
                                   .order_by(LedgerEntry.id)))


def lock_parties(owners) -> None:
    """Take each party's payout lock for the rest of the transaction (PostgreSQL; SQLite runs one writer at a time).

    A payout run and a refund that touch the same party's available balance take turns: the payout either sees
    the refund or runs wholly before it, so it never pays out money a refund has already taken back. Locks are
    taken in one order, so two transactions locking several parties cannot deadlock."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for owner in sorted(set(owners), key=str):
        db.session.execute(select(func.pg_advisory_xact_lock(_lock_key(owner))))


def _lock_key(owner: Owner) -> int:
    # A stable 63-bit number per party (Python's hash() changes between processes).
    return int.from_bytes(hashlib.blake2b(f"payout:{owner}".encode(), digest_size=8).digest(), "big") >> 1


def trial_balance() -> list[tuple[Account, int]]:
    """Every account and its balance (debits minus credits); together they sum to zero."""
    rows = db.session.execute(select(LedgerEntry.account, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.account)
                              .order_by(LedgerEntry.account))
    return [(account, int(total)) for account, total in rows]


def account_entries(account: Account, *, limit: int = 200) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.account == account)
                                   .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc()).limit(limit)))


def unbalanced_transactions() -> list[tuple[str, int]]:
    """(transaction id, sum) of every transaction whose legs do not sum to zero: there should be none."""
    rows = db.session.execute(select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount))
                              .group_by(LedgerEntry.transaction_id).having(func.sum(LedgerEntry.amount) != 0))
    return [(transaction_id, int(total)) for transaction_id, total in rows]
