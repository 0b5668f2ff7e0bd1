"""What other rooms may read about co-design: which prototypes the public may see and take part in.
They ask here rather than repeating the rule, so it is written once."""
from sqlalchemy import select

from blueprints.codesign.models import Prototype, Stage
from blueprints.suppliers.models import Supplier, SupplierStatus


def public_prototype_conditions() -> tuple:
    """Prototypes the public may see: past draft, not hidden by a moderator, from a verified supplier
    (join Prototype.supplier). `prototype_for_page` applies the same rule to one loaded prototype."""
    return (Prototype.stage != Stage.DRAFT, Prototype.hidden_reason.is_(None),
            Supplier.status == SupplierStatus.VERIFIED)


def open_prototypes():
    """Open prototypes the public may see and take part in: not hidden, from a verified supplier."""
    return (select(Prototype).join(Prototype.supplier)
            .where(Prototype.stage == Stage.OPEN, Prototype.hidden_reason.is_(None),
                   Supplier.status == SupplierStatus.VERIFIED))
