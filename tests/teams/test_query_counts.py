"""Team pages run a fixed number of SQL queries however many teams they list."""
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.money import current_rates
from blueprints.teams.models import TeamOffer
from blueprints.teams.services import save_offer, start_team
from extensions import db
from tests.conftest import sign_in
from tests.teams.test_services import wanted
from tests.test_query_counts import counting


def test_product_and_seller_pages_query_a_fixed_number_of_times(app, make_supplier, make_product, make_user):
    supplier = make_supplier()
    product = make_product(supplier, "Counted flask", stock=99)
    with app.app_context():
        offer = save_offer(db.session.get(User, supplier.member.id), db.session.get(Product, product.id), None,
                           team_size=3, unit_price=5500, open_hours=24, max_teams=None, rates=current_rates())
        db.session.commit()
        offer_id = offer.id
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))
    staff = app.test_client()
    sign_in(staff, supplier.member)
    visitor = app.test_client()

    def add_teams(n):
        starters = [make_user() for _ in range(n)]
        with app.app_context():
            for starter in starters:
                start_team(db.session.get(User, starter.id), db.session.get(TeamOffer, offer_id),
                           wanted(variant_id, f"count-{starter.id}"), current_rates())
            db.session.commit()

    def queries():
        counts = []
        for client, url in ((visitor, f"/p/{product.slug}"), (staff, "/supplier/teams")):
            with counting(app) as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    add_teams(1)
    few = queries()
    add_teams(4)
    assert queries() == few
