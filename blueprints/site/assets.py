"""Fingerprinted static files: `url_for('static', filename=...)` adds `?v=<content hash>`, and a response
for the current fingerprint may be cached for a year, because a changed file gets a new URL."""
import hashlib
import os

from flask import Flask, request

LONG_CACHE = "public, max-age=31536000, immutable"


def init_assets(app: Flask) -> None:
    fingerprints: dict[str, tuple[int, str]] = {}

    def fingerprint(filename: str) -> str | None:
        # Keyed by modification time, so a file edited while the server runs gets a new URL at once.
        path = os.path.join(app.static_folder, filename)
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            return None
        known = fingerprints.get(filename)
        if known is None or known[0] != mtime:
            with open(path, "rb") as file:
                known = fingerprints[filename] = (mtime, hashlib.sha256(file.read()).hexdigest()[:12])
        return known[1]

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and (version := fingerprint(values.get("filename", ""))):
            values["v"] = version

    @app.after_request
    def cache_fingerprinted(response):
        if (request.endpoint == "static" and response.status_code in (200, 304)
                and request.args.get("v") == fingerprint(request.view_args.get("filename", ""))):
            response.headers["Cache-Control"] = LONG_CACHE
        return response
