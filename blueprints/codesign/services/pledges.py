"""Pledges: a promise to buy units at the early-bird price if the prototype is made, and the early-bird
offer that promise earns once it is on sale. How much of an offer was already bought is for orders to say
(orders.early_bird asks here, never the other way round)."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.cache import bump_after_commit
from blueprints.accounts.models import User
from blueprints.codesign.models import Pledge, Prototype
from blueprints.codesign.services import news
from blueprints.codesign.services.prototypes import require_open, require_participant, require_signed_in
from blueprints.columns import utcnow
from blueprints.errors import InvalidFields
from blueprints.money import current_rates, listing_price_floor
from extensions import db

EARLY_BIRD_DAYS = 7


def pledge(user: User, prototype: Prototype, quantity: int) -> Pledge:
    require_participant(user, prototype)
    require_open(prototype)
    if quantity is None or not 1 <= quantity <= 99:
        raise InvalidFields({"quantity": _l("Pledge from 1 to 99 units.")})
    # Pledges on one prototype take turns (PostgreSQL), so the one that reaches the goal sees it reached.
    db.session.execute(select(Prototype.id).where(Prototype.id == prototype.id).with_for_update())
    first = db.session.scalar(select(Pledge.id).where(Pledge.prototype_id == prototype.id,
                                                      Pledge.user_id == user.id)) is None
    made = _record_pledge(user, prototype, quantity)
    if first:  # a changed quantity is not news for the supplier's inbox; a new backer is
        news.tell_supplier(prototype, "new_pledge", news.page_of(prototype))
    _tell_if_goal_reached(prototype)
    return made


def pledged_units(prototype: Prototype) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Pledge.quantity), 0))
                             .where(Pledge.prototype_id == prototype.id))


def _tell_if_goal_reached(prototype: Prototype) -> None:
    """The first time pledges reach the MOQ, every pledger hears at once; the page marks the moment."""
    if prototype.goal_reached_at is not None or pledged_units(prototype) < prototype.moq:
        return
    now = utcnow()
    if db.session.execute(update(Prototype).where(Prototype.id == prototype.id, Prototype.goal_reached_at.is_(None))
                          .values(goal_reached_at=now)).rowcount:
        prototype.goal_reached_at = now
        news.tell(news.pledgers(prototype), prototype, "goal_reached")


def _record_pledge(user: User, prototype: Prototype, quantity: int) -> Pledge:
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
    require_signed_in(user)
    require_open(prototype)
    db.session.execute(delete(Pledge).where(Pledge.prototype_id == prototype.id, Pledge.user_id == user.id))
    bump_after_commit(db.session, "suggestions", user.id)  # a statement: its user's kind is ours to bump


# The early-bird promise

def _early_bird_open(prototype: Prototype) -> bool:
    """The offer holds for 7 days after the product first went on sale, and only if the MOQ was reached."""
    product = prototype.product
    if product is None or product.published_at is None:
        return False
    if utcnow() - product.published_at > timedelta(days=EARLY_BIRD_DAYS):
        return False
    return pledged_units(prototype) >= prototype.moq


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
