"""The profile on /my/account, and every time shown in the viewer's zone with the zone named."""
import re
from datetime import UTC, datetime

import pytest

from blueprints.accounts.locale import format_local_datetime
from blueprints.accounts.models import User
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def html(response) -> str:
    return response.get_data(as_text=True)


PROFILE = {"display_name": "Mei Lin", "locale": "zh_Hans", "time_zone": "Europe/London"}


def test_the_profile_saves_name_language_and_time_zone(client, app, signed_in):
    response = client.submit("/my/account/profile", PROFILE, page="/my/account")
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, signed_in.id)
        assert (user.display_name, user.locale, user.time_zone) == ("Mei Lin", "zh_Hans", "Europe/London")
    page = html(client.get("/my/account"))
    assert "个人资料" in page and re.search(r'<option[^>]*selected[^>]*value="Europe/London"', page)


def test_a_bad_time_zone_is_refused_and_the_input_kept(client, signed_in):
    response = client.submit("/my/account/profile", {**PROFILE, "time_zone": "Mars/Olympus"}, page="/my/account")
    assert response.status_code == 422
    assert "Choose a time zone from the list." in html(response)
    assert 'value="Mei Lin"' in html(response)


def test_the_account_page_holds_the_notification_settings(client, signed_in):
    page = html(client.get("/my/account"))
    assert 'action="/my/settings/notifications"' in page and 'name="next" value="/my/account"' in page
    response = client.submit("/my/settings/notifications", {"in_site": "order_updates", "daily_cap": "3",
                                                            "next": "/my/account"}, page="/my/account")
    assert response.headers["Location"] == "/my/account"


def test_times_are_shown_in_beijing_time_by_default_and_named(app):
    placed = datetime(2026, 11, 30, 16, 42, tzinfo=UTC)  # 00:42 on 1 December in Beijing
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert format_local_datetime(placed) == "12月1日 00:42 (北京时间)"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_local_datetime(placed) == "Dec 1 00:42 (Beijing time)"


def test_a_users_time_zone_applies_to_every_page(client, app, make_user):
    from blueprints.notifications.models import Kind
    from blueprints.notifications.services import notify

    account = make_user()
    with app.app_context():
        user = db.session.get(User, account.id)
        user.time_zone = "Europe/London"
        notify({user.id}, Kind.ORDER_UPDATES, event="order_placed", subject="A1", link="/my/orders")
        db.session.commit()
    sign_in(client, account)
    page = html(client.get("/my/notifications"))
    assert "(United Kingdom Time)" in page
