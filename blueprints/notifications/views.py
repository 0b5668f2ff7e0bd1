from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from blueprints.errors import InvalidFields
from blueprints.notifications import bp, mail
from blueprints.notifications.models import CHOOSABLE, OWN_ACTIVITY, Kind
from blueprints.notifications.wording import describe
from blueprints.notifications.services import (MAX_DAILY_CAP, Wants, daily_cap, mark_all_read, open_notification,
                                               preferences, recent, set_daily_cap, set_preference, unsubscribe)
from blueprints.suppliers.services import require_admin
from blueprints.web import render, safe_next_url, see_other
from extensions import csrf, db, limiter

KIND_NAMES = {
    Kind.ORDER_UPDATES: (_l("My orders"), _l("payment, shipping and delivery")),
    Kind.REPLIES: (_l("Replies to my comments"), _l("when someone answers you on a prototype")),
    Kind.SUPPORTED_PROTOTYPES: (_l("Prototypes I took part in"),
                                _l("goal reached, official answers, updates that credit me, launch or decline")),
    Kind.MY_ACTIVITY: (_l("My account and my work"),
                       _l("my supplier application; for suppliers, new orders, reports and comments")),
    Kind.KEYWORD_MATCHES: (_l("My keywords"), _l("new products and prototypes that match them")),
    Kind.SHOP_NEWS: (_l("Shops I bought from"), _l("when they add something new")),
    Kind.RECOMMENDATIONS: (_l("Suggestions for me"), _l("a few picks based on what I support and buy")),
    Kind.DIGEST: (_l("Daily digest"), _l("what went over my daily limit")),
    Kind.ACCOUNT: (_l("My account"), _l("password resets, email confirmations and security notices")),
}


@bp.app_template_global()
def notification_kind_name(kind: Kind) -> str:
    return KIND_NAMES[Kind(kind)][0]


bp.add_app_template_global(describe, "describe_notification")


@bp.app_template_global()
def kind_hint(kind: Kind) -> str:
    return KIND_NAMES[Kind(kind)][1]


@bp.app_template_global()
def is_own_activity(kind: Kind) -> bool:
    return Kind(kind) in OWN_ACTIVITY


@bp.get("/my/notifications")
@login_required
def inbox():
    return render("notifications/inbox.html", notifications=recent(current_user))


@bp.get("/my/notifications/bell")
def bell():
    """The header's bell alone; htmx polls it, so it costs one query (the header's facts). A tab left open after
    signing out gets nothing (204 swaps nothing), rather than being sent to the sign-in page."""
    if not current_user.is_authenticated:
        return "", 204
    response = current_app.make_response(render_block("base.html", "bell"))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/my/notifications/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    link = open_notification(current_user, notification_id) or abort(404)
    db.session.commit()
    return redirect(safe_next_url(link) or url_for("notifications.inbox"), 303)


@bp.post("/my/notifications/read")
@login_required
def read_all():
    mark_all_read(current_user)
    db.session.commit()
    return see_other(url_for("notifications.inbox"))


def _chosen_from_form() -> dict[Kind, Wants]:
    in_site, email = set(request.form.getlist("in_site")), set(request.form.getlist("email"))
    return {kind: Wants(kind.value in in_site, kind.value in email) for kind in CHOOSABLE}


@bp.route("/my/settings/notifications", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per minute", methods=["POST"])
def settings():
    if request.method == "GET":
        return render("notifications/settings.html", preferences=preferences(current_user),
                      daily_cap=daily_cap(current_user), errors={}, max_cap=MAX_DAILY_CAP)
    chosen = _chosen_from_form()
    cap_text = request.form.get("daily_cap", "").strip()
    try:
        set_daily_cap(current_user, int(cap_text) if cap_text.isascii() and cap_text.isdigit() else None)
    except InvalidFields as error:
        db.session.rollback()
        return render("notifications/settings.html", status=422, preferences=chosen, daily_cap=cap_text,
                      errors=error.errors, max_cap=MAX_DAILY_CAP)
    for kind, wants in chosen.items():
        set_preference(current_user, kind, in_site=wants.in_site, email=wants.email)
    db.session.commit()
    flash(_("Your notification settings are saved."), "success")
    return see_other(safe_next_url(request.form.get("next")) or url_for("notifications.settings"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients post here without a page (RFC 8058)
@limiter.limit("30 per minute")
def unsubscribe_link(token: str):
    found = mail.read_unsubscribe_token(token)
    if found is None:
        return render("notifications/unsubscribe.html", status=400, valid=False, kind=None, done=False)
    user_id, kind = found
    if request.method == "POST":
        unsubscribe(user_id, kind)
        db.session.commit()
    return render("notifications/unsubscribe.html", valid=True, kind=kind, done=request.method == "POST",
                  token=token)


@bp.get("/admin/outbox")
@login_required
def outbox():
    require_admin(current_user)
    return render("notifications/outbox.html", emails=mail.latest(),
                  sending=current_app.config["MAIL_SERVER"] is not None)


