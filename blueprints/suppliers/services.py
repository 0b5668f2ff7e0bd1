"""Supplier rules: applying, the admin's verification decisions, and who acts for which supplier."""
from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from blueprints.accounts.models import User
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError
from blueprints.slugs import unique_slug
from blueprints.suppliers.models import Supplier, SupplierAction, SupplierDecision, SupplierMember, SupplierStatus
from extensions import db


# Sent after each verification decision (notifications tells the supplier's people).
supplier_decided = Namespace().signal("supplier-decided")


class AlreadyASupplier(DomainError):
    pass


class InvalidDecision(DomainError):
    pass


# action -> (statuses it may be taken from, status it leads to, whether a reason is required)
DECISIONS = {
    SupplierAction.APPROVE: ({SupplierStatus.APPLIED, SupplierStatus.REJECTED}, SupplierStatus.VERIFIED, False),
    SupplierAction.REJECT: ({SupplierStatus.APPLIED}, SupplierStatus.REJECTED, True),
    SupplierAction.SUSPEND: ({SupplierStatus.VERIFIED}, SupplierStatus.SUSPENDED, True),
    SupplierAction.REINSTATE: ({SupplierStatus.SUSPENDED}, SupplierStatus.VERIFIED, False),
}


def require_admin(user: User) -> None:
    if not (user.is_authenticated and user.is_admin):
        raise AccessDenied()


def supplier_of(user: User) -> Supplier | None:
    """The supplier this user acts for, whatever its status."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Supplier).join(SupplierMember).where(SupplierMember.user_id == user.id))


class NotVerifiedYet(AccessDenied):
    """A supplier's person whose supplier is not (or no longer) verified: refused, with what is going on."""

    EXPLANATIONS = {
        SupplierStatus.APPLIED: (_l("Your application is being reviewed"), _l(
            "An admin checks every new supplier. You will hear in your notifications as soon as it is decided.")),
        SupplierStatus.REJECTED: (_l("Your application was not approved"), _l(
            "The reason is in your notifications. You can correct it and apply again.")),
        SupplierStatus.SUSPENDED: (_l("Your supplier account is suspended"), _l(
            "The reason is in your notifications. Your products and prototypes are hidden until it is reinstated.")),
    }

    def __init__(self, status: SupplierStatus):
        super().__init__(status)
        self.title, self.explanation = self.EXPLANATIONS[status]


def require_verified_supplier(user: User) -> Supplier:
    supplier = supplier_of(user)
    if supplier is None:
        raise AccessDenied()
    if not supplier.is_verified:
        raise NotVerifiedYet(supplier.status)
    return supplier


def apply_for_supplier(user: User, *, name: str, description: str, contact: str,
                       registration_number: str, name_en: str = "", description_en: str = "") -> Supplier:
    if not user.is_authenticated:
        raise AccessDenied()
    existing = supplier_of(user)
    if existing is not None and existing.status == SupplierStatus.REJECTED:
        # A rejected applicant corrects the application and sends it again.
        existing.name, existing.description, existing.contact, existing.registration_number = (
            name.strip(), description.strip(), contact.strip(), registration_number.strip())
        existing.name_en, existing.description_en = name_en.strip(), description_en.strip()
        existing.status = SupplierStatus.APPLIED
        db.session.flush()
        return existing
    if existing is not None:
        raise AlreadyASupplier(_l("You have already applied for a supplier account."))
    supplier = Supplier(name=name.strip(), slug=unique_slug(Supplier.slug, name, fallback="supplier"),
                        description=description.strip(), contact=contact.strip(), name_en=name_en.strip(),
                        description_en=description_en.strip(),
                        registration_number=registration_number.strip(), applied_by_id=user.id,
                        status=SupplierStatus.APPLIED)
    db.session.add(supplier)
    db.session.flush()
    db.session.add(SupplierMember(supplier_id=supplier.id, user_id=user.id))
    db.session.flush()
    return supplier


def decide(admin: User, supplier: Supplier, action: SupplierAction, reason: str = "") -> SupplierDecision:
    """Approve, reject, suspend or reinstate a supplier, and record the decision."""
    require_admin(admin)
    allowed_from, leads_to, needs_reason = DECISIONS[action]
    if supplier.status not in allowed_from:
        raise InvalidDecision(_l("That decision does not apply to a supplier in this state."))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise InvalidDecision(_l("Give a reason; the supplier will see it."))
    supplier.status = leads_to
    if action in (SupplierAction.APPROVE, SupplierAction.REINSTATE):
        supplier.verified_by_id = admin.id
        supplier.verified_at = utcnow()
    decision = SupplierDecision(supplier_id=supplier.id, admin_id=admin.id, action=action, reason=reason)
    db.session.add(decision)
    db.session.flush()
    supplier_decided.send(supplier, action=action)
    return decision


def latest_decision(supplier: Supplier) -> SupplierDecision | None:
    return db.session.scalar(select(SupplierDecision).where(SupplierDecision.supplier_id == supplier.id)
                             .order_by(SupplierDecision.created_at.desc(), SupplierDecision.id.desc()).limit(1))


def verification_queue() -> list[Supplier]:
    return list(db.session.scalars(select(Supplier).where(Supplier.status == SupplierStatus.APPLIED)
                                   .options(joinedload(Supplier.applied_by)).order_by(Supplier.created_at)))


def all_suppliers() -> list[Supplier]:
    return list(db.session.scalars(select(Supplier).order_by(Supplier.status, Supplier.name)))


def audit_trail(limit: int = 200) -> list[SupplierDecision]:
    return list(db.session.scalars(
        select(SupplierDecision).options(joinedload(SupplierDecision.supplier), joinedload(SupplierDecision.admin))
        .order_by(SupplierDecision.created_at.desc(), SupplierDecision.id.desc()).limit(limit)))
