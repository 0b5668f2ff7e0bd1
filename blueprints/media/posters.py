"""Pictures drawn on the server for sharing: the site's own card, and a poster (picture, title, price and a QR
code of a share link) to save and post where links do not travel well, such as WeChat Moments.

Pillow is imported where a picture is drawn, not at start-up (see blueprints/media/images.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from blueprints.media.images import fit_on_card, image_path, jpeg_under, upload_folder, write_once

if TYPE_CHECKING:
    import segno
    from PIL import Image, ImageFont

# Fonts with Chinese glyphs, best first: Debian's fonts-noto-cjk (installed by .ci/run; see the README), then other
# common CJK fonts. (path, index in a collection: 2 is Simplified Chinese in Noto's .ttc files.)
CJK_FONTS = {
    "bold": [("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
             ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
             ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
             ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0)],
    "regular": [("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
                ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
                ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0)],
}
INK = (29, 33, 37)
INK_SOFT = (74, 81, 88)
PAPER = (250, 247, 242)
ACCENT = (11, 110, 99)
WARM = (180, 68, 27)


@cache
def font(weight: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font that can write Chinese, or Pillow's own (Latin only) when none is installed: the picture is still
    made, with boxes for Chinese characters, rather than failing."""
    from PIL import ImageFont

    for path, index in CJK_FONTS[weight]:
        if Path(path).exists():
            return ImageFont.truetype(path, size, index=index)
    return ImageFont.load_default(size=size)


def writes_chinese() -> bool:
    return any(Path(path).exists() for path, _index in CJK_FONTS["regular"])


# A run of Latin letters or digits is kept whole at a line break; any other character (a Chinese one) may break.
_WORDS = re.compile(r"[A-Za-z0-9'’.,:;!?%¥$-]+\s*|\s+|.", re.UNICODE)


def wrap(text: str, face, width: int, max_lines: int) -> list[str]:
    """The text in lines that fit `width`, at most `max_lines`, the last ending in "…" if it was cut."""
    lines, line = [], ""
    for piece in _WORDS.findall(" ".join(text.split())):
        if face.getlength(line + piece.rstrip()) <= width or not line:
            line += piece
            continue
        lines.append(line.rstrip())
        line = piece.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1]
        lines = [*lines[:max_lines - 1], last.rstrip() + "…"]
    return lines


# The site's own card, for pages without a picture of their own

SITE_CARD_VERSION = 1  # raise it when the drawing changes, so the stored card is made again


def site_card_path() -> Path:
    return upload_folder() / f"site-card-{SITE_CARD_VERSION}.png"


def site_card() -> Path:
    """The Shelfmade card (made on first use): the brand's mark and name, in no language in particular."""
    path = site_card_path()
    if path.exists():
        return path
    from PIL import Image, ImageDraw

    card = Image.new("RGB", (1200, 630), PAPER)
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((160, 215, 360, 415), radius=40, fill=ACCENT)
    draw.text((260, 315), "S", font=font("bold", 140), fill=(255, 255, 255), anchor="mm")
    draw.text((410, 315), "Shelfmade", font=font("bold", 120), fill=INK, anchor="lm")
    buffer = BytesIO()
    card.save(buffer, "PNG", optimize=True)
    write_once(path, buffer.getvalue())
    return path


# Posters

POSTER_WIDTH = 750
POSTER_HEIGHT = 1200
PICTURE_HEIGHT = 620
QR_SIDE = 240
MARGIN = 48


@dataclass(frozen=True)
class PosterText:
    """What a poster says, in the sharer's language."""

    title: str
    price: str | None  # formatted, e.g. "¥69.00"
    price_note: str | None  # e.g. "early-bird price"
    shared_by: str  # "Shared by Alice"
    scan_hint: str  # "Scan the code to open"


def qr_matrix(url: str) -> segno.QRCode:
    import segno  # only posters need it (see sharing.views.qr_svg)

    return segno.make(url, error="m", micro=False)


def qr_picture(url: str, side: int) -> Image.Image:
    """The link's QR code as a crisp black-on-white square of about `side` pixels, with its quiet zone."""
    from PIL import Image

    code = qr_matrix(url)
    modules = code.symbol_size(scale=1, border=4)[0]
    buffer = BytesIO()
    code.save(buffer, kind="png", scale=max(side // modules, 4), border=4)
    buffer.seek(0)
    with Image.open(buffer) as picture:
        return picture.convert("RGB")


def draw_poster(image_key: str | None, text: PosterText, url: str) -> bytes:
    """The poster as a JPEG: the picture on top, the title and price, and the link's QR code at the foot."""
    from PIL import Image, ImageDraw

    poster = Image.new("RGB", (POSTER_WIDTH, POSTER_HEIGHT), (255, 255, 255))
    source = image_path(image_key, "display") if image_key else None
    if source is not None and source.exists():
        with Image.open(source) as picture:
            poster.paste(fit_on_card(picture, (POSTER_WIDTH, PICTURE_HEIGHT)), (0, 0))
    else:
        with Image.open(site_card()) as card:
            poster.paste(fit_on_card(card, (POSTER_WIDTH, PICTURE_HEIGHT)), (0, 0))
    draw = ImageDraw.Draw(poster)
    y = PICTURE_HEIGHT + 32
    title_face = font("bold", 40)
    for line in wrap(text.title, title_face, POSTER_WIDTH - 2 * MARGIN, 2):
        draw.text((MARGIN, y), line, font=title_face, fill=INK)
        y += 54
    if text.price:
        y += 8
        price_face = font("bold", 56)
        draw.text((MARGIN, y), text.price, font=price_face, fill=WARM)
        if text.price_note:
            draw.text((MARGIN + price_face.getlength(text.price) + 16, y + 24), text.price_note,
                      font=font("regular", 26), fill=INK_SOFT)
    qr = qr_picture(url, QR_SIDE)
    qr_top = POSTER_HEIGHT - MARGIN - qr.height
    draw.line((MARGIN, qr_top - 24, POSTER_WIDTH - MARGIN, qr_top - 24), fill=(227, 221, 211), width=2)
    poster.paste(qr, (POSTER_WIDTH - MARGIN - qr.width, qr_top))
    note_width = POSTER_WIDTH - 3 * MARGIN - qr.width
    note_y = qr_top + 20
    for line in wrap(text.scan_hint, font("bold", 30), note_width, 2):
        draw.text((MARGIN, note_y), line, font=font("bold", 30), fill=INK)
        note_y += 42
    for line in wrap(text.shared_by, font("regular", 26), note_width, 2):
        draw.text((MARGIN, note_y + 8), line, font=font("regular", 26), fill=INK_SOFT)
        note_y += 36
    draw.text((MARGIN, POSTER_HEIGHT - MARGIN - 30), "Shelfmade", font=font("bold", 30), fill=ACCENT)
    return jpeg_under(poster, 600 * 1024)


def poster_path(fingerprint: str) -> Path:
    folder = upload_folder() / "posters"
    folder.mkdir(exist_ok=True)
    return folder / f"{fingerprint}.jpg"


def stored_poster(fingerprint: str, image_key: str | None, text: PosterText, url: str) -> Path:
    """The poster for these contents, drawn once: `fingerprint` names the contents (a new price, a new poster)."""
    path = poster_path(fingerprint)
    if not path.exists():
        write_once(path, draw_poster(image_key, text, url))
    return path

