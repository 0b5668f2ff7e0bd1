"""Signed-in viewers share one copy of a busy page too, with their own parts rendered for each of them: their
menu, cart, bell, messages, token, share link, early-bird offer, votes and suggestions never reach anyone else,
and a page only they may see is never shared."""
import re

import pytest

from blueprints import cache
from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.reviews.models import Review
from blueprints.reviews.services import moderate_review, write_review
from blueprints.sharing.services import get_or_create_link
from extensions import db
from tests.conftest import sign_in
from tests.test_query_counts import counting
from tests.reviews.conftest import delivered  # noqa: F401 (a fixture)

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def shared(app):
    app.config.update(PAGE_CACHE_SECONDS=60, FRAGMENT_CACHE="on")
    cache._memory.clear()
    cache._fragments.clear()
    yield app
    cache._memory.clear()
    cache._fragments.clear()


def html(response) -> str:
    return response.get_data(as_text=True)


def member(app, make_user, email: str, name: str):
    client = app.test_client()
    sign_in(client, make_user(email, display_name=name))
    return client


def test_two_members_share_a_copy_each_with_their_own_menu_cart_bell_link_and_token(shared, app, make_user,
                                                                                    make_supplier, make_product):
    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Enamel flask", stock=5)
    page = f"/p/{product.slug}"
    mei, lin = member(app, make_user, "mei@example.com", "Mei"), member(app, make_user, "lin@example.com", "Lin")
    token = TOKEN.search(html(mei.get(page))).group(1)
    variant_id = re.search(r'name="variant_id" type="hidden" value="(\d+)"', html(mei.get(page))).group(1)
    assert mei.post("/cart/add", data={"csrf_token": token, "variant_id": variant_id,
                                       "quantity": "2"}).status_code == 303
    with app.app_context():
        mei_user = db.session.scalar(db.select(User).where(User.email == "mei@example.com"))
        link = get_or_create_link(mei_user, page)
        notify([mei_user.id], Kind.ORDER_UPDATES, event="shipped", subject="Your order is on its way",
               link="/my/orders")
        db.session.commit()
        code = link.code

    first, second = mei.get(page), lin.get(page)
    again = lin.get(page)
    assert {first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]} <= {"miss", "hit"}
    assert again.headers["X-Page-Cache"] == "hit"
    mine, theirs = html(mei.get(page)), html(again)
    assert "2 items" in mine and "items" not in re.search(r'id="cart-count".*?</span>\s*</a>', theirs, re.S).group(0)
    assert 'data-unread="1"' in mine and 'data-unread="0"' in theirs
    assert code in mine and code not in theirs and "Get my share link" in theirs
    assert "Sign out" in mine and "Sign out" in theirs and "Sign in" not in theirs
    for body in (mine, theirs):
        assert "personal-part-" not in body and "csrf-stand-in" not in body
    assert TOKEN.search(mine).group(1) != TOKEN.search(theirs).group(1)
    assert again.headers["Cache-Control"] == "private, no-store"
    # The supplier's own header names their desk; the same copy serves them.
    desk = app.test_client()
    sign_in(desk, supplier.member)
    supplier_page = desk.get(page)
    assert supplier_page.headers["X-Page-Cache"] == "hit" and 'href="/supplier"' in html(supplier_page)
    assert 'href="/supplier"' not in theirs


def test_a_members_token_from_a_shared_copy_works_and_a_message_waits_for_them_alone(shared, app, make_user,
                                                                                     make_supplier, make_product):
    product = make_product(make_supplier("Clay Co"), "Enamel flask", stock=5)
    page = f"/p/{product.slug}"
    lin = member(app, make_user, "lin@example.com", "Lin")
    member(app, make_user, "mei@example.com", "Mei").get(page)  # the copy
    served = lin.get(page)
    assert served.headers["X-Page-Cache"] == "hit"
    variant_id = re.search(r'name="variant_id" type="hidden" value="(\d+)"', html(served)).group(1)
    added = lin.post("/cart/add", data={"csrf_token": TOKEN.search(html(served)).group(1),
                                        "variant_id": variant_id, "quantity": "1"})
    assert added.status_code == 303
    shown = lin.get(page)
    assert shown.headers["X-Page-Cache"] == "hit"
    assert "Added to your cart" in html(shown) or "1 item" in html(shown)
    assert "1 item" not in html(member(app, make_user, "mei2@example.com", "Mei").get(page))


