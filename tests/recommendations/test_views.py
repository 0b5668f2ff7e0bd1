"""The suggestions on the pages: worded reasons, the right heading, and a fixed number of queries."""
import html as entities
import re
from types import SimpleNamespace

import pytest

from blueprints.accounts.models import User
from blueprints.catalog.models import Product
from blueprints.money import current_rates
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from extensions import db
from tests.conftest import sign_in
from tests.test_query_counts import counting


def page(response) -> str:
    assert response.status_code == 200
    return entities.unescape(response.get_data(as_text=True))


@pytest.fixture
def neighbourhood(make_user, make_supplier, make_product, make_prototype, acts):
    """A fan who supported the lunch box and bought a flask and a cup; `me` supported the lunch box too."""
    supplier = make_supplier()
    lunch_box_id, lunch_box_slug = make_prototype(supplier, "Bamboo lunch box")
    flask, cup = make_product(supplier, "Steel flask"), make_product(supplier, "Glass <cup>")
    me, fan = make_user("me@example.com"), make_user()
    acts.support(me, lunch_box_id)
    acts.support(fan, lunch_box_id)
    acts.buy(fan, flask)
    acts.buy(fan, cup)
    return me, flask, lunch_box_slug


def test_home_says_why_each_suggestion_is_there(client, neighbourhood):
    me, _flask, _slug = neighbourhood
    sign_in(client, me)
    body = client.get("/").get_data(as_text=True)
    assert "For you" in body
    assert entities.unescape(body).count("Because you supported “Bamboo lunch box”") == 2
    assert "Glass &lt;cup&gt;" in body and "<cup>" not in body  # titles are escaped, in the card and the reason


def test_the_home_page_asks_once_whether_suggestions_are_personalised(app, client, neighbourhood):
    me, _flask, _slug = neighbourhood
    sign_in(client, me)
    client.get("/")
    with counting(app) as statements:
        assert "For you" in page(client.get("/"))
    [asked] = [statement for statement in statements if "suggestion_settings" in statement]
    assert "auth_sessions" in asked  # read with the sign-in: the page's GET changes nothing


def test_whether_a_member_said_not_interested_is_read_with_the_sign_in(app, client, neighbourhood):
    me, flask, _slug = neighbourhood
    sign_in(client, me)
    client.get("/")
    with counting(app) as statements:
        assert "Steel flask" in page(client.get("/")).split("For you")[1].split("</section>")[0]
    [asked] = [statement for statement in statements if "not_interested" in statement]
    assert "auth_sessions" in asked  # nobody said it: no query of its own
    client.submit("/my/suggestions/not-interested", {"kind": "product", "item_id": str(flask.id), "back": "/"},
                  page="/")
    with counting(app) as statements:
        assert "Steel flask" not in page(client.get("/")).split("For you")[1].split("</section>")[0]
    assert len([statement for statement in statements if "not_interested" in statement]) == 2


def test_a_visitor_sees_what_is_trending(client, neighbourhood):
    body = page(client.get("/"))
    assert "Trending now" in body and "For you" not in body
    assert "Steel flask" in body and "Because you" not in body


def test_visitors_share_one_trending_list_but_never_see_an_item_taken_down(app, client, neighbourhood):
    from blueprints import cache
    from blueprints.catalog.models import ProductStatus

    _me, flask, _slug = neighbourhood
    app.config["TRENDING_SECONDS"] = 300
    cache._memory.clear()
    with app.app_context():
        cup = db.session.scalar(db.select(Product).where(Product.title == "Glass <cup>"))
    try:
        assert "Steel flask" in page(client.get("/"))
        assert "Glass <cup>" in page(client.get(f"/p/{flask.slug}")).split('id="also-title"')[1]
        with app.app_context():
            db.session.get(Product, cup.id).status = ProductStatus.RETIRED
            db.session.commit()
        # The shared lists still name it: each item is checked as it is loaded.
        assert "Glass <cup>" not in page(client.get(f"/p/{flask.slug}"))
        assert "Glass <cup>" not in page(client.get("/")) and "Steel flask" in page(client.get("/"))
    finally:
        cache._memory.clear()


def test_product_page_shows_what_its_buyers_also_chose(client, neighbourhood):
    _me, flask, lunch_box_slug = neighbourhood
    body = page(client.get(f"/p/{flask.slug}"))
    assert "People who bought this also liked" in body
    assert f'href="/codesign/{lunch_box_slug}"' in body and "Glass <cup>" in body
    assert "1 person chose both" in body


