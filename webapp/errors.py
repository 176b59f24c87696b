"""Friendly Vietnamese error pages; htmx requests are sent where a full page can be shown."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Response, flash, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from .extensions import db, htmx

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không hợp lệ. Vui lòng thử lại."),
    401: ("Chưa đăng nhập", "Vui lòng đăng nhập để tiếp tục."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không có quyền xem trang này."),
    404: ("Không tìm thấy", "Không tìm thấy trang hoặc hồ sơ bạn yêu cầu."),
    405: ("Thao tác không hợp lệ", "Trang này không hỗ trợ thao tác vừa thực hiện."),
    413: ("Tệp quá lớn", "Tệp tải lên vượt quá dung lượng cho phép (20 MB)."),
    500: ("Lỗi hệ thống", "Đã có lỗi xảy ra. Vui lòng thử lại; nếu lỗi lặp lại, báo quản trị."),
}


# Flask-WTF refuses an HTTPS form post whose Referer is missing or from another site.
REFERRER_MESSAGE = ("Trình duyệt không cho biết biểu mẫu được gửi từ trang nào của hệ thống "
                    "(thiếu hoặc sai thông tin Referer). Vui lòng mở lại trang từ địa chỉ của "
                    "hệ thống rồi thực hiện lại; nếu lỗi lặp lại, báo quản trị kiểm tra cài đặt "
                    "trình duyệt hoặc proxy.")


def hx_redirect(url: str, status: int = 200) -> Response:
    """A full-page navigation for htmx (a Location header would be followed inside the XHR)."""
    return Response("", status, headers={"HX-Redirect": url})


def _same_site(url: str | None) -> str | None:
    """The URL if it is on this site; anything pointing elsewhere gives None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != request.host):
        return None
    if not parts.netloc and (not parts.path.startswith("/") or parts.path.startswith("//")):
        return None
    return url


def _page(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    title, message = title or default_title, message or default_message
    if htmx:
        # htmx does not swap error responses: send the browser to a page that can say it.
        flash(message, "error")
        return hx_redirect(_same_site(htmx.current_url) or url_for("main.home"), code)
    try:
        return render_template("errors/error.html", code=code, title=title, message=message), code
    except Exception:  # the page itself needs the database; say it plainly without it
        log.exception("error page could not be rendered")
        return (f"<!doctype html><html lang=vi><meta charset=utf-8><title>{title}</title>"
                f"<h1>{title}</h1><p>{message}</p>", code)


def register(app) -> None:
    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, lambda exc, code=code: _page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        referrer = "referrer" in (exc.description or "").lower()
        if request.endpoint == "auth.login":
            from .auth.routes import login_after_csrf_error

            return login_after_csrf_error(REFERRER_MESSAGE if referrer else None)
        if referrer:  # over HTTPS the form must come from this site's own page
            return _page(400, "Không xác nhận được trang gửi", REFERRER_MESSAGE)
        # Never back to the Referer: a forged cross-site POST must not steer the browser.
        return _page(400, "Phiên làm việc đã hết hạn",
                     "Phiên làm việc đã hết hạn. Vui lòng quay lại trang trước, tải lại trang "
                     "và thực hiện lại thao tác.")

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _page(500)
