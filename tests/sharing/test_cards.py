"""Share cards (the link previews chat apps show) and share posters, as a sharer and their friends meet them."""
import io
import random
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus
from blueprints.catalog.services import add_images, change_status
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.prototypes import add_images as add_prototype_images
from blueprints.errors import AccessDenied
from blueprints.media.posters import font, qr_matrix, wrap, writes_chinese
from blueprints.money import current_rates
from blueprints.sharing.cards import poster_of, subject_of_path
from blueprints.sharing.models import ShareLink
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from extensions import db
from tests.conftest import require, sign_in

PREVIEW = {"User-Agent": "WhatsApp/2.24.1 A", "Accept-Language": "en"}
BROWSER = {"User-Agent": "Mozilla/5.0 (iPhone) Mobile Safari", "Accept-Language": "en"}
REQUIRED = ("og:type", "og:site_name", "og:title", "og:description", "og:url", "og:locale", "og:locale:alternate",
            "og:image", "og:image:type", "og:image:width", "og:image:height", "twitter:card", "twitter:title",
            "twitter:description", "twitter:image")


class MetaTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (name := attrs.get("property") or attrs.get("name")):
            self.tags.setdefault(name, []).append(attrs.get("content", ""))


def card_of(response) -> dict[str, str]:
    assert response.status_code == 200, response.status_code
    parser = MetaTags()
    parser.feed(response.get_data(as_text=True))
    missing = [name for name in REQUIRED if not parser.tags.get(name)]
    assert not missing, f"missing {missing}"
    return {name: values[0] for name, values in parser.tags.items()}


def noisy_photo(width=1600, height=1200) -> io.BytesIO:
    """The hardest picture to keep small as a JPEG: every pixel random (under the 5 MB upload limit)."""
    picture = Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    buffer.seek(0)
    return buffer


@pytest.fixture
def shared_pages(app, tmp_path, make_supplier, make_product, make_shop, make_user, make_prototype):
    """A product with a photo, sold by a shop with no logo or tagline, and a prototype with a photo."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Cast iron teapot", max_price=12000)
    owner = make_user("owner@example.com")
    make_shop(owner, name="Mei's corner", slug="mei")
    prototype_id, prototype_slug = make_prototype(supplier, "Bamboo lunch box")
    with app.app_context():
        member = db.session.get(User, supplier.member.id)
        add_images(member, db.session.get(Product, product.id), [("teapot.png", noisy_photo())])
        add_prototype_images(member, db.session.get(Prototype, prototype_id), [("box.png", noisy_photo(800, 800))])
        add_listing(db.session.get(User, owner.id), db.session.scalar(select(Shop)),
                    db.session.get(Product, product.id), 10000, current_rates())
        db.session.commit()
    return {"product": f"/p/{product.slug}", "shop": "/shops/mei", "listing": f"/shops/mei/p/{product.slug}",
            "prototype": f"/codesign/{prototype_slug}", "home": "/"}


def fetch(client, url: str):
    """A picture's response and bytes, its file closed (the test client leaves a streamed file open)."""
    response = client.get(url)
    body = response.get_data()
    response.close()
    return response, body


def check_image(client, card: dict) -> bytes:
    """The card's picture: absolute, served, small enough for WhatsApp, a JPEG or PNG as the tags say."""
    url = card["og:image"]
    assert url.startswith("http://localhost/") and card["twitter:image"] == url
    response, body = fetch(client, url.removeprefix("http://localhost"))
    assert response.status_code == 200
    assert len(body) < 300 * 1024
    assert response.mimetype == card["og:image:type"]
    assert (body[:3] == b"\xff\xd8\xff") if card["og:image:type"] == "image/jpeg" else body[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(body)) as picture:
        assert picture.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[card["og:image:type"]]
        assert picture.size == (int(card["og:image:width"]), int(card["og:image:height"]))
    assert "max-age=" in response.headers["Cache-Control"]
    return body


def test_every_shareable_page_has_a_card_with_a_small_jpeg_or_png(client, shared_pages):
    for kind, path in shared_pages.items():
        card = card_of(client.get(path, headers=BROWSER))
        assert card["og:url"] == f"http://localhost{path}", kind
        assert card["og:site_name"] == "Shelfmade" and card["twitter:card"] == "summary_large_image"
        assert (card["og:locale"], card["og:locale:alternate"]) == ("en_US", "zh_CN")
        assert card["og:title"] and card["og:description"], kind
        body = check_image(client, card)
        if kind in ("product", "listing", "prototype"):
            assert card["og:image:type"] == "image/jpeg", kind  # the item's own photo, never WebP
            assert len(body) > 30_000  # a real photo, not a blank
        if kind in ("product", "listing"):
            assert card["og:type"] == "product" and card["product:price:currency"] == "CNY"
        else:
            assert card["og:type"] == "website" and "product:price:amount" not in card
    assert card_of(client.get(shared_pages["product"]))["product:price:amount"] == "69.00"
    listing = card_of(client.get(shared_pages["listing"]))
    assert listing["product:price:amount"] == "100.00" and listing["og:title"] == "Cast iron teapot · Mei's corner"
    assert card_of(client.get(shared_pages["home"], headers={"Accept-Language": "zh-CN"}))["og:locale"] == "zh_CN"


