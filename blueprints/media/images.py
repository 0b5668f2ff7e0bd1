"""Turn an upload into safe, resized WebP files, or refuse it with a reason the user can act on.

Nothing the user sent is stored as is: decoding and re-encoding drops any payload hidden in the
file, and the pixel limit is checked from the header before any pixels are decoded.

Pillow is imported where a picture is read or drawn, not at start-up: a worker that never touches one is
3 MB lighter.
"""
from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from typing import TYPE_CHECKING

from werkzeug.datastructures import FileStorage

from blueprints.errors import DomainError

if TYPE_CHECKING:
    from PIL import Image

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 20_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
SIZES = {"display": 1200, "thumb": 400}
ORIENTATION = 0x0112  # the EXIF tag
TURNED_SIDEWAYS = {5, 6, 7, 8}  # orientations that swap width and height
TOO_MANY_PIXELS = _l("That image has more than 20 megapixels. Resize it and try again.")


class ImageRejected(DomainError):
    pass


@dataclass(frozen=True)
class StoredImage:
    key: str
    width: int
    height: int


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def image_path(key: str, size: str) -> Path:
    return upload_folder() / f"{key}-{size}.webp"


def store_image(stream) -> StoredImage:
    """Validate an uploaded file-like object and store its display and thumbnail sizes."""
    from PIL import Image, UnidentifiedImageError

    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRejected(_l("That image is larger than 5 MB. Choose a smaller file."))
    if not data:
        raise ImageRejected(_l("That file is empty."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ImageRejected(_l("Upload a JPEG, PNG, WebP or GIF image."))
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageRejected(TOO_MANY_PIXELS)
                width, height = probe.size
                probe.verify()
            key = secrets.token_hex(12)
            if _store_sizes(BytesIO(data), key):
                width, height = height, width
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(_l("That file is not an image we can read. Upload a JPEG, PNG, WebP or GIF.")) from exc
    return StoredImage(key, width, height)


def _store_sizes(file, key: str) -> bool:
    """Store each size of the picture upright; returns whether turning it upright swapped its sides.

    Decode once and shrink in place, largest size first: one picture in memory at a time, and for a JPEG only
    the pixels the display size needs (the decoder scales by 1/2, 1/4 or 1/8 as it reads; a 20-megapixel photo
    decodes to 5 megapixels instead)."""
    from PIL import Image, ImageOps

    longest = max(SIZES.values())
    with Image.open(file) as image:
        if image.format == "JPEG":
            image.draft("RGB", (longest, longest))
        turned = image.getexif().get(ORIENTATION) in TURNED_SIDEWAYS
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        picture = image.convert(mode) if image.mode != mode else image
        try:
            for size, longest_side in sorted(SIZES.items(), key=lambda item: -item[1]):
                # reducing_gap: a fast box reduction first, then Lanczos on a picture at most 3x the target.
                picture.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
                picture.save(image_path(key, size), "WEBP", quality=82, method=4)
        except Exception:
            delete_image(key)
            raise
        finally:
            picture.close()
    return turned


def delete_image(key: str) -> None:
    for size in SIZES:
        image_path(key, size).unlink(missing_ok=True)
    card_path(key).unlink(missing_ok=True)


def store_images(uploads) -> list[StoredImage]:
    """Store several uploads, all or none: `uploads` are (file name, stream) pairs, and an unusable file
    raises ImageRejected naming it, after removing what this call already stored."""
    stored = []
    try:
        for filename, stream in uploads:
            try:
                stored.append(store_image(stream))
            except ImageRejected as error:
                raise ImageRejected(_l("%(file)s: %(reason)s", file=filename, reason=str(error))) from error
    except ImageRejected:
        for image in stored:
            delete_image(image.key)
        raise
    return stored


MAX_IMAGES_PER_UPLOAD = 10


def uploads_of(files) -> list[tuple[str, object]]:
    """(file name, stream) pairs of the files chosen in a multiple-file form field; at most ten at a time."""
    uploads = [(f.filename, f.stream) for f in files or [] if isinstance(f, FileStorage) and f.filename]
    if len(uploads) > MAX_IMAGES_PER_UPLOAD:
        raise ImageRejected(_l("Add at most %(count)d images at a time.", count=MAX_IMAGES_PER_UPLOAD))
    return uploads


# Link previews. Chat apps drop WebP pictures and WhatsApp anything over 300 KB, so a shared page's picture is a
# JPEG made from the stored display size on its first request, kept beside it, and never made again.

CARD_SIZE = (1200, 630)  # the 1.91:1 picture Open Graph and Twitter cards show
CARD_MAX_BYTES = 300 * 1024
CARD_QUALITIES = (85, 75, 65, 55, 45, 35)


def card_path(key: str) -> Path:
    return upload_folder() / f"{key}-card.jpg"


def _backdrop(picture: Image.Image) -> tuple[int, int, int]:
    """The colour of the picture's edge, to fill the card around it so the whole product stays in view."""
    from PIL import Image

    edge = picture.convert("RGB").resize((8, 8), Image.Resampling.BOX)
    pixels = [edge.getpixel((x, y)) for x in range(8) for y in (0, 7)]
    return tuple(sum(pixel[channel] for pixel in pixels) // len(pixels) for channel in range(3))


def fit_on_card(picture: Image.Image, size: tuple[int, int] = CARD_SIZE) -> Image.Image:
    """The whole picture, as large as fits, centred on a canvas of its edge colour."""
    from PIL import Image, ImageOps

    picture = picture.convert("RGBA")
    canvas = Image.new("RGB", size, _backdrop(picture))
    fitted = ImageOps.contain(picture, size, Image.Resampling.LANCZOS)
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2), fitted)
    return canvas


def jpeg_under(picture: Image.Image, max_bytes: int = CARD_MAX_BYTES) -> bytes:
    """The picture as a JPEG, at the best of a few qualities that stays under `max_bytes`. (A card of pure
    noise, the worst case, fits at quality 75: 243 KB.)"""
    for quality in CARD_QUALITIES:
        buffer = BytesIO()
        picture.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
        if buffer.tell() < max_bytes:
            break
    return buffer.getvalue()


def write_once(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a reader never sees half of it); two first requests may both write it."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    partial.write_bytes(data)
    partial.replace(path)


def card_image(key: str) -> Path | None:
    """The stored picture's share card (made on first use), or None if there is no such picture."""
    path = card_path(key)
    if path.exists():
        return path
    source = image_path(key, "display")
    if not source.exists():
        return None
    from PIL import Image

    with Image.open(source) as picture:
        write_once(path, jpeg_under(fit_on_card(picture)))
    return path
