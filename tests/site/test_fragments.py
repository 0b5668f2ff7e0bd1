"""Every block a view renders alone for htmx does render alone, and is the very part of the page it replaces.

The blocks are found by reading the views: `render("page.html", block="name")`, helpers that hand their own
`block` argument on to render (render_prototype, _after), and `render_block("page.html", "name")`. Each one
needs an `@asks_for` request below, made as the person who would make it; a view that renders a new block
fails `test_every_block_a_view_renders_alone_is_asked_for_here` until one is added.
"""
import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import pytest
from jinja2 import nodes
from jinja2_fragments.flask import before_render_template_block

from tests.conftest import Account, ShopClient, SupplierFixture, sign_in

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"
# How each kind of call names its page and block: (page, or None for its first argument; block keyword; position).
RENDERERS = {"render": (None, "block", None), "render_block": (None, "block_name", 1)}


def personal_parts() -> set[tuple[str, str]]:
    """The (page, block) pairs rendered alone as a viewer's own part of a shared page (blueprints/shared_pages.py),
    not for htmx: test_shared_pages.py checks each against the page rendered for that viewer alone."""
    found = set()
    for path in sorted(BLUEPRINTS.rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(function, ast.FunctionDef) and any(
                    isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "renders_personal_part"
                    for decorator in function.decorator_list):
                for call in ast.walk(function):
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "render_block":
                        found.add((call.args[0].value, call.args[1].value))
    return found


def rendered_blocks() -> tuple[set[tuple[str, str]], set[str]]:
    """Every (page, block) the views render alone, and the calls whose block cannot be read from the source."""
    renderers = dict(RENDERERS)
    functions = []
    for path in sorted(BLUEPRINTS.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        functions += [(path, node) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
        for node in ast.walk(tree):  # a closure may pass on its enclosing function's parameter
            if isinstance(node, ast.FunctionDef):
                outer = {arg.arg for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
                outer |= getattr(node, "outer_parameters", set())
                for inner in ast.walk(node):
                    if isinstance(inner, ast.FunctionDef) and inner is not node:
                        inner.outer_parameters = getattr(inner, "outer_parameters", set()) | outer
    found, unclear = set(), set()
    learned = True
    while learned:  # until no function turns out to pass its own argument on as the block
        learned = False
        for path, function in functions:
            positional = [arg.arg for arg in function.args.posonlyargs + function.args.args]
            parameters = {*positional, *(arg.arg for arg in function.args.kwonlyargs)}
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                if name not in renderers:
                    continue
                page, keyword, position = renderers[name]
                if page is None:
                    first = call.args[0] if call.args else None
                    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                        continue  # the helper itself (blueprints/web.py), which any page goes through
                    page = first.value
                block = next((kw.value for kw in call.keywords if kw.arg == keyword), None)
                if block is None and position is not None and len(call.args) > position:
                    block = call.args[position]
                where = f"{path.relative_to(BLUEPRINTS.parent)}:{call.lineno}"
                if block is None or (isinstance(block, ast.Constant) and block.value is None):
                    continue
                if isinstance(block, ast.Constant) and isinstance(block.value, str):
                    found.add((page, block.value))
                elif isinstance(block, ast.Name) and block.id in parameters:
                    renderer = (page, block.id, positional.index(block.id) if block.id in positional else None)
                    if function.name not in renderers:
                        renderers[function.name] = renderer
                        learned = True
                    elif renderers[function.name] != renderer:
                        unclear.add(f"{where} (two functions called {function.name})")
                elif isinstance(block, ast.Name) and block.id in getattr(function, "outer_parameters", set()):
                    continue  # learned when the enclosing function, which walks this call too, is read
                else:
                    unclear.add(where)
    return found, unclear


class Shop(NamedTuple):
    slug: str
    owner: Account


class Shelf:
    """The shop's world, built only as far as a request needs it: a kitchen category, then on demand a
    supplier's products, an open prototype, a shop, and the people who make the requests."""

    def __init__(self, app, make_user, make_supplier, make_product, make_shop, make_prototype, make_category,
                 admin):
        self.app = app
        self.make_user, self.make_supplier, self.make_product = make_user, make_supplier, make_product
        self.make_shop, self.make_prototype = make_shop, make_prototype
        self.admin_account = admin
        self.category_id = make_category("kitchen", "Kitchen", "厨房")

    @cached_property
    def supplier(self) -> SupplierFixture:
        return self.make_supplier("Clay Co")

    @cached_property
    def product(self):
        """A bamboo flask, beside an enamel mug."""
        self.make_product(self.supplier, "Enamel mug", category_id=self.category_id, suggested_price=5900)
        return self.make_product(self.supplier, "Bamboo flask", category_id=self.category_id)

    @cached_property
    def variant_id(self) -> int:
        from blueprints.catalog.models import Variant
        from extensions import db

        with self.app.app_context():
            return db.session.scalar(db.select(Variant.id).where(Variant.product_id == self.product.id))

    @cached_property
    def prototype(self) -> str:
        """An open bamboo lunch box with a poll and a shopper's comment; its slug."""
        from blueprints.accounts.models import User
        from blueprints.codesign.models import Prototype
        from blueprints.codesign.services import add_comment
        from extensions import db

        prototype_id, slug = self.make_prototype(self.supplier, "Bamboo lunch box")
        commenter = self.make_user(display_name="Lin")
        with self.app.app_context():
            add_comment(db.session.get(User, commenter.id), db.session.get(Prototype, prototype_id),
                        "Could it have a **second** tier?")
            db.session.commit()
        return slug

    @cached_property
    def option_id(self) -> int:
        """The prototype's poll's first answer."""
        from blueprints.codesign.models import Poll, PollOption, Prototype
        from extensions import db

        slug = self.prototype
        with self.app.app_context():
            return db.session.scalar(db.select(PollOption.id).join(Poll).join(Prototype)
                                     .where(Prototype.slug == slug).order_by(PollOption.position))

    @cached_property
    def shop(self) -> Shop:
        """Mei's shop, selling the flask."""
        from blueprints.accounts.models import User
        from blueprints.catalog.models import Product
        from blueprints.money import current_rates
        from blueprints.shops.models import Shop as ShopModel
        from blueprints.shops.services import add_listing
        from extensions import db

        owner = self.make_user("owner@example.com", display_name="Mei")
        shop_id = self.make_shop(owner, name="Mei's Corner", slug="mei")
        with self.app.app_context():
            add_listing(db.session.get(User, owner.id), db.session.get(ShopModel, shop_id),
                        db.session.get(Product, self.product.id), 7500, current_rates())
            db.session.commit()
        return Shop("mei", owner)

    def everything_to_find(self) -> tuple:
        """Products and a prototype, so a search has results of each kind."""
        return self.product, self.prototype

    # The people who make the requests.

    def client(self, account: Account | None = None) -> ShopClient:
        client = self.app.test_client()
        if account is not None:
            sign_in(client, account)
        return client

    def visitor(self) -> ShopClient:
        return self.client()

    def shopper(self) -> ShopClient:
        return self.client(self.make_user(display_name="Shopper"))

    def shopper_with_a_cart(self) -> ShopClient:
        client = self.shopper()
        added = client.submit("/cart/add", {"variant_id": self.variant_id, "quantity": 2},
                              page=f"/p/{self.product.slug}")
        assert added.status_code == 303
        return client

    def shop_owner(self) -> ShopClient:
        return self.client(self.shop.owner)

    def supplier_member(self) -> ShopClient:
        return self.client(self.supplier.member)

    def admin(self) -> ShopClient:
        return self.client(self.admin_account)


@pytest.fixture
def shelf(app, make_user, make_supplier, make_product, make_shop, make_prototype, make_category, admin):
    return Shelf(app, make_user, make_supplier, make_product, make_shop, make_prototype, make_category, admin)


@dataclass
class Ask:
    """An htmx request: a GET of `url`, or a POST of `data` to it, made from `page` (by default `url`)."""
    client: ShopClient
    url: str
    data: dict | None = None
    page: str | None = None


@dataclass(frozen=True)
class Request:
    page: str
    block: str
    who: str
    ask: Callable[[Shelf], Ask]

    @property
    def id(self) -> str:
        return f"{self.page}#{self.block}: {self.who}"


REQUESTS: list[Request] = []


def asks_for(page: str, block: str, who: str):
    """Register a request that makes a view render `block` of `page` alone."""
    def register(ask: Callable[[Shelf], Ask]):
        REQUESTS.append(Request(page, block, who, ask))
        return ask
    return register


@asks_for("catalog/catalog.html", "results", "a visitor types a search")
def _(shelf):
    shelf.everything_to_find()
    return Ask(shelf.visitor(), "/catalog?q=bamboo")


@asks_for("catalog/catalog.html", "results", "a shopper filters and sorts")
def _(shelf):
    return Ask(shelf.shopper(), f"/catalog?category=kitchen&supplier={shelf.product.supplier_id}&in_stock=1"
                                "&sort=price-low")


@asks_for("search/results.html", "results", "a visitor types a search")
def _(shelf):
    shelf.everything_to_find()
    return Ask(shelf.visitor(), "/search?q=bamboo")


@asks_for("catalog/product.html", "variant_panel", "a visitor picks a variant")
def _(shelf):
    return Ask(shelf.visitor(), f"/p/{shelf.product.slug}?variant={shelf.variant_id}")


@asks_for("catalog/product.html", "variant_panel", "a shopper picks a variant in a shop")
def _(shelf):
    return Ask(shelf.shopper(), f"/shops/{shelf.shop.slug}/p/{shelf.product.slug}?variant={shelf.variant_id}")


@asks_for("catalog/product.html", "gallery", "a visitor picks a variant (its picture, out of band)")
def _(shelf):
    return Ask(shelf.visitor(), f"/p/{shelf.product.slug}?variant={shelf.variant_id}")


@asks_for("catalog/product.html", "gallery", "a shopper picks a variant in a shop (its picture, out of band)")
def _(shelf):
    return Ask(shelf.shopper(), f"/shops/{shelf.shop.slug}/p/{shelf.product.slug}?variant={shelf.variant_id}")


@asks_for("orders/cart.html", "cart", "a shopper opens the cart")
def _(shelf):
    return Ask(shelf.shopper_with_a_cart(), "/cart")


@asks_for("base.html", "cart_count", "a shopper opens the cart")
def _(shelf):
    return Ask(shelf.shopper_with_a_cart(), "/cart")


@asks_for("base.html", "bell", "a shopper's page polls the bell")
def _(shelf):
    return Ask(shelf.shopper(), "/my/notifications/bell", page="/")


@asks_for("accounts/login.html", "form", "a visitor")
def _(shelf):
    return Ask(shelf.visitor(), "/login")


@asks_for("accounts/signup.html", "form", "a visitor")
def _(shelf):
    return Ask(shelf.visitor(), "/signup")


@asks_for("accounts/forgot.html", "form", "a visitor")
def _(shelf):
    return Ask(shelf.visitor(), "/password/forgot")


@asks_for("accounts/reset.html", "form", "a visitor with a reset link")
def _(shelf):
    from blueprints.accounts.models import User
    from blueprints.accounts.recovery import RESET, issue_token
    from extensions import db

    account = shelf.make_user()
    with shelf.app.app_context():
        token = issue_token(db.session.get(User, account.id), RESET)
        db.session.commit()
    return Ask(shelf.visitor(), f"/password/reset/{token}")


@asks_for("accounts/change_password.html", "form", "a shopper")
def _(shelf):
    return Ask(shelf.shopper(), "/my/account/password")


@asks_for("accounts/account.html", "profile", "a shopper")
def _(shelf):
    return Ask(shelf.shopper(), "/my/account")


@asks_for("orders/addresses.html", "address_form", "a shopper")
def _(shelf):
    return Ask(shelf.shopper(), "/my/addresses")


@asks_for("orders/addresses.html", "picker", "a shopper choosing a province")
def _(shelf):
    return Ask(shelf.shopper(), "/my/addresses/picker", page="/my/addresses")


@asks_for("accounts/change_email.html", "form", "a shopper")
def _(shelf):
    return Ask(shelf.shopper(), "/my/account/email")


@asks_for("shops/open.html", "form", "a shopper without a shop")
def _(shelf):
    return Ask(shelf.shopper(), "/my/shop")


@asks_for("shops/dashboard.html", "listings", "a shop owner")
def _(shelf):
    return Ask(shelf.shop_owner(), "/my/shop")


@asks_for("suppliers/apply.html", "form", "a shopper")
def _(shelf):
    return Ask(shelf.shopper(), "/supplier/apply")


@asks_for("codesign/prototype.html", "comments", "a visitor")
def _(shelf):
    return Ask(shelf.visitor(), f"/codesign/{shelf.prototype}")


@asks_for("codesign/prototype.html", "comments", "a shopper comments")
def _(shelf):
    return Ask(shelf.shopper(), f"/codesign/{shelf.prototype}/comments", {"body": "Yes please, in sage."},
               page=f"/codesign/{shelf.prototype}")


@asks_for("codesign/prototype.html", "comments", "the supplier")
def _(shelf):
    return Ask(shelf.supplier_member(), f"/codesign/{shelf.prototype}")


@asks_for("codesign/prototype.html", "comments", "an admin")
def _(shelf):
    return Ask(shelf.admin(), f"/codesign/{shelf.prototype}")


@asks_for("codesign/prototype.html", "participation", "a shopper supports it")
def _(shelf):
    return Ask(shelf.shopper(), f"/codesign/{shelf.prototype}/support", {}, page=f"/codesign/{shelf.prototype}")


@asks_for("codesign/prototype.html", "polls", "a shopper votes")
def _(shelf):
    return Ask(shelf.shopper(), f"/codesign/{shelf.prototype}/vote/{shelf.option_id}", {},
               page=f"/codesign/{shelf.prototype}")


def test_every_block_a_view_renders_alone_is_asked_for_here():
    found, unclear = rendered_blocks()
    assert not unclear, f"name the block as a string (or pass on the caller's parameter) at {sorted(unclear)}"
    assert {("catalog/catalog.html", "results"), ("codesign/prototype.html", "polls"),
            ("base.html", "bell")} <= found  # the reading of the views still sees each kind of call
    asked = {(request.page, request.block) for request in REQUESTS}
    assert ("base.html", "account_nav") in personal_parts()
    htmx = found - (personal_parts() - asked)
    assert not htmx - asked, f"add an @asks_for request that makes a view render {sorted(htmx - asked)}"
    assert not asked - found, f"no view renders {sorted(asked - found)} alone any more"


def names_defined(body: list[nodes.Node]) -> set[str]:
    """What {% set %}, {% macro %}, {% from %} and {% import %} in `body` define (at its own level)."""
    defined = set()
    for node in body:
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            targets = [node.target] if isinstance(node.target, nodes.Name) else node.target.find_all(nodes.Name)
            defined |= {name.name for name in targets}
        elif isinstance(node, nodes.Macro):
            defined.add(node.name)
        elif isinstance(node, nodes.FromImport):
            defined |= {name if isinstance(name, str) else name[1] for name in node.names}
        elif isinstance(node, nodes.Import):
            defined.add(node.target)
    return defined


def test_no_block_rendered_alone_leans_on_the_top_of_its_page(app):
    """What a page sets, defines or imports outside its blocks is not there when a block is rendered alone
    (nor is its title, which goes with a fragment a GET asks for): each block sets or imports what it uses."""
    found, _unclear = rendered_blocks()
    leaning = {}
    for page, block in found | {(page, "title") for page, _block in found}:
        tree = app.jinja_env.parse(app.jinja_env.loader.get_source(app.jinja_env, page)[0])
        top = names_defined(tree.body)
        for node in tree.find_all(nodes.Block):
            if node.name == block:
                own = {name.name for name in node.find_all(nodes.Name) if name.ctx in ("store", "param")}
                own |= names_defined(list(node.find_all((nodes.Macro, nodes.FromImport, nodes.Import))))
                used = {name.name for name in node.find_all(nodes.Name) if name.ctx == "load"}
                if (used & top) - own:
                    leaning[f"{page}#{block}"] = sorted((used & top) - own)
    assert not leaning, f"set or import these inside the block: {leaning}"


HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}
CSRF_TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{5,}\.[\w-]{20,}")  # signed, so each page has its own


def as_on_the_page(html: str) -> str:
    return CSRF_TOKEN.sub("CSRF", html)


def parts(fragment: str) -> list[str]:
    """The fragment's block and any out-of-band parts after it, each as the page itself shows it."""
    cuts = [0, *(match.start() for match in re.finditer(r"<[a-z][^>]*\shx-swap-oob=", fragment)), len(fragment)]
    return [as_on_the_page(fragment[start:end].replace(' hx-swap-oob="true"', "")).strip()
            for start, end in pairwise(cuts) if fragment[start:end].strip()]


def title_of(html: str) -> str | None:
    match = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    return match and match.group(1)


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda request_: request_.id)
def test_each_block_renders_alone_as_the_part_of_the_page_it_replaces(shelf, request_, app):
    ask = request_.ask(shelf)
    rendered = []

    def record(_app, template_name, block_name, **_context):
        rendered.append((template_name, block_name))

    with before_render_template_block.connected_to(record, app):
        if ask.data is None:
            response = ask.client.get(ask.url, headers=HTMX)
        else:
            response = ask.client.htmx_submit(ask.url, ask.data, page=ask.page, headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200, fragment
    assert (request_.page, request_.block) in rendered
    assert not re.search(r"<(html|head|body)\b", fragment), "a whole page instead of the fragment"
    assert 'class="site-header"' not in fragment

    page_response = ask.client.get(ask.page or ask.url)
    assert page_response.status_code == 200
    page = page_response.get_data(as_text=True)
    assert "<html" in page
    if ask.data is None and ask.page is None:
        # The page's own address answers the fragment: caches must tell them apart, and as htmx may
        # push the address to the history, the fragment names the page.
        assert {"HX-Request", "HX-Request-Type"} <= set(response.vary)
        assert title_of(fragment) == title_of(page)
    # The one thing an action's answer adds to the page's block: its message, which takes the focus.
    fragment = re.sub(r'<p class="alert alert--success" role="status" tabindex="-1" autofocus>.*?</p>', "",
                      fragment, flags=re.DOTALL)
    block_and_out_of_band = parts(re.sub(r"<title>.*?</title>", "", fragment, flags=re.DOTALL))
    assert block_and_out_of_band
    for part in block_and_out_of_band:
        assert part in as_on_the_page(page), f"the fragment is not the page's own block:\n{part[:2000]}"
