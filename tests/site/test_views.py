import re

import pytest
from werkzeug.exceptions import InternalServerError

from app import create_app
from tests.conftest import BASE_CONFIG


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/login", "/signup"])
def test_every_page_has_a_title_a_language_and_a_viewport(client, path):
    page = html(client.get(path))
    assert re.search(r"<title>[^<]+ · Shelfmade</title>", page)
    assert '<html lang="en">' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


def test_every_form_field_has_a_label(client):
    page = html(client.get("/signup"))
    inputs = re.findall(r'<input[^>]*id="([^"]+)"[^>]*type="(?!hidden)[^"]+"', page)
    assert {"email", "display_name", "password", "password_confirm"} <= set(inputs)
    for field_id in inputs:
        assert f'for="{field_id}"' in page


def test_home_shows_the_product_and_navigation(client):
    page = html(client.get("/"))
    assert "Shelfmade" in page
    assert 'href="/login"' in page and 'href="/signup"' in page
    assert "static/vendor/htmx-4.0.1.min.js" in page


def test_home_greets_a_signed_in_user_and_offers_sign_out(client, signed_in):
    page = html(client.get("/"))
    assert f"Welcome back, {signed_in.display_name}." in page
    assert 'action="/logout"' in page


def test_htmx_is_served_from_static(client):
    response = client.get("/static/vendor/htmx-4.0.1.min.js")
    assert response.status_code == 200
    assert b"htmx" in response.data
    response.close()


def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not used"}


def test_healthz_reports_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({**BASE_CONFIG,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_not_found_is_a_styled_translated_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in html(response)
    assert 'class="site-header"' in html(response)
    response = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    assert "页面不存在" in html(response)


def test_an_error_during_an_htmx_request_replaces_the_whole_page(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "body"
    assert response.headers["HX-Reswap"] == "outerHTML"


def test_an_unexpected_error_shows_the_styled_500_page(database_url):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in html(response)
    assert "secret internals" not in html(response)


def test_an_http_500_raised_on_purpose_gets_the_same_page(database_url):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})

    @app.get("/fail")
    def fail():
        raise InternalServerError()

    response = app.test_client().get("/fail")
    assert response.status_code == 500
    assert "Something went wrong" in html(response)


def test_access_denied_from_a_service_is_a_styled_403(database_url):
    from blueprints.errors import AccessDenied

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})

    @app.get("/staff-only")
    def staff_only():
        raise AccessDenied()

    response = app.test_client().get("/staff-only", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 403
    assert "无权访问" in html(response)


def test_security_headers_on_every_page(client, signed_in):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cache-Control"] == "private, no-store"
    static = client.get("/static/css/site.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_a_full_htmx_request_gets_the_whole_page(client):
    page = client.get("/login", headers={"HX-Request": "true", "HX-Request-Type": "full"})
    assert "<html" in html(page)
    fragment = client.get("/login", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert "<html" not in html(fragment)
    restore = client.get("/login", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in html(restore)


def test_an_error_after_a_failed_write_still_shows_the_styled_page(database_url, make_user):
    from blueprints.accounts.models import User
    from extensions import db
    from tests.conftest import ShopClient, sign_in

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})
    app.test_client_class = ShopClient

    @app.get("/duplicate")
    def duplicate():
        db.session.add(User(email="Same@example.com", display_name="A", password_hash="x"))
        db.session.add(User(email="same@example.com", display_name="B", password_hash="x"))
        db.session.flush()

    client = app.test_client()
    sign_in(client, make_user())
    response = client.get("/duplicate")
    assert response.status_code == 500
    assert "Something went wrong" in html(response) and 'class="site-header"' in html(response)


def test_when_the_database_is_down_errors_still_get_a_page(tmp_path):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/gone/db.sqlite3"})
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session["_fresh"] = True
    response = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert "页面不存在" in html(response)
