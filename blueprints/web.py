"""HTTP helpers every blueprint shares: page-or-fragment rendering, redirects, safe `next`."""
from urllib.parse import urlsplit

from flask import current_app, make_response, redirect, render_template, request
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException

from extensions import limiter


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    # htmx 4 says "full" when it swaps the whole body (hx-boost, hx-select); a history
    # restore needs the whole page too, not the fragment that was swapped last.
    return (is_htmx() and request.headers.get("HX-Request-Type") != "full"
            and request.headers.get("HX-History-Restore-Request") != "true")


def focus_first_error(form: FlaskForm) -> None:
    """Move the cursor to the first field the user has to fix."""
    for field in form:
        if field.errors:
            field.render_kw = {**(field.render_kw or {}), "autofocus": True}
            return


MAX_ID = 2**31 - 1  # the largest integer column value PostgreSQL stores


def query_int(name: str, default: int | None = None) -> int | None:
    """A whole number from the query string, or `default` if it is missing, bad or too large to be an id."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value <= MAX_ID else default


def render(template: str, *, block: str | None = None, status: int = 200, **context):
    """Render the page, or only its `block` when htmx asks for a fragment of it."""
    for value in context.values():
        if isinstance(value, FlaskForm) and value.errors:
            focus_first_error(value)
    if block and wants_fragment():
        body = render_block(template, block, **context)
        if request.method == "GET":
            # htmx takes a <title> out of the response into document.title, so a fragment fetched for a
            # page's address (a search as you type, pushed to the history) names that page as the page would.
            body += f"\n<title>{render_block(template, 'title', **context).strip()} · Shelfmade</title>"
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.update(("HX-Request", "HX-Request-Type"))
    return response


def see_other(url: str):
    """Redirect after a POST: 303 for a plain form, HX-Redirect for htmx (fetch would follow a 303 silently)."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
    else:
        response = redirect(url, 303)
    response.vary.add("HX-Request")
    return response


def safe_next_url(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: never send a user to another host."""
    if not target or any(ord(ch) < 32 for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def current_page() -> str | None:
    """Where to bring a user back to: this page for a GET, the page the form was on for a POST."""
    if request.method == "GET" and not is_htmx():
        return safe_next_url(request.full_path.rstrip("?"))
    # An htmx request comes from a fragment; the page the user sees is HX-Current-URL.
    referrer = urlsplit((request.headers.get("HX-Current-URL") if is_htmx() else None) or request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next_url(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def answers_get(target: str | None) -> bool:
    """Whether `target`, a path on this site, is a page one can load: a form's POST address is not."""
    if not target:
        return False
    try:
        current_app.url_map.bind(request.host).match(urlsplit(target).path, method="GET")
    except HTTPException:
        return False
    return True


def page_address() -> str | None:
    """The address of the page being shown that a link may send people back to: this page for a GET, or for a
    page shown in answer to a POST (a form sent back with its errors) if its address also answers GET (forms that
    post to their page's address); else the page the form was on, if that answers GET."""
    here = safe_next_url(request.full_path.rstrip("?"))
    if request.method == "GET" or answers_get(here):
        return here
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    address = safe_next_url(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return address if answers_get(address) else None


def show_field_errors(form, errors: dict) -> None:
    """Put a service's {field: message} errors beside the form's fields (or above the form)."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def sends_no_files() -> bool:
    return not any(upload.filename for _name, upload in request.files.items(multi=True))


# Decoding pictures is the costliest work a request can ask of a worker, and it is done whether or not the form
# is then accepted: every post that carries files counts, against one budget per address shared by every form
# that takes pictures (a product's, a prototype's, a shop logo, a return's and a review's photos).
upload_limit = limiter.shared_limit(lambda: current_app.config["UPLOAD_RATE_LIMIT"], scope="uploads",
                                    methods=["POST"], exempt_when=sends_no_files)


def succeeded(response) -> bool:
    """For rate limits on creating things: only what was created counts, not forms sent back to fix."""
    return response.status_code < 400
