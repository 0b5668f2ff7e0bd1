from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from extensions import db
from tests.conftest import Account, sign_in


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_seed_creates_the_demo_data_once(ctx):
    created = seed_demo()
    assert [account.email for account in DEMO_ACCOUNTS] == created[:len(DEMO_ACCOUNTS)]
    assert seed_demo() == []
    assert user_count() == len(DEMO_ACCOUNTS)
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.shelfmade.test"))
    assert admin.is_admin
    others = db.session.scalars(select(User).where(User.email != "admin@demo.shelfmade.test"))
    assert not any(user.is_admin for user in others)


def test_the_readme_demo_accounts_can_sign_in_with_the_readme_password(demo_app):
    app = demo_app
    for email in ("admin@demo.shelfmade.test", "supplier@demo.shelfmade.test", "shop@demo.shelfmade.test",
                  "shopper@demo.shelfmade.test"):
        client = app.test_client()
        sign_in(client, Account(0, email, DEMO_PASSWORD, ""))
        assert email in client.get("/my/account").get_data(as_text=True)


def test_the_command_only_seeds_an_empty_database_when_asked(app, make_user):
    runner = app.test_cli_runner()
    make_user("someone@example.com")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "leaving it as it is" in result.output
    with app.app_context():
        assert user_count() == 1
    result = runner.invoke(args=["seed-demo"])
    assert "Created: admin@demo.shelfmade.test" in result.output
    result = runner.invoke(args=["seed-demo"])
    assert "nothing to add" in result.output
    with app.app_context():
        assert user_count() == 1 + len(DEMO_ACCOUNTS)


def test_demo_catalog_has_verified_suppliers_a_pending_application_products_and_shops(demo):
    from blueprints.catalog.models import Product, ProductStatus
    from blueprints.catalog.services import catalog_page
    from blueprints.shops.models import Listing, Shop
    from blueprints.shops.services import allowed_prices, storefront_listings
    from blueprints.money import current_rates
    from blueprints.suppliers.models import Supplier, SupplierStatus

    statuses = sorted(db.session.scalars(select(Supplier.status)))
    assert statuses == sorted([SupplierStatus.VERIFIED, SupplierStatus.VERIFIED, SupplierStatus.APPLIED])
    products = list(db.session.scalars(select(Product)))
    assert len(products) >= 30
    assert all(p.status == ProductStatus.ACTIVE and p.variants and p.images for p in products)
    assert catalog_page(category=None, page=1).total == len(products)
    shops = list(db.session.scalars(select(Shop)))
    assert len(shops) == 2
    assert "shop@demo.shelfmade.test" in {shop.owner.email for shop in shops}
    for listing in db.session.scalars(select(Listing)):
        limits = allowed_prices(listing.product, current_rates())
        assert limits.lowest <= listing.price <= limits.highest
    assert all(storefront_listings(shop) for shop in shops)


def test_each_colour_of_a_demo_product_with_several_shows_its_own_picture(demo):
    from blueprints.catalog.models import Product

    several = [product for product in db.session.scalars(select(Product))
               if len({variant.options_en.get("colour") for variant in product.variants}) > 1]
    assert len(several) >= 20
    for product in several:
        pictures = {variant.options_en["colour"]: variant.picture_among(product.images) for variant in product.variants}
        assert None not in pictures.values(), product.title_en
        assert len({picture.id for picture in pictures.values()}) == len(pictures), product.title_en


def test_demo_orders_in_different_states_with_a_balanced_ledger(demo):
    from sqlalchemy import func

    from blueprints.ledger.models import LedgerEntry
    from blueprints.orders.models import Order, OrderStatus

    statuses = set(db.session.scalars(select(Order.status)))
    assert {OrderStatus.CONFIRMED, OrderStatus.PLACED, OrderStatus.SHIPPED, OrderStatus.COMPLETED} <= statuses
    assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0


def test_demo_share_link_has_clicks_and_rewards(demo):
    from blueprints.accounts.models import User
    from blueprints.ledger.accounts import Owner
    from blueprints.ledger.services import owed_to
    from blueprints.sharing.models import ShareClick

    lin = db.session.scalar(select(User).where(User.email == "lin@demo.shelfmade.test"))
    assert db.session.scalar(select(func.count(ShareClick.id))) == 5
    owed = owed_to(Owner.referrer(lin.id))
    assert owed["available"] > 0 and owed["pending"] > 0


