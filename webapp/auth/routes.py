from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..access import public, signed_in
from ..errors import hx_redirect
from ..extensions import db, htmx, login_manager
from ..forms import input_problem
from ..rendering import render
from . import passwords, sessions
from .forms import ChangePasswordForm, LoginForm
from .models import User
from .services import MESSAGES, authenticate, log_event

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Every request: the session must still be open on the server (see `sessions`)."""
    return sessions.resume(user_id)


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("auth.login", next=_local_path(htmx.current_url if htmx else request.full_path))
    expired = sessions.expired_message()
    if expired:
        flash(expired, "warning")
    if htmx:
        return hx_redirect(target, 401)
    if not expired:
        flash("Vui lòng đăng nhập để tiếp tục.", "info")
    return redirect(target)


def _local_path(url: str | None) -> str | None:
    """Only a path on this site may be a redirect target after sign-in."""
    if not url:
        return None
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or path.startswith("//") or path.rstrip("?") in ("/login", "/"):
        return None
    return path.rstrip("?")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data)
        if result.ok:
            sessions.start(result.user)  # a new session: nothing carried over, new CSRF token
            db.session.commit()
            login_user(result.user)
            if result.user.must_change_password:  # a one-time or reset password
                return redirect(url_for("auth.change_password"), 303)
            return redirect(_local_path(request.args.get("next")) or url_for("main.home"), 303)
        error, status = result.message, 401
    elif form.is_submitted():
        status = 400
    return render("auth/login.html", form=form, error=error, status=status)


def login_after_csrf_error():
    """An expired or missing CSRF token on the sign-in form: say so, log it, show the form."""
    username = (request.form.get("username") or "").strip().lower()
    if input_problem(username):
        username = ""  # never logged nor shown again: NUL would not even reach PostgreSQL
    log_event(username or "?", "csrf")
    db.session.commit()
    form = LoginForm(formdata=None, username=username)
    return render("auth/login.html", form=form, error=MESSAGES["csrf"], status=400)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    log_event(current_user.username, "logout", current_user)
    sessions.end_current("logout")
    db.session.commit()
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Mật khẩu hiện tại không đúng.")
        elif problem := passwords.problem(form.new_password.data, current_user.username,
                                          current_user):
            form.new_password.errors.append(problem)
        else:
            current_user.set_password(form.new_password.data)
            current_user.must_change_password = False
            # Whoever else holds this account's session (another browser, a stolen cookie)
            # is signed out; this browser stays signed in.
            sessions.end_all(current_user, "password", keep_current=True)
            db.session.commit()
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã kết thúc.",
                  "success")
            return redirect(url_for("main.home"), 303)
    return render("auth/password.html", form=form, password_min=passwords.min_length(),
                  status=400 if form.is_submitted() else 200)
