"""/my/codesign lists everything the user backed, each prototype's stage and what changed because of them, in a
fixed number of queries however much they took part in."""
from blueprints.accounts.models import User
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.comments import add_comment
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.support import support_prototype, vote
from blueprints.codesign.services.updates import make_ask, post_update
from extensions import db
from tests.conftest import sign_in
from tests.test_query_counts import counting


def test_my_timeline_shows_what_i_backed_and_what_changed_because_of_me(app, client, make_supplier, make_prototype,
                                                                        make_user):
    supplier = make_supplier()
    mei = make_user()
    sign_in(client, mei)

    def take_part(n):
        for _ in range(n):
            prototype_id, _slug = make_prototype(supplier, f"Idea {_counter.pop()}")
            with app.app_context():
                prototype, person = db.session.get(Prototype, prototype_id), db.session.get(User, mei.id)
                staff = db.session.get(User, supplier.member.id)
                support_prototype(person, prototype)
                vote(person, prototype.polls[0].options[0])
                pledge(person, prototype, 2)
                comment = add_comment(person, prototype, "A handle, please")
                post_update(staff, prototype, f"Added a handle to {prototype.title}", ask_ids=[make_ask(staff, comment).id])
                db.session.commit()

    def queries():
        with counting(app) as statements:
            page = client.get("/my/codesign")
        assert page.status_code == 200
        return len(statements), page.get_data(as_text=True)

    _counter = list(range(100))
    take_part(1)
    few, page = queries()
    assert "Pledged 2 units" in page and "Changed because of you" in page and "Added a handle to Idea 99" in page
    take_part(4)
    many, page = queries()
    assert many == few and page.count("Changed because of you") == 5
