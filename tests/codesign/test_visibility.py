"""One rule for which prototypes the public sees, followed everywhere: the board, a prototype's page, search,
suggestions and share links. A draft, a prototype a moderator hid and a suspended supplier's prototype are
seen by none of them."""
import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.codesign.models import Prototype
from blueprints.codesign.queries import is_public_prototype, open_prototypes, public_prototype, visible_prototypes
from blueprints.codesign.services.comments import moderate
from blueprints.search.services import search_prototypes
from blueprints.sharing.services import page_title
from blueprints.suppliers.models import Supplier, SupplierAction
from blueprints.suppliers.services import decide
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


@pytest.fixture
def prototypes(app, make_supplier, make_prototype, admin) -> dict[str, str]:
    """{how it stands: slug} for a public open prototype and three the public may not see."""
    verified, paused = make_supplier("Good Co"), make_supplier("Paused Co")
    slugs = {"public": make_prototype(verified, "Lamp for everyone")[1],
             "draft": make_prototype(verified, "Lamp in draft", open_it=False)[1],
             "hidden": make_prototype(verified, "Lamp hidden by a moderator")[1],
             "suspended": make_prototype(paused, "Lamp of a suspended supplier")[1]}
    with app.app_context():
        moderator = db.session.get(User, admin.id)
        moderate(moderator, prototype=db.session.scalar(select(Prototype).where(Prototype.slug == slugs["hidden"])),
                 comment=None, hide=True, reason="Misleading photos")
        decide(moderator, db.session.get(Supplier, paused.id), SupplierAction.SUSPEND, "Under review")
        db.session.commit()
    return slugs


def test_the_sql_condition_and_the_python_predicate_agree(app, prototypes):
    with app.app_context():
        visible = set(db.session.scalars(visible_prototypes().with_only_columns(Prototype.slug)))
        assert visible == {prototypes["public"]}
        for prototype in db.session.scalars(select(Prototype)):
            assert is_public_prototype(prototype) == (prototype.slug in visible), prototype.slug


def test_every_list_shows_only_what_the_public_may_see(app, client, prototypes):
    board = client.get("/codesign").get_data(as_text=True)
    assert "Lamp for everyone" in board and board.count("Lamp ") == 1
    with app.app_context():
        assert [p.slug for p in search_prototypes("lamp")] == [prototypes["public"]]
        assert [p.slug for p in db.session.scalars(open_prototypes())] == [prototypes["public"]]
        assert {name: public_prototype(slug) is not None for name, slug in prototypes.items()} == {
            "public": True, "draft": False, "hidden": False, "suspended": False}


def test_only_the_public_prototypes_page_is_open_to_visitors_and_shoppers(client, prototypes, make_user):
    for viewer in ("visitor", "shopper"):
        if viewer == "shopper":
            sign_in(client, make_user())
        statuses = {name: client.get(f"/codesign/{slug}").status_code for name, slug in prototypes.items()}
        assert statuses == {"public": 200, "draft": 404, "hidden": 404, "suspended": 404}, viewer


def test_share_links_follow_the_rule(app, prototypes):
    with app.app_context():
        assert {name: page_title(f"/codesign/{slug}") for name, slug in prototypes.items()} == {
            "public": "Lamp for everyone", "draft": None, "hidden": None, "suspended": None}
