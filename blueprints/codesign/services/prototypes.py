"""A prototype's life: a verified supplier creates and edits it, moves it through its stages, and the
board and its page show it. Also the checks every way of taking part shares."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.accounts.sessions import READ_WITH_SIGN_IN, facts_read_with_sign_in
from blueprints.catalog.models import Category
from blueprints.catalog.services import in_category
from blueprints.codesign.models import Pledge, Poll, Prototype, PrototypeImage, Stage, Support
from blueprints.codesign.services import news
from blueprints.codesign.queries import is_public_prototype, open_conditions, public_prototype_conditions
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import delete_image, store_images
from blueprints.slugs import unique_slug
from blueprints.suppliers.models import Supplier, SupplierMember
from blueprints.suppliers.services import require_verified_supplier
from extensions import db

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
    support_goals: str = ""  # "100, 500, 1000": staged goals, the last moves it to review
    title_en: str = ""
    description_en: str = ""
    specs_en: str = ""


# Suppliers

def require_prototype_editor(user: User, prototype: Prototype) -> None:
    if require_verified_supplier(user).id != prototype.supplier_id:
        raise AccessDenied()


def is_member_of_supplier(user: User, supplier_id: int) -> bool:
    if not user.is_authenticated:
        return False
    facts = facts_read_with_sign_in(user)
    if facts is not None and not facts["acts_for_a_supplier"]:
        return False  # as their sign-in read: a shared prototype page asks it of every member viewing it
    return db.session.scalar(select(SupplierMember.user_id).where(SupplierMember.user_id == user.id,
                                                                  SupplierMember.supplier_id == supplier_id)) is not None


READ_WITH_SIGN_IN["acts_for_a_supplier"] = lambda user_id: select(SupplierMember.user_id).where(
    SupplierMember.user_id == user_id).exists()


def _check(details: PrototypeDetails) -> None:
    errors = {}
    if not details.title.strip():
        errors["title"] = _l("Give the prototype a title in Chinese.")
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
    try:
        _support_goals(details.support_goals)
    except ValueError:
        errors["support_goals"] = _l("Up to five whole numbers of supporters, each larger than the last, "
                                     "like 100, 500, 1000.")
    if errors:
        raise InvalidFields(errors)


def _support_goals(text: str) -> str:
    goals = [int(part) for part in (text or "").replace("，", ",").split(",") if part.strip()]
    if len(goals) > 5 or any(goal < 1 for goal in goals) or goals != sorted(set(goals)):
        raise ValueError(text)
    return ",".join(str(goal) for goal in goals)


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
    settle_stage(prototype)
    if prototype.stage not in (Stage.DRAFT, Stage.OPEN):
        raise DomainError(_l("Only a draft or open prototype can be edited."))
    _check(details)
    if prototype.stage == Stage.DRAFT and details.title.strip() != prototype.title:
        # Nobody outside has seen a draft's address yet: it follows the new title.
        prototype.slug = unique_slug(Prototype.slug, details.title, fallback="prototype")
    for name, value in _fields(details).items():
        setattr(prototype, name, value)
    db.session.flush()


def _fields(details: PrototypeDetails) -> dict:
    return {"title": details.title.strip(), "description": details.description.strip(), "specs": details.specs.strip(),
            "title_en": details.title_en.strip(), "description_en": details.description_en.strip(),
            "specs_en": details.specs_en.strip(),
            "category_id": details.category_id, "target_price": details.target_price,
            "early_bird_price": details.early_bird_price, "moq": details.moq, "deadline": details.deadline,
            "support_goals": _support_goals(details.support_goals)}


def add_images(user: User, prototype: Prototype, uploads) -> None:
    require_prototype_editor(user, prototype)
    stored = store_images(uploads)
    first = len(prototype.images)
    prototype.images.extend(PrototypeImage(key=s.key, width=s.width, height=s.height, position=first + n)
                            for n, s in enumerate(stored))
    db.session.flush()


def change_image(user: User, prototype: Prototype, image_id: int, action: str) -> None:
    """Remove a picture, or move it one place earlier or later (the first is the cover)."""
    require_prototype_editor(user, prototype)
    images = list(prototype.images)
    index = next((n for n, image in enumerate(images) if image.id == image_id), None)
    if index is None:
        raise DomainError(_l("That picture is not on this prototype."))
    if action == "remove":
        prototype.images.remove(images[index])
        db.session.flush()
        delete_image(images[index].key)
        images.pop(index)
    elif action in ("earlier", "later"):
        other = index - 1 if action == "earlier" else index + 1
        if 0 <= other < len(images):
            images[index], images[other] = images[other], images[index]
    for position, image in enumerate(images):
        image.position = position
    db.session.flush()


# Stages

def settle_stage(prototype: Prototype, now: datetime | None = None) -> None:
    """Record the stage the prototype is in by now: an open one past its deadline goes to review, as
    `flask close-prototypes` would have done. Every action on a prototype starts here."""
    now = now or utcnow()
    stage = prototype.stage_at(now)
    if stage != prototype.stage:
        prototype.stage = stage
        db.session.flush()
        _void_pledges_if_short(prototype, now)


def _void_pledges_if_short(prototype: Prototype, now: datetime) -> None:
    """The deadline passed below the MOQ: the pledges are void, and every pledger hears so, once."""
    pledged = db.session.scalar(select(func.coalesce(func.sum(Pledge.quantity), 0))
                                .where(Pledge.prototype_id == prototype.id))
    if not pledged or pledged >= prototype.moq:
        return
    # Claimed by a conditional update: a command and a request settling it at once tell pledgers once.
    claimed = db.session.execute(update(Prototype).where(Prototype.id == prototype.id,
                                                         Prototype.pledges_voided_at.is_(None))
                                 .values(pledges_voided_at=now)).rowcount
    if claimed:
        prototype.pledges_voided_at = now
        news.tell(news.pledgers(prototype), prototype, "pledges_void")


def move_to_stage(prototype: Prototype, to: Stage) -> None:
    settle_stage(prototype)
    if to not in TRANSITIONS[prototype.stage]:
        raise DomainError(_l("A prototype cannot go from this stage to that one."))
    prototype.stage = to


def open_prototype(user: User, prototype: Prototype) -> None:
    require_prototype_editor(user, prototype)
    if prototype.deadline <= utcnow():
        raise DomainError(_l("Move the feedback deadline into the future first."))
    first_time = prototype.opened_at is None
    move_to_stage(prototype, Stage.OPEN)
    prototype.opened_at = utcnow()
    db.session.flush()
    if first_time:
        prototype_opened.send(prototype)


def close_for_review(user: User, prototype: Prototype) -> None:
    require_prototype_editor(user, prototype)
    move_to_stage(prototype, Stage.REVIEW)
    db.session.flush()


def close_due_prototypes(now: datetime | None = None) -> list[Prototype]:
    """Open prototypes past their deadline go to review (`flask close-prototypes`). Until it runs, pages
    show them in review already and actions on them record it first (`settle_stage`)."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Prototype).where(Prototype.stage == Stage.OPEN, Prototype.deadline <= now)))
    for prototype in due:
        settle_stage(prototype, now)
    return due


