"""Optional TOTP two-factor sign-in for administrators and province officers (auth/totp.py)."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
from sqlalchemy import select

from webapp.auth import totp
from webapp.auth.models import LoginEvent, User, UserSession
from webapp.extensions import db
from webapp.settings.models import Setting


def _user(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def _secret_on(page: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def _enrol(client) -> str:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _secret_on(page)
    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303
    return secret


def _next_code(secret: str) -> str:
    """The code of the next time step (inside the ±1 window): enrolment used the current one."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _signed_in(client) -> bool:
    return client.get("/persons/").status_code == 200


def test_enrolment_shows_the_secret_and_uri_and_needs_a_current_code(app, login_as):
    client = login_as("tinh")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _secret_on(page)
    assert len(secret) == 32
    uri = re.search(r'id="totp-uri">([^<]+)<', page).group(1)
    assert uri.startswith("otpauth://totp/QLCN:tinh?") and f"secret={secret}" in uri
    assert "<img" not in page and "chart.googleapis" not in page  # no external QR service
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400 and "không đúng" in wrong.get_data(as_text=True)
    assert _user(app, "tinh").totp_secret is None
    assert client.post("/account/two-factor",
                       data={"code": pyotp.TOTP(secret).now()}).status_code == 303
    assert _user(app, "tinh").totp_secret == secret
    # Only administrators and province officers have the page.
    assert login_as("xa").get("/account/two-factor").status_code == 403


def test_sign_in_then_needs_the_code_and_a_code_is_never_accepted_twice(app, login_as):
    client = login_as("tinh")
    secret = _enrol(client)
    client.post("/logout")
    step = client.post("/login", data={"username": "tinh", "password": "demo12345"})
    assert step.status_code == 303 and step.headers["Location"].endswith("/login/code")
    assert not _signed_in(client)  # half signed in signs nobody in
    used = pyotp.TOTP(secret).at(_user(app, "tinh").totp_last_step * 30)  # enrolment's code
    assert client.post("/login/code", data={"code": used}).status_code == 401
    code = _next_code(secret)  # the current step was used by the enrolment
    done = client.post("/login/code", data={"code": code})
    assert done.status_code == 303 and _signed_in(client)
    client.post("/logout")
    client.post("/login", data={"username": "tinh", "password": "demo12345"})
    again = client.post("/login/code", data={"code": code})  # the same code: refused
    assert again.status_code == 401 and "đã được dùng" in again.get_data(as_text=True)
    assert not _signed_in(client)
    with app.app_context():
        outcomes = db.session.scalars(select(LoginEvent.outcome).where(
            LoginEvent.username == "tinh").order_by(LoginEvent.id)).all()
    assert outcomes[-3:] == ["logout", "password_ok", "bad_code"]
    assert outcomes.count("bad_code") == 2  # the enrolment's code, then the sign-in's again
    assert "success" in outcomes


def test_codes_match_one_step_either_side_and_a_used_step_or_an_older_one_is_refused(app, demo):
    secret = pyotp.random_base32()
    generator = pyotp.TOTP(secret)
    now = 1_800_000_015.0
    step = int(now // 30)
    for offset in (-1, 0, 1):
        assert totp.matching_step(secret, generator.at((step + offset) * 30), now=now) == \
            step + offset
    for offset in (-2, 2):
        assert totp.matching_step(secret, generator.at((step + offset) * 30), now=now) is None
    assert totp.matching_step(secret, generator.at(step * 30), after=step, now=now) is None
    assert totp.matching_step(secret, "12 34 5x", now=now) is None
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "tinh"))
        user.totp_secret = secret
        db.session.commit()
        assert totp.accept(user, generator.now())
        assert not totp.accept(user, generator.now())  # reused
        assert not totp.accept(user, generator.at(time.time() - 30))  # older than the one used
        db.session.commit()
        assert user.totp_last_step is not None


def test_the_code_step_expires_after_five_minutes(app, login_as):
    client = login_as("tinh")
    secret = _enrol(client)
    client.post("/logout")
    client.post("/login", data={"username": "tinh", "password": "demo12345"})
    with app.app_context():
        row = db.session.scalars(select(UserSession).where(UserSession.pending == "code")).one()
        row.created_at -= timedelta(seconds=totp.PENDING_SECONDS + 1)
        db.session.commit()
    late = client.post("/login/code", data={"code": _next_code(secret)})
    assert late.status_code == 303 and late.headers["Location"].endswith("/login")
    assert "hết hạn" in client.get("/login").get_data(as_text=True)
    assert not _signed_in(client)
    with app.app_context():
        assert db.session.scalars(select(UserSession.end_reason).where(
            UserSession.pending == "code")).one() == "code_expired"


def test_wrong_codes_count_toward_the_sign_in_throttle(app, login_as):
    client = login_as("tinh")
    secret = _enrol(client)
    client.post("/logout")
    client.post("/login", data={"username": "tinh", "password": "demo12345"})
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 401
    # Even the right code is refused now, and the password step is throttled as well.
    refused = client.post("/login/code", data={"code": _next_code(secret)})
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/login")
    assert not _signed_in(client)
    again = client.post("/login", data={"username": "tinh", "password": "demo12345"})
    assert again.status_code == 401 and "sai nhiều lần" in again.get_data(as_text=True)


def test_a_required_role_enrols_at_its_next_sign_in_and_cannot_turn_it_off(app, demo, client,
                                                                         login_as):
    admin = login_as("admin")
    page = admin.get("/admin/settings/").get_data(as_text=True)
    assert 'name="totp_required_roles-province"' in page
    assert 'name="totp_required_roles-commune"' not in page
    from tests.test_settings_page import page_inputs

    inputs = page_inputs(admin) | {"totp_required_roles-province": "1"}
    assert admin.post("/admin/settings/", data=inputs).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Setting.value).where(
            Setting.key == "totp_required_roles")) == ["province"]
    admin.post("/logout")

    step = client.post("/login", data={"username": "tinh", "password": "demo12345"})
    assert step.headers["Location"].endswith("/login/enrol")
    assert not _signed_in(client)
    secret = _secret_on(client.get("/login/enrol").get_data(as_text=True))
    assert client.post("/login/enrol", data={"code": "000000"}).status_code == 401
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 303 and _signed_in(client)
    assert _user(app, "tinh").totp_secret == secret
    off = client.post("/account/two-factor", data={"code": _next_code(secret)})
    assert off.status_code == 400 and _user(app, "tinh").totp_secret == secret
    # Administrators are not in the list: they sign in with the password alone.
    assert login_as("admin").get("/persons/").status_code in (200, 403)


def test_only_administrators_and_province_officers_may_be_required(app, demo):
    from webapp.settings.services import save_settings

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        errors = save_settings(admin, {"totp_required_roles": ["province", "commune"]})
        assert errors == {"totp_required_roles": "Vai trò không hợp lệ."}
        db.session.rollback()


def test_a_user_may_turn_it_off_with_a_current_code(app, login_as):
    client = login_as("tinh")
    secret = _enrol(client)
    assert client.post("/account/two-factor", data={"code": "000000"}).status_code == 400
    assert client.post("/account/two-factor", data={"code": _next_code(secret)}).status_code == 303
    assert _user(app, "tinh").totp_secret is None
    client.post("/logout")
    assert client.post("/login", data={"username": "tinh",
                                       "password": "demo12345"}).headers["Location"] == "/"
