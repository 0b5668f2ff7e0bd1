"""Uploaded images: validated with Pillow, re-encoded, stored under UPLOAD_FOLDER, served at /media."""
from flask import Blueprint

bp = Blueprint("media", __name__)
