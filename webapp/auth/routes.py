from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..access import public, roles, signed_in
from ..errors import hx_redirect
from ..extensions import db, htmx, login_manager
from ..forms import input_problem
from ..rendering import render
from ..timeutil import now_utc
from . import passwords, sessions, totp
from .forms import ChangePasswordForm, CodeForm, LoginForm
from .models import Role, User
from .services import MESSAGES, SignIn, authenticate, log_event, second_step, throttled

bp = Blueprint("auth", __name__)

NEXT_KEY = "_next"  # where to go once the second step is done
NEW_SECRET_KEY = "_totp_new"  # the secret being enrolled, until its first code is confirmed


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
        if result.outcome == "password_ok":
            # Half signed in, on the server: the code (or the enrolment) is still to come.
            kind = second_step(result.user)
            sessions.start(result.user, pending=kind)
            session[NEXT_KEY] = _local_path(request.args.get("next"))
            db.session.commit()
            return redirect(url_for("auth.login_code" if kind == "code" else "auth.login_enrol"),
                            303)
        error, status = result.message, 401
    elif form.is_submitted():
        status = 400
    return render("auth/login.html", form=form, error=error, status=status)


def login_after_csrf_error(message: str | None = None):
    """An expired or missing CSRF token (or a missing Referer over HTTPS, `message`) on the
    sign-in form: say so, log it, show the form."""
    username = (request.form.get("username") or "").strip().lower()
    if input_problem(username):
        username = ""  # never logged nor shown again: NUL would not even reach PostgreSQL
    log_event(username or "?", "csrf")
    db.session.commit()
    form = LoginForm(formdata=None, username=username)
    return render("auth/login.html", form=form, error=message or MESSAGES["csrf"], status=400)


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


# --- Two-factor sign-in (auth/totp.py) ---------------------------------------------------------

def _finish_sign_in(row, user: User):
    """The second step is done: end the half session and start a real one (new token, CSRF)."""
    target = session.get(NEXT_KEY)
    row.ended_at, row.end_reason = now_utc(), "second_step"
    user.last_login_at = now_utc()
    log_event(user.username, "success", user)
    sessions.start(user)
    db.session.commit()
    login_user(user)
    if user.must_change_password:
        return redirect(url_for("auth.change_password"), 303)
    return redirect(target or url_for("main.home"), 303)


def _pending_or_restart(kind: str):
    state = sessions.pending()
    if state is None or state[0].pending != kind:
        flash(MESSAGES["code_expired"], "warning")
        return None, redirect(url_for("auth.login"), 303)
    return state, None


def _refuse_if_throttled(row, user: User):
    """Too many failures (passwords and codes) for this account or IP: back to the start."""
    outcome = throttled(user.username)
    if outcome is None:
        return None
    log_event(user.username, outcome, user)
    row.ended_at, row.end_reason = now_utc(), outcome[:20]
    db.session.commit()
    session.clear()
    flash(SignIn(user, outcome).message, "error")
    return redirect(url_for("auth.login"), 303)


def _bad_code(user: User) -> str:
    log_event(user.username, "bad_code", user)  # counted by the sign-in throttle
    db.session.commit()
    return MESSAGES["bad_code"]


def _code_step(step: str, template: str, accept, context=lambda user: {}):
    """The second step of signing in: a current code, checked by `accept(user, code)`; wrong
    codes count toward the throttle like wrong passwords."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    state, restart = _pending_or_restart(step)
    if restart:
        return restart
    row, user = state
    form = CodeForm()
    error, status = None, 200
    if form.validate_on_submit():
        refused = _refuse_if_throttled(row, user)
        if refused:
            return refused
        if accept(user, form.code.data):
            return _finish_sign_in(row, user)
        error, status = _bad_code(user), 401
    elif form.is_submitted():
        status = 400
    return render(template, form=form, error=error, status=status, user=user, **context(user))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    return _code_step("code", "auth/code.html", totp.accept)


def _candidate_secret() -> str:
    secret = session.get(NEW_SECRET_KEY)
    if not secret:
        secret = session[NEW_SECRET_KEY] = totp.new_secret()
    return secret


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def login_enrol():
    """Enrolment the settings require for this role, as part of signing in."""
    def enrol(user, code) -> bool:
        if not totp.enrol(user, _candidate_secret(), code):
            return False
        log_event(user.username, "totp_enrolled", user)
        return True

    def context(user) -> dict:
        secret = _candidate_secret()
        return {"secret": totp.spaced(secret), "uri": totp.uri(user, secret),
                "during_sign_in": True}

    return _code_step("enrol", "auth/enrol.html", enrol, context)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@roles(*totp.ELIGIBLE)
def two_factor():
    """The user's own page: turn two-factor sign-in on (secret, URI, a current code) or off."""
    user = current_user._get_current_object()
    form = CodeForm()
    error, status = None, 200
    enrolled = bool(user.totp_secret)
    if form.validate_on_submit():
        if enrolled:
            if totp.required(user):
                error, status = "Vai trò của bạn bắt buộc dùng xác thực hai lớp.", 400
            elif totp.accept(user, form.code.data):
                totp.disable(user)
                log_event(user.username, "totp_disabled", user)
                db.session.commit()
                flash("Đã tắt xác thực hai lớp.", "success")
                return redirect(url_for("auth.two_factor"), 303)
            else:
                error, status = MESSAGES["bad_code"], 400
        elif totp.enrol(user, _candidate_secret(), form.code.data):
            session.pop(NEW_SECRET_KEY, None)
            log_event(user.username, "totp_enrolled", user)
            db.session.commit()
            flash("Đã bật xác thực hai lớp. Từ lần đăng nhập sau, sau mật khẩu sẽ cần mã "
                  "trên ứng dụng.", "success")
            return redirect(url_for("auth.two_factor"), 303)
        else:
            error, status = MESSAGES["bad_code"], 400
    elif form.is_submitted():
        status = 400
    if enrolled:
        return render("auth/two_factor.html", form=form, error=error, status=status,
                      required=totp.required(user))
    secret = _candidate_secret()
    return render("auth/enrol.html", form=form, error=error, status=status, user=user,
                  secret=totp.spaced(secret), uri=totp.uri(user, secret), during_sign_in=False)
