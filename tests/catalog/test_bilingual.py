"""The catalog speaks both languages: each text shows in the viewer's language, else the other; suppliers edit the
Chinese (required) and English (optional) side by side."""
import re

import pytest
from flask_babel import force_locale

from blueprints.bilingual import bilingual, joined, localized, localized_options
from blueprints.catalog.models import Product, Variant
from blueprints.codesign.models import Poll, PollOption, Prototype
from blueprints.shops.models import Shop
from blueprints.suppliers.models import Supplier
from extensions import db
from tests.conftest import sign_in

ZH, EN = "zh_Hans", "en"

# Every bilingual text field of the catalog, with a Chinese and an English text.
FIELDS = [
    (Product, "title", "铸铁茶壶", "Cast iron teapot"),
    (Product, "description", "800 毫升铸铁壶。", "An 800 ml cast iron pot."),
    (Prototype, "title", "旅行茶具", "Travel tea set"),
    (Prototype, "description", "一壶两杯。", "A pot and two cups."),
    (Prototype, "specs", "壶 150 毫升", "Pot 150 ml"),
    (Poll, "question", "选哪个颜色？", "Which colour?"),
    (PollOption, "label", "靛蓝", "Indigo"),
    (Shop, "name", "林家茶桌", "Lin's Tea Table"),
    (Shop, "tagline", "茶器与好茶。", "Tea ware and tea."),
    (Supplier, "name", "景德镇泥语", "Jingdezhen Clay"),
    (Supplier, "description", "手工拉坯的瓷器。", "Hand-thrown porcelain."),
]
FIELD_IDS = [f"{model.__name__}.{field}" for model, field, _zh, _en in FIELDS]


@pytest.mark.parametrize("model, field, chinese, english", FIELDS, ids=FIELD_IDS)
def test_each_field_shows_the_viewers_language_and_falls_back_to_the_other(model, field, chinese, english):
    both = model(**{field: chinese, f"{field}_en": english})
    assert localized(both, field, ZH) == chinese
    assert localized(both, field, EN) == english
    chinese_only = model(**{field: chinese, f"{field}_en": ""})
    assert localized(chinese_only, field, EN) == chinese
    assert localized(chinese_only, field, ZH) == chinese
    english_only = model(**{field: "", f"{field}_en": english})  # an optional field left empty in Chinese
    assert localized(english_only, field, ZH) == english


@pytest.mark.parametrize("model, field, chinese, english", FIELDS, ids=FIELD_IDS)
def test_the_rendered_language_is_the_default_viewer(ctx, model, field, chinese, english):
    both = model(**{field: chinese, f"{field}_en": english})
    with force_locale(ZH):
        assert localized(both, field) == chinese
    with force_locale(EN):
        assert localized(both, field) == english


def test_variant_options_fall_back_value_by_value():
    variant = Variant(sku="X", options={"colour": "鼠尾草绿", "size": "大号"}, options_en={"colour": "Sage"})
    assert localized_options(variant.options, variant.options_en, EN) == {"colour": "Sage", "size": "大号"}
    assert localized_options(variant.options, variant.options_en, ZH) == {"colour": "鼠尾草绿", "size": "大号"}


def test_a_variant_label_is_in_the_viewers_language(ctx):
    variant = Variant(sku="X", options={"colour": "鼠尾草绿", "size": "大号"}, options_en={"colour": "Sage", "size": "L"})
    with force_locale(ZH):
        assert variant.label == "鼠尾草绿 / 大号"
    with force_locale(EN):
        assert variant.label == "Sage / L"


def test_a_text_for_many_readers_keeps_both_languages_until_it_is_read():
    shop, product = Shop(name="林家茶桌", name_en="Lin's Tea Table"), Product(title="铸铁茶壶", title_en="")
    text = joined(bilingual(shop, "name"), bilingual(product, "title"))
    assert text.in_language(ZH) == "林家茶桌: 铸铁茶壶"
    assert text.in_language(EN) == "Lin's Tea Table: 铸铁茶壶"


def _bilingual_product(app, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier, "铸铁茶壶")
    with app.app_context():
        stored = db.session.get(Product, product.id)
        stored.title_en, stored.description, stored.description_en = "Cast iron teapot", "可放在炉上温茶。", \
            "Warms tea on the stove."
        variant = stored.variants[0]
        variant.options, variant.options_en = {"colour": "苔绿"}, {"colour": "Moss"}
        db.session.commit()
    return supplier, product


