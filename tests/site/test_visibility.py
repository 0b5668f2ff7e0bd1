"""One visibility rule per kind of item, used everywhere: a suspended supplier's products, prototypes and the
listings of them, and draft products and prototypes, appear on no public list or page, for any viewer.

The walk covers every GET page of the site: each is visited here or named in NOT_PUBLIC with the reason, so a
new page fails this test until someone decides which it is."""
import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.support import support_prototype
from blueprints.money import current_rates
from blueprints.catalog.models import Product, Variant
from blueprints.orders.services.checkout import AddressDetails, PaymentMethod
from blueprints.teams.services import TeamOrder, save_offer, start_team
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from blueprints.sharing.services import get_or_create_link
from blueprints.suppliers.models import Supplier, SupplierAction
from blueprints.suppliers.services import decide
from extensions import db
from tests.conftest import sign_in

HIDDEN_WORDS = ("Suspendedco", "Draftonly")

# Pages that are not public lists: the viewer's own things, a supplier's or an admin's desk, or not HTML.
NOT_PUBLIC = {
    "static": "files", "media.image": "pictures", "site.healthz": "a health check",
    "orders.cart": "the viewer's own cart", "orders.my_orders": "the viewer's own orders",
    "orders.order": "one of the viewer's orders", "orders.shop_orders": "a shop owner's orders",
    "accounts.account": "the viewer's account", "accounts.login": "a form", "accounts.signup": "a form",
    "notifications.inbox": "the viewer's news", "notifications.open_one": "the viewer's news",
    "notifications.bell": "a count", "notifications.outbox": "admin", "notifications.settings": "a form",
    "sharing.rewards": "the viewer's links", "subscriptions.mine": "the viewer's subscriptions",
    "shops.my_shop": "the owner's own shop, where hidden listings are explained",
    "suppliers.apply": "a form", "suppliers.dashboard": "a supplier's desk",
    "orders.fulfilment": "a supplier's desk", "orders.checkout": "a form",
    "codesign.my_prototypes": "a supplier's desk", "codesign.prototype_analytics": "a supplier's desk",
    "codesign.export_csv": "a supplier's desk", "codesign.new_prototype": "a supplier's desk",
    "codesign.edit_prototype": "a supplier's desk", "orders.pledge_order_page": "the viewer's own pledge, as an order",
    "codesign.my_codesign": "the viewer's own timeline", "suppliers.inbox": "a supplier's desk",
    "catalog.new_product": "a supplier's desk",
    "catalog.edit_product": "a supplier's desk",
    "admin.suppliers": "admin", "admin.audit": "admin", "admin.reports": "admin", "admin.referrals": "admin",
    "notifications.unsubscribe_link": "a one-click stop",
    "orders.new_return": "a form about one of the viewer's orders", "orders.supplier_returns_page": "a supplier's desk",
    "orders.admin_returns": "admin", "ledger.supplier_payouts": "a supplier's desk",
    "ledger.shop_earnings": "a shop owner's statement", "ledger.bank_details": "a form for the viewer's own account",
    "ledger.admin_payouts": "admin", "ledger.payout_file": "admin, and not HTML", "ledger.admin_ledger": "admin",
    "ledger.ledger_account": "admin", "ledger.ledger_order": "admin", "orders.admin_transfers": "admin",
    "ledger.find_order_entries": "admin",
    "teams.start": "a form", "teams.join": "a form", "teams.supplier_teams": "a supplier's desk",
    "teams.supplier_offer": "a supplier's desk", "teams.shop_teams": "a shop owner's desk",
    "teams.shop_offer": "a shop owner's desk",
    "reviews.write": "the viewer's own order", "reviews.edit": "the viewer's own review",
    "reviews.supplier_reviews": "a supplier's desk", "reviews.moderation": "admin",
    "accounts.forgot": "a form", "accounts.reset": "a form behind a secret link",
    "accounts.change_password_page": "a form",
    "orders.addresses": "the viewer's addresses", "orders.edit_address_page": "the viewer's address",
    "orders.address_picker": "a form's lists",
    "accounts.change_email": "a form", "accounts.confirm_email": "a form behind a secret link",
    "accounts.download_data": "the viewer's data",
    "media.card": "pictures", "media.site_card_image": "a picture",
    "sharing.poster": "the sharer's own poster", "sharing.poster_image": "the sharer's own poster, and not HTML",
}


