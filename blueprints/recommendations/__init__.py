"""Recommendations: "for you" on the home page and "people who supported this also supported" on item pages.

No routes of its own: the pages that show suggestions ask services.py for them, and include the
templates in templates/recommendations/.
"""
from flask import Blueprint

# Only a command: `flask send-picks`.
bp = Blueprint("recommendations", __name__, cli_group=None)