def test_the_product_page_is_in_the_viewers_language(client, app, make_supplier, make_product):
    _supplier, product = _bilingual_product(app, make_supplier, make_product)
    chinese = client.get(f"/p/{product.slug}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<h1>铸铁茶壶</h1>" in chinese and "可放在炉上温茶。" in chinese and "苔绿" in chinese
    assert "Cast iron teapot" not in chinese
    english = client.get(f"/p/{product.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Cast iron teapot</h1>" in english and "Warms tea on the stove." in english and "Moss" in english
    assert "<h1>铸铁茶壶</h1>" not in english


def test_an_english_viewer_sees_the_chinese_where_there_is_no_english(client, app, make_supplier, make_product):
    product = make_product(make_supplier(), "竹制砧板")
    english = client.get(f"/p/{product.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>竹制砧板</h1>" in english


# The supplier's forms

def _new_product_form(category: int, **fields) -> dict:
    return {"title": "铸铁茶壶", "title_en": "Cast iron teapot", "description": "可放在炉上温茶。",
            "description_en": "Warms tea on the stove.", "category_id": str(category), "supply_price": "120",
            "suggested_price": "199", "min_price": "160", "max_price": "259", **fields}


def test_the_product_form_shows_chinese_and_english_side_by_side(client, make_supplier):
    sign_in(client, make_supplier().member)
    page = client.get("/supplier/products/new").get_data(as_text=True)
    assert page.count('class="fieldset--bilingual"') == 2
    assert re.search(r'<input[^>]*id="title"[^>]*lang="zh-Hans"', page)
    assert re.search(r'<input[^>]*id="title_en"[^>]*lang="en"', page)
    assert re.search(r'<textarea[^>]*id="description_en"[^>]*lang="en"', page)


def test_a_product_is_saved_in_both_languages_and_english_is_optional(client, app, make_supplier, make_category):
    category = make_category()
    sign_in(client, make_supplier().member)
    assert client.submit("/supplier/products/new", _new_product_form(category)).status_code == 303
    assert client.submit("/supplier/products/new", _new_product_form(
        category, title="竹制砧板", title_en="", description_en="")).status_code == 303
    with app.app_context():
        saved = {p.title: (p.title_en, p.description, p.description_en) for p in db.session.scalars(db.select(Product))}
    assert saved == {"铸铁茶壶": ("Cast iron teapot", "可放在炉上温茶。", "Warms tea on the stove."),
                     "竹制砧板": ("", "可放在炉上温茶。", "")}


def test_without_the_chinese_title_the_form_comes_back_with_both_languages_kept(client, app, make_supplier,
                                                                                 make_category):
    category = make_category()
    sign_in(client, make_supplier().member)
    response = client.submit("/supplier/products/new", _new_product_form(category, title=""))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Give the product a title in Chinese." in body
    assert 'value="Cast iron teapot"' in body and "Warms tea on the stove." in body and "可放在炉上温茶。" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Product.id))) == 0


def test_too_long_english_is_refused_beside_its_field(client, make_supplier, make_category):
    category = make_category()
    sign_in(client, make_supplier().member)
    response = client.submit("/supplier/products/new", _new_product_form(category, title_en="x" * 161))
    assert response.status_code == 422
    assert 'id="title_en-error"' in response.get_data(as_text=True)


def test_a_variant_takes_its_options_in_both_languages(client, app, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier, active=False)
    sign_in(client, supplier.member)
    page = f"/supplier/products/{product.id}"
    response = client.submit(f"{page}/variants", {
        "new-variant-sku": "pot-moss", "new-variant-colour": "苔绿", "new-variant-colour_en": "Moss",
        "new-variant-size": "800 毫升", "new-variant-size_en": "", "new-variant-stock_on_hand": "3"}, page=page)
    assert response.status_code == 303
    with app.app_context():
        variant = db.session.scalar(db.select(Variant).where(Variant.sku == "POT-MOSS"))
        assert (variant.options, variant.options_en) == ({"colour": "苔绿", "size": "800 毫升"}, {"colour": "Moss"})
    edit_page = client.get(page).get_data(as_text=True)
    assert 'value="Moss"' in edit_page


def test_an_english_option_needs_its_chinese_value(client, app, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier, active=False)
    sign_in(client, supplier.member)
    page = f"/supplier/products/{product.id}"
    response = client.submit(f"{page}/variants", {
        "new-variant-sku": "pot-moss", "new-variant-colour": "", "new-variant-colour_en": "Moss",
        "new-variant-stock_on_hand": "3"}, page=page)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Give this option in Chinese too." in body and 'value="Moss"' in body and 'value="pot-moss"' in body
