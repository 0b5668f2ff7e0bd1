"""Signed-out visitors share copies of the busy pages for PAGE_CACHE_SECONDS, or until what they show changes;
their own token, cart, messages and language never leak into another visitor's copy. (Signed-in viewers:
test_shared_pages.py.)"""
import re
import uuid

import pytest
from sqlalchemy import select

from app import create_app
from blueprints import cache
from blueprints.catalog.models import Product, Variant
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.support import support_prototype, withdraw_support
from blueprints.money import current_rates
from blueprints.orders.models import PaymentMethod
from blueprints.orders.services import add_to_cart, get_or_create_cart, place_order
from blueprints.catalog.services import ProductDetails, update_product
from blueprints.accounts.models import User
from extensions import db
from tests.accounts.test_rate_limits_redis import REDIS_URL, redis_client  # noqa: F401 (a fixture)
from tests.conftest import BASE_CONFIG, ShopClient, sign_in
from tests.reviews.conftest import ADDRESS, delivered  # noqa: F401 (a fixture)

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def shared(app):
    app.config["PAGE_CACHE_SECONDS"] = 60
    cache._memory.clear()
    yield app
    cache._memory.clear()


@pytest.fixture
def flask_page(make_supplier, make_product):
    product = make_product(make_supplier("Clay Co"), "Enamel flask", stock=5)
    return product


def html(response) -> str:
    return response.get_data(as_text=True)


def test_a_second_visitor_gets_the_shared_copy_with_a_token_of_their_own_that_works(shared, flask_page, app):
    first, second = app.test_client(), app.test_client()
    page = f"/p/{flask_page.slug}"
    rendered = first.get(page)
    served = second.get(page)
    assert (rendered.headers["X-Page-Cache"], served.headers["X-Page-Cache"]) == ("miss", "hit")
    assert "Enamel flask" in html(served)
    first_token, second_token = TOKEN.search(html(rendered)).group(1), TOKEN.search(html(served)).group(1)
    assert first_token != second_token and "csrf-stand-in" not in html(served) + html(rendered)
    assert f'"X-CSRFToken": "{second_token}"' in html(served)

    variant_id = re.search(r'name="variant_id" type="hidden" value="(\d+)"', html(served)).group(1)
    added = second.post("/cart/add", data={"csrf_token": second_token, "variant_id": variant_id, "quantity": "1"})
    assert added.status_code == 303
    # The other visitor's token is not this session's: refused as a forged form would be.
    forged = app.test_client()
    forged.get("/")
    assert forged.post("/cart/add", data={"csrf_token": first_token, "variant_id": variant_id,
                                          "quantity": "1"}).status_code == 400


def test_a_visitor_with_a_cart_or_a_message_waiting_gets_a_fresh_page(shared, flask_page, app):
    page = f"/p/{flask_page.slug}"
    app.test_client().get(page)  # the shared copy
    shopper = app.test_client()
    token = TOKEN.search(html(shopper.get(page))).group(1)
    variant_id = re.search(r'name="variant_id" type="hidden" value="(\d+)"', html(shopper.get(page))).group(1)
    shopper.post("/cart/add", data={"csrf_token": token, "variant_id": variant_id, "quantity": "2"})
    with_cart = shopper.get(page)
    assert "X-Page-Cache" not in with_cart.headers
    assert "2 items" in html(with_cart)
    # The next visitor's copy does not carry that cart.
    assert "X-Page-Cache" in app.test_client().get(page).headers


def test_copies_are_kept_per_language_and_per_fragment(shared, flask_page, app):
    page = f"/p/{flask_page.slug}"
    english = app.test_client().get(page)
    chinese = app.test_client().get(page, headers={"Accept-Language": "zh-CN"})
    assert chinese.headers["X-Page-Cache"] == "miss" and 'lang="zh-Hans"' in html(chinese)
    assert 'lang="en"' in html(english)
    fragment = app.test_client().get(page, headers={"HX-Request": "true"})
    assert fragment.headers["X-Page-Cache"] == "miss" and "<html" not in html(fragment)
    assert "<html" in html(app.test_client().get(page))


def test_a_change_shows_to_the_next_visitor_at_once(shared, flask_page, app):
    page = f"/p/{flask_page.slug}"
    assert app.test_client().get(page).headers["X-Page-Cache"] == "miss"
    assert app.test_client().get(page).headers["X-Page-Cache"] == "hit"
    with app.app_context():
        product = db.session.get(Product, flask_page.id)
        member = db.session.scalar(db.select(User).where(User.id == product.supplier.members[0].user_id))
        update_product(member, product, ProductDetails(title="Enamel flask, blue", description=product.description,
                                                       category_id=product.category_id,
                                                       supply_price=product.supply_price,
                                                       suggested_price=product.suggested_price,
                                                       min_price=product.min_price, max_price=product.max_price))
        db.session.commit()
    changed = app.test_client().get(page)  # the catalog's version moved on: the old copy is never asked for again
    assert changed.headers["X-Page-Cache"] == "miss" and "Enamel flask, blue" in html(changed)
    assert "Enamel flask, blue" in html(app.test_client().get("/catalog"))


