"""Co-design rules: the prototype lifecycle, one voice per user, and the loop back into the catalog."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.catalog.models import Category, Product, ProductImage, ProductStatus, Variant
from blueprints.catalog.services import in_category
from blueprints.codesign.models import (Ask, AskStatus, Comment, CommentLike, Pledge, Poll, PollOption, PollVote,
                                        Prototype, PrototypeImage, PrototypeUpdate, Report, Stage, Support,
                                        UpdateCause)
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import image_path, store_image, store_images
from blueprints.money import BASIS_POINTS, current_rates, listing_price_floor
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.slugs import unique_slug
from blueprints.suppliers.models import Supplier, SupplierMember, SupplierStatus
from blueprints.suppliers.services import require_admin, require_verified_supplier
from extensions import db

COMMENT_MAX = 5000
EDIT_WINDOW = timedelta(minutes=15)
EARLY_BIRD_DAYS = 7

TRANSITIONS = {
    Stage.DRAFT: {Stage.OPEN},
    Stage.OPEN: {Stage.REVIEW},
    Stage.REVIEW: {Stage.ACCEPTED, Stage.DECLINED},
    Stage.ACCEPTED: {Stage.LAUNCHED},
    Stage.DECLINED: set(),
    Stage.LAUNCHED: set(),
}

# Sent the first time a prototype opens for feedback (keyword subscribers hear about it).
prototype_opened = Namespace().signal("prototype-opened")


@dataclass(frozen=True)
class PrototypeDetails:
    title: str
    description: str
    specs: str
    category_id: int
    target_price: int
    early_bird_price: int
    moq: int
    deadline: datetime


# Suppliers

def require_prototype_editor(user: User, prototype: Prototype) -> None:
    if require_verified_supplier(user).id != prototype.supplier_id:
        raise AccessDenied()


def is_member_of_supplier(user: User, supplier_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return db.session.scalar(select(SupplierMember.user_id).where(SupplierMember.user_id == user.id,
                                                                  SupplierMember.supplier_id == supplier_id)) is not None


def _check(details: PrototypeDetails) -> None:
    errors = {}
    if db.session.get(Category, details.category_id) is None:
        errors["category_id"] = _l("Choose a category.")
    if details.target_price is None or details.target_price <= 0:
        errors["target_price"] = _l("The target price must be more than zero.")
    elif details.early_bird_price is None or not 0 < details.early_bird_price <= details.target_price:
        errors["early_bird_price"] = _l("The early-bird price must be above zero and at most the target price.")
    if details.moq is None or details.moq < 1:
        errors["moq"] = _l("The minimum order quantity must be at least 1.")
    if details.deadline is None or details.deadline <= utcnow():
        errors["deadline"] = _l("The feedback deadline must be in the future.")
    if errors:
        raise InvalidFields(errors)


def create_prototype(user: User, details: PrototypeDetails) -> Prototype:
    supplier = require_verified_supplier(user)
    _check(details)
    prototype = Prototype(supplier_id=supplier.id, slug=unique_slug(Prototype.slug, details.title, fallback="prototype"),
                          **_fields(details))
    db.session.add(prototype)
    db.session.flush()
    return prototype


def update_prototype(user: User, prototype: Prototype, details: PrototypeDetails) -> None:
    require_prototype_editor(user, prototype)
    if prototype.stage not in (Stage.DRAFT, Stage.OPEN):
        raise DomainError(_l("Only a draft or open prototype can be edited."))
    _check(details)
    for name, value in _fields(details).items():
        setattr(prototype, name, value)
    db.session.flush()


def _fields(details: PrototypeDetails) -> dict:
    return {"title": details.title.strip(), "description": details.description.strip(), "specs": details.specs.strip(),
            "category_id": details.category_id, "target_price": details.target_price,
            "early_bird_price": details.early_bird_price, "moq": details.moq, "deadline": details.deadline}


def add_images(user: User, prototype: Prototype, uploads) -> None:
    require_prototype_editor(user, prototype)
    stored = store_images(uploads)
    first = len(prototype.images)
    prototype.images.extend(PrototypeImage(key=s.key, width=s.width, height=s.height, position=first + n)
                            for n, s in enumerate(stored))
    db.session.flush()


def add_poll(user: User, prototype: Prototype, question: str, options: list[str],
             variant_option: str | None = None) -> Poll:
    require_prototype_editor(user, prototype)
    if prototype.stage not in (Stage.DRAFT, Stage.OPEN):
        raise DomainError(_l("Polls can only be added before the review."))
    labels = [label.strip() for label in options if label.strip()]
    errors = {}
    if not question.strip():
        errors["question"] = _l("Ask a question.")
    if not 2 <= len(labels) <= 8:
        errors["options"] = _l("Give 2 to 8 answers, one per line.")
    elif len({label.casefold() for label in labels}) != len(labels):
        errors["options"] = _l("Each answer must be different.")
    if errors:
        raise InvalidFields(errors)
    poll = Poll(question=question.strip(), variant_option=(variant_option or "").strip() or None,
                position=len(prototype.polls),
                options=[PollOption(label=label[:80], position=n) for n, label in enumerate(labels)])
    prototype.polls.append(poll)
    db.session.flush()
    return poll


def _move(prototype: Prototype, to: Stage) -> None:
    if to not in TRANSITIONS[prototype.stage]:
        raise DomainError(_l("A prototype cannot go from this stage to that one."))
    prototype.stage = to


def open_prototype(user: User, prototype: Prototype) -> None:
    require_prototype_editor(user, prototype)
    if prototype.deadline <= utcnow():
        raise DomainError(_l("Move the feedback deadline into the future first."))
    first_time = prototype.opened_at is None
    _move(prototype, Stage.OPEN)
    prototype.opened_at = utcnow()
    db.session.flush()
    if first_time:
        prototype_opened.send(prototype)


def close_for_review(user: User, prototype: Prototype) -> None:
    require_prototype_editor(user, prototype)
    _move(prototype, Stage.REVIEW)
    db.session.flush()


def close_due_prototypes(now: datetime | None = None) -> list[Prototype]:
    """Open prototypes past their deadline go to review (a command, and checked on every read)."""
    due = list(db.session.scalars(select(Prototype).where(Prototype.stage == Stage.OPEN,
                                                          Prototype.deadline <= (now or utcnow()))))
    for prototype in due:
        prototype.stage = Stage.REVIEW
    db.session.flush()
    return due


def accept(user: User, prototype: Prototype) -> None:
    require_prototype_editor(user, prototype)
    _move(prototype, Stage.ACCEPTED)
    db.session.flush()


def decline(user: User, prototype: Prototype, reason: str) -> None:
    require_prototype_editor(user, prototype)
    if not reason.strip():
        raise InvalidFields({"reason": _l("Say why, in a sentence or two: everyone who took part will read it.")})
    _move(prototype, Stage.DECLINED)
    prototype.decline_reason = reason.strip()
    db.session.flush()


def winning_options(poll: Poll) -> list[PollOption]:
    """The most-voted answer (ties all win), or every answer when nobody voted."""
    counts = Counter(dict(db.session.execute(select(PollVote.option_id, func.count(PollVote.id))
                                             .where(PollVote.poll_id == poll.id).group_by(PollVote.option_id)).all()))
    if not counts:
        return list(poll.options)
    best = max(counts.values())
    return [option for option in poll.options if counts.get(option.id, 0) == best]


def launch(user: User, prototype: Prototype) -> Product:
    """Accepted -> launched: a draft catalog product carrying the prototype's text, pictures and chosen options."""
    require_prototype_editor(user, prototype)
    _move(prototype, Stage.LAUNCHED)
    rates = current_rates()
    # A first guess the supplier edits: a supply price that leaves the platform's fees inside the
    # early-bird price, so pledgers' orders never cost the platform money.
    supply = max(1, prototype.early_bird_price * (BASIS_POINTS - rates.commission_bp - rates.referral_bp)
                 // BASIS_POINTS)
    target = max(prototype.target_price, listing_price_floor(supply, rates))
    product = Product(supplier_id=prototype.supplier_id, category_id=prototype.category_id, title=prototype.title,
                      slug=unique_slug(Product.slug, prototype.title, fallback="product"),
                      description=prototype.description + ("\n\n" + prototype.specs if prototype.specs else ""),
                      status=ProductStatus.DRAFT, supply_price=supply, suggested_price=target,
                      min_price=max(supply, prototype.early_bird_price), max_price=target * 13 // 10)
    db.session.add(product)
    db.session.flush()
    for n, image in enumerate(prototype.images):
        db.session.add(ProductImage(product_id=product.id, key=_copy_image(image.key), width=image.width,
                                    height=image.height, position=n))
    combos = [{}]
    for poll in prototype.polls:
        if poll.variant_option:
            combos = [{**combo, poll.variant_option: option.label} for combo in combos
                      for option in winning_options(poll)]
    for n, options in enumerate(combos):
        db.session.add(Variant(product_id=product.id, sku=f"P{prototype.id}-{product.id}-{n + 1:02d}", options=options,
                               stock_on_hand=0, position=n))
    prototype.product_id = product.id
    db.session.flush()
    return product


def _copy_image(key: str) -> str:
    """The product gets its own copies, so removing one never breaks the other."""
    with image_path(key, "display").open("rb") as original:
        return store_image(original).key


# Taking part

def _require_open(prototype: Prototype) -> None:
    if prototype.stage != Stage.OPEN or prototype.hidden_reason:
        raise DomainError(_l("This prototype is no longer taking votes, pledges or comments."))


def _require_user(user: User) -> None:
    if not user.is_authenticated:
        raise AccessDenied()


def _check_price(prototype: Prototype, would_buy_at: int | None) -> None:
    if would_buy_at is not None and not 0 < would_buy_at <= prototype.target_price * 10:
        raise InvalidFields({"would_buy_at": _l("Name a price from ¥0.01 up to ten times the target price.")})


def toggle_support(user: User, prototype: Prototype, would_buy_at: int | None = None) -> bool:
    """Support, or take support back; returns whether the user now supports it."""
    _require_user(user)
    _require_open(prototype)
    _check_price(prototype, would_buy_at)
    mine = (Support.prototype_id == prototype.id, Support.user_id == user.id)
    if db.session.scalar(select(Support.id).where(*mine)) is not None:
        # A statement, not an ORM delete: a parallel click may have removed the row already.
        db.session.execute(delete(Support).where(*mine))
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Support(prototype_id=prototype.id, user_id=user.id, would_buy_at=would_buy_at))
    except IntegrityError:
        pass  # a parallel click got there first: the user supports it, once
    return True


def set_would_buy_at(user: User, prototype: Prototype, would_buy_at: int | None) -> None:
    _require_user(user)
    _require_open(prototype)
    _check_price(prototype, would_buy_at)
    support = db.session.scalar(select(Support).where(Support.prototype_id == prototype.id,
                                                      Support.user_id == user.id))
    if support is None:
        toggle_support(user, prototype, would_buy_at)
    else:
        support.would_buy_at = would_buy_at
        db.session.flush()


def vote(user: User, option: PollOption) -> None:
    _require_user(user)
    poll = option.poll
    _require_open(poll.prototype)
    existing = db.session.scalar(select(PollVote).where(PollVote.poll_id == poll.id, PollVote.user_id == user.id))
    if existing is not None:
        existing.option_id = option.id
        db.session.flush()
        return
    try:
        with db.session.begin_nested():
            db.session.add(PollVote(poll_id=poll.id, option_id=option.id, user_id=user.id))
    except IntegrityError:
        # A parallel click voted first; the latest choice wins, and there is still one vote.
        db.session.execute(PollVote.__table__.update().where(PollVote.poll_id == poll.id,
                                                             PollVote.user_id == user.id).values(option_id=option.id))


def pledge(user: User, prototype: Prototype, quantity: int) -> Pledge:
    _require_user(user)
    _require_open(prototype)
    if quantity is None or not 1 <= quantity <= 99:
        raise InvalidFields({"quantity": _l("Pledge from 1 to 99 units.")})
    existing = db.session.scalar(select(Pledge).where(Pledge.prototype_id == prototype.id, Pledge.user_id == user.id))
    if existing is not None:
        existing.quantity = quantity
        db.session.flush()
        return existing
    try:
        with db.session.begin_nested():
            created = Pledge(prototype_id=prototype.id, user_id=user.id, quantity=quantity)
            db.session.add(created)
    except IntegrityError:
        created = db.session.scalar(select(Pledge).where(Pledge.prototype_id == prototype.id,
                                                         Pledge.user_id == user.id))
        created.quantity = quantity
    db.session.flush()
    return created


def cancel_pledge(user: User, prototype: Prototype) -> None:
    _require_user(user)
    _require_open(prototype)
    db.session.execute(delete(Pledge).where(Pledge.prototype_id == prototype.id, Pledge.user_id == user.id))


# Comments

def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidFields({"body": _l("Write something first.")})
    if len(body) > COMMENT_MAX:
        raise InvalidFields({"body": _l("A comment can be at most %(max)d characters; this one has %(count)d.",
                                        max=COMMENT_MAX, count=len(body))})
    return body


def add_comment(user: User, prototype: Prototype, body: str, parent: Comment | None = None) -> Comment:
    _require_user(user)
    _require_open(prototype)
    body = _check_body(body)
    if parent is not None:
        if parent.prototype_id != prototype.id:
            raise DomainError(_l("That comment belongs to another prototype."))
        replied_to = parent.author_id
        parent = db.session.get(Comment, parent.parent_id) if parent.parent_id else parent  # one level deep
    comment = Comment(prototype_id=prototype.id, author_id=user.id, parent_id=parent.id if parent else None,
                      body=body, official=is_member_of_supplier(user, prototype.supplier_id))
    db.session.add(comment)
    db.session.flush()
    if parent is not None and replied_to != user.id:
        notify({replied_to}, Kind.REPLIES, event="reply", subject=prototype.title,
               link=f"/codesign/{prototype.slug}#comment-{comment.id}")
    return comment


def can_edit(user: User, comment: Comment) -> bool:
    """Its author may edit a comment in its first 15 minutes."""
    return (user.is_authenticated and comment.author_id == user.id and comment.deleted_at is None
            and utcnow() - comment.created_at <= EDIT_WINDOW)


def edit_comment(user: User, comment: Comment, body: str) -> None:
    if not user.is_authenticated or comment.author_id != user.id:
        raise AccessDenied()
    if not can_edit(user, comment):
        raise DomainError(_l("A comment can only be edited in the first 15 minutes."))
    comment.body = _check_body(body)
    comment.edited_at = utcnow()
    db.session.flush()


def delete_comment(user: User, comment: Comment) -> None:
    if not user.is_authenticated or comment.author_id != user.id:
        raise AccessDenied()
    comment.deleted_at = utcnow()
    db.session.flush()


def toggle_like(user: User, comment: Comment) -> bool:
    _require_user(user)
    mine = (CommentLike.comment_id == comment.id, CommentLike.user_id == user.id)
    if db.session.scalar(select(CommentLike.id).where(*mine)) is not None:
        db.session.execute(delete(CommentLike).where(*mine))
        return False
    try:
        with db.session.begin_nested():
            db.session.add(CommentLike(comment_id=comment.id, user_id=user.id))
    except IntegrityError:
        pass
    return True


def report(user: User, prototype: Prototype, reason: str, comment: Comment | None = None) -> Report:
    _require_user(user)
    if not (reason or "").strip():
        raise InvalidFields({"reason": _l("Tell the moderators what is wrong.")})
    flag = Report(reporter_id=user.id, prototype_id=prototype.id, comment_id=comment.id if comment else None,
                  reason=reason.strip()[:1000])
    db.session.add(flag)
    db.session.flush()
    return flag


# Asks and updates

def make_ask(user: User, comment: Comment) -> Ask:
    prototype = db.session.get(Prototype, comment.prototype_id)
    require_prototype_editor(user, prototype)
    existing = db.session.scalar(select(Ask).where(Ask.comment_id == comment.id))
    if existing is not None:
        return existing
    ask = Ask(prototype_id=prototype.id, comment_id=comment.id)
    db.session.add(ask)
    db.session.flush()
    return ask


def answer_ask(user: User, ask: Ask, status: AskStatus, answer: str) -> None:
    require_prototype_editor(user, db.session.get(Prototype, ask.prototype_id))
    ask.status, ask.answer = status, (answer or "").strip()
    db.session.flush()


def post_update(user: User, prototype: Prototype, body: str, *, ask_ids=(), comment_ids=(), poll_ids=()) -> PrototypeUpdate:
    require_prototype_editor(user, prototype)
    body = _check_body(body)
    update = PrototypeUpdate(prototype_id=prototype.id, author_id=user.id, body=body)
    own = lambda model, ids: list(db.session.scalars(select(model.id).where(model.id.in_(ids),  # noqa: E731
                                                                             model.prototype_id == prototype.id)))
    update.causes = ([UpdateCause(ask_id=i) for i in own(Ask, ask_ids)]
                     + [UpdateCause(comment_id=i) for i in own(Comment, comment_ids)]
                     + [UpdateCause(poll_id=i) for i in own(Poll, poll_ids)])
    db.session.add(update)
    db.session.flush()
    return update


# Moderation

def open_reports() -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.resolved_at.is_(None))
                                   .options(joinedload(Report.comment).joinedload(Comment.author),
                                            joinedload(Report.prototype), joinedload(Report.reporter))
                                   .order_by(Report.created_at)))


