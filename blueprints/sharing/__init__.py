"""Share links and the single-level reward for the person whose link a buyer came through."""
from flask import Blueprint

bp = Blueprint("sharing", __name__)
