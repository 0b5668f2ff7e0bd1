"""The address book: add, edit, delete, a default that checkout offers first, and official divisions only."""
import pytest
from sqlalchemy import select

from blueprints.orders.models import Address
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases

HOME = {"recipient": "王小明", "phone": "+86 138 0013 8000", "province": "浙江省", "city": "杭州市",
        "district": "西湖区", "street": "文三路 90 号 3 幢 201"}
WORK = {**HOME, "province": "北京市", "city": "北京市", "district": "海淀区", "street": "中关村大街 1 号"}


def html(response) -> str:
    return response.get_data(as_text=True)


def saved(app, user_id) -> list[Address]:
    with app.app_context():
        rows = db.session.scalars(select(Address).where(Address.user_id == user_id).order_by(Address.id)).all()
        db.session.expunge_all()
        return rows


def test_add_edit_make_default_and_delete(client, app, signed_in):
    assert client.submit("/my/addresses", HOME).status_code == 303
    assert client.submit("/my/addresses", WORK).status_code == 303
    home, work = saved(app, signed_in.id)
    assert home.is_default and not work.is_default  # the first one saved is the default
    assert home.phone == "13800138000"
    assert client.submit(f"/my/addresses/{work.id}/default", {}, page="/my/addresses").status_code == 303
    assert [a.is_default for a in saved(app, signed_in.id)] == [False, True]
    with app.app_context():  # what checkout offers, and picks, first
        from blueprints.accounts.models import User
        from blueprints.orders.services.checkout import saved_addresses

        assert saved_addresses(db.session.get(User, signed_in.id))[0].street == "中关村大街 1 号"
    page = html(client.get("/my/addresses"))
    assert page.index("中关村大街") < page.index("文三路")
    response = client.submit(f"/my/addresses/{home.id}", {**HOME, "street": "文三路 100 号"},
                             page=f"/my/addresses/{home.id}")
    assert response.status_code == 303
    assert saved(app, signed_in.id)[0].street == "文三路 100 号"
    assert client.submit(f"/my/addresses/{work.id}/delete", {}, page="/my/addresses").status_code == 303
    [left] = saved(app, signed_in.id)
    assert left.is_default  # the default went, so the one left is it


def test_an_identical_address_is_not_saved_twice(client, app, signed_in):
    client.submit("/my/addresses", HOME)
    client.submit("/my/addresses", {**HOME, "phone": "１３８ ００１３ ８０００", "street": " 文三路 90 号 3 幢 201 "})
    assert len(saved(app, signed_in.id)) == 1


@pytest.mark.parametrize("division, field, message", [
    ({"province": "Zhejiang"}, "province", "Choose a province from the list."),
    ({"city": "x"}, "city", "Choose a city of 浙江省 from the list."),
    ({"district": "y"}, "district", "Choose a district of 杭州市 from the list."),
    ({"city": "南京市"}, "city", "Choose a city of 浙江省 from the list."),
])
def test_free_text_divisions_are_refused_on_the_server(client, app, signed_in, division, field, message):
    response = client.submit("/my/addresses", {**HOME, **division})
    assert response.status_code == 422
    assert message in html(response)
    assert 'value="王小明"' in html(response)
    assert saved(app, signed_in.id) == []


def test_without_javascript_the_next_list_is_filled_in_on_request(client, signed_in):
    response = client.submit("/my/addresses", {**HOME, "city": "", "district": "", "refresh": "1"})
    assert response.status_code == 200
    body = html(response)
    assert '<option value="杭州市">杭州市</option>' in body and 'value="王小明"' in body


def test_the_htmx_picker_offers_the_cities_of_the_chosen_province(client, signed_in):
    response = client.get("/my/addresses/picker?province=浙江省&city=杭州市", headers={"HX-Request": "true"})
    body = html(response)
    assert "<html" not in body
    assert '<option value="宁波市">宁波市</option>' in body and '<option value="西湖区">西湖区</option>' in body
    municipality = html(client.get("/my/addresses/picker?province=北京市", headers={"HX-Request": "true"}))
    assert 'selected value="北京市"' in municipality and "海淀区" in municipality


def test_nobody_edits_or_deletes_anothers_address(client, app, make_user, signed_in):
    client.submit("/my/addresses", HOME)
    [home] = saved(app, signed_in.id)
    other = app.test_client()
    sign_in(other, make_user())
    assert other.get(f"/my/addresses/{home.id}").status_code == 403
    assert other.submit(f"/my/addresses/{home.id}/delete", {}, page="/my/addresses").status_code == 403
    assert other.submit(f"/my/addresses/{home.id}/default", {}, page="/my/addresses").status_code == 403
    assert len(saved(app, signed_in.id)) == 1


def test_the_address_book_needs_sign_in(client):
    assert client.get("/my/addresses").status_code == 303