def moderate(admin: User, *, prototype: Prototype, comment: Comment | None, hide: bool, reason: str) -> None:
    """Hide (with a reason its author sees) or restore a comment or prototype; resolves its reports."""
    require_admin(admin)
    if hide and not (reason or "").strip():
        raise InvalidFields({"reason": _l("Give a reason; the author will see it.")})
    target = comment if comment is not None else prototype
    target.hidden_reason = reason.strip() if hide else None
    reports = select(Report).where(Report.resolved_at.is_(None), Report.prototype_id == prototype.id,
                                   Report.comment_id == comment.id if comment else Report.comment_id.is_(None))
    for flag in db.session.scalars(reports):
        flag.resolved_at = utcnow()
    db.session.flush()


# Reading

@dataclass
class Tally:
    supporters: int = 0
    pledged: int = 0
    supported_by_me: bool = False
    my_pledge: int = 0
    my_would_buy_at: int | None = None
    votes: dict[int, int] = field(default_factory=dict)      # option id -> votes
    my_votes: dict[int, int] = field(default_factory=dict)   # poll id -> option id


def tally(prototype: Prototype, user: User) -> Tally:
    """Counts for one prototype page, always summed from the rows (never a stored number that drifts)."""
    result = Tally()
    result.supporters = db.session.scalar(select(func.count(Support.id)).where(Support.prototype_id == prototype.id))
    result.pledged = db.session.scalar(select(func.coalesce(func.sum(Pledge.quantity), 0))
                                       .where(Pledge.prototype_id == prototype.id))
    poll_ids = [poll.id for poll in prototype.polls]
    if poll_ids:
        result.votes = dict(db.session.execute(select(PollVote.option_id, func.count(PollVote.id))
                                               .where(PollVote.poll_id.in_(poll_ids))
                                               .group_by(PollVote.option_id)).all())
    if user.is_authenticated:
        support = db.session.scalar(select(Support).where(Support.prototype_id == prototype.id,
                                                          Support.user_id == user.id))
        result.supported_by_me = support is not None
        result.my_would_buy_at = support.would_buy_at if support else None
        result.my_pledge = db.session.scalar(select(Pledge.quantity).where(Pledge.prototype_id == prototype.id,
                                                                           Pledge.user_id == user.id)) or 0
        if poll_ids:
            result.my_votes = dict(db.session.execute(select(PollVote.poll_id, PollVote.option_id)
                                                      .where(PollVote.poll_id.in_(poll_ids),
                                                             PollVote.user_id == user.id)).all())
    return result


