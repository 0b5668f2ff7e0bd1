"""Share links: making one, following one, and what a sharer has earned."""
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask import abort, current_app, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_limiter.errors import RateLimitExceeded
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from blueprints.accounts.services import LANGUAGES
from blueprints.columns import utcnow
from blueprints.media.images import CARD_SIZE
from blueprints.media.posters import stored_poster
from blueprints.forms import refused_back_to, run_action
from blueprints.shared_pages import renders_personal_part
from blueprints.sharing import bp
from blueprints.sharing.models import ShareLink
from blueprints.orders.queries import held_referrals_of, sales_through_links
from blueprints.sharing.cards import Subject, of_product, of_prototype, of_shop, poster_of, subject_of_path
from blueprints.sharing.services import (BOTS, balances, find_link, get_or_create_link, history, link_of,
                                         links_with_clicks, network_key, new_visitor_id, record_click, seen_on,
                                         titles_from_above, valid_visitor_id)
from blueprints.money import current_rates, where_money_goes
from blueprints.web import render, safe_next_url, see_other
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


def this_device() -> tuple[str | None, str]:
    """(the browser's visitor id, if it kept one; its network and browser, hashed)."""
    return (valid_visitor_id(request.cookies.get(VISITOR_COOKIE)),
            network_key(request.remote_addr, request.user_agent.string))


def note_this_device(user) -> None:
    seen_on(user, *this_device())


@bp.get("/s/<code>")
def follow(code: str):
    link = find_link(code)
    if link is None:
        return render("sharing/unknown.html", status=404)
    # A browser is known by its own first-party visitor id, given on its first visit, so people sharing one
    # carrier address and in-app browser count as the people they are.
    known, network = this_device()
    visitor_id = known or new_visitor_id()
    if getattr(current_user, "id", None) != link.user_id:  # the sharer's own visits are not clicks
        try:
            # Past the limit the visitor still gets the page; the visit just is not counted.
            with limiter.limit("30 per minute"):
                record_click(link, visitor_id, request.user_agent.string, utcnow().date(), new_visitor=known is None,
                             network=network)
        except RateLimitExceeded:
            pass
    db.session.commit()
    # A chat app fetching the link for its preview is told whose link it was, so the card speaks the sharer's
    # language (see share_card); people go to the page's own address.
    is_preview = BOTS.search(request.user_agent.string or "")
    response = see_other(f"{link.path}?via={link.code}" if is_preview else link.path)
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    response.set_cookie(ATTRIBUTION_COOKIE, _serializer().dumps(link.code), max_age=ATTRIBUTION_DAYS * 24 * 3600,
                        httponly=True, samesite="Lax", secure=secure)
    _set_visitor_cookie(response, visitor_id)
    return response


@bp.post("/share")
@login_required
@limiter.limit("30 per hour", key_func=_per_user)
def make_link():
    path = request.form.get("path", "")
    # The sharer's browser gets its visitor id now if it has none, and is remembered as theirs: an order through
    # their link from this browser is then recognised as their own, under any account.
    visitor = valid_visitor_id(request.cookies.get(VISITOR_COOKIE)) or new_visitor_id()

    def make():
        seen_on(current_user, visitor, this_device()[1])
        return get_or_create_link(current_user, path, str(get_locale()))

    def done(link):
        if request.form.get("then") == "poster":
            response = see_other(url_for("sharing.poster", code=link.code))
        else:
            response = see_other(path + "?shared=1#share")
        _set_visitor_cookie(response, visitor)
        return response

    return run_action(make, done=done, refused=refused_back_to(url_for("site.home")))


