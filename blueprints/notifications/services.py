"""Who hears about what. Nothing but a user's own orders reaches them unless they opted in."""
from sqlalchemy import func, select, update

from blueprints.accounts.models import User
from blueprints.columns import utcnow
from blueprints.notifications.models import DEFAULT_ON, Kind, Notification, NotificationPreference
from extensions import db


def preferences(user: User) -> dict[Kind, bool]:
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.in_site)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, kind in DEFAULT_ON) for kind in Kind}


def set_preference(user: User, kind: Kind, in_site: bool) -> None:
    preference = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                                                        NotificationPreference.kind == kind))
    if preference is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, in_site=in_site))
    else:
        preference.in_site = in_site
    db.session.flush()


def opted_in(user_ids: set[int], kind: Kind) -> set[int]:
    if not user_ids:
        return set()
    rows = dict(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.in_site)
                                   .where(NotificationPreference.user_id.in_(user_ids),
                                          NotificationPreference.kind == kind)).all())
    return {user_id for user_id in user_ids if rows.get(user_id, kind in DEFAULT_ON)}


def notify(user_ids: set[int], kind: Kind, *, event: str, subject: str, link: str) -> int:
    """Send to those of `user_ids` who want this kind; returns how many were sent."""
    recipients = opted_in(set(user_ids), kind)
    db.session.add_all(Notification(user_id=user_id, kind=kind, event=event, subject=subject[:200], link=link)
                       for user_id in sorted(recipients))
    db.session.flush()
    return len(recipients)


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def recent(user: User, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