def test_a_cards_picture_is_made_once_and_kept_for_a_year(client, shared_pages, app, tmp_path):
    url = card_of(client.get(shared_pages["product"]))["og:image"].removeprefix("http://localhost")
    first, first_body = fetch(client, url)
    made = next((tmp_path / "uploads").glob("*-card.jpg"))
    stamp = made.stat().st_mtime_ns
    assert fetch(client, url)[1] == first_body and made.stat().st_mtime_ns == stamp
    assert "max-age=31536000" in first.headers["Cache-Control"]
    assert client.get("/media/000000000000000000000000-card.jpg").status_code == 404
    assert client.get("/media/..%2Fsecret-card.jpg").status_code == 404


def share(client, account, path) -> str:
    sign_in(client, account)
    client.submit("/share", {"path": path}, page=path)
    code = re.search(r'id="share-url" value="[^"]*/s/([a-z0-9]+)"', client.get(path).get_data(as_text=True)).group(1)
    client.submit("/logout", {})
    return code


def test_a_preview_of_a_share_link_speaks_the_sharers_language_and_leads_back_through_it(
        app, shared_pages, make_user):
    sharer = make_user("li@example.com", locale="zh_Hans")
    code = share(app.test_client(), sharer, shared_pages["shop"])
    preview = app.test_client()
    response = preview.get(f"/s/{code}", headers=PREVIEW)
    assert response.headers["Location"] == f"/shops/mei?via={code}"
    card = card_of(preview.get(response.headers["Location"], headers=PREVIEW))
    assert (card["og:locale"], card["og:locale:alternate"]) == ("zh_CN", "en_US")
    assert card["og:url"] == f"http://localhost/s/{code}"
    assert re.search(r"[\u4e00-\u9fff]", card["og:description"])  # the shop has no tagline: the site's words
    # The friend's own page stays in the friend's language; only the card is the sharer's.
    assert '<html lang="en">' in preview.get(f"/shops/mei?via={code}", headers=PREVIEW).get_data(as_text=True)
    # A person following the link goes to the page's own address; their browser remembers the link.
    person = app.test_client()
    assert person.get(f"/s/{code}", headers=BROWSER).headers["Location"] == "/shops/mei"
    assert card_of(person.get("/shops/mei", headers=BROWSER))["og:locale"] == "zh_CN"
    # A code names only its own page: elsewhere, the viewer's language.
    assert card_of(preview.get(f"{shared_pages['product']}?via={code}", headers=PREVIEW))["og:locale"] == "en_US"
    # A link made while reading in English previews in English, even for a reader of Chinese.
    other = make_user("sam@example.com")
    other_code = share(app.test_client(), other, shared_pages["shop"])
    chinese_reader = {**PREVIEW, "Accept-Language": "zh"}
    card = card_of(preview.get(f"/shops/mei?via={other_code}", headers=chinese_reader))
    assert card["og:locale"] == "en_US" and card["og:url"] == f"http://localhost/s/{other_code}"
    # A link from before links kept their language: the sharer's chosen one, else the viewer's.
    with app.app_context():
        for link in db.session.scalars(select(ShareLink)):
            link.locale = None
        db.session.commit()
    assert card_of(preview.get(f"/shops/mei?via={code}", headers=PREVIEW))["og:locale"] == "zh_CN"
    assert card_of(preview.get(f"/shops/mei?via={other_code}", headers=chinese_reader))["og:locale"] == "zh_CN"


# Posters

def decoded_qr(picture: Image.Image) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(picture)]