def public_prototype_conditions() -> tuple:
    """Prototypes the public may see: past draft, not hidden by a moderator, from a verified supplier
    (join Prototype.supplier). `prototype_for_page` applies the same rule to one loaded prototype."""
    return (Prototype.stage != Stage.DRAFT, Prototype.hidden_reason.is_(None),
            Supplier.status == SupplierStatus.VERIFIED)


def prototype_for_page(slug: str, viewer: User) -> Prototype | None:
    prototype = db.session.scalar(select(Prototype).where(Prototype.slug == slug).options(
        selectinload(Prototype.images), selectinload(Prototype.polls).selectinload(Poll.options),
        joinedload(Prototype.supplier), joinedload(Prototype.category)))
    if prototype is None:
        return None
    own = is_member_of_supplier(viewer, prototype.supplier_id)
    public = (prototype.stage != Stage.DRAFT and prototype.supplier.status == SupplierStatus.VERIFIED
              and not prototype.hidden_reason)
    return prototype if public or own or (viewer.is_authenticated and viewer.is_admin) else None


def comments_for(prototype: Prototype, viewer: User, order: str = "newest") -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments with their replies; moderated ones stay visible only to their author."""
    # Only this prototype's likes: counting every like on the site would read the whole table.
    likes = (select(CommentLike.comment_id, func.count(CommentLike.id).label("likes"))
             .where(CommentLike.comment_id.in_(select(Comment.id).where(Comment.prototype_id == prototype.id)))
             .group_by(CommentLike.comment_id).subquery())
    rows = db.session.execute(select(Comment, func.coalesce(likes.c.likes, 0))
                              .outerjoin(likes, likes.c.comment_id == Comment.id)
                              .where(Comment.prototype_id == prototype.id)
                              # Authors by primary key in a second query: joining them in makes the
                              # planner hash the whole users table.
                              .options(selectinload(Comment.author)).order_by(Comment.created_at, Comment.id)).all()
    viewer_id = viewer.id if viewer.is_authenticated else None
    counts = {}
    visible = []
    for comment, like_count in rows:
        counts[comment.id] = like_count
        comment.like_count = like_count
        if comment.hidden_reason and comment.author_id != viewer_id and not (viewer_id and viewer.is_admin):
            continue
        visible.append(comment)
    replies = {}
    for comment in visible:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    top = [comment for comment in visible if comment.parent_id is None]
    if order == "liked":
        top.sort(key=lambda c: (-counts[c.id], -c.id))
    else:
        top.sort(key=lambda c: (c.created_at, c.id), reverse=True)
    return [(comment, replies.get(comment.id, [])) for comment in top]


def liked_by(user: User, prototype: Prototype) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(CommentLike.comment_id).join(Comment, Comment.id == CommentLike.comment_id)
                                  .where(CommentLike.user_id == user.id, Comment.prototype_id == prototype.id)))


def asks_for(prototype: Prototype, *, public: bool = True) -> list[Ask]:
    """The prototype's asks; the public never sees one whose comment was deleted or hidden by a moderator."""
    query = (select(Ask).join(Ask.comment).where(Ask.prototype_id == prototype.id)
             .options(joinedload(Ask.comment).joinedload(Comment.author)).order_by(Ask.updated_at.desc(), Ask.id.desc()))
    if public:
        query = query.where(Comment.deleted_at.is_(None), Comment.hidden_reason.is_(None))
    return list(db.session.scalars(query))