def _set_visitor_cookie(response, visitor: str) -> None:
    response.set_cookie(VISITOR_COOKIE, visitor, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


DISMISSED_COOKIE = "ref_seen"


@bp.app_template_global()
def share_disclosure(product=None, price: int | None = None) -> dict | None:
    """On the page a share link landed on: who shared it, and what they earn if the visitor buys (FTC endorsement
    guides; China's internet advertising rules). None elsewhere, once dismissed, and for the sharer."""
    if ATTRIBUTION_COOKIE not in request.cookies:
        return None  # no query for everyone else
    link = attributed_link()
    if (link is None or link.path != request.path or request.cookies.get(DISMISSED_COOKIE) == link.code
            or getattr(current_user, "id", None) == link.user_id):
        return None
    reward = None
    if product is not None and price is not None and hasattr(product, "supply_price"):
        reward = where_money_goes(price, product.supply_price, current_rates(), through_shop=True).referral_reward
    return {"name": link.user.display_name, "reward": reward, "code": link.code,
            "rate": "%g" % (current_app.config["REFERRAL_REWARD_BP"] / 100)}


@bp.post("/s/<code>/dismiss")
def dismiss(code: str):
    """Hide the disclosure for this link (it was read); nothing is stored but a cookie."""
    response = see_other(safe_next_url(request.form.get("back")) or url_for("site.home"))
    response.set_cookie(DISMISSED_COOKIE, (code or "")[:16], max_age=ATTRIBUTION_DAYS * 24 * 3600, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/my/rewards")
@login_required
def rewards():
    links = links_with_clicks(current_user)
    sales = sales_through_links([link.id for link, _clicks in links], current_user.id)
    stats = [(link, clicks, *sales.get(link.id, (0, 0))) for link, clicks in links]
    return render("sharing/rewards.html", links=stats, balances=balances(current_user), history=history(current_user),
                  held=held_referrals_of(current_user.id))


HELD_REASONS = {
    "phone": _l("The buyer used the same phone number as your own orders."),
    "address": _l("The buyer's address is the same as one of your own orders' (spaces, punctuation and full-width "
                  "characters aside)."),
    "device": _l("The order was placed from a browser or network you use yourself."),
}


@bp.app_template_global()
def held_reason(code: str | None) -> str:
    """Why a reward is held, in the reader's words (older orders stored a sentence of their own)."""
    return str(HELD_REASONS.get(code or "", code or ""))


@bp.app_template_global()
def share_panel(path: str) -> dict:
    """What the Share panel of a page shows: the user's own link (with its QR code) or the plain page URL."""
    link = link_of(current_user, path)
    url = url_for("sharing.follow", code=link.code, _external=True) if link else request.url_root.rstrip("/") + path
    return {"link": link, "url": url, "qr": Markup(qr_svg(url)) if link else None}


@renders_personal_part("share_panel")
def share_panel_part(share_path: str, share_title: str) -> str:
    """The Share panel of a shared page (blueprints/shared_pages.py), with the viewer's own link."""
    return render_template("sharing/_share.html", share_path=share_path, share_title=share_title)


@lru_cache(maxsize=1024)  # a sharer's link never changes, and drawing its code costs a few milliseconds a page
def qr_svg(url: str) -> str:
    import segno  # here, not at start-up: only the share panel and posters need it

    return segno.make(url, error="m").svg_inline(scale=3, dark="#1d2125", light="#ffffff", omitsize=True)


# Link previews (Open Graph and Twitter cards) and posters

OG_LOCALES = {"zh_Hans": "zh_CN", "en": "en_US"}


def sharers_link() -> ShareLink | None:
    """The share link this page was reached through: a preview's fetch names it (?via=, see `follow`), a
    browser carries it in its attribution cookie."""
    code = request.args.get("via")
    link = find_link(code) if code else (attributed_link() if ATTRIBUTION_COOKIE in request.cookies else None)
    return link if link is not None and link.path == request.path else None


def card_locale(link: ShareLink | None) -> str:
    """A card speaks its sharer's language when the page came through their link: the one the link was made in,
    else the one the sharer chose (older links); otherwise the viewer's."""
    if link is not None:
        for locale in (link.locale, link.user.locale):
            if locale in LANGUAGES:
                return locale
    return str(get_locale())


@bp.app_template_global()
def share_card(*, product=None, price: int | None = None, shop=None, cover_key: str | None = None, prototype=None,
               title: str = "", description: str = "") -> dict:
    """The page's link preview: a product (in the catalog, or as `shop` sells it at `price`), a shop (with
    its products' first picture, `cover_key`), a prototype, or any other page by its `title` and `description`."""
    link = sharers_link()
    locale = card_locale(link)
    if product is not None:
        subject = of_product(product, price, shop, locale)
    elif prototype is not None:
        subject = of_prototype(prototype, locale)
    elif shop is not None:
        subject = of_shop(shop, cover_key, locale)
    else:
        subject = Subject("page", title, description)
    root = request.url_root.rstrip("/")
    if subject.image_key:
        image, image_type = url_for("media.card", key=subject.image_key), "image/jpeg"
    else:
        image, image_type = url_for("media.site_card_image"), "image/png"
    return {"subject": subject, "locale": OG_LOCALES[locale],
            "alternates": [og for code, og in OG_LOCALES.items() if code != locale],
            # Through a share link, the card leads back through it: whoever taps the preview is the sharer's visitor.
            "url": url_for("sharing.follow", code=link.code, _external=True) if link else root + request.path,
            "image": root + image, "image_type": image_type, "image_size": CARD_SIZE,
            "type": "product" if subject.kind == "product" else "website",
            "amount": "%d.%02d" % divmod(subject.price, 100) if subject.kind == "product" else None,
            "currency": current_app.config["CURRENCY"]}


def _own_poster(code: str):
    """The signed-in user's share link and its poster; 404 for a link whose page the public can no longer see."""
    link = find_link(code) or abort(404)
    locale = str(get_locale())
    poster = poster_of(current_user, link, subject_of_path(link.path, locale, titles_from_above), locale)
    if poster is None:
        abort(404)
    return link, poster


@bp.get("/s/<code>/poster")
@login_required
def poster(code: str):
    link, made = _own_poster(code)
    return render("sharing/poster.html", link=link, poster=made)


@bp.get("/s/<code>/poster.jpg")
@login_required
@limiter.limit("20 per minute;200 per day", key_func=_per_user)
def poster_image(code: str):
    link, made = _own_poster(code)
    path = stored_poster(made.fingerprint, made.subject.image_key, made.text,
                         url_for("sharing.follow", code=link.code, _external=True))
    response = send_file(path, mimetype="image/jpeg", max_age=3600, download_name=f"shelfmade-{link.code}.jpg")
    response.cache_control.public = False
    response.cache_control.private = True
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="shelfmade-{link.code}.jpg"'
    return response
