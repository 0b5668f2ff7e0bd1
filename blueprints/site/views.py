from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from blueprints.cache import redis_status
from blueprints.shared_pages import renders_personal_part, shared_page, sharing_page
from blueprints.catalog.services import newest_products
from blueprints.recommendations.services import for_you, is_personalised
from blueprints.shops.services import featured_shops
from blueprints.site import bp
from blueprints.web import render
from extensions import db


@bp.get("/")
@shared_page(shows=("catalog", "codesign"))
def home():
    personal = {} if sharing_page() else _for_you_context()
    return render("site/home.html", new_products=newest_products(8), shops=featured_shops(6), **personal)


def _for_you_context() -> dict:
    return {"suggestions": for_you(current_user), "personalised": is_personalised(current_user)}


# The layout's and home page's personal parts (blueprints/shared_pages.py): the same blocks a page renders inline.

@renders_personal_part("account_nav")
def account_nav() -> str:
    return render_block("base.html", "account_nav")


@renders_personal_part("cart_count")
def cart_count() -> str:
    return render_block("base.html", "cart_count")


@renders_personal_part("bell")
def bell() -> str:
    return render_block("base.html", "bell") if current_user.is_authenticated else ""


@renders_personal_part("flashes")
def flashes() -> str:
    return render_block("base.html", "flashes")


@renders_personal_part("home_welcome")
def home_welcome() -> str:
    return render_block("site/home.html", "welcome")


@renders_personal_part("for_you")
def for_you_part() -> str:
    return render_block("site/home.html", "for_you", **_for_you_context())


@bp.get("/healthz")
def healthz():
    """Unavailable (503) only without the database; without Redis the site still serves, from each worker's
    memory, so a load balancer keeps sending traffic while a monitor sees "degraded"."""
    redis = redis_status()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable", "redis": redis}, 503
    return {"status": "degraded" if redis == "unreachable" else "ok", "database": "ok", "redis": redis}