def corner_shop_selling_flask_and_cup(app, make_shop, make_user, flask) -> SimpleNamespace:
    """The shop "corner" lists the flask at ¥70 and the cup at ¥79; returns the cup's id and slug."""
    owner = make_user("owner@example.com")
    shop_id = make_shop(owner, slug="corner")
    with app.app_context():
        cup = db.session.scalar(db.select(Product).where(Product.title == "Glass <cup>"))
        for product_id, price in ((flask.id, 7000), (cup.id, 7900)):
            add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id),
                        db.session.get(Product, product_id), price, current_rates())
        db.session.commit()
        return SimpleNamespace(id=cup.id, slug=cup.slug)


def test_on_a_shop_page_only_what_the_shop_sells_at_its_price_and_in_the_shop(
        app, client, neighbourhood, make_shop, make_user, make_supplier, make_product, acts):
    _me, flask, _slug = neighbourhood
    cup = corner_shop_selling_flask_and_cup(app, make_shop, make_user, flask)
    body = page(client.get(f"/shops/corner/p/{flask.slug}"))
    section = body.split('id="also-title"')[1].split("</section>")[0]
    assert f'href="/shops/corner/p/{cup.slug}"' in section and "79.00" in section
    assert "Bamboo lunch box" not in section  # the shop does not sell prototypes


def test_a_variant_change_does_not_render_the_suggestions(client, neighbourhood):
    _me, flask, _slug = neighbourhood
    body = page(client.get(f"/p/{flask.slug}", headers={"HX-Request": "true"}))
    assert 'id="variant-panel"' in body and "People who bought this also liked" not in body


def test_prototype_page_shows_what_its_supporters_also_chose_but_not_what_i_did(client, neighbourhood, acts):
    me, flask, lunch_box_slug = neighbourhood
    body = page(client.get(f"/codesign/{lunch_box_slug}"))
    assert "People who supported this also supported" in body
    assert "Steel flask" in body and "Glass <cup>" in body
    acts.buy(me, flask)
    sign_in(client, me)
    body = page(client.get(f"/codesign/{lunch_box_slug}"))
    assert "Glass <cup>" in body and "Steel flask" not in body


@pytest.mark.parametrize("who, where", [("visitor", "home"), ("me", "home"), ("visitor", "product"),
                                        ("me", "product"), ("me", "prototype"), ("me", "shop product")])
def test_query_count_does_not_grow_with_the_suggestions(app, client, make_user, make_supplier, make_product,
                                                        make_prototype, acts, make_category, make_shop, who, where):

    supplier = make_supplier()
    seed_id, seed_slug = make_prototype(supplier, "Seed idea")
    seed_product = make_product(supplier, "Seed product")
    me = make_user("me@example.com")
    acts.support(me, seed_id)
    acts.buy(me, seed_product)
    owner = make_user("owner@example.com")
    shop_id = make_shop(owner, slug="corner")

    def list_in_shop(product):
        with app.app_context():
            add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id),
                        db.session.get(Product, product.id), product.suggested_price, current_rates())
            db.session.commit()

    list_in_shop(seed_product)
    if who == "me":
        sign_in(client, me)
    url = {"home": "/", "product": f"/p/{seed_product.slug}", "prototype": f"/codesign/{seed_slug}",
           "shop product": f"/shops/corner/p/{seed_product.slug}"}[where]

    def grow(n: int):
        for _ in range(n):
            fan = make_user()
            acts.support(fan, seed_id)
            acts.buy(fan, seed_product)
            product = make_product(supplier, f"Product {fan.id}", category_id=make_category(f"c{fan.id}"))
            acts.buy(fan, product)
            list_in_shop(product)
            prototype_id, _slug = make_prototype(supplier, f"Idea {fan.id}")
            acts.support(fan, prototype_id)
            acts.pledge(fan, prototype_id)

    def queries() -> tuple[int, int]:
        client.get(url)
        with counting(app) as statements:
            body = page(client.get(url))
        section = body.split('id="for-you-title"' if where == "home" else 'id="also-title"')[1].split("</section>")[0]
        return len(statements), section.count('class="product-card"')

    grow(1)
    few, shown_few = queries()
    grow(4)
    many, shown_many = queries()
    assert shown_many > shown_few
    assert many == few


def test_what_a_signed_in_user_took_part_in_is_kept_until_they_take_part_in_more(app, client, neighbourhood, acts):
    from blueprints import cache

    # The list is the item's, shared for TRENDING_SECONDS; what the viewer took part in is left out of it, kept
    # until they do something more (their "suggestions" version) or for USER_SUGGESTIONS_SECONDS.
    app.config["USER_SUGGESTIONS_SECONDS"] = 60
    app.config["TRENDING_SECONDS"] = 60
    cache._memory.clear()
    me, flask, lunch_box_slug = neighbourhood
    sign_in(client, me)
    def also() -> str:
        body = page(client.get(f"/codesign/{lunch_box_slug}")).split("People who supported this also supported")[1]
        return "\n".join(line for line in body.splitlines() if "csrf_token" not in line)  # signed at each request

    first = also()
    assert "Steel flask" in first and "Glass <cup>" in first
    with counting(app) as statements:
        assert also() == first
    assert not [statement for statement in statements if "UNION ALL" in statement]  # their items, kept
    acts.buy(me, flask)
    later = also()  # at once: the flask is theirs now
    assert "Glass <cup>" in later and "Steel flask" not in later
    cache._memory.clear()


