"""The co-design pages as visitors, users, suppliers and admins use them."""
import re
from datetime import datetime, timedelta, UTC

import pytest
from sqlalchemy import func, select

from blueprints.codesign.models import Comment, Prototype, Report, Stage, Support
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def html(response) -> str:
    return response.get_data(as_text=True)


def test_the_board_lists_open_prototypes_with_counts(client, make_supplier, make_prototype):
    supplier = make_supplier("Clay Co")
    make_prototype(supplier, "Open lamp")
    make_prototype(supplier, "Draft lamp", open_it=False)
    page = html(client.get("/codesign?sort=closing"))
    assert "Open lamp" in page and "Draft lamp" not in page
    assert "0 supporters" in page and "0 of 10 units pledged" in page
    assert client.get("/codesign?category=nope").status_code == 404


def test_a_draft_is_only_seen_by_its_supplier(client, make_supplier, make_prototype):
    supplier = make_supplier()
    _id, slug = make_prototype(supplier, open_it=False)
    assert client.get(f"/codesign/{slug}").status_code == 404
    sign_in(client, supplier.member)
    assert client.get(f"/codesign/{slug}").status_code == 200


def test_visitors_who_try_to_support_are_sent_to_sign_in_and_back(client, make_supplier, make_prototype):
    _id, slug = make_prototype(make_supplier())
    response = client.submit(f"/codesign/{slug}/support", {}, page=f"/codesign/{slug}",
                             headers={"Referer": f"http://localhost/codesign/{slug}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/login?next=/codesign/{slug}"
    htmx = client.htmx_submit(f"/codesign/{slug}/support", {}, page=f"/codesign/{slug}",
                              headers={"HX-Current-URL": f"http://localhost/codesign/{slug}"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == f"/login?next=/codesign/{slug}"


def test_support_vote_and_pledge_update_in_place_with_htmx(client, signed_in, make_supplier, make_prototype, app):
    prototype_id, slug = make_prototype(make_supplier())
    response = client.htmx_submit(f"/codesign/{slug}/support", {"would_buy_at": "79"}, page=f"/codesign/{slug}")
    body = html(response)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="participation"')
    assert "1 supporter" in body and "You support this" in body
    with app.app_context():
        option_id = db.session.get(Prototype, prototype_id).polls[0].options[1].id
        assert db.session.scalar(select(Support.would_buy_at)) == 7900
    response = client.htmx_submit(f"/codesign/{slug}/vote/{option_id}", {}, page=f"/codesign/{slug}")
    assert html(response).lstrip().startswith('<div id="polls"') and "1 vote" in html(response)
    response = client.htmx_submit(f"/codesign/{slug}/pledge", {"quantity": "3"}, page=f"/codesign/{slug}")
    assert "3 of 10 units pledged" in html(response)
    response = client.htmx_submit(f"/codesign/{slug}/pledge", {"quantity": "0"}, page=f"/codesign/{slug}")
    assert response.status_code == 422 and "Pledge from 1 to 99 units." in html(response)


def test_a_pledge_or_comment_sent_by_htmx_answers_with_a_message_that_takes_the_focus(client, signed_in,
                                                                                     make_supplier, make_prototype):
    _id, slug = make_prototype(make_supplier())
    for action, data, said in (("pledge", {"quantity": "2"}, "Thank you: your pledge is recorded."),
                               ("comments", {"body": "Lighter, please"}, "Your comment is posted.")):
        body = html(client.htmx_submit(f"/codesign/{slug}/{action}", data, page=f"/codesign/{slug}"))
        message = re.search(rf'<p class="alert alert--success"[^>]*>{re.escape(said)}</p>', body).group(0)
        assert 'role="status"' in message and 'tabindex="-1"' in message and "autofocus" in message


def test_the_same_actions_work_without_javascript(client, signed_in, make_supplier, make_prototype):
    _id, slug = make_prototype(make_supplier())
    response = client.submit(f"/codesign/{slug}/support", {}, page=f"/codesign/{slug}")
    assert response.status_code == 303 and response.headers["Location"] == f"/codesign/{slug}#participation"
    assert "1 supporter" in html(client.get(f"/codesign/{slug}"))


def test_comments_post_reply_and_keep_the_text_on_error(client, signed_in, make_supplier, make_prototype, app):
    _id, slug = make_prototype(make_supplier())
    response = client.htmx_submit(f"/codesign/{slug}/comments", {"body": "   "}, page=f"/codesign/{slug}")
    assert response.status_code == 422 and "Write something first." in html(response)
    long_text = "很好" * 2501
    response = client.htmx_submit(f"/codesign/{slug}/comments", {"body": long_text}, page=f"/codesign/{slug}")
    assert response.status_code == 422 and "this one has 5002" in html(response) and long_text in html(response)
    response = client.htmx_submit(f"/codesign/{slug}/comments", {"body": "<b>Seal</b> it\nhttps://x.example"},
                                  page=f"/codesign/{slug}")
    body = html(response)
    assert response.status_code == 200 and "&lt;b&gt;Seal&lt;/b&gt; it<br>" in body
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    response = client.submit(f"/codesign/{slug}/comments", {"body": "Me too", "parent_id": str(comment_id)},
                             page=f"/codesign/{slug}")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Comment.parent_id).where(Comment.body == "Me too")) == comment_id


def test_reporting_a_comment_reaches_the_admin_queue(client, make_user, make_supplier, make_prototype, admin, app):
    _id, slug = make_prototype(make_supplier())
    author = make_user("author@example.com")
    sign_in(client, author)
    client.submit(f"/codesign/{slug}/comments", {"body": "Buy cheap watches at spam.example"}, page=f"/codesign/{slug}")
    client.submit("/logout", {})
    sign_in(client, make_user("reader@example.com"))
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    client.submit(f"/codesign/{slug}/report", {"comment_id": str(comment_id), "reason": "Spam"},
                  page=f"/codesign/{slug}")
    assert client.get("/admin/reports").status_code == 403
    client.submit("/logout", {})
    sign_in(client, admin)
    assert "Spam" in html(client.get("/admin/reports"))
    with app.app_context():
        prototype_id = db.session.scalar(select(Prototype.id))
    client.submit("/admin/moderate", {"prototype_id": str(prototype_id), "comment_id": str(comment_id),
                                      "action": "hide", "reason": "Advertising"}, page="/admin/reports")
    assert "No open reports." in html(client.get("/admin/reports"))
    client.submit("/logout", {})
    assert "spam.example" not in html(client.get(f"/codesign/{slug}"))
    sign_in(client, author)
    assert "Hidden by a moderator, so only you can see it: Advertising" in html(client.get(f"/codesign/{slug}"))
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id)).where(Report.resolved_at.is_(None))) == 0


