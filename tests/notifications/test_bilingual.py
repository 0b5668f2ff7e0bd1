"""News about catalog text reaches each reader in their language, by the same rule as the pages."""
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.bilingual import BilingualText
from blueprints.notifications.models import Kind, Notification, OutboxEmail
from blueprints.notifications.services import notify, set_preference
from extensions import db


def test_the_bell_and_the_email_name_the_product_in_each_readers_language(ctx, make_user):
    chinese, english, unset = make_user(locale="zh_Hans"), make_user(locale="en"), make_user()
    for account in (chinese, english, unset):
        set_preference(db.session.get(User, account.id), Kind.KEYWORD_MATCHES, in_site=True, email=True)
    notify({chinese.id, english.id, unset.id}, Kind.KEYWORD_MATCHES, event="keyword_product",
           subject=BilingualText("铸铁茶壶", "Cast iron teapot"), link="/p/tie-zhu-cha-hu")
    bell = dict(db.session.execute(select(Notification.user_id, Notification.subject)).all())
    assert bell == {chinese.id: "铸铁茶壶", english.id: "Cast iron teapot", unset.id: "Cast iron teapot"}
    emails = dict(db.session.execute(select(OutboxEmail.user_id, OutboxEmail.subject)).all())
    assert "铸铁茶壶" in emails[chinese.id] and "Cast iron teapot" in emails[english.id]


def test_a_product_without_english_is_named_in_chinese_to_everyone(ctx, make_user):
    english = make_user(locale="en")
    set_preference(db.session.get(User, english.id), Kind.KEYWORD_MATCHES, in_site=True, email=True)
    notify({english.id}, Kind.KEYWORD_MATCHES, event="keyword_product", subject=BilingualText("竹制砧板", ""),
           link="/p/x")
    assert db.session.scalar(select(Notification.subject)) == "竹制砧板"
    assert "竹制砧板" in db.session.scalar(select(OutboxEmail.subject))