def updates_for(prototype: Prototype) -> list[PrototypeUpdate]:
    return list(db.session.scalars(
        select(PrototypeUpdate).where(PrototypeUpdate.prototype_id == prototype.id)
        .options(selectinload(PrototypeUpdate.causes).joinedload(UpdateCause.ask).joinedload(Ask.comment)
                 .joinedload(Comment.author),
                 selectinload(PrototypeUpdate.causes).joinedload(UpdateCause.comment).joinedload(Comment.author),
                 selectinload(PrototypeUpdate.causes).joinedload(UpdateCause.poll))
        .order_by(PrototypeUpdate.created_at.desc(), PrototypeUpdate.id.desc())))


def open_prototypes():
    """Open prototypes the public may see and take part in: not hidden, from a verified supplier."""
    return (select(Prototype).join(Prototype.supplier)
            .where(Prototype.stage == Stage.OPEN, Prototype.hidden_reason.is_(None),
                   Supplier.status == SupplierStatus.VERIFIED))


SORTS = ("trending", "newest", "closing", "supported", "moq")


def board(*, sort: str = "trending", category: Category | None = None, now: datetime | None = None):
    """Open prototypes with their counts, in one query however many there are."""
    now = now or utcnow()
    supporters = (select(Support.prototype_id, func.count(Support.id).label("n"),
                         func.sum(case((Support.created_at >= now - timedelta(days=7), 1), else_=0)).label("recent"))
                  .group_by(Support.prototype_id).subquery())
    pledged = (select(Pledge.prototype_id, func.sum(Pledge.quantity).label("units"))
               .group_by(Pledge.prototype_id).subquery())
    support_count = func.coalesce(supporters.c.n, 0)
    recent = func.coalesce(supporters.c.recent, 0)
    units = func.coalesce(pledged.c.units, 0)
    query = (select(Prototype, support_count, units)
             .join(Prototype.supplier).outerjoin(supporters, supporters.c.prototype_id == Prototype.id)
             .outerjoin(pledged, pledged.c.prototype_id == Prototype.id)
             .where(Prototype.stage == Stage.OPEN, Prototype.hidden_reason.is_(None),
                    Supplier.status == SupplierStatus.VERIFIED)
             .options(selectinload(Prototype.images), joinedload(Prototype.supplier)))
    if category is not None:
        query = query.where(in_category(Prototype.category_id, category))
    order = {"newest": [Prototype.opened_at.desc()], "closing": [Prototype.deadline.asc()],
             "supported": [support_count.desc()], "moq": [(units * 1.0 / Prototype.moq).desc()],
             "trending": [recent.desc(), support_count.desc()]}.get(sort, [recent.desc(), support_count.desc()])
    return [(prototype, count, pledged_units) for prototype, count, pledged_units
            in db.session.execute(query.order_by(*order, Prototype.id.desc())).all()]