def test_one_tap_makes_a_poster_whose_qr_code_is_the_sharers_own_link(app, client, shared_pages, make_user):
    sharer = make_user("li@example.com", display_name="李雷", locale="zh_Hans")
    sign_in(client, sharer)
    made = client.submit("/share", {"path": shared_pages["listing"], "then": "poster"}, page=shared_pages["listing"])
    with app.app_context():
        code = db.session.scalar(select(ShareLink.code))
    assert made.status_code == 303 and made.headers["Location"] == f"/s/{code}/poster"
    page = client.get(f"/s/{code}/poster")
    text = unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "长按" in text
    image_url = re.search(r'<img class="poster-page__image" src="([^"]+)"', text).group(1)
    download = re.search(r'href="([^"]+download=1)" download', text).group(1)
    response, body = fetch(client, image_url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "private" in response.headers["Cache-Control"]
    assert "attachment" in fetch(client, download)[0].headers["Content-Disposition"]
    with Image.open(io.BytesIO(body)) as poster:
        assert poster.format == "JPEG" and poster.size == (750, 1200)
        assert decoded_qr(poster) == [f"http://localhost/s/{code}"]
    # The panel now offers the poster as a plain link.
    assert f'href="/s/{code}/poster"' in client.get(shared_pages["listing"]).get_data(as_text=True)


def test_a_poster_is_only_for_its_sharer_and_a_page_the_public_can_see(app, client, shared_pages, make_user):
    sharer = make_user("li@example.com")
    code = share(client, sharer, shared_pages["product"])
    assert client.get(f"/s/{code}/poster").status_code == 303  # to sign in
    assert fetch(client, f"/s/{code}/poster.jpg")[0].status_code == 303
    sign_in(client, make_user("sam@example.com"))
    assert client.get(f"/s/{code}/poster").status_code == 403
    assert fetch(client, f"/s/{code}/poster.jpg")[0].status_code == 403
    assert client.get("/s/nothere1/poster").status_code == 404
    client.submit("/logout", {})
    sign_in(client, sharer)
    assert client.get(f"/s/{code}/poster").status_code == 200
    with app.app_context():
        product = db.session.scalar(select(Product))
        supplier_member = db.session.scalar(select(User).where(User.email == "supplier1@example.com"))
        change_status(supplier_member, product, ProductStatus.RETIRED)
        db.session.commit()
    assert client.get(f"/s/{code}/poster").status_code == 404
    assert fetch(client, f"/s/{code}/poster.jpg")[0].status_code == 404


def test_posters_are_rate_limited(app, client, shared_pages, make_user):
    sharer = make_user("li@example.com")
    code = share(client, sharer, shared_pages["prototype"])
    sign_in(client, sharer)
    statuses = [fetch(client, f"/s/{code}/poster.jpg")[0].status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_poster_rules_without_http(ctx, app, shared_pages, make_user, tmp_path):
    sharer, other = make_user("li@example.com"), make_user("sam@example.com")
    with app.test_request_context():
        link = ShareLink(code="abcd2345", user_id=sharer.id, path=shared_pages["listing"], title="x")
        db.session.add(link)
        db.session.flush()
        subject = subject_of_path(link.path, "en", {})
        assert (subject.kind, subject.price, subject.title) == ("product", 10000, "Cast iron teapot · Mei's corner")
        with pytest.raises(AccessDenied):
            poster_of(db.session.get(User, other.id), link, subject, "en")
        poster = poster_of(db.session.get(User, sharer.id), link, subject, "zh_Hans")
        assert poster.text.price == "¥100.00" and poster.text.shared_by.startswith("分享")
        # A new price is a new poster; the same contents, the same one.
        assert poster_of(db.session.get(User, sharer.id), link, subject, "zh_Hans").fingerprint == poster.fingerprint
        cheaper = subject_of_path(link.path, "en", {}).__class__(**{**vars(subject), "price": 9000})
        assert poster_of(db.session.get(User, sharer.id), link, cheaper, "zh_Hans").fingerprint != poster.fingerprint
        assert subject_of_path("/shops/nobody", "en", {}) is None
        assert subject_of_path("/p/nothing-here", "en", {}) is None


def test_the_qr_code_encodes_the_link_and_chinese_has_a_font():
    matrix = qr_matrix("http://localhost/s/abcd2345")
    assert matrix.error in ("M", "Q", "H") and not matrix.is_micro  # segno raises the level when it fits
    require(writes_chinese(), "no CJK font: install Debian's fonts-noto-cjk (.ci/run does)")
    assert "CJK" in font("regular", 40).getname()[0]
    face = font("bold", 40)
    assert face.getmask("海报").getbbox() is not None
    assert wrap("一个很长很长的中文标题需要换行才能放得下", face, 300, 2)[-1].endswith("…")
    assert wrap("Cast iron teapot", face, 2000, 2) == ["Cast iron teapot"]


def test_without_a_cjk_font_a_poster_is_still_made_in_the_default_font(ctx, app, tmp_path, monkeypatch):
    from blueprints.media import posters

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    monkeypatch.setattr(posters, "CJK_FONTS", {"bold": [("/nowhere/font.ttc", 2)], "regular": []})
    posters.font.cache_clear()
    try:
        assert not posters.writes_chinese()
        assert posters.font("bold", 40).getname()[0] != "Noto Sans CJK SC"
        text = posters.PosterText("茶壶 Teapot", "¥69.00", None, "Shared by Li", "Scan the code")
        with Image.open(io.BytesIO(posters.draw_poster(None, text, "http://localhost/s/abcd2345"))) as poster:
            assert poster.size == (750, 1200) and decoded_qr(poster) == ["http://localhost/s/abcd2345"]
    finally:
        posters.font.cache_clear()


def test_a_deleted_picture_takes_its_card_with_it(ctx, app, tmp_path):
    from blueprints.media.images import card_image, card_path, delete_image, store_image

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    key = store_image(noisy_photo(300, 200)).key
    assert card_image(key) == card_path(key) and card_path(key).exists()
    delete_image(key)
    assert not card_path(key).exists() and card_image(key) is None
