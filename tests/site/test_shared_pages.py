"""Signed-in viewers share one copy of a busy page too, with their own parts rendered for each of them: their
menu, cart, bell, messages, token, share link, early-bird offer, votes and suggestions never reach anyone else,
and a page only they may see is never shared."""
import re

import pytest

from blueprints import cache
from blueprints.accounts.locale import LOCALE_COOKIE
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
    assert not [key for key in cache._memory if key.startswith("shelfmade:page-copy:")]


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


def test_a_prototype_page_from_a_shared_copy_is_the_page_rendered_for_each_member(shared, app, make_user,
                                                                                  make_supplier, make_prototype):
    """Their support, price, pledge, vote, likes, own comments (to edit or delete) and a supplier's "Track as an
    ask" are each viewer's own; what they have not yet taken part in is the suggestions' business."""
    from datetime import timedelta

    from blueprints.codesign.models import Comment, Poll, Prototype
    from blueprints.codesign.services.comments import add_comment, toggle_like
    from blueprints.codesign.services.pledges import pledge
    from blueprints.codesign.services.support import support_prototype, vote

    supplier = make_supplier("Clay Co")
    prototype_id, slug = make_prototype(supplier)
    mei_user, lin_user = make_user("mei@example.com", display_name="Mei"), make_user("lin@example.com",
                                                                                       display_name="Lin")
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        mei, lin = db.session.get(User, mei_user.id), db.session.get(User, lin_user.id)
        older = add_comment(lin, prototype, "Could it come in blue?")
        older.created_at -= timedelta(hours=1)  # past the time its author may edit it
        add_comment(mei, prototype, "A lid that clicks, please.", parent=older)
        recent = add_comment(mei, prototype, "And a strap.")
        support_prototype(mei, prototype, 7500)
        pledge(mei, prototype, 2)
        vote(mei, db.session.scalar(db.select(Poll).where(Poll.prototype_id == prototype_id)).options[1])
        toggle_like(mei, older)
        db.session.commit()
        recent_id, liked = recent.id, re.compile(rf'id="like-{older.id}"[^>]*aria-pressed="true"')
    page = f"/codesign/{slug}"
    member(app, make_user, "reader@example.com", "Reader").get(page)  # makes the copy
    viewers = {}
    for name, user in (("mei", mei_user), ("lin", lin_user), ("supplier", supplier.member)):
        viewers[name] = app.test_client()
        sign_in(viewers[name], user)
        viewers[name].get("/cart")  # shows "Signed in", once
    member(app, make_user, "kai@example.com", "Kai").get(f"{page}?comments=liked")
    for address in (page, f"{page}?comments=liked"):
        for name, client in viewers.items():
            shared_copy = client.get(address)
            assert shared_copy.headers["X-Page-Cache"] == "hit", (address, name)
            app.config["PAGE_CACHE_SECONDS"] = 0
            alone = client.get(address)
            app.config["PAGE_CACHE_SECONDS"] = 60
            assert "X-Page-Cache" not in alone.headers
            assert as_shown(shared_copy) == as_shown(alone), (address, name)
    # In Chinese too: the comments' buttons, rendered apart from the page, are in the viewer's language.
    for client in (viewers["mei"], reader := member(app, make_user, "du@example.com", "Du")):
        client.set_cookie(LOCALE_COOKIE, "zh_Hans")
    reader.get(page)
    shared_copy = viewers["mei"].get(page)
    app.config["PAGE_CACHE_SECONDS"] = 0
    alone = viewers["mei"].get(page)
    app.config["PAGE_CACHE_SECONDS"] = 60
    assert shared_copy.headers["X-Page-Cache"] == "hit" and as_shown(shared_copy) == as_shown(alone)
    assert "回复" in html(shared_copy)
    viewers["mei"].set_cookie(LOCALE_COOKIE, "en")
    mine = html(viewers["mei"].get(page))
    assert "You support this." in mine and "You pledged 2" in mine and 'value="75.00"' in mine
    assert f'id="edit-{recent_id}"' in mine and liked.search(mine)
    theirs = html(viewers["lin"].get(page))
    assert "You support this." not in theirs and f'id="edit-{recent_id}"' not in theirs
    assert not liked.search(theirs) and "Track as an ask" not in theirs
    assert "Track as an ask" in html(viewers["supplier"].get(page))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 3


