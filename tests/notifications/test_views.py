import re

import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.notifications.models import Kind, Notification
from blueprints.notifications.services import notify, set_preference
from extensions import db
from tests.conftest import sign_in


def html(response) -> str:
    return response.get_data(as_text=True)


def test_settings_save_each_kind_and_channel(client, signed_in):
    response = client.submit("/my/settings/notifications", {"in_site": ["order_updates", "keywords"],
                                                             "email": ["keywords"], "daily_cap": "5"})
    assert response.status_code == 303
    page = html(client.get("/my/settings/notifications"))
    assert re.search(r'id="in-site-order_updates">Always<', page)  # own activity: not a choice
    for box in ("in-site-keywords", "email-keywords"):
        assert re.search(rf'id="{box}"[^>]*checked', page)
    for box in ("email-order_updates", "in-site-shop_news", "email-recommended"):
        assert not re.search(rf'id="{box}"[^>]*checked', page)
    assert 'value="5"' in page


def test_a_bad_daily_cap_is_refused_with_the_choices_kept(client, signed_in):
    for typed in ("0", "²", "99999999999999999999", "three"):
        response = client.submit("/my/settings/notifications", {"in_site": ["shop_news"], "daily_cap": typed})
        assert response.status_code == 422
        page = html(response)
        assert "from 1 to 20" in page and f'value="{typed}"' in page
        assert re.search(r'id="in-site-shop_news"[^>]*checked', page)
    assert not re.search(r'id="in-site-shop_news"[^>]*checked', html(client.get("/my/settings/notifications")))


def test_the_bell_counts_unread_and_opening_marks_read(client, app, make_user):
    reader, other = make_user(), make_user()
    with app.app_context():
        notify({reader.id, other.id}, Kind.ORDER_UPDATES, event="shipped", subject="SM123", link="/orders/SM123")
        db.session.commit()
        mine, theirs = [db.session.scalar(select(Notification.id).where(Notification.user_id == a.id))
                        for a in (reader, other)]
    sign_in(client, reader)
    bell = html(client.get("/my/notifications/bell", headers={"HX-Request": "true"}))
    assert 'data-unread="1"' in bell and "<html" not in bell
    inbox = html(client.get("/my/notifications"))
    assert "Part of your order SM123 has shipped." in inbox
    assert client.get(f"/my/notifications/{theirs}").status_code == 404
    response = client.get(f"/my/notifications/{mine}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/orders/SM123")
    assert 'data-unread="0"' in html(client.get("/my/notifications/bell"))
    client.submit("/logout", {})
    signed_out = client.get("/my/notifications/bell", headers={"HX-Request": "true"})
    assert signed_out.status_code == 204 and "HX-Redirect" not in signed_out.headers


def test_notification_text_is_escaped_in_pages(client, app, make_user):
    reader = make_user()
    with app.app_context():
        set_preference(db.session.get(User, reader.id), Kind.KEYWORD_MATCHES, in_site=True, email=False)
        notify({reader.id}, Kind.KEYWORD_MATCHES, event="keyword_product", subject="<script>x()</script>", link="/")
        db.session.commit()
    sign_in(client, reader)
    page = html(client.get("/my/notifications"))
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page


@pytest.mark.parametrize("who", ["visitor", "shopper"])
def test_only_admins_read_the_outbox(client, make_user, who):
    if who == "shopper":
        sign_in(client, make_user())
        assert client.get("/admin/outbox").status_code == 403
    else:
        assert client.get("/admin/outbox").status_code == 303


def test_admins_read_the_outbox(client, app, admin, make_user):
    reader = make_user()
    with app.app_context():
        set_preference(db.session.get(User, reader.id), Kind.SHOP_NEWS, in_site=False, email=True)
        notify({reader.id}, Kind.SHOP_NEWS, event="shop_listing", subject="Shen Home: Teapot", link="/shops/x")
        db.session.commit()
    sign_in(client, admin)
    page = html(client.get("/admin/outbox"))
    assert "Shen Home: Teapot" in page and reader.email in page and "MAIL_SERVER" in page
