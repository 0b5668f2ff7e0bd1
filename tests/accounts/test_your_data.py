"""Email change with confirmation, the data download and account deletion (both with the password again)."""
import json
import re

import pytest

from blueprints.accounts.models import User
from blueprints.notifications.models import OutboxEmail
from extensions import db
from tests.accounts.test_sessions import cookies_of, replay
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def html(response) -> str:
    return response.get_data(as_text=True)


def test_an_email_change_is_confirmed_by_the_new_address_and_told_to_the_old(client, app, signed_in):
    response = client.submit("/my/account/email", {"new_email": "new@example.com", "password": signed_in.password})
    assert response.status_code == 303
    with app.app_context():
        confirm, notice = db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)).all()
        assert confirm.to_address == "new@example.com" and notice.to_address == signed_in.email
        assert "new@example.com" in notice.body
        assert db.session.get(User, signed_in.id).email == signed_in.email  # not until confirmed
        token = re.search(r"/account/email/(\S+)", confirm.body).group(1)
    assert client.get(f"/account/email/{token}").status_code == 200  # a GET changes nothing
    assert client.submit(f"/account/email/{token}", {}, page=f"/account/email/{token}").status_code == 303
    with app.app_context():
        assert db.session.get(User, signed_in.id).email == "new@example.com"
    assert client.get(f"/account/email/{token}").status_code == 404  # used once


def test_an_email_change_needs_the_password_and_keeps_the_input(client, signed_in):
    response = client.submit("/my/account/email", {"new_email": "new@example.com", "password": "wrong one"})
    assert response.status_code == 422
    assert "That is not your current password." in html(response) and 'value="new@example.com"' in html(response)


def test_the_data_download_needs_the_password_and_holds_the_users_data(client, signed_in):
    client.submit("/my/addresses", {"recipient": "王小明", "phone": "13800138000", "province": "浙江省",
                                    "city": "杭州市", "district": "西湖区", "street": "文三路 90 号"})
    assert client.submit("/my/account/data", {"password": "wrong one"}).status_code == 422
    response = client.submit("/my/account/data", {"password": signed_in.password})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(html(response))
    assert data["account"]["email"] == signed_in.email
    assert data["addresses"][0]["street"] == "文三路 90 号" and data["sign_ins"]


def test_deleting_the_account_anonymises_it_closes_the_shop_and_ends_every_session(client, app, make_user,
                                                                                     make_shop):
    account = make_user()
    make_shop(account, slug="mei")
    other = app.test_client()
    sign_in(other, account, remember="y")
    stolen = cookies_of(other)
    sign_in(client, account)
    assert client.submit("/my/account/delete", {"delete-password": account.password},
                         page="/my/account/data").status_code == 422  # the box was not ticked
    response = client.submit("/my/account/delete", {"delete-password": account.password, "delete-confirm": "y"},
                             page="/my/account/data")
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user.deleted_at and account.email not in user.email and user.display_name == "Deleted user"
    assert client.get("/my/account").status_code == 303
    assert replay(app, stolen).status_code == 303
    assert client.submit("/login", {"email": account.email, "password": account.password}).status_code == 422
    assert client.get("/shops/mei").status_code == 404
