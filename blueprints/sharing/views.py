"""Share links: making one, following one, and what a sharer has earned."""
import segno
from flask import current_app, request, url_for
from flask_login import current_user, login_required
from flask_limiter.errors import RateLimitExceeded
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from blueprints.columns import utcnow
from blueprints.forms import refused_back_to, run_action
from blueprints.sharing import bp
from blueprints.sharing.models import ShareLink
from blueprints.orders.queries import sales_through_links
from blueprints.sharing.services import (balances, find_link, get_or_create_link, history, link_of, links_with_clicks,
                                         record_click, visitor_key)
from blueprints.web import render, see_other
from extensions import db, limiter

ATTRIBUTION_COOKIE = "ref"
VISITOR_COOKIE = "vid"
ATTRIBUTION_DAYS = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="share-attribution")


def attributed_link() -> ShareLink | None:
    """The link this browser last came through, if within the attribution window (the last click wins)."""
    token = request.cookies.get(ATTRIBUTION_COOKIE)
    if not token:
        return None
    try:
        code = _serializer().loads(token, max_age=ATTRIBUTION_DAYS * 24 * 3600)
    except BadSignature:
        return None
    return find_link(code)


def _per_user() -> str:
    return f"user:{current_user.id if current_user.is_authenticated else request.remote_addr}"


@bp.get("/s/<code>")
def follow(code: str):
    link = find_link(code)
    if link is None:
        return render("sharing/unknown.html", status=404)
    # A browser that keeps cookies is known by its cookie; one that does not, by its address and browser.
    # The cookie carries the same key, so a visitor is one visitor either way.
    visitor_id = visitor_key(request.cookies.get(VISITOR_COOKIE), request.remote_addr, request.user_agent.string)
    if getattr(current_user, "id", None) != link.user_id:  # the sharer's own visits are not clicks
        try:
            # Past the limit the visitor still gets the page; the visit just is not counted.
            with limiter.limit("30 per minute"):
                record_click(link, visitor_id, request.user_agent.string, utcnow().date())
        except RateLimitExceeded:
            pass
    db.session.commit()
    response = see_other(link.path)
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    response.set_cookie(ATTRIBUTION_COOKIE, _serializer().dumps(link.code), max_age=ATTRIBUTION_DAYS * 24 * 3600,
                        httponly=True, samesite="Lax", secure=secure)
    response.set_cookie(VISITOR_COOKIE, visitor_id, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=secure)
    return response


@bp.post("/share")
@login_required
@limiter.limit("30 per hour", key_func=_per_user)
def make_link():
    path = request.form.get("path", "")
    return run_action(lambda: get_or_create_link(current_user, path), done=lambda _link: see_other(path + "?shared=1#share"),
                      refused=refused_back_to(url_for("site.home")))


@bp.get("/my/rewards")
@login_required
def rewards():
    links = links_with_clicks(current_user)
    sales = sales_through_links([link.id for link, _clicks in links], current_user.id)
    stats = [(link, clicks, *sales.get(link.id, (0, 0))) for link, clicks in links]
    return render("sharing/rewards.html", links=stats, balances=balances(current_user), history=history(current_user))


@bp.app_template_global()
def share_panel(path: str) -> dict:
    """What the Share panel of a page shows: the user's own link (with its QR code) or the plain page URL."""
    link = link_of(current_user, path)
    url = url_for("sharing.follow", code=link.code, _external=True) if link else request.url_root.rstrip("/") + path
    qr = segno.make(url, error="m").svg_inline(scale=3, dark="#1d2125", light="#ffffff", omitsize=True) if link else None
    return {"link": link, "url": url, "qr": Markup(qr) if qr else None}