def test_demo_has_a_team_price_an_open_team_with_a_place_left_a_formed_team_and_a_failed_team(demo):
    from blueprints.teams.models import Team, TeamOffer, TeamStatus

    assert db.session.scalar(select(func.count(TeamOffer.id))) == 2
    teams = list(db.session.scalars(select(Team)))
    assert sorted(team.status for team in teams) == sorted([TeamStatus.OPEN, TeamStatus.FORMED, TeamStatus.FAILED])
    assert [team.places_left for team in teams if team.status == TeamStatus.OPEN] == [1]


def test_demo_shows_a_goal_reached_a_pledge_turned_order_a_voided_prototype_and_inbox_items(demo):
    from blueprints.codesign.models import Prototype
    from blueprints.notifications.models import Kind, Notification
    from blueprints.orders.models import OrderLine

    prototypes = list(db.session.scalars(select(Prototype)))
    assert any(p.goal_reached_at for p in prototypes) and any(p.pledges_voided_at for p in prototypes)
    assert db.session.scalar(select(OrderLine).where(OrderLine.pledge_id.is_not(None))) is not None
    events = set(db.session.scalars(select(Notification.event)))
    assert {"goal_reached", "pledges_void", "pledge_order_ready", "new_comment", "new_order"} <= events
    assert db.session.scalar(select(Notification.id).where(Notification.kind == Kind.MY_ACTIVITY)) is not None


def test_the_command_refuses_to_seed_a_production_site(app):
    app.config["SHELFMADE_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code != 0
    assert "refuses to run with SHELFMADE_ENV=production" in result.output
    with app.app_context():
        assert user_count() == 0


def test_the_demo_catalog_is_written_in_chinese_and_english_everywhere(demo):
    from blueprints.catalog.models import Product
    from blueprints.codesign.models import Poll, PollOption, Prototype
    from blueprints.shops.models import Shop
    from blueprints.suppliers.models import Supplier

    def has_chinese(text: str) -> bool:
        return any("\u4e00" <= character <= "\u9fff" for character in text)

    def in_both(rows, *fields):
        for row in rows:
            for field in fields:
                chinese, english = getattr(row, field), getattr(row, f"{field}_en")
                assert has_chinese(chinese) and english and not has_chinese(english), (field, chinese, english)

    in_both(db.session.scalars(select(Product)), "title", "description")
    in_both(db.session.scalars(select(Prototype)), "title", "description", "specs")
    in_both(db.session.scalars(select(Poll)), "question")
    in_both(db.session.scalars(select(PollOption)), "label")
    in_both(db.session.scalars(select(Shop)), "name", "tagline")
    in_both(db.session.scalars(select(Supplier)), "name", "description")
    for product in db.session.scalars(select(Product)):
        for variant in product.variants:
            assert variant.options and variant.options.keys() == variant.options_en.keys(), product.title
            assert all(value for value in variant.options_en.values())
            assert not any(unit in value for value in variant.options_en.values() for unit in (" in", "inch", "oz"))
    titles = {(p.title, p.title_en) for p in db.session.scalars(select(Product))}
    assert {("铸铁茶壶", "Cast iron teapot"), ("西湖龙井茶", "West Lake Longjing tea"),
            ("双层玻璃咖啡杯", "Double-wall glass coffee cup"), ("不锈钢保温杯 500ml", "Insulated bottle 500 ml")} <= titles


def test_each_demo_product_is_drawn_as_what_it_is():
    from blueprints.demo.pictures import DRAWINGS
    from blueprints.demo.services import PRODUCTS, PROTOTYPES

    kinds = {item.title_en: item.picture for item in PRODUCTS}
    assert kinds["Cast iron teapot"] == "teapot" and kinds["Waxed canvas tote"] == "tote"
    assert {item.title[1]: item.picture for item in PROTOTYPES}["Travel tea set"] == "travel_tea_set"
    assert {item.picture for item in PRODUCTS} | {item.picture for item in PROTOTYPES} <= set(DRAWINGS)
