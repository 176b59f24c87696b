"""Running the app for real: configuration checks, HTTP headers, the proxy, logging, SQLite
settings and the operators' commands (`users create-admin`, `backup`, `restore`).

`register(app)` is called once by the factory, right after the configuration is loaded.
"""
from __future__ import annotations

from flask import Flask

from ..config import check_production
from . import cli, headers, logs, postgresql, proxy, sqlite


def register(app: Flask) -> None:
    if app.config.get("PRODUCTION"):
        check_production(app.config)
    sqlite.install()
    postgresql.install()
    proxy.install(app)
    logs.install(app)
    headers.install(app)
    cli.install(app)
