"""Fixtures: an app on a fresh, migrated database per test, clients that carry CSRF tokens, factories.

Tests run on SQLite by default. Mark a test (or module) `all_databases` to run it on SQLite and on
a throwaway PostgreSQL database too, or `postgresql` for PostgreSQL only. The server comes from
TEST_POSTGRES_URL (an account that may create databases); when it cannot be reached the test is
skipped, except under CI=true, where it fails.
"""
import os
import re
import shutil
import uuid
from dataclasses import dataclass

import flask_migrate
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from extensions import db

IN_CI = os.environ.get("CI") == "true"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_PASSWORD = "correct horse battery"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PASSWORD_HASH_PROFILE": "CHEAPEST",
    "RATELIMIT_STORAGE_URI": "memory://",
}


def require(condition: bool, reason: str) -> None:
    """Skip a test whose service is missing; under CI=true that is a failure, never a silent skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true requires this test to run)", pytrace=False)
    pytest.skip(reason)


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


@pytest.fixture
def database_url(db_backend, request, tmp_path):
    if db_backend == "sqlite":
        path = tmp_path / "shelfmade.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [name for (name,) in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


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
def app(database_url):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = ShopClient
    yield app
    with app.app_context():
        db.engine.dispose()


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