def test_a_signed_in_users_for_you_list_is_kept_until_they_do_something(app, client, neighbourhood, acts,
                                                                        monkeypatch):
    from blueprints import cache

    app.config["USER_SUGGESTIONS_SECONDS"] = 60
    cache._memory.clear()
    me, flask, _slug = neighbourhood
    sign_in(client, me)
    def for_you() -> str:
        response = client.get("/")
        response.close()  # as a server does once it is sent: what waits for the response then runs
        body = page(response).split('id="for-you-title"')[1].split("</section>")[0]
        return "\n".join(line for line in body.splitlines() if "csrf_token" not in line)

    meanwhile = for_you()  # their list is worked out after this response; this page shows what is trending
    assert "Because you supported" not in meanwhile
    first = for_you()
    assert f'href="/p/{flask.slug}"' in first and "Because you supported “Bamboo lunch box”" in first
    assert for_you() == first  # kept, reasons and all
    acts.buy(me, flask)
    later = for_you()  # worked out again at once: the flask is theirs now, and a reason for the cup
    assert f'href="/p/{flask.slug}"' not in later and "Because you bought “Steel flask”" in later
    now = cache.time.time()
    monkeypatch.setattr(cache.time, "time", lambda: now + 61)
    with counting(app) as statements:
        for_you()  # kept no longer than USER_SUGGESTIONS_SECONDS: their neighbours may have done something
    assert [statement for statement in statements if "UNION ALL" in statement]
    cache._memory.clear()


def test_kept_lists_leave_out_only_what_the_viewer_chose_unless_they_switched_that_off(
        app, client, neighbourhood, make_shop, make_user, acts):
    from blueprints import cache
    from blueprints.recommendations.services import set_personalised

    app.config.update(TRENDING_SECONDS=60, USER_SUGGESTIONS_SECONDS=60)
    cache._memory.clear()
    me, flask, _slug = neighbourhood
    cup = corner_shop_selling_flask_and_cup(app, make_shop, make_user, flask)

    def also(viewer) -> str:
        text = page(viewer.get(f"/shops/corner/p/{flask.slug}"))
        return text.split('id="also-title"')[1].split("</section>")[0] if 'id="also-title"' in text else ""

    try:
        visitor = app.test_client()
        assert f'href="/shops/corner/p/{cup.slug}"' in also(visitor) and "79.00" in also(visitor)
        acts.buy(me, cup)
        sign_in(client, me)
        assert also(client) == ""  # the shop's kept list, less the cup they bought
        with app.app_context():
            set_personalised(db.session.get(User, me.id), False)
            db.session.commit()
        assert f'href="/shops/corner/p/{cup.slug}"' in also(client)  # switched off: what a visitor sees
    finally:
        cache._memory.clear()


def test_a_page_shown_without_its_list_while_the_site_is_busy_is_not_kept_for_others(app, client, neighbourhood):
    from blueprints import cache

    app.config.update(TRENDING_SECONDS=60, PAGE_CACHE_SECONDS=15)
    cache._memory.clear()
    _me, flask, _slug = neighbourhood
    try:
        with app.app_context():
            assert cache._take_recount_slot()  # another worker's recount holds the site's turn
        first = client.get(f"/p/{flask.slug}")
        assert "People who bought this also liked" not in page(first) and "X-Page-Cache" not in first.headers
        with app.app_context():
            cache._release_recount_slot()
        second = client.get(f"/p/{flask.slug}")  # the turn is free: this view works the list out
        assert "Glass <cup>" in page(second) and second.headers["X-Page-Cache"] == "miss"
        third = client.get(f"/p/{flask.slug}")
        assert "Glass <cup>" in page(third) and third.headers["X-Page-Cache"] == "hit"
    finally:
        cache._memory.clear()


def test_spare_rows_are_loaded_only_when_some_of_the_first_were_taken_down():
    from blueprints.recommendations.services import _first_shown

    asked = []

    def show(rows):  # what is still public: every row but 2
        asked.append([row[1] for row in rows])
        return [row[1] for row in rows if row[1] != 2]

    rows = [["product", n, "together", 1, 1.0] for n in range(1, 9)]
    assert _first_shown(rows, 4, show) == [1, 3, 4, 5] and asked == [[1, 2, 3, 4], [5, 6, 7, 8]]
    asked.clear()
    assert _first_shown(rows[2:], 4, show) == [3, 4, 5, 6] and asked == [[3, 4, 5, 6]]