def accept(user: User, prototype: Prototype) -> None:
    require_prototype_editor(user, prototype)
    move_to_stage(prototype, Stage.ACCEPTED)
    db.session.flush()


DECLINE_REASON_MAX = 2000


def decline(user: User, prototype: Prototype, reason: str, *, confirmed: bool = True) -> None:
    """Final: everyone who took part is told, so the supplier confirms it first."""
    require_prototype_editor(user, prototype)
    settle_stage(prototype)
    if Stage.DECLINED not in TRANSITIONS[prototype.stage]:
        raise DomainError(_l("A prototype cannot go from this stage to that one."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _l("Say why, in a sentence or two: everyone who took part will read it.")
    elif len(reason) > DECLINE_REASON_MAX:
        errors["reason"] = _l("At most %(max)d characters; this has %(count)d.", max=DECLINE_REASON_MAX,
                              count=len(reason))
    if not confirmed:
        errors["confirm"] = _l("Tick the box: declining is final, and everyone who took part will be told.")
    if errors:
        raise InvalidFields(errors)
    move_to_stage(prototype, Stage.DECLINED)
    prototype.decline_reason = reason.strip()
    db.session.flush()
    news.tell_participants(prototype, "declined")


# What every way of taking part checks first

def require_signed_in(user: User) -> None:
    if not user.is_authenticated:
        raise AccessDenied()


def require_participant(user: User, prototype: Prototype) -> None:
    """Supports, votes and pledges are the public's voice: the supplier's own staff answer, they do not count."""
    require_signed_in(user)
    if is_member_of_supplier(user, prototype.supplier_id):
        raise DomainError(_l("You work for the supplier of this prototype: your support, votes and pledges "
                             "would not be the public's, so they are not counted."))


def require_open(prototype: Prototype) -> None:
    """Refuse a support, vote, pledge or comment unless the prototype takes them now; past its deadline it
    goes to review first (though a refused action keeps nothing, so the command still records that)."""
    settle_stage(prototype)
    if prototype.stage != Stage.OPEN or prototype.hidden_reason:
        raise DomainError(_l("This prototype is no longer taking votes, pledges or comments."))


# Reading

def prototype_for_page(slug: str, viewer: User) -> Prototype | None:
    # Two round trips: the prototype with its pictures, supplier and category, then its polls with their options
    # (joining both collections into the first would multiply rows, pictures × options).
    prototype = db.session.scalars(_prototype_page_statement(), {"slug": slug}).unique().one_or_none()
    if prototype is None:
        return None
    if is_public_prototype(prototype) or (viewer.is_authenticated and viewer.is_admin):
        return prototype
    return prototype if is_member_of_supplier(viewer, prototype.supplier_id) else None


@cache
def _prototype_page_statement():
    # Built once, as the product page's is.
    return select(Prototype).where(Prototype.slug == bindparam("slug")).options(
        joinedload(Prototype.images), selectinload(Prototype.polls).joinedload(Poll.options),
        joinedload(Prototype.supplier), joinedload(Prototype.category))


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
             .where(*public_prototype_conditions(), *open_conditions(now))
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
