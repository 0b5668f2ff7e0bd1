"""The forms on a prototype's page that can come back with their errors post to the page's own address, so the
page shown again can be reloaded, shared or switched to the other language (issue 18)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.codesign.models import Comment, Pledge, Report
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def html(response) -> str:
    return response.get_data(as_text=True)


def form_action(page: str, css_class: str) -> str:
    return re.search(rf'<form method="post" action="([^"]+)" class="{css_class}"', page).group(1)


def language_switch_next(page: str) -> str:
    return re.search(r'name="next" value="([^"]+)"', page).group(1)


def test_a_refused_pledge_comes_back_on_the_pages_own_address(client, signed_in, make_supplier, make_prototype, app):
    _id, slug = make_prototype(make_supplier())
    page = f"/codesign/{slug}"
    action = form_action(html(client.get(page)), "pledge-form")
    assert action == page
    refused = client.submit(action, {"form_for": "pledge", "quantity": "100"}, page=page)
    assert refused.status_code == 422 and "Pledge from 1 to 99 units." in html(refused)
    assert 'value="100"' in html(refused)
    assert language_switch_next(html(refused)) == page
    done = client.submit(action, {"form_for": "pledge", "quantity": "3"}, page=page)
    assert done.status_code == 303 and done.headers["Location"] == f"{page}#participation"
    with app.app_context():
        assert db.session.scalar(select(Pledge.quantity)) == 3


def test_a_refused_comment_keeps_its_text_and_the_pages_address(client, signed_in, make_supplier, make_prototype,
                                                                app):
    _id, slug = make_prototype(make_supplier())
    page = f"/codesign/{slug}?comments=liked"
    action = form_action(html(client.get(page)), "stack comment-form")
    assert action == page
    long_text = "很好" * 2501
    refused = client.submit(action, {"form_for": "comment", "body": long_text}, page=page)
    assert refused.status_code == 422 and "this one has 5002" in html(refused) and long_text in html(refused)
    assert language_switch_next(html(refused)) == page
    assert 'aria-current="true">Most liked' in html(refused)
    done = client.submit(action, {"form_for": "comment", "body": "Lighter, please"}, page=page)
    assert done.status_code == 303 and done.headers["Location"] == f"{page}#comments"
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))

    # A reply and an edit are sent from the same page, to the same address.
    body = html(client.get(page))
    hidden = '<input type="hidden" name="form_for" value="{}"><input type="hidden" name="{}" value="{}">'
    assert hidden.format("comment", "parent_id", comment_id) in body
    assert hidden.format("edit", "comment_id", comment_id) in body
    refused = client.submit(page, {"form_for": "comment", "parent_id": str(comment_id), "body": " "}, page=page)
    assert refused.status_code == 422 and "Write something first." in html(refused)
    assert client.submit(page, {"form_for": "comment", "parent_id": str(comment_id), "body": "Me too"},
                         page=page).status_code == 303
    refused = client.submit(page, {"form_for": "edit", "comment_id": str(comment_id), "body": "Lighter" * 1000},
                            page=page)
    assert refused.status_code == 422 and "Lighter" * 1000 in html(refused)
    assert language_switch_next(html(refused)) == page
    done = client.submit(page, {"form_for": "edit", "comment_id": str(comment_id), "body": "Lighter, please!"},
                         page=page)
    assert done.status_code == 303 and done.headers["Location"] == f"{page}#comments"
    with app.app_context():
        assert db.session.get(Comment, comment_id).body == "Lighter, please!"
        assert db.session.scalar(select(func.count(Comment.id))) == 2


def test_the_price_and_report_forms_post_to_the_page_too(client, signed_in, make_supplier, make_prototype, app):
    _id, slug = make_prototype(make_supplier())
    page = f"/codesign/{slug}"
    body = html(client.get(page))
    assert form_action(body, "support-form__price") == page
    refused = client.submit(page, {"form_for": "support", "action": "price", "would_buy_at": "lots"}, page=page)
    assert refused.status_code == 422 and 'value="lots"' in html(refused)
    assert language_switch_next(html(refused)) == page
    assert client.submit(page, {"form_for": "support", "action": "price", "would_buy_at": "79"},
                         page=page).status_code == 303
    assert "1 supporter" in html(client.get(page))
    assert form_action(body, "stack") == page  # the report form, first on the page
    done = client.submit(page, {"form_for": "report", "reason": "Misleading photos"}, page=page)
    assert done.status_code == 303 and done.headers["Location"] == f"{page}#comments"
    with app.app_context():
        assert db.session.scalar(select(Report.reason)) == "Misleading photos"


def test_the_page_address_answers_only_the_forms_it_knows(client, signed_in, make_supplier, make_prototype, app):
    supplier = make_supplier()
    _id, slug = make_prototype(supplier)
    _other_id, other_slug = make_prototype(supplier, "Steel bottle")
    page = f"/codesign/{slug}"
    assert client.submit(page, {"form_for": "nothing", "body": "Hello"}, page=page).status_code == 400
    assert client.submit(page, {"body": "Hello"}, page=page).status_code == 400
    # CSRF is checked here as on every form.
    assert client.post(page, data={"form_for": "comment", "body": "Hello"}).status_code == 400
    client.submit(f"/codesign/{other_slug}", {"form_for": "comment", "body": "Elsewhere"}, page=page)
    with app.app_context():
        elsewhere = db.session.scalar(select(Comment.id).where(Comment.body == "Elsewhere"))
    # A comment is edited through its own prototype's page, not another's.
    assert client.submit(page, {"form_for": "edit", "comment_id": str(elsewhere), "body": "Moved"},
                         page=page).status_code == 404
    assert client.submit(page, {"form_for": "edit", "comment_id": "99999", "body": "Moved"},
                         page=page).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_access_through_the_page_address_is_as_through_the_actions_own(client, make_user, make_supplier,
                                                                        make_prototype, app):
    supplier = make_supplier()
    _id, slug = make_prototype(supplier)
    _draft_id, draft = make_prototype(supplier, "Draft lamp", open_it=False)
    page = f"/codesign/{slug}"
    app.config["PAGE_CACHE_SECONDS"] = 60
    client.get(page)
    assert client.get(page).headers.get("X-Page-Cache") == "hit"
    # Signed out: sent to sign in (not the visitors' shared copy of the page), and back to the page.
    response = client.submit(page, {"form_for": "pledge", "quantity": "2"}, page=page,
                             headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/login?next={page}"
    assert "X-Page-Cache" not in response.headers
    htmx = client.htmx_submit(page, {"form_for": "comment", "body": "Hi"}, page=page,
                              headers={"HX-Current-URL": f"http://localhost{page}"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == f"/login?next={page}"
    # Signed in: a draft is no one's but its supplier's.
    sign_in(client, make_user())
    assert client.submit(f"/codesign/{draft}", {"form_for": "comment", "body": "Hi"}, page=page).status_code == 404
    client.submit("/logout", {})
    sign_in(client, supplier.member)
    refused = client.submit(f"/codesign/{draft}", {"form_for": "comment", "body": "Hi"}, page=f"/codesign/{draft}")
    assert refused.status_code == 303 and refused.headers["Location"] == f"/codesign/{draft}#comments"  # not open
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0
        assert db.session.scalar(select(func.count(Pledge.id))) == 0


def test_an_actions_rate_limit_is_one_budget_whichever_address_the_form_uses(client, signed_in, make_supplier,
                                                                              make_prototype):
    _id, slug = make_prototype(make_supplier())
    page = f"/codesign/{slug}"
    token = client.csrf_token(page)

    def comment(url: str, body: str):
        return client.post(url, data={"form_for": "comment", "body": body, "csrf_token": token})

    assert comment(page, " ").status_code == 422  # a form sent back to fix does not count
    statuses = [comment(url, f"Comment {n}").status_code
                for n, url in enumerate([page, f"{page}/comments"] * 5)]
    assert statuses == [303] * 10
    assert comment(page, "One more").status_code == 429
    assert comment(f"{page}/comments", "One more").status_code == 429

    def pledge(url: str, quantity: int):
        return client.post(url, data={"form_for": "pledge", "quantity": str(quantity), "csrf_token": token})

    statuses = [pledge(url, n % 9 + 1).status_code for n, url in enumerate([page, f"{page}/pledge"] * 15)]
    assert statuses == [303] * 30
    assert pledge(page, 4).status_code == 429
    assert pledge(f"{page}/pledge", 4).status_code == 429


def test_a_refused_edit_or_a_report_goes_back_to_the_comments_in_their_order(client, make_user, make_supplier,
                                                                             make_prototype, app):
    _id, slug = make_prototype(make_supplier())
    page = f"/codesign/{slug}?comments=liked"
    author = make_user()
    sign_in(client, author)
    client.submit(page, {"form_for": "comment", "body": "Leak-proof?"}, page=page)
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        comment.created_at -= timedelta(minutes=16)
        db.session.commit()
        comment_id = comment.id
    refused = client.submit(page, {"form_for": "edit", "comment_id": str(comment_id), "body": "Leak-proof for soup?"},
                            page=page)
    assert refused.status_code == 303 and refused.headers["Location"] == f"{page}#comments"
    assert "A comment can only be edited in the first 15 minutes." in html(client.get(page))
    client.submit("/logout", {})
    sign_in(client, make_user())
    body = html(client.get(page))
    report_form = re.search(rf'<form[^>]*>\s*<input [^>]*csrf_token[^>]*><input type="hidden" name="form_for" '
                            rf'value="report">\s*<input type="hidden" name="comment_id" value="{comment_id}">', body)
    assert f'action="{page}"' in report_form.group(0)
    done = client.submit(page, {"form_for": "report", "comment_id": str(comment_id), "reason": "Spam"}, page=page)
    assert done.status_code == 303 and done.headers["Location"] == f"{page}#comments"
    with app.app_context():
        assert db.session.scalar(select(Report.comment_id)) == comment_id