def test_another_supplier_gets_403_on_a_prototype_it_does_not_own(client, make_supplier, make_prototype, make_user):
    owner, rival = make_supplier(), make_supplier()
    prototype_id, slug = make_prototype(owner)
    sign_in(client, rival.member)
    assert client.get(f"/supplier/prototypes/{prototype_id}/edit").status_code == 403
    assert client.get(f"/supplier/prototypes/{slug}").status_code == 403
    assert client.get(f"/supplier/prototypes/{slug}/feedback.csv").status_code == 403
    assert client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "review"}, page="/").status_code == 403
    client.submit("/logout", {})
    sign_in(client, make_user())
    assert client.get("/supplier/prototypes").status_code == 403


def test_a_supplier_creates_opens_reviews_accepts_and_launches(client, make_supplier, make_category, app):
    category = make_category()
    supplier = make_supplier()
    sign_in(client, supplier.member)
    deadline = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    form = {"title": "Travel tea set", "category_id": str(category), "description": "For trains", "specs": "",
            "target_price": "168", "early_bird_price": "128", "moq": "50", "deadline": deadline}
    response = client.submit("/supplier/prototypes/new", {**form, "early_bird_price": "200"})
    assert response.status_code == 422 and "at most the target price" in html(response)
    assert 'value="Travel tea set"' in html(response)
    response = client.submit("/supplier/prototypes/new", form)
    assert response.status_code == 303
    edit = response.headers["Location"]
    prototype_id = int(re.search(r"/(\d+)/edit", edit).group(1))
    response = client.submit(f"/supplier/prototypes/{prototype_id}/polls",
                             {"question": "Case colour?", "options": "Indigo\nMoss", "variant_option": "colour"},
                             page=edit)
    assert response.status_code == 303
    for action in ("open", "review"):
        client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": action}, page=edit)
    response = client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "decline", "reason": ""},
                             page=edit)
    assert response.status_code == 422 and "everyone who took part will read it" in html(response)
    client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "accept"}, page=edit)
    response = client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "launch"}, page=edit)
    assert response.status_code == 303 and response.headers["Location"].startswith("/supplier/products/")
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        assert prototype.stage == Stage.LAUNCHED and prototype.product.variants[0].options == {"colour": "Indigo"}
    assert "text/csv" in client.get(f"/supplier/prototypes/{prototype.slug}/feedback.csv").headers["Content-Type"]
    analytics = html(client.get(f"/supplier/prototypes/{prototype.slug}"))
    assert "<svg" in analytics and "Supporters over time" in analytics


