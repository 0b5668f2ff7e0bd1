from flask import abort, flash, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from blueprints.admin import bp
from blueprints.bilingual import localized
from blueprints.codesign.models import Comment, Prototype
from blueprints.codesign.services.comments import moderate, open_reports
from blueprints.orders.services import flagged_referrals
from blueprints.errors import DomainError, InvalidFields
from blueprints.forms import handle_form, run_action
from blueprints.suppliers.forms import DecisionForm
from blueprints.suppliers.models import Supplier, SupplierAction
from blueprints.suppliers.services import all_suppliers, audit_trail, decide, require_admin, verification_queue
from blueprints.web import render, safe_next_url, see_other
from extensions import db

DONE_MESSAGES = {
    SupplierAction.APPROVE: _l("%(name)s is now a verified supplier."),
    SupplierAction.REJECT: _l("The application from %(name)s was rejected."),
    SupplierAction.SUSPEND: _l("%(name)s is suspended; its products are hidden."),
    SupplierAction.REINSTATE: _l("%(name)s is verified again; its products are back."),
}


def _suppliers_page(status=200, forms=None):
    return render("admin/suppliers.html", status=status, queue=verification_queue(), suppliers=all_suppliers(),
                  forms=forms or {})


@bp.get("/")
@login_required
def suppliers():
    require_admin(current_user)
    return _suppliers_page()


@bp.post("/suppliers/<int:supplier_id>/<action>")
@login_required
def decide_supplier(supplier_id: int, action: str):
    require_admin(current_user)
    supplier = db.session.get(Supplier, supplier_id) or abort(404)
    try:
        chosen = SupplierAction(action)
    except ValueError:
        abort(404)
    form = DecisionForm()
    name = localized(supplier, "name")

    def done(_decision):
        flash(DONE_MESSAGES[chosen] % {"name": name}, "success")
        return see_other(url_for("admin.suppliers"))

    return handle_form(form, lambda: decide(current_user, supplier, chosen, form.reason.data), done=done,
                       fields={DomainError: "reason"},
                       page=lambda status: _suppliers_page(status=422, forms={(supplier_id, chosen.value): form}))


@bp.get("/audit")
@login_required
def audit():
    require_admin(current_user)
    return render("admin/audit.html", decisions=audit_trail())


@bp.get("/reports")
@login_required
def reports():
    require_admin(current_user)
    return render("admin/reports.html", reports=open_reports())


@bp.post("/moderate")
@login_required
def moderate_item():
    require_admin(current_user)
    prototype = db.session.get(Prototype, request.form.get("prototype_id", type=int) or 0) or abort(404)
    comment = None
    if comment_id := request.form.get("comment_id", type=int):
        comment = db.session.get(Comment, comment_id) or abort(404)
    hide = request.form.get("action") == "hide"

    def done(_result):
        flash(_l("Hidden; its author sees your reason.") if hide else _l("Restored."), "success")
        return see_other(safe_next_url(request.form.get("back")) or url_for("admin.reports"))

    def refused(error: InvalidFields):
        flash(" ".join(str(message) for message in error.errors.values()), "error")
        return see_other(url_for("admin.reports"))

    return run_action(lambda: moderate(current_user, prototype=prototype, comment=comment, hide=hide,
                                       reason=request.form.get("reason", "")), done=done, refused=refused)


@bp.get("/referrals")
@login_required
def referrals():
    """Orders whose sharer's reward was held back: the buyer looked like the sharer's second account."""
    require_admin(current_user)
    return render("admin/referrals.html", orders=flagged_referrals())
