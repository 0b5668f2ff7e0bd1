from flask import Blueprint

# cli_group=None: its commands are top level, e.g. `flask complete-orders`.
bp = Blueprint("orders", __name__, cli_group=None)
