"""Demo data. Every step looks before it creates, so seeding twice changes nothing."""
import io
import secrets
import zlib
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from blueprints.orders.pledge_orders import confirm_pledge_order
from blueprints.codesign.services.prototypes import settle_stage
from blueprints.accounts.models import User
from blueprints.accounts.services import find_user_by_email, register_user
from blueprints.catalog.models import Category, Product, ProductImage, ProductStatus, Variant
from blueprints.catalog.services import change_status
from blueprints.codesign.models import AskStatus, Prototype, PrototypeImage, Stage
from blueprints.codesign.services.comments import add_comment, toggle_like
from blueprints.codesign.services.launch import launch
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.prototypes import PrototypeDetails, accept, create_prototype, decline, open_prototype
from blueprints.codesign.services.support import add_poll, support_prototype, vote
from blueprints.codesign.services.updates import answer_ask, make_ask, post_update
from blueprints.columns import utcnow
from blueprints.demo.teams import seed_teams
from blueprints.media.images import SIZES, StoredImage, image_path, store_image
from blueprints.money import current_rates
from blueprints.orders.models import PaymentMethod
from blueprints.demo.after_sale import seed_after_sale
from blueprints.orders.services import (AddressDetails, add_to_cart, complete_order, get_or_create_cart, mark_delivered,
                                        order_by_key, place_order, ship)
from blueprints.sharing.models import ShareLink
from blueprints.sharing.services import get_or_create_link, record_click
from blueprints.shops.models import Listing, Shop
from blueprints.slugs import unique_slug
from blueprints.suppliers.models import Supplier, SupplierAction, SupplierDecision, SupplierMember, SupplierStatus
from extensions import db

DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    is_admin: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin@demo.shelfmade.test", "Ada Admin", is_admin=True),
    DemoAccount("supplier@demo.shelfmade.test", "Sam Supplier"),
    DemoAccount("shop@demo.shelfmade.test", "Shen Shopkeeper"),
    DemoAccount("shopper@demo.shelfmade.test", "Xiao Shopper"),
    DemoAccount("ceramics@demo.shelfmade.test", "Wei Potter"),
    DemoAccount("applicant@demo.shelfmade.test", "Fang Applicant"),
    DemoAccount("lin@demo.shelfmade.test", "Lin Curator"),
)

# slug, English, Chinese, parent slug
CATEGORIES = (
    ("home", "Home", "家居", None),
    ("kitchen", "Kitchen", "厨房", "home"),
    ("textiles", "Textiles", "布艺", "home"),
    ("fashion", "Bags & accessories", "包袋配饰", None),
    ("bags", "Bags", "包袋", "fashion"),
    ("accessories", "Accessories", "配饰", "fashion"),
    ("tea", "Tea & snacks", "茶与零食", None),
    ("stationery", "Stationery", "文具", None),
)

# supplier slug, member email, status, (name, English name), (what it makes, in English)
SUPPLIERS = (
    ("hangzhou-home-works", "supplier@demo.shelfmade.test", SupplierStatus.VERIFIED, ("杭州家作", "Hangzhou Home Works"),
     ("1998 年起的家庭工坊，做厨房用品、布艺和包袋，工坊就在杭州余杭。",
      "A family workshop in Yuhang, Hangzhou, making kitchenware, textiles and bags since 1998.")),
    ("jingdezhen-clay", "ceramics@demo.shelfmade.test", SupplierStatus.VERIFIED, ("景德镇泥语", "Jingdezhen Clay"),
     ("景德镇手工拉坯的瓷器与茶器，也精选几款好茶。",
      "Hand-thrown porcelain and tea ware from Jingdezhen, and a few teas we drink ourselves.")),
    ("yiwu-bright-ideas", "applicant@demo.shelfmade.test", SupplierStatus.APPLIED, ("义乌亮点", "Yiwu Bright Ideas"),
     ("文具和小礼品；正在等待审核。", "Stationery and small gifts; waiting for verification.")),
)


@dataclass(frozen=True)
class DemoProduct:
    supplier: str
    category: str
    title: str                 # 简体中文, the required text
    title_en: str
    supply_yuan: int
    suggested_yuan: int
    picture: str               # a kind of drawing in blueprints.demo.pictures
    options: dict              # option name -> [(中文, English)]
    about: tuple[str, str]     # one line about it, in Chinese and English


