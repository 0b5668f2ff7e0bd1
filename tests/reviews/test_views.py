"""Reviews through the pages: writing one with a photo, seeing it on the product's catalog and shop pages,
the supplier's answer, a report folded by moderation, and a fixed number of queries however many reviews."""
import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.reviews.models import Review
from blueprints.reviews.services import write_review
from extensions import db
from tests.conftest import sign_in
from tests.reviews.conftest import buy, png
from tests.test_query_counts import counting


def html(response) -> str:
    return response.get_data(as_text=True)


def test_a_buyer_reviews_a_delivered_line_with_a_photo_and_it_shows_on_both_product_pages(app, client, delivered):
    sign_in(client, delivered.buyer)
    page = client.get(f"/orders/{delivered.order_number}/review")
    assert page.status_code == 200 and "Steel flask" in html(page)
    prefix = f"line-{delivered.line_id}"
    url = f"/orders/{delivered.order_number}/review/{delivered.line_id}"
    refused = client.submit(url, {f"{prefix}-stars": "5", f"{prefix}-body": ""},
                            page=f"/orders/{delivered.order_number}/review")
    assert refused.status_code == 422 and "Say what you think of it." in html(refused)
    response = client.submit(url, {f"{prefix}-stars": "5", f"{prefix}-body": "Keeps tea hot all day",
                                   f"{prefix}-photos": [(png(), "flask.png")]},
                             page=f"/orders/{delivered.order_number}/review", content_type="multipart/form-data")
    assert response.status_code == 303, html(response)
    for path in (f"/p/{delivered.product.slug}", f"/shops/{delivered.shop_slug}/p/{delivered.product.slug}"):
        text = html(client.get(path))
        assert "Keeps tea hot all day" in text and "Verified purchase" in text and "Sage" in text
        assert "How reviews are verified" in text and "5.0 out of 5" in text and "1 review" in text
        assert 'class="review__photos"' in text


def test_a_shop_product_page_shows_only_that_shops_offer(app, client, delivered, make_shop):
    from blueprints.catalog.models import Product
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing

    rival_id = make_shop(name="Cheaper Corner", slug="cheaper")
    with app.app_context():
        shop = db.session.get(Shop, rival_id)
        add_listing(db.session.get(User, shop.owner_id), shop, db.session.get(Product, delivered.product.id), 5500,
                    current_rates())
        db.session.commit()
    shop_page = html(client.get(f"/shops/{delivered.shop_slug}/p/{delivered.product.slug}"))
    assert "Cheaper Corner" not in shop_page and "Shops that sell it" not in shop_page
    assert "Cheaper Corner" in html(client.get(f"/p/{delivered.product.slug}"))  # the platform's page compares


def test_moderation_folds_a_reported_review_and_its_author_sees_why(app, client, delivered, admin, make_user):
    with app.app_context():
        review = write_review(db.session.get(User, delivered.buyer.id), delivered.line_id, 1, "Rude words here")
        db.session.commit()
        review_id = review.id
    reader = make_user("reader@example.com")
    sign_in(client, reader)
    product_page = f"/p/{delivered.product.slug}"
    assert client.submit(f"/reviews/{review_id}/report", {"reason": "Abusive", "back": product_page},
                         page=product_page).status_code == 303
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, admin)
    assert "Rude words here" in html(client.get("/admin/reviews"))
    assert client.submit(f"/admin/reviews/{review_id}/moderate", {f"review-{review_id}-reason": "Abusive language",
                                                                   "hide": "1"},
                         page="/admin/reviews").status_code == 303
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    public = html(client.get(product_page))
    assert "Hidden by moderation: Abusive language" in public and "Rude words here" not in public
    sign_in(client, delivered.buyer)
    own = html(client.get(product_page))
    assert "Hidden by moderation: Abusive language" in own and "Rude words here" in own
    with app.app_context():
        assert db.session.get(Review, review_id).body == "Rude words here"  # never deleted


def test_the_supplier_answers_on_their_desk_and_it_shows_as_official(app, client, delivered):
    with app.app_context():
        review = write_review(db.session.get(User, delivered.buyer.id), delivered.line_id, 3, "Lid is stiff")
        db.session.commit()
        review_id = review.id
    sign_in(client, delivered.supplier.member)
    assert "Lid is stiff" in html(client.get("/supplier/reviews"))
    response = client.submit(f"/supplier/reviews/{review_id}/answer", {f"review-{review_id}-answer": "New lids ship"},
                             page="/supplier/reviews")
    assert response.status_code == 303
    text = html(client.get(f"/p/{delivered.product.slug}"))
    assert "Official answer" in text and "New lids ship" in text


def test_nobody_else_opens_the_review_page_of_an_order(client, delivered, make_user):
    sign_in(client, make_user("nosy@example.com"))
    assert client.get(f"/orders/{delivered.order_number}/review").status_code == 404


@pytest.mark.parametrize("shop", [False, True])
def test_product_pages_run_a_fixed_number_of_queries_however_many_reviews(app, client, delivered, make_user, shop):
    path = (f"/shops/{delivered.shop_slug}/p/{delivered.product.slug}" if shop else f"/p/{delivered.product.slug}")
    counter = iter(range(100))

    def add_reviews(n):
        for _ in range(n):
            buyer = make_user(f"buyer-{next(counter)}@example.com")
            _number, line_id = buy(app, buyer, delivered.product, None, f"k-{buyer.id}", supplier=delivered.supplier)
            with app.app_context():
                write_review(db.session.get(User, buyer.id), line_id, 4, "Good", [])
                db.session.commit()

    def queries():
        client.get(path)
        with counting(app) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    sign_in(client, delivered.buyer)
    add_reviews(1)
    few = queries()
    add_reviews(4)
    assert queries() == few
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Review.id))) == 5
