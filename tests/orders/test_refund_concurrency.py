"""Refunds racing each other and payout runs on real PostgreSQL: a line is refunded once, and a payout never pays
money a refund took back."""
import pytest
from sqlalchemy import select

from blueprints.errors import DomainError
from blueprints.ledger.accounts import EARNINGS, Owner
from blueprints.ledger.models import Payout
from blueprints.ledger.payouts import run_payouts
from blueprints.ledger.services import owed_to
from blueprints.orders.models import Order
from blueprints.orders.return_models import Refund
from blueprints.orders.services.fulfilment import complete_order
from blueprints.orders.services.refunds import LineRefund, refund
from extensions import db
from tests.orders.test_concurrency import run_together
from tests.orders.test_refunds import deliver_all, referred_order
from tests.orders.test_services import ledger_is_balanced
from tests.orders.test_services import stocked as stocked  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.postgresql, pytest.mark.commits]


@pytest.fixture
def delivered(app, stocked, make_user):
    with app.app_context():
        order = referred_order(stocked, make_user)
        deliver_all(stocked, order)
        db.session.commit()
        return {**stocked, "order_id": order.id}


def refund_flask(app, order_id: int):
    with app.app_context():
        try:
            order = db.session.get(Order, order_id)
            line = next(line for line in order.lines if line.title == "Flask")
            record = refund(order, [LineRefund(line, line.line_total, quantity=line.quantity)])
            db.session.commit()
            return record.id
        except Exception:
            db.session.rollback()
            raise


def test_two_refunds_of_the_same_line_at_once_refund_once(app, delivered):
    results = run_together(2, lambda _n: refund_flask(app, delivered["order_id"]))
    assert sum(isinstance(result, int) for result in results) == 1
    assert sum(isinstance(result, DomainError) for result in results) == 1, results
    with app.app_context():
        assert len(db.session.scalars(select(Refund)).all()) == 1 and ledger_is_balanced()
        assert owed_to(Owner.shop(delivered["shop_id"]))["pending"] == 0


def test_a_payout_racing_a_refund_never_pays_refunded_money(app, delivered):
    with app.app_context():
        complete_order(db.session.get(Order, delivered["order_id"]))
        db.session.commit()
    shop = Owner.shop(delivered["shop_id"])

    def work(n):
        if n == 0:
            return refund_flask(app, delivered["order_id"])
        with app.app_context():
            run = run_payouts(None, 1)
            db.session.commit()
            return run.id if run else None

    results = run_together(2, work)
    assert not any(isinstance(result, Exception) for result in results), results
    with app.app_context():
        paid = [p.amount for p in db.session.scalars(select(Payout).where(Payout.owner == str(shop)))]
        owed = owed_to(shop, EARNINGS)
        # Whichever went first, the shop holds exactly what it earned less what was refunded: nothing. If the
        # payout won, its 6000 is netted by a negative available balance; if the refund won, nothing was paid.
        assert sum(owed.values()) == 0
        assert paid in ([], [6000])
        assert owed["available"] == -sum(paid)
        assert ledger_is_balanced()
