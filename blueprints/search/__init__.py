"""Full-text search over public products and prototypes, on SQLite FTS5 or PostgreSQL pg_trgm."""
from flask import Blueprint

bp = Blueprint("search", __name__)
