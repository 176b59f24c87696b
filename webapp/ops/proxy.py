"""Behind nginx the client's address and scheme arrive in X-Forwarded-* headers.

They are trusted only for the number of proxies configured (PROXY_COUNT; 0 = none), otherwise
anyone could write any address into the sign-in log.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def install(app: Flask) -> None:
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0,
                                x_port=0, x_prefix=0)
