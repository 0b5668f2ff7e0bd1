from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from blueprints.cache import redis_status, shared_with_visitors
from blueprints.catalog.services import newest_products
from blueprints.recommendations.services import for_you, is_personalised
from blueprints.shops.services import featured_shops
from blueprints.site import bp
from blueprints.web import render
from extensions import db


@bp.get("/")
@shared_with_visitors
def home():
    return render("site/home.html", new_products=newest_products(8), shops=featured_shops(6),
                  suggestions=for_you(current_user), personalised=is_personalised(current_user))


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
