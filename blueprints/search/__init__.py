"""Full-text search over public products and prototypes, on SQLite FTS5 or PostgreSQL pg_trgm."""
from flask import Blueprint

# cli_group=None: `flask reindex`.
bp = Blueprint("search", __name__, cli_group=None)
