"""Health check, migrations in step with the models, light pages, no personal data in logs."""
from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from webapp import _NoQueryStrings
from webapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_the_migrations_build_exactly_the_schema_the_models_describe(ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_the_first_page_load_stays_small(client):
    page = client.get("/login")
    total = len(gzip.compress(page.data))
    for asset in ["css/app.css", "vendor/htmx.min.js", "js/download.js"]:
        total += len(gzip.compress((ROOT / "static" / asset).read_bytes()))
    assert total < 80 * 1024, total


def test_query_strings_never_reach_the_access_log():
    record = logging.LogRecord("werkzeug", logging.INFO, "", 0, '%s - - "%s" %s',
                               ("127.0.0.1", "GET /persons/?q=nguyen+van+an HTTP/1.1", "200"), None)
    _NoQueryStrings().filter(record)
    assert "nguyen" not in record.getMessage()


def test_pages_with_personal_data_are_not_cached(login_as):
    response = login_as("xa").get("/")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_demo_command_loads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--if-empty"])
    assert "Đã nạp dữ liệu mẫu" in first.output
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0 and "bỏ qua" in second.output
    third = runner.invoke(args=["demo"])
    assert third.exit_code != 0


def test_htmx_restoring_history_after_a_cache_miss_gets_the_whole_page(login_as):
    client = login_as("xa")
    live = client.get("/persons/?q=an", headers={"HX-Request": "true"})
    back = client.get("/persons/?q=an", headers={"HX-Request": "true",
                                                 "HX-History-Restore-Request": "true"})
    assert "<html" not in live.get_data(as_text=True)
    assert "<html" in back.get_data(as_text=True) and 'id="results"' in back.get_data(as_text=True)
    assert "HX-History-Restore-Request" in back.headers["Vary"]


def test_htmx_keeps_no_copy_of_pages_in_the_browser(client):
    """Shared office PCs: no page with names in sessionStorage; Back reloads from the server."""
    import json
    import re

    page = client.get("/login").get_data(as_text=True)
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1))
    assert config["historyCacheSize"] == 0 and config["refreshOnHistoryMiss"] is True
    htmx = (ROOT / "static" / "vendor" / "htmx.min.js").read_text()
    assert "historyCacheSize:" in htmx and "refreshOnHistoryMiss:" in htmx  # the names htmx reads


def test_pages_css_and_js_are_compressed_and_fingerprinted_static_is_kept_a_year(client):
    """Without nginx in front (a trial), the app compresses what it sends itself."""
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    assert page.headers["Cache-Control"] == "no-store"
    import gzip
    assert "<html" in gzip.decompress(page.data).decode()
    html = client.get("/login").get_data(as_text=True)
    import re
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', html).group(1)
    sent = client.get(css, headers={"Accept-Encoding": "br, gzip"})
    assert sent.status_code == 200 and sent.headers["Content-Encoding"] == "br"
    assert sent.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    js = re.search(r'src="(/static/vendor/htmx\.min\.js\?v=[0-9a-f]+)"', html).group(1)
    sent = client.get(js, headers={"Accept-Encoding": "gzip"})
    assert sent.headers["Content-Encoding"] == "gzip" and b"htmx" in gzip.decompress(sent.data)
    assert client.get("/login").headers.get("Content-Encoding") is None  # not asked for


def test_postgresql_connections_start_without_jit(db):
    """JIT compilation once cost ~950 ms on a 20 ms home-page query (see ops/postgresql.py)."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    assert db.session.execute(text("SHOW jit")).scalar() == "off"
