"""Signed-in sessions that the server can end.

The signed cookie holds the user id (Flask-Login), a random session token and the time of the
last request. The token's hash is a row in `user_sessions`; every request checks that row, so
signing out, a password change or an administrator's reset ends a session on every worker and
server, and a copied cookie stops working. Inactivity is measured from the time in the cookie
(an older copy of the cookie is only staler); the absolute lifetime from the row.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from flask import current_app, g, request, session
from sqlalchemy import select, update

from .. import settings
from ..extensions import db
from ..timeutil import now_utc
from .models import User, UserSession
from .services import log_event

TOKEN_KEY = "_sid"
SEEN_KEY = "_seen"

EXPIRED_MESSAGES = {
    "idle": "Phiên làm việc đã hết hạn do không hoạt động. Vui lòng đăng nhập lại.",
    "expired": "Phiên làm việc đã hết thời hạn. Vui lòng đăng nhập lại.",
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, pending: str | None = None) -> None:
    """A fresh session for `user`: whatever the cookie held before (CSRF token too) is dropped.

    With `pending` ("code" or "enrol") the password was right but the second step is still to
    do: the row signs nobody in (`resume` refuses it) and lapses after PENDING_SECONDS.
    """
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id, created_at=now_utc(),
                               ip=request.remote_addr, pending=pending))
    session[TOKEN_KEY] = token
    session[SEEN_KEY] = int(time.time())


def _current_row() -> UserSession | None:
    token = session.get(TOKEN_KEY)
    if not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))


def _close(query, reason: str) -> None:
    db.session.execute(query.where(UserSession.ended_at.is_(None))
                       .values(ended_at=now_utc(), end_reason=reason))


def end_current(reason: str = "logout") -> None:
    """End this browser's session on the server (the caller commits and clears the cookie)."""
    row = _current_row()
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = now_utc(), reason


def end_all(user: User, reason: str, keep_current: bool = False) -> None:
    """End every open session of `user`, except this browser's when `keep_current`."""
    query = update(UserSession).where(UserSession.user_id == user.id)
    if keep_current:
        row = _current_row()
        if row is not None:
            query = query.where(UserSession.id != row.id)
    _close(query, reason)


def resume(user_id: str) -> User | None:
    """The signed-in user of this request, or None when the session is no longer valid.

    Called by Flask-Login's user loader, once per request.
    """
    row = _current_row()
    if (row is None or row.ended_at is not None or row.pending is not None
            or str(row.user_id) != str(user_id)):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = now_utc()
    seen = session.get(SEEN_KEY)
    reason = None
    if now - row.created_at >= current_app.config["SESSION_ABSOLUTE_LIFETIME"]:
        reason = "expired"
    elif (not isinstance(seen, int)
          or time.time() - seen >= 60 * settings.get("session_idle_minutes")):
        reason = "idle"
    if reason is not None:
        row.ended_at, row.end_reason = now, reason
        log_event(user.username, reason, user)
        db.session.commit()
        session.clear()
        g.session_expired = reason
        return None
    session[SEEN_KEY] = int(time.time())
    return user


def expired_message() -> str | None:
    """Why this request's session was just ended, for the sign-in page."""
    return EXPIRED_MESSAGES.get(g.get("session_expired"))


def pending() -> tuple[UserSession, User] | None:
    """This browser's half-signed-in session and its user, while it is fresh.

    Older than PENDING_SECONDS, it is ended on the server ("code_expired") and None returned.
    """
    from .totp import PENDING_SECONDS

    row = _current_row()
    if row is None or row.ended_at is not None or row.pending is None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if (now_utc() - row.created_at).total_seconds() >= PENDING_SECONDS:
        row.ended_at, row.end_reason = now_utc(), "code_expired"
        log_event(user.username, "code_expired", user)
        db.session.commit()
        session.clear()
        return None
    return row, user
