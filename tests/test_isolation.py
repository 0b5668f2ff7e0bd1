"""PostgreSQL tests share one database and roll back: each test's writes stay in its own transaction, the app's
commits and rollbacks behave as they would on their own, and what would behave differently fails loudly."""
import threading

import pytest
from sqlalchemy import create_engine, func, select

from app import create_app
from blueprints.accounts.models import User
from extensions import db
from tests.conftest import BASE_CONFIG, one_rolled_back_transaction

pytestmark = pytest.mark.postgresql


def users_seen_by_another_connection(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count(User.id)))
    finally:
        engine.dispose()


def test_a_commit_stays_inside_the_tests_transaction_and_ids_start_at_one(app, make_user, database_url):
    first, second = make_user(), make_user()
    assert (first.id, second.id) == (1, 2)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2
    assert users_seen_by_another_connection(database_url) == 0


def test_a_rollback_returns_to_the_last_commit(app, make_user):
    kept = make_user()
    with app.app_context():
        db.session.get(User, kept.id).display_name = "Renamed"
        db.session.commit()
        db.session.get(User, kept.id).display_name = "Not kept"
        db.session.flush()
        db.session.rollback()
        assert db.session.get(User, kept.id).display_name == "Renamed"


@pytest.mark.commits
def test_a_test_marked_commits_commits_for_real(make_user, database_url):
    make_user()
    assert users_seen_by_another_connection(database_url) == 1


def test_undoing_another_sessions_commit_fails_the_test(postgres_url):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with pytest.raises(pytest.fail.Exception, match="undid another session's commit"):
        with one_rolled_back_transaction(app), app.app_context():
            db.session.scalar(select(func.count(User.id)))  # this session's transaction begins
            with app.app_context():  # another session commits inside it
                db.session.add(User(email="inner@example.com", display_name="Inner", password_hash="x"))
                db.session.commit()
            db.session.rollback()
            db.session.scalar(select(func.count(User.id)))  # and reads on, without the inner user
    with app.app_context():
        db.engine.dispose()


def test_a_thread_using_the_shared_connection_fails(app):
    failures = []

    def query():
        with app.app_context():
            try:
                db.session.scalar(select(func.count(User.id)))
            except RuntimeError as error:
                failures.append(str(error))

    thread = threading.Thread(target=query)
    thread.start()
    thread.join()
    assert failures and "must be marked `commits`" in failures[0]
