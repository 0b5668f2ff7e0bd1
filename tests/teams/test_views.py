"""Team buying through the pages, as each role would: team prices, starting, joining, and pages that never write."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from blueprints.catalog.models import Product, Variant
from blueprints.money import current_rates
from blueprints.orders.models import Order, OrderStatus
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from blueprints.teams.models import Team, TeamOffer, TeamStatus
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases

ADDRESS = {"address_id": "new", "recipient": "王小明", "phone": "138 0013 8000", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "street": "文三路 90 号", "payment_method": "cod"}
OFFER = {"team_size": "2", "unit_price": "55", "open_hours": "24", "max_teams": ""}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(app, make_supplier, make_product, make_shop, make_user):
    from blueprints.accounts.models import User

    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Flask", stock=5)
    owner = make_user("owner@example.com")
    shop_id = make_shop(owner, slug="mei")
    with app.app_context():
        listing = add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id),
                              db.session.get(Product, product.id), 7500, current_rates())
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))
        db.session.commit()
        listing_id = listing.id
    return {"supplier": supplier, "product": product, "owner": owner, "shop_id": shop_id, "variant_id": variant_id,
            "listing_id": listing_id}


def key_of(page: str) -> str:
    return re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page).group(1)


def order_through(client, url: str, variant_id: int, **overrides):
    key = key_of(html(client.get(url)))
    return client.submit(url, {**ADDRESS, "variant_id": str(variant_id), "quantity": "1", "idempotency_key": key,
                               **overrides}, page=url)


def test_only_the_supplier_sets_a_catalog_team_price_and_bad_input_is_kept(app, client, world, make_user,
                                                                           make_supplier):
    url = f"/supplier/products/{world['product'].id}/team-price"
    sign_in(client, make_user())
    assert client.get(url).status_code == 403
    other = app.test_client()
    sign_in(other, make_supplier().member)
    assert other.get(url).status_code == 403

    staff = app.test_client()
    sign_in(staff, world["supplier"].member)
    assert staff.get(url).status_code == 200
    refused = staff.submit(url, {**OFFER, "unit_price": "12.34", "team_size": "11"})
    assert refused.status_code == 422
    assert 'value="12.34"' in html(refused) and 'value="11"' in html(refused)
    saved = staff.submit(url, OFFER)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/supplier/teams")
    with app.app_context():
        offer = db.session.scalar(select(TeamOffer))
        assert (offer.team_size, offer.unit_price, offer.shop_id) == (2, 5500, None)
    assert "Flask" in html(staff.get("/supplier/teams"))


def test_only_the_shops_owner_sets_its_team_price(app, client, world, make_user):
    url = f"/my/shop/listings/{world['listing_id']}/team-price"
    sign_in(client, make_user())
    assert client.get(url).status_code == 403
    owner = app.test_client()
    sign_in(owner, world["owner"])
    refused = owner.submit(url, {**OFFER, "unit_price": "40"})  # below the supplier's band
    assert refused.status_code == 422 and 'value="40"' in html(refused)
    assert owner.submit(url, {**OFFER, "unit_price": "60"}).status_code == 303
    page = html(owner.get("/my/shop/teams"))
    assert "Flask" in page


def _catalog_offer(app, world, size=2) -> int:
    from blueprints.accounts.models import User
    from blueprints.teams.services import save_offer
    with app.app_context():
        offer = save_offer(db.session.get(User, world["supplier"].member.id),
                           db.session.get(Product, world["product"].id), None, team_size=size, unit_price=5500,
                           open_hours=24, max_teams=None, rates=current_rates())
        db.session.commit()
        return offer.id


def test_two_shoppers_form_a_team_through_the_pages(app, client, world, make_user):
    offer_id = _catalog_offer(app, world)
    product_page = html(client.get(f"/p/{world['product'].slug}"))
    assert "Buy as a team" in product_page and "Start a team" in product_page

    first = make_user("first@example.com")
    sign_in(client, first)
    refused = order_through(client, f"/teams/offers/{offer_id}/start", world["variant_id"], phone="12")
    assert refused.status_code == 422 and 'value="12"' in html(refused)
    started = order_through(client, f"/teams/offers/{offer_id}/start", world["variant_id"])
    assert started.status_code == 303
    team_url = started.headers["Location"]
    page = html(client.get(team_url))
    assert "1 place left" in page and "You are in this team." in page
    assert "1 place left" in html(client.get(f"/p/{world['product'].slug}"))

    second = app.test_client()
    sign_in(second, make_user("second@example.com"))
    joined = order_through(second, team_url + "/join", world["variant_id"])
    assert joined.status_code == 303
    assert "Team formed" in html(second.get(team_url))
    with app.app_context():
        assert {o.status for o in db.session.scalars(select(Order))} == {OrderStatus.CONFIRMED}
    staff = app.test_client()
    sign_in(staff, world["supplier"].member)
    report = html(staff.get("/supplier/teams"))
    assert "Formed teams sold 2 units" in report


def test_a_page_never_settles_a_team_and_an_action_does(app, client, world, make_user):
    offer_id = _catalog_offer(app, world, size=3)
    sign_in(client, make_user("first@example.com"))
    team_url = order_through(client, f"/teams/offers/{offer_id}/start", world["variant_id"]).headers["Location"]
    with app.app_context():
        team = db.session.scalar(select(Team))
        team.closes_at = team.opened_at - timedelta(seconds=1)
        db.session.commit()
    page = html(client.get(team_url))
    assert "did not fill in time" in page
    with app.app_context():
        assert db.session.scalar(select(Team)).status == TeamStatus.OPEN  # the page wrote nothing
    late = app.test_client()
    sign_in(late, make_user("late@example.com"))
    assert late.get(team_url + "/join").status_code == 303  # nothing to join: back to the team
    refused = late.submit(team_url + "/join", {**ADDRESS, "variant_id": str(world["variant_id"]), "quantity": "1",
                                               "idempotency_key": "late-1"}, page=team_url)
    assert refused.status_code == 422 and "start a new team" in html(refused)
    with app.app_context():
        assert db.session.scalar(select(Team)).status == TeamStatus.FAILED
        assert {o.status for o in db.session.scalars(select(Order))} == {OrderStatus.CANCELLED}


def test_a_member_leaves_through_the_team_page(app, client, world, make_user):
    offer_id = _catalog_offer(app, world, size=3)
    sign_in(client, make_user("first@example.com"))
    team_url = order_through(client, f"/teams/offers/{offer_id}/start", world["variant_id"]).headers["Location"]
    assert "Leave the team" in html(client.get(team_url))
    stranger = app.test_client()
    sign_in(stranger, make_user("stranger@example.com"))
    assert stranger.submit(team_url + "/leave", {}, page=team_url).status_code == 403
    left = client.submit(team_url + "/leave", {}, page=team_url)
    assert left.status_code == 303
    assert "You left the team." in html(client.get(team_url))
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == OrderStatus.CANCELLED