PRODUCTS = (
    DemoProduct("hangzhou-home-works", "kitchen", "不锈钢保温杯 500ml", "Insulated bottle 500 ml", 39, 69, "bottle",
                {"colour": [("鼠尾草绿", "Sage"), ("墨黑", "Ink"), ("沙色", "Sand")]},
                ("316 不锈钢内胆，保温 12 小时，容量 500 毫升。",
                 "316 stainless steel inside, keeps tea hot for 12 hours, holds 500 ml.")),
    DemoProduct("hangzhou-home-works", "kitchen", "竹制砧板", "Bamboo cutting board", 45, 79, "cutting_board",
                {"size": [("30×20cm", "30 × 20 cm"), ("38×26cm", "38 × 26 cm"), ("45×30cm", "45 × 30 cm")]},
                ("整竹压制，厚 2 厘米，不易开裂，一面带挂孔。",
                 "Pressed whole bamboo, 2 cm thick, slow to crack, with a hole to hang it by.")),
    DemoProduct("hangzhou-home-works", "kitchen", "双层玻璃咖啡杯", "Double-wall glass coffee cup", 28, 49, "glass_cup",
                {"colour": [("透明", "Clear"), ("琥珀", "Amber")]},
                ("高硼硅双层玻璃，300 毫升，装热咖啡也不烫手。",
                 "Double-wall borosilicate glass, 300 ml; hot coffee, cool to hold.")),
    DemoProduct("hangzhou-home-works", "kitchen", "铸铁茶壶", "Cast iron teapot", 120, 199, "teapot",
                {"colour": [("黑色", "Black"), ("苔绿", "Moss")]},
                ("800 毫升铸铁壶，内附不锈钢滤网，可放在炉上温茶。",
                 "An 800 ml cast iron pot with a stainless steel infuser; warms tea on the stove.")),
    DemoProduct("hangzhou-home-works", "kitchen", "竹制筷子套装", "Bamboo chopsticks set", 18, 35, "chopsticks",
                {"size": [("5 双", "5 pairs"), ("10 双", "10 pairs")]},
                ("楠竹整根削制，长 24 厘米，无漆无蜡。", "Cut from whole moso bamboo, 24 cm long, no lacquer or wax.")),
    DemoProduct("hangzhou-home-works", "textiles", "亚麻茶巾三条装", "Linen tea towels, set of 3", 32, 59, "towels",
                {"colour": [("燕麦", "Oat"), ("铁锈红", "Rust"), ("石板灰", "Slate")]},
                ("水洗亚麻，每条 45×70 厘米，越洗越软。", "Washed linen, 45 × 70 cm each; softer with every wash.")),
    DemoProduct("hangzhou-home-works", "textiles", "亚麻桌旗", "Linen table runner", 55, 99, "table_runner",
                {"size": [("150cm", "150 cm"), ("200cm", "200 cm")]},
                ("宽 35 厘米，两端手工流苏。", "35 cm wide, with hand-knotted fringes at both ends.")),
    DemoProduct("hangzhou-home-works", "textiles", "绗缝棉盖毯", "Quilted cotton throw", 150, 269, "throw",
                {"colour": [("靛蓝", "Indigo"), ("奶白", "Cream")]},
                ("纯棉双面绗缝，130×170 厘米，沙发午睡正好。",
                 "Cotton quilted on both sides, 130 × 170 cm: right for a nap on the sofa.")),
    DemoProduct("hangzhou-home-works", "textiles", "手工扎染抱枕套", "Hand tie-dyed cushion cover", 38, 69, "cushion",
                {"colour": [("靛蓝", "Indigo"), ("赭黄", "Ochre")]},
                ("植物染料手工扎染，45×45 厘米，隐形拉链。",
                 "Tie-dyed by hand with plant dyes, 45 × 45 cm, hidden zip.")),
    DemoProduct("hangzhou-home-works", "bags", "油蜡帆布托特包", "Waxed canvas tote", 88, 159, "tote",
                {"colour": [("橄榄绿", "Olive"), ("藏青", "Navy"), ("棕褐", "Tan")]},
                ("防泼水油蜡帆布，40×35×12 厘米，能放下 14 英寸电脑。",
                 "Shower-proof waxed canvas, 40 × 35 × 12 cm; takes a 14-inch laptop.")),
    DemoProduct("hangzhou-home-works", "bags", "帆布双肩包", "Canvas backpack", 95, 179, "backpack",
                {"colour": [("黑色", "Black"), ("灰色", "Grey")], "size": [("中号 20L", "M, 20 L"), ("大号 28L", "L, 28 L")]},
                ("加厚帆布，背带有软垫，侧袋能放保温杯。",
                 "Heavy canvas, padded straps, and a side pocket for a bottle.")),
    DemoProduct("hangzhou-home-works", "bags", "折叠购物袋", "Foldable market bag", 22, 39, "market_bag",
                {"colour": [("红色", "Red"), ("绿色", "Green"), ("蓝色", "Blue")]},
                ("可折进自带小袋，承重 15 公斤。", "Folds into its own pocket; carries 15 kg.")),
    DemoProduct("hangzhou-home-works", "accessories", "真丝发圈三件套", "Silk scrunchies, set of 3", 25, 45,
                "scrunchies", {"colour": [("柔和色", "Pastel"), ("深色", "Deep")]},
                ("19 姆米桑蚕丝，不勒头发。", "19 momme mulberry silk; kind to hair.")),
    DemoProduct("hangzhou-home-works", "accessories", "皮革钥匙扣", "Leather key fob", 30, 55, "key_fob",
                {"colour": [("棕褐", "Tan"), ("黑色", "Black")]},
                ("植鞣牛皮手缝，黄铜钥匙圈。", "Hand-stitched vegetable-tanned leather, brass key ring.")),
    DemoProduct("hangzhou-home-works", "accessories", "羊毛围巾", "Wool scarf", 110, 199, "scarf",
                {"colour": [("驼色", "Camel"), ("灰色", "Grey"), ("酒红", "Wine")]},
                ("美丽诺羊毛，30×180 厘米，不扎脖子。", "Merino wool, 30 × 180 cm, soft against the neck.")),
    DemoProduct("hangzhou-home-works", "stationery", "亚麻封面笔记本 A5", "Linen-bound notebook A5", 26, 48, "notebook",
                {"colour": [("鼠尾草绿", "Sage"), ("玫瑰粉", "Rose")]},
                ("A5，192 页 100 克道林纸，可平摊。", "A5, 192 pages of 100 g paper, lies flat.")),
    DemoProduct("hangzhou-home-works", "stationery", "黄铜书签", "Brass bookmark", 15, 29, "bookmark",
                {"colour": [("黄铜", "Brass")]},
                ("实心黄铜，长 12 厘米，配红色丝穗。", "Solid brass, 12 cm long, with a red silk tassel.")),
    DemoProduct("jingdezhen-clay", "kitchen", "青花瓷饭碗", "Blue-and-white rice bowl", 28, 52, "rice_bowl",
                {"size": [("直径 11.5cm", "11.5 cm across"), ("直径 15cm", "15 cm across")]},
                ("手绘青花，釉下彩，可进微波炉和洗碗机。",
                 "Hand-painted cobalt under the glaze; microwave and dishwasher safe.")),
    DemoProduct("jingdezhen-clay", "kitchen", "青瓷餐盘", "Celadon serving plate", 68, 119, "plate",
                {"size": [("24cm", "24 cm"), ("30cm", "30 cm")]},
                ("龙泉青瓷釉色，盘边微微上翘。", "A Longquan celadon glaze, with a gently raised rim.")),
    DemoProduct("jingdezhen-clay", "kitchen", "粗陶马克杯", "Stoneware mug", 35, 65, "mug",
                {"colour": [("斑点", "Speckled"), ("炭黑", "Charcoal"), ("冰川蓝", "Glacier")]},
                ("350 毫升，粗陶手感，杯柄能放进三根手指。",
                 "350 ml of rough stoneware, with a handle that fits three fingers.")),
    DemoProduct("jingdezhen-clay", "tea", "白瓷盖碗", "Porcelain gaiwan", 48, 88, "gaiwan",
                {"colour": [("白色", "White"), ("青花", "Blue and white")]},
                ("150 毫升，碗沿外翻不烫手，泡绿茶和乌龙都合适。",
                 "150 ml, with a flared rim that stays cool; for green tea and oolong.")),
    DemoProduct("jingdezhen-clay", "tea", "功夫茶具套装", "Gongfu tea set", 220, 398, "tea_set",
                {"colour": [("青瓷", "Celadon"), ("汝窑", "Ru kiln")]},
                ("一壶四杯一茶盘，壶 180 毫升。", "A pot, four cups and a tray; the pot holds 180 ml.")),
    DemoProduct("jingdezhen-clay", "tea", "带滤网公道杯", "Glass tea pitcher with strainer", 58, 99, "pitcher",
                {"colour": [("透明", "Clear"), ("烟灰", "Smoke")]},
                ("300 毫升耐热玻璃，滤网细密，不漏茶渣。",
                 "300 ml of heat-proof glass; the fine strainer keeps the leaves out.")),
    DemoProduct("jingdezhen-clay", "tea", "白茶饼 357g", "White tea cake 357 g", 90, 168, "tea_cake",
                {"size": [("2019 年", "2019"), ("2021 年", "2021")]},
                ("福鼎寿眉压饼，357 克，越放越醇。", "Fuding Shoumei pressed into a 357 g cake; mellows with age.")),
    DemoProduct("jingdezhen-clay", "tea", "西湖龙井茶", "West Lake Longjing tea", 120, 218, "tea_tin",
                {"size": [("100 克", "100 g"), ("250 克", "250 g")]},
                ("明前龙井，西湖产区，手工炒制，罐装。",
                 "Pre-Qingming Longjing from the West Lake area, pan-fired by hand, in a tin.")),
    DemoProduct("jingdezhen-clay", "tea", "桂花乌龙茶", "Osmanthus oolong tea", 45, 85, "tea_tin",
                {"size": [("50 克", "50 g"), ("150 克", "150 g")]},
                ("台式乌龙窨桂花，冷泡热泡都好喝。", "Oolong scented with osmanthus; good hot or cold-brewed.")),
    DemoProduct("jingdezhen-clay", "home", "手拉坯花瓶", "Hand-thrown vase", 85, 158, "vase",
                {"colour": [("月白", "Moon white"), ("铁褐", "Iron brown")]},
                ("高 22 厘米，每只釉色略有不同。", "22 cm tall; every glaze comes out a little different.")),
    DemoProduct("jingdezhen-clay", "home", "陶瓷香薰座", "Ceramic diffuser", 32, 59, "diffuser",
                {"colour": [("象牙白", "Ivory"), ("玉色", "Jade")]},
                ("附 6 根藤条和 100 毫升精油。", "Comes with 6 rattan reeds and 100 ml of oil.")),
    DemoProduct("jingdezhen-clay", "stationery", "青瓷笔架", "Celadon brush rest", 40, 75, "brush_rest",
                {"colour": [("青瓷", "Celadon")]},
                ("山形笔架，长 12 厘米，也能放筷子。", "A mountain-shaped rest, 12 cm long; takes chopsticks too.")),
    DemoProduct("jingdezhen-clay", "accessories", "瓷珠手链", "Porcelain bead bracelet", 36, 66, "bracelet",
                {"colour": [("蓝色", "Blue"), ("白色", "White")]},
                ("手绘瓷珠，弹力绳，适合 15–18 厘米手腕。",
                 "Hand-painted porcelain beads on elastic; fits 15–18 cm wrists.")),
)

