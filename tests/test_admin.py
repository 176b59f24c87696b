"""Admins create, edit, disable accounts and reset passwords, inside their own subtree."""
from __future__ import annotations

from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db

NEW = {"username": "canbo.moi", "full_name": "Hà Thị Thu", "role": "commune",
       "unit_code": "99103", "active": "y", "new_password": "Tam-thoi-Mai-Son-1",
       "confirm": "Tam-thoi-Mai-Son-1"}


def user(app, username):
    with app.app_context():
        found = db.session.scalar(select(User).where(User.username == username))
        if found is not None:
            db.session.expunge(found)
        return found


def test_admin_creates_a_commune_officer_who_must_then_choose_a_password(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data=NEW)
    assert response.status_code == 303
    created = user(app, "canbo.moi")
    assert created.full_name == "Hà Thị Thu" and created.must_change_password
    admin.post("/logout")
    officer = login_as("canbo.moi", "Tam-thoi-Mai-Son-1")
    assert officer.get("/").location == "/account/password"
    officer.post("/account/password", data={"current_password": "Tam-thoi-Mai-Son-1",
                                             "new_password": "Cua-rieng-toi-2026", "confirm": "Cua-rieng-toi-2026"})
    assert officer.get("/").status_code == 200


def test_a_username_can_be_used_once(login_as):
    response = login_as("admin").post("/admin/users/new", data={**NEW, "username": "xa"})
    assert response.status_code == 400
    assert "Tên đăng nhập đã được dùng." in response.get_data(as_text=True)


def test_an_officers_role_must_match_the_tier_of_their_unit(login_as):
    response = login_as("admin").post("/admin/users/new",
                                      data={**NEW, "role": "district", "unit_code": "99103"})
    assert response.status_code == 400
    assert "Vai trò này phải thuộc đơn vị cấp huyện." in response.get_data(as_text=True)


def test_required_fields_are_reported_beside_each_field(login_as):
    response = login_as("admin").post("/admin/users/new", data={"role": "commune"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ["Vui lòng nhập tên đăng nhập.", "Vui lòng nhập họ và tên.",
                    "Vui lòng chọn đơn vị.", "Vui lòng nhập mật khẩu mới."]:
        assert message in body


def test_html_in_a_name_is_shown_escaped(app, login_as):
    admin = login_as("admin")
    admin.post("/admin/users/new", data={**NEW, "full_name": "<script>alert(1)</script>"})
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_disabling_an_account_is_recorded_and_stops_sign_in(app, login_as, demo):
    admin = login_as("admin")
    xa2 = demo["users"]["xa2"]
    response = admin.post(f"/admin/users/{xa2}", data={
        "username": "xa2", "full_name": "Quàng Văn Dũng", "role": "commune", "unit_code": "99102"})
    assert response.status_code == 303
    assert user(app, "xa2").active is False
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "User", AuditEvent.object_id == xa2)
            .order_by(AuditEvent.id)).all()[-1]
        assert entry.changes == {"active": [True, False]}
        assert entry.user_id == demo["users"]["admin"]


def test_an_admin_cannot_disable_themselves(app, login_as, demo):
    admin = login_as("admin")
    response = admin.post(f"/admin/users/{demo['users']['admin']}", data={
        "username": "admin", "full_name": "Quản trị", "role": "admin", "unit_code": "99"})
    assert response.status_code == 400
    assert user(app, "admin").active is True


def test_password_reset_is_audited_without_the_hash(app, login_as, demo):
    admin = login_as("admin")
    xa = demo["users"]["xa"]
    response = admin.post(f"/admin/users/{xa}/password",
                          data={"new_password": "Dat-lai-cho-xa-9", "confirm": "Dat-lai-cho-xa-9"})
    assert response.status_code == 303
    assert user(app, "xa").must_change_password
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "User", AuditEvent.object_id == xa)
            .order_by(AuditEvent.id)).all()[-1]
        assert "password_hash" in entry.changes
        assert "scrypt" not in str(entry.changes) and "pbkdf2" not in str(entry.changes)


def test_the_user_list_searches_as_you_type(login_as):
    admin = login_as("admin")
    fragment = admin.get("/admin/users/?q=huyen", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "huyen2" in body and ">xa<" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    full = admin.get("/admin/users/?q=huyen").get_data(as_text=True)
    assert "<html" in full


def test_a_district_admin_only_manages_accounts_in_their_district(app, login_as, demo):
    admin = login_as("admin")
    admin.post("/admin/users/new", data={**NEW, "username": "qt.huyen", "role": "admin",
                                         "unit_code": "992"})
    admin.post("/logout")
    district_admin = login_as("qt.huyen", "Tam-thoi-Mai-Son-1")
    district_admin.post("/account/password", data={
        "current_password": "Tam-thoi-Mai-Son-1", "new_password": "Qt-huyen-Tan-Lap-5", "confirm": "Qt-huyen-Tan-Lap-5"})
    listing = district_admin.get("/admin/users/").get_data(as_text=True)
    assert "xa3" in listing and ">xa<" not in listing and "huyen2" in listing
    assert district_admin.get(f"/admin/users/{demo['users']['xa']}").status_code == 404
    response = district_admin.post("/admin/users/new", data={**NEW, "username": "x",
                                                             "unit_code": "99101"})
    assert response.status_code in (400, 404)
    assert user(app, "x") is None


def test_sign_in_log_is_visible_to_admins(login_as, client):
    client.post("/login", data={"username": "xa", "password": "sai"})
    page = login_as("admin").get("/admin/sign-ins").get_data(as_text=True)
    assert "Sai mật khẩu" in page


def test_a_unit_outside_the_admins_list_is_refused_in_vietnamese(login_as):
    response = login_as("admin").post("/admin/users/new", data={**NEW, "unit_code": "00001"})
    assert response.status_code == 400
    assert "Giá trị đã chọn không hợp lệ." in response.get_data(as_text=True)


def test_the_audit_log_tells_who_viewed_which_file_without_showing_it(app, login_as, client):
    from webapp.registry import services

    with app.app_context():
        xa = db.session.scalar(select(User).where(User.username == "xa"))
        from webapp.units.models import Unit

        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        person = services.save_person(None, {"full_name": "Lò Văn Pọm", "sex": "M",
                                             "birth_year": 1990, "unit": unit}, xa)
        db.session.commit()
        pid = person.id
    login_as("huyen").get(f"/persons/{pid}")
    client.post("/logout")
    admin = login_as("admin")
    page = admin.get(f"/admin/audit?username=huyen&object_type=Person&action=view").get_data(
        as_text=True)
    assert f"Hồ sơ đối tượng số {pid}" in page and "huyen (Huyện Tân Lập)" in page
    assert "Lò Văn Pọm" not in admin.get("/admin/audit").get_data(as_text=True)
    bad = admin.get("/admin/audit?day_from=31/02/2026&object_id=abc").get_data(as_text=True)
    assert "Ngày 31/02/2026 không tồn tại." in bad and "Số hiệu phải là số." in bad
