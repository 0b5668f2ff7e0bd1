import re

from flask import abort, send_file, send_from_directory

from blueprints.media import bp
from blueprints.media.images import SIZES, card_image, upload_folder
from blueprints.media.posters import site_card

ONE_YEAR = 365 * 24 * 3600
KEY = re.compile(r"[0-9a-f]{24}")


@bp.get("/media/<key>-<size>.webp")
def image(key: str, size: str):
    if size not in SIZES:
        abort(404)
    # Keys are random and never reused, so a file at a URL never changes.
    return send_from_directory(upload_folder(), f"{key}-{size}.webp", max_age=ONE_YEAR, mimetype="image/webp")


@bp.get("/media/<key>-card.jpg")
def card(key: str):
    """A picture's link-preview JPEG, for chat apps that drop WebP."""
    path = card_image(key) if KEY.fullmatch(key) else None
    if path is None:
        abort(404)
    return send_file(path, max_age=ONE_YEAR, mimetype="image/jpeg")


@bp.get("/media/site-card.png")
def site_card_image():
    # Not for a year: the drawing may change with a release, and the address stays.
    return send_file(site_card(), max_age=24 * 3600, mimetype="image/png")
