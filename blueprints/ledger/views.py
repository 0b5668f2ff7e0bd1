"""Money pages: each party's statement and bank details, the admin's payouts, and the admin's ledger."""
from flask import Response, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from blueprints.accounts.models import User
from blueprints.bilingual import BilingualText
from blueprints.errors import AccessDenied
from blueprints.forms import handle_form, refused_back_to, run_action, strip
from blueprints.ledger import bp
from blueprints.ledger.accounts import EARNINGS, Account, Owner, OwnerKind
from blueprints.ledger.models import Payout, PayoutRun
from blueprints.ledger.payouts import (bank_csv, bank_details_of, payouts, payouts_of, run_payouts,
                                       save_bank_details, settle)
from blueprints.ledger.services import account_entries, entries_of, order_entries, owed_to, trial_balance
from blueprints.ledger.wording import bucket_label, cause
from blueprints.money import format_money
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.queries import order_id_by_number
from blueprints.shops.models import Shop
from blueprints.shops.services import shop_of
from blueprints.suppliers.models import Supplier, SupplierMember
from blueprints.suppliers.services import require_admin, supplier_of
from blueprints.web import render, see_other, succeeded
from extensions import db, limiter

bp.add_app_template_filter(cause, "ledger_cause")
bp.add_app_template_filter(bucket_label, "bucket_label")


def my_party(kind: str) -> Owner | None:
    """The signed-in user's own party of this kind: their supplier, their shop, or themselves as a sharer."""
    if not current_user.is_authenticated:
        return None
    if kind == OwnerKind.SUPPLIER:
        supplier = supplier_of(current_user)
        return Owner.supplier(supplier.id) if supplier is not None and supplier.is_verified else None
    if kind == OwnerKind.SHOP:
        shop = shop_of(current_user)
        return Owner.shop(shop.id) if shop is not None else None
    if kind == OwnerKind.REFERRER:
        return Owner.referrer(current_user.id)
    return None


@bp.app_template_global()
def statement_of(kind: str) -> dict:
    """Everything a party's statement shows: balances in every bucket, each entry, payouts and bank details."""
    owner = my_party(kind)
    if owner is None:
        raise AccessDenied()
    return {"kind": kind, "balances": owed_to(owner, EARNINGS), "entries": entries_of(owner),
            "payouts": payouts_of(owner), "bank": bank_details_of(owner),
            "minimum": current_app.config["PAYOUT_MINIMUM"]}


@bp.get("/supplier/payouts")
@login_required
def supplier_payouts():
    return render("ledger/statement.html", kind="supplier", title=_("Payouts"),
                  back=(url_for("suppliers.dashboard"), _("Supplier dashboard")))


@bp.get("/my/shop/earnings")
@login_required
def shop_earnings():
    if my_party("shop") is None:
        abort(404)
    return render("ledger/statement.html", kind="shop", title=_("Shop earnings"),
                  back=(url_for("shops.my_shop"), _("My shop")))


class BankDetailsForm(FlaskForm):
    account_name = StringField(_l("Name on the account"), filters=[strip], validators=[
        DataRequired(_l("Enter the name on the account.")), Length(max=100)])
    bank_name = StringField(_l("Bank and branch"), filters=[strip], validators=[
        DataRequired(_l("Enter the bank and branch.")), Length(max=100)])
    account_number = StringField(_l("Account number"), filters=[strip], validators=[
        DataRequired(_l("Enter the account number: 8 to 30 digits.")), Length(max=40)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})


STATEMENT_PATHS = {"supplier": "/supplier/payouts", "shop": "/my/shop/earnings", "referrer": "/my/rewards"}
STATEMENT_PAGES = {"supplier": "ledger.supplier_payouts", "shop": "ledger.shop_earnings",
                   "referrer": "sharing.rewards"}


