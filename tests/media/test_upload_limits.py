"""What one upload may cost: bytes, pixels, memory, and how many posts with pictures an address may send."""
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from blueprints.media.images import image_path, store_image
from tests.conftest import sign_in
from tests.media.test_images import picture

ROOT = Path(__file__).parents[2]

# Every form that takes pictures, by the URL it posts to (ids need not exist: the limit is counted before the
# page looks for what the URL names).
UPLOAD_URLS = ["/my/shop", "/my/shop/settings", "/supplier/products/new", "/supplier/products/1",
               "/supplier/prototypes/new", "/supplier/prototypes/1/edit", "/orders/SM000000-AAAAA/return",
               "/orders/SM000000-AAAAA/review/1"]


def html(response) -> str:
    return response.get_data(as_text=True)


def test_every_file_field_is_in_the_list_of_upload_urls_checked_here():
    fields = [line for path in (ROOT / "blueprints").rglob("*.py")
              for line in path.read_text(encoding="utf-8").splitlines() if re.search(r"FileField\(", line)]
    # One per form that takes pictures; the shop's form serves both "/my/shop" and its settings.
    assert len(fields) == len(UPLOAD_URLS) - 3, "a new upload form: add its URL to UPLOAD_URLS"


@pytest.mark.parametrize("url", UPLOAD_URLS)
def test_every_upload_form_shares_one_rate_limit_per_address(app, client, signed_in, url):
    app.config["UPLOAD_RATE_LIMIT"] = "2 per hour"
    token = client.csrf_token()

    def post_picture(to):
        return client.post(to, data={"csrf_token": token, "logo": (picture(), "a.png"),
                                     "new_images": (picture(), "a.png"), "photos": (picture(), "a.png")})

    assert post_picture(url).status_code != 429
    assert client.post(url, data={"csrf_token": token}).status_code != 429  # no file: not counted
    assert post_picture("/my/shop/settings" if url != "/my/shop/settings" else "/my/shop").status_code != 429
    refused = post_picture(url)
    assert refused.status_code == 429 and "Too many requests" in html(refused)


@pytest.fixture
def shop_owner(client, make_user, make_shop):
    owner = make_user("logo@example.com")
    make_shop(owner, slug="logo-shop")
    sign_in(client, owner)
    return owner


def send_logo(client, data: bytes, name="logo.png"):
    """Post a logo. The body is encoded here, in memory: the test client would spool a large one to a temporary
    file that it never closes."""
    boundary, body = encode_multipart({"csrf_token": client.csrf_token("/my/shop"), "name": "Logo Shop",
                                       "slug": "logo-shop", "logo": FileStorage(io.BytesIO(data), name)})
    return client.post("/my/shop/settings", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_logo_over_5_mb_is_refused_with_a_message(client, shop_owner):
    response = send_logo(client, b"\x89PNG" + b"\0" * (5 * 1024 * 1024 + 10))
    assert response.status_code == 422 and "larger than 5 MB" in html(response)


def test_a_pixel_bomb_logo_is_refused_with_a_message(client, shop_owner):
    bomb = picture(30_000, 30_000, "PNG", mode="1").getvalue()
    response = send_logo(client, bomb)
    assert response.status_code == 422 and "more than 20 megapixels" in html(response)


def test_a_request_over_the_size_limit_is_a_413_page_not_a_500(app, client, shop_owner):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = send_logo(client, b"\0" * (2 * 1024 * 1024))
    assert response.status_code == 413 and "Too large" in html(response)


def test_a_photo_keeps_its_upright_size_though_it_is_decoded_smaller(ctx):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone on its side: shown turned a quarter
    Image.new("RGB", (4000, 3000), (90, 140, 200)).save(buffer, "JPEG", exif=exif)
    buffer.seek(0)
    stored = store_image(buffer)
    assert (stored.width, stored.height) == (3000, 4000)
    with Image.open(image_path(stored.key, "display")) as display:
        assert display.size == (900, 1200)
    with Image.open(image_path(stored.key, "thumb")) as thumb:
        assert thumb.size == (300, 400)


MEASURE = """
import io, resource, sys
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from app import create_app
from blueprints.media.images import store_image
buffer = io.BytesIO()
Image.radial_gradient("L").resize((5000, 4000)).convert("RGB").save(buffer, "JPEG", quality=85)
app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "UPLOAD_FOLDER": sys.argv[1]})
with app.app_context():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    buffer.seek(0)
    store_image(buffer)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_a_20_megapixel_photo_is_stored_in_a_fraction_of_its_decoded_size(tmp_path):
    # Decoded whole, it is 60 MB of pixels, and each copy made on the way as much again.
    grew = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    assert int(grew) < 40, f"storing one 20-megapixel JPEG grew the process by {grew} MB"
