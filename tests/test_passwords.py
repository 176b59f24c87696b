"""New passwords: long enough (a setting), not the username, not the previous password, not a
common one (case and diacritics ignored), with the reason beside the field."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from webapp.auth import passwords
from webapp.auth.models import User
from webapp.extensions import db

COMMON = "Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác."
GOOD = "Rừng-thông-xanh-7"


@pytest.mark.parametrize("password", [
    "matkhau123456", "MatKhau123456", "Mật-Khẩu-2024", "mật khẩu 123456", "123456789abc",
    "qwertyuiop12", "1q2w3e4r5t6y", "Nguyễn Anh 1234", "Trần-Minh@123", "iloveyou2024",
    "Hochiminh2025", "aaaaaaaaaaaaaa", "123456789000", "CôngAnXã1234", "QWERTY123456"])
def test_common_passwords_are_refused_whatever_the_case_and_diacritics(ctx, password):
    assert len(password) >= 12
    assert passwords.problem(password, "canbo") == COMMON


def test_a_good_password_passes(ctx):
    assert passwords.problem(GOOD, "canbo") is None
    assert passwords.problem("mây trắng bay qua đèo 9", "canbo") is None


def test_the_list_is_shipped_with_a_few_thousand_entries_and_matches_its_generator():
    from webapp.auth import make_common_passwords

    listed = passwords.common_passwords()
    assert 3000 <= len(listed) <= 20000
    generated = {passwords.normalise(c) for c in make_common_passwords.candidates()}
    assert listed == {e for e in generated if len(e) >= passwords.MIN_SETTABLE}


def test_length_username_and_previous_password(app, demo):
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        assert passwords.problem("ngắn-quá-1", "xa") == "Mật khẩu phải có ít nhất 12 ký tự."
        assert passwords.problem("x" * 129, "xa") == "Mật khẩu dài tối đa 128 ký tự."
        assert passwords.problem("Can.Bo.Moi.2026", "can.bo.moi.2026") == (
            "Mật khẩu không được trùng với tên đăng nhập.")
        xa.set_password(GOOD)
        assert passwords.problem(GOOD, "xa", xa) == "Mật khẩu mới phải khác mật khẩu đang dùng."


def test_the_minimum_length_is_a_setting(app, demo, login_as):
    from webapp.settings.services import save_settings

    with app.app_context():
        assert save_settings(db.session.get(User, demo["users"]["admin"]),
                             {"password_min_length": "20"}) == {}
        db.session.commit()
    client = login_as("xa")
    page = client.post("/account/password", data={
        "current_password": "demo12345", "new_password": GOOD, "confirm": GOOD})
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and "Mật khẩu phải có ít nhất 20 ký tự." in body
    assert "Ít nhất 20 ký tự" in client.get("/account/password").get_data(as_text=True)


def test_own_change_refuses_a_common_password_beside_the_field(login_as):
    client = login_as("xa")
    page = client.post("/account/password", data={
        "current_password": "demo12345", "new_password": "MatKhau@2024", "confirm": "MatKhau@2024"})
    body = page.get_data(as_text=True)
    assert page.status_code == 400
    assert f'<p class="error" id="new_password-error">{COMMON}</p>' in body


def test_own_change_refuses_the_previous_password(login_as, app, demo):
    client = login_as("xa")
    client.post("/account/password", data={
        "current_password": "demo12345", "new_password": GOOD, "confirm": GOOD})
    page = client.post("/account/password", data={
        "current_password": GOOD, "new_password": GOOD, "confirm": GOOD})
    assert page.status_code == 400
    assert "Mật khẩu mới phải khác mật khẩu đang dùng." in page.get_data(as_text=True)


def test_an_administrator_cannot_create_an_account_whose_password_is_its_username(app, login_as):
    page = login_as("admin").post("/admin/users/new", data={
        "username": "canbo.tanhoa.01", "full_name": "Hà Thị Thu", "role": "commune",
        "unit_code": "99103", "active": "y", "new_password": "CanBo.TanHoa.01",
        "confirm": "CanBo.TanHoa.01"})
    assert page.status_code == 400
    assert "Mật khẩu không được trùng với tên đăng nhập." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "canbo.tanhoa.01")) is None


def test_an_administrators_reset_follows_the_same_rules(app, login_as, demo):
    admin = login_as("admin")
    url = f"/admin/users/{demo['users']['xa']}/password"
    short = admin.post(url, data={"new_password": "dat-lai-123", "confirm": "dat-lai-123"})
    assert short.status_code == 400
    assert "Mật khẩu phải có ít nhất 12 ký tự." in short.get_data(as_text=True)
    common = admin.post(url, data={"new_password": "123456789abc", "confirm": "123456789abc"})
    assert common.status_code == 400 and COMMON in common.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, demo["users"]["xa"]).must_change_password


def test_demo_accounts_keep_their_password(login_as):
    login_as("xa")  # demo12345, set by the demo loader without the policy
