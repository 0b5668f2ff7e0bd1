from flask import abort, send_from_directory

from blueprints.media import bp
from blueprints.media.images import SIZES, upload_folder

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<key>-<size>.webp")
def image(key: str, size: str):
    if size not in SIZES:
        abort(404)
    # Keys are random and never reused, so a file at a URL never changes.
    return send_from_directory(upload_folder(), f"{key}-{size}.webp", max_age=ONE_YEAR, mimetype="image/webp")
