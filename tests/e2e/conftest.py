"""Browser tests: real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the
app served by a live server thread on the test database."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class _InFlight:
    """The live server's requests still running: a page's request sent just before its test
    ended (the home page loads its dashboard after itself) must finish before the database
    is emptied for the next test, or its writes land in the emptied tables."""

    def __init__(self, app):
        self.app, self.running = app, 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.running += 1
        try:
            result = self.app(environ, start_response)
            try:
                yield from result
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def wait_idle(self, timeout: float = 15.0) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.running == 0, timeout)


_in_flight: list[_InFlight] = []


@pytest.fixture(scope="session")
def live_server(app):
    counted = _InFlight(app)
    _in_flight.append(counted)
    server = make_server("127.0.0.1", 0, counted, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI and was not found at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, demo, request):
    context = browser.new_context(base_url=live_server, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm: the officer says yes
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        os.makedirs("test-artifacts", exist_ok=True)
        page.screenshot(path=f"test-artifacts/{request.node.name}.png", full_page=True)
    context.close()
    for counted in _in_flight:
        counted.wait_idle()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _sign_in(page, username, password="demo12345"):
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.fixture
def sign_in():
    return _sign_in
