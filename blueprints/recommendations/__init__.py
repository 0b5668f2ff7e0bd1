"""Recommendations: "for you" on the home page and "people who supported this also supported" on item pages.

The pages that show suggestions ask services.py for them, and include the templates in
templates/recommendations/; its own routes are the user's switch and "not interested".
"""
from flask import Blueprint

bp = Blueprint("recommendations", __name__, cli_group=None)
