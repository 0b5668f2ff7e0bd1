"""Smaller things a supplier met: the dashboard links to prototypes, a renamed draft's address follows its
title, decline asks for confirmation and refuses an over-long reason, a pending applicant is told their
application is being reviewed, the feedback CSV opens in Excel with its Chinese intact."""
from blueprints.accounts.models import User
from blueprints.codesign.models import Prototype, Stage
from blueprints.codesign.services.prototypes import PrototypeDetails, update_prototype
from blueprints.suppliers.services import apply_for_supplier
from extensions import db
from tests.conftest import sign_in


def html(response) -> str:
    return response.get_data(as_text=True)


def test_the_dashboard_links_to_prototypes_and_analytics(client, make_supplier):
    supplier = make_supplier()
    sign_in(client, supplier.member)
    assert 'href="/supplier/prototypes"' in html(client.get("/supplier"))


def test_a_renamed_draft_gets_a_new_address_an_open_one_keeps_its_own(app, make_supplier, make_prototype):
    supplier = make_supplier()
    draft_id, draft_slug = make_prototype(supplier, "Bamboo box", open_it=False)
    open_id, open_slug = make_prototype(supplier, "Tea tray")
    with app.app_context():
        member = db.session.get(User, supplier.member.id)
        for prototype_id, title in ((draft_id, "Cedar box"), (open_id, "Oak tray")):
            prototype = db.session.get(Prototype, prototype_id)
            update_prototype(member, prototype, PrototypeDetails(
                title=title, description="", specs="", category_id=prototype.category_id, target_price=8900,
                early_bird_price=6900, moq=10, deadline=prototype.deadline))
        assert db.session.get(Prototype, draft_id).slug == "cedar-box" != draft_slug
        assert db.session.get(Prototype, open_id).slug == open_slug


def test_decline_needs_confirmation_and_a_reason_of_at_most_2000_characters(app, client, make_supplier,
                                                                            make_prototype):
    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier)
    sign_in(client, supplier.member)
    page = f"/supplier/prototypes/{prototype_id}/edit"
    client.submit(f"/supplier/prototypes/{prototype_id}/stage", {"action": "review"}, page=page)
    url = f"/supplier/prototypes/{prototype_id}/stage"
    unconfirmed = client.submit(url, {"action": "decline", "reason": "Too costly"}, page=page)
    assert unconfirmed.status_code == 422 and "declining is final" in html(unconfirmed)
    too_long = client.submit(url, {"action": "decline", "reason": "x" * 2100, "confirm": "y"}, page=page)
    assert too_long.status_code == 422 and "At most 2000 characters" in html(too_long)
    assert client.submit(url, {"action": "decline", "reason": "Too costly", "confirm": "y"},
                         page=page).status_code == 303
    with app.app_context():
        assert db.session.get(Prototype, prototype_id).stage == Stage.DECLINED


def test_a_pending_applicant_is_told_the_application_is_being_reviewed(app, client, make_user):
    applicant = make_user()
    with app.app_context():
        apply_for_supplier(db.session.get(User, applicant.id), name="Kiln", description="Pots",
                           contact="+86 138 0000 0001", registration_number="REG-9")
        db.session.commit()
    sign_in(client, applicant)
    response = client.get("/supplier/prototypes")
    assert response.status_code == 403 and "Your application is being reviewed" in html(response)


def test_the_feedback_csv_starts_with_a_byte_order_mark(client, make_supplier, make_prototype):
    supplier = make_supplier()
    _id, slug = make_prototype(supplier, "竹制饭盒")
    sign_in(client, supplier.member)
    body = client.get(f"/supplier/prototypes/{slug}/feedback.csv").get_data()
    assert body.startswith("\ufeff".encode())


def test_prototype_pictures_can_be_seen_reordered_and_removed(app, client, make_supplier, make_prototype):
    from tests.catalog.test_services import png

    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier)
    with app.app_context():
        from blueprints.codesign.services.prototypes import add_images
        add_images(db.session.get(User, supplier.member.id), db.session.get(Prototype, prototype_id),
                   [("a.png", png()), ("b.png", png())])
        db.session.commit()
        first, second = (image.key for image in db.session.get(Prototype, prototype_id).images)
    sign_in(client, supplier.member)
    page = f"/supplier/prototypes/{prototype_id}/edit"
    assert html(client.get(page)).count('alt="Picture ') == 2
    with app.app_context():
        second_id = db.session.get(Prototype, prototype_id).images[1].id
    client.submit(f"/supplier/prototypes/{prototype_id}/images/{second_id}", {"action": "earlier"}, page=page)
    with app.app_context():
        assert [image.key for image in db.session.get(Prototype, prototype_id).images] == [second, first]
    client.submit(f"/supplier/prototypes/{prototype_id}/images/{second_id}", {"action": "remove"}, page=page)
    with app.app_context():
        assert [image.key for image in db.session.get(Prototype, prototype_id).images] == [first]


def test_staged_support_goals_show_as_steps_and_the_last_moves_it_to_review(app, client, make_supplier,
                                                                            make_prototype, make_user):
    import pytest

    from blueprints.codesign.services.support import support_prototype
    from blueprints.errors import InvalidFields

    supplier = make_supplier()
    prototype_id, slug = make_prototype(supplier)
    fans = [make_user() for _ in range(3)]
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        member = db.session.get(User, supplier.member.id)
        details = dict(title=prototype.title, description="", specs="", category_id=prototype.category_id,
                       target_price=8900, early_bird_price=6900, moq=10, deadline=prototype.deadline)
        with pytest.raises(InvalidFields):
            update_prototype(member, prototype, PrototypeDetails(**details, support_goals="3, 1"))
        update_prototype(member, prototype, PrototypeDetails(**details, support_goals="1，3"))
        assert prototype.support_steps == [1, 3]
        for fan in fans[:2]:
            support_prototype(db.session.get(User, fan.id), prototype)
        db.session.commit()
    page = html(client.get(f"/codesign/{slug}"))
    assert "1 supporter ✓" in page and "3 supporters<" in page
    with app.app_context():
        support_prototype(db.session.get(User, fans[2].id), db.session.get(Prototype, prototype_id))
        db.session.commit()
        assert db.session.get(Prototype, prototype_id).stage == Stage.REVIEW
