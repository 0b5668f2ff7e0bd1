"""Suppliers hear of each new order they have to fulfil, as their own activity."""
from sqlalchemy import select

from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.suppliers.models import SupplierMember
from extensions import db


def tell_suppliers_of_order(number: str, supplier_ids) -> None:
    staff = db.session.execute(select(SupplierMember.supplier_id, SupplierMember.user_id)
                               .where(SupplierMember.supplier_id.in_(set(supplier_ids)))).all()
    notify({user_id for _supplier, user_id in staff}, Kind.MY_ACTIVITY, event="new_order", subject=number,
           link="/supplier/orders")
