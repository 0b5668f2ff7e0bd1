"""Every ledger account, named as a value: whose money it is and which bucket of theirs it sits in.

An account is stored as text, e.g. "shop:7:pending", "platform:commission", "customers:receivable".
`str(account)` gives exactly that text and `Account.parse` reads it back, so what is stored never changes.
To add a bucket (a payout's "paid", a return's "refund owed"), add it to `Bucket` and to the kinds that
hold it in `BUCKETS`.
"""
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class OwnerKind(StrEnum):
    SUPPLIER = "supplier"
    SHOP = "shop"
    REFERRER = "referrer"  # a user who shared a link someone bought through
    PLATFORM = "platform"
    CUSTOMERS = "customers"  # the buyers as a whole


class Bucket(StrEnum):
    PENDING = "pending"  # earned on an order that is still open
    AVAILABLE = "available"  # earned on a completed order
    COMMISSION = "commission"
    MARGIN = "margin"  # what is left of a catalog sale, made with no shop
    PAYMENTS_RECEIVED = "payments_received"  # cash collected on delivery and transfers confirmed
    RECEIVABLE = "receivable"  # what buyers owe for their orders
    IN_TRANSIT = "in_transit"  # in a payout the bank has not yet confirmed
    # Money that left the platform's bank for this party: its balance (a credit) is all they were ever paid,
    # so the platform's cash is payments received plus every party's "paid".
    PAID = "paid"
    REFUND_OWED = "refund_owed"  # refunds to be paid back to buyers' bank accounts


EARNINGS = (Bucket.PENDING, Bucket.AVAILABLE, Bucket.IN_TRANSIT, Bucket.PAID)

BUCKETS: dict[OwnerKind, tuple[Bucket, ...]] = {
    OwnerKind.SUPPLIER: EARNINGS,
    OwnerKind.SHOP: EARNINGS,
    OwnerKind.REFERRER: EARNINGS,
    OwnerKind.PLATFORM: (Bucket.COMMISSION, Bucket.MARGIN, Bucket.PAYMENTS_RECEIVED),
    OwnerKind.CUSTOMERS: (Bucket.RECEIVABLE, Bucket.REFUND_OWED, Bucket.PAID),
}

# These kinds have accounts for each party, by id; the platform and the customers have one set each.
PER_PARTY = frozenset({OwnerKind.SUPPLIER, OwnerKind.SHOP, OwnerKind.REFERRER})


@dataclass(frozen=True)
class Owner:
    """Whose money: a supplier, a shop or a referrer (by id), or the platform or the customers."""

    kind: OwnerKind
    id: int | None = None

    def __post_init__(self):
        if self.kind not in BUCKETS:
            raise ValueError(f"no such ledger owner kind: {self.kind!r}")
        if self.kind in PER_PARTY and not isinstance(self.id, int):
            raise ValueError(f"a {self.kind} account needs the {self.kind}'s id")
        if self.kind not in PER_PARTY and self.id is not None:
            raise ValueError(f"there is one {self.kind} account, with no id")

    @classmethod
    def supplier(cls, supplier_id: int) -> "Owner":
        return cls(OwnerKind.SUPPLIER, supplier_id)

    @classmethod
    def shop(cls, shop_id: int) -> "Owner":
        return cls(OwnerKind.SHOP, shop_id)

    @classmethod
    def referrer(cls, user_id: int) -> "Owner":
        return cls(OwnerKind.REFERRER, user_id)

    def account(self, bucket: Bucket) -> "Account":
        return Account(self.kind, self.id, bucket)

    @property
    def accounts(self) -> tuple["Account", ...]:
        """One account for each bucket this owner has."""
        return tuple(self.account(bucket) for bucket in BUCKETS[self.kind])

    def __str__(self) -> str:
        return str(self.kind) if self.id is None else f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Account:
    """One bucket of one owner's money, e.g. shop 7's pending earnings."""

    kind: OwnerKind
    owner_id: int | None
    bucket: Bucket

    def __post_init__(self):
        owner = Owner(self.kind, self.owner_id)  # checks the kind and the id
        if self.bucket not in BUCKETS[owner.kind]:
            raise ValueError(f"a {self.kind} account has no {self.bucket!r} bucket")

    @property
    def owner(self) -> Owner:
        return Owner(self.kind, self.owner_id)

    def moved_to(self, bucket: Bucket) -> "Account":
        """The same owner's account for another bucket, e.g. pending -> available."""
        return replace(self, bucket=bucket)

    def __str__(self) -> str:
        return f"{self.owner}:{self.bucket}"

    @classmethod
    def parse(cls, text: str) -> "Account":
        """The account a stored string names; anything that is not exactly one raises ValueError."""
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"not a ledger account: {text!r}")
        owner_id = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
        account = cls(OwnerKind(parts[0]), owner_id, Bucket(parts[-1]))
        if str(account) != text:  # e.g. "shop:07:pending", or an id where none belongs
            raise ValueError(f"not a ledger account: {text!r}")
        return account


PLATFORM = Owner(OwnerKind.PLATFORM)
CUSTOMERS = Owner(OwnerKind.CUSTOMERS)

PLATFORM_COMMISSION = PLATFORM.account(Bucket.COMMISSION)
PLATFORM_MARGIN = PLATFORM.account(Bucket.MARGIN)
PAYMENTS_RECEIVED = PLATFORM.account(Bucket.PAYMENTS_RECEIVED)
CUSTOMERS_RECEIVABLE = CUSTOMERS.account(Bucket.RECEIVABLE)
REFUNDS_OWED = CUSTOMERS.account(Bucket.REFUND_OWED)
REFUNDS_PAID = CUSTOMERS.account(Bucket.PAID)


class AccountColumn(TypeDecorator):
    """An Account in the database: its text in a VARCHAR(64), as it always was."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Account):
            raise TypeError(f"a ledger account must be an Account, not {value!r}")
        return str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Account.parse(value)
