"""Notifications respect every preference and the daily cap; unsubscribe links work without signing in
and cannot be forged; the outbox sends each email once."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from blueprints.accounts.models import User
from blueprints.columns import utcnow
from blueprints.notifications import mail
from blueprints.notifications.models import (CHOOSABLE, OWN_ACTIVITY, PROMOTIONAL, EmailStatus, Kind, Notification,
                                             OutboxEmail)
from blueprints.notifications.services import (notify, preferences, recent, send_digests, set_daily_cap,
                                               set_preference, unread_count, unsubscribe)
from extensions import db

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def emails_to(account) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == account.id)))


def test_my_own_activity_is_always_in_the_bell_and_promotion_waits_for_a_yes(ctx, make_user):
    chosen = preferences(user(make_user()))
    assert {kind for kind, wants in chosen.items() if wants.in_site} == OWN_ACTIVITY
    assert {kind for kind, wants in chosen.items() if wants.email} == {
        Kind.ORDER_UPDATES, Kind.SUPPORTED_PROTOTYPES, Kind.MY_ACTIVITY}


def test_no_participant_news_needs_the_promotional_opt_in_and_no_promotion_bypasses_it(ctx, make_user):
    """Every kind is one or the other; own activity reaches a user who said no to everything, promotion does not."""
    assert OWN_ACTIVITY.isdisjoint(PROMOTIONAL) and set(CHOOSABLE) == OWN_ACTIVITY | PROMOTIONAL
    refuser, newcomer = make_user(), make_user()  # the newcomer never opened the settings
    for kind in CHOOSABLE:
        set_preference(user(refuser), kind, in_site=False, email=False)
    for kind in CHOOSABLE:
        notify({refuser.id}, kind, event="launched", subject="Lunch box", link="/p/x")
    shown = {n.kind for n in db.session.scalars(select(Notification).where(Notification.in_site.is_(True),
                                                                         Notification.user_id == refuser.id))}
    assert shown == OWN_ACTIVITY and not emails_to(refuser)
    for kind in CHOOSABLE:
        notify({newcomer.id}, kind, event="launched", subject="Lunch box", link="/p/x")
    assert {n.kind for n in recent(user(newcomer))} == OWN_ACTIVITY
    assert not {email.kind for email in emails_to(newcomer)} & PROMOTIONAL


def test_telling_two_thousand_people_takes_a_fixed_number_of_statements(app, ctx, make_user):
    from tests.test_query_counts import counting

    first = make_user()
    others = [first.id + n for n in range(1, 2000)]
    db.session.execute(insert(User), [{"id": user_id, "email": f"fan{user_id}@example.com", "password_hash": "x",
                                       "display_name": f"Fan {user_id}"} for user_id in others])
    set_preference(user(first), Kind.SUPPORTED_PROTOTYPES, in_site=True, email=False)

    def statements(user_ids):
        with counting(app) as seen:
            told = notify(user_ids, Kind.SUPPORTED_PROTOTYPES, event="launched", subject="Lunch box", link="/p/x")
        assert told == len(user_ids)
        return len(seen)

    few = statements({first.id, others[0]})
    assert statements({first.id, *others}) == few <= 4
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 1 + 1999


def test_each_kind_goes_out_on_the_channels_chosen_and_nowhere_else(ctx, make_user):
    in_site, by_email, both, quiet = make_user(), make_user(), make_user(), make_user()
    set_preference(user(in_site), Kind.KEYWORD_MATCHES, in_site=True, email=False)
    set_preference(user(by_email), Kind.KEYWORD_MATCHES, in_site=False, email=True)
    set_preference(user(both), Kind.KEYWORD_MATCHES, in_site=True, email=True)
    set_preference(user(quiet), Kind.SHOP_NEWS, in_site=True, email=True)  # a different kind
    told = notify({a.id for a in (in_site, by_email, both, quiet)}, Kind.KEYWORD_MATCHES, event="keyword_product",
                  subject="Linen apron", link="/p/linen-apron")
    db.session.commit()
    assert told == 3
    assert [unread_count(user(a)) for a in (in_site, by_email, both, quiet)] == [1, 0, 1, 0]
    assert [len(emails_to(a)) for a in (in_site, by_email, both, quiet)] == [0, 1, 1, 0]
    email = emails_to(by_email)[0]
    assert "Linen apron" in email.subject and "http://127.0.0.1:5000/p/linen-apron" in email.body
    assert email.unsubscribe_url and email.unsubscribe_url in email.body


def test_emails_are_written_in_the_readers_language(ctx, make_user):
    reader = make_user(locale="zh_Hans")
    set_preference(user(reader), Kind.KEYWORD_MATCHES, in_site=False, email=True)
    notify({reader.id}, Kind.KEYWORD_MATCHES, event="keyword_product", subject="亚麻围裙", link="/p/x")
    assert "退订" in emails_to(reader)[0].body


def test_promotional_news_over_the_daily_cap_waits_for_the_digest(ctx, make_user):
    reader = make_user()
    set_preference(user(reader), Kind.KEYWORD_MATCHES, in_site=True, email=True)
    set_daily_cap(user(reader), 2)
    yesterday = utcnow() - timedelta(days=1)
    for n in range(5):
        notify({reader.id}, Kind.KEYWORD_MATCHES, event="keyword_product", subject=f"Thing {n}", link="/p/x",
               now=yesterday)
    notify({reader.id}, Kind.ORDER_UPDATES, event="shipped", subject="SM1", link="/orders/SM1", now=yesterday)
    db.session.commit()
    assert unread_count(user(reader)) == 3  # two news and the order update, which is never capped
    assert len(emails_to(reader)) == 3  # the same; an order update goes by email unless turned off
    assert send_digests() == 1
    db.session.commit()
    assert unread_count(user(reader)) == 4  # the digest, once, for the three held back
    digest = recent(user(reader))[0]
    assert (digest.kind, digest.subject) == (Kind.DIGEST, "3")
    digest_email = emails_to(reader)[-1]
    assert digest_email.kind == Kind.DIGEST and all(f"Thing {n}" in digest_email.body for n in (2, 3, 4))
    assert send_digests() == 0  # nothing is folded twice
    # Today's cap starts afresh.
    notify({reader.id}, Kind.KEYWORD_MATCHES, event="keyword_product", subject="Today", link="/p/x")
    assert db.session.scalar(select(Notification.held).order_by(Notification.id.desc()).limit(1)) is False


def test_the_cap_counts_email_only_news_too(ctx, make_user):
    reader = make_user()
    set_preference(user(reader), Kind.SHOP_NEWS, in_site=False, email=True)
    set_daily_cap(user(reader), 1)
    for n in range(3):
        notify({reader.id}, Kind.SHOP_NEWS, event="shop_listing", subject=f"News {n}", link="/shops/x")
    assert len(emails_to(reader)) == 1


def test_daily_cap_must_be_sensible(ctx, make_user):
    from blueprints.errors import InvalidFields

    for cap in (None, 0, 21):
        with pytest.raises(InvalidFields):
            set_daily_cap(user(make_user()), cap)


def test_unsubscribe_tokens_stop_one_kind_and_cannot_be_forged(app, client, make_user):
    reader = make_user()
    with app.app_context():
        set_preference(user(reader), Kind.KEYWORD_MATCHES, in_site=True, email=True)
        set_preference(user(reader), Kind.SHOP_NEWS, in_site=False, email=True)
        db.session.commit()
        token = mail.unsubscribe_token(user(reader), Kind.KEYWORD_MATCHES)
    with app.app_context():
        assert mail.read_unsubscribe_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
        assert mail.read_unsubscribe_token(token) == (reader.id, Kind.KEYWORD_MATCHES)
    # Someone else's id with our signature does not pass either.
    from itsdangerous.encoding import base64_encode

    forged = base64_encode(f'[{reader.id + 1},"keywords"]').decode() + "." + token.rsplit(".", 1)[1]
    assert client.post(f"/unsubscribe/{forged}").status_code == 400
    # The confirmation page changes nothing; the button (or a mail client's one-click POST) does.
    assert "Unsubscribe" in client.get(f"/unsubscribe/{token}").get_data(as_text=True)
    response = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        chosen = preferences(user(reader))
        assert chosen[Kind.KEYWORD_MATCHES].email is False and chosen[Kind.KEYWORD_MATCHES].in_site is True
        assert chosen[Kind.SHOP_NEWS].email is True


def test_the_digest_link_stops_every_promotional_email(ctx, make_user):
    reader = make_user()
    for kind in (Kind.KEYWORD_MATCHES, Kind.SHOP_NEWS, Kind.ORDER_UPDATES):
        set_preference(user(reader), kind, in_site=True, email=True)
    unsubscribe(reader.id, Kind.DIGEST)
    chosen = preferences(user(reader))
    assert not chosen[Kind.KEYWORD_MATCHES].email and not chosen[Kind.SHOP_NEWS].email
    assert chosen[Kind.ORDER_UPDATES].email  # not promotional, so not touched


class RecordingTransport:
    def __init__(self, fail_times: int = 0, pause: float = 0.0):
        self.sent, self.fail_times, self.pause, self.lock = [], fail_times, pause, threading.Lock()

    def __call__(self, message):
        import time

        time.sleep(self.pause)
        with self.lock:
            if self.fail_times:
                self.fail_times -= 1
                raise ConnectionRefusedError("mail server down")
            self.sent.append(message)


def queue_emails(make_user, count: int, kind=Kind.KEYWORD_MATCHES) -> list:
    readers = [make_user() for _ in range(count)]
    for reader in readers:
        set_preference(user(reader), kind, in_site=False, email=True)
    notify({r.id for r in readers}, kind, event="keyword_product", subject="Linen apron", link="/p/linen-apron")
    db.session.commit()
    return readers


def test_the_outbox_sends_once_with_unsubscribe_headers_only_on_promotional_mail(ctx, make_user):
    queue_emails(make_user, 2)
    queue_emails(make_user, 1, kind=Kind.ORDER_UPDATES)
    transport = RecordingTransport()
    assert mail.send_outbox(transport).sent == 3
    assert mail.send_outbox(transport).sent == 0
    assert len(transport.sent) == 3
    promotional = [m for m in transport.sent if m["List-Unsubscribe"]]
    assert len(promotional) == 2 and promotional[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert db.session.scalar(select(func.count()).where(OutboxEmail.status == EmailStatus.SENT)) == 3


def test_failures_are_retried_later_and_given_up_after_the_last_attempt(ctx, make_user):
    queue_emails(make_user, 1)
    transport = RecordingTransport(fail_times=1)
    report = mail.send_outbox(transport)
    assert (report.sent, report.retrying) == (0, 1)
    assert mail.send_outbox(transport).sent == 0  # not due yet
    assert mail.send_outbox(transport, now=utcnow() + timedelta(hours=1)).sent == 1
    assert len(transport.sent) == 1

    queue_emails(make_user, 1)
    always_down = RecordingTransport(fail_times=100)
    later = utcnow()
    for _ in range(mail.MAX_ATTEMPTS):
        later += timedelta(days=1)
        mail.send_outbox(always_down, now=later)
    failed = db.session.scalar(select(OutboxEmail).where(OutboxEmail.status == EmailStatus.FAILED))
    assert failed.attempts == mail.MAX_ATTEMPTS and "mail server down" in failed.last_error


@pytest.mark.postgresql
def test_two_runs_at_once_send_each_email_once(app, make_user):
    with app.app_context():
        queue_emails(make_user, 12)
    transport = RecordingTransport(pause=0.02)
    barrier = threading.Barrier(2)

    def run():
        with app.app_context():
            barrier.wait()
            mail.send_outbox(transport)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recipients = [message["To"] for message in transport.sent]
    assert len(recipients) == 12 and len(set(recipients)) == 12


def test_send_outbox_without_a_mail_server_keeps_emails(app, make_user):
    with app.app_context():
        queue_emails(make_user, 1)
    result = app.test_cli_runner().invoke(args=["send-outbox"])
    assert "MAIL_SERVER is not set" in result.output
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail.status)) == EmailStatus.PENDING