def supplier_prototypes(supplier: Supplier) -> list[Prototype]:
    return list(db.session.scalars(select(Prototype).where(Prototype.supplier_id == supplier.id)
                                   .options(selectinload(Prototype.images)).order_by(Prototype.created_at.desc())))


# The loop back

def origin_of(product: Product) -> Prototype | None:
    return db.session.scalar(select(Prototype).where(Prototype.product_id == product.id))


@dataclass
class CoDesignStory:
    prototype: Prototype
    supporters: int
    pledged: int
    changes: list[PrototypeUpdate]
    asks_done: list[Ask]
    contributors: list[User]


def co_design_story(product: Product) -> CoDesignStory | None:
    prototype = origin_of(product)
    if prototype is None:
        return None
    counts = tally(prototype, AnonymousUserMixin())
    asks = [ask for ask in asks_for(prototype) if ask.status == AskStatus.DONE]
    staff = select(SupplierMember.user_id).where(SupplierMember.supplier_id == prototype.supplier_id)
    author_ids = set(db.session.scalars(
        select(Comment.author_id).where(Comment.prototype_id == prototype.id, Comment.deleted_at.is_(None),
                                        Comment.hidden_reason.is_(None), Comment.author_id.not_in(staff))))
    contributors = list(db.session.scalars(select(User).where(User.id.in_(author_ids), User.credit_contributions)
                                           .order_by(User.display_name))) if author_ids else []
    return CoDesignStory(prototype, counts.supporters, counts.pledged, updates_for(prototype), asks, contributors)