def test_a_supplier_sees_their_unpublished_product_and_no_one_gets_a_copy_of_it(shared, app, make_supplier,
                                                                                make_product, make_user):
    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Secret flask", stock=5)
    with app.app_context():
        db.session.get(Product, product.id).status = ProductStatus.DRAFT
        db.session.commit()
    page = f"/p/{product.slug}"
    desk = app.test_client()
    sign_in(desk, supplier.member)
    own = desk.get(page)
    assert own.status_code == 200 and "Secret flask" in html(own) and "X-Page-Cache" not in own.headers
    assert member(app, make_user, "lin@example.com", "Lin").get(page).status_code == 404
    assert app.test_client().get(page).status_code == 404
    assert not [key for key in cache._memory if key.startswith("shelfmade:page:")]


def test_review_actions_and_a_folded_review_are_each_viewers_own(shared, app, delivered, admin,  # noqa: F811
                                                                 make_user):
    with app.app_context():
        buyer = db.session.get(User, delivered.buyer.id)
        review = write_review(buyer, delivered.line_id, 2, "Rude words here")
        db.session.commit()
        review_id = review.id
    page = f"/p/{delivered.product.slug}"
    reader = member(app, make_user, "reader@example.com", "Reader")
    author = app.test_client()
    sign_in(author, delivered.buyer)
    reader.get(page)
    own = author.get(page)
    assert own.headers["X-Page-Cache"] == "hit"
    assert "Your review" in html(own) and f"/reviews/{review_id}/helpful" not in html(own)
    theirs = html(reader.get(page))
    assert f"/reviews/{review_id}/helpful" in theirs and "Your review" not in theirs
    assert reader.submit(f"/reviews/{review_id}/helpful", {"back": page}, page=page).status_code == 303
    voted = html(reader.get(page))
    assert re.search(rf'/reviews/{review_id}/helpful.*?<button[^>]*disabled', voted, re.S)

    with app.app_context():
        moderate_review(db.session.get(User, admin.id), db.session.get(Review, review_id), hide=True,
                        reason="Abusive language")
        db.session.commit()
    folded_for_reader, folded_for_author = reader.get(page), author.get(page)
    assert folded_for_author.headers["X-Page-Cache"] == "hit"
    assert "Hidden by moderation: Abusive language" in html(folded_for_reader)
    assert "Rude words here" not in html(folded_for_reader)
    assert "Rude words here" in html(folded_for_author) and "Only you see your text" in html(folded_for_author)


def test_the_home_page_welcomes_each_member_by_name(shared, app, make_user):
    mei, lin = member(app, make_user, "mei@example.com", "Mei"), member(app, make_user, "lin@example.com", "Lin")
    mei.get("/")
    served = lin.get("/")
    assert served.headers["X-Page-Cache"] == "hit"
    assert "Welcome back, Lin." in html(served) and "Mei" not in html(served)
    assert "Welcome back, Mei." in html(mei.get("/"))
    assert "Create an account" not in html(served) and "Create an account" in html(app.test_client().get("/"))


def test_without_shared_versions_a_member_gets_a_page_of_their_own(app, make_user, make_supplier, make_product):
    app.config.update(PAGE_CACHE_SECONDS=60, FRAGMENT_CACHE="off")
    product = make_product(make_supplier("Clay Co"), "Enamel flask", stock=5)
    response = member(app, make_user, "lin@example.com", "Lin").get(f"/p/{product.slug}")
    assert response.status_code == 200 and "X-Page-Cache" not in response.headers


SIGNED_TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{5,}\.[\w-]{20,}")


