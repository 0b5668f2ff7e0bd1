"""Notifications, opt-in per kind and channel: nothing promotional reaches a user who did not ask for it."""
from flask import Blueprint

# cli_group=None: its commands are top level, e.g. `flask send-outbox`.
bp = Blueprint("notifications", __name__, cli_group=None)
