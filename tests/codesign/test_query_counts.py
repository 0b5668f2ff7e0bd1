"""The board and a prototype's page run a fixed number of queries however much they show."""
from blueprints.accounts.models import User
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.comments import add_comment, toggle_like
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.support import support_prototype, vote
from blueprints.codesign.services.updates import make_ask
from extensions import db
from tests.conftest import sign_in
from tests.test_query_counts import counting


def test_board_and_prototype_page_queries_do_not_grow(app, client, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    prototype_id, slug = make_prototype(supplier)
    viewer = make_user("viewer@example.com")
    sign_in(client, viewer)

    def grow(n):
        for _ in range(n):
            fan = make_user()
            make_prototype(supplier, f"Idea {fan.id}")
            with app.app_context():
                prototype = db.session.get(Prototype, prototype_id)
                person = db.session.get(User, fan.id)
                support_prototype(person, prototype, 7000)
                vote(person, prototype.polls[0].options[0])
                pledge(person, prototype, 1)
                comment = add_comment(person, prototype, "Nice idea")
                add_comment(db.session.get(User, supplier.member.id), prototype, "Thanks", comment)
                toggle_like(db.session.get(User, viewer.id), comment)
                make_ask(db.session.get(User, supplier.member.id), comment)
                db.session.commit()

    def queries(url):
        client.get(url)
        with counting(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    grow(2)
    before = {url: queries(url) for url in ("/codesign", f"/codesign/{slug}")}
    grow(5)
    assert {url: queries(url) for url in before} == before
