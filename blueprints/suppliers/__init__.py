from flask import Blueprint

bp = Blueprint("suppliers", __name__)
