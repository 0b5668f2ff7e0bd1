"""A NUL character anywhere in a request is refused with a 400 (PostgreSQL cannot compare text holding one), and
no log line carries a control character someone typed."""
import logging

import pytest

from werkzeug.exceptions import BadRequest

from blueprints.site.bad_bytes import PrintableLogRecord, printable, refuse_nul_bytes

pytestmark = pytest.mark.all_databases


@pytest.mark.parametrize("address", ["/p/a%00b", "/shops/a%00b", "/shops/mei/p/a%00b", "/codesign/a%00b",
                                     "/suppliers/a%00b", "/s/a%00b", "/search?q=flask%00", "/catalog?category=a%00b",
                                     "/catalog?q=%00", "/catalog?a%00=1", "/login?next=/a%00b",
                                     "/password/reset/a%00b"])
def test_a_nul_in_a_path_or_query_is_a_bad_request(client, address):
    response = client.get(address)
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)


def test_a_nul_in_a_form_field_is_a_bad_request(client, signed_in, make_supplier, make_prototype):
    _id, slug = make_prototype(make_supplier())
    assert client.submit(f"/codesign/{slug}/comments", {"body": "Nice\x00"}, page=f"/codesign/{slug}").status_code == 400
    assert client.submit("/share", {"path": "/p/a\x00b"}, page="/").status_code == 400
    other = client.application.test_client()
    assert other.submit("/login", {"email": "mei\x00@example.com", "password": "whatever it is"}).status_code == 400
    assert other.submit("/signup", {"email": "mei@example.com", "display_name": "M\x00ei", "password": "long password",
                                    "password_confirm": "long password"}).status_code == 400
    assert other.submit("/password/forgot", {"email": "a\x00@example.com"}).status_code == 400


def test_a_nul_in_a_cookie_or_header_is_a_bad_request(client):
    client.set_cookie("ref", "abc\x00")
    assert client.get("/").status_code == 400
    client.delete_cookie("ref")
    assert client.get("/", headers={"User-Agent": "Bot\x00"}).status_code == 400
    assert client.get("/").status_code == 200  # and nothing else is refused


def test_a_nul_in_a_json_body_is_refused(app):
    with app.test_request_context("/", method="POST", json={"ids": [1, {"note": "a\x00"}]}):
        with pytest.raises(BadRequest):
            refuse_nul_bytes()
    with app.test_request_context("/", method="POST", json={"ids": [1, {"note": "a"}]}):
        refuse_nul_bytes()


def test_text_with_other_control_characters_is_still_accepted(client, signed_in, make_supplier, make_prototype):
    _id, slug = make_prototype(make_supplier())
    response = client.submit(f"/codesign/{slug}/comments", {"body": "Line one\r\nline\ttwo"}, page=f"/codesign/{slug}")
    assert response.status_code == 303


def test_log_lines_carry_control_characters_as_escapes():
    assert printable("a\nb\r\x00\x1b[31m\x7f\x85\u2028ok 好") == "a\\nb\\r\\x00\\x1b[31m\\x7f\\x85\\u2028ok 好"
    record = PrintableLogRecord("shelfmade.security", logging.INFO, __file__, 1, "event=%s email=%s",
                                ("sign-in-failed", "x@example.com\nevent=sign-in user_id=1"), None)
    assert record.getMessage() == "event=sign-in-failed email=x@example.com\\nevent=sign-in user_id=1"


def test_a_forged_line_typed_into_sign_in_stays_on_its_own_line(client, caplog):
    caplog.set_level(logging.INFO, logger="shelfmade.security")
    client.submit("/login", {"email": "x@example.com\nevent=sign-in user_id=1", "password": "wrong password"})
    [line] = [record.getMessage() for record in caplog.records if record.name == "shelfmade.security"]
    assert "\n" not in line and "\\nevent=sign-in" in line
