"""Signing in and out: messages in Vietnamese, the sign-in log, throttling, cookies."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from webapp.auth.models import LoginEvent, User
from webapp.extensions import db

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def outcomes(app, username):
    with app.app_context():
        return [e.outcome for e in db.session.scalars(
            select(LoginEvent).where(LoginEvent.username == username).order_by(LoginEvent.id))]


def sign_in(client, username, password="demo12345"):
    return client.post("/login", data={"username": username, "password": password})


def test_every_demo_account_signs_in_and_lands_on_home(client, demo):
    for username in ["admin", "tinh", "huyen", "huyen2", "xa", "xa2", "xa3"]:
        response = sign_in(client, username)
        assert response.status_code == 303 and response.location == "/"
        home = client.get("/")
        assert home.status_code == 200
        client.post("/logout")


def test_wrong_password_is_refused_with_a_message_and_logged(app, client, demo):
    response = sign_in(client, "xa", "sai-mat-khau")
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
    assert outcomes(app, "xa") == ["bad_password"]


def test_unknown_user_gets_the_same_message_as_a_wrong_password(app, client, demo):
    response = sign_in(client, "khongco")
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
    assert outcomes(app, "khongco") == ["unknown_user"]


def test_disabled_account_is_refused(app, client, demo):
    with app.app_context():
        db.session.get(User, demo["users"]["xa2"]).active = False
        db.session.commit()
    response = sign_in(client, "xa2")
    assert response.status_code == 401
    assert "Tài khoản đã bị vô hiệu hóa" in response.get_data(as_text=True)
    assert outcomes(app, "xa2") == ["disabled"]


THROTTLED = "Đăng nhập sai nhiều lần. Vui lòng thử lại sau 15 phút."
IP_THROTTLED = "Có quá nhiều lần đăng nhập sai từ máy này. Vui lòng thử lại sau 15 phút."


def sign_in_from(client, ip, username, password="demo12345"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_five_failures_refuse_that_ip_for_that_account_but_not_the_owner_elsewhere(
        app, client, demo):
    for _ in range(5):
        sign_in_from(client, "10.0.0.66", "huyen", "sai")
    refused = sign_in_from(client, "10.0.0.66", "huyen")  # even the right password
    assert refused.status_code == 401 and THROTTLED in refused.get_data(as_text=True)
    assert outcomes(app, "huyen")[-1] == "throttled"
    # The district reviewer at their own office is not locked out by someone else's guesses,
    assert sign_in_from(app.test_client(), "10.0.0.5", "huyen").status_code == 303
    # and the guessing machine may still sign in to another account.
    assert sign_in_from(app.test_client(), "10.0.0.66", "xa").status_code == 303


def test_a_throttled_unknown_username_gets_the_same_answer_as_a_known_one(app, client, demo):
    for username in ("huyen", "khongco"):
        for _ in range(5):
            sign_in_from(client, "10.0.0.66", username, "sai")
    known = sign_in_from(client, "10.0.0.66", "huyen", "sai").get_data(as_text=True)
    unknown = sign_in_from(client, "10.0.0.66", "khongco", "sai").get_data(as_text=True)
    assert THROTTLED in known and THROTTLED in unknown
    assert outcomes(app, "khongco")[-1] == outcomes(app, "huyen")[-1] == "throttled"


def test_many_failures_from_one_ip_across_accounts_refuse_that_ip(app, client, demo):
    limit = app.config["LOGIN_IP_MAX_FAILURES"]
    for i in range(limit):
        sign_in_from(client, "10.0.0.66", f"doan-{i}", "sai")
    refused = sign_in_from(client, "10.0.0.66", "xa")
    assert refused.status_code == 401 and IP_THROTTLED in refused.get_data(as_text=True)
    assert outcomes(app, "xa") == ["ip_throttled"]
    assert sign_in_from(app.test_client(), "10.0.0.7", "xa").status_code == 303


def test_the_refusal_ends_when_the_failures_are_older_than_the_window(app, client, demo):
    from datetime import timedelta

    for _ in range(5):
        sign_in_from(client, "10.0.0.66", "xa", "sai")
    assert sign_in_from(client, "10.0.0.66", "xa").status_code == 401
    with app.app_context():
        for event in db.session.scalars(select(LoginEvent)):
            event.at -= timedelta(minutes=16)
        db.session.commit()
    assert sign_in_from(client, "10.0.0.66", "xa").status_code == 303


def test_an_unknown_username_costs_a_password_hash_like_a_known_one(client, demo, monkeypatch):
    from webapp.auth import models, services

    checked = []

    def counting(real):
        def check(hash_, password):
            checked.append(password)
            return real(hash_, password)
        return check

    monkeypatch.setattr(services, "check_password_hash", counting(services.check_password_hash))
    monkeypatch.setattr(models, "check_password_hash", counting(models.check_password_hash))
    sign_in(client, "khongco", "sai-1")
    sign_in(client, "xa", "sai-2")
    assert checked == ["sai-1", "sai-2"]


def test_four_failures_do_not_lock(app, client, demo):
    for _ in range(4):
        sign_in(client, "xa", "sai")
    assert sign_in(client, "xa").status_code == 303


def test_a_successful_sign_in_resets_the_failure_count(app, client, demo):
    for _ in range(4):
        sign_in(client, "xa", "sai")
    assert sign_in(client, "xa").status_code == 303
    client.post("/logout")
    for _ in range(4):
        sign_in(client, "xa", "sai")
    assert sign_in(client, "xa").status_code == 303


def test_demo_accounts_are_refused_when_demo_is_off(app, client, demo):
    app.config["DEMO"] = False
    try:
        response = sign_in(client, "tinh")
    finally:
        app.config["DEMO"] = True
    assert response.status_code == 401
    assert outcomes(app, "tinh") == ["demo_refused"]


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_expired_csrf_token_on_sign_in_says_so_and_is_logged(app, client, demo, csrf_on):
    response = client.post("/login", data={"username": "xa", "password": "demo12345",
                                           "csrf_token": "expired-token"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại." in body
    assert 'name="password"' in body and "Traceback" not in body
    assert outcomes(app, "xa") == ["csrf"]


def test_sign_in_works_with_the_token_from_the_form(client, demo, csrf_on):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "xa", "password": "demo12345",
                                           "csrf_token": token})
    assert response.status_code == 303


def test_an_https_sign_in_without_a_referer_says_what_is_missing_not_expired(client, demo,
                                                                            csrf_on):
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", base_url="https://localhost", data={
        "username": "xa", "password": "demo12345", "csrf_token": token})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "thiếu hoặc sai thông tin Referer" in body and "đã hết hạn" not in body
    assert client.post("/login", base_url="https://localhost", data={
        "username": "xa", "password": "demo12345", "csrf_token": token},
        headers={"Referer": "https://localhost/login"}).status_code == 303


def test_htmx_posts_without_the_csrf_header_are_refused(app, login_as):
    client = login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/logout", headers={"HX-Request": "true"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "HX-Redirect" in response.headers


def test_base_template_sends_the_csrf_token_on_every_htmx_request(login_as):
    page = login_as("xa").get("/").get_data(as_text=True)
    assert "hx-headers='{\"X-CSRFToken\":" in page


def test_session_cookie_is_httponly_and_samesite(client, demo):
    response = sign_in(client, "xa")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_is_a_post_and_ends_the_session(app, login_as):
    client = login_as("huyen")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 303 and response.location == "/login"
    assert client.get("/").status_code == 302
    assert outcomes(app, "huyen") == ["success", "logout"]


def test_after_sign_in_the_user_returns_to_the_page_they_asked_for(client, demo):
    response = client.get("/units/")
    assert response.status_code == 302 and "next=/units/" in response.location
    response = client.post("/login?next=/units/", data={"username": "xa",
                                                       "password": "demo12345"})
    assert response.location == "/units/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_sign_in_never_redirects_off_site(client, demo, target):
    response = client.post(f"/login?next={target}", data={"username": "xa",
                                                          "password": "demo12345"})
    assert response.location == "/"


def test_a_disabled_users_open_session_ends_at_the_next_request(app, login_as, demo):
    client = login_as("xa")
    with app.app_context():
        db.session.get(User, demo["users"]["xa"]).active = False
        db.session.commit()
    assert client.get("/").status_code == 302


def test_change_own_password(login_as, client):
    login_as("xa3")
    bad = client.post("/account/password", data={"current_password": "sai",
                                                 "new_password": "Rừng-thông-xanh-7", "confirm": "Rừng-thông-xanh-7"})
    assert bad.status_code == 400 and "Mật khẩu hiện tại không đúng." in bad.get_data(as_text=True)
    short = client.post("/account/password", data={"current_password": "demo12345",
                                                   "new_password": "ngan-qua", "confirm": "ngan-qua"})
    assert "Mật khẩu phải có ít nhất 12 ký tự." in short.get_data(as_text=True)
    mismatch = client.post("/account/password", data={"current_password": "demo12345",
                                                      "new_password": "Rừng-thông-xanh-7", "confirm": "khac-han"})
    assert "Hai lần nhập mật khẩu không khớp." in mismatch.get_data(as_text=True)
    ok = client.post("/account/password", data={"current_password": "demo12345",
                                                "new_password": "Rừng-thông-xanh-7", "confirm": "Rừng-thông-xanh-7"})
    assert ok.status_code == 303
    client.post("/logout")
    assert sign_in(client, "xa3").status_code == 401
    assert sign_in(client, "xa3", "Rừng-thông-xanh-7").status_code == 303
