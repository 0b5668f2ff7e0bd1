from sqlalchemy import select

from blueprints.demo.services import seed_demo
from blueprints.ledger.models import Payout, PayoutStatus
from blueprints.ledger.services import unbalanced_transactions
from blueprints.orders.return_models import Refund, RefundStatus, ReturnRequest, ReturnStatus
from extensions import db


def test_the_demo_shows_a_returnable_order_a_return_a_refund_and_payouts(demo):
    _, created = demo
    assert any("returnable" in line for line in created)
    statuses = set(db.session.scalars(select(ReturnRequest.status)))
    assert {ReturnStatus.REQUESTED, ReturnStatus.REFUNDED} <= statuses
    assert db.session.scalar(select(Refund.status)) == RefundStatus.OWED
    payouts = {payout.status for payout in db.session.scalars(select(Payout))}
    assert PayoutStatus.PAID in payouts
    assert unbalanced_transactions() == []
    assert seed_demo() == []
