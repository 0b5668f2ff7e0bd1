"""Keyword subscriptions: a user asks to hear when something matching their words appears."""
from flask import Blueprint

bp = Blueprint("subscriptions", __name__)
