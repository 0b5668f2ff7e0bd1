"""The application factory: `flask --app app run`. The only module that knows every blueprint."""
import importlib
import os
from collections.abc import Mapping

from flask import Flask, flash, g, request, url_for
from flask_login import current_user, user_logged_in
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from blueprints.cache import cached_fragment, fragment_key, store_rendered_fragments, watch_writes
from blueprints.web import MAX_ID
from config import settings_from_environment
from extensions import babel, csrf, db, limiter, login_manager


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: Mapping | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Ids in paths fit the database's integer; a larger one is a 404, not an overflow error.
    app.url_map.converters["int"] = DatabaseIdConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)

    if proxies := app.config["TRUSTED_PROXIES"]:
        # Rate limits key on the client's address, so it must be the real one, not the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)
    from blueprints.site.bad_bytes import keep_control_characters_out_of_logs, refuse_nul_bytes

    keep_control_characters_out_of_logs()
    # First of all the request checks: the rate limits' keys and the sign-in lookup read the request too.
    app.before_request(refuse_nul_bytes)
    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    watch_writes()
    app.after_request(_security_headers)
    app.after_request(store_rendered_fragments)

    from blueprints.site.assets import init_assets

    init_assets(app)

    from blueprints.site.errors import register_error_handlers

    register_error_handlers(app)
    return app


def _init_extensions(app: Flask) -> None:
    from blueprints.accounts.locale import install_bound_gettext, select_locale, select_timezone
    from blueprints.accounts.signin import load_user
    # Every domain's models, so the metadata (and Alembic) knows every table.
    from blueprints.catalog import models as _catalog  # noqa: F401
    from blueprints.codesign import models as _codesign  # noqa: F401
    from blueprints.notifications import models as _notifications  # noqa: F401
    from blueprints.search import models as _search  # noqa: F401
    from blueprints.sharing import models as _sharing  # noqa: F401
    from blueprints.subscriptions import models as _subscriptions  # noqa: F401
    from blueprints.ledger import models as _ledger  # noqa: F401
    from blueprints.orders import models as _orders  # noqa: F401
    from blueprints.recommendations import models as _recommendations  # noqa: F401
    from blueprints.reviews import models as _reviews  # noqa: F401
    from blueprints.shops import models as _shops  # noqa: F401
    from blueprints.suppliers import models as _suppliers  # noqa: F401
    from blueprints.teams import models as _teams  # noqa: F401
    from blueprints.columns import render_migration_item
    from blueprints.search.models import described_by_models

    db.init_app(app)
    # Alembic serves the `flask db` commands and the tests, never a request: a gunicorn worker is 12 MB
    # lighter without it (gunicorn names itself in SERVER_SOFTWARE before it loads the app).
    if not os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        from flask_migrate import Migrate

        Migrate(app, db, directory=os.path.join(app.root_path, "migrations"), render_as_batch=True,
                compare_type=True, render_item=render_migration_item, include_object=described_by_models)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_bound_gettext(app.jinja_env)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_send_to_sign_in)

    _connect_listeners(app)


def _connect_listeners(app: Flask) -> None:
    """Every domain's answers to other domains' signals, in one list, rather than connected as a side effect of
    importing a module. Blinker and SQLAlchemy keep one connection per receiver, so a second app adds none."""
    from blueprints.catalog.services import product_published
    from blueprints.codesign.services.launch import tell_supporters_of_launch
    from blueprints.codesign.services.prototypes import prototype_opened
    from blueprints.notifications.listeners import tell_applicant
    from blueprints.orders.listeners import tell_shop_customers
    from blueprints.orders.services.fulfilment import order_delivered
    from blueprints.reviews.services import request_reviews
    from blueprints.orders.cart_session import merge_cart_at_sign_in
    from blueprints.search.services import keep_index_in_step
    from blueprints.shops.services import listing_added
    from blueprints.subscriptions.services import (tell_keyword_subscribers_of_product,
                                                   tell_keyword_subscribers_of_prototype)
    from blueprints.sharing.services import titles_from_above
    from blueprints.teams.services import shared_team_title
    from blueprints.suppliers.services import supplier_decided

    keep_index_in_step()
    product_published.connect(tell_supporters_of_launch)
    product_published.connect(tell_keyword_subscribers_of_product)
    prototype_opened.connect(tell_keyword_subscribers_of_prototype)
    listing_added.connect(tell_shop_customers)
    order_delivered.connect(request_reviews)
    supplier_decided.connect(tell_applicant)
    user_logged_in.connect(merge_cart_at_sign_in, app)
    titles_from_above["teams"] = shared_team_title