# owner email, (name, English name), slug, (tagline, English tagline), titles with price as a share of the band
SHOPS = (
    ("shop@demo.shelfmade.test", ("小沈的家居铺", "Shen's Home Corner"), "shen-home",
     ("我每天在家用的好物，都来自我拜访过的供应商。", "Things I use at home every day, from suppliers I have visited."),
     (("不锈钢保温杯 500ml", 0.5), ("亚麻茶巾三条装", 0.3), ("青花瓷饭碗", 0.6),
      ("油蜡帆布托特包", 0.4), ("白瓷盖碗", 0.5), ("亚麻桌旗", 0.2))),
    ("lin@demo.shelfmade.test", ("林家茶桌", "Lin's Tea Table"), "lin-tea-table",
     ("茶器与好茶，慢慢挑选。", "Tea ware and tea, chosen slowly."),
     (("功夫茶具套装", 0.4), ("西湖龙井茶", 0.5), ("白茶饼 357g", 0.5), ("带滤网公道杯", 0.3))),
)


def seed_demo() -> list[str]:
    """Create whatever demo data is missing; returns what was created."""
    # The demo's shoppers are Chinese: their orders keep the catalog's text as they saw it, in Chinese.
    with force_locale("zh_Hans"):
        return _seed_everything()


def _seed_everything() -> list[str]:
    created = []
    users = {}
    for account in DEMO_ACCOUNTS:
        user = find_user_by_email(account.email)
        if user is None:
            user = register_user(account.email, account.display_name, DEMO_PASSWORD, is_admin=account.is_admin)
            created.append(account.email)
        users[account.email] = user
    categories = _seed_categories(created)
    suppliers = _seed_suppliers(users, created)
    products = _seed_products(suppliers, categories, created)
    _seed_shops(users, products, created)
    _seed_orders(users, created)
    _seed_prototypes(users, categories, created)
    _seed_sharing(users, created)
    seed_after_sale(users, created)
    seed_teams(users, created)
    _seed_reviews(users, created)
    _seed_address_book(users, created)
    return created


