"""Reviews: only the buyer of a delivered line writes one, once per line; the supplier answers once, officially;
anyone may report one, and a moderator folds it behind a reason its author sees, but nothing is ever deleted
(China's E-Commerce Law, art. 39). No incentive is tied to a review: nothing here touches the ledger."""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from blueprints.accounts.models import User
from blueprints.cache import bump_after_commit
from blueprints.catalog.models import Product
from blueprints.catalog.services import READ_WITH_PRODUCT
from blueprints.codesign.models import Comment, Prototype, Stage
from blueprints.codesign.services.updates import make_ask
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import store_images, uploads_of
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.queries import delivered_line, delivered_lines_of, order_buyer_and_number
from blueprints.reviews.models import Review, ReviewPhoto, ReviewReport, ReviewRequest, ReviewVote
from blueprints.suppliers.services import require_admin, supplier_of
from extensions import db

EDIT_WINDOW = timedelta(days=7)
BODY_MAX = 3000
MAX_PHOTOS = 6
SORTS = ("newest", "helpful", "lowest", "photos")


def _check(stars: int | None, body: str) -> str:
    errors = {}
    if stars not in (1, 2, 3, 4, 5):
        errors["stars"] = _l("Choose from one to five stars.")
    body = (body or "").strip()
    if not body:
        errors["body"] = _l("Say what you think of it.")
    elif len(body) > BODY_MAX:
        errors["body"] = _l("A review can be at most %(max)d characters; this one has %(count)d.",
                            max=BODY_MAX, count=len(body))
    if errors:
        raise InvalidFields(errors)
    return body


def write_review(user: User, line_id: int, stars: int | None, body: str, photos=()) -> Review:
    """A review of one delivered line of the user's own order. Photos go through the site's image checks."""
    if not user.is_authenticated:
        raise AccessDenied()
    line = delivered_line(line_id)
    if line is None or line.buyer_id != user.id:
        raise DomainError(_l("You can review only what was delivered to you."))
    if db.session.scalar(select(Review.id).where(Review.order_line_id == line_id)) is not None:
        raise DomainError(_l("You have already reviewed this."))
    body = _check(stars, body)
    uploads = uploads_of(photos)
    if len(uploads) > MAX_PHOTOS:
        raise InvalidFields({"photos": _l("Add at most %(count)d photos.", count=MAX_PHOTOS)})
    review = Review(order_line_id=line.id, product_id=line.product_id, supplier_id=line.supplier_id,
                    shop_id=line.shop_id, author_id=user.id, variant_label=line.variant_label, stars=stars, body=body)
    review.photos = [ReviewPhoto(key=image.key, width=image.width, height=image.height, position=n)
                     for n, image in enumerate(store_images(uploads))]
    review.photo_count = len(review.photos)
    try:
        with db.session.begin_nested():
            db.session.add(review)
    except IntegrityError as error:  # a twin request wrote it a moment ago
        raise DomainError(_l("You have already reviewed this.")) from error
    return review


def can_edit(user: User, review: Review) -> bool:
    return (user.is_authenticated and review.author_id == user.id and review.hidden_reason is None
            and utcnow() - review.created_at <= EDIT_WINDOW)


def edit_review(user: User, review: Review, stars: int | None, body: str) -> None:
    if not user.is_authenticated or review.author_id != user.id:
        raise AccessDenied()
    if not can_edit(user, review):
        raise DomainError(_l("A review can be changed only in its first %(days)d days.", days=EDIT_WINDOW.days))
    review.body = _check(stars, body)
    review.stars, review.edited_at = stars, utcnow()
    db.session.flush()


def is_reviews_supplier(user: User, review: Review) -> bool:
    supplier = supplier_of(user) if user.is_authenticated else None
    return supplier is not None and supplier.id == review.supplier_id