def test_news_of_what_i_took_part_in_is_always_in_the_bell_and_emailed_until_turned_off(client, signed_in):
    page = html(client.get("/my/settings/notifications"))
    assert re.search(r'id="in-site-supported">Always<', page)
    assert re.search(r'id="email-supported"[^>]*checked', page)
    client.submit("/my/settings/notifications", {"in_site": ["keywords"], "daily_cap": "3"})
    page = html(client.get("/my/settings/notifications"))
    assert not re.search(r'id="email-supported"[^>]*checked', page) and 'id="in-site-supported">Always<' in page


def test_credit_is_off_by_default_and_can_be_turned_on(client, signed_in, app):
    from blueprints.accounts.models import User

    with app.app_context():
        assert db.session.get(User, signed_in.id).credit_contributions is False
    client.submit("/my/account/credit", {"credit": "yes"}, page="/my/account")
    with app.app_context():
        assert db.session.get(User, signed_in.id).credit_contributions is True


def test_the_csv_export_neutralises_spreadsheet_formulas(client, make_supplier, make_prototype, make_user, app):
    supplier = make_supplier()
    _id, slug = make_prototype(supplier)
    fan = make_user()
    sign_in(client, fan)
    client.submit(f"/codesign/{slug}/comments", {"body": '=HYPERLINK("http://evil.example","Click me")'},
                  page=f"/codesign/{slug}")
    with app.app_context():
        from blueprints.codesign.services.comments import toggle_like

        comment = db.session.scalar(select(Comment))
        toggle_like(db.session.get(__import__("blueprints.accounts.models", fromlist=["User"]).User, fan.id), comment)
        db.session.commit()
    client.submit("/logout", {})
    sign_in(client, supplier.member)
    csv_text = client.get(f"/supplier/prototypes/{slug}/feedback.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text and ',=HYPERLINK' not in csv_text


def test_moderation_never_redirects_off_site(client, make_supplier, make_prototype, admin, app):
    prototype_id, _slug = make_prototype(make_supplier())
    sign_in(client, admin)
    response = client.submit("/admin/moderate", {"prototype_id": str(prototype_id), "action": "keep",
                                                 "back": "//evil.example/x"}, page="/admin/reports")
    assert response.headers["Location"] == "/admin/reports"


def test_a_hidden_comment_leaves_the_public_asks_list(client, make_supplier, make_prototype, make_user, admin, app):
    from blueprints.accounts.models import User
    from blueprints.codesign.services.comments import add_comment, moderate
    from blueprints.codesign.services.updates import make_ask

    supplier = make_supplier()
    prototype_id, slug = make_prototype(supplier)
    author = make_user()
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        comment = add_comment(db.session.get(User, author.id), prototype, "Rude words here")
        make_ask(db.session.get(User, supplier.member.id), comment)
        moderate(db.session.get(User, admin.id), prototype=prototype, comment=comment, hide=True, reason="Abuse")
        db.session.commit()
    assert "Rude words here" not in html(client.get(f"/codesign/{slug}"))


def test_a_rule_that_refuses_a_form_says_so_where_the_form_was(client, signed_in, make_supplier, make_prototype, app):
    _id, slug = make_prototype(make_supplier())
    client.submit(f"/codesign/{slug}/comments", {"body": "Leak-proof?"}, page=f"/codesign/{slug}")
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        comment.created_at -= timedelta(minutes=16)
        db.session.commit()
        comment_id = comment.id
    response = client.htmx_submit(f"/codesign/comments/{comment_id}/edit", {"body": "Leak-proof for soup?"},
                                  page=f"/codesign/{slug}")
    assert response.status_code == 422 and html(response).lstrip().startswith('<div id="comments"')
    assert "A comment can only be edited in the first 15 minutes." in html(response)
    response = client.submit(f"/codesign/comments/{comment_id}/edit", {"body": "Leak-proof for soup?"},
                             page=f"/codesign/{slug}")
    assert response.status_code == 303 and response.headers["Location"] == f"/codesign/{slug}#comments"
    page = html(client.get(f"/codesign/{slug}"))
    assert "first 15 minutes" in page and "Leak-proof?" in page and "for soup" not in page


def test_an_ask_needs_a_status_and_keeps_the_answer_typed(client, make_supplier, make_prototype, make_user, app):
    from blueprints.accounts.models import User
    from blueprints.codesign.models import Ask, AskStatus
    from blueprints.codesign.services.comments import add_comment
    from blueprints.codesign.services.updates import make_ask

    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier)
    with app.app_context():
        comment = add_comment(db.session.get(User, make_user().id), db.session.get(Prototype, prototype_id), "A lid?")
        ask_id = make_ask(db.session.get(User, supplier.member.id), comment).id
        db.session.commit()
    sign_in(client, supplier.member)
    edit = f"/supplier/prototypes/{prototype_id}/edit"
    response = client.submit(f"/supplier/asks/{ask_id}", {f"ask-{ask_id}-status": "someday",
                                                          f"ask-{ask_id}-answer": "A bamboo lid"}, page=edit)
    assert response.status_code == 422 and "Choose a status." in html(response) and "A bamboo lid" in html(response)
    response = client.submit(f"/supplier/asks/{ask_id}", {f"ask-{ask_id}-status": "planned",
                                                          f"ask-{ask_id}-answer": "A bamboo lid"}, page=edit)
    assert response.status_code == 303 and response.headers["Location"] == edit + "#asks"
    with app.app_context():
        ask = db.session.get(Ask, ask_id)
        assert (ask.status, ask.answer) == (AskStatus.PLANNED, "A bamboo lid")


def test_a_refused_stage_change_keeps_the_stage_and_says_why(client, make_supplier, make_prototype, app):
    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier)
    sign_in(client, supplier.member)
    edit = f"/supplier/prototypes/{prototype_id}/edit"
    response = client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "accept"}, page=edit)
    assert response.status_code == 303 and response.headers["Location"] == edit
    assert "A prototype cannot go from this stage to that one." in html(client.get(edit))
    response = client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "decline", "reason": "No"},
                             page=edit)
    assert response.status_code == 422 and "A prototype cannot go from this stage to that one." in html(response)
    assert client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "sideways"},
                         page=edit).status_code == 400
    with app.app_context():
        assert db.session.get(Prototype, prototype_id).stage == Stage.OPEN