def page_copies() -> list[str]:
    return [key for key in cache._memory if key.startswith("shelfmade:page-copy:")]


def test_addresses_with_parameters_the_page_does_not_read_get_a_fresh_page_and_keep_no_copy(shared, flask_page, app):
    page = f"/p/{flask_page.slug}"
    for junk in range(5):
        response = app.test_client().get(f"{page}?junk={junk}")
        assert response.status_code == 200 and "X-Page-Cache" not in response.headers
        assert f"junk={junk}" in html(response)  # the language switch comes back here, parameters and all
    assert page_copies() == []
    assert "junk" not in html(app.test_client().get(page))


def test_parameters_the_page_reads_key_the_copy_in_any_order(shared, flask_page, app):
    page = f"/p/{flask_page.slug}"
    first = app.test_client().get(f"{page}?reviews=helpful&image=0")
    again = app.test_client().get(f"{page}?image=0&reviews=helpful")
    assert (first.headers["X-Page-Cache"], again.headers["X-Page-Cache"]) == ("miss", "hit")
    assert app.test_client().get(f"{page}?reviews=newest").headers["X-Page-Cache"] == "miss"
    assert app.test_client().get("/catalog?page=1&sort=newest").headers["X-Page-Cache"] == "miss"
    assert app.test_client().get("/catalog?sort=newest&page=1").headers["X-Page-Cache"] == "hit"
    assert len(page_copies()) == 3


@pytest.mark.all_databases
def test_a_comment_holding_the_token_stand_in_or_a_token_is_shown_as_typed(shared, app, make_supplier, make_prototype,
                                                                          make_user):
    _id, slug = make_prototype(make_supplier())
    page = f"/codesign/{slug}"
    first_visitor = app.test_client()
    typed_token = TOKEN.search(html(first_visitor.get(f"{page}?comments=oldest"))).group(1)
    cache._memory.clear()
    words = f"__shelfmade_csrf_token__ csrf-stand-in-{'0' * 32} {typed_token}"
    author = app.test_client()
    sign_in(author, make_user("mei@example.com"))
    assert author.submit(f"{page}/comments", {"body": words}, page=page).status_code == 303

    rendered = first_visitor.get(page)  # the copy is made while this visitor's own token is the one typed
    served = app.test_client().get(page)
    assert (rendered.headers["X-Page-Cache"], served.headers["X-Page-Cache"]) == ("miss", "hit")
    for response in (rendered, served):
        assert words in html(response)
        assert TOKEN.search(html(response)).group(1) not in words.split()[:2]
    assert TOKEN.search(html(served)).group(1) != typed_token


def test_a_copy_kept_in_an_earlier_format_is_never_read(shared, flask_page, app):
    """Copies kept as one JSON document (with a fixed CSRF stand-in, before that) were under `shelfmade:page:`; those
    kept as JSON and page text are under `shelfmade:page-copy:`, so a worker never reads the other's format."""
    page = f"/p/{flask_page.slug}"
    app.test_client().get(page)
    [key] = page_copies()
    expires = cache._memory.pop(key)[0]
    cache._memory[key.replace("shelfmade:page-copy:", "shelfmade:page:")] = (
        expires, '{"status": 200, "headers": [], "body": "__shelfmade_csrf_token__"}')
    response = app.test_client().get(page)
    assert response.headers["X-Page-Cache"] == "miss" and "Enamel flask" in html(response)


def test_errors_are_not_shared(shared, app):
    missing = app.test_client().get("/p/no-such-product")
    assert missing.status_code == 404 and "X-Page-Cache" not in missing.headers
    assert not cache._memory


@pytest.mark.redis
def test_workers_share_copies_through_redis(database_url, redis_client, make_supplier, make_product):  # noqa: F811
    run = uuid.uuid4().hex
    product = make_product(make_supplier("Clay Co"), f"Enamel flask {run}")  # a key no other run has used
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_URL,
              "PAGE_CACHE_SECONDS": 60}
    workers = [create_app(config), create_app(config)]
    for worker in workers:
        worker.test_client_class = ShopClient
    page = f"/p/{product.slug}"
    try:
        assert workers[0].test_client().get(page).headers["X-Page-Cache"] == "miss"
        served = workers[1].test_client().get(page)
        assert served.headers["X-Page-Cache"] == "hit" and "Enamel flask" in html(served)
        [key] = redis_client.keys(f"shelfmade:page-copy:*{run}*")
        assert 0 < redis_client.ttl(key) <= 60
    finally:
        for key in redis_client.keys(f"shelfmade:page-copy:*{run}*"):
            redis_client.delete(key)
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()


def test_the_memory_store_stays_bounded(app, monkeypatch):
    monkeypatch.setattr(cache, "MEMORY_ENTRIES", 10)
    cache._memory.clear()
    with app.app_context():
        for n in range(25):
            assert cache.remembered(f"bounded:{n}", 60, lambda n=n: n) == n
        assert len(cache._memory) <= 10
        assert cache.remembered("bounded:24", 60, lambda: "computed again") == 24  # the newest are kept
    cache._memory.clear()