def answer_review(user: User, review: Review, text: str) -> None:
    """The supplier's one official, public answer."""
    if not is_reviews_supplier(user, review):
        raise AccessDenied()
    text = (text or "").strip()
    if not text:
        raise InvalidFields({"answer": _l("Write your answer first.")})
    if len(text) > BODY_MAX:
        raise InvalidFields({"answer": _l("At most %(max)d characters.", max=BODY_MAX)})
    # Conditional, so two answers sent at once cannot both land.
    claimed = db.session.execute(update(Review).where(Review.id == review.id, Review.answer.is_(None))
                                 .values(answer=text, answered_at=utcnow())).rowcount
    if claimed != 1:
        raise DomainError(_l("This review already has your answer."))
    db.session.refresh(review)


def mark_helpful(user: User, review: Review) -> None:
    if not user.is_authenticated:
        raise AccessDenied()
    if review.author_id == user.id:
        raise DomainError(_l("You cannot vote on your own review."))
    try:
        with db.session.begin_nested():
            db.session.add(ReviewVote(review_id=review.id, user_id=user.id))
    except IntegrityError:
        return  # already counted
    db.session.execute(update(Review).where(Review.id == review.id).values(helpful_count=Review.helpful_count + 1)
                       .execution_options(versions_bumped=True))
    # Only its product's pages show the count: a vote does not make every page of the catalog render afresh.
    bump_after_commit(db.session, "product-page",
                      db.session.scalar(select(Product.slug).where(Product.id == review.product_id)))


def report_review(user: User, review: Review, reason: str) -> ReviewReport:
    if not user.is_authenticated:
        raise AccessDenied()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidFields({"reason": _l("Tell the moderators what is wrong.")})
    report = ReviewReport(review_id=review.id, reporter_id=user.id, reason=reason[:1000])
    db.session.add(report)
    db.session.flush()
    return report


def open_review_reports() -> list[ReviewReport]:
    return list(db.session.scalars(select(ReviewReport).where(ReviewReport.resolved_at.is_(None))
                                   .options(selectinload(ReviewReport.review).selectinload(Review.author),
                                            selectinload(ReviewReport.reporter))
                                   .order_by(ReviewReport.created_at)))


def moderate_review(admin: User, review: Review, *, hide: bool, reason: str = "") -> None:
    """Fold (with a reason everyone sees, the author first) or unfold a review; it is never deleted."""
    require_admin(admin)
    reason = (reason or "").strip()
    if hide and not reason:
        raise InvalidFields({"reason": _l("Give a reason; the author and readers will see it.")})
    review.hidden_reason, review.hidden_at = (reason[:500], utcnow()) if hide else (None, None)
    for report in db.session.scalars(select(ReviewReport).where(ReviewReport.review_id == review.id,
                                                                 ReviewReport.resolved_at.is_(None))):
        report.resolved_at = utcnow()
    db.session.flush()


def review_to_ask(user: User, review: Review, prototype: Prototype) -> None:
    """The supplier takes what a buyer said about a product into a prototype's discussion, as a tracked ask."""
    if not is_reviews_supplier(user, review) or prototype.supplier_id != review.supplier_id:
        raise AccessDenied()
    if review.ask_id is not None:
        raise DomainError(_l("This review is already an ask."))
    if prototype.stage in (Stage.DECLINED, Stage.LAUNCHED):
        raise DomainError(_l("Choose a prototype that is still being designed."))
    comment = Comment(prototype_id=prototype.id, author_id=user.id, official=True,
                      body=str(_l("From a verified buyer's review (%(stars)d/5): %(body)s", stars=review.stars,
                                  body=review.body))[:5000])
    db.session.add(comment)
    db.session.flush()
    review.ask_id = make_ask(user, comment).id
    db.session.flush()


# Asking for reviews

