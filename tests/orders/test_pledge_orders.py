"""Pledges that mean something: at launch each pledger of a prototype that reached its goal has an order ready to
confirm in one step at the early-bird price, with a variant from the poll winners; a reminder before the window
closes; the counts agree."""
import re
from datetime import timedelta

from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import ProductStatus
from blueprints.catalog.services import change_status
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.launch import launch
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.prototypes import accept, close_for_review
from blueprints.codesign.services.support import tally, vote
from blueprints.notifications.models import Notification
from blueprints.orders.models import Order, OrderLine
from blueprints.orders.pledge_orders import pledges_turned_orders, remind_pledgers
from extensions import db
from tests.conftest import sign_in

ADDRESS = {"address_id": "new", "recipient": "王小明", "phone": "13800138000", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "street": "文三路 90 号", "payment_method": "cod"}


def choices(page: str) -> dict:
    """The option the page offers first, and its idempotency key, as a browser would send them."""
    return {"variant_id": re.search(r'name="variant_id"[^>]*value="(\d+)"', page).group(1),
            "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="(\w+)"', page).group(1)}


def launched(app, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    prototype_id, slug = make_prototype(supplier, moq=3)
    mei, lin = make_user(), make_user()
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        staff = db.session.get(User, supplier.member.id)
        for account, units in ((mei, 2), (lin, 1)):
            person = db.session.get(User, account.id)
            pledge(person, prototype, units)
            vote(person, prototype.polls[0].options[1])  # Sand
        close_for_review(staff, prototype)
        accept(staff, prototype)
        product = launch(staff, prototype)
        product.variants[0].stock_on_hand = 10
        change_status(staff, product, ProductStatus.ACTIVE)
        db.session.commit()
    return supplier, prototype_id, slug, mei, lin


def test_a_pledger_confirms_the_order_in_one_step_at_the_early_bird_price(app, client, make_supplier,
                                                                          make_prototype, make_user):
    _supplier, prototype_id, slug, mei, lin = launched(app, make_supplier, make_prototype, make_user)
    with app.app_context():
        ready = set(db.session.scalars(select(Notification.user_id)
                                       .where(Notification.event == "pledge_order_ready")))
        assert ready == {mei.id, lin.id}
    sign_in(client, mei)
    page = client.get(f"/codesign/{slug}/order").get_data(as_text=True)
    assert "Sand" in page and "¥69.00" in page
    response = client.submit(f"/codesign/{slug}/order", {**ADDRESS, **choices(page)},
                             page=f"/codesign/{slug}/order")
    assert response.status_code == 303, re.findall(r"(?:field__error|alert)[^>]*>([^<]+)", response.get_data(as_text=True))
    with app.app_context():
        line = db.session.scalar(select(OrderLine))
        assert (line.unit_price, line.quantity, line.variant_label) == (6900, 2, "Sand")
        assert db.session.scalar(select(Order.buyer_id)) == mei.id
        prototype = db.session.get(Prototype, prototype_id)
        assert pledges_turned_orders(prototype) == (1, 2) and tally(prototype, db.session.get(User, mei.id)).pledged == 3
    assert "1 pledge confirmed as an order, 2 units." in client.get(f"/codesign/{slug}").get_data(as_text=True)
    again = client.get(f"/codesign/{slug}/order").get_data(as_text=True)
    assert "There is no early-bird order waiting for you here" in again


def test_pledgers_who_have_not_confirmed_are_reminded_once_before_the_window_closes(app, client, make_supplier,
                                                                                   make_prototype, make_user):
    _supplier, prototype_id, slug, mei, lin = launched(app, make_supplier, make_prototype, make_user)
    sign_in(client, mei)
    page = client.get(f"/codesign/{slug}/order").get_data(as_text=True)
    client.submit(f"/codesign/{slug}/order", {**ADDRESS, **choices(page)}, page=f"/codesign/{slug}/order")
    with app.app_context():
        published = db.session.get(Prototype, prototype_id).product.published_at
        assert remind_pledgers(now=published + timedelta(days=5)) == 0
        assert remind_pledgers(now=published + timedelta(days=6, hours=12)) == 1
        assert remind_pledgers(now=published + timedelta(days=6, hours=13)) == 0
        reminded = set(db.session.scalars(select(Notification.user_id)
                                          .where(Notification.event == "pledge_order_reminder")))
        assert reminded == {lin.id}
