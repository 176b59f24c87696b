"""Signing in: password check, temporary lock after repeated failures, the sign-in log.

Failure counts live in the database (not in process memory), so every gunicorn worker and
every server on the same database agrees on them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import func, select

from ..extensions import db
from ..timeutil import now_utc
from .models import LoginEvent, User

MESSAGES = {
    "bad_password": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "unknown_user": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "disabled": "Tài khoản đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống.",
    "locked": "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau 15 phút.",
    "demo_refused": "Tài khoản dùng thử không được phép đăng nhập trên hệ thống này.",
    "csrf": "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
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
        return MESSAGES.get(self.outcome, "")


def log_event(username: str, outcome: str, user: User | None = None) -> None:
    db.session.add(LoginEvent(username=username[:50], outcome=outcome,
                              user_id=user.id if user else None, ip=request.remote_addr))


def recent_failures(username: str) -> int:
    """Failed attempts within the lock window since the last successful sign-in."""
    window_start = now_utc() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    last_success = select(func.max(LoginEvent.at)).where(
        LoginEvent.username == username, LoginEvent.outcome == "success").scalar_subquery()
    return db.session.scalar(
        select(func.count()).select_from(LoginEvent).where(
            LoginEvent.username == username,
            LoginEvent.outcome == "bad_password",
            LoginEvent.at >= window_start,
            LoginEvent.at > func.coalesce(last_success, window_start - timedelta(seconds=1)),
        )
    )


def authenticate(username: str, password: str) -> SignIn:
    username = username.strip().lower()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        result = SignIn(None, "unknown_user")
    elif recent_failures(username) >= current_app.config["LOGIN_MAX_FAILURES"]:
        result = SignIn(user, "locked")
    elif not user.check_password(password):
        result = SignIn(user, "bad_password")
    elif not user.active:
        result = SignIn(user, "disabled")
    elif user.is_demo and not current_app.config["DEMO"]:
        result = SignIn(user, "demo_refused")
    else:
        user.last_login_at = now_utc()
        result = SignIn(user, "success")
    log_event(username, result.outcome, result.user)
    db.session.commit()
    return result