# Scripts and styles come only from our own static files (templates carry no inline ones), so an
# injected <script> or style attribute does nothing. htmx fetches from the same origin only.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
                           "form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.is_secure:
        # Only over HTTPS (behind a proxy, ProxyFix makes X-Forwarded-Proto count): browsers ignore it on http.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # Pages for a signed-in user carry their details and a CSRF token: never store them. (The user
    # is only looked at if the page already loaded it, so this costs no query.)
    user = g.get("_login_user")
    if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _send_to_sign_in():
    """Plain requests get a 303 to sign-in; htmx requests an HX-Redirect, never a login form in a fragment."""
    from blueprints.web import current_page, see_other

    flash(login_manager.login_message, login_manager.login_message_category)
    return see_other(url_for("accounts.login", next=current_page()))


# Each domain's Blueprint lives in its package; these modules attach routes and commands to it.
DOMAINS = ("site", "accounts", "suppliers", "admin", "catalog", "shops", "orders", "codesign", "notifications",
           "sharing", "media", "demo", "search", "subscriptions", "recommendations", "ledger",
           "teams", "reviews")
ROUTE_MODULES = ("site.views", "accounts.views", "accounts.security_views", "suppliers.views", "admin.views",
                 "catalog.views", "catalog.manage", "shops.views", "orders.views", "orders.address_views",
                 "orders.fulfilment_views", "orders.sales_views", "orders.returns_views", "orders.payments_views",
                 "ledger.views", "ledger.commands",
                 "orders.commands", "orders.pledge_views", "codesign.views",
                 "codesign.manage", "codesign.commands", "notifications.views", "sharing.views", "media.views",
                 "demo.commands", "notifications.commands", "search.views", "search.commands", "subscriptions.views",
                 "recommendations.commands", "recommendations.views", "teams.views", "teams.manage",
                 "teams.commands", "reviews.views", "reviews.commands")


def _register_blueprints(app: Flask) -> None:
    for module in ROUTE_MODULES:
        importlib.import_module(f"blueprints.{module}")
    for domain in DOMAINS:
        app.register_blueprint(importlib.import_module(f"blueprints.{domain}").bp)


def _register_template_helpers(app: Flask) -> None:
    from blueprints.accounts.locale import format_local_datetime, html_lang
    from blueprints.accounts.services import LANGUAGES
    from blueprints.bilingual import localized
    from blueprints.money import format_money
    from blueprints.shared_pages import personal_part, sharing_page
    from blueprints.site.header import header_facts
    from blueprints.web import page_address

    app.add_template_filter(format_money, "money")
    app.add_template_global(cached_fragment)
    app.add_template_global(fragment_key)
    app.add_template_global(sharing_page)
    app.add_template_global(personal_part)
    # Catalog text in the viewer's language, else the other: {{ product|localized('title') }}.
    app.add_template_filter(localized, "localized")
    app.add_template_global(localized, "localized")
    # Every page's times: in the viewer's zone, with the zone named (replaces Flask-Babel's filter of that name).
    app.add_template_filter(format_local_datetime, "datetimeformat")

    app.add_template_global(page_address)

    @app.template_global()
    def image_url(key: str, size: str = "display") -> str:
        return url_for("media.image", key=key, size=size)

    @app.context_processor
    def inject_locale():
        locale = str(get_locale())
        return {"current_locale": locale, "html_lang": html_lang(locale), "languages": LANGUAGES}

    @app.template_global("header_facts")
    def viewer_header_facts():
        """What the signed-in user can reach from the header, with their cart and bell counts: one query."""
        return header_facts(current_user)
