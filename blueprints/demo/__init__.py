"""Demo data for a first look at the site: `flask seed-demo`."""
from flask import Blueprint

bp = Blueprint("demo", __name__, cli_group=None)
