"""Signing in: password check, throttling of repeated failures, the sign-in log.

Failures are counted in the sign-in log in the database (not in process memory), so every
gunicorn worker and every server on the same database agrees on them. There is no lock an
attacker could put on someone else's account: wrong passwords refuse the IP they came from,
for that account (`LOGIN_MAX_FAILURES`) or, across accounts, for all (`LOGIN_IP_MAX_FAILURES`);
the owner signing in from their own office is not affected. Unknown and known usernames get
the same answer, counted the same way, after the same password hashing work.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import current_app, request
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import now_utc
from .models import LoginEvent, User

FAILURES = ("bad_password", "unknown_user", "bad_code")  # wrong second-factor codes count too

MESSAGES = {
    "bad_password": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "unknown_user": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "disabled": "Tài khoản đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống.",
    "throttled": "Đăng nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút.",
    "ip_throttled": ("Có quá nhiều lần đăng nhập sai từ máy này. "
                     "Vui lòng thử lại sau {minutes} phút."),
    "demo_refused": "Tài khoản dùng thử không được phép đăng nhập trên hệ thống này.",
    "csrf": "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
    "bad_code": "Mã xác thực không đúng hoặc đã được dùng. Vui lòng nhập mã mới trên ứng dụng.",
    "code_expired": ("Bước nhập mã xác thực đã hết hạn (sau 5 phút) hoặc chưa bắt đầu. "
                     "Vui lòng đăng nhập lại."),
}


@dataclass
class SignIn:
    user: User | None
    outcome: str

    @property
    def ok(self) -> bool:
        return self.outcome == "success"

    @property
    def message(self) -> str:
        minutes = current_app.config["LOGIN_THROTTLE_MINUTES"]
        return MESSAGES.get(self.outcome, "").format(minutes=minutes)


def log_event(username: str, outcome: str, user: User | None = None) -> None:
    db.session.add(LoginEvent(username=username[:50], outcome=outcome,
                              user_id=user.id if user else None, ip=request.remote_addr))


def _window_start():
    return now_utc() - timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])


def failures_for_account_from_ip(username: str, ip: str | None) -> int:
    """Failures for `username` from `ip` within the window, since its last success from there."""
    window_start = _window_start()
    last_success = select(func.max(LoginEvent.at)).where(
        LoginEvent.username == username, LoginEvent.ip == ip,
        LoginEvent.outcome == "success").scalar_subquery()
    return db.session.scalar(
        select(func.count()).select_from(LoginEvent).where(
            LoginEvent.username == username, LoginEvent.ip == ip,
            LoginEvent.outcome.in_(FAILURES), LoginEvent.at >= window_start,
            LoginEvent.at > func.coalesce(last_success, window_start - timedelta(seconds=1))))


def failures_from_ip(ip: str | None) -> int:
    """Failures from `ip` within the window, whatever the account."""
    return db.session.scalar(
        select(func.count()).select_from(LoginEvent).where(
            LoginEvent.ip == ip, LoginEvent.outcome.in_(FAILURES),
            LoginEvent.at >= _window_start()))


def second_step(user: User) -> str | None:
    """What remains after a right password: "code" (enrolled), "enrol" (required), or None."""
    from . import totp

    if user.totp_secret and totp.eligible(user):
        return "code"
    if totp.required(user):
        return "enrol"
    return None


def throttled(username: str) -> str | None:
    """The throttle's outcome for `username` from this IP, or None (the code step uses it)."""
    config = current_app.config
    ip = request.remote_addr
    if failures_from_ip(ip) >= config["LOGIN_IP_MAX_FAILURES"]:
        return "ip_throttled"
    if failures_for_account_from_ip(username, ip) >= config["LOGIN_MAX_FAILURES"]:
        return "throttled"
    return None


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash to check unknown usernames against, so they take as long as known ones."""
    return generate_password_hash("not-a-password", method=method)


def authenticate(username: str, password: str) -> SignIn:
    username = username.strip().lower()
    ip = request.remote_addr
    config = current_app.config
    user = db.session.scalar(select(User).where(User.username == username))
    if failures_from_ip(ip) >= config["LOGIN_IP_MAX_FAILURES"]:
        result = SignIn(user, "ip_throttled")
    elif failures_for_account_from_ip(username, ip) >= config["LOGIN_MAX_FAILURES"]:
        result = SignIn(user, "throttled")
    elif user is None:
        check_password_hash(_dummy_hash(config["PASSWORD_HASH_METHOD"]), password)
        result = SignIn(None, "unknown_user")
    elif not user.check_password(password):
        result = SignIn(user, "bad_password")
    elif not user.active:
        result = SignIn(user, "disabled")
    elif user.is_demo and not config["DEMO"]:
        result = SignIn(user, "demo_refused")
    elif second_step(user):
        # Not signed in yet: "success" (which also clears the failure count) only comes with
        # the code, so guessing codes cannot be spread over fresh password entries.
        result = SignIn(user, "password_ok")
    else:
        user.last_login_at = now_utc()
        result = SignIn(user, "success")
    log_event(username, result.outcome, result.user)
    db.session.commit()
    return result