@bp.route("/my/bank-details/<kind>", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"], deduct_when=succeeded)
def bank_details(kind: str):
    owner = my_party(kind) if kind in STATEMENT_PAGES else None
    if owner is None:
        abort(404)
    saved = bank_details_of(owner)
    form = BankDetailsForm(data={"account_name": saved.account_name, "bank_name": saved.bank_name}
                           if saved and request.method == "GET" else None)
    back = url_for(STATEMENT_PAGES[kind])

    def done(_details):
        flash(_("Bank details saved. Payouts go to the account ending %(last)s.",
                last=_details.account_number[-4:]), "success")
        return see_other(back)

    return handle_form(form, lambda: save_bank_details(owner, account_name=form.account_name.data,
                                                       bank_name=form.bank_name.data,
                                                       account_number=form.account_number.data),
                       done=done, page=lambda status: render("ledger/bank_details.html", status=status, form=form,
                                                             saved=saved, back=back))


# The admin's payouts

def _names(owners: set[str]) -> dict[str, str]:
    """A readable name for each party ("supplier:3" -> its name), in one query per kind."""
    ids = {kind: set() for kind in OwnerKind}
    for text in owners:
        kind, _sep, owner_id = text.partition(":")
        ids[OwnerKind(kind)].add(int(owner_id))
    names = {}
    for model, kind, columns in ((Supplier, OwnerKind.SUPPLIER, (Supplier.name, Supplier.name_en)),
                                 (Shop, OwnerKind.SHOP, (Shop.name, Shop.name_en)),
                                 (User, OwnerKind.REFERRER, (User.display_name,))):
        if ids[kind]:
            for owner_id, *name in db.session.execute(select(model.id, *columns).where(model.id.in_(ids[kind]))):
                # Shops' and suppliers' names in the reader's language, by the catalog's rule; people have one name.
                names[f"{kind}:{owner_id}"] = BilingualText(*name).in_language()
    return names


def tell_payees(run: PayoutRun | None) -> None:
    """Each payee hears that money is on its way: their own activity, never behind the promotional opt-in."""
    if run is None:
        return
    for payout in run.payouts:
        owner = payout.party
        if owner.kind == OwnerKind.SUPPLIER:
            people = set(db.session.scalars(select(SupplierMember.user_id)
                                            .where(SupplierMember.supplier_id == owner.id)))
        elif owner.kind == OwnerKind.SHOP:
            people = set(db.session.scalars(select(Shop.owner_id).where(Shop.id == owner.id)))
        else:
            people = {owner.id}
        notify(people, Kind.ORDER_UPDATES, event="payout_sent", subject=format_money(payout.amount),
               link=STATEMENT_PATHS[owner.kind])


@bp.get("/admin/payouts")
@login_required
def admin_payouts():
    require_admin(current_user)
    recent = payouts()
    return render("ledger/admin_payouts.html", recent=recent, names=_names({p.owner for p in recent}),
                  minimum=current_app.config["PAYOUT_MINIMUM"])


@bp.post("/admin/payouts/run")
@login_required
def run_payouts_now():
    require_admin(current_user)
    back = url_for("ledger.admin_payouts")

    def done(run):
        if run is None:
            flash(_("Nobody has enough available to pay out."), "info")
        else:
            flash(_("Payout run #%(id)s: %(count)d payouts. Download the bank file below.", id=run.id,
                    count=len(run.payouts)), "success")
        return see_other(back)

    def run():
        made = run_payouts(current_user, current_app.config["PAYOUT_MINIMUM"])
        tell_payees(made)
        return made

    return run_action(run, done=done, refused=refused_back_to(back))


@bp.get("/admin/payouts/runs/<int:run_id>.csv")
@login_required
def payout_file(run_id: int):
    require_admin(current_user)
    run = db.session.get(PayoutRun, run_id) or abort(404)
    body = bank_csv(run, _names({payout.owner for payout in run.payouts}))
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="payouts-{run.id}.csv"'})


@bp.post("/admin/payouts/<int:payout_id>/<outcome>")
@login_required
def settle_payout(payout_id: int, outcome: str):
    require_admin(current_user)
    if outcome not in ("paid", "failed"):
        abort(404)
    payout = db.session.get(Payout, payout_id) or abort(404)
    back = url_for("ledger.admin_payouts")

    def done(_result):
        flash(_("Payout #%(id)s marked paid.", id=payout_id) if outcome == "paid"
              else _("Payout #%(id)s marked failed; the money is available again.", id=payout_id), "success")
        return see_other(back)

    return run_action(lambda: settle(current_user, payout, paid=outcome == "paid"), done=done,
                      refused=refused_back_to(back))


# The admin's ledger

@bp.get("/admin/ledger")
@login_required
def admin_ledger():
    require_admin(current_user)
    rows = trial_balance()
    return render("ledger/admin_ledger.html", rows=rows, total=sum(total for _account, total in rows),
                  names=_names({str(account.owner) for account, _total in rows if account.owner_id is not None}))


@bp.get("/admin/ledger/accounts/<name>")
@login_required
def ledger_account(name: str):
    require_admin(current_user)
    try:
        account = Account.parse(name)
    except ValueError:
        abort(404)
    entries = account_entries(account)
    return render("ledger/admin_entries.html", heading=name, entries=entries, total=sum(e.amount for e in entries))


@bp.get("/admin/ledger/order")
@login_required
def find_order_entries():
    """The trial balance's "find an order" box: a plain GET form, so it needs no script."""
    require_admin(current_user)
    number = (request.args.get("number") or "").strip().upper()
    return see_other(url_for("ledger.ledger_order", number=number)) if number else see_other(
        url_for("ledger.admin_ledger"))


@bp.get("/admin/ledger/orders/<number>")
@login_required
def ledger_order(number: str):
    require_admin(current_user)
    order_id = order_id_by_number(number) or abort(404)
    entries = order_entries(order_id)
    return render("ledger/admin_entries.html", heading=_("Order %(number)s", number=number), entries=entries,
                  total=sum(e.amount for e in entries))

