"""Payouts through their pages and commands, statements in the reader's language, the bank file, and the ledger check."""
import csv
import io

import pytest
from sqlalchemy import select

from blueprints.ledger.accounts import EARNINGS, PLATFORM_COMMISSION, Bucket, Owner
from blueprints.ledger.models import LedgerEntry, Payout, PayoutStatus
from blueprints.ledger.payouts import excel_safe, run_payouts
from blueprints.ledger.services import owed_to, post
from extensions import db
from tests.orders.test_concurrency import run_together
from tests.conftest import sign_in


def earn(app, owner: Owner, amount: int, bucket=Bucket.AVAILABLE):
    with app.app_context():
        post([(owner.account(bucket), -amount), (PLATFORM_COMMISSION, amount)], memo="order SM1-X completed")
        db.session.commit()


def test_a_run_pays_balances_above_the_minimum_once_and_the_bank_file_is_excel_safe(client, app, admin,
                                                                                     make_supplier):
    supplier = make_supplier("=HYPERLINK(\"http://evil\")")
    owner = Owner.supplier(supplier.id)
    earn(app, owner, 25_000)
    earn(app, Owner.referrer(admin.id), 50)  # below the minimum: stays
    sign_in(client, supplier.member)
    response = client.submit("/my/bank-details/supplier", {"account_name": "Clay Co", "bank_name": "ICBC 西湖支行",
                                                           "account_number": "6222 0200 1234 5678"})
    assert response.status_code == 303
    statement = client.get("/supplier/payouts").get_data(as_text=True)
    assert "•••• 5678" in statement and "6222 0200 1234 5678" not in statement
    assert "order SM1-X completed" not in statement and "SM1-X" in statement  # described, never the raw memo
    bad = client.submit("/my/bank-details/supplier", {"account_name": "x", "bank_name": "y", "account_number": "12"})
    assert bad.status_code == 422 and "8 to 30 digits" in bad.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": client.csrf_token()})

    sign_in(client, admin)
    assert client.submit("/admin/payouts/run", {}, page="/admin/payouts").status_code == 303
    assert client.submit("/admin/payouts/run", {}, page="/admin/payouts").status_code == 303  # again: nothing new
    with app.app_context():
        (payout,) = db.session.scalars(select(Payout)).all()
        assert payout.owner == str(owner) and payout.amount == 25_000 and payout.status == PayoutStatus.IN_TRANSIT
        assert owed_to(owner, EARNINGS) == {"pending": 0, "available": 0, "in_transit": 25_000, "paid": 0}
        assert owed_to(Owner.referrer(admin.id))["available"] == 50
        payout_id, run_id = payout.id, payout.run_id
    body = client.get(f"/admin/payouts/runs/{run_id}.csv")
    assert body.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.data.decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=") and rows[1][4] == "6222020012345678" and rows[1][5] == "250.00"
    assert "ICBC 西湖支行" in rows[1]

    assert client.submit(f"/admin/payouts/{payout_id}/failed", {}, page="/admin/payouts").status_code == 303
    with app.app_context():
        assert owed_to(owner, EARNINGS) == {"pending": 0, "available": 25_000, "in_transit": 0, "paid": 0}
    client.submit("/admin/payouts/run", {}, page="/admin/payouts")
    with app.app_context():
        again = db.session.scalar(select(Payout).where(Payout.status == PayoutStatus.IN_TRANSIT))
    client.submit(f"/admin/payouts/{again.id}/paid", {}, page="/admin/payouts")
    client.submit(f"/admin/payouts/{again.id}/paid", {}, page="/admin/payouts")  # twice: settles once
    with app.app_context():
        assert owed_to(owner, EARNINGS) == {"pending": 0, "available": 0, "in_transit": 0, "paid": 25_000}
    ledger = client.get("/admin/ledger").get_data(as_text=True)
    assert f"supplier:{supplier.id}:paid" in ledger
    assert client.get("/admin/ledger/order?number=sm1-x").headers["Location"].endswith("/admin/ledger/orders/SM1-X")


def test_only_admins_run_payouts_and_read_the_ledger(client, make_user):
    sign_in(client, make_user())
    for url in ("/admin/payouts", "/admin/ledger", "/admin/ledger/accounts/platform:commission"):
        assert client.get(url).status_code == 403
    assert client.submit("/admin/payouts/run", {}, page="/").status_code == 403
    assert client.get("/supplier/payouts").status_code == 403  # not a supplier
    assert client.get("/my/shop/earnings").status_code == 404  # no shop


def test_statements_are_in_the_readers_language(client, app, make_user):
    reader = make_user(locale="zh_Hans")
    earn(app, Owner.referrer(reader.id), 300)
    sign_in(client, reader)
    page = client.get("/my/rewards").get_data(as_text=True)
    assert "order SM1-X completed" not in page and "订单 SM1-X 已完成：收益可提现" in page


def test_excel_safe_cells():
    assert [excel_safe(v) for v in ("=1+1", "+86", "-5", "@x", "平安", 12)] == ["'=1+1", "'+86", "'-5", "'@x", "平安",
                                                                               "12"]


def test_ledger_check_exits_non_zero_on_an_unbalanced_transaction(app, make_user):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger-check"]).exit_code == 0
    with app.app_context():
        db.session.add(LedgerEntry(transaction_id="broken", account=PLATFORM_COMMISSION, amount=5, memo="oops"))
        db.session.commit()
    result = runner.invoke(args=["ledger-check"])
    assert result.exit_code == 1 and "broken" in result.output


def test_the_payouts_command_pays_once(app, make_user):
    user = make_user()
    earn(app, Owner.referrer(user.id), 20_000)
    runner = app.test_cli_runner()
    assert "1 payout(s)" in runner.invoke(args=["payouts"]).output
    assert "Nobody" in runner.invoke(args=["payouts"]).output
    with app.app_context():
        from blueprints.notifications.models import Notification

        (note,) = db.session.scalars(select(Notification).where(Notification.event == "payout_sent")).all()
        assert note.user_id == user.id and note.link == "/my/rewards"


# PostgreSQL: two runs at once pay once; a payout racing a refund never pays what was refunded

@pytest.mark.postgresql
@pytest.mark.commits
def test_two_runs_at_once_pay_once(app, make_user):
    user = make_user()
    earn(app, Owner.referrer(user.id), 30_000)

    def run(_n):
        with app.app_context():
            try:
                run_payouts(None, 1)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    errors = [result for result in run_together(2, run) if isinstance(result, Exception)]
    assert not errors
    with app.app_context():
        assert [p.amount for p in db.session.scalars(select(Payout))] == [30_000]
        assert owed_to(Owner.referrer(user.id), EARNINGS)["in_transit"] == 30_000
