"""Sessions end when they should: sign-out, a password change, inactivity, the absolute lifetime.

A session is a row on the server; the cookie only points at it, so a copied cookie is worth
nothing once the session has ended.
"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from webapp.auth.models import LoginEvent, User, UserSession
from webapp.extensions import db

IDLE = "Phiên làm việc đã hết hạn do không hoạt động"
NEW_PASSWORD = "Rừng-thông-xanh-7"


def copy_of(app, client):
    """Another browser holding the same session cookie (a stolen or copied cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def sent_to_sign_in(client, path="/") -> bool:
    response = client.get(path)
    return response.status_code == 302 and response.location.startswith("/login")


def test_a_copied_session_cookie_stops_working_after_sign_out(app, login_as):
    client = login_as("huyen")
    thief = copy_of(app, client)
    assert signed_in(thief)  # the copy works while the session is open
    stale = copy_of(app, client)
    client.post("/logout")
    assert sent_to_sign_in(thief)
    assert sent_to_sign_in(stale)
    with app.app_context():
        assert db.session.scalars(select(UserSession.end_reason)).all() == ["logout"]


def test_signing_out_ends_only_this_browsers_session(app, login_as, demo):
    office = login_as("huyen")
    home = app.test_client()
    home.post("/login", data={"username": "huyen", "password": "demo12345"})
    office.post("/logout")
    assert signed_in(home)


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, login_as):
    client = login_as("xa")
    other = app.test_client()
    assert other.post("/login", data={"username": "xa", "password": "demo12345"}).status_code == 303
    response = client.post("/account/password", data={
        "current_password": "demo12345", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(client)
    assert sent_to_sign_in(other)


def test_an_administrators_reset_ends_every_session_of_the_account(app, login_as, demo):
    officer = app.test_client()
    officer.post("/login", data={"username": "xa", "password": "demo12345"})
    assert signed_in(officer)
    admin = login_as("admin")
    response = admin.post(f"/admin/users/{demo['users']['xa']}/password",
                          data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert sent_to_sign_in(officer)
    assert signed_in(admin)


def idle_for(client, minutes: int) -> None:
    with client.session_transaction() as session:
        session["_seen"] = int(time.time()) - minutes * 60


def test_an_idle_session_is_sent_to_sign_in_with_a_message(app, login_as):
    client = login_as("xa")
    idle_for(client, 29)
    assert signed_in(client)  # and the request counts as activity
    idle_for(client, 31)
    response = client.get("/persons/")
    assert response.status_code == 302 and "/login" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert IDLE in page
    assert sent_to_sign_in(client)  # the session is gone, not just refused once
    with app.app_context():
        outcomes = db.session.scalars(select(LoginEvent.outcome).order_by(LoginEvent.id)).all()
        assert outcomes[-1] == "idle"
        assert db.session.scalars(select(UserSession.end_reason)).all() == ["idle"]


def test_an_idle_htmx_request_gets_401_and_hx_redirect(login_as):
    client = login_as("xa")
    idle_for(client, 31)
    response = client.get("/persons/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]
    assert IDLE in client.get("/login").get_data(as_text=True)


def test_the_inactivity_timeout_is_a_setting(app, login_as, demo):
    from webapp.settings.services import save_settings

    with app.app_context():
        assert save_settings(db.session.get(User, demo["users"]["admin"]),
                             {"session_idle_minutes": "60"}) == {}
        db.session.commit()
    client = login_as("xa")
    idle_for(client, 45)
    assert signed_in(client)


def test_a_session_ends_after_its_absolute_lifetime_however_active(app, login_as):
    client = login_as("xa")
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        row.created_at -= app.config["SESSION_ABSOLUTE_LIFETIME"] + timedelta(minutes=1)
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert "Phiên làm việc đã hết thời hạn" in client.get(response.location).get_data(as_text=True)


def test_signing_in_starts_a_fresh_session(app, client, demo):
    with client.session_transaction() as session:
        session["csrf_token"] = "planted-by-someone"
        session["_sid"] = "planted-token"
        session["leftover"] = 1
    client.post("/login", data={"username": "xa", "password": "demo12345"})
    with client.session_transaction() as session:
        assert "leftover" not in session and "csrf_token" not in session
        assert session["_sid"] != "planted-token"


def test_a_cookie_without_an_open_session_on_the_server_is_not_signed_in(app, client, demo):
    with client.session_transaction() as session:
        session["_user_id"] = str(demo["users"]["admin"])  # forged or from before sessions
        session["_fresh"] = True
    assert sent_to_sign_in(client)
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "HX-Redirect" in response.headers