def test_a_members_page_from_a_shared_copy_is_the_page_rendered_for_them_alone(shared, app, delivered,  # noqa: F811
                                                                               make_user):
    """Each personal part renders just what the page renders in its place: the same HTML, token aside."""
    with app.app_context():
        buyer = db.session.get(User, delivered.buyer.id)
        write_review(buyer, delivered.line_id, 4, "Keeps tea hot")
        get_or_create_link(buyer, f"/p/{delivered.product.slug}")
        notify([buyer.id], Kind.ORDER_UPDATES, event="shipped", subject="On its way", link="/my/orders")
        supplier_slug = db.session.get(Product, delivered.product.id).supplier.slug
        db.session.commit()
    pages = ["/", "/catalog", "/search?q=flask", f"/p/{delivered.product.slug}", f"/shops/{delivered.shop_slug}",
             f"/shops/{delivered.shop_slug}/p/{delivered.product.slug}", f"/suppliers/{supplier_slug}"]
    other = member(app, make_user, "reader@example.com", "Reader")
    buyer_client = app.test_client()
    sign_in(buyer_client, delivered.buyer)
    buyer_client.get("/cart")  # shows "Signed in", once
    for page in pages:
        other.get(page)  # the shared copy
        shared_copy = buyer_client.get(page)
        assert shared_copy.headers["X-Page-Cache"] == "hit", page
        app.config["PAGE_CACHE_SECONDS"] = 0
        alone = buyer_client.get(page)
        app.config["PAGE_CACHE_SECONDS"] = 60
        assert "X-Page-Cache" not in alone.headers
        assert as_shown(shared_copy) == as_shown(alone), page


def as_shown(response) -> str:
    """The page as a browser reads it: the token aside, and white space between tags (the parts' blocks start
    and end their lines differently from the page around them)."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", SIGNED_TOKEN.sub("CSRF", html(response))))


def test_a_pledger_gets_their_early_bird_offer_on_a_shared_product_page(shared, app, make_supplier, make_prototype,
                                                                        make_user):
    from blueprints.codesign.models import Prototype
    from tests.orders.test_pledge_orders import launched

    _supplier, prototype_id, _slug, mei, _lin = launched(app, make_supplier, make_prototype, make_user)
    with app.app_context():
        product_slug = db.session.get(Prototype, prototype_id).product.slug
    reader = member(app, make_user, "reader@example.com", "Reader")
    pledger = app.test_client()
    sign_in(pledger, mei)
    first = reader.get(f"/p/{product_slug}")
    mine = pledger.get(f"/p/{product_slug}")
    assert mine.headers["X-Page-Cache"] == "hit"
    assert "Add at the early-bird price" in html(mine) and "Add at the early-bird price" not in html(first)


def test_a_product_that_was_never_a_prototype_has_no_early_bird_part(shared, app, make_user, make_supplier,
                                                                     make_product, monkeypatch):
    from blueprints import shared_pages

    asked = []
    function, batch = shared_pages._RENDERERS["early_bird"]
    monkeypatch.setitem(shared_pages._RENDERERS, "early_bird",
                        (lambda **args: asked.append(args) or function(**args), batch))
    product = make_product(make_supplier("Clay Co"), "Enamel flask", stock=5)
    reader = member(app, make_user, "reader@example.com", "Reader")
    assert reader.get(f"/p/{product.slug}").status_code == 200
    assert reader.get(f"/p/{product.slug}").headers["X-Page-Cache"] == "hit" and asked == []


def test_a_members_header_on_a_shared_page_is_read_with_their_sign_in(shared, app, make_user, make_supplier,
                                                                      make_product):
    product = make_product(make_supplier("Clay Co"), "Enamel flask", stock=5)
    page = "/catalog"
    mei = member(app, make_user, "mei@example.com", "Mei")
    token = TOKEN.search(html(mei.get(f"/p/{product.slug}"))).group(1)
    variant_id = re.search(r'name="variant_id" type="hidden" value="(\d+)"', html(mei.get(f"/p/{product.slug}")))[1]
    mei.post("/cart/add", data={"csrf_token": token, "variant_id": variant_id, "quantity": "2"})
    mei.get(page)
    with counting(app) as statements:
        served = mei.get(page)
    assert served.headers["X-Page-Cache"] == "hit" and "2 items" in html(served)
    # The cart's units came in the sign-in's own statement: no statement of their own.
    assert [statement for statement in statements if "cart_items" in statement] == [
        statement for statement in statements if "auth_sessions" in statement]
    # A page that is not shared does not read them with the sign-in: it asks once it has rendered.
    with counting(app) as statements:
        assert "2 items" in html(mei.get("/my/orders"))
    [sign_in_statement] = [statement for statement in statements if "auth_sessions" in statement]
    assert "cart_items" not in sign_in_statement
