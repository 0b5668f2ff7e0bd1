"""Ledger accounts are values that read and write exactly the strings the ledger has always stored."""
import pytest
from sqlalchemy import select, text

from blueprints.ledger.accounts import (BUCKETS, CUSTOMERS_RECEIVABLE, PAYMENTS_RECEIVED, PLATFORM_COMMISSION,
                                        PLATFORM_MARGIN, Account, Bucket, Owner)
from blueprints.ledger.models import LedgerEntry
from blueprints.ledger.services import balance, entries_of, owed_to, post
from extensions import db

STORED = {
    "shop:7:pending": Owner.shop(7).account(Bucket.PENDING),
    "shop:7:available": Owner.shop(7).account(Bucket.AVAILABLE),
    "supplier:3:pending": Owner.supplier(3).account(Bucket.PENDING),
    "referrer:12:available": Owner.referrer(12).account(Bucket.AVAILABLE),
    "platform:commission": PLATFORM_COMMISSION,
    "platform:margin": PLATFORM_MARGIN,
    "platform:payments_received": PAYMENTS_RECEIVED,
    "customers:receivable": CUSTOMERS_RECEIVABLE,
}


@pytest.mark.parametrize("stored", STORED)
def test_an_account_is_written_and_read_as_todays_string(stored):
    assert str(STORED[stored]) == stored
    assert Account.parse(stored) == STORED[stored]


@pytest.mark.parametrize("text_", ["shop:pending", "shop:07:pending", "shop:x:pending", "platform:1:commission",
                                   "shop:7:commission", "platform:pending", "bank:7:pending", "shop:7:pending:x",
                                   "customers", ""])
def test_anything_else_is_not_an_account(text_):
    with pytest.raises(ValueError):
        Account.parse(text_)


def test_an_owner_has_one_account_per_bucket_and_pending_moves_to_available():
    assert [str(a) for a in Owner.shop(7).accounts] == ["shop:7:pending", "shop:7:available", "shop:7:in_transit",
                                                        "shop:7:paid"]
    assert Owner.supplier(3).account(Bucket.PENDING).moved_to(Bucket.AVAILABLE) == Owner.supplier(3).account(
        Bucket.AVAILABLE)
    assert Owner.referrer(12).account(Bucket.PENDING).owner == Owner.referrer(12)
    assert set(BUCKETS) == {owner.kind for owner in (Owner.shop(1), Owner.supplier(1), Owner.referrer(1),
                                                     PLATFORM_COMMISSION.owner, CUSTOMERS_RECEIVABLE.owner)}


@pytest.mark.all_databases
def test_the_column_stores_the_string_and_refuses_a_plain_one(ctx):
    post([(Owner.shop(7).account(Bucket.PENDING), -500), (CUSTOMERS_RECEIVABLE, 500)], memo="sale")
    stored = db.session.execute(text("SELECT account FROM ledger_entries ORDER BY account")).scalars().all()
    assert stored == ["customers:receivable", "shop:7:pending"]
    assert db.session.scalar(select(LedgerEntry.account).where(LedgerEntry.amount == 500)) == CUSTOMERS_RECEIVABLE
    with pytest.raises(TypeError):
        post([("shop:7:pending", -1), (CUSTOMERS_RECEIVABLE, 1)], memo="a string")


@pytest.mark.all_databases
def test_balances_and_what_is_owed_read_the_typed_accounts(ctx):
    pending, available, *_payouts = Owner.shop(7).accounts
    post([(pending, -500), (CUSTOMERS_RECEIVABLE, 500)], memo="sale")
    post([(pending, 500), (available, -500)], memo="completed")
    post([(Owner.shop(70).account(Bucket.PENDING), -9), (CUSTOMERS_RECEIVABLE, 9)], memo="another shop")
    assert owed_to(Owner.shop(7)) == {"pending": 0, "available": 500}
    assert balance(CUSTOMERS_RECEIVABLE) == 509
    assert [entry.memo for entry in entries_of(Owner.shop(7))] == ["completed", "completed", "sale"]
