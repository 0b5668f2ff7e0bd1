"""Clicks at once on PostgreSQL: one review per line, one official answer, one helpful vote per person."""
import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.errors import DomainError
from blueprints.reviews.models import Review, ReviewVote
from blueprints.reviews.services import answer_review, mark_helpful, write_review
from extensions import db
from tests.orders.test_concurrency import run_together

pytestmark = [pytest.mark.postgresql, pytest.mark.commits]


def in_own_transaction(app, work):
    with app.app_context():
        try:
            result = work()
        except DomainError as error:
            db.session.rollback()
            return error
        db.session.commit()
        return result


def test_parallel_submissions_leave_one_review_one_answer_and_one_vote(app, delivered, make_user):
    buyer = delivered.buyer
    results = run_together(6, lambda n: in_own_transaction(app, lambda: write_review(
        db.session.get(User, buyer.id), delivered.line_id, 1 + n % 5, f"Twin {n}").id))
    assert not any(isinstance(r, Exception) and not isinstance(r, DomainError) for r in results), results
    with app.app_context():
        assert db.session.scalar(select(func.count(Review.id))) == 1
        review_id = db.session.scalar(select(Review.id))
    member = delivered.supplier.member
    results = run_together(6, lambda n: in_own_transaction(app, lambda: answer_review(
        db.session.get(User, member.id), db.session.get(Review, review_id), f"Answer {n}")))
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    reader = make_user("reader@example.com")
    run_together(6, lambda n: in_own_transaction(app, lambda: mark_helpful(
        db.session.get(User, reader.id), db.session.get(Review, review_id))))
    with app.app_context():
        assert db.session.scalar(select(func.count(ReviewVote.id))) == 1
        assert db.session.get(Review, review_id).helpful_count == 1
