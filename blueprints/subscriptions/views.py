from flask import flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.catalog.services import categories
from blueprints.notifications.models import Kind
from blueprints.notifications.services import preferences
from blueprints.forms import handle_form
from blueprints.subscriptions import bp
from blueprints.subscriptions.forms import SubscriptionForm
from blueprints.subscriptions.services import remove_subscription, subscribe, subscriptions_of
from blueprints.web import render, see_other
from extensions import db, limiter


def _page(form: SubscriptionForm, status: int = 200):
    locale = str(get_locale())
    form.category_id.choices = [("", _("Any category"))] + [(c.id, c.name(locale)) for c in categories()]
    return render("subscriptions/mine.html", status=status, form=form, subscriptions=subscriptions_of(current_user),
                  keyword_news=preferences(current_user)[Kind.KEYWORD_MATCHES])


@bp.get("/my/subscriptions")
@login_required
def mine():
    # ?keywords= prefills the form, for the "tell me when something matches" link on search results.
    return _page(SubscriptionForm(formdata=None, keywords=request.args.get("keywords", "")[:100]))


@bp.post("/my/subscriptions")
@login_required
@limiter.limit("30 per minute")
def add():
    form = SubscriptionForm()

    def done(subscription):
        flash(_("Saved. New products and prototypes matching “%(keywords)s” will be listed for you.",
                keywords=subscription.keywords), "success")
        return see_other(url_for("subscriptions.mine"))

    return handle_form(form, lambda: subscribe(current_user, keywords=form.keywords.data,
                                               category_id=form.category_id.data, max_price=form.max_price.data),
                       done=done, page=lambda status: _page(form, status=422))


@bp.post("/my/subscriptions/<int:subscription_id>/delete")
@login_required
def remove(subscription_id: int):
    remove_subscription(current_user, subscription_id)
    db.session.commit()
    flash(_("The keywords are removed."), "success")
    return see_other(url_for("subscriptions.mine"))
