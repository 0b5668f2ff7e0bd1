"""The application factory: `flask --app app run`. The only module that knows every blueprint."""
import os
from collections.abc import Mapping

from flask import Flask, flash, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from config import settings_from_environment
from extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: Mapping | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)

    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from blueprints.site.errors import register_error_handlers

    register_error_handlers(app)
    return app


def _init_extensions(app: Flask) -> None:
    from blueprints.accounts.locale import select_locale
    from blueprints.accounts.models import User
    from blueprints.columns import render_migration_item

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_migration_item)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))
    login_manager.unauthorized_handler(_send_to_sign_in)


def _send_to_sign_in():
    """Plain requests get a 303 to sign-in; htmx requests an HX-Redirect, never a login form in a fragment."""
    from blueprints.web import current_page, see_other

    flash(login_manager.login_message, login_manager.login_message_category)
    return see_other(url_for("accounts.login", next=current_page()))


def _register_blueprints(app: Flask) -> None:
    from blueprints.accounts import bp as accounts_bp
    from blueprints.demo import bp as demo_bp
    from blueprints.site import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(demo_bp)


def _register_template_helpers(app: Flask) -> None:
    from blueprints.accounts.locale import html_lang
    from blueprints.accounts.services import LANGUAGES

    @app.context_processor
    def inject_locale():
        locale = str(get_locale())
        return {"current_locale": locale, "html_lang": html_lang(locale), "languages": LANGUAGES}
