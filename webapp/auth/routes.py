from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_user, logout_user

from ..access import public, signed_in
from ..errors import hx_redirect
from ..extensions import db, htmx, login_manager
from ..rendering import render
from .forms import ChangePasswordForm, LoginForm
from .models import User
from .services import MESSAGES, authenticate, log_event

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("auth.login", next=_local_path(htmx.current_url if htmx else request.full_path))
    if htmx:
        return hx_redirect(target, 401)
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
            login_user(result.user)
            return redirect(_local_path(request.args.get("next")) or url_for("main.home"), 303)
        error, status = result.message, 401
    elif form.is_submitted():
        status = 400
    return render("auth/login.html", form=form, error=error, status=status)


def login_after_csrf_error():
    """An expired or missing CSRF token on the sign-in form: say so, log it, show the form."""
    username = (request.form.get("username") or "").strip().lower()
    log_event(username or "?", "csrf")
    db.session.commit()
    form = LoginForm(formdata=None, username=username)
    return render("auth/login.html", form=form, error=MESSAGES["csrf"], status=400)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    log_event(current_user.username, "logout", current_user)
    db.session.commit()
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Mật khẩu hiện tại không đúng.")
        else:
            current_user.set_password(form.new_password.data)
            current_user.must_change_password = False
            db.session.commit()
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("main.home"), 303)
    return render("auth/password.html", form=form,
                  status=400 if form.is_submitted() else 200)
