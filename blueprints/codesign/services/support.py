"""Supporting a prototype (and the price one would pay), its polls and their votes, and the counts a page
shows: one voice per user, whatever the timing."""
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.cache import bump_after_commit
from blueprints.accounts.models import User
from blueprints.codesign.models import Pledge, Poll, PollOption, PollVote, Prototype, Stage, Support
from blueprints.codesign.services.prototypes import (move_to_stage, require_open, require_participant,
                                                     require_prototype_editor, settle_stage)
from blueprints.columns import utcnow
from blueprints.errors import DomainError, InvalidFields
from extensions import db


def _check_price(prototype: Prototype, would_buy_at: int | None) -> None:
    if would_buy_at is not None and not 0 < would_buy_at <= prototype.target_price * 10:
        raise InvalidFields({"would_buy_at": _l("Name a price from ¥0.01 up to ten times the target price.")})


def support_prototype(user: User, prototype: Prototype, would_buy_at: int | None = None) -> None:
    """Support it (and keep the price, if one is named). The same request twice, or fifty at once, leaves
    one support: never a toggle, so a double click or a second tab cannot take it back."""
    require_participant(user, prototype)
    require_open(prototype)
    _check_price(prototype, would_buy_at)
    mine = (Support.prototype_id == prototype.id, Support.user_id == user.id)
    existing = db.session.scalar(select(Support).where(*mine))
    if existing is not None:
        if would_buy_at is not None:
            existing.would_buy_at = would_buy_at
            db.session.flush()
        return
    try:
        with db.session.begin_nested():
            db.session.add(Support(prototype_id=prototype.id, user_id=user.id, would_buy_at=would_buy_at))
    except IntegrityError:
        # A parallel request got there first: the user supports it, once.
        if would_buy_at is not None:
            db.session.execute(update(Support).where(*mine).values(would_buy_at=would_buy_at))
    _review_at_last_goal(prototype)


def _review_at_last_goal(prototype: Prototype) -> None:
    """Staged goals: the last one reached, the prototype has the support it asked for and goes to review."""
    steps = prototype.support_steps
    if steps and _supporters(prototype) >= steps[-1]:
        move_to_stage(prototype, Stage.REVIEW)
        db.session.flush()


def _supporters(prototype: Prototype) -> int:
    return db.session.scalar(select(func.count(Support.id)).where(Support.prototype_id == prototype.id))


def withdraw_support(user: User, prototype: Prototype) -> None:
    """Take support back; withdrawing what is not there is no change."""
    require_participant(user, prototype)
    require_open(prototype)
    # A statement, not an ORM delete: a parallel request may have removed the row already.
    db.session.execute(delete(Support).where(Support.prototype_id == prototype.id, Support.user_id == user.id))
    bump_after_commit(db.session, "suggestions", user.id)  # a statement: its user's kind is ours to bump


def set_would_buy_at(user: User, prototype: Prototype, would_buy_at: int | None) -> None:
    """The price the supporter would pay; naming one supports the prototype, clearing it keeps the support."""
    require_participant(user, prototype)
    require_open(prototype)
    _check_price(prototype, would_buy_at)
    support = db.session.scalar(select(Support).where(Support.prototype_id == prototype.id,
                                                      Support.user_id == user.id))
    if support is None:
        support_prototype(user, prototype, would_buy_at)
    else:
        support.would_buy_at = would_buy_at
        db.session.flush()


# Polls

VARIANT_OPTIONS = ("colour", "size")


def _poll_fields(prototype: Prototype, question: str, options: list[str], variant_option: str | None,
                 poll: Poll | None = None, options_en=()) -> tuple[str, list[str], str | None, list[str]]:
    labels = [label.strip() for label in options if label.strip()]
    labels_en = [label.strip() for label in options_en if label.strip()]
    variant_option = (variant_option or "").strip() or None
    errors = {}
    if not question.strip():
        errors["question"] = _l("Ask a question.")
    if not 2 <= len(labels) <= 8:
        errors["options"] = _l("Give 2 to 8 answers, one per line.")
    elif len({label.casefold() for label in labels}) != len(labels):
        errors["options"] = _l("Each answer must be different.")
    if labels_en and len(labels_en) != len(labels):
        # Matched line by line: one English answer too few would shift every label after it.
        errors["options_en"] = _l("Give every answer in English, in the same order, or none.")
    if variant_option is not None and variant_option not in VARIANT_OPTIONS:
        errors["variant_option"] = _l("Choose what the answers become.")
    elif variant_option is not None and any(other.variant_option == variant_option and other is not poll
                                            for other in prototype.polls):
        errors["variant_option"] = _l("Another poll already decides this; one poll per option, so launch never "
                                      "has to choose between two results.")
    if errors:
        raise InvalidFields(errors)
    return question.strip(), labels, variant_option, labels_en or [""] * len(labels)


def _require_polls_editable(user: User, prototype: Prototype) -> None:
    require_prototype_editor(user, prototype)
    settle_stage(prototype)
    if prototype.stage not in (Stage.DRAFT, Stage.OPEN):
        raise DomainError(_l("Polls can only be added or changed before the review."))


def add_poll(user: User, prototype: Prototype, question: str, options: list[str],
             variant_option: str | None = None, *, question_en: str = "", options_en=()) -> Poll:
    _require_polls_editable(user, prototype)
    question, labels, variant_option, labels_en = _poll_fields(prototype, question, options, variant_option,
                                                               options_en=options_en)
    poll = Poll(question=question, question_en=question_en.strip()[:200], variant_option=variant_option,
                position=len(prototype.polls), options=_poll_options(labels, labels_en))
    prototype.polls.append(poll)
    db.session.flush()
    return poll


