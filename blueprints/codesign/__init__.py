"""Co-design: prototypes that people support, vote on and discuss before anything is made."""
from flask import Blueprint

# cli_group=None: `flask close-prototypes` rather than `flask codesign close-prototypes`.
bp = Blueprint("codesign", __name__, cli_group=None)
