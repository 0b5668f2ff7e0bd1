"""Double-entry money movements. A balance is always a sum of entries, never a stored number."""
from flask import Blueprint

# cli_group=None: its commands are top level, e.g. `flask payouts`, `flask ledger-check`.
bp = Blueprint("ledger", __name__, cli_group=None)
