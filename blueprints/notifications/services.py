"""Who hears about what, and how. News of a user's own activity (OWN_ACTIVITY) always reaches their bell and
goes by email as they chose; promotion reaches nobody who did not opt in, and is capped per day: what is over
the cap waits for the daily digest. Telling thousands takes the same few statements as telling one."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, insert, select, update

from blueprints.accounts.models import User
from blueprints.bilingual import BilingualText
from blueprints.columns import utcnow
from blueprints.errors import InvalidFields
from blueprints.notifications import mail
from blueprints.notifications.models import (CHOOSABLE, DEFAULT_DAILY_CAP, DEFAULT_ON, OWN_ACTIVITY, PROMOTIONAL,
                                             Channel, Kind, Notification, NotificationPreference,
                                             NotificationSettings, OutboxEmail)
from extensions import db

MAX_DAILY_CAP = 20


@dataclass(frozen=True)
class Wants:
    in_site: bool
    email: bool

    @property
    def anything(self) -> bool:
        return self.in_site or self.email


def _default(kind: Kind) -> Wants:
    return Wants((kind, Channel.IN_SITE) in DEFAULT_ON, (kind, Channel.EMAIL) in DEFAULT_ON)


def _effective(kind: Kind, wants: Wants) -> Wants:
    """Own activity is always in the bell, whatever a stored row says."""
    return Wants(True, wants.email) if kind in OWN_ACTIVITY else wants


def preferences(user: User) -> dict[Kind, Wants]:
    chosen = {row.kind: Wants(row.in_site, row.email) for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return {kind: _effective(kind, chosen.get(kind, _default(kind))) for kind in CHOOSABLE}


def set_preference(user: User, kind: Kind, *, in_site: bool, email: bool) -> None:
    preference = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                                                        NotificationPreference.kind == kind))
    if preference is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, in_site=in_site, email=email))
    else:
        preference.in_site, preference.email = in_site, email
    db.session.flush()


def daily_cap(user: User) -> int:
    return db.session.scalar(select(NotificationSettings.daily_cap)
                             .where(NotificationSettings.user_id == user.id)) or DEFAULT_DAILY_CAP


def set_daily_cap(user: User, cap: int | None) -> None:
    if cap is None or not 1 <= cap <= MAX_DAILY_CAP:
        raise InvalidFields({"daily_cap": _l("Choose a number from 1 to %(most)d.", most=MAX_DAILY_CAP)})
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        db.session.add(NotificationSettings(user_id=user.id, daily_cap=cap))
    else:
        settings.daily_cap = cap
    db.session.flush()


def _wants(user_ids: set[int], kind: Kind) -> dict[int, Wants]:
    rows = {row.user_id: Wants(row.in_site, row.email) for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids),
                                             NotificationPreference.kind == kind))}
    return {user_id: _effective(kind, rows.get(user_id, _default(kind))) for user_id in user_ids}


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _promotional_sent_today(user_ids: set[int], now: datetime) -> dict[int, int]:
    return dict(db.session.execute(
        select(Notification.user_id, func.count(Notification.id))
        .where(Notification.user_id.in_(user_ids), Notification.kind.in_(PROMOTIONAL),
               Notification.held.is_(False), Notification.created_at >= start_of_day(now))
        .group_by(Notification.user_id)).all())


def _caps(user_ids: set[int]) -> dict[int, int]:
    chosen = dict(db.session.execute(select(NotificationSettings.user_id, NotificationSettings.daily_cap)
                                     .where(NotificationSettings.user_id.in_(user_ids))).all())
    return {user_id: chosen.get(user_id, DEFAULT_DAILY_CAP) for user_id in user_ids}


def _readers_locales(user_ids: set[int], subject: "BilingualText | str") -> dict[int, str]:
    """Each reader's language, looked up only when the subject reads differently in the two."""
    if not isinstance(subject, BilingualText) or subject.in_language("zh_Hans") == subject.in_language("en"):
        return {}
    return dict(db.session.execute(select(User.id, User.locale).where(User.id.in_(user_ids))).all())


def _subject_for(subject: "BilingualText | str", locale: str | None) -> str:
    if isinstance(subject, BilingualText):
        # No chosen language: the one their emails are written in.
        return subject.in_language(locale or current_app.config["BABEL_DEFAULT_LOCALE"])[:200]
    return subject[:200]


