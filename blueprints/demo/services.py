"""Demo data. Every step looks before it creates, so seeding twice changes nothing."""
import colorsys
import io
import zlib
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image, ImageDraw
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
from blueprints.media.images import store_image
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

# supplier slug, name, member email, description, status
SUPPLIERS = (
    ("hangzhou-home-works", "杭州家作 Hangzhou Home Works", "supplier@demo.shelfmade.test",
     "A family workshop making kitchenware, textiles and bags since 1998.", SupplierStatus.VERIFIED),
    ("jingdezhen-clay", "景德镇泥语 Jingdezhen Clay", "ceramics@demo.shelfmade.test",
     "Hand-thrown porcelain and tea ware from Jingdezhen.", SupplierStatus.VERIFIED),
    ("yiwu-bright-ideas", "义乌亮点 Yiwu Bright Ideas", "applicant@demo.shelfmade.test",
     "Stationery and small gifts; waiting for verification.", SupplierStatus.APPLIED),
)

# supplier slug, category slug, title, supply price and suggested price in yuan, options
PRODUCTS = (
    ("hangzhou-home-works", "kitchen", "不锈钢保温杯 500ml", 39, 69, {"colour": ["Sage", "Ink", "Sand"]}),
    ("hangzhou-home-works", "kitchen", "Bamboo cutting board", 45, 79, {"size": ["S", "M", "L"]}),
    ("hangzhou-home-works", "kitchen", "双层玻璃咖啡杯", 28, 49, {"colour": ["Clear", "Amber"]}),
    ("hangzhou-home-works", "kitchen", "Cast iron teapot", 120, 199, {"colour": ["Black", "Moss"]}),
    ("hangzhou-home-works", "kitchen", "竹制筷子套装", 18, 35, {"size": ["5 pairs", "10 pairs"]}),
    ("hangzhou-home-works", "textiles", "Linen tea towels, set of 3", 32, 59, {"colour": ["Oat", "Rust", "Slate"]}),
    ("hangzhou-home-works", "textiles", "亚麻桌旗", 55, 99, {"size": ["150 cm", "200 cm"]}),
    ("hangzhou-home-works", "textiles", "Quilted cotton throw", 150, 269, {"colour": ["Indigo", "Cream"]}),
    ("hangzhou-home-works", "textiles", "手工扎染抱枕套", 38, 69, {"colour": ["Indigo", "Ochre"]}),
    ("hangzhou-home-works", "bags", "Waxed canvas tote", 88, 159, {"colour": ["Olive", "Navy", "Tan"]}),
    ("hangzhou-home-works", "bags", "帆布双肩包", 95, 179, {"colour": ["Black", "Grey"], "size": ["M", "L"]}),
    ("hangzhou-home-works", "bags", "Foldable market bag", 22, 39, {"colour": ["Red", "Green", "Blue"]}),
    ("hangzhou-home-works", "accessories", "真丝发圈三件套", 25, 45, {"colour": ["Pastel", "Deep"]}),
    ("hangzhou-home-works", "accessories", "Leather key fob", 30, 55, {"colour": ["Tan", "Black"]}),
    ("hangzhou-home-works", "accessories", "羊毛围巾", 110, 199, {"colour": ["Camel", "Grey", "Wine"]}),
    ("hangzhou-home-works", "stationery", "Linen-bound notebook A5", 26, 48, {"colour": ["Sage", "Rose"]}),
    ("hangzhou-home-works", "stationery", "黄铜书签", 15, 29, {"colour": ["Brass"]}),
    ("jingdezhen-clay", "kitchen", "青花瓷饭碗", 28, 52, {"size": ["4.5 in", "6 in"]}),
    ("jingdezhen-clay", "kitchen", "Celadon serving plate", 68, 119, {"size": ["24 cm", "30 cm"]}),
    ("jingdezhen-clay", "kitchen", "粗陶马克杯", 35, 65, {"colour": ["Speckled", "Charcoal", "Glacier"]}),
    ("jingdezhen-clay", "tea", "Porcelain gaiwan", 48, 88, {"colour": ["White", "Blue and white"]}),
    ("jingdezhen-clay", "tea", "功夫茶具套装", 220, 398, {"colour": ["Celadon", "Ru kiln"]}),
    ("jingdezhen-clay", "tea", "Tea pitcher with strainer", 58, 99, {"colour": ["Clear", "Smoke"]}),
    ("jingdezhen-clay", "tea", "白茶饼 357g", 90, 168, {"size": ["2019", "2021"]}),
    ("jingdezhen-clay", "tea", "West Lake Longjing tea 100g", 120, 218, {"size": ["100 g", "250 g"]}),
    ("jingdezhen-clay", "tea", "桂花乌龙茶", 45, 85, {"size": ["50 g", "150 g"]}),
    ("jingdezhen-clay", "home", "Hand-thrown vase", 85, 158, {"colour": ["Moon white", "Iron brown"]}),
    ("jingdezhen-clay", "home", "陶瓷香薰座", 32, 59, {"colour": ["Ivory", "Jade"]}),
    ("jingdezhen-clay", "stationery", "青瓷笔架", 40, 75, {"colour": ["Celadon"]}),
    ("jingdezhen-clay", "accessories", "Porcelain bead bracelet", 36, 66, {"colour": ["Blue", "White"]}),
)

