"""The discussion under a prototype: comments and replies, likes, reports, and moderators hiding what
breaks the rules (its author still sees it, with the reason)."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.accounts.sessions import READ_WITH_SIGN_IN, facts_read_with_sign_in
from blueprints.bilingual import bilingual
from blueprints.codesign.models import Comment, CommentLike, Prototype, Report
from blueprints.codesign.services import news
from blueprints.codesign.services.prototypes import is_member_of_supplier, require_open, require_signed_in
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.suppliers.services import require_admin
from extensions import db

COMMENT_MAX = 5000
EDIT_WINDOW = timedelta(minutes=15)


def check_body(body: str) -> str:
    """A comment's (or an update's) text, trimmed; refused when empty or too long."""
    body = (body or "").strip()
    if not body:
        raise InvalidFields({"body": _l("Write something first.")})
    if len(body) > COMMENT_MAX:
        raise InvalidFields({"body": _l("A comment can be at most %(max)d characters; this one has %(count)d.",
                                        max=COMMENT_MAX, count=len(body))})
    return body


def add_comment(user: User, prototype: Prototype, body: str, parent: Comment | None = None) -> Comment:
    require_signed_in(user)
    require_open(prototype)
    body = check_body(body)
    if parent is not None:
        if parent.prototype_id != prototype.id:
            raise DomainError(_l("That comment belongs to another prototype."))
        replied_to = parent.author_id
        parent = db.session.get(Comment, parent.parent_id) if parent.parent_id else parent  # one level deep
    comment = Comment(prototype_id=prototype.id, author_id=user.id, parent_id=parent.id if parent else None,
                      body=body, official=is_member_of_supplier(user, prototype.supplier_id))
    db.session.add(comment)
    db.session.flush()
    link = news.page_of(prototype, f"#comment-{comment.id}")
    if parent is not None and replied_to != user.id:
        notify({replied_to}, Kind.REPLIES, event="official_answer" if comment.official else "reply",
               subject=bilingual(prototype, "title"), link=link)
    if not comment.official:
        news.tell_supplier(prototype, "new_comment", link)
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
    comment.body = check_body(body)
    comment.edited_at = utcnow()
    db.session.flush()


def delete_comment(user: User, comment: Comment) -> None:
    if not user.is_authenticated or comment.author_id != user.id:
        raise AccessDenied()
    comment.deleted_at = utcnow()
    db.session.flush()


def toggle_like(user: User, comment: Comment) -> bool:
    require_signed_in(user)
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


# Moderation

def report(user: User, prototype: Prototype, reason: str, comment: Comment | None = None) -> Report:
    require_signed_in(user)
    if not (reason or "").strip():
        raise InvalidFields({"reason": _l("Tell the moderators what is wrong.")})
    flag = Report(reporter_id=user.id, prototype_id=prototype.id, comment_id=comment.id if comment else None,
                  reason=reason.strip()[:1000])
    db.session.add(flag)
    db.session.flush()
    news.tell_supplier(prototype, "new_report", f"/supplier/prototypes/{prototype.id}/edit#comments")
    return flag


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


def editable_among(user: User, comment_ids: list[int]) -> dict[int, str]:
    """The text of each of these comments `user` may still edit (their own, in its first 15 minutes)."""
    if not user.is_authenticated or not comment_ids:
        return {}
    # Narrowed in SQL to what may still be editable; can_edit stays the rule.
    own = db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids), Comment.author_id == user.id,
                                                   Comment.deleted_at.is_(None),
                                                   Comment.created_at >= utcnow() - EDIT_WINDOW))
    return {comment.id: comment.body for comment in own if can_edit(user, comment)}


def sees_hidden_comments(viewer: User, prototype_slug: str) -> bool:
    """Whether `viewer` sees comments on this prototype that a visitor does not (comments_for's rule): a moderator
    sees every hidden comment, an author their own."""
    return viewer.is_authenticated and (viewer.is_admin or has_hidden_comment(viewer, prototype_slug))


def has_hidden_comment(user: User, prototype_slug: str) -> bool:
    """Whether a moderator hid a comment of `user`'s on this prototype: they still see it, where others see
    nothing. Asked only of the few who have one hidden anywhere, which their sign-in tells."""
    facts = facts_read_with_sign_in(user)
    if facts is not None and not facts["has_hidden_comment"]:
        return False
    return db.session.scalar(_hidden_comment_of(user.id).where(
        Comment.prototype_id == select(Prototype.id).where(Prototype.slug == prototype_slug).scalar_subquery())
        .select())


def _hidden_comment_of(user_id):
    return select(Comment.id).where(Comment.author_id == user_id, Comment.hidden_reason.is_not(None)).exists()


# Read with a member's sign-in on a shared page (accounts/sessions.py), so the prototype page can tell whether
# its shared copy, which leaves hidden comments out, is theirs too without asking.
READ_WITH_SIGN_IN["has_hidden_comment"] = _hidden_comment_of


def liked_by(user: User, prototype: Prototype) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(CommentLike.comment_id).join(Comment, Comment.id == CommentLike.comment_id)
                                  .where(CommentLike.user_id == user.id, Comment.prototype_id == prototype.id)))