def _early_bird_open(prototype: Prototype) -> bool:
    """The offer holds for 7 days after the product first went on sale, and only if the MOQ was reached."""
    product = prototype.product
    if product is None or product.published_at is None:
        return False
    if utcnow() - product.published_at > timedelta(days=EARLY_BIRD_DAYS):
        return False
    pledged = db.session.scalar(select(func.coalesce(func.sum(Pledge.quantity), 0))
                                .where(Pledge.prototype_id == prototype.id))
    return pledged >= prototype.moq


def early_bird_price(prototype: Prototype) -> int:
    """What a pledger pays: the promised price, unless the supplier's supply price has since risen so far that
    the platform would pay to sell at it (then the lowest price that does not)."""
    return max(prototype.early_bird_price, listing_price_floor(prototype.product.supply_price, current_rates()))


def open_early_bird_pledge(user_id: int, product_id: int) -> Pledge | None:
    """The user's pledge on the prototype this product came from, while its early-bird offer holds. How much
    of it was already bought is for orders to say (see orders.early_bird)."""
    found = db.session.scalar(select(Pledge).join(Pledge.prototype)
                              .where(Prototype.product_id == product_id, Pledge.user_id == user_id))
    return found if found is not None and _early_bird_open(found.prototype) else None


def early_bird_pledge(pledge_id: int, user_id: int | None, product_id: int) -> Pledge | None:
    """This pledge, if its early-bird offer holds for this user and product: not another user's pledge,
    another product, the week is over or the MOQ was not reached."""
    found = db.session.get(Pledge, pledge_id)
    if found is None or found.user_id != user_id:
        return None
    prototype = found.prototype
    return found if prototype.product_id == product_id and _early_bird_open(prototype) else None


