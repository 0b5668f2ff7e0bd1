"""Relevance: what shoppers type against a small bilingual catalog, scored as precision at 10 (the share
of the first ten results that are wanted) and recall (the share of wanted products among them)."""
import pytest

from blueprints.catalog.models import Product, Variant
from blueprints.search.services import CatalogFilters, browse
from extensions import db

pytestmark = pytest.mark.all_databases

# (简体中文 title, English title, English description)
CATALOG = [
    ("铸铁茶壶", "Cast iron teapot", "Enamelled inside; keeps tea hot."),
    ("玻璃泡茶壶", "Glass teapot with infuser", "Borosilicate glass."),
    ("铸铁平底锅", "Cast-iron skillet", "Pre-seasoned, 26 cm."),
    ("不锈钢保温杯 500ml", "Stainless steel vacuum flask, 500 ml", "Keeps drinks hot for 12 hours."),
    ("不锈钢保温杯 350ml", "Stainless steel vacuum flask, 350 ml", "A smaller flask."),
    ("大容量保温壶 304不锈钢", "Large thermal jug, 304 steel", "1.5 litres."),
    ("西湖龙井茶", "West Lake Longjing tea", "Spring harvest green tea, 100 g."),
    ("安溪铁观音", "Anxi Tieguanyin oolong", "Roasted oolong, 100 g."),
    ("双层玻璃咖啡杯", "Double-wall glass coffee cup", "Keeps the outside cool."),
    ("陶瓷马克杯", "Stoneware mug", "Holds 350 ml."),
    ("青瓷茶杯四只装", "Celadon tea cups, set of four", "Hand glazed."),
    ("竹砧板", "Bamboo cutting board", "Oiled bamboo."),
    ("亚麻茶巾", "Linen tea towel", "Washed linen."),
    ("旅行茶具套装", "Travel tea set", "A pot, two cups and a case."),
    ("充电宝", "Power bank battery, 10000 mAh", "Charges a phone three times."),
    ("手冲咖啡壶", "Pour-over coffee kettle", "Gooseneck spout."),
    ("帆布托特包", "Canvas tote bag", "Heavy cotton canvas."),
    ("熨烫贴布", "Iron-on patches", "Five embroidered patches."),
]

# (query, the English titles a shopper wants, the least precision at 10 accepted for the case)
CASES = [
    ("teapots", {"Cast iron teapot", "Glass teapot with infuser"}, 1.0),
    ("teapot", {"Cast iron teapot", "Glass teapot with infuser"}, 1.0),
    ("cups", {"Double-wall glass coffee cup", "Celadon tea cups, set of four", "Travel tea set"}, 1.0),
    ("mugs", {"Stoneware mug"}, 1.0),
    ("batteries", {"Power bank battery, 10000 mAh"}, 1.0),
    ("cast-iron", {"Cast iron teapot", "Cast-iron skillet"}, 1.0),
    ("cast iron", {"Cast iron teapot", "Cast-iron skillet"}, 1.0),
    ("castiron", {"Cast iron teapot", "Cast-iron skillet"}, 1.0),
    ("保温杯500ml", {"Stainless steel vacuum flask, 500 ml"}, 1.0),
    ("保温杯 500 ml", {"Stainless steel vacuum flask, 500 ml"}, 1.0),
    ("500ml vacuum flasks", {"Stainless steel vacuum flask, 500 ml"}, 1.0),
    ("pour over", {"Pour-over coffee kettle"}, 1.0),
    ("不锈钢保温壶", {"Large thermal jug, 304 steel"}, 1.0),
    ("longjing", {"West Lake Longjing tea"}, 1.0),
    ("ljc", {"West Lake Longjing tea"}, 1.0),
    ("xihulongjing", {"West Lake Longjing tea"}, 1.0),
    ("baowenbei", {"Stainless steel vacuum flask, 500 ml", "Stainless steel vacuum flask, 350 ml"}, 1.0),
    ("bwb", {"Stainless steel vacuum flask, 500 ml", "Stainless steel vacuum flask, 350 ml"}, 1.0),
    ("tieguanyin", {"Anxi Tieguanyin oolong"}, 1.0),
    ("龙井", {"West Lake Longjing tea"}, 1.0),
    ("coffee", {"Double-wall glass coffee cup", "Pour-over coffee kettle"}, 1.0),
    ("咖啡", {"Double-wall glass coffee cup", "Pour-over coffee kettle"}, 1.0),
    ("oolong", {"Anxi Tieguanyin oolong"}, 1.0),
    ("thermal jug", {"Large thermal jug, 304 steel"}, 1.0),
    ("茶壶", {"Cast iron teapot", "Glass teapot with infuser"}, 1.0),
]
MEAN_PRECISION_FLOOR = 0.95


def test_precision_at_10_for_what_shoppers_type(ctx, make_supplier, make_product, make_category, capsys):
    supplier = make_supplier("Hangzhou Goods")
    category_id = make_category("home", "Home", "家居")
    made = [(make_product(supplier, title, category_id=category_id).id, title_en, description_en)
            for title, title_en, description_en in CATALOG]
    english_of = {}
    for product_id, title_en, description_en in made:
        product = db.session.get(Product, product_id)
        product.title_en, product.description_en = title_en, description_en
        product.description = "好东西。"
        for variant in db.session.scalars(db.select(Variant).where(Variant.product_id == product.id)):
            variant.options, variant.options_en = {"颜色": "本色"}, {"colour": "Natural"}
        english_of[product.title] = title_en
    db.session.commit()

    report, failures, precisions = [], [], []
    for query, wanted, floor in CASES:
        page, _facets = browse(CatalogFilters(query=query, sort="relevance"), per_page=10, with_facets=False)
        found = [english_of[product.title] for product in page.items]
        precision = len(wanted.intersection(found)) / len(found) if found else 0.0
        recall = len(wanted.intersection(found)) / len(wanted)
        precisions.append(precision)
        report.append(f"{query!r:28} P@10 {precision:.2f}  recall {recall:.2f}  {found}")
        if precision < floor or recall < 1.0:
            failures.append(report[-1])
    mean = sum(precisions) / len(precisions)
    with capsys.disabled():
        print(f"\nsearch relevance on {db.engine.dialect.name}: mean P@10 {mean:.3f} over {len(CASES)} cases")
        print("\n".join(report))
    assert not failures, "\n".join(failures)
    assert mean >= MEAN_PRECISION_FLOOR
