import pytest

from blueprints.accounts.models import User
from blueprints.errors import AccessDenied
from blueprints.suppliers.models import Supplier, SupplierAction, SupplierDecision, SupplierStatus
from blueprints.suppliers.services import (AlreadyASupplier, InvalidDecision, apply_for_supplier, audit_trail, decide,
                                           require_verified_supplier, supplier_of, verification_queue)
from extensions import db

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def apply(account, name="杭州家作"):
    return apply_for_supplier(user(account), name=name, description="Kitchenware", contact="+86 571 0000",
                              registration_number="91330100MA2XXXX")


def test_applying_makes_an_applied_supplier_with_the_applicant_as_member(ctx, make_user):
    applicant = make_user()
    supplier = apply(applicant)
    assert supplier.status == SupplierStatus.APPLIED
    assert supplier.slug == "hang-zhou-jia-zuo"
    assert supplier_of(user(applicant)) is supplier
    assert verification_queue() == [supplier]


def test_a_user_applies_only_once(ctx, make_user):
    applicant = make_user()
    apply(applicant)
    with pytest.raises(AlreadyASupplier):
        apply(applicant, name="Another")


def test_only_admins_decide(ctx, make_user):
    applicant, other = make_user(), make_user()
    supplier = apply(applicant)
    with pytest.raises(AccessDenied):
        decide(user(other), supplier, SupplierAction.APPROVE)
    with pytest.raises(AccessDenied):
        decide(user(applicant), supplier, SupplierAction.APPROVE)
    assert supplier.status == SupplierStatus.APPLIED


def test_approval_records_who_and_when(ctx, make_user, admin):
    supplier = apply(make_user())
    decision = decide(user(admin), supplier, SupplierAction.APPROVE)
    assert supplier.status == SupplierStatus.VERIFIED
    assert supplier.verified_by_id == admin.id and supplier.verified_at is not None
    assert decision.admin_id == admin.id and decision.created_at.tzinfo is not None
    assert audit_trail() == [decision]


def test_rejection_and_suspension_need_a_reason(ctx, make_user, admin):
    supplier = apply(make_user())
    with pytest.raises(InvalidDecision):
        decide(user(admin), supplier, SupplierAction.REJECT, "  ")
    decide(user(admin), supplier, SupplierAction.REJECT, "No registration found")
    assert supplier.status == SupplierStatus.REJECTED
    assert audit_trail()[0].reason == "No registration found"


@pytest.mark.parametrize("status, action", [
    (SupplierStatus.APPLIED, SupplierAction.SUSPEND),
    (SupplierStatus.APPLIED, SupplierAction.REINSTATE),
    (SupplierStatus.VERIFIED, SupplierAction.APPROVE),
    (SupplierStatus.VERIFIED, SupplierAction.REJECT),
    (SupplierStatus.SUSPENDED, SupplierAction.REJECT),
])
def test_decisions_only_apply_in_the_right_state(ctx, make_user, admin, status, action):
    supplier = apply(make_user())
    supplier.status = status
    with pytest.raises(InvalidDecision):
        decide(user(admin), supplier, action, "reason")


def test_suspend_and_reinstate(ctx, make_user, admin):
    member = make_user()
    supplier = apply(member)
    decide(user(admin), supplier, SupplierAction.APPROVE)
    assert require_verified_supplier(user(member)) is supplier
    decide(user(admin), supplier, SupplierAction.SUSPEND, "Counterfeit report under review")
    with pytest.raises(AccessDenied):
        require_verified_supplier(user(member))
    decide(user(admin), supplier, SupplierAction.REINSTATE)
    assert require_verified_supplier(user(member)) is supplier
    assert [d.action for d in db.session.scalars(db.select(SupplierDecision).order_by(SupplierDecision.id))] == [
        SupplierAction.APPROVE, SupplierAction.SUSPEND, SupplierAction.REINSTATE]


def test_an_unverified_applicant_is_not_a_supplier_yet(ctx, make_user):
    member = make_user()
    apply(member)
    with pytest.raises(AccessDenied):
        require_verified_supplier(user(member))


def test_supplier_slugs_stay_unique(ctx, make_user):
    one, two = make_user(), make_user()
    first, second = apply(one, name="Clay Co"), apply(two, name="Clay Co")
    assert (first.slug, second.slug) == ("clay-co", "clay-co-2")
    assert db.session.scalar(db.select(db.func.count(Supplier.id))) == 2


def test_a_rejected_applicant_corrects_and_applies_again(ctx, make_user, admin):
    member = make_user()
    supplier = apply(member)
    decide(user(admin), supplier, SupplierAction.REJECT, "Registration number not found")
    again = apply(member, name="杭州家作 (corrected)")
    assert again is supplier and supplier.status == SupplierStatus.APPLIED
    assert supplier.name == "杭州家作 (corrected)" and verification_queue() == [supplier]
