"""Log lines with a timestamp, the level and the request's id; never a query string.

The id comes from nginx (X-Request-ID, `$request_id`) when it looks like one, else it is made
here; it is sent back in X-Request-ID so a user's report of an error can be found in the log.
"""
from __future__ import annotations

import logging
import re
import sys
import uuid

from flask import Flask, g, has_request_context, request

FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_QUERY = re.compile(r"\?[^\s\"']*")


class RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = (g.get("request_id", "-") if has_request_context() else "-")
        return True


class NoQueryStrings(logging.Filter):
    """Search terms are names: whatever logs a URL, its query string is cut."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub("?…", message), None
        return True


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (journald under systemd)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr


def handler(stream=None) -> logging.Handler:
    h = logging.StreamHandler(stream) if stream is not None else _Stderr()
    h.setFormatter(logging.Formatter(FORMAT))
    h.addFilter(RequestId())
    h.addFilter(NoQueryStrings())
    h._webapp = True  # type: ignore[attr-defined]
    return h


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex


def _send_request_id(response):
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    return response


def install(app: Flask) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_webapp", False) for h in root.handlers):
        root.addHandler(handler())
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_assign_request_id)
    app.after_request(_send_request_id)
