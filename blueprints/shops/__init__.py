from flask import Blueprint

bp = Blueprint("shops", __name__)