def _seed_address_book(users, created: list[str]) -> None:
    """The shopper's saved addresses (home is the default) and time zone; nothing is added twice."""
    from blueprints.orders.services.addresses import add_address
    from blueprints.orders.services.checkout import saved_addresses

    buyer = users["shopper@demo.shelfmade.test"]
    buyer.time_zone = buyer.time_zone or "Asia/Shanghai"
    if not saved_addresses(buyer):
        add_address(buyer, DEMO_ADDRESS, make_default=True)
        add_address(buyer, AddressDetails("王小明", "13800138000", "上海市", "上海市", "浦东新区",
                                          "世纪大道 100 号 20 楼"))
        created.append("address book of shopper@demo.shelfmade.test")


def _seed_categories(created: list[str]) -> dict[str, Category]:
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (slug, name_en, name_zh, parent) in enumerate(CATEGORIES):
        if slug not in categories:
            categories[slug] = Category(slug=slug, name_en=name_en, name_zh=name_zh, position=position,
                                        parent=categories.get(parent))
            db.session.add(categories[slug])
            created.append(f"category {slug}")
    db.session.flush()
    return categories


def _seed_suppliers(users: dict[str, User], created: list[str]) -> dict[str, Supplier]:
    admin = users["admin@demo.shelfmade.test"]
    suppliers = {s.slug: s for s in db.session.scalars(select(Supplier))}
    for slug, email, status, (name, name_en), (description, description_en) in SUPPLIERS:
        if slug in suppliers:
            continue
        supplier = Supplier(slug=slug, name=name, name_en=name_en, description=description,
                            description_en=description_en, contact="+86 571 8888 0000",
                            registration_number=f"91330100MA{zlib.crc32(slug.encode()) % 10**8:08d}",
                            applied_by_id=users[email].id, status=status)
        db.session.add(supplier)
        db.session.flush()
        db.session.add(SupplierMember(supplier_id=supplier.id, user_id=users[email].id))
        if status == SupplierStatus.VERIFIED:
            supplier.verified_by_id, supplier.verified_at = admin.id, utcnow()
            db.session.add(SupplierDecision(supplier_id=supplier.id, admin_id=admin.id,
                                            action=SupplierAction.APPROVE, reason="Demo data"))
        suppliers[slug] = supplier
        created.append(f"supplier {slug}")
    db.session.flush()
    return suppliers


# A demo picture's stored sizes, by what it shows: drawing and encoding them is most of seeding's time, and the
# tests seed the demo again and again in one process.
_DEMO_PICTURES: dict[tuple, tuple[dict[str, bytes], int, int]] = {}


