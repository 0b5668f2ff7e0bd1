"""Every page runs a fixed number of SQL queries, however many items it lists (no N+1)."""
import traceback
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.orders.models import Order, PaymentMethod
from blueprints.orders.services import AddressDetails, add_to_cart, get_or_create_cart, place_order
from blueprints.money import current_rates
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from extensions import db
from tests.conftest import sign_in


@contextmanager
def counting(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def world(app, make_supplier, make_product, make_shop, make_user, admin):
    """Grows the data: each call adds suppliers, products (with variants), listings and applications."""
    owner, buyer = make_user("owner@example.com"), make_user("buyer@example.com")
    shop_id = make_shop(owner, slug="the-shop")
    supplier = make_supplier("Main Co")
    products = []

    def grow(n: int):
        for _ in range(n):
            product = make_product(supplier, f"Thing {len(products)}")
            products.append(product)
            make_supplier(verified=False)
            with app.app_context():
                add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id),
                            db.session.get(Product, product.id), 7000, current_rates())
                # The buyer orders it (one more order, line and shipment) and puts one in the cart.
                variant = db.session.scalar(select(Variant).where(Variant.product_id == product.id))
                cart = get_or_create_cart(db.session.get(User, buyer.id), None)
                add_to_cart(cart, variant, db.session.get(Shop, shop_id), 1)
                place_order(db.session.get(User, buyer.id), cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY,
                            f"order-{product.id}", current_rates())
                add_to_cart(cart, variant, db.session.get(Shop, shop_id), 1)
                db.session.commit()
        return products

    return grow, owner, supplier, buyer


def last_order(app, buyer) -> str:
    with app.app_context():
        return db.session.scalar(select(Order.number).where(Order.buyer_id == buyer.id).order_by(Order.id.desc()))


ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号")

PAGES = [
    ("visitor", "/"),
    ("visitor", "/catalog"),
    ("visitor", "/catalog?q=thing&in_stock=1&sort=popular"),
    ("visitor", "/catalog?q=th&price=50-100&supplier=1"),
    ("visitor", "/search?q=thing"),
    ("buyer", "/my/notifications"),
    ("buyer", "/my/subscriptions"),
    ("buyer", "/my/settings/notifications"),
    ("admin", "/admin/outbox"),
    ("visitor", "/shops/the-shop"),
    ("visitor", "product"),
    ("visitor", "shop product"),
    ("owner", "/my/shop"),
    ("owner", "/my/shop/add"),
    ("supplier", "/supplier"),
    ("admin", "/admin/"),
    ("admin", "/admin/audit"),
    ("buyer", "/cart"),
    ("buyer", "/checkout"),
    ("buyer", "/my/orders"),
    ("buyer", "order"),
    ("supplier", "/supplier/orders"),
    ("owner", "/my/shop/orders"),
]


@pytest.mark.parametrize("who, path", PAGES)
def test_query_count_does_not_grow_with_the_items_listed(app, client, world, admin, who, path):
    grow, owner, supplier, buyer = world
    accounts = {"owner": owner, "supplier": supplier.member, "admin": admin, "buyer": buyer}
    if who in accounts:
        sign_in(client, accounts[who])

    def queries() -> int:
        products = grow(0)
        url = {"product": f"/p/{products[0].slug}", "shop product": f"/shops/the-shop/p/{products[0].slug}",
               "order": f"/orders/{last_order(app, buyer)}"}.get(path, path)
        client.get(url)  # warm-up: sessions, caches
        with counting(app) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(statements)

    grow(2)
    few = queries()
    grow(6)
    assert queries() == few


@pytest.mark.parametrize("path", ["/", "/catalog", "/search?q=thing", "/shops/the-shop", "product", "shop product"])
def test_the_busy_pages_templates_load_nothing_themselves(app, client, world, make_product, path):
    """Every query of a busy page is the view's: one a template sets off (a relationship loaded lazily, such as
    the breadcrumb's category) is one more per page, which a count that does not grow with the items misses."""
    grow, owner, supplier, _buyer = world
    grow(2)
    lonely = make_product(supplier, "Thing nobody bought")  # no "also chosen" list loads its category first
    with app.app_context():
        add_listing(db.session.get(User, owner.id), db.session.scalar(select(Shop).where(Shop.slug == "the-shop")),
                    db.session.get(Product, lonely.id), 7000, current_rates())
        db.session.commit()
        engine = db.engine
        db.session.expunge_all()  # nothing the set-up loaded stands in for what the page loads itself
    url = {"product": f"/p/{lonely.slug}", "shop product": f"/shops/the-shop/p/{lonely.slug}"}.get(path, path)
    from_templates = []

    def note(conn, cursor, statement, *args):
        if any("/templates/" in frame.filename for frame in traceback.extract_stack()):
            from_templates.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert from_templates == []


@pytest.mark.parametrize("who", ["visitor", "shopper"])
def test_prototype_page_query_count_does_not_grow_with_comments_and_votes(app, client, make_supplier, make_prototype,
                                                                          make_user, who):
    from blueprints.codesign.models import Comment, Prototype
    from blueprints.codesign.services.comments import add_comment, toggle_like
    from blueprints.codesign.services.pledges import pledge
    from blueprints.codesign.services.support import support_prototype, vote

    supplier = make_supplier("Maker Co")
    prototype_id, slug = make_prototype(supplier)
    if who == "shopper":
        sign_in(client, make_user("reader@example.com"))

    def grow(n: int):
        for _ in range(n):
            fan = make_user()
            with app.app_context():
                user, prototype = db.session.get(User, fan.id), db.session.get(Prototype, prototype_id)
                support_prototype(user, prototype, 7900)
                pledge(user, prototype, 2)
                vote(user, prototype.polls[0].options[0])
                comment = add_comment(user, prototype, "I would buy this in sage.")
                add_comment(user, prototype, "Me too.", db.session.get(Comment, comment.id))
                toggle_like(user, comment)
                db.session.commit()

    def queries() -> int:
        client.get(f"/codesign/{slug}")
        with counting(app) as statements:
            response = client.get(f"/codesign/{slug}")
        assert response.status_code == 200
        return len(statements)

    grow(2)
    few = queries()
    grow(5)
    assert queries() == few


def test_an_htmx_support_loads_only_what_its_block_shows(app, client, make_supplier, make_prototype, make_user):
    from blueprints.codesign.models import Prototype
    from blueprints.codesign.services.comments import add_comment

    _prototype_id, slug = make_prototype(make_supplier("Maker Co"))
    fan = make_user("fan@example.com")
    with app.app_context():
        prototype = db.session.scalar(select(Prototype).where(Prototype.slug == slug))
        add_comment(db.session.get(User, fan.id), prototype, "I would buy this in sage.")
        db.session.commit()
    sign_in(client, make_user("reader@example.com"))
    token = client.csrf_token(f"/codesign/{slug}")
    with counting(app) as statements:
        response = client.post(f"/codesign/{slug}/support", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200 and "I would buy this in sage." not in response.get_data(as_text=True)
    # The participation block shows the tally: no comments, likes, asks, updates or suggestions are read.
    assert not [s for s in statements if "FROM comments" in s or "FROM comment_likes" in s or " everyone" in s]
