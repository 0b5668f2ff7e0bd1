"""Email through an outbox: notifications queue rows here in the same transaction as everything else,
and `flask send-outbox` sends them. Each row is claimed with a conditional update before it is sent,
so two runs at once never send one email twice."""
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from blueprints.accounts.models import User
from blueprints.columns import utcnow
from blueprints.notifications.models import PROMOTIONAL, EmailStatus, Kind, Notification, OutboxEmail
from extensions import db

MAX_ATTEMPTS = 5
UNSUBSCRIBE_SALT = "unsubscribe-v1"


def absolute(link: str) -> str:
    return current_app.config["SITE_URL"] + link


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, kind: Kind) -> str:
    return _serializer().dumps([user.id, kind.value])


def read_unsubscribe_token(token: str) -> tuple[int, Kind] | None:
    """The user and kind a token stops emails for, or None if it was not made by us."""
    try:
        user_id, kind = _serializer().loads(token)
        return int(user_id), Kind(kind)
    except (BadSignature, ValueError, TypeError):
        return None


def _email(user: User, kind: Kind, template: str, **context) -> dict:
    """An outbox row's columns, written in the reader's language."""
    unsubscribe = None
    if kind in PROMOTIONAL or kind == Kind.DIGEST:
        # Built by hand: emails are also queued from commands, where url_for has no request to build from.
        unsubscribe = absolute(f"/unsubscribe/{unsubscribe_token(user, kind)}")
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_template(f"email/{template}.subject.txt", user=user, **context).strip()
        body = render_template(f"email/{template}.txt", user=user, unsubscribe=unsubscribe,
                               site_url=current_app.config["SITE_URL"], **context)
    return {"user_id": user.id, "kind": kind, "to_address": user.email, "subject": subject[:200], "body": body,
            "unsubscribe_url": unsubscribe, "status": EmailStatus.PENDING, "attempts": 0,
            "next_attempt_at": utcnow(), "created_at": utcnow()}


def _queue(user: User, kind: Kind, template: str, **context) -> OutboxEmail:
    email = OutboxEmail(**_email(user, kind, template, **context))
    db.session.add(email)
    return email


def notification_email(user: User, kind: Kind, *, event: str, subject: str, link: str) -> dict:
    """The columns of one notification's email, for inserting many in one statement."""
    return _email(user, kind, "notification", event=event, subject=subject, link=absolute(link))


def queue_account_email(user: User, template: str, *, to: str | None = None, **context) -> OutboxEmail:
    """A message about the account itself (a reset link, a confirmation, a security notice): always sent,
    never behind a setting; `to` sends it to another address than the account's (a new email to confirm)."""
    email = _queue(user, Kind.ACCOUNT, template, **context)
    if to:
        email.to_address = to
    return email


def queue_digest(user: User, notifications: list[Notification]) -> OutboxEmail:
    return _queue(user, Kind.DIGEST, "digest", notifications=notifications, absolute=absolute)


# Long lines allowed (RFC 5322's 998): folding would encode the unsubscribe URL, which mail clients then miss.
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


def build_message(email: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # A stable id lets a receiving server drop a copy if an interrupted send is ever repeated by hand.
    message["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}", domain="shelfmade.test")
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(email.body)
    return message


def smtp_transport(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** attempts)


def send_outbox(transport=smtp_transport, *, now: datetime | None = None, batch: int = 200) -> SendReport:
    """Sends what is due. Commits after each step on purpose: a claim must be visible to other runs
    before the email goes out. An email whose run died mid-send stays 'sending' and is not retried
    (it may have gone out); /admin/outbox shows it."""
    now = now or utcnow()
    report = SendReport()
    due = list(db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.status == EmailStatus.PENDING,
                                                               OutboxEmail.next_attempt_at <= now)
                                  .order_by(OutboxEmail.id).limit(batch)))
    db.session.commit()
    sender = current_app.config["MAIL_FROM"]
    for email_id in due:
        claimed = db.session.execute(update(OutboxEmail)
                                     .where(OutboxEmail.id == email_id, OutboxEmail.status == EmailStatus.PENDING)
                                     .values(status=EmailStatus.SENDING, claimed_at=utcnow(),
                                             attempts=OutboxEmail.attempts + 1)).rowcount
        db.session.commit()
        if not claimed:
            continue  # another run has it
        email = db.session.get(OutboxEmail, email_id)
        try:
            transport(build_message(email, sender))
        except Exception as error:  # noqa: BLE001 - any failure of the mail server is a retry
            email.last_error = f"{type(error).__name__}: {error}"[:500]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
                report.failed += 1
            else:
                email.status = EmailStatus.PENDING
                email.next_attempt_at = utcnow() + retry_delay(email.attempts)
                report.retrying += 1
            report.errors.append(f"#{email.id}: {email.last_error}")
        else:
            email.status, email.sent_at = EmailStatus.SENT, utcnow()
            report.sent += 1
        db.session.commit()
    return report


def latest(limit: int = 100) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)))
