"""A participant's co-design timeline (/my/codesign): everything they backed, each prototype's stage, and what
changed because of them. A fixed number of queries however much they took part in."""
from dataclasses import dataclass, field

from sqlalchemy import select, union
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.codesign.models import (Ask, Comment, Pledge, Poll, PollVote, Prototype, PrototypeUpdate, Support,
                                        UpdateCause)
from extensions import db


@dataclass
class Backed:
    prototype: Prototype
    supported: bool = False
    pledged: int = 0
    voted: bool = False
    commented: bool = False
    because_of_me: list[PrototypeUpdate] = field(default_factory=list)


def timeline(user: User) -> list[Backed]:
    supported = set(db.session.scalars(select(Support.prototype_id).where(Support.user_id == user.id)))
    pledged = dict(db.session.execute(select(Pledge.prototype_id, Pledge.quantity)
                                      .where(Pledge.user_id == user.id)).all())
    voted = set(db.session.scalars(select(Poll.prototype_id).join(PollVote, PollVote.poll_id == Poll.id)
                                   .where(PollVote.user_id == user.id)))
    commented = set(db.session.scalars(select(Comment.prototype_id).where(Comment.author_id == user.id,
                                                                         Comment.deleted_at.is_(None))))
    ids = supported | set(pledged) | voted | commented
    if not ids:
        return []
    prototypes = db.session.scalars(select(Prototype).where(Prototype.id.in_(ids), Prototype.hidden_reason.is_(None))
                                    .options(joinedload(Prototype.supplier), joinedload(Prototype.product),
                                             selectinload(Prototype.images))
                                    .order_by(Prototype.created_at.desc(), Prototype.id.desc()))
    mine = select(Comment.id).where(Comment.author_id == user.id)
    my_asks = select(Ask.id).where(Ask.comment_id.in_(mine))
    crediting = union(select(UpdateCause.update_id).where(UpdateCause.comment_id.in_(mine)),
                      select(UpdateCause.update_id).where(UpdateCause.ask_id.in_(my_asks)),
                      select(UpdateCause.update_id).join(Ask, Ask.merged_into_id == UpdateCause.ask_id)
                      .where(Ask.comment_id.in_(mine))).subquery()
    changes: dict[int, list[PrototypeUpdate]] = {}
    for update in db.session.scalars(select(PrototypeUpdate).where(PrototypeUpdate.id.in_(select(crediting)))
                                     .order_by(PrototypeUpdate.created_at.desc())):
        changes.setdefault(update.prototype_id, []).append(update)
    return [Backed(prototype, prototype.id in supported, pledged.get(prototype.id, 0), prototype.id in voted,
                   prototype.id in commented, changes.get(prototype.id, [])) for prototype in prototypes]