def buy_one(app, buyer, product_id: int) -> None:
    with app.app_context():
        user = db.session.get(User, buyer.id)
        cart = get_or_create_cart(user, None)
        add_to_cart(cart, db.session.scalar(select(Variant).where(Variant.product_id == product_id)), None, 1)
        place_order(user, cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, f"order-{uuid.uuid4()}", current_rates())
        db.session.commit()


@pytest.mark.all_databases
def test_an_order_shows_its_stock_on_the_product_page_at_once_and_other_copies_are_kept(
        shared, app, make_supplier, make_product, make_user):
    supplier = make_supplier("Clay Co")
    flask, cup = make_product(supplier, "Enamel flask", stock=10), make_product(supplier, "Clay cup", stock=10)
    pages = [f"/p/{flask.slug}", f"/p/{cup.slug}", "/catalog"]
    assert [app.test_client().get(page).headers["X-Page-Cache"] for page in pages] == ["miss"] * 3
    buy_one(app, make_user("buyer@example.com"), flask.id)

    after = app.test_client().get(pages[0])
    assert after.headers["X-Page-Cache"] == "miss" and "In stock: 9" in html(after)
    # One unit fewer changes no other page: the cup's page and the catalog are still served from their copies.
    assert [app.test_client().get(page).headers["X-Page-Cache"] for page in pages[1:]] == ["hit", "hit"]


def test_selling_the_last_unit_shows_out_of_stock_on_every_page_at_once(shared, app, make_supplier, make_product,
                                                                        make_user):
    flask = make_product(make_supplier("Clay Co"), "Enamel flask", stock=1)
    for page in (f"/p/{flask.slug}", "/catalog"):
        app.test_client().get(page)
    buy_one(app, make_user("buyer@example.com"), flask.id)
    for page in (f"/p/{flask.slug}", "/catalog"):
        response = app.test_client().get(page)
        assert response.headers["X-Page-Cache"] == "miss" and "Out of stock" in html(response)


def test_a_change_made_by_a_statement_rather_than_an_object_shows_at_once(shared, app, make_supplier, make_prototype,
                                                                          make_user):
    prototype_id, slug = make_prototype(make_supplier())
    supporter = make_user("mei@example.com")
    with app.app_context():
        support_prototype(db.session.get(User, supporter.id), db.session.get(Prototype, prototype_id))
        db.session.commit()
    page = f"/codesign/{slug}"
    assert "1 supporter" in html(app.test_client().get(page))
    assert app.test_client().get(page).headers["X-Page-Cache"] == "hit"
    with app.app_context():  # a DELETE statement: no object of the session changed
        withdraw_support(db.session.get(User, supporter.id), db.session.get(Prototype, prototype_id))
        db.session.commit()
    response = app.test_client().get(page)
    assert response.headers["X-Page-Cache"] == "miss" and "0 supporters" in html(response)


def test_a_helpful_vote_shows_on_its_product_page_at_once_and_other_copies_are_kept(
        shared, app, delivered, make_supplier, make_product, make_user):  # noqa: F811
    from blueprints.reviews.models import Review
    from blueprints.reviews.services import mark_helpful, write_review

    other = make_product(make_supplier("Tea Co"), "Clay cup", stock=5)
    with app.app_context():
        review = write_review(db.session.get(User, delivered.buyer.id), delivered.line_id, 4, "Keeps tea hot")
        db.session.commit()
        review_id = review.id
    pages = [f"/p/{delivered.product.slug}", f"/p/{other.slug}", "/catalog"]
    assert [app.test_client().get(page).headers["X-Page-Cache"] for page in pages] == ["miss"] * 3
    reader = make_user("reader@example.com")
    with app.app_context():
        mark_helpful(db.session.get(User, reader.id), db.session.get(Review, review_id))
        db.session.commit()
    after = app.test_client().get(pages[0])
    assert after.headers["X-Page-Cache"] == "miss" and "1 person found this helpful" in html(after)
    assert [app.test_client().get(page).headers["X-Page-Cache"] for page in pages[1:]] == ["hit", "hit"]


def test_a_copy_keeps_the_page_as_it_is_beside_what_serving_it_needs(shared, app):
    """The page is kept as its text, not escaped inside JSON: quotes, line breaks and Chinese come back unchanged."""
    from blueprints.shared_pages import _keep_copy, _kept_copy

    page = '<p class="x">第一行\n"引号" {"json": true}\n\\n</p>'
    with app.test_request_context():
        _keep_copy("shelfmade:page-copy:test", {"status": 200, "parts": [["bell", {}]]}, page, 60)
        assert _kept_copy("shelfmade:page-copy:test") == ({"status": 200, "parts": [["bell", {}]]}, page)
        assert _kept_copy("shelfmade:page-copy:nothing-here") is None
