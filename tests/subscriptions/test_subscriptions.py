"""Keyword subscriptions: validation, ownership, and who hears about a matching product or prototype."""
import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus
from blueprints.catalog.services import change_status
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.comments import add_comment
from blueprints.codesign.services.prototypes import open_prototype
from blueprints.errors import AccessDenied, InvalidFields
from blueprints.notifications.models import Kind, Notification
from blueprints.notifications.services import set_preference
from blueprints.subscriptions.services import MAX_SUBSCRIPTIONS, remove_subscription, subscribe
from extensions import db

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def told(account) -> list[tuple[str, str]]:
    return [(n.event, n.subject) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == account.id).order_by(Notification.id))]


def keen(make_user, **subscription):
    account = make_user()
    set_preference(user(account), Kind.KEYWORD_MATCHES, in_site=True, email=False)
    subscribe(user(account), **{"category_id": None, "max_price": None, **subscription})
    db.session.commit()
    return account


def test_subscriptions_are_checked(ctx, make_user):
    reader = user(make_user())
    for keywords in ("", "  ，。 "):
        with pytest.raises(InvalidFields):
            subscribe(reader, keywords=keywords, category_id=None, max_price=None)
    with pytest.raises(InvalidFields):
        subscribe(reader, keywords="tea", category_id=99999, max_price=None)
    subscribe(reader, keywords="Linen  Apron", category_id=None, max_price=None)
    with pytest.raises(InvalidFields):
        subscribe(reader, keywords="linen apron", category_id=None, max_price=None)  # the same, differently typed
    for n in range(MAX_SUBSCRIPTIONS - 1):
        subscribe(reader, keywords=f"word{n}", category_id=None, max_price=None)
    with pytest.raises(InvalidFields):
        subscribe(reader, keywords="one too many", category_id=None, max_price=None)


def test_only_the_owner_removes_a_subscription(ctx, make_user):
    owner, other = user(make_user()), user(make_user())
    subscription = subscribe(owner, keywords="tea", category_id=None, max_price=None)
    with pytest.raises(AccessDenied):
        remove_subscription(other, subscription.id)
    remove_subscription(owner, subscription.id)


def test_a_new_matching_product_reaches_only_those_who_asked(ctx, make_user, make_supplier, make_product,
                                                           make_category):
    kitchen, textiles = make_category("kitchen", "Kitchen", "厨房"), make_category("textiles", "Textiles", "布艺")
    any_category = keen(make_user, keywords="保温杯")
    in_kitchen = keen(make_user, keywords="保温杯", category_id=kitchen)
    in_textiles = keen(make_user, keywords="保温杯", category_id=textiles)
    too_cheap = keen(make_user, keywords="保温杯", max_price=5000)
    other_words = keen(make_user, keywords="teapot")
    switched_off = make_user()
    subscribe(user(switched_off), keywords="保温杯", category_id=None, max_price=None)  # keyword news left off
    db.session.commit()
    supplier = make_supplier()
    make_product(supplier, "不锈钢保温杯 500ml", category_id=kitchen, suggested_price=6900)
    assert told(any_category) == told(in_kitchen) == [("keyword_product", "不锈钢保温杯 500ml")]
    for account in (in_textiles, too_cheap, other_words, switched_off):
        assert told(account) == []


def test_publishing_again_after_retiring_tells_no_one_twice(ctx, make_user, make_supplier, make_product):
    reader = keen(make_user, keywords="flask")
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier, "Steel flask").id)
    member = user(supplier.member)
    change_status(member, product, ProductStatus.RETIRED)
    change_status(member, product, ProductStatus.ACTIVE)
    assert len(told(reader)) == 1


def test_a_matching_prototype_opening_is_news(ctx, make_user, make_supplier, make_prototype):
    reader = keen(make_user, keywords="lunch box")
    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier, "Bamboo lunch box", open_it=False)
    assert told(reader) == []
    open_prototype(user(supplier.member), db.session.get(Prototype, prototype_id))
    assert told(reader) == [("keyword_prototype", "Bamboo lunch box")]


def test_replies_reach_the_comment_authors_bell_and_email_only_who_asked(ctx, make_user, make_supplier,
                                                                        make_prototype):
    # A reply to one's own comment is news of one's own activity: it always reaches the bell; email is a choice.
    author, replier, quiet_author = make_user(), make_user(), make_user()
    set_preference(user(quiet_author), Kind.REPLIES, in_site=False, email=False)
    db.session.commit()
    prototype = db.session.get(Prototype, make_prototype(make_supplier())[0])
    first = add_comment(user(author), prototype, "Could it be bigger?")
    second = add_comment(user(quiet_author), prototype, "And lighter?")
    add_comment(user(replier), prototype, "Agreed.", parent=first)
    add_comment(user(author), prototype, "Thanks!", parent=first)  # no news of one's own reply
    add_comment(user(replier), prototype, "Me too.", parent=second)
    assert told(author) == [("reply", prototype.title)]
    assert told(quiet_author) == [("reply", prototype.title)]
    emailed = set(db.session.scalars(select(Notification.user_id).where(Notification.by_email.is_(True))))
    assert quiet_author.id not in emailed


def test_the_page_keeps_what_was_typed_when_it_is_refused(client, signed_in):
    response = client.submit("/my/subscriptions", {"keywords": "tea", "category_id": "", "max_price": "abc"},
                             page="/my/subscriptions")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="tea"' in page and 'value="abc"' in page and "Enter an amount in yuan" in page
    assert "Keyword notifications are off" in page
    response = client.submit("/my/subscriptions", {"keywords": "linen apron", "category_id": "", "max_price": "80"},
                             page="/my/subscriptions")
    assert response.status_code == 303
    assert "linen apron" in client.get("/my/subscriptions").get_data(as_text=True)


@pytest.mark.postgresql
def test_the_same_keywords_sent_twice_at_once_are_saved_once(app, make_user):
    from tests.orders.test_concurrency import run_together

    reader = make_user()

    def follow(_n):
        with app.app_context():
            try:
                subscribe(db.session.get(User, reader.id), keywords="linen apron", category_id=None, max_price=None)
                db.session.commit()
                return "saved"
            except InvalidFields:
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    assert sorted(run_together(6, follow)) == ["refused"] * 5 + ["saved"]


def test_a_category_that_is_not_listed_is_refused_in_words(client, signed_in):
    for typed in ("99999999999999999999", "abc", "-3"):
        response = client.submit("/my/subscriptions", {"keywords": "tea", "category_id": typed, "max_price": ""},
                                 page="/my/subscriptions")
        assert response.status_code == 422
        assert "Choose a category from the list." in response.get_data(as_text=True)


def test_subscription_pages_need_sign_in(client):
    assert client.get("/my/subscriptions").status_code == 303
