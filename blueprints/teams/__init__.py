from flask import Blueprint

# cli_group=None: its commands are top level, e.g. `flask close-teams`.
bp = Blueprint("teams", __name__, cli_group=None)
