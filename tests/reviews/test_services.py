"""The rules of reviews, called directly: who may review, once per line, answers, moderation that never deletes."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from blueprints.accounts.models import User
from blueprints.codesign.models import Ask, Comment, Prototype
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import ImageRejected
from blueprints.notifications.models import Kind, Notification
from blueprints.reviews.models import Review, ReviewRequest
from blueprints.reviews.services import (answer_review, edit_review, mark_helpful, moderate_review, report_review,
                                         review_to_ask, reviews_of_product, summary, write_review)
from extensions import db
from tests.reviews.conftest import buy, png

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def test_only_the_buyer_of_a_delivered_line_can_review_it(app, ctx, delivered, make_user, make_product):
    stranger = make_user("stranger@example.com")
    with pytest.raises(DomainError, match="delivered to you"):
        write_review(user(stranger), delivered.line_id, 5, "Lovely")
    # Bought but not delivered yet: no review.
    number, line_id = buy(app, delivered.buyer, delivered.product, None, "second", deliver=False)
    with pytest.raises(DomainError, match="delivered to you"):
        write_review(user(delivered.buyer), line_id, 5, "Lovely")
    review = write_review(user(delivered.buyer), delivered.line_id, 4, "Keeps tea hot all day.")
    assert review.variant_label == "Sage" and review.shop_id is not None and review.supplier_id == delivered.supplier.id


def test_one_review_per_line(ctx, delivered):
    write_review(user(delivered.buyer), delivered.line_id, 4, "Good")
    with pytest.raises(DomainError, match="already reviewed"):
        write_review(user(delivered.buyer), delivered.line_id, 1, "Changed my mind")
    assert db.session.scalar(select(func.count(Review.id))) == 1


def test_stars_and_text_are_checked_beside_their_fields(ctx, delivered):
    with pytest.raises(InvalidFields) as error:
        write_review(user(delivered.buyer), delivered.line_id, 7, "  ")
    assert set(error.value.errors) == {"stars", "body"}


def test_photos_pass_the_sites_image_checks(ctx, delivered):
    bad = FileStorage(stream=__import__("io").BytesIO(b"not an image"), filename="notes.txt")
    with pytest.raises(ImageRejected, match="notes.txt"):
        write_review(user(delivered.buyer), delivered.line_id, 5, "Nice", [bad])
    good = FileStorage(stream=png(), filename="flask.png")
    review = write_review(user(delivered.buyer), delivered.line_id, 5, "Nice", [good])
    assert review.photo_count == 1 and review.photos[0].width == 200


def test_a_review_can_be_edited_for_a_while_then_is_fixed(ctx, delivered):
    review = write_review(user(delivered.buyer), delivered.line_id, 3, "Fine")
    edit_review(user(delivered.buyer), review, 4, "Better after a week")
    assert review.stars == 4 and review.edited_at
    review.created_at -= timedelta(days=8)
    with pytest.raises(DomainError, match="first 7 days"):
        edit_review(user(delivered.buyer), review, 1, "Too late")


def test_the_supplier_answers_once_officially_and_no_one_else_can(ctx, delivered, make_supplier):
    review = write_review(user(delivered.buyer), delivered.line_id, 2, "The lid leaks")
    with pytest.raises(AccessDenied):
        answer_review(user(make_supplier("Rival").member), review, "Buy ours")
    with pytest.raises(AccessDenied):
        answer_review(user(delivered.buyer), review, "I answer myself")
    answer_review(user(delivered.supplier.member), review, "We are sending a new seal.")
    with pytest.raises(DomainError, match="already has your answer"):
        answer_review(user(delivered.supplier.member), review, "Again")
    assert review.answer == "We are sending a new seal."


def test_moderation_folds_with_a_reason_and_never_deletes(ctx, delivered, admin):
    review = write_review(user(delivered.buyer), delivered.line_id, 1, "Call me on 138...")
    report_review(user(delivered.owner), review, "Personal details")
    with pytest.raises(InvalidFields):
        moderate_review(user(admin), review, hide=True, reason="")
    with pytest.raises(AccessDenied):
        moderate_review(user(delivered.owner), review, hide=True, reason="I do not like it")
    moderate_review(user(admin), review, hide=True, reason="Personal details")
    db.session.expire_all()
    kept = db.session.get(Review, review.id)
    assert kept.body == "Call me on 138..." and kept.hidden_reason == "Personal details"
    assert [r.id for r in reviews_of_product(delivered.product.id)] == [review.id]  # still listed, folded
    counts = summary(delivered.product.id)
    assert counts.count == 0 and counts.hidden == 1  # folded reviews do not count in the average


def test_helpful_counts_once_per_person_and_not_the_author(ctx, delivered):
    review = write_review(user(delivered.buyer), delivered.line_id, 5, "Great")
    with pytest.raises(DomainError):
        mark_helpful(user(delivered.buyer), review)
    mark_helpful(user(delivered.owner), review)
    mark_helpful(user(delivered.owner), review)
    db.session.refresh(review)
    assert review.helpful_count == 1


def test_the_summary_has_average_distribution_and_count(app, ctx, delivered, make_user):
    write_review(user(delivered.buyer), delivered.line_id, 5, "Great")
    other = make_user("other@example.com")
    _number, line_id = buy(app, other, delivered.product, None, "other", supplier=delivered.supplier)
    write_review(user(other), line_id, 2, "Meh")
    counts = summary(delivered.product.id)
    assert counts.count == 2 and counts.average == 3.5 and counts.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert [r.stars for r in reviews_of_product(delivered.product.id, sort="lowest")] == [2, 5]


def test_a_review_request_goes_once_as_news_about_the_buyers_own_order(ctx, delivered):
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == delivered.buyer.id,
                                                               Notification.event == "review_request")))
    assert len(notes) == 1 and notes[0].kind == Kind.ORDER_UPDATES and notes[0].in_site
    assert notes[0].link == f"/orders/{delivered.order_number}/review"
    assert db.session.scalar(select(func.count()).select_from(ReviewRequest)) == 1
    from blueprints.reviews.services import request_reviews
    order_id = db.session.scalar(select(ReviewRequest.order_id))
    request_reviews(order_id=order_id)
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.event == "review_request")) == 1


def test_a_supplier_turns_a_review_into_an_ask_on_a_prototype(ctx, delivered, make_prototype, make_supplier):
    review = write_review(user(delivered.buyer), delivered.line_id, 3, "Make the lid easier to open")
    prototype_id, _slug = make_prototype(delivered.supplier)
    rival_prototype, _ = make_prototype(make_supplier("Rival"), "Rival box")
    with pytest.raises(AccessDenied):
        review_to_ask(user(delivered.supplier.member), review, db.session.get(Prototype, rival_prototype))
    review_to_ask(user(delivered.supplier.member), review, db.session.get(Prototype, prototype_id))
    ask = db.session.get(Ask, review.ask_id)
    comment = db.session.get(Comment, ask.comment_id)
    assert ask.prototype_id == prototype_id and "Make the lid easier to open" in comment.body and comment.official
