"""Shops and suppliers name themselves in Chinese (required) and English (optional)."""
from sqlalchemy import select

from blueprints.shops.models import Shop
from blueprints.suppliers.models import Supplier
from extensions import db


def test_a_shop_is_opened_and_renamed_in_both_languages(client, app, signed_in):
    response = client.submit("/my/shop", {"name": "", "name_en": "Lin's Tea Table", "slug": "lin-tea",
                                          "tagline": "茶器与好茶。", "tagline_en": "Tea ware and tea."})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Give your shop a name in Chinese." in body
    assert 'value="Lin&#39;s Tea Table"' in body and 'value="茶器与好茶。"' in body and 'value="Tea ware and tea."' in body
    response = client.submit("/my/shop", {"name": "林家茶桌", "name_en": "Lin's Tea Table", "slug": "lin-tea",
                                          "tagline": "茶器与好茶。", "tagline_en": "Tea ware and tea."})
    assert response.status_code == 303
    response = client.submit("/my/shop/settings", {"name": "林家茶桌", "name_en": "", "slug": "lin-tea",
                                                   "tagline": "茶器与好茶。", "tagline_en": "Tea, slowly."},
                             page="/my/shop")
    assert response.status_code == 303
    with app.app_context():
        shop = db.session.scalar(select(Shop))
        assert (shop.name, shop.name_en, shop.tagline, shop.tagline_en) == ("林家茶桌", "", "茶器与好茶。", "Tea, slowly.")
    english = client.get("/shops/lin-tea", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>林家茶桌</h1>" in english and "Tea, slowly." in english


def test_a_supplier_applies_with_its_name_in_both_languages(client, app, signed_in):
    form = {"name": "景德镇泥语", "name_en": "Jingdezhen Clay", "description": "手工拉坯的瓷器。",
            "description_en": "Hand-thrown porcelain.", "contact": "+86 138 0000 0000",
            "registration_number": "91330100MA2"}
    response = client.submit("/supplier/apply", {**form, "name": ""})
    assert response.status_code == 422
    assert 'value="Jingdezhen Clay"' in response.get_data(as_text=True)
    assert client.submit("/supplier/apply", form).status_code == 303
    with app.app_context():
        supplier = db.session.scalar(select(Supplier))
        assert (supplier.name_en, supplier.description_en) == ("Jingdezhen Clay", "Hand-thrown porcelain.")
    account = client.get("/my/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your application for Jingdezhen Clay is waiting for our team." in account


def test_the_admin_reviewing_an_application_reads_both_languages(client, app, make_user, admin):
    from tests.conftest import sign_in

    sign_in(client, make_user())
    client.submit("/supplier/apply", {"name": "景德镇泥语", "name_en": "Jingdezhen Clay", "description": "手工拉坯的瓷器。",
                                      "description_en": "Hand-thrown porcelain.", "contact": "+86 138 0000 0000",
                                      "registration_number": "91330100MA2"})
    client.submit("/logout", {})
    sign_in(client, admin)
    page = client.get("/admin/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span lang="zh-Hans">景德镇泥语</span> · <span lang="en">Jingdezhen Clay</span>' in page
    assert "手工拉坯的瓷器。" in page and "Hand-thrown porcelain." in page