def test_kept_suggestion_cards_are_shown_without_loading_their_items_and_change_with_them(
        app, client, neighbourhood, acts):
    from blueprints import cache
    from blueprints.catalog.models import ProductStatus

    app.config.update(USER_SUGGESTIONS_SECONDS=60, FRAGMENT_CACHE="on", PAGE_CACHE_SECONDS=60)
    cache._memory.clear()
    cache._fragments.clear()
    me, flask, _slug = neighbourhood
    sign_in(client, me)

    def for_you() -> str:
        response = client.get("/")
        response.close()
        # Without the CSRF tokens: signed with the time in seconds, two views a second apart differ there alone.
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""',
                      page(response).split('id="for-you-title"')[1].split("</section>")[0])

    try:
        for_you()  # their list is worked out after this response
        first = for_you()  # its cards rendered and kept
        with counting(app) as statements:
            again = for_you()
        assert again == first and "Because you supported “Bamboo lunch box”" in again
        assert f'name="item_id" value="{flask.id}"' in again  # "Not interested" still names the item
        assert not [statement for statement in statements if "product_images" in statement]

        with app.app_context():
            db.session.get(Product, flask.id).title = "Steel flask, blue"
            db.session.commit()
        assert "Steel flask, blue" in for_you()  # the catalog's version moved on: rendered afresh
        with app.app_context():
            db.session.get(Product, flask.id).status = ProductStatus.RETIRED
            db.session.commit()
        assert f'href="/p/{flask.slug}"' not in for_you()
    finally:
        cache._memory.clear()
        cache._fragments.clear()


def test_withdrawing_support_or_a_pledge_moves_the_users_suggestions_on(app, make_user, make_supplier, make_prototype):
    from blueprints.cache import version_of
    from blueprints.codesign.models import Prototype
    from blueprints.codesign.services.pledges import cancel_pledge
    from blueprints.codesign.services.support import support_prototype, withdraw_support

    prototype_id, _slug = make_prototype(make_supplier())
    account = make_user("mei@example.com")
    with app.test_request_context():
        user, prototype = db.session.get(User, account.id), db.session.get(Prototype, prototype_id)
        support_prototype(user, prototype)
        db.session.commit()
        supported = version_of("suggestions", user.id)
        withdraw_support(user, prototype)  # a DELETE statement, not an object's change
        db.session.commit()
        withdrawn = version_of("suggestions", user.id)
        cancel_pledge(user, prototype)
        db.session.commit()
        assert supported < withdrawn < version_of("suggestions", user.id)


def test_a_kept_card_is_shown_only_while_its_item_may_be_and_only_its_own_item_hides_it(
        app, make_user, make_supplier, make_product, make_prototype):
    from sqlalchemy import update

    from blueprints import cache
    from blueprints.codesign.models import Prototype
    from blueprints.columns import utcnow
    from blueprints.recommendations.services import _shown_as_cards, _without_unwanted

    app.config["FRAGMENT_CACHE"] = "on"
    cache._fragments.clear()
    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier)
    make_product(supplier, "Steel cup")
    product = make_product(supplier, "Steel flask")
    assert product.id != prototype_id
    rows = [["prototype", prototype_id, "trending", None, 2.0], ["product", product.id, "trending", None, 1.0]]
    try:
        with app.test_request_context():
            for shown in _shown_as_cards(rows):
                cache._keep_fragment(shown.card_key, f"<p>card {shown.kind} {shown.item.id}</p>")
        with app.test_request_context():
            kept = _shown_as_cards(rows)
            assert [(each.kind, each.item.id, each.card is not None) for each in kept] == [
                ("prototype", prototype_id, True), ("product", product.id, True)]
            # Not interested in a prototype whose id happens to be the product's: the product stays.
            assert [each.kind for each in _without_unwanted(kept, {("prototype", product.id)}, 8)] == [
                "prototype", "product"]
            assert [each.kind for each in _without_unwanted(kept, {("prototype", prototype_id)}, 8)] == ["product"]
        with app.app_context():  # its deadline passes: nothing is written that a version would notice
            db.session.execute(update(Prototype).where(Prototype.id == prototype_id)
                               .values(deadline=utcnow()).execution_options(versions_bumped=True))
            db.session.commit()
        with app.test_request_context():
            assert [(each.kind, each.card is not None) for each in _shown_as_cards(rows)] == [("product", True)]
    finally:
        cache._fragments.clear()