# owner email, name, slug, tagline, product titles with price as a share of the band (0 = lowest, 1 = highest)
SHOPS = (
    ("shop@demo.shelfmade.test", "小沈的家居铺 Shen's Home Corner", "shen-home",
     "Things I use at home every day, from suppliers I have visited.",
     (("不锈钢保温杯 500ml", 0.5), ("Linen tea towels, set of 3", 0.3), ("青花瓷饭碗", 0.6),
      ("Waxed canvas tote", 0.4), ("Porcelain gaiwan", 0.5), ("亚麻桌旗", 0.2))),
    ("lin@demo.shelfmade.test", "Lin's Tea Table", "lin-tea-table", "Tea ware and tea, chosen slowly.",
     (("功夫茶具套装", 0.4), ("West Lake Longjing tea 100g", 0.5), ("白茶饼 357g", 0.5),
      ("Tea pitcher with strainer", 0.3))),
)


def seed_demo() -> list[str]:
    """Create whatever demo data is missing; returns what was created."""
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
    for slug, name, email, description, status in SUPPLIERS:
        if slug in suppliers:
            continue
        supplier = Supplier(slug=slug, name=name, description=description, contact="+86 571 8888 0000",
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


def _seed_products(suppliers, categories, created: list[str]) -> dict[str, Product]:
    products = {p.title: p for p in db.session.scalars(select(Product))}
    for index, (supplier_slug, category_slug, title, supply, suggested, options) in enumerate(PRODUCTS):
        if title in products:
            continue
        supply, suggested = supply * 100, suggested * 100
        product = Product(supplier=suppliers[supplier_slug], category=categories[category_slug], title=title,
                          slug=unique_slug(Product.slug, title, fallback=f"product-{index}"),
                          description=f"{title}. Made by {suppliers[supplier_slug].name}.\n"
                                      "Ships within 48 hours from the supplier's own workshop.",
                          status=ProductStatus.ACTIVE, supply_price=supply, suggested_price=suggested,
                          min_price=max(supply, suggested * 80 // 100), max_price=suggested * 130 // 100)
        db.session.add(product)
        db.session.flush()
        for position, values in enumerate(_combinations(options)):
            sku = f"{supplier_slug[:3].upper()}-{product.id:03d}-{position + 1:02d}"
            stock = (index * 7 + position * 5) % 40
            db.session.add(Variant(product=product, sku=sku, options=values, stock_on_hand=stock, position=position))
        for position, hue_shift in enumerate((0.0, 0.18)):
            stored = store_image(io.BytesIO(_demo_picture(title, index, hue_shift)))
            db.session.add(ProductImage(product=product, key=stored.key, width=stored.width, height=stored.height,
                                        position=position))
        products[title] = product
        created.append(f"product {product.slug}")
    db.session.flush()
    return products


def _combinations(options: dict[str, list[str]]) -> list[dict[str, str]]:
    combos = [{}]
    for name, values in options.items():
        combos = [{**combo, name: value} for combo in combos for value in values]
    return combos


def _demo_picture(title: str, index: int, hue_shift: float) -> bytes:
    """A simple still life: a soft background, a table line and an object in the product's colour."""
    hue = (zlib.crc32(title.encode()) % 360) / 360

    def rgb(h, s, v):
        return tuple(int(255 * c) for c in colorsys.hsv_to_rgb(h % 1, s, v))

    image = Image.new("RGB", (800, 800), rgb(hue + hue_shift, 0.12, 0.96))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 560, 800, 800), fill=rgb(hue + hue_shift, 0.18, 0.86))
    shape = index % 3
    body = rgb(hue, 0.55, 0.72)
    if shape == 0:
        draw.rounded_rectangle((300, 220, 500, 600), radius=40, fill=body)
        draw.rectangle((320, 190, 480, 240), fill=rgb(hue, 0.4, 0.5))
    elif shape == 1:
        draw.ellipse((220, 260, 580, 620), fill=body)
        draw.ellipse((300, 200, 500, 300), fill=rgb(hue, 0.35, 0.85))
    else:
        draw.polygon(((260, 600), (540, 600), (500, 260), (300, 260)), fill=body)
        draw.arc((320, 160, 480, 320), 180, 360, fill=rgb(hue, 0.5, 0.45), width=14)
    draw.ellipse((250, 590, 550, 630), fill=rgb(hue + hue_shift, 0.2, 0.75))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _seed_shops(users, products, created: list[str]) -> None:
    for email, name, slug, tagline, picks in SHOPS:
        owner = users[email]
        if db.session.scalar(select(Shop.id).where(Shop.owner_id == owner.id)) is not None:
            continue
        shop = Shop(owner_id=owner.id, name=name, slug=slug, tagline=tagline)
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
    ("demo-order-2", "shen-home", [("Waxed canvas tote", 1)], PaymentMethod.BANK_TRANSFER, "awaiting payment"),
    ("demo-order-3", "lin-tea-table", [("功夫茶具套装", 1)], PaymentMethod.CASH_ON_DELIVERY, "shipped"),
    ("demo-order-4", "shen-home", [("Linen tea towels, set of 3", 2)], PaymentMethod.CASH_ON_DELIVERY, "completed"),
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


# title, supplier slug, category, stage, target and early-bird price in yuan, MOQ, poll, comments
PROTOTYPES = (
    ("竹纤维便当盒 Bamboo-fibre lunch box", "hangzhou-home-works", "kitchen", Stage.OPEN, 89, 69, 200,
     ("Which colour?", "colour", ["Sage", "Sand", "Coral"])),
    ("手绘青花杯垫 Hand-painted coasters", "jingdezhen-clay", "home", Stage.OPEN, 59, 45, 100,
     ("Which pattern?", None, ["Lotus", "Waves", "Cranes", "Clouds"])),
    ("Linen apron with deep pockets", "hangzhou-home-works", "textiles", Stage.REVIEW, 129, 99, 150, None),
    ("Folding bamboo tea tray", "jingdezhen-clay", "tea", Stage.DECLINED, 199, 159, 300, None),
    ("旅行茶具 Travel tea set", "jingdezhen-clay", "tea", Stage.LAUNCHED, 168, 128, 5,
     ("Which case colour?", "colour", ["Indigo", "Moss", "Clay"])),
    ("Ceramic diffuser, second version", "jingdezhen-clay", "home", Stage.DRAFT, 79, 59, 80, None),
)
SUPPORTERS = ("shopper@demo.shelfmade.test", "shop@demo.shelfmade.test", "lin@demo.shelfmade.test",
              "applicant@demo.shelfmade.test")


def _seed_prototypes(users, categories, created: list[str]) -> None:
    shopper = users["shopper@demo.shelfmade.test"]
    shopper.credit_contributions = True  # so the launched product has someone to thank by name
    for index, (title, supplier_slug, category, stage, target, early, moq, poll) in enumerate(PROTOTYPES):
        if db.session.scalar(select(Prototype.id).where(Prototype.title == title)) is not None:
            continue
        supplier = db.session.scalar(select(Supplier).where(Supplier.slug == supplier_slug))
        member = supplier.members[0].user
        deadline = utcnow() + timedelta(days=5 + index * 3)
        prototype = create_prototype(member, PrototypeDetails(
            title=title, description=f"{title}: an idea from {supplier.name}. Tell us what would make it right for you.",
            specs="Materials and sizes are still open: that is what this page is for.",
            category_id=categories[category].id, target_price=target * 100, early_bird_price=early * 100, moq=moq,
            deadline=deadline, support_goals="2,10,100" if index == 0 else ""))
        for hue_shift in (0.0, 0.3):
            stored = store_image(io.BytesIO(_demo_picture(title, index + 1, hue_shift)))
            prototype.images.append(PrototypeImage(key=stored.key, width=stored.width, height=stored.height,
                                                   position=len(prototype.images)))
        if poll:
            question, option_name, answers = poll
            add_poll(member, prototype, question, answers, option_name)
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
        question = add_comment(shopper, prototype, "Could the lid (or case) close tightly enough to carry in a bag?")
        reply = add_comment(member, prototype, "Yes: we are testing a silicone seal. We will post the result here.",
                            question)
        add_comment(users["lin@demo.shelfmade.test"], prototype, "A smaller size would fit my desk better.")
        ask = make_ask(member, question)
        answer_ask(member, ask, AskStatus.PLANNED, "A silicone seal is going into the next sample.")
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
            decline(member, prototype, "The tray cracked in our humidity tests; we will not make it this year.")
            continue
        if stage == Stage.REVIEW:
            continue
        answer_ask(member, ask, AskStatus.DONE, "Done: the case now closes with a silicone seal.")
        post_update(member, prototype, "Added a silicone seal to the case, as asked.", ask_ids=[ask.id])
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
    ("shopper@demo.shelfmade.test", "Linen tea towels, set of 3", 5,
     "吸水很好，洗了三次也没有起球。Soaks up well and no pilling after three washes.", True,
     "谢谢！Thank you: they soften further with every wash.", None, 3),
    ("shopper@demo.shelfmade.test", "不锈钢保温杯 500ml", 4, "保温效果不错，一整天都是热的，只是盖子有点紧。", False, None, None, 2),
    ("lin@demo.shelfmade.test", "不锈钢保温杯 500ml", 3, "The lid is hard to open with cold hands. Please make it easier.",
     False, None, None, 1),
    ("lin@demo.shelfmade.test", "青花瓷饭碗", 1, "加我微信 shop-888 买更便宜的，比这里便宜一半！", False, None,
     "广告和联系方式 Advertising and contact details", 1),
    ("lin@demo.shelfmade.test", "旅行茶具 Travel tea set", 5, "The sealed case is exactly what the prototype page asked for. 出差带着很方便。",
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
    for title in ("不锈钢保温杯 500ml", "青花瓷饭碗", "旅行茶具 Travel tea set"):
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
            photos = [FileStorage(io.BytesIO(_demo_picture(title, 2, 0.3)), filename="photo.png")]
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
