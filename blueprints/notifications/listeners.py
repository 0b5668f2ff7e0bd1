"""Notifications' answers to lower rooms' signals; create_app connects them."""
from sqlalchemy import select

from blueprints.bilingual import bilingual
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.suppliers.models import Supplier, SupplierAction, SupplierMember
from extensions import db


def tell_applicant(supplier: Supplier, *, action: SupplierAction, **_extra) -> None:
    """An application approved or rejected, a supplier suspended or reinstated: its people hear at once."""
    members = set(db.session.scalars(select(SupplierMember.user_id).where(SupplierMember.supplier_id == supplier.id)))
    notify(members, Kind.MY_ACTIVITY, event=f"supplier_{action.value}", subject=bilingual(supplier, "name"),
           link="/supplier")
