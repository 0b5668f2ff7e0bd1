"""Reviews from verified buyers of delivered lines, the supplier's official answer, reports and moderation,
and the track records of suppliers and shops computed from the site's own data."""
from flask import Blueprint

bp = Blueprint("reviews", __name__, cli_group=None)
