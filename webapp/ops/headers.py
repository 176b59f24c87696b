"""Security headers on every response, and the sign-in page refusing plain HTTP when the
session cookie can only travel over HTTPS."""
from __future__ import annotations

import hashlib
import os

from flask import Flask, current_app, render_template, request

# No inline script or style anywhere (templates use classes and static/js/); htmx is told not
# to inject its indicator <style> and not to eval (meta htmx-config in base.html).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
HSTS = "max-age=31536000"


def _headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint == "static" and request.args.get("v"):
        # A fingerprinted URL (?v=<content hash>) never changes content: keep it a year, as
        # nginx does, also when the app serves its static files itself.
        headers["Cache-Control"] = "public, max-age=31536000, immutable"
    elif request.endpoint != "static":
        # Pages and downloads carry names: never kept by a shared cache, a proxy or the
        # back button of a shared office PC. Static files keep their own caching.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("ETag", None)
        headers.pop("Last-Modified", None)
    return response


def _https_required():
    """A Secure session cookie is dropped by the browser over HTTP, so signing in would fail
    with "session expired": say what is really wrong instead."""
    if (request.endpoint == "auth.login" and current_app.config.get("SESSION_COOKIE_SECURE")
            and not request.is_secure):
        https_url = "https://" + request.host + request.full_path.rstrip("?")
        return render_template("ops/https_required.html", https_url=https_url), 403
    return None


_versions: dict[str, tuple[float, str]] = {}


def _static_version(endpoint: str, values: dict) -> None:
    """?v=<content hash> on static URLs, so nginx may let browsers keep them for a year."""
    if endpoint != "static" or "filename" not in values or "v" in values:
        return
    path = os.path.join(current_app.static_folder, values["filename"])
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return
    cached = _versions.get(path)
    if cached is None or cached[0] != mtime:
        with open(path, "rb") as fh:
            cached = (mtime, hashlib.sha256(fh.read()).hexdigest()[:10])
        _versions[path] = cached
    values["v"] = cached[1]


def install(app: Flask) -> None:
    app.after_request(_headers)
    # Before Flask-WTF's CSRF check (registered later by the factory), which would answer first.
    app.before_request(_https_required)
    app.url_defaults(_static_version)