def tell_supporters_of_launch(product: Product, **_extra) -> None:
    """A co-designed product went on sale: supporters and pledgers who opted in hear about it."""
    prototype = origin_of(product)
    if prototype is not None:
        notify(supporters_and_pledgers(prototype), Kind.SUPPORTED_PROTOTYPES, event="launched",
               subject=product.title, link=f"/p/{product.slug}")


def supporters_and_pledgers(prototype: Prototype) -> set[int]:
    return (set(db.session.scalars(select(Support.user_id).where(Support.prototype_id == prototype.id)))
            | set(db.session.scalars(select(Pledge.user_id).where(Pledge.prototype_id == prototype.id))))


@dataclass
class Analytics:
    support_by_day: list[tuple[date, int]]   # cumulative supporters at the end of each day
    price_buckets: list[tuple[int, int, int]]  # (from, to, how many would buy in that range), in fen
    target_price: int
    polls: list[tuple[Poll, list[tuple[PollOption, int]]]]
    pledged: int
    top_comments: list[tuple[Comment, int]]


def analytics(prototype: Prototype) -> Analytics:
    supports = list(db.session.execute(select(Support.created_at, Support.would_buy_at)
                                       .where(Support.prototype_id == prototype.id)
                                       .order_by(Support.created_at)).all())
    by_day = Counter(created.date() for created, _price in supports)
    start = (prototype.opened_at or prototype.created_at).date()
    end = max([start, *by_day], default=start)
    days, total, day = [], 0, start
    while day <= end:
        total += by_day.get(day, 0)
        days.append((day, total))
        day += timedelta(days=1)
    prices = [price for _created, price in supports if price]
    buckets = []
    if prices:
        # About eight whole-yuan buckets spanning the answers and the target, not starting from zero.
        lowest, highest = min(prices + [prototype.target_price]), max(prices + [prototype.target_price])
        step = max(100, ((highest - lowest) // 8 // 100 + 1) * 100)
        for low in range(lowest // step * step, highest + 1, step):
            buckets.append((low, low + step - 1, sum(1 for price in prices if low <= price < low + step)))
    counts = tally(prototype, AnonymousUserMixin())
    polls = [(poll, [(option, counts.votes.get(option.id, 0)) for option in poll.options]) for poll in prototype.polls]
    liked = [(comment, replies) for comment, replies in comments_for(prototype, AnonymousUserMixin(), "liked")]
    top = sorted(((comment, comment.like_count) for comment, _replies in liked if comment.deleted_at is None),
                 key=lambda pair: -pair[1])[:5]
    return Analytics(days, buckets, prototype.target_price, polls, counts.pledged, top)