def request_reviews(_sender=None, *, order_id: int, **_extra) -> None:
    """Once per order, after delivery: news about the buyer's own order, never promotion."""
    found = order_buyer_and_number(order_id)
    if found is None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(ReviewRequest(order_id=order_id))
    except IntegrityError:
        return  # asked already
    buyer_id, number = found
    notify({buyer_id}, Kind.ORDER_UPDATES, event="review_request", subject=number, link=f"/orders/{number}/review")


# Reading

@dataclass(frozen=True)
class Summary:
    count: int
    average: float | None
    distribution: dict[int, int]  # stars -> visible reviews
    hidden: int

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(stars, count, percent) from five stars down."""
        return [(stars, self.distribution[stars], round(100 * self.distribution[stars] / self.count) if self.count else 0)
                for stars in (5, 4, 3, 2, 1)]


NO_REVIEWS = Summary(0, None, dict.fromkeys(range(1, 6), 0), 0)
READ_WITH_PRODUCT["reviewed"] = lambda product_id: select(Review.id).where(
    Review.product_id == product_id).correlate_except(Review).exists()


def summary(product_id: int) -> Summary:
    """Count, average and distribution of the product's visible reviews, in one query."""
    rows = db.session.execute(select(Review.stars, Review.hidden_reason.is_not(None), func.count(Review.id))
                              .where(Review.product_id == product_id)
                              .group_by(Review.stars, Review.hidden_reason.is_not(None))).all()
    distribution = dict.fromkeys(range(1, 6), 0)
    hidden = 0
    for stars, is_hidden, count in rows:
        if is_hidden:
            hidden += count
        else:
            distribution[stars] += count
    total = sum(distribution.values())
    average = sum(stars * n for stars, n in distribution.items()) / total if total else None
    return Summary(total, average, distribution, hidden)


def reviews_of_product(product_id: int, *, sort: str = "newest", limit: int = 50) -> list[Review]:
    """The product's reviews, folded ones included (the page folds them), in a fixed number of queries."""
    order = {"helpful": (Review.helpful_count.desc(), Review.created_at.desc()),
             "lowest": (Review.stars, Review.created_at.desc()),
             "photos": (case((Review.photo_count > 0, 0), else_=1), Review.created_at.desc())}.get(
        sort, (Review.created_at.desc(),))
    return list(db.session.scalars(select(Review).where(Review.product_id == product_id)
                                   .options(selectinload(Review.photos), selectinload(Review.author))
                                   .order_by(*order, Review.id.desc()).limit(limit)))


def helpful_votes_of(user: User, review_ids: list[int]) -> set[int]:
    if not user.is_authenticated or not review_ids:
        return set()
    return set(db.session.scalars(select(ReviewVote.review_id).where(ReviewVote.user_id == user.id,
                                                                     ReviewVote.review_id.in_(review_ids))))


def lines_to_review(user: User, order_number: str) -> list[tuple]:
    """(delivered line, its review or None) for one of the user's orders."""
    lines = delivered_lines_of(user.id, order_number=order_number)
    reviews = {review.order_line_id: review for review in db.session.scalars(
        select(Review).where(Review.order_line_id.in_([line.id for line in lines])))} if lines else {}
    return [(line, reviews.get(line.id)) for line in lines]


def reviews_to_answer(supplier_id: int) -> list[Review]:
    return list(db.session.scalars(select(Review).where(Review.supplier_id == supplier_id)
                                   .options(selectinload(Review.author), selectinload(Review.photos))
                                   .order_by(Review.answer.is_not(None), Review.created_at.desc()).limit(200)))


def review_counts(product_ids: list[int]) -> dict[int, tuple[int, float]]:
    """{product id: (visible reviews, average stars)} in one query, e.g. for a launched prototype's history."""
    if not product_ids:
        return {}
    rows = db.session.execute(select(Review.product_id, func.count(Review.id), func.avg(Review.stars))
                              .where(Review.product_id.in_(product_ids), Review.hidden_reason.is_(None))
                              .group_by(Review.product_id))
    return {product_id: (count, float(average)) for product_id, count, average in rows}
