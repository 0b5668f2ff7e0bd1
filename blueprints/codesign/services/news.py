"""Who hears what became of a prototype: everyone who took part (supporters, voters, pledgers, commenters)
hears of its goal, its decline, its launch; the person behind a comment hears its official answer, what became
of their ask and the update that credits them; the supplier's staff hear of new comments and reports. All of it
is the reader's own activity, never promotion, and telling thousands costs the same few statements as one."""
from sqlalchemy import select, union

from blueprints.bilingual import bilingual
from blueprints.codesign.models import Comment, Pledge, Poll, PollVote, Prototype, Support
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.suppliers.models import SupplierMember
from extensions import db


def _staff(supplier_id: int):
    return select(SupplierMember.user_id).where(SupplierMember.supplier_id == supplier_id)


def participants(prototype: Prototype) -> set[int]:
    """Everyone who supported, voted on, pledged to or commented on it (its supplier's staff aside), in one query."""
    taking_part = union(
        select(Support.user_id.label("user_id")).where(Support.prototype_id == prototype.id),
        select(Pledge.user_id).where(Pledge.prototype_id == prototype.id),
        select(PollVote.user_id).join(Poll, Poll.id == PollVote.poll_id).where(Poll.prototype_id == prototype.id),
        select(Comment.author_id).where(Comment.prototype_id == prototype.id, Comment.deleted_at.is_(None)),
    ).subquery()
    return set(db.session.scalars(select(taking_part.c.user_id)
                                  .where(taking_part.c.user_id.not_in(_staff(prototype.supplier_id)))))


def pledgers(prototype: Prototype) -> set[int]:
    return set(db.session.scalars(select(Pledge.user_id).where(Pledge.prototype_id == prototype.id)))


def page_of(prototype: Prototype, part: str = "") -> str:
    return f"/codesign/{prototype.slug}{part}"


def tell(user_ids: set[int], prototype: Prototype, event: str, link: str | None = None) -> int:
    return notify(user_ids, Kind.SUPPORTED_PROTOTYPES, event=event, subject=bilingual(prototype, "title"),
                  link=link or page_of(prototype))


def tell_participants(prototype: Prototype, event: str, link: str | None = None) -> int:
    return tell(participants(prototype), prototype, event, link)


def tell_supplier(prototype: Prototype, event: str, link: str) -> int:
    """The supplier's staff hear of new comments and reports on their prototype."""
    return notify(set(db.session.scalars(_staff(prototype.supplier_id))), Kind.MY_ACTIVITY, event=event,
                  subject=bilingual(prototype, "title"), link=link)
