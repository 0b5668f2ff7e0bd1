"""The demo data, seeded once per test worker: seeding draws and encodes about 70 pictures, so each test that
only reads the demo gets a copy of one seeded database instead of seeding its own."""
import shutil

import pytest

from app import create_app
from blueprints.demo.services import seed_demo
from extensions import db
from tests.conftest import BASE_CONFIG, ShopClient


@pytest.fixture(scope="session")
def demo_template(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "UPLOAD_FOLDER": str(folder / "uploads")})
    with app.app_context():
        created = seed_demo()
        db.session.commit()
        db.engine.dispose()
    return path, folder / "uploads", created


@pytest.fixture
def demo_app(demo_template, tmp_path):
    """An app on a copy of the seeded demo database, for requests through its test client."""
    template, uploads, _ = demo_template
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(template, path)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "UPLOAD_FOLDER": str(uploads)})
    app.test_client_class = ShopClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo(demo_app, demo_template):
    """demo_app's context, for calling services directly; yields what seeding reported it created."""
    with demo_app.app_context():
        yield demo_app, demo_template[2]
