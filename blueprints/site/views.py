from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from blueprints.site import bp
from blueprints.web import render
from extensions import db


@bp.get("/")
def home():
    return render("site/home.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
