"""Confirmation before an irreversible-looking action, with and without JavaScript.

A form for such an action carries `hx-confirm` and `hx-vals='{"confirmed": "1"}'`: with htmx the
browser asks, then sends `confirmed=1`. Without JavaScript the form posts without it, and the
view answers with a confirmation page that repeats the posted fields plus `confirmed=1`.
"""
from __future__ import annotations

from flask import request

from .rendering import render


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def ask(question: str, back: str, button: str = "Xác nhận"):
    """The page asking to confirm the POST just received (its fields resent as they were)."""
    fields = [(k, v) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", "confirmed")]
    return render("confirm.html", question=question, action=request.path, fields=fields,
                  back=back, button=button)