def test_an_admin_and_the_author_of_a_hidden_comment_get_a_prototype_page_of_their_own(shared, app, make_user,
                                                                                      admin, make_supplier,
                                                                                      make_prototype):
    from blueprints.codesign.models import Prototype
    from blueprints.codesign.services.comments import add_comment, moderate

    prototype_id, slug = make_prototype(make_supplier("Clay Co"))
    lin_user = make_user("lin@example.com", display_name="Lin")
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        hidden = add_comment(db.session.get(User, lin_user.id), prototype, "Buy cheap watches at example.com")
        moderate(db.session.get(User, admin.id), prototype=prototype, comment=hidden, hide=True, reason="Spam")
        db.session.commit()
    page = f"/codesign/{slug}"
    reader = member(app, make_user, "reader@example.com", "Reader")
    reader.get(page)
    served = reader.get(page)
    assert served.headers["X-Page-Cache"] == "hit" and "cheap watches" not in html(served)
    author, moderator = app.test_client(), app.test_client()
    sign_in(author, lin_user)
    sign_in(moderator, admin)
    for client in (author, moderator):
        own = client.get(page)
        assert "X-Page-Cache" not in own.headers and "cheap watches" in html(own) and "Spam" in html(own)
    assert "Restore" in html(moderator.get(page)) and "Hide this prototype" in html(moderator.get(page))
    # Another prototype's page holds nothing of theirs that is hidden: the author shares its copy.
    _other_id, other_slug = make_prototype(make_supplier("Tin Co"), "Tin kettle")
    reader.get(f"/codesign/{other_slug}")
    assert author.get(f"/codesign/{other_slug}").headers["X-Page-Cache"] == "hit"


def test_a_members_suggestions_on_a_shared_product_page_load_neither_product_nor_shop(shared, app, delivered,  # noqa: F811
                                                                                     make_user):
    reader = member(app, make_user, "reader@example.com", "Reader")
    for page in (f"/p/{delivered.product.slug}", f"/shops/{delivered.shop_slug}/p/{delivered.product.slug}"):
        reader.get(page)
        with counting(app) as statements:
            served = reader.get(page)
        assert served.headers["X-Page-Cache"] == "hit"
        loaded = [statement for statement in statements
                  if statement.startswith(("SELECT products.id", "SELECT shops.id"))]
        assert loaded == [], page


def test_a_member_who_shared_nothing_and_acts_for_no_supplier_costs_a_shared_page_no_query_for_either(
        shared, app, make_user, make_supplier, make_prototype):
    _prototype_id, slug = make_prototype(make_supplier("Clay Co"))
    page = f"/codesign/{slug}"
    reader = member(app, make_user, "reader@example.com", "Reader")
    reader.get(page)
    with counting(app) as statements:
        served = reader.get(page)
    assert served.headers["X-Page-Cache"] == "hit" and "Get my share link" in html(served)
    assert not [statement for statement in statements if statement.startswith("SELECT share_links")]
    assert not [statement for statement in statements if statement.startswith("SELECT supplier_members")]
    # Once they have a link, it is looked up and shown.
    with app.app_context():
        code = get_or_create_link(db.session.scalar(db.select(User).where(User.email == "reader@example.com")),
                                  page).code
        db.session.commit()
    assert code in html(reader.get(page))


def test_a_members_first_view_of_a_prototype_loads_it_once_for_the_copy_and_their_parts(shared, app, make_user,
                                                                                        make_supplier, make_prototype):
    _prototype_id, slug = make_prototype(make_supplier("Clay Co"))
    reader = member(app, make_user, "reader@example.com", "Reader")
    with counting(app) as statements:
        served = reader.get(f"/codesign/{slug}")
    assert served.headers["X-Page-Cache"] == "miss" and "Support this" in html(served)
    assert len([statement for statement in statements if statement.startswith("SELECT prototypes.id")]) == 1
