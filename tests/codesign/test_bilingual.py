"""Prototypes and their polls in both languages: the forms, the feedback CSV, and the product a launch makes."""
import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from blueprints.codesign.models import Poll, Prototype
from extensions import db
from tests.conftest import sign_in


def html(response) -> str:
    return response.get_data(as_text=True)


def _prototype_form(category: int, **fields) -> dict:
    deadline = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    return {"title": "旅行茶具", "title_en": "Travel tea set", "description": "一壶两杯。",
            "description_en": "A pot and two cups.", "specs": "壶 150 毫升", "specs_en": "Pot 150 ml",
            "category_id": str(category), "target_price": "168", "early_bird_price": "128", "moq": "50",
            "deadline": deadline, **fields}


def _new_prototype(client, category) -> tuple[int, str]:
    response = client.submit("/supplier/prototypes/new", _prototype_form(category))
    assert response.status_code == 303
    edit = response.headers["Location"]
    return int(re.search(r"/(\d+)/edit", edit).group(1)), edit


def test_a_prototype_is_written_in_both_languages_and_a_missing_chinese_title_keeps_the_input(
        client, app, make_supplier, make_category):
    category = make_category()
    sign_in(client, make_supplier().member)
    response = client.submit("/supplier/prototypes/new", _prototype_form(category, title=""))
    assert response.status_code == 422
    body = html(response)
    assert "Give the prototype a title in Chinese." in body
    assert 'value="Travel tea set"' in body and "A pot and two cups." in body and "Pot 150 ml" in body
    prototype_id, _edit = _new_prototype(client, category)
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        assert (prototype.title, prototype.title_en, prototype.specs, prototype.specs_en) == (
            "旅行茶具", "Travel tea set", "壶 150 毫升", "Pot 150 ml")


def test_poll_answers_in_english_follow_the_chinese_line_by_line(client, app, make_supplier, make_category):
    sign_in(client, make_supplier().member)
    prototype_id, edit = _new_prototype(client, make_category())
    polls = f"/supplier/prototypes/{prototype_id}/polls"
    response = client.submit(polls, {"question": "收纳盒选哪个颜色？", "question_en": "Which case colour?",
                                     "options": "靛蓝\n苔绿\n陶土", "options_en": "Indigo\nMoss",
                                     "variant_option": "colour"}, page=edit)
    assert response.status_code == 422
    body = html(response)
    assert "Give every answer in English, in the same order, or none." in body
    assert "Indigo\nMoss" in body and "靛蓝\n苔绿\n陶土" in body and 'value="Which case colour?"' in body
    response = client.submit(polls, {"question": "收纳盒选哪个颜色？", "question_en": "Which case colour?",
                                     "options": "靛蓝\n苔绿\n陶土", "options_en": "Indigo\nMoss\nClay",
                                     "variant_option": "colour"}, page=edit)
    assert response.status_code == 303
    response = client.submit(polls, {"question": "选哪种纹样？", "options": "莲花\n海浪", "variant_option": ""}, page=edit)
    assert response.status_code == 303, "English is optional"
    with app.app_context():
        case, pattern = db.session.scalars(select(Poll).order_by(Poll.id))
        assert case.question_en == "Which case colour?"
        assert [(o.label, o.label_en) for o in case.options] == [("靛蓝", "Indigo"), ("苔绿", "Moss"), ("陶土", "Clay")]
        assert [o.label_en for o in pattern.options] == ["", ""]


def test_the_feedback_csv_and_the_launched_product_carry_both_languages(client, app, make_supplier, make_category):
    sign_in(client, make_supplier().member)
    prototype_id, edit = _new_prototype(client, make_category())
    client.submit(f"/supplier/prototypes/{prototype_id}/polls", {
        "question": "收纳盒选哪个颜色？", "question_en": "Which case colour?", "options": "靛蓝\n苔绿",
        "options_en": "Indigo\nMoss", "variant_option": "colour"}, page=edit)
    with app.app_context():
        slug = db.session.get(Prototype, prototype_id).slug

    def csv_rows(language):
        body = client.get(f"/supplier/prototypes/{slug}/feedback.csv", headers={"Accept-Language": language})
        return list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))

    assert ["poll: Which case colour?", "Indigo", "0"] in csv_rows("en")
    assert ["poll: 收纳盒选哪个颜色？", "靛蓝", "0"] in csv_rows("zh-CN")

    for action in ("open", "review", "accept", "launch"):
        assert client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": action},
                             page=edit).status_code == 303
    with app.app_context():
        product = db.session.get(Prototype, prototype_id).product
        assert (product.title, product.title_en) == ("旅行茶具", "Travel tea set")
        assert product.description_en == "A pot and two cups.\n\nPot 150 ml"
        assert [(v.options, v.options_en) for v in product.variants] == [
            ({"colour": "靛蓝"}, {"colour": "Indigo"}), ({"colour": "苔绿"}, {"colour": "Moss"})]
