"""Full page for a normal request, just the fragment for htmx, decided in one place."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template

from .extensions import htmx


def render(template: str, fragment: str | None = None, /, status: int = 200, **context):
    """Render `template`, or `fragment` when htmx asks.

    A boosted link still gets the page, and so does htmx restoring history after a cache
    miss (Back): it puts the answer in place of the whole body.
    """
    wants_fragment = (fragment is not None and bool(htmx) and not htmx.boosted
                      and not htmx.history_restore_request)
    body = render_template(fragment if wants_fragment else template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    response.vary.add("HX-History-Restore-Request")
    return response


def done(url: str, message: str | None = None, category: str = "success"):
    """After a successful POST: flash, then 303 (for htmx, a full-page navigation)."""
    if message:
        flash(message, category)
    if htmx:
        from .errors import hx_redirect

        return hx_redirect(url)
    return redirect(url, 303)
