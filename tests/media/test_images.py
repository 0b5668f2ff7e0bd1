import io

import pytest
from PIL import Image

from blueprints.media.images import ImageRejected, image_path, store_image


def picture(width=640, height=480, fmt="PNG", mode="RGB", colour=(200, 120, 40)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), colour if mode != "1" else 1).save(buffer, fmt)
    buffer.seek(0)
    return buffer


def test_a_real_image_is_reencoded_into_display_and_thumbnail_sizes(ctx):
    stored = store_image(picture(3000, 1500, "JPEG"))
    assert (stored.width, stored.height) == (3000, 1500)
    with Image.open(image_path(stored.key, "display")) as display:
        assert display.format == "WEBP" and display.size == (1200, 600)
    with Image.open(image_path(stored.key, "thumb")) as thumb:
        assert thumb.size == (400, 200)


def test_transparency_survives(ctx):
    stored = store_image(picture(100, 100, "PNG", mode="RGBA", colour=(200, 120, 40, 90)))
    with Image.open(image_path(stored.key, "thumb")) as thumb:
        assert thumb.mode == "RGBA"


def test_a_file_that_is_not_an_image_is_refused(ctx):
    with pytest.raises(ImageRejected, match="not an image"):
        store_image(io.BytesIO(b"%PDF-1.7 definitely not a picture" * 100))


def test_a_truncated_image_is_refused(ctx):
    data = picture(800, 800, "JPEG").getvalue()
    with pytest.raises(ImageRejected):
        store_image(io.BytesIO(data[: len(data) // 3]))


def test_an_empty_file_is_refused(ctx):
    with pytest.raises(ImageRejected, match="empty"):
        store_image(io.BytesIO(b""))


def test_a_file_over_5_mb_is_refused_before_decoding(ctx):
    with pytest.raises(ImageRejected, match="5 MB"):
        store_image(io.BytesIO(b"\x89PNG" + b"\0" * (5 * 1024 * 1024)))


def test_a_decompression_bomb_is_refused_from_its_header(ctx):
    # A tiny PNG that claims 30,000 x 30,000 pixels (900 megapixels) once decoded.
    bomb = picture(30_000, 30_000, "PNG", mode="1")
    assert len(bomb.getvalue()) < 5 * 1024 * 1024
    with pytest.raises(ImageRejected, match="20 megapixels"):
        store_image(bomb)


def test_an_image_just_over_20_megapixels_is_refused(ctx):
    with pytest.raises(ImageRejected, match="20 megapixels"):
        store_image(picture(5000, 4001, "PNG", mode="1"))


def test_an_unsupported_format_is_refused(ctx):
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, "BMP")
    buffer.seek(0)
    with pytest.raises(ImageRejected, match="JPEG, PNG, WebP or GIF"):
        store_image(buffer)


def test_stored_images_are_served_with_a_long_cache_life(app, client):
    with app.app_context():
        stored = store_image(picture())
    response = client.get(f"/media/{stored.key}-thumb.webp")
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()
    assert client.get(f"/media/{stored.key}-huge.webp").status_code == 404
    assert client.get("/media/nothere-thumb.webp").status_code == 404
