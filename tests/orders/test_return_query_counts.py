"""The returns and money pages run a fixed number of queries however many returns, refunds and entries they list."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.orders.models import Order
from blueprints.orders.return_models import ReturnReason, ReturnRequest
from blueprints.orders.services.returns import accept, receive, request_return, send_back
from extensions import db
from tests.conftest import sign_in
from tests.orders.test_refunds import deliver_all, referred_order
from tests.orders.test_services import stocked as stocked  # noqa: F401 (a fixture)
from tests.test_query_counts import counting


@pytest.fixture
def grow(app, stocked, make_user):
    orders = []

    def grow(n: int):
        with app.app_context():
            buyer = db.session.get(User, stocked["buyer"].id)
            clay = db.session.get(User, stocked["suppliers"][0].member.id)
            for _ in range(n):
                order = referred_order(stocked, make_user, f"grow-{len(orders)}", flask=1, towel=1)
                deliver_all(stocked, order)
                flask = next(line for line in order.lines if line.title == "Flask")
                (item,) = request_return(buyer, order, {flask.id: 1}, ReturnReason.DAMAGED, "cracked",
                                         window=timedelta(days=7))
                accept(clay, item, "Clay Co, Hangzhou")
                send_back(buyer, item, carrier="SF", tracking_number="SF1")
                receive(clay, item, restock=False)
                request_return(buyer, order, {next(line.id for line in order.lines if line.title == "Towel"): 1},
                               ReturnReason.NOT_AS_DESCRIBED, "", window=timedelta(days=7))
                orders.append(order.number)
            db.session.commit()
        return orders

    return grow


def test_returns_and_money_pages_do_not_grow_their_queries(client, app, stocked, grow, admin):
    def queries(account, urls) -> list[int]:
        sign_in(client, account)
        counts = []
        for url in urls:
            with counting(app) as statements:
                assert client.get(url).status_code == 200, url
            counts.append(len(statements))
        client.post("/logout", data={"csrf_token": client.csrf_token()})
        return counts

    def pages(numbers):
        return {
            "buyer": (stocked["buyer"], [f"/orders/{numbers[-1]}", "/my/orders"]),
            "clay": (stocked["suppliers"][0].member, ["/supplier/returns?show=all", "/supplier/payouts"]),
            "admin": (admin, ["/admin/returns", "/admin/ledger", "/admin/payouts"]),
        }

    first = grow(1)
    before = {who: queries(account, urls) for who, (account, urls) in pages(first).items()}
    more = grow(3)
    after = {who: queries(account, urls) for who, (account, urls) in pages(more).items()}
    assert after == before
    with app.app_context():
        assert len(db.session.scalars(select(ReturnRequest)).all()) == 8
        assert len(db.session.scalars(select(Order)).all()) == 4