def _demo_picture(picture: str, colour: str | None, hue: float) -> StoredImage:
    from blueprints.demo.pictures import draw_product  # Pillow: here, not in every worker at start-up

    drawn = (picture, colour, hue)
    if drawn not in _DEMO_PICTURES:
        stored = store_image(io.BytesIO(draw_product(picture, colour, hue)))
        _DEMO_PICTURES[drawn] = ({size: image_path(stored.key, size).read_bytes() for size in SIZES},
                                 stored.width, stored.height)
        return stored
    sizes, width, height = _DEMO_PICTURES[drawn]
    key = secrets.token_hex(12)
    for size, data in sizes.items():
        image_path(key, size).write_bytes(data)
    return StoredImage(key, width, height)


def _seed_products(suppliers, categories, created: list[str]) -> dict[str, Product]:
    products = {p.title: p for p in db.session.scalars(select(Product))}
    for index, item in enumerate(PRODUCTS):
        if item.title in products:
            continue
        supplier = suppliers[item.supplier]
        supply, suggested = item.supply_yuan * 100, item.suggested_yuan * 100
        about, about_en = item.about
        product = Product(supplier=supplier, category=categories[item.category], title=item.title,
                          title_en=item.title_en, slug=unique_slug(Product.slug, item.title, fallback=f"product-{index}"),
                          description=f"{about}\n由{supplier.name}制作，从自家工坊发货，48 小时内发出。",
                          description_en=f"{about_en}\nMade by {supplier.name_en}; ships within 48 hours from "
                                         "their own workshop.",
                          status=ProductStatus.ACTIVE, supply_price=supply, suggested_price=suggested,
                          min_price=max(supply, suggested * 80 // 100), max_price=suggested * 130 // 100)
        db.session.add(product)
        db.session.flush()
        colours = _picture_colours(item.options)
        pictures = {}
        for position, colour in enumerate(colours):
            stored = _demo_picture(item.picture, colour, _hue(item.title) + position * 0.18)
            picture = ProductImage(product=product, key=stored.key, width=stored.width, height=stored.height,
                                   position=position)
            db.session.add(picture)
            pictures.setdefault(colour, picture)
        db.session.flush()
        # Each colour has its own picture when there are several, so choosing a colour shows it at once.
        shows_colour = len(set(colours)) > 1
        for position, (values, values_en) in enumerate(_combinations(item.options)):
            sku = f"{item.supplier[:3].upper()}-{product.id:03d}-{position + 1:02d}"
            stock = (index * 7 + position * 5) % 40
            picture = pictures.get(values_en.get("colour")) if shows_colour else None
            db.session.add(Variant(product=product, sku=sku, options=values, options_en=values_en,
                                   stock_on_hand=stock, position=position, image_id=picture.id if picture else None))
        products[item.title] = product
        created.append(f"product {product.slug}")
    db.session.flush()
    return products


def _combinations(options: dict[str, list[tuple[str, str]]]) -> list[tuple[dict[str, str], dict[str, str]]]:
    """Every combination of option values, as (Chinese values, English values)."""
    combos = [({}, {})]
    for name, values in options.items():
        combos = [({**chinese, name: value}, {**english, name: value_en})
                  for chinese, english in combos for value, value_en in values]
    return combos


def _picture_colours(options: dict[str, list[tuple[str, str]]]) -> list[str | None]:
    """One picture per colour when there are several, else two of the one colour (or of none)."""
    colours = [english for _chinese, english in options.get("colour", [])]
    return colours if len(colours) > 1 else (colours + colours + [None, None])[:2]


def _hue(title: str) -> float:
    return (zlib.crc32(title.encode()) % 360) / 360


def _seed_shops(users, products, created: list[str]) -> None:
    for email, (name, name_en), slug, (tagline, tagline_en), picks in SHOPS:
        owner = users[email]
        if db.session.scalar(select(Shop.id).where(Shop.owner_id == owner.id)) is not None:
            continue
        shop = Shop(owner_id=owner.id, name=name, name_en=name_en, slug=slug, tagline=tagline, tagline_en=tagline_en)
        db.session.add(shop)
        db.session.flush()
        for position, (title, share) in enumerate(picks, start=1):
            product = products[title]
            price = product.min_price + int((product.max_price - product.min_price) * share)
            price = min(max(-(-price // 100) * 100, product.min_price), product.max_price)  # whole yuan
            db.session.add(Listing(shop_id=shop.id, product_id=product.id, price=price,
                                   position=position, featured=position <= 2))
        created.append(f"shop {slug}")
    db.session.flush()


# key, shop slug, [(product title, quantity)], payment, how far it got
ORDERS = (
    ("demo-order-1", "shen-home", [("不锈钢保温杯 500ml", 2), ("青花瓷饭碗", 4)], PaymentMethod.CASH_ON_DELIVERY, "ready"),
    ("demo-order-2", "shen-home", [("油蜡帆布托特包", 1)], PaymentMethod.BANK_TRANSFER, "awaiting payment"),
    ("demo-order-3", "lin-tea-table", [("功夫茶具套装", 1)], PaymentMethod.CASH_ON_DELIVERY, "shipped"),
    ("demo-order-4", "shen-home", [("亚麻茶巾三条装", 2)], PaymentMethod.CASH_ON_DELIVERY, "completed"),
)
DEMO_ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号 3 幢 201")


def _seed_orders(users, created: list[str]) -> None:
    buyer = users["shopper@demo.shelfmade.test"]
    for key, shop_slug, picks, payment, progress in ORDERS:
        if order_by_key(key) is not None:
            continue
        shop = db.session.scalar(select(Shop).where(Shop.slug == shop_slug))
        cart = get_or_create_cart(buyer, None)
        for title, quantity in picks:
            product = db.session.scalar(select(Product).where(Product.title == title))
            variant = max(product.variants, key=lambda v: v.stock_on_hand)
            add_to_cart(cart, variant, shop, quantity)
        order = place_order(buyer, cart, DEMO_ADDRESS, payment, key, current_rates())
        for shipment in order.shipments:
            member = shipment.supplier.members[0].user
            if progress in ("shipped", "completed"):
                ship(member, shipment, carrier="SF Express", tracking_number=f"SF{order.id:010d}")
            if progress == "completed":
                mark_delivered(member, shipment)
        if progress == "completed":
            complete_order(order)
        created.append(f"order {order.number} ({progress})")
    db.session.flush()


@dataclass(frozen=True)
class DemoPoll:
    question: tuple[str, str]          # (中文, English)
    variant_option: str | None
    answers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DemoPrototype:
    title: tuple[str, str]             # (中文, English)
    supplier: str
    category: str
    stage: Stage
    target_yuan: int
    early_bird_yuan: int
    moq: int
    picture: str
    about: tuple[str, str]
    specs: tuple[str, str]
    poll: DemoPoll | None = None


PROTOTYPES = (
    DemoPrototype(("竹纤维便当盒", "Bamboo-fibre lunch box"), "hangzhou-home-works", "kitchen", Stage.OPEN, 89, 69, 200,
                  "lunch_box", ("两层便当盒，竹纤维做的，比塑料轻，也不串味。",
                                "A two-tier lunch box in bamboo fibre: lighter than plastic, and it keeps no smells."),
                  ("容量 800 毫升，两层；18×12×7 厘米；可进洗碗机，不可进微波炉。",
                   "800 ml in two tiers; 18 × 12 × 7 cm; dishwasher safe, not for the microwave."),
                  DemoPoll(("选哪个颜色？", "Which colour?"), "colour",
                           (("鼠尾草绿", "Sage"), ("沙色", "Sand"), ("珊瑚红", "Coral")))),
    DemoPrototype(("手绘青花杯垫", "Hand-painted coasters"), "jingdezhen-clay", "home", Stage.OPEN, 59, 45, 100,
                  "coasters", ("四片一套的瓷杯垫，每片手绘青花纹样。",
                               "A set of four porcelain coasters, each painted by hand in cobalt blue."),
                  ("直径 10 厘米，厚 6 毫米，底部软木防滑。", "10 cm across, 6 mm thick, cork underneath."),
                  DemoPoll(("选哪种纹样？", "Which pattern?"), None,
                           (("莲花", "Lotus"), ("海浪", "Waves"), ("仙鹤", "Cranes"), ("祥云", "Clouds")))),
    DemoPrototype(("大口袋亚麻围裙", "Linen apron with deep pockets"), "hangzhou-home-works", "textiles", Stage.REVIEW,
                  129, 99, 150, "apron", ("厨房和工作台都能用的亚麻围裙，口袋够深，放得下手机。",
                                         "A linen apron for the kitchen or the workbench, with pockets deep enough "
                                         "for a phone."),
                  ("全长 85 厘米，可调节颈带；两个 20 厘米深的口袋。",
                   "85 cm long, adjustable neck strap; two pockets 20 cm deep.")),
    DemoPrototype(("折叠竹茶盘", "Folding bamboo tea tray"), "jingdezhen-clay", "tea", Stage.DECLINED, 199, 159, 300,
                  "tea_tray", ("可以对折收起来的竹茶盘，带接水层。",
                               "A bamboo tea tray that folds in half, with a drip tray below."),
                  ("展开 40×25 厘米，折起 20×25 厘米，高 5 厘米。",
                   "40 × 25 cm open, 20 × 25 cm folded, 5 cm high.")),
    DemoPrototype(("旅行茶具", "Travel tea set"), "jingdezhen-clay", "tea", Stage.LAUNCHED, 168, 128, 5,
                  "travel_tea_set", ("一壶两杯装进硬壳收纳盒，出差露营都能好好泡茶。",
                                     "A pot and two cups in a hard case, for proper tea on trips and camping."),
                  ("壶 150 毫升，杯 50 毫升；收纳盒 16×11×8 厘米。",
                   "Pot 150 ml, cups 50 ml; the case is 16 × 11 × 8 cm."),
                  DemoPoll(("收纳盒选哪个颜色？", "Which case colour?"), "colour",
                           (("靛蓝", "Indigo"), ("苔绿", "Moss"), ("陶土", "Clay")))),
    DemoPrototype(("陶瓷香薰座（第二版）", "Ceramic diffuser, second version"), "jingdezhen-clay", "home", Stage.DRAFT,
                  79, 59, 80, "diffuser", ("更矮更稳的香薰座，瓶口收窄，香味散得更慢。",
                                          "A lower, steadier diffuser with a narrower neck, so the scent lasts longer."),
                  ("高 12 厘米，容量 150 毫升。", "12 cm tall, holds 150 ml.")),
)
SUPPORTERS = ("shopper@demo.shelfmade.test", "shop@demo.shelfmade.test", "lin@demo.shelfmade.test",
              "applicant@demo.shelfmade.test")


def _seed_prototypes(users, categories, created: list[str]) -> None:
    shopper = users["shopper@demo.shelfmade.test"]
    shopper.credit_contributions = True  # so the launched product has someone to thank by name
    for index, item in enumerate(PROTOTYPES):
        (title, title_en), stage, target = item.title, item.stage, item.target_yuan
        if db.session.scalar(select(Prototype.id).where(Prototype.title == title)) is not None:
            continue
        supplier = db.session.scalar(select(Supplier).where(Supplier.slug == item.supplier))
        member = supplier.members[0].user
        deadline = utcnow() + timedelta(days=5 + index * 3)
        prototype = create_prototype(member, PrototypeDetails(
            title=title, title_en=title_en,
            description=f"{item.about[0]}\n这是{supplier.name}的新想法：告诉我们怎样才适合你。",
            description_en=f"{item.about[1]}\nA new idea from {supplier.name_en}: tell us what would make it right "
                           "for you.",
            specs=item.specs[0], specs_en=item.specs[1],
            category_id=categories[item.category].id, target_price=target * 100,
            early_bird_price=item.early_bird_yuan * 100, moq=item.moq,
            deadline=deadline, support_goals="2,10,100" if index == 0 else ""))
        colours = [answer_en for _answer, answer_en in item.poll.answers] if item.poll and item.poll.variant_option \
            else []
        for position, colour in enumerate((colours + colours + [None, None])[:2]):
            stored = _demo_picture(item.picture, colour, _hue(title) + position * 0.3)
            prototype.images.append(PrototypeImage(key=stored.key, width=stored.width, height=stored.height,
                                                   position=len(prototype.images)))
        if item.poll:
            poll = item.poll
            add_poll(member, prototype, poll.question[0], [answer for answer, _ in poll.answers], poll.variant_option,
                     question_en=poll.question[1], options_en=[answer_en for _, answer_en in poll.answers])
        created.append(f"prototype {prototype.slug} ({stage})")
        if stage == Stage.DRAFT:
            continue
        open_prototype(member, prototype)
        voters = [users[email] for email in SUPPORTERS]
        for n, voter in enumerate(voters[: 2 + index % 3]):
            support_prototype(voter, prototype, (target - 10 + n * 10) * 100)
            if prototype.polls:
                vote(voter, prototype.polls[0].options[n % 2])
            if n < 2:
                pledge(voter, prototype, 2 + n)
        question = add_comment(shopper, prototype, "盖子（或收纳盒）能盖紧吗？想放包里带着走。"
                                                   "Could the lid (or case) close tightly enough to carry in a bag?")
        reply = add_comment(member, prototype, "可以：我们在试硅胶密封圈，结果会发在这里。"
                                               "Yes: we are testing a silicone seal. We will post the result here.",
                            question)
        add_comment(users["lin@demo.shelfmade.test"], prototype, "小一号的话放我书桌上更合适。")
        ask = make_ask(member, question)
        answer_ask(member, ask, AskStatus.PLANNED, "下一版样品加硅胶密封圈。A silicone seal is going into the next sample.")
        toggle_like(users["shop@demo.shelfmade.test"], question)
        toggle_like(users["lin@demo.shelfmade.test"], question)
        del reply
        if stage == Stage.OPEN:
            continue
        if stage == Stage.REVIEW:
            # Its deadline passed below the MOQ: the pledges are void and the pledgers were told.
            prototype.deadline = utcnow() - timedelta(minutes=1)
            settle_stage(prototype)
            created.append(f"prototype {prototype.slug} closed below its MOQ, pledges void")
            continue
        prototype.stage = Stage.REVIEW
        if stage == Stage.DECLINED:
            decline(member, prototype, "茶盘在湿度测试中开裂，今年不做了。"
                                       "The tray cracked in our humidity tests; we will not make it this year.")
            continue
        if stage == Stage.REVIEW:
            continue
        answer_ask(member, ask, AskStatus.DONE, "已完成：收纳盒加了硅胶密封圈。Done: the case now closes with a silicone seal.")
        post_update(member, prototype, "按大家的建议，收纳盒加了硅胶密封圈。Added a silicone seal to the case, as asked.",
                    ask_ids=[ask.id])
        accept(member, prototype)
        product = launch(member, prototype)
        for variant in product.variants:
            variant.stock_on_hand = 30
        db.session.flush()
        change_status(member, product, ProductStatus.ACTIVE)
        # It reached its goal, so the shopper's pledge became an order to confirm; they confirmed it.
        order = confirm_pledge_order(shopper, prototype, product.variants[0].id, DEMO_ADDRESS,
                                     PaymentMethod.CASH_ON_DELIVERY, "demo-pledge-order", current_rates())
        created.append(f"pledge on {prototype.slug} confirmed as order {order.number}")
    db.session.flush()


def _seed_sharing(users, created: list[str]) -> None:
    """Lin shares a listing; people click; two orders come through it (one completed, one on its way)."""
    sharer, buyer = users["lin@demo.shelfmade.test"], users["shopper@demo.shelfmade.test"]
    product = db.session.scalar(select(Product).where(Product.title == "不锈钢保温杯 500ml"))
    path = f"/shops/shen-home/p/{product.slug}"
    if db.session.scalar(select(ShareLink.id).where(ShareLink.user_id == sharer.id, ShareLink.path == path)):
        return
    link = get_or_create_link(sharer, path)
    for n in range(5):
        record_click(link, f"demo-visitor-{n}", "Mozilla/5.0 (demo)", utcnow().date() - timedelta(days=n))
    shop = db.session.scalar(select(Shop).where(Shop.slug == "shen-home"))
    variant = max(product.variants, key=lambda v: v.stock_on_hand)
    for key, progress in (("demo-shared-1", "completed"), ("demo-shared-2", "placed")):
        cart = get_or_create_cart(buyer, None)
        add_to_cart(cart, variant, shop, 1)
        order = place_order(buyer, cart, DEMO_ADDRESS, PaymentMethod.CASH_ON_DELIVERY, key, current_rates(),
                            share_link=link)
        if progress == "completed":
            member = order.shipments[0].supplier.members[0].user
            ship(member, order.shipments[0], carrier="SF Express", tracking_number=f"SF{order.id:010d}")
            mark_delivered(member, order.shipments[0])
            complete_order(order)
    created.append(f"share link /s/{link.code} with clicks and rewarded orders")
    db.session.flush()


# Reviews (buyer, product title, stars, text, photo?, official answer, moderation reason, days ago)
REVIEWS = (
    ("shopper@demo.shelfmade.test", "亚麻茶巾三条装", 5,
     "吸水很好，洗了三次也没有起球。Soaks up well and no pilling after three washes.", True,
     "谢谢！Thank you: they soften further with every wash.", None, 3),
    ("shopper@demo.shelfmade.test", "不锈钢保温杯 500ml", 4, "保温效果不错，一整天都是热的，只是盖子有点紧。", False, None, None, 2),
    ("lin@demo.shelfmade.test", "不锈钢保温杯 500ml", 3, "The lid is hard to open with cold hands. Please make it easier.",
     False, None, None, 1),
    ("lin@demo.shelfmade.test", "青花瓷饭碗", 1, "加我微信 shop-888 买更便宜的，比这里便宜一半！", False, None,
     "广告和联系方式 Advertising and contact details", 1),
    ("lin@demo.shelfmade.test", "旅行茶具", 5, "The sealed case is exactly what the prototype page asked for. 出差带着很方便。",
     True, None, None, 0),
)


def _seed_reviews(users, created: list[str]) -> None:
    """Reviews of delivered lines: one with an official answer, one with a photo, one folded by moderation, one
    turned into an ask on a prototype, one of the product a prototype became; then the track records."""
    from blueprints.orders.queries import delivered_lines_of
    from blueprints.reviews.models import Review
    from blueprints.reviews.services import answer_review, moderate_review, report_review, review_to_ask, write_review
    from blueprints.reviews.track_records import refresh_track_records

    if db.session.scalar(select(Review.id).limit(1)) is not None:
        return
    lin, admin = users["lin@demo.shelfmade.test"], users["admin@demo.shelfmade.test"]
    cart = get_or_create_cart(lin, None)
    for title in ("不锈钢保温杯 500ml", "青花瓷饭碗", "旅行茶具"):
        product = db.session.scalar(select(Product).where(Product.title == title))
        add_to_cart(cart, max(product.variants, key=lambda v: v.stock_on_hand), None, 1)
    order = place_order(lin, cart, AddressDetails("林小姐", "13900139000", "上海市", "上海市", "徐汇区", "天钥桥路 100 号"),
                        PaymentMethod.CASH_ON_DELIVERY, "demo-review-order", current_rates())
    for shipment in order.shipments:
        member = shipment.supplier.members[0].user
        ship(member, shipment, carrier="SF Express", tracking_number=f"SF{order.id:010d}{shipment.id}")
        mark_delivered(member, shipment)
    now = utcnow()
    for email, title, stars, body, photo, answer, hidden, days_ago in REVIEWS:
        buyer = users[email]
        line = next((line for line in delivered_lines_of(buyer.id) if line.title == title), None)
        if line is None:
            continue
        photos = []
        if photo:
            from werkzeug.datastructures import FileStorage

            from blueprints.demo.pictures import draw_product
            kind = next((item.picture for item in PRODUCTS if item.title == title), "towels")
            photos = [FileStorage(io.BytesIO(draw_product(kind, "Rust", _hue(title) + 0.3)), filename="photo.png")]
        review = write_review(buyer, line.id, stars, body, photos)
        review.created_at = now - timedelta(days=days_ago, hours=3)
        supplier_member = db.session.get(Supplier, line.supplier_id).members[0].user
        if answer:
            answer_review(supplier_member, review, answer)
        if hidden:
            report_review(users["shopper@demo.shelfmade.test"], review, "Spam: an advert with a contact number")
            moderate_review(admin, review, hide=True, reason=hidden)
        if stars == 3:
            prototype = db.session.scalar(select(Prototype).where(Prototype.supplier_id == line.supplier_id,
                                                                  Prototype.stage == Stage.OPEN).limit(1))
            if prototype is not None:
                review_to_ask(supplier_member, review, prototype)
        created.append(f"review of {title} ({stars}/5)")
    refresh_track_records()
    created.append("track records of suppliers and shops")
    db.session.flush()
