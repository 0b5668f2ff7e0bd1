"""Which prototypes the public may see and take part in, written once: every list and page (the board, a
prototype's page, search, suggestions, share links) asks here rather than repeating the rule, and other
rooms read co-design through these functions rather than joining on its tables."""
from datetime import datetime

from sqlalchemy import BindParameter, Select, select

from blueprints.codesign.models import Prototype, Stage
from blueprints.columns import utcnow
from blueprints.suppliers.models import Supplier, SupplierStatus
from extensions import db


def public_prototype_conditions() -> tuple:
    """Prototypes the public may see: past draft, not hidden by a moderator, from a verified supplier
    (join Prototype.supplier). `is_public_prototype` is the same rule for one loaded prototype."""
    return (Prototype.stage != Stage.DRAFT, Prototype.hidden_reason.is_(None),
            Supplier.status == SupplierStatus.VERIFIED)


def is_public_prototype(prototype: Prototype) -> bool:
    """`public_prototype_conditions` for one loaded prototype."""
    return (prototype.stage != Stage.DRAFT and prototype.hidden_reason is None
            and prototype.supplier.status == SupplierStatus.VERIFIED)


def open_conditions(now: datetime | BindParameter | None = None) -> tuple:
    """Prototypes taking supports, votes, pledges and comments at `now` (a time, or a bound parameter for a
    statement built once): open, and before their deadline (`Prototype.stage_at(now) == Stage.OPEN` in SQL; past
    it they are in review, recorded or not)."""
    return Prototype.stage == Stage.OPEN, Prototype.deadline > (utcnow() if now is None else now)


def visible_prototypes() -> Select:
    return select(Prototype).join(Prototype.supplier).where(*public_prototype_conditions())


def open_prototypes(now: datetime | None = None) -> Select:
    """Prototypes the public may see and take part in."""
    return visible_prototypes().where(*open_conditions(now))


def public_prototype(slug: str) -> Prototype | None:
    """The prototype at /codesign/<slug>, if the public may see it."""
    return db.session.scalar(visible_prototypes().where(Prototype.slug == slug))
