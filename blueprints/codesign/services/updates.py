"""What the supplier does with feedback: comments taken on as asks (with a status and an answer), and
updates on the timeline naming the asks, comments and polls that caused them."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.codesign.models import Ask, AskStatus, Comment, Poll, Prototype, PrototypeUpdate, UpdateCause
from blueprints.codesign.services import news
from blueprints.codesign.services.comments import check_body
from blueprints.codesign.services.prototypes import require_prototype_editor
from blueprints.errors import DomainError
from extensions import db


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
    prototype = db.session.get(Prototype, ask.prototype_id)
    require_prototype_editor(user, prototype)
    answer = (answer or "").strip()
    changed = (ask.status, ask.answer) != (status, answer)
    ask.status, ask.answer = status, answer
    db.session.flush()
    if changed:
        news.tell({ask.comment.author_id} - {user.id}, prototype, f"ask_{status.value}",
                  news.page_of(prototype, "#asks"))


def merge_asks(user: User, duplicate: Ask, keep: Ask) -> None:
    """Two asks for the same thing become one: updates that credited the duplicate credit the one kept, and the
    duplicate's person is credited by what the kept one causes from now on."""
    prototype = db.session.get(Prototype, keep.prototype_id)
    require_prototype_editor(user, prototype)
    if duplicate.id == keep.id or duplicate.prototype_id != keep.prototype_id or keep.merged_into_id:
        raise DomainError(_l("Choose another ask of this prototype to merge into."))
    db.session.execute(update(UpdateCause).where(UpdateCause.ask_id == duplicate.id).values(ask_id=keep.id))
    db.session.execute(update(Ask).where(Ask.merged_into_id == duplicate.id).values(merged_into_id=keep.id))
    duplicate.merged_into_id = keep.id
    db.session.flush()


def credited_comments(ask_ids):
    """The comments behind these asks and the duplicates merged into them."""
    return select(Ask.comment_id).where(or_(Ask.id.in_(ask_ids), Ask.merged_into_id.in_(ask_ids)))


def post_update(user: User, prototype: Prototype, body: str, *, ask_ids=(), comment_ids=(), poll_ids=()) -> PrototypeUpdate:
    require_prototype_editor(user, prototype)
    body = check_body(body)
    update = PrototypeUpdate(prototype_id=prototype.id, author_id=user.id, body=body)
    own = lambda model, ids: list(db.session.scalars(select(model.id).where(model.id.in_(ids),  # noqa: E731
                                                                             model.prototype_id == prototype.id)))
    update.causes = ([UpdateCause(ask_id=i) for i in own(Ask, ask_ids)]
                     + [UpdateCause(comment_id=i) for i in own(Comment, comment_ids)]
                     + [UpdateCause(poll_id=i) for i in own(Poll, poll_ids)])
    db.session.add(update)
    db.session.flush()
    credited = set(db.session.scalars(
        select(Comment.author_id).where(Comment.deleted_at.is_(None), Comment.id.in_(
            select(UpdateCause.comment_id).where(UpdateCause.update_id == update.id)
            .union(credited_comments(select(UpdateCause.ask_id).where(UpdateCause.update_id == update.id)))))))
    news.tell(credited - {user.id}, prototype, "credited", news.page_of(prototype, "#updates"))
    return update


# Reading

def asks_for(prototype: Prototype, *, public: bool = True) -> list[Ask]:
    """The prototype's asks; the public never sees one whose comment was deleted or hidden by a moderator."""
    query = (select(Ask).join(Ask.comment).where(Ask.prototype_id == prototype.id, Ask.merged_into_id.is_(None))
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
