"""The migrations build exactly the schema the models describe, and can be undone."""
import warnings

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from blueprints.search.models import described_by_models
from extensions import db

pytestmark = pytest.mark.all_databases


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": described_by_models})
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; PostgreSQL checks them.
            warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified expression-based")
            warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
            assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(app):
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert "users" in inspect(db.engine).get_table_names()


def test_later_migrations_keep_the_case_insensitive_email_index(app):
    """SQLite batch migrations copy tables and silently drop expression indexes; make sure none did."""
    from sqlalchemy import text

    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("INSERT INTO users (email, display_name, password_hash, is_admin, credit_contributions,"
                          " created_at) VALUES ('A@x.com', 'A', 'x', false, false, CURRENT_TIMESTAMP)"))
        with pytest.raises(Exception):
            conn.execute(text("INSERT INTO users (email, display_name, password_hash, is_admin, credit_contributions,"
                              " created_at) VALUES ('a@X.com', 'B', 'x', false, false, CURRENT_TIMESTAMP)"))


def test_the_search_index_is_filled_from_what_the_database_already_holds(app, make_supplier, make_product):
    """Upgrading a database that already has products indexes them without a `flask reindex`."""
    from blueprints.search.services import CatalogFilters, browse

    make_product(make_supplier("Jingdezhen Clay"), "不锈钢保温杯")
    with app.app_context():
        flask_migrate.downgrade(revision="0005")
        flask_migrate.upgrade()
        page, _facets = browse(CatalogFilters(query="保温杯"))
        assert [product.title for product in page.items] == ["不锈钢保温杯"]
        page, _facets = browse(CatalogFilters(query="jingdezhen"))
        assert len(page.items) == 1
