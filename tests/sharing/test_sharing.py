"""Share links, attribution and single-level rewards, through the pages a person uses."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.ledger.models import LedgerEntry
from blueprints.ledger.accounts import PLATFORM_COMMISSION, Bucket, Owner
from blueprints.ledger.services import owed_to
from blueprints.money import current_rates
from blueprints.orders.models import Order
from blueprints.orders.services.fulfilment import complete_due_orders, mark_delivered, ship
from blueprints.sharing.models import ShareClick, ShareLink
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases
BROWSER = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari"}
ADDRESS = {"address_id": "new", "recipient": "王小明", "phone": "138 0013 8000", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "street": "文三路 90 号", "payment_method": "cod"}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def listing(app, make_supplier, make_product, make_shop, make_user):
    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Flask", stock=50, max_price=12000)  # supply ¥39
    owner = make_user("owner@example.com")
    shop_id = make_shop(owner, slug="mei")
    with app.app_context():
        add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id),
                    db.session.get(Product, product.id), 10000, current_rates())
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))
        db.session.commit()
    return {"path": f"/shops/mei/p/{product.slug}", "variant_id": variant_id, "shop_id": shop_id,
            "supplier": supplier}


def share(client, account, path) -> str:
    sign_in(client, account)
    response = client.submit("/share", {"path": path, "title": "Flask"}, page=path)
    assert response.status_code == 303 and response.headers["Location"] == path + "?shared=1#share"
    code = re.search(r'id="share-url" value="[^"]*/s/([a-z0-9]+)"', html(client.get(path))).group(1)
    client.submit("/logout", {})
    client.delete_cookie("ref")
    client.delete_cookie("vid")  # the sharer's own browser: the next person on this client has another
    return code


def buy(client, account, listing, *, phone="138 0013 8000", street="文三路 90 号", use_credit=False) -> str:
    sign_in(client, account)
    client.submit("/cart/add", {"variant_id": str(listing["variant_id"]), "shop_id": str(listing["shop_id"]),
                                "quantity": "1"}, page=listing["path"])
    page = html(client.get("/checkout"))
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    data = {**ADDRESS, "phone": phone, "street": street, "idempotency_key": key}
    if use_credit:
        data["use_credit"] = "y"
    response = client.submit("/checkout", data, page="/checkout")
    assert response.status_code == 303, html(response)
    client.submit("/logout", {})
    return response.headers["Location"].rsplit("/", 1)[1]


def reward_owed(app, account) -> dict:
    with app.app_context():
        return owed_to(Owner.referrer(account.id))


def test_one_link_per_user_and_page_with_a_qr_code(client, listing, make_user, app):
    alice = make_user("alice@example.com")
    first, again = share(client, alice, listing["path"]), share(client, alice, listing["path"])
    assert first == again
    sign_in(client, alice)
    page = html(client.get(listing["path"]))
    assert f"/s/{first}" in page and "<svg" in page
    assert client.submit("/share", {"path": "https://evil.example/", "title": "x"}, page="/").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareLink.id))) == 1


def test_visitors_see_the_plain_page_address(client, listing):
    page = html(client.get(listing["path"]))
    assert f'value="http://localhost{listing["path"]}"' in page and "Get my share link" not in page


def test_following_a_link_counts_once_a_day_not_bots_and_remembers_it(client, listing, make_user, app):
    code = share(client, make_user("alice@example.com"), listing["path"])
    response = client.get(f"/s/{code}", headers=BROWSER)
    assert response.status_code == 303 and response.headers["Location"] == listing["path"]
    assert client.get_cookie("ref") is not None
    client.get(f"/s/{code}", headers=BROWSER)
    other = app.test_client()
    other.get(f"/s/{code}", headers={"User-Agent": "WhatsApp/2.23 preview"})
    other.get(f"/s/{code}", headers={"User-Agent": "facebookexternalhit/1.1"})
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareClick.id))) == 1
    assert client.get("/s/nothere1").status_code == 404
    assert "does not lead anywhere" in html(client.get("/s/nothere1"))


def test_a_purchase_through_a_link_rewards_its_sharer_only_after_completion(client, listing, make_user, app):
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    code = share(client, alice, listing["path"])
    client.get(f"/s/{code}", headers=BROWSER)
    number = buy(client, bob, listing, phone="139 0000 0001", street="天目山路 1 号")
    # 3% of ¥100
    assert reward_owed(app, alice) == {"pending": 300, "available": 0}
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.share_link_id is not None and order.lines[0].referral_reward == 300
        shipment = order.shipments[0]
        member = db.session.get(User, listing["supplier"].member.id)
        ship(member, shipment, carrier="SF", tracking_number="SF1")
        mark_delivered(member, shipment)
        complete_due_orders(timedelta(days=7), now=order.delivered_at + timedelta(days=8))
        db.session.commit()
    assert reward_owed(app, alice) == {"pending": 0, "available": 300}
    sign_in(client, alice)
    page = html(client.get("/my/rewards"))
    assert "¥3.00" in page and "Flask" in page


def test_the_last_link_clicked_wins(client, listing, make_user, app):
    alice, carol, bob = make_user("alice@example.com"), make_user("carol@example.com"), make_user("bob@example.com")
    first, second = share(client, alice, listing["path"]), share(client, carol, listing["path"])
    client.get(f"/s/{first}", headers=BROWSER)
    client.get(f"/s/{second}", headers=BROWSER)
    buy(client, bob, listing, phone="139 0000 0001", street="天目山路 1 号")
    assert reward_owed(app, alice)["pending"] == 0 and reward_owed(app, carol)["pending"] == 300


def test_an_attribution_older_than_thirty_days_is_forgotten(client, listing, make_user, app, monkeypatch):
    import time

    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    code = share(client, alice, listing["path"])
    real_time = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real_time() - 31 * 24 * 3600)
    client.get(f"/s/{code}", headers=BROWSER)  # the cookie is stamped 31 days ago
    monkeypatch.setattr("itsdangerous.timed.time.time", real_time)
    number = buy(client, bob, listing, phone="139 0000 0001", street="天目山路 1 号")
    with app.app_context():
        assert db.session.scalar(select(Order.share_link_id).where(Order.number == number)) is None
    assert reward_owed(app, alice)["pending"] == 0


def test_buying_through_your_own_link_pays_nothing(client, listing, make_user, app):
    alice = make_user("alice@example.com")
    code = share(client, alice, listing["path"])
    client.get(f"/s/{code}", headers=BROWSER)
    buy(client, alice, listing)
    assert reward_owed(app, alice) == {"pending": 0, "available": 0}


def test_a_second_account_at_the_sharers_address_is_flagged_not_paid(client, listing, make_user, app):
    alice, alias = make_user("alice@example.com"), make_user("alice.again@example.com")
    buy(client, alice, listing)  # Alice's own order, to her phone and street
    code = share(client, alice, listing["path"])
    client.get(f"/s/{code}", headers=BROWSER)
    number = buy(client, alias, listing)  # same phone and street
    assert reward_owed(app, alice)["pending"] == 0
    with app.app_context():
        assert db.session.scalar(select(Order.referral_flag).where(Order.number == number)) == "phone"


def test_exactly_one_level_a_shares_b_buys_and_shares_c_buys(client, listing, make_user, app):
    a, b, c = make_user("a@example.com"), make_user("b@example.com"), make_user("c@example.com")
    code_a = share(client, a, listing["path"])
    client.get(f"/s/{code_a}", headers=BROWSER)
    buy(client, b, listing, phone="139 0000 0002", street="B 路 2 号")
    code_b = share(client, b, listing["path"])
    fresh = app.test_client()
    fresh.get(f"/s/{code_b}", headers=BROWSER)
    from tests.conftest import ShopClient  # noqa: F401  (fresh is a ShopClient too)

    buy(fresh, c, listing, phone="139 0000 0003", street="C 路 3 号")
    assert reward_owed(app, a)["pending"] == 300  # from B's order only
    assert reward_owed(app, b)["pending"] == 300  # from C's order only
    with app.app_context():
        # No account anywhere links B to A: there is nothing to pay a "downline" from.
        assert not hasattr(User, "referred_by") and not hasattr(User, "invited_by")


def test_cancelling_reverses_the_reward(client, listing, make_user, app):
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    code = share(client, alice, listing["path"])
    client.get(f"/s/{code}", headers=BROWSER)
    number = buy(client, bob, listing, phone="139 0000 0001", street="天目山路 1 号")
    sign_in(client, bob)
    client.submit(f"/orders/{number}/cancel", {}, page=f"/orders/{number}")
    assert reward_owed(app, alice) == {"pending": 0, "available": 0}
    with app.app_context():
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0


def test_available_rewards_pay_part_of_an_order_and_never_go_below_zero(client, listing, make_user, app):
    from blueprints.ledger.services import post

    alice = make_user("alice@example.com")
    with app.app_context():
        post([(Owner.referrer(alice.id).account(Bucket.AVAILABLE), -250), (PLATFORM_COMMISSION, 250)],
             memo="test credit")
        db.session.commit()
    number = buy(client, alice, listing, use_credit=True)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.credit_used == 250 and order.to_pay == 10000 - 250
    assert reward_owed(app, alice)["available"] == 0
    number = buy(client, alice, listing, use_credit=True)
    with app.app_context():
        assert db.session.scalar(select(Order.credit_used).where(Order.number == number)) == 0
    sign_in(client, alice)
    client.submit(f"/orders/{number}/cancel", {}, page="/")
    assert reward_owed(app, alice)["available"] == 0


def test_open_graph_tags_are_present_and_escaped(client, make_supplier, make_product, app):
    product = make_product(make_supplier(), 'Flask "quoted" <b>bold</b>')
    page = html(client.get(f"/p/{product.slug}"))
    assert "<meta property=\"og:title\" content=\"Flask &#34;quoted&#34; &lt;b&gt;bold&lt;/b&gt;\">" in page
    assert f'<meta property="og:url" content="http://localhost/p/{product.slug}">' in page
    assert '<meta name="twitter:card"' in page and '<link rel="canonical"' in page


def test_my_rewards_needs_sign_in(client):
    assert client.get("/my/rewards").status_code == 303


def test_only_real_pages_can_be_shared_and_the_title_comes_from_the_page(client, listing, make_user, app):
    sign_in(client, make_user("alice@example.com"))
    for path in ("/p/does-not-exist", listing["path"] + "\n", "//evil.example", "/admin/"):
        client.submit("/share", {"path": path, "title": "<img src=x onerror=alert(1)>"}, page="/")
    client.submit("/share", {"path": listing["path"], "title": "<img src=x>"}, page="/")
    with app.app_context():
        links = list(db.session.scalars(select(ShareLink)))
        assert [(link.path, link.title) for link in links] == [(listing["path"], "Flask · Shop 1")]


def test_the_sharers_own_visits_are_not_clicks_and_cookieless_visitors_count_once(client, listing, make_user, app):
    alice = make_user("alice@example.com")
    code = share(client, alice, listing["path"])
    sign_in(client, alice)
    client.get(f"/s/{code}", headers=BROWSER)
    for _ in range(3):
        app.test_client(use_cookies=False).get(f"/s/{code}", headers=BROWSER)
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareClick.id))) == 1


def test_the_supplier_collects_what_is_left_after_rewards(client, listing, make_user, app):
    from blueprints.ledger.services import post

    alice = make_user("alice@example.com")
    with app.app_context():
        post([(Owner.referrer(alice.id).account(Bucket.AVAILABLE), -250), (PLATFORM_COMMISSION, 250)],
             memo="test credit")
        db.session.commit()
    number = buy(client, alice, listing, use_credit=True)
    sign_in(client, listing["supplier"].member)
    page = html(client.get("/supplier/orders"))
    assert number in page and "Collect on delivery: ¥97.50" in page


def test_held_rewards_are_listed_for_the_admin(client, listing, make_user, admin):
    alice, alias = make_user("alice@example.com"), make_user("alice.again@example.com")
    buy(client, alice, listing)
    code = share(client, alice, listing["path"])
    client.get(f"/s/{code}", headers=BROWSER)
    number = buy(client, alias, listing)
    sign_in(client, admin)
    page = html(client.get("/admin/referrals"))
    assert number in page and "alice@example.com" in page and "alice.again@example.com" in page


def test_a_suspended_suppliers_prototype_cannot_be_shared(client, make_supplier, make_prototype, make_user, admin,
                                                          app):
    from blueprints.suppliers.models import Supplier, SupplierAction
    from blueprints.suppliers.services import decide

    supplier = make_supplier("Paused Co")
    _id, slug = make_prototype(supplier, "Paper lamp")
    fan = make_user()
    sign_in(client, fan)
    assert client.submit("/share", {"path": f"/codesign/{slug}"}, page="/").headers["Location"].startswith(
        f"/codesign/{slug}?shared=1")
    with app.app_context():
        decide(db.session.get(User, admin.id), db.session.get(Supplier, supplier.id), SupplierAction.SUSPEND,
               "Under review")
        db.session.execute(delete(ShareLink))
        db.session.commit()
    response = client.submit("/share", {"path": f"/codesign/{slug}"}, page="/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "That page cannot be shared." in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareLink.id))) == 0
