"""The returns flow through its pages: ask, accept or refuse, escalate, send back, receive, refund; who may do what."""
import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from blueprints.catalog.models import Variant
from blueprints.ledger.accounts import REFUNDS_OWED, Owner
from blueprints.ledger.services import balance, owed_to
from blueprints.notifications.models import Notification
from blueprints.orders.models import Order, OrderStatus
from blueprints.orders.return_models import Refund, ReturnRequest, ReturnStatus
from blueprints.orders.services.fulfilment import complete_due_orders
from extensions import db
from tests.conftest import sign_in
from tests.orders.test_refunds import deliver_all, referred_order
from tests.orders.test_services import ledger_is_balanced, variant_of
from tests.orders.test_services import stocked as stocked  # noqa: F401 (a fixture)


@pytest.fixture
def delivered(app, stocked, make_user):
    with app.app_context():
        order = referred_order(stocked, make_user)
        deliver_all(stocked, order)
        db.session.commit()
        return {**stocked, "number": order.number, "order_id": order.id,
                "lines": {line.title: line.id for line in order.lines}}


def png() -> tuple[io.BytesIO, str]:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(data, "PNG")
    data.seek(0)
    return data, "crack.png"


def ask(client, delivered, *, flask=1, towel=0, reason="damaged", photos=True):
    data = {f"units-{delivered['lines']['Flask']}": str(flask), f"units-{delivered['lines']['Towel']}": str(towel),
            "reason": reason, "note": "The lid is cracked."}
    if photos:
        data["photos"] = [png()]
    return client.submit(f"/orders/{delivered['number']}/return", data, content_type="multipart/form-data")


def the_return(app) -> ReturnRequest:
    return db.session.scalar(select(ReturnRequest).order_by(ReturnRequest.id.desc()))


def test_the_whole_return_accepted_sent_back_received_and_refunded(client, app, delivered):
    buyer, (clay, _linen) = delivered["buyer"], delivered["suppliers"]
    sign_in(client, buyer)
    page = client.get(f"/orders/{delivered['number']}").get_data(as_text=True)
    assert "Return items" in page
    response = ask(client, delivered)
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        item = the_return(app)
        assert item.status == ReturnStatus.REQUESTED and len(item.photos) == 1 and item.supplier_id == clay.id
        assert db.session.scalar(select(Notification.user_id).where(Notification.event == "return_requested")) \
            == clay.member.id
        return_id = item.id
    client.post("/logout", data={"csrf_token": client.csrf_token()})

    sign_in(client, clay.member)
    queue = client.get("/supplier/returns").get_data(as_text=True)
    assert delivered["number"] in queue and "It arrived damaged" in queue
    empty = client.submit(f"/supplier/returns/{return_id}/accept", {f"accept-{return_id}-return_address": ""},
                          page="/supplier/returns")
    assert empty.status_code == 422 and "Enter the address" in empty.get_data(as_text=True)
    assert client.submit(f"/supplier/returns/{return_id}/accept",
                         {f"accept-{return_id}-return_address": "杭州市西湖区 文三路 1 号"}, page="/supplier/returns").status_code == 303
    client.post("/logout", data={"csrf_token": client.csrf_token()})

    sign_in(client, buyer)
    page = client.get(f"/orders/{delivered['number']}").get_data(as_text=True)
    assert "文三路 1 号" in page
    assert client.submit(f"/returns/{return_id}/send-back", {f"back-{return_id}-carrier": "SF", f"back-{return_id}-tracking_number": "SF999"},
                         page=f"/orders/{delivered['number']}").status_code == 303
    client.post("/logout", data={"csrf_token": client.csrf_token()})

    sign_in(client, clay.member)
    with app.app_context():
        stock_before = variant_of(delivered["flask"]).stock_on_hand
    assert client.submit(f"/supplier/returns/{return_id}/receive", {f"receive-{return_id}-restock": "y"},
                         page="/supplier/returns").status_code == 303
    with app.app_context():
        item = db.session.get(ReturnRequest, return_id)
        refund = db.session.scalar(select(Refund).where(Refund.return_id == return_id))
        assert item.status == ReturnStatus.REFUNDED and refund.amount == 7500
        assert -balance(REFUNDS_OWED) == 7500 and ledger_is_balanced()
        assert variant_of(delivered["flask"]).stock_on_hand == stock_before + 1
        assert [event.status for event in item.events] == ["requested", "accepted", "sent_back", "refunded"]
    # A second "received" (a double click) refunds nothing more.
    again = client.submit(f"/supplier/returns/{return_id}/receive", {}, page="/supplier/returns")
    assert again.status_code in (303, 422)
    with app.app_context():
        assert len(db.session.scalars(select(Refund)).all()) == 1
    client.post("/logout", data={"csrf_token": client.csrf_token()})

    # The quality problem shows per product for the supplier.
    sign_in(client, clay.member)
    assert "It arrived damaged" in client.get("/supplier/returns?show=all").get_data(as_text=True)


