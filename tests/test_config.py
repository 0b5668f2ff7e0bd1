import pytest

from app import create_app
from config import ConfigurationError, database_url, settings_from_environment


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    first = settings_from_environment(str(tmp_path), environ={})
    second = settings_from_environment(str(tmp_path), environ={})
    assert len(first["SECRET_KEY"]) >= 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    with pytest.raises(ConfigurationError):
        settings_from_environment(str(tmp_path), environ={"SHELFMADE_ENV": "production"})
    monkeypatch.setenv("SHELFMADE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app()


def test_production_refuses_to_start_without_the_sites_address(tmp_path):
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        settings_from_environment(str(tmp_path), environ={"SHELFMADE_ENV": "production", "SECRET_KEY": "k" * 64})


def test_production_uses_secure_cookies(tmp_path):
    settings = settings_from_environment(str(tmp_path), environ={"SHELFMADE_ENV": "production", "SECRET_KEY": "k" * 64,
                                                                 "SITE_URL": "https://shelfmade.example/"})
    assert settings["SITE_URL"] == "https://shelfmade.example"
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert not (tmp_path / "secret_key").exists()


def test_database_defaults_to_sqlite_under_instance(tmp_path):
    assert database_url(None, str(tmp_path)) == f"sqlite:///{tmp_path}/shelfmade.sqlite3"


@pytest.mark.parametrize("raw", ["postgres://u:p@db/shop", "postgresql://u:p@db/shop"])
def test_postgres_urls_get_the_psycopg_driver(raw, tmp_path):
    assert database_url(raw, str(tmp_path)) == "postgresql+psycopg://u:p@db/shop"


def test_redis_url_moves_rate_limits_to_redis(tmp_path):
    settings = settings_from_environment(str(tmp_path), environ={"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert settings_from_environment(str(tmp_path), environ={})["RATELIMIT_STORAGE_URI"] == "memory://"
