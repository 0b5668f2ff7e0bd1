"""In-site notifications, opt-in per kind: nothing promotional reaches a user who did not ask for it."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)
