"""Demo data for a first look at the site: `flask seed-demo`."""
from flask import Blueprint

bp = Blueprint("demo", __name__, cli_group=None)

from blueprints.demo import commands  # noqa: E402,F401  (commands register on import)