def test_refused_then_escalated_and_decided_by_the_platform(client, app, delivered, admin):
    buyer, (clay, _linen) = delivered["buyer"], delivered["suppliers"]
    sign_in(client, buyer)
    ask(client, delivered, reason="no_reason", photos=False)
    with app.app_context():
        return_id = the_return(app).id
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, clay.member)
    client.submit(f"/supplier/returns/{return_id}/refuse", {f"refuse-{return_id}-reason": "Used, cannot be resold."},
                  page="/supplier/returns")
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, buyer)
    assert "Used, cannot be resold." in client.get(f"/orders/{delivered['number']}").get_data(as_text=True)
    client.submit(f"/returns/{return_id}/escalate", {}, page=f"/orders/{delivered['number']}")
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, admin)
    assert delivered["number"] in client.get("/admin/returns").get_data(as_text=True)
    no_reason = client.submit(f"/admin/returns/{return_id}/decide", {f"decide-{return_id}-decision": "accept"},
                              page="/admin/returns")
    assert no_reason.status_code == 422
    assert client.submit(f"/admin/returns/{return_id}/decide",
                         {f"decide-{return_id}-decision": "accept", f"decide-{return_id}-reason": "Seven days, no reason needed.",
                          f"decide-{return_id}-return_address": "Clay Co, Hangzhou"}, page="/admin/returns").status_code == 303
    with app.app_context():
        item = db.session.get(ReturnRequest, return_id)
        assert item.status == ReturnStatus.ACCEPTED and item.answer == "Seven days, no reason needed."


def test_who_may_do_what(client, app, delivered, make_user):
    _clay, linen = delivered["suppliers"]
    stranger = make_user("stranger@example.com")
    sign_in(client, stranger)
    assert client.get(f"/orders/{delivered['number']}/return").status_code == 404
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, delivered["buyer"])
    ask(client, delivered, photos=False)
    with app.app_context():
        return_id = the_return(app).id
    assert client.submit(f"/supplier/returns/{return_id}/accept", {f"accept-{return_id}-return_address": "x"},
                         page="/").status_code == 403  # a buyer is not the supplier
    assert client.get("/admin/returns").status_code == 403
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, linen.member)  # another supplier
    assert client.submit(f"/supplier/returns/{return_id}/accept", {f"accept-{return_id}-return_address": "x"},
                         page="/").status_code == 403


def test_no_return_after_the_window_or_beyond_what_was_received(client, app, delivered):
    sign_in(client, delivered["buyer"])
    too_many = ask(client, delivered, flask=3, photos=False)
    assert too_many.status_code == 422 and "no more than you received" in too_many.get_data(as_text=True)
    with app.app_context():
        order = db.session.get(Order, delivered["order_id"])
        for shipment in order.shipments:
            shipment.delivered_at -= timedelta(days=8)
        db.session.commit()
    late = ask(client, delivered, photos=False)
    assert late.status_code == 422


def test_an_order_with_an_open_return_does_not_complete(app, delivered, client):
    sign_in(client, delivered["buyer"])
    ask(client, delivered, photos=False)
    with app.app_context():
        order = db.session.get(Order, delivered["order_id"])
        assert complete_due_orders(timedelta(days=7), now=order.delivered_at + timedelta(days=9)) == []
        assert order.status == OrderStatus.DELIVERED
        assert owed_to(Owner.shop(delivered["shop_id"]))["available"] == 0
        assert db.session.scalar(select(Variant.id)) is not None


@pytest.mark.all_databases
def test_the_order_status_says_honestly_when_only_part_has_shipped(ctx, stocked, make_user):
    from blueprints.orders.services.fulfilment import mark_delivered, ship
    from tests.orders.test_services import user

    order = referred_order(stocked, make_user)
    clay, linen = stocked["suppliers"]
    first = next(s for s in order.shipments if s.supplier_id == clay.id)
    second = next(s for s in order.shipments if s.supplier_id == linen.id)
    ship(user(clay.member), first, carrier="SF", tracking_number="SF1")
    assert order.status == OrderStatus.SHIPPED and order.shown_status == "partly_shipped"
    mark_delivered(user(clay.member), first)
    ship(user(linen.member), second, carrier="SF", tracking_number="SF2")
    assert order.shown_status == "partly_delivered"
    mark_delivered(user(linen.member), second)
    assert order.shown_status == OrderStatus.DELIVERED