def notify(user_ids, kind: Kind, *, event: str, subject: "BilingualText | str", link: str,
           now: datetime | None = None) -> int:
    """Tell those of `user_ids` who want this kind, on the channels they chose; returns how many were told (held
    for the digest counts as told). Own activity reaches every one of them. A fixed number of statements
    however many people: one to read their choices, one for their email addresses, one insert into the
    bell and one into the outbox (two more to count the cap, for promotion; one more for the readers' languages
    when the subject is catalog text that reads differently in Chinese and English)."""
    now = now or utcnow()
    user_ids = set(user_ids)
    wanted = {user_id: wants for user_id, wants in _wants(user_ids, kind).items() if wants.anything} \
        if user_ids else {}
    if not wanted:
        return 0
    held = set()
    if kind in PROMOTIONAL:
        sent, caps = _promotional_sent_today(set(wanted), now), _caps(set(wanted))
        held = {user_id for user_id in wanted if sent.get(user_id, 0) >= caps[user_id]}
    emailed = {user_id for user_id, wants in wanted.items() if wants.email and user_id not in held}
    locales = _readers_locales(set(wanted), subject)
    db.session.execute(insert(Notification), [
        {"user_id": user_id, "kind": kind, "event": event, "subject": _subject_for(subject, locales.get(user_id)),
         "link": link,
         "in_site": wants.in_site, "by_email": wants.email, "held": user_id in held, "created_at": now}
        for user_id, wants in sorted(wanted.items())])
    if emailed:
        users = db.session.scalars(select(User).where(User.id.in_(emailed)).order_by(User.id))
        db.session.execute(insert(OutboxEmail), [mail.notification_email(
            user, kind, event=event, subject=_subject_for(subject, user.locale), link=link) for user in users])
    return len(wanted)


def _shown():
    return Notification.in_site.is_(True), Notification.held.is_(False)


def _of_kinds(kinds) -> tuple:
    return (Notification.kind.in_(kinds),) if kinds is not None else ()


def unread_count(user: User, kinds=None) -> int:
    """Unread in the bell (`kinds`: only these, as a supplier's inbox counts its own)."""
    return db.session.scalar(unread_count_of(user.id, kinds))


def unread_count_of(user_id: int, kinds=None) -> Select:
    """unread_count's statement: the header asks it, as a subquery, beside its other counts."""
    return (select(func.count(Notification.id))
            .where(Notification.user_id == user_id, Notification.read_at.is_(None), *_shown(), *_of_kinds(kinds)))


def recent(user: User, limit: int = 100, kinds=None) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id, *_shown(),
                                                              *_of_kinds(kinds))
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))


def open_notification(user: User, notification_id: int) -> str | None:
    """Marks one of the user's notifications read; returns where it points, or None if it is not theirs."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification.link


def send_digests(now: datetime | None = None) -> int:
    """Folds what the cap held back before today into one digest per user; returns how many were sent.
    The digest itself is not capped: it is the one message the cap promised."""
    now = now or utcnow()
    due = (Notification.held.is_(True), Notification.created_at < start_of_day(now))
    user_ids = list(db.session.scalars(select(Notification.user_id).where(*due).distinct()))
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    sent = 0
    for user_id in user_ids:
        # Claimed by a conditional update: a second run at the same time finds nothing left to fold.
        # Folded ones count as read through the digest, so the bell counts the digest once.
        claimed = list(db.session.scalars(update(Notification).where(Notification.user_id == user_id, *due)
                                          .values(held=False, read_at=now).returning(Notification.id)))
        if not claimed:
            continue
        notifications = list(db.session.scalars(select(Notification).where(Notification.id.in_(claimed))
                                                .order_by(Notification.created_at, Notification.id)
                                                .execution_options(populate_existing=True)))
        sent += 1
        in_site = any(notification.in_site for notification in notifications)
        if in_site:
            db.session.add(Notification(user_id=user_id, kind=Kind.DIGEST, event="digest",
                                        subject=str(len(notifications)), link="/my/notifications", created_at=now))
        emailed = [notification for notification in notifications if notification.by_email]
        if emailed:
            mail.queue_digest(users[user_id], emailed)
    db.session.flush()
    return sent


def unsubscribe(user_id: int, kind: Kind) -> list[Kind]:
    """Stops emails of `kind` (the digest stands for every promotional kind); returns the kinds stopped."""
    kinds = sorted(PROMOTIONAL) if kind == Kind.DIGEST else [kind]
    user = db.session.get(User, user_id)
    if user is None:
        return []
    current = preferences(user)
    for each in kinds:
        set_preference(user, each, in_site=current[each].in_site, email=False)
    return kinds