@pytest.fixture
def hidden_world(app, make_supplier, make_product, make_prototype, make_shop, make_user, admin, make_category):
    """A verified supplier's items next to a suspended supplier's and drafts, all once seen by a shop and a fan."""
    make_category()
    good, gone = make_supplier("Goodco"), make_supplier("Suspendedco Works")
    kettle = make_product(good, "Visible kettle")
    mug = make_product(gone, "Suspendedco mug")
    make_product(good, "Draftonly teapot", active=False)
    lamp_id, lamp_slug = make_prototype(good, "Visible lamp")
    vase_id, vase_slug = make_prototype(gone, "Suspendedco vase")
    make_prototype(good, "Draftonly stool", open_it=False)
    owner = make_user("owner@example.com", display_name="Olive Owner")
    shop_id = make_shop(owner, slug="corner")
    fan = make_user("fan@example.com", display_name="Fan")
    with app.app_context():
        shop = db.session.get(Shop, shop_id)
        for product in (kettle, mug):
            add_listing(db.session.get(User, owner.id), shop, db.session.get(Product, product.id), 7000,
                        current_rates())
        for prototype_id in (lamp_id, vase_id):
            support_prototype(db.session.get(User, fan.id), db.session.get(Prototype, prototype_id))
        mug_link = get_or_create_link(db.session.get(User, fan.id), f"/p/{mug.slug}")
        mug_team = start_team(db.session.get(User, fan.id), save_offer(
            db.session.get(User, gone.member.id), db.session.get(Product, mug.id), None, team_size=2,
            unit_price=6000, open_hours=24, max_teams=None, rates=current_rates()), TeamOrder(
            db.session.scalar(select(Variant.id).where(Variant.product_id == mug.id)), 1,
            AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号"),
            PaymentMethod.CASH_ON_DELIVERY, "mug-team"), current_rates())
        vase_link = get_or_create_link(db.session.get(User, fan.id), f"/codesign/{vase_slug}")
        db.session.commit()
        decide(db.session.get(User, admin.id), db.session.get(Supplier, gone.id), SupplierAction.SUSPEND,
               "Counterfeits reported")
        db.session.commit()
        draft_slugs = [db.session.scalar(select(Product.slug).where(Product.title == "Draftonly teapot")),
                       db.session.scalar(select(Prototype.slug).where(Prototype.title == "Draftonly stool"))]
        codes = [mug_link.code, vase_link.code]
        team_code = mug_team.code
    return {"owner": owner, "fan": fan, "kettle": kettle.slug, "lamp": lamp_slug, "mug": mug.slug, "team": team_code,
            "vase": vase_slug, "drafts": draft_slugs, "codes": codes}


def public_pages(world) -> dict[str, list[str]]:
    """Every public list and page, by endpoint, with the addresses that exercise it."""
    return {
        "site.home": ["/"],
        "catalog.catalog": ["/catalog", "/catalog?q=mug", "/catalog?q=teapot", "/catalog?sort=newest"],
        "catalog.product": [f"/p/{world['kettle']}"],
        "search.search": ["/search?q=mug", "/search?q=teapot", "/search?q=vase", "/search?q=stool"],
        "codesign.board": ["/codesign", "/codesign?sort=newest", "/codesign?sort=most-supported"],
        "codesign.prototype": [f"/codesign/{world['lamp']}"],
        "shops.storefront": ["/shops/corner"],
        "shops.listing_page": [f"/shops/corner/p/{world['kettle']}"],
        "shops.add_products": ["/my/shop/add"],
        "sharing.follow": [f"/s/{code}" for code in world["codes"]],
        "teams.team": [f"/teams/{world['team']}"],
        "suppliers.public_page": ["/suppliers/goodco"],
    }


def test_hidden_items_appear_on_no_public_list_or_page(app, hidden_world):
    pages = public_pages(hidden_world)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    unsorted = endpoints - set(pages) - set(NOT_PUBLIC)
    assert not unsorted, f"new pages: add them to the walk or to NOT_PUBLIC with a reason: {sorted(unsorted)}"
    assert set(NOT_PUBLIC) <= endpoints, f"no such pages: {sorted(set(NOT_PUBLIC) - endpoints)}"

    viewers = [None, hidden_world["fan"], hidden_world["owner"]]
    for viewer in viewers:
        viewer_client = app.test_client()
        if viewer is not None:
            sign_in(viewer_client, viewer)
        for endpoint, urls in pages.items():
            if endpoint == "shops.add_products" and viewer is not hidden_world["owner"]:
                continue
            for url in urls:
                response = viewer_client.get(url, follow_redirects=True)
                assert response.status_code in (200, 404), (url, response.status_code)
                body = response.get_data(as_text=True)
                for word in HIDDEN_WORDS:
                    assert word not in body, f"{word!r} shown on {url} to {viewer and viewer.email or 'a visitor'}"


def test_hidden_items_own_pages_are_not_found(client, hidden_world):
    for url in (f"/p/{hidden_world['mug']}", f"/shops/corner/p/{hidden_world['mug']}",
                f"/codesign/{hidden_world['vase']}", f"/p/{hidden_world['drafts'][0]}",
                f"/codesign/{hidden_world['drafts'][1]}", f"/teams/{hidden_world['team']}"):
        assert client.get(url).status_code == 404, url


def test_a_share_link_to_a_hidden_item_leads_nowhere(client, hidden_world):
    for code in hidden_world["codes"]:
        response = client.get(f"/s/{code}", follow_redirects=True)
        assert response.status_code == 404 or all(word not in response.get_data(as_text=True)
                                                   for word in HIDDEN_WORDS)