def poll_votes(poll: Poll) -> int:
    return db.session.scalar(select(func.count(PollVote.id)).where(PollVote.poll_id == poll.id))


def poll_vote_counts(prototype: Prototype) -> dict[int, int]:
    """Votes per poll of the prototype, in one query."""
    return dict(db.session.execute(select(PollVote.poll_id, func.count(PollVote.id))
                                   .where(PollVote.poll_id.in_([poll.id for poll in prototype.polls]))
                                   .group_by(PollVote.poll_id)).all())


def _require_no_votes(poll: Poll) -> None:
    # The prototype's row is the lock: a vote cannot land between this check and the change (PostgreSQL).
    db.session.execute(select(Prototype.id).where(Prototype.id == poll.prototype_id).with_for_update())
    if poll_votes(poll):
        raise DomainError(_l("People have voted on this poll: it can no longer change, only close."))


def _poll_options(labels: list[str], labels_en: list[str]) -> list[PollOption]:
    return [PollOption(label=label[:80], label_en=label_en[:80], position=n)
            for n, (label, label_en) in enumerate(zip(labels, labels_en, strict=True))]


def edit_poll(user: User, poll: Poll, question: str, options: list[str], variant_option: str | None, *,
              question_en: str = "", options_en=()) -> None:
    """Until its first vote a poll can be reworded, its answers changed, or what it decides."""
    _require_polls_editable(user, poll.prototype)
    _require_no_votes(poll)
    poll.question, labels, poll.variant_option, labels_en = _poll_fields(
        poll.prototype, question, options, variant_option, poll, options_en=options_en)
    poll.question_en = question_en.strip()[:200]
    poll.options.clear()
    db.session.flush()
    poll.options.extend(_poll_options(labels, labels_en))
    db.session.flush()


def remove_poll(user: User, poll: Poll) -> None:
    _require_polls_editable(user, poll.prototype)
    _require_no_votes(poll)
    poll.prototype.polls.remove(poll)
    db.session.flush()


def close_poll(user: User, poll: Poll) -> None:
    """No more votes: its result stands, and becomes the variants if it decides an option."""
    require_prototype_editor(user, poll.prototype)
    if poll.closed_at is None:
        poll.closed_at = utcnow()
        db.session.flush()


def vote(user: User, option: PollOption) -> None:
    poll = option.poll
    require_participant(user, poll.prototype)
    require_open(poll.prototype)
    if poll.closed_at is not None:
        raise DomainError(_l("This poll is closed: its result stands."))
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


def winning_options(poll: Poll) -> list[PollOption]:
    """The most-voted answer (ties all win), or every answer when nobody voted."""
    counts = Counter(dict(db.session.execute(select(PollVote.option_id, func.count(PollVote.id))
                                             .where(PollVote.poll_id == poll.id).group_by(PollVote.option_id)).all()))
    if not counts:
        return list(poll.options)
    best = max(counts.values())
    return [option for option in poll.options if counts.get(option.id, 0) == best]


@dataclass
class VariantPlan:
    """What launch will make: each deciding poll with its winning answers, and the variants they combine into."""
    results: list[tuple[Poll, list[PollOption]]]
    variants: list[dict[str, str]]
    variants_en: list[dict[str, str]]  # the same variants, with the answers' English labels


def variant_plan(prototype: Prototype) -> VariantPlan:
    """The one place launch and its preview read the poll results from, so the preview is what launch does."""
    results = [(poll, winning_options(poll)) for poll in prototype.polls if poll.variant_option]
    variants = [({}, {})]
    for poll, winners in results:
        variants = [({**chinese, poll.variant_option: option.label}, {**english, poll.variant_option: option.label_en})
                    for chinese, english in variants for option in winners]
    return VariantPlan(results, [chinese for chinese, _ in variants], [english for _, english in variants])


# Counting

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
    """Counts for one prototype page, always summed from the rows (never a stored number that drifts): the
    counts with the viewer's own support and pledge in one statement, the polls' votes with theirs in another."""
    prototype_id = prototype.id
    viewer_id = user.id if user.is_authenticated else None  # matches no row: user_id is never NULL
    mine = (Support.prototype_id == prototype_id, Support.user_id == viewer_id)
    counts = db.session.execute(select(
        select(func.count(Support.id)).where(Support.prototype_id == prototype_id).scalar_subquery()
        .label("supporters"),
        select(func.coalesce(func.sum(Pledge.quantity), 0)).where(Pledge.prototype_id == prototype_id)
        .scalar_subquery().label("pledged"),
        select(Support.id).where(*mine).exists().label("supported_by_me"),
        select(Support.would_buy_at).where(*mine).scalar_subquery().label("my_would_buy_at"),
        select(Pledge.quantity).where(Pledge.prototype_id == prototype_id, Pledge.user_id == viewer_id)
        .scalar_subquery().label("my_pledge"),
    )).one()
    result = Tally(supporters=counts.supporters, pledged=counts.pledged, supported_by_me=bool(counts.supported_by_me),
                   my_would_buy_at=counts.my_would_buy_at, my_pledge=counts.my_pledge or 0)
    if poll_ids := [poll.id for poll in prototype.polls]:
        for poll_id, option_id, votes, voted in db.session.execute(
                select(PollVote.poll_id, PollVote.option_id, func.count(PollVote.id),
                       func.max(case((PollVote.user_id == viewer_id, 1), else_=0)))
                .where(PollVote.poll_id.in_(poll_ids)).group_by(PollVote.poll_id, PollVote.option_id)):
            result.votes[option_id] = votes
            if voted:
                result.my_votes[poll_id] = option_id
    return result
