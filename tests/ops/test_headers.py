"""Security headers, no inline script or style, the proxy, request ids and log lines, the
sign-in page over plain HTTP, CSRF failures, gunicorn's Server header."""
from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from webapp.auth.models import LoginEvent
from webapp.extensions import db
from webapp.ops import logs, proxy

ROOT = Path(__file__).resolve().parents[2]


def test_every_response_carries_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_hsts_only_when_the_request_came_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("url", ["/", "/persons/", "/persons/export.xlsx", "/stats/export.xlsx",
                                 "/reports/2024-01/", "/nowhere"])
def test_pages_and_downloads_of_signed_in_users_are_never_stored(login_as, url):
    response = login_as("xa").get(url)
    assert response.headers["Cache-Control"] == "no-store", url
    assert "ETag" not in response.headers


def test_static_files_keep_their_caching_and_carry_a_version(client):
    page = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', page)
    assert css, "static URLs carry a content version so they can be cached for long"
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _templates():
    return sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_style_or_handlers(template):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text, "inline <style>"
    assert not re.search(r"\sstyle\s*=", text), "style= attribute"
    assert not re.search(r"\son[a-z]+\s*=", text, re.I), "on…= handler"
    assert "hx-on" not in text and "javascript:" not in text


def test_htmx_is_told_not_to_inject_styles_nor_to_eval(client):
    page = client.get("/login").get_data(as_text=True)
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1))
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    assert config["historyCacheSize"] == 0 and config["refreshOnHistoryMiss"] is True
    htmx = (ROOT / "static" / "vendor" / "htmx.min.js").read_text()
    assert "includeIndicatorStyles:" in htmx and "allowEval:" in htmx  # the names htmx reads


def _sign_in_ip(app, username):
    with app.app_context():
        return db.session.scalar(db.select(LoginEvent.ip).where(LoginEvent.username == username)
                                 .order_by(LoginEvent.id.desc()))


def test_behind_one_proxy_the_sign_in_log_has_the_real_client_address(app, client, demo,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "PROXY_COUNT", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back after the test
    proxy.install(app)
    client.post("/login", data={"username": "xa", "password": "demo12345"},
                headers={"X-Forwarded-For": "10.1.2.3"})
    assert _sign_in_ip(app, "xa") == "10.1.2.3"


def test_without_a_proxy_a_forwarded_address_is_not_believed(app, client, demo):
    assert app.config["PROXY_COUNT"] == 0
    client.post("/login", data={"username": "xa", "password": "demo12345"},
                headers={"X-Forwarded-For": "10.1.2.3"})
    assert _sign_in_ip(app, "xa") == "127.0.0.1"


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_a_csrf_failure_never_redirects_to_the_referer(app, login_as, monkeypatch):
    client = login_as("xa")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/logout", headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 400 and "Location" not in response.headers
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    htmx = client.post("/logout", headers={"HX-Request": "true", "Referer": "https://evil.example/",
                                           "HX-Current-URL": "https://evil.example/x"})
    assert htmx.status_code == 400 and "evil" not in htmx.headers["HX-Redirect"]
    here = client.post("/logout", headers={"HX-Request": "true",
                                           "HX-Current-URL": "http://localhost/persons/"})
    assert here.headers["HX-Redirect"] == "http://localhost/persons/"


def test_over_plain_http_with_secure_cookies_the_sign_in_page_asks_for_https(
        app, client, demo, csrf_on, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    page = client.get("/login")
    assert page.status_code == 403 and "HTTPS" in page.get_data(as_text=True)
    assert 'href="https://localhost/login"' in page.get_data(as_text=True)
    # The cookie never came back, so the token fails: still HTTPS, not "session expired".
    posted = client.post("/login", data={"username": "xa", "password": "demo12345"})
    assert "HTTPS" in posted.get_data(as_text=True)
    assert "hết hạn" not in posted.get_data(as_text=True)
    secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200 and 'name="password"' in secure.get_data(as_text=True)


def test_every_response_has_a_request_id_and_a_valid_one_from_nginx_is_kept(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    kept = client.get("/healthz", headers={"X-Request-ID": "4f6c0d2a9e1b4c3d"})
    assert kept.headers["X-Request-ID"] == "4f6c0d2a9e1b4c3d"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def test_log_lines_have_time_level_request_id_and_no_query_string(app):
    stream = io.StringIO()
    handler = logs.handler(stream)
    log = logging.getLogger("webapp.test_ops")
    log.addHandler(handler)
    try:
        with app.test_request_context("/persons/?q=nguyen+van+an",
                                      headers={"X-Request-ID": "abcdef0123456789"}):
            app.preprocess_request()
            log.warning("slow page %s", "/persons/?q=nguyen+van+an")
    finally:
        log.removeHandler(handler)
    line = stream.getvalue()
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING \[abcdef0123456789\] ", line)
    assert "nguyen" not in line and "/persons/?…" in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_does_not_announce_itself():
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1"}
    env.pop("TEST_DATABASE_URL", None)  # an in-memory database is enough for /healthz
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "webapp:create_app('test')"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + server.stderr.read1().decode())
        server_header = response.headers.get("Server", "")
        assert "gunicorn" not in server_header.lower() and not re.search(r"\d", server_header)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.terminate()
        server.wait(timeout=10)
