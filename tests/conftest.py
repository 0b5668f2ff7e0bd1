"""Fixtures: an app on a fresh, migrated database per test, clients that carry CSRF tokens, factories.

Tests run on SQLite by default. Mark a test (or module) `all_databases` to run it on SQLite and on
a throwaway PostgreSQL database too, or `postgresql` for PostgreSQL only. The server comes from
TEST_POSTGRES_URL (an account that may create databases); when it cannot be reached the test is
skipped, except under CI=true, where it fails.

Each SQLite test gets its own copy of a migrated file. On PostgreSQL every test shares one database
(per pytest-xdist worker) and runs inside one transaction that is rolled back after it: the app's
sessions all use that transaction's connection, and each session's transaction is a savepoint in it,
so a commit releases the savepoint and a rollback returns to it, as they would on their own. A test
that needs real commits, because threads, a second connection or a second app read what it wrote (or
it runs DDL or VACUUM), is marked `commits` (or listed in COMMITTING below): it commits for real and
every table is truncated after it, which costs a second or more.
"""
import os
import re
import shutil
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import flask_migrate
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from blueprints import cache
from extensions import db

IN_CI = os.environ.get("CI") == "true"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_PASSWORD = "correct horse battery"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PASSWORD_HASH_PROFILE": "CHEAPEST",
    "RATELIMIT_STORAGE_URI": "memory://",
    "CATALOG_COUNT_SECONDS": 0,  # every test sees the products it just added
    "TRENDING_SECONDS": 0,
    "USER_SUGGESTIONS_SECONDS": 0,
    "PAGE_CACHE_SECONDS": 0,
}


def require(condition: bool, reason: str) -> None:
    """Skip a test whose service is missing; under CI=true that is a failure, never a silent skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true requires this test to run)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true no test may be skipped, whatever skipped it."""
    report = yield
    if IN_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run every test: {report.longrepr}"
    return report


# Tests that need real commits on PostgreSQL (see the module's docstring), until each carries the mark itself.
COMMITTING = (
    "tests/codesign/test_concurrency.py",
    "tests/orders/test_concurrency.py",
    "tests/sharing/test_concurrency.py",
    "tests/notifications/test_services.py::test_two_runs_at_once_send_each_email_once",
    "tests/subscriptions/test_subscriptions.py::test_the_same_keywords_sent_twice_at_once_are_saved_once",
    # Alembic connects through the engine itself, and downgrades and upgrades the schema.
    "tests/test_migrations.py",
    # Query plans: VACUUM needs its own connection, and a search's SET LOCAL would outlive its savepoint
    # for the rest of the test, changing the plans checked after it.
    "tests/search/test_postgres_plan.py",
    "tests/test_explain.py",
)


def pytest_collection_modifyitems(items):
    for item in items:
        test = item.nodeid.split("[")[0]
        if test in COMMITTING or test.split("::")[0] in COMMITTING:
            item.add_marker(pytest.mark.commits)


def migrate_database(url: str) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def pytest_generate_tests(metafunc):
    if "db_backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("postgresql"):
        backends = ["postgresql"]
    elif metafunc.definition.get_closest_marker("all_databases"):
        backends = ["sqlite", "postgresql"]
    else:
        backends = ["sqlite"]
    metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture
def db_backend(request):
    return request.param


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file; each test gets a copy, which is much faster than migrating again."""
    path = tmp_path_factory.mktemp("template") / "shelfmade.sqlite3"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL database with every migration applied, dropped after the session."""
    admin_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except OperationalError as exc:
        admin.dispose()
        require(False, f"PostgreSQL is not reachable at {make_url(admin_url).render_as_string()}: {exc.orig}")
    name = f"shelfmade_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def commits_for_real(request) -> bool:
    """On PostgreSQL: commit for real and truncate after, instead of rolling back one transaction."""
    # A live server answers from threads of its own, each with its own connection.
    return request.node.get_closest_marker("commits") is not None or "live_server" in request.fixturenames


