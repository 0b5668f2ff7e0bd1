"""The ceiling: a bare Flask + Jinja app that renders the same product page HTML from a dict, with no
database, sessions, CSRF, rate limits or extensions. Whatever the real pages reach is measured against it.

    gunicorn -c gunicorn.conf.py "bench.ceiling:create_app('/tmp/product.html')"   # and /tmp/product.html.json

The template is a product page captured from the real site, with its product fields turned back into
Jinja expressions, so the bytes rendered and escaped are the same.
"""
import json

from flask import Flask, render_template_string
from markupsafe import escape

def template_from(html: str, product: dict) -> str:
    source = "{% raw %}" + html.replace("{%", "{ %").replace("{{", "{ {") + "{% endraw %}"
    for name, value in product.items():
        source = source.replace(str(escape(value)), "{% endraw %}{{ product." + name + " }}{% raw %}")
    return source


def create_app(html_path: str) -> Flask:
    """html_path: the captured page; html_path + '.json': the product's fields as they appear in it."""
    app = Flask(__name__)
    with open(html_path, encoding="utf-8") as file:
        html = file.read()
    with open(html_path + ".json", encoding="utf-8") as file:
        product = json.load(file)
    source = template_from(html, product)

    @app.get("/")
    def page():
        return render_template_string(source, product=product)

    return app
