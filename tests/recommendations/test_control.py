"""Suggestions the user controls: the switch (home and settings), non-personalised lists after it, no picks, and
"not interested" respected by the next suggestions."""
import html as entities

from blueprints.accounts.models import User
from blueprints.notifications.models import Kind, Notification
from blueprints.notifications.services import set_preference
from blueprints.recommendations.services import send_picks, set_personalised
from extensions import db
from tests.conftest import sign_in
from tests.recommendations.test_views import neighbourhood  # noqa: F401 (a fixture)


def text(response) -> str:
    assert response.status_code == 200
    return entities.unescape(response.get_data(as_text=True))


def test_switching_personalised_suggestions_off_shows_what_a_visitor_sees(client, neighbourhood):  # noqa: F811
    me, _flask, _slug = neighbourhood
    sign_in(client, me)
    home = text(client.get("/"))
    assert "For you" in home and "Because you supported" in home and "Why am I seeing this?" in home
    response = client.submit("/my/suggestions/personalised", {"on": "0", "back": "/"}, page="/")
    assert response.status_code == 303
    home = text(client.get("/"))
    assert "Trending now" in home and "Because you" not in home and "Turn personalised suggestions on" in home
    assert "Turn personalised suggestions on" in text(client.get("/my/settings/notifications"))
    client.submit("/my/suggestions/personalised", {"on": "1", "back": "/my/settings/notifications"},
                  page="/my/settings/notifications")
    assert "For you" in text(client.get("/"))


def test_not_interested_is_respected_by_the_next_suggestions(app, client, neighbourhood):  # noqa: F811
    me, flask, _slug = neighbourhood
    sign_in(client, me)
    assert "Steel flask" in text(client.get("/"))
    client.submit("/my/suggestions/not-interested", {"kind": "product", "item_id": str(flask.id), "back": "/"},
                  page="/")
    home = text(client.get("/"))
    assert "Steel flask" not in home.split("For you")[1].split("</section>")[0]
    with app.app_context():
        set_personalised(db.session.get(User, me.id), False)
        db.session.commit()
    assert "Steel flask" not in text(client.get("/")).split("Trending now")[1].split("</section>")[0]


def test_no_picks_are_sent_once_personalisation_is_off(app, ctx, make_user, make_supplier, make_product, acts):
    supplier = make_supplier()
    teapot, tea = make_product(supplier, "Cast iron teapot"), make_product(supplier, "Oolong tea")
    keen, fan = make_user(), make_user()
    acts.buy(keen, teapot)
    acts.buy(fan, teapot)
    acts.buy(fan, tea)
    set_preference(db.session.get(User, keen.id), Kind.RECOMMENDATIONS, in_site=True, email=True)
    set_personalised(db.session.get(User, keen.id), False)
    db.session.commit()
    assert send_picks() == 0
    assert db.session.scalar(db.select(db.func.count(Notification.id))
                             .where(Notification.kind == Kind.RECOMMENDATIONS)) == 0