class PostgresTables:
    """The test database's tables, to empty after a test that committed, or to check after one that rolled back."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        with self.engine.connect() as conn:
            names = list(conn.scalars(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")))
        quoted = ", ".join(f'"{name}"' for name in names)
        self.truncate_all = text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        self.with_rows = text(" UNION ALL ".join(f"""SELECT '{name}' WHERE EXISTS (SELECT FROM "{name}")"""
                                                 for name in names))
        # As TRUNCATE ... RESTART IDENTITY would: ids start at 1 in every test. (setval outlives a rollback.)
        self.restart_ids = text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences"
                                " WHERE schemaname = 'public' AND last_value IS NOT NULL")

    def truncate(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.truncate_all)

    def left_with_rows(self) -> list[str]:
        """After a rolled-back test: the tables that still hold rows (none should), and ids restarted."""
        with self.engine.begin() as conn:
            conn.execute(self.restart_ids)
            return list(conn.scalars(self.with_rows))


@pytest.fixture(scope="session")
def postgres_tables(postgres_url):
    tables = PostgresTables(postgres_url)
    yield tables
    tables.engine.dispose()


@pytest.fixture
def database_url(db_backend, request, tmp_path):
    if db_backend == "sqlite":
        path = tmp_path / "shelfmade.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    tables = request.getfixturevalue("postgres_tables")
    yield url
    if commits_for_real(request):
        tables.truncate()
    elif left := tables.left_with_rows():
        # Something wrote through a connection of its own, past the test's transaction: clean up, and say so.
        tables.truncate()
        pytest.fail(f"rows committed outside the test's transaction were left in {left}: mark the test `commits`",
                    pytrace=False)


class Savepoints:
    """Watches the savepoints on the shared connection for the one case where they differ from real transactions:
    a session that rolls back after another session committed inside its savepoint undoes that commit too. That
    is harmless when nothing reads the database after it (a fixture's closing rollback), and fails the test
    otherwise."""

    def __init__(self, connection):
        self.open: list[dict] = []  # innermost last
        self.created = 0
        self.commit_undone = False
        self.used_after_an_undone_commit = False
        event.listen(connection, "savepoint", self.opened)
        event.listen(connection, "release_savepoint", self.released)
        event.listen(connection, "rollback_savepoint", self.rolled_back)
        event.listen(connection, "before_cursor_execute", self.executing)
        event.listen(db.session, "after_begin", self.session_began)

    def close(self) -> None:
        event.remove(db.session, "after_begin", self.session_began)

    def opened(self, _conn, name):
        # The event comes before SQLAlchemy names the savepoint, which it numbers per connection.
        self.created += 1
        self.open.append({"name": name or f"sa_savepoint_{self.created}", "session": False, "holds_a_commit": False})

    def session_began(self, _session, transaction, _connection):
        if self.open and not transaction.nested:
            self.open[-1]["session"] = True  # a session's own savepoint, not a begin_nested() inside one

    def _pop(self, name) -> list[dict]:
        """The savepoint and those inside it, which it ends too."""
        names = [savepoint["name"] for savepoint in self.open]
        assert name in names, f"lost track of the savepoints: {name} is not among {names}"
        popped = self.open[names.index(name):]
        del self.open[names.index(name):]
        return popped

    def released(self, _conn, name, _context):
        for savepoint in self._pop(name):
            if self.open and (savepoint["session"] or savepoint["holds_a_commit"]):
                self.open[-1]["holds_a_commit"] = True

    def rolled_back(self, _conn, name, _context):
        if any(savepoint["holds_a_commit"] for savepoint in self._pop(name)):
            self.commit_undone = True

    def executing(self, _conn, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            self.used_after_an_undone_commit |= self.commit_undone


@contextmanager
def one_rolled_back_transaction(app):
    """Every session of `app` works in savepoints of one transaction on one connection, rolled back at the end.

    Flask-SQLAlchemy's Session picks its connection from `db.engines`, not from a `bind=` session option, so the
    app's default engine is swapped for the connection (the way its maintainers suggest for tests), and
    join_transaction_mode="create_savepoint" makes each session's commit release a savepoint instead of
    ending the outer transaction. A test that would behave differently from real transactions fails."""
    with app.app_context():
        engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    transaction = connection.begin()
    owner = threading.get_ident()

    @event.listens_for(connection, "before_cursor_execute")
    def only_from_the_test_thread(*_args):
        if threading.get_ident() != owner:
            raise RuntimeError("another thread used the database: a test with threads must be marked `commits`")

    savepoints = Savepoints(connection)
    session_options = db.session.session_factory.kw
    before = dict(session_options)
    session_options["join_transaction_mode"] = "create_savepoint"
    engines[None] = connection
    try:
        yield
    finally:
        engines[None] = engine
        session_options.clear()
        session_options.update(before)
        savepoints.close()
        transaction.rollback()
        connection.close()
    if savepoints.used_after_an_undone_commit:
        pytest.fail("a session's rollback undid another session's commit, which real transactions keep, and the "
                    "test went on using the database: mark it `commits`", pytrace=False)


class ShopClient(FlaskClient):
    """A test client that fills in the CSRF token the way a browser's form would."""

    def csrf_token(self, page: str = "/") -> str:
        html = self.get(page).get_data(as_text=True)
        match = re.search(r'"X-CSRFToken": "([^"]+)"', html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def submit(self, url: str, data: dict, *, page: str | None = None, **kwargs):
        token = self.csrf_token(page or url)
        return self.post(url, data={**data, "csrf_token": token}, **kwargs)

    def htmx_submit(self, url: str, data: dict, *, page: str | None = None, **kwargs):
        """Post as htmx does: token in the X-CSRFToken header, HX-Request set."""
        token = self.csrf_token(page or url)
        headers = {"HX-Request": "true", "X-CSRFToken": token, **kwargs.pop("headers", {})}
        return self.post(url, data=data, headers=headers, **kwargs)


@pytest.fixture
def app(database_url, db_backend, request):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = ShopClient
    try:
        if db_backend == "postgresql" and not commits_for_real(request):
            with one_rolled_back_transaction(app):
                yield app
        else:
            yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        # A response a test never closed leaves the site-wide recount turn taken (it would expire in 30 s).
        cache._local_recount["held_until"] = 0.0


@pytest.fixture
def ctx(app):
    """An app context for calling services directly, as views do."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app) -> ShopClient:
    return app.test_client()


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password: str
    display_name: str


@pytest.fixture
def make_user(app):
    from blueprints.accounts.services import register_user

    counter = iter(range(1, 10_000))

    def make_user(email: str | None = None, *, password: str = TEST_PASSWORD, display_name: str = "Test Shopper",
                  is_admin: bool = False, locale: str | None = None) -> Account:
        email = email or f"user{next(counter)}@example.com"
        with app.app_context():
            user = register_user(email, display_name, password, is_admin=is_admin, locale=locale)
            db.session.commit()
            return Account(user.id, user.email, password, user.display_name)

    return make_user


def sign_in(client: ShopClient, account: Account, **extra):
    response = client.submit("/login", {"email": account.email, "password": account.password, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


@pytest.fixture
def signed_in(client, make_user) -> Account:
    """A shopper signed in on `client`."""
    account = make_user()
    sign_in(client, account)
    return account


# Catalog and shop factories. Each returns ids and plain values, usable from any app context.

@dataclass(frozen=True)
class SupplierFixture:
    id: int
    member: Account


@pytest.fixture
def make_category(app):
    from blueprints.catalog.models import Category

    def make_category(slug: str = "kitchen", name_en: str = "Kitchen", name_zh: str = "厨房",
                      parent_id: int | None = None) -> int:
        with app.app_context():
            category = Category(slug=slug, name_en=name_en, name_zh=name_zh, parent_id=parent_id)
            db.session.add(category)
            db.session.commit()
            return category.id

    return make_category


@pytest.fixture
def admin(make_user) -> Account:
    return make_user("admin@example.com", display_name="Ada Admin", is_admin=True)


@pytest.fixture
def make_supplier(app, make_user, admin):
    from blueprints.accounts.models import User
    from blueprints.suppliers.models import SupplierAction
    from blueprints.suppliers.services import apply_for_supplier, decide

    counter = iter(range(1, 1000))

    def make_supplier(name: str | None = None, *, verified: bool = True) -> SupplierFixture:
        n = next(counter)
        member = make_user(f"supplier{n}@example.com", display_name=f"Supplier Staff {n}")
        with app.app_context():
            supplier = apply_for_supplier(db.session.get(User, member.id), name=name or f"Workshop {n}",
                                          description="We make things.", contact="+86 138 0000 0000",
                                          registration_number=f"REG-{n:05d}")
            if verified:
                decide(db.session.get(User, admin.id), supplier, SupplierAction.APPROVE)
            db.session.commit()
            return SupplierFixture(supplier.id, member)

    return make_supplier


@pytest.fixture
def make_product(app, make_category):
    from blueprints.accounts.models import User
    from blueprints.catalog.models import Category, Product, ProductStatus
    from blueprints.catalog.services import ProductDetails, add_variant, change_status, create_product

    def make_product(supplier: SupplierFixture, title: str = "Steel flask", *, supply_price: int = 3900,
                     suggested_price: int = 6900, min_price: int = 5000, max_price: int = 9900,
                     stock: int = 10, active: bool = True, category_id: int | None = None) -> Product:
        with app.app_context():
            if category_id is None:
                category = db.session.scalar(db.select(Category).limit(1))
                category_id = category.id if category else make_category()
            user = db.session.get(User, supplier.member.id)
            product = create_product(user, ProductDetails(
                title=title, description="A good thing.", category_id=category_id, supply_price=supply_price,
                suggested_price=suggested_price, min_price=min_price, max_price=max_price))
            add_variant(user, product, sku=f"SKU-{product.id}-1", options={"colour": "Sage"}, stock_on_hand=stock)
            if active:
                change_status(user, product, ProductStatus.ACTIVE)
            db.session.commit()
            db.session.refresh(product)
            db.session.expunge(product)
            return product

    return make_product


@pytest.fixture
def make_shop(app, make_user):
    from blueprints.accounts.models import User
    from blueprints.shops.services import open_shop

    counter = iter(range(1, 1000))

    def make_shop(owner: Account | None = None, *, name: str | None = None, slug: str | None = None) -> int:
        n = next(counter)
        owner = owner or make_user(f"owner{n}@example.com", display_name=f"Owner {n}")
        with app.app_context():
            shop = open_shop(db.session.get(User, owner.id), name=name or f"Shop {n}", slug=slug or f"shop-{n}")
            db.session.commit()
            return shop.id

    return make_shop


@pytest.fixture
def make_prototype(app, make_category):
    """An open (by default) prototype with a colour poll; returns its id and slug."""
    from datetime import timedelta

    from blueprints.accounts.models import User
    from blueprints.catalog.models import Category
    from blueprints.codesign.services import PrototypeDetails, add_poll, create_prototype, open_prototype
    from blueprints.columns import utcnow

    def make_prototype(supplier: SupplierFixture, title: str = "Bamboo lunch box", *, open_it: bool = True,
                       moq: int = 10, poll: bool = True):
        with app.app_context():
            category = db.session.scalar(db.select(Category.id).limit(1)) or make_category()
            member = db.session.get(User, supplier.member.id)
            prototype = create_prototype(member, PrototypeDetails(
                title=title, description="A lunch box.", specs="1 litre", category_id=category, target_price=8900,
                early_bird_price=6900, moq=moq, deadline=utcnow() + timedelta(days=10)))
            if poll:
                add_poll(member, prototype, "Which colour?", ["Sage", "Sand", "Coral"], "colour")
            if open_it:
                open_prototype(member, prototype)
            db.session.commit()
            return prototype.id, prototype.slug

    return make_prototype
