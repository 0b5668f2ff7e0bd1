"""The shopper's side of team buying: a team's page, starting a team and joining one."""
import uuid

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from blueprints.catalog.services import is_public
from blueprints.columns import utcnow
from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.money import current_rates
from blueprints.orders.queries import order_figures
from blueprints.orders.services.checkout import DuplicateOrder, PaymentMethod, order_by_key, save_address, \
    saved_addresses
from blueprints.orders.views import _chosen_address
from blueprints.sharing.services import available_credit
from blueprints.sharing.views import attributed_link
from blueprints.teams import bp
from blueprints.teams.forms import TeamOrderForm
from blueprints.teams.models import Team, TeamOffer
from blueprints.teams.services import (TeamOrder, buy_alone_path, join_team, leave_team, live_offer, member_of, normal_price,
                                       settle, start_team, team_by_code, team_of_order)
from blueprints.web import render, see_other, succeeded
from extensions import db, limiter


@bp.get("/teams/<code>")
def team(code: str):
    team = team_by_code(code) or abort(404)
    offer = team.offer
    if not is_public(offer.product):
        abort(404)
    member = member_of(team, current_user)
    return render("teams/team.html", team=team, offer=offer, product=offer.product, now=utcnow(), member=member,
                  member_order=order_figures([member.order_id])[member.order_id][0] if member else None,
                  normal=normal_price(offer.product, offer.shop),
                  buy_alone=buy_alone_path(team), live=live_offer(offer.product, offer.shop))


def _order_page(form: TeamOrderForm, *, offer: TeamOffer, team: Team | None, status: int = 200):
    addresses = saved_addresses(current_user)
    form.address_id.choices = [SelectChoice(str(a.id)) for a in addresses] + [SelectChoice("new")]
    product = offer.product
    form.variant_id.choices = [SelectChoice(v.id, v.label) for v in product.variants]
    return render("teams/order.html", status=status, form=form, offer=offer, team=team, product=product,
                  addresses=addresses, credit=available_credit(current_user), now=utcnow(),
                  unit_price=team.unit_price if team else offer.unit_price,
                  team_size=team.team_size if team else offer.team_size)


def _new_form(offer: TeamOffer) -> TeamOrderForm:
    form = TeamOrderForm(formdata=None)
    form.idempotency_key.data = uuid.uuid4().hex
    if saved := saved_addresses(current_user):
        form.address_id.data = str(saved[0].id)
    wanted = request.args.get("variant", type=int)
    in_stock = [v.id for v in offer.product.variants if v.stock_on_hand > 0]
    form.variant_id.data = wanted if wanted in in_stock else (in_stock or [None])[0]
    return form


def _team_order(form: TeamOrderForm) -> TeamOrder:
    return TeamOrder(variant_id=form.variant_id.data, quantity=form.quantity.data, address=_chosen_address(form),
                     payment_method=PaymentMethod(form.payment_method.data),
                     idempotency_key=form.idempotency_key.data or "", share_link=attributed_link(),
                     use_credit=bool(form.use_credit.data))


def _place(form: TeamOrderForm, act):
    """Run a start or a join once per idempotency key: a second click shows the team the first one joined."""
    key = form.idempotency_key.data or ""
    existing = order_by_key(key)
    if existing is not None and existing.buyer_id == current_user.id:
        return team_of_order(existing.id), False
    chosen = _team_order(form)
    placed = act(chosen)
    if form.address_id.data == "new" and form.save_address.data:
        save_address(current_user, chosen.address)
    return placed, True


def _done(result):
    team, placed_now = result
    if placed_now:
        if team.status == "formed":
            flash(_("The team is complete: every member's order goes to the supplier now."), "success")
        else:
            flash(_("You are in the team. Your order waits until every place is taken; if the team does not fill "
                    "in time it is cancelled and you pay nothing."), "success")
    return see_other(url_for("teams.team", code=team.code))


def _submit(form: TeamOrderForm, act, page):
    try:
        return handle_form(form, lambda: _place(form, act), done=_done, page=page)
    except DuplicateOrder:
        # A twin click placed this very order a moment earlier: show its team.
        db.session.rollback()
        existing = order_by_key(form.idempotency_key.data or "") or abort(409)
        return see_other(url_for("teams.team", code=(team_of_order(existing.id) or abort(409)).code))


@bp.route("/teams/offers/<int:offer_id>/start", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], deduct_when=succeeded)
def start(offer_id: int):
    offer = db.session.get(TeamOffer, offer_id) or abort(404)
    if not offer.active or normal_price(offer.product, offer.shop) is None:
        abort(404)
    if request.method == "GET":
        return _order_page(_new_form(offer), offer=offer, team=None)
    form = TeamOrderForm()
    return _submit(form, lambda chosen: start_team(current_user, offer, chosen, current_rates()),
                   lambda status: _order_page(form, offer=offer, team=None, status=status))


@bp.route("/teams/<code>/join", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], deduct_when=succeeded)
def join(code: str):
    team = team_by_code(code) or abort(404)
    if request.method == "GET":
        if not is_public(team.offer.product):
            abort(404)
        if member_of(team, current_user) is not None or not team.is_open_at(utcnow()):
            return see_other(url_for("teams.team", code=team.code))
        return _order_page(_new_form(team.offer), offer=team.offer, team=team)
    # An action may record what a page only shows: a team past its deadline fails before anyone may join.
    if settle(team):
        db.session.commit()
    form = TeamOrderForm()
    return _submit(form, lambda chosen: join_team(current_user, team, chosen, current_rates()),
                   lambda status: _order_page(form, offer=team.offer, team=team, status=status))


@bp.post("/teams/<code>/leave")
@login_required
def leave(code: str):
    team = team_by_code(code) or abort(404)
    back = url_for("teams.team", code=team.code)

    def done(_result):
        flash(_("You left the team. Your order is cancelled and you pay nothing."), "success")
        return see_other(back)

    return run_action(lambda: leave_team(current_user, team), done=done, refused=refused_back_to(back))
