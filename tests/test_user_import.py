"""`flask --app wsgi users import FILE.xlsx`: all or nothing, every bad row by row and column,
one-time passwords printed once and never stored in clear, a change forced at first sign-in."""
from __future__ import annotations

import os
import re
import stat

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from webapp.auth import passwords
from webapp.auth.models import User
from webapp.extensions import db

HEADER = ["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò"]


def _sheet(path, rows, header=HEADER, title_rows=1):
    book = Workbook()
    ws = book.active
    for _ in range(title_rows):
        ws.append(["DANH SÁCH TÀI KHOẢN CÁN BỘ"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _imported(app):
    with app.app_context():
        return {u.username: (u.full_name, u.unit.code, u.role, u.must_change_password)
                for u in db.session.scalars(select(User).where(User.is_demo.is_(False)))}


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=["users", "import", *map(str, args)])


GOOD = [
    ["xa.tanhoa2", "Lường Thị Mai", "99101", "Cán bộ cấp xã"],
    ["Huyen.TanLap2", "Điêu Văn Hùng", 991, "cán bộ cấp huyện"],  # a number; case and no note
    ["tinh.ms2", "Hoàng Văn Tỉnh", "99", "Cán bộ cấp tỉnh"],
]


def test_a_clean_sheet_creates_every_account_with_a_one_time_password(app, demo, client,
                                                                      tmp_path):
    result = _invoke(app, _sheet(tmp_path / "ds.xlsx", GOOD))
    assert result.exit_code == 0, result.output + result.stderr
    assert _imported(app) == {
        "xa.tanhoa2": ("Lường Thị Mai", "99101", "commune", True),
        "huyen.tanlap2": ("Điêu Văn Hùng", "991", "district", True),
        "tinh.ms2": ("Hoàng Văn Tỉnh", "99", "province", True),
    }
    printed = dict(re.findall(r"^  (\S+)\s+(\S+)  ", result.output, re.M))
    assert set(printed) == {"xa.tanhoa2", "huyen.tanlap2", "tinh.ms2"}
    assert len(set(printed.values())) == 3
    with app.app_context():
        for username, password in printed.items():
            assert passwords.problem(password, username) is None  # the policy holds
            stored = db.session.scalar(select(User).where(User.username == username))
            assert password not in stored.password_hash and stored.check_password(password)

    # The first sign-in leads to the change-password page, and nothing else opens until then.
    signed = client.post("/login", data={"username": "xa.tanhoa2",
                                         "password": printed["xa.tanhoa2"]})
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/account/password")
    assert client.get("/persons/").headers["Location"].endswith("/account/password")
    page = client.get("/account/password").get_data(as_text=True)
    assert "mật khẩu tạm thời" in page
    changed = client.post("/account/password", data={
        "current_password": printed["xa.tanhoa2"], "new_password": "Tan-Hoa-rieng-2026",
        "confirm": "Tan-Hoa-rieng-2026"})
    assert changed.status_code == 303
    assert client.get("/persons/").status_code == 200
    assert _imported(app)["xa.tanhoa2"][3] is False


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_created(app, demo, tmp_path):
    rows = [
        ["xa.moi", "Người Mới", "99101", "Cán bộ cấp xã"],              # line 3: fine
        ["xa.sai", "Sai Mã", "12345", "Cán bộ cấp xã"],                 # 4: unknown unit
        ["xa.cap", "Sai Cấp", "991", "Cán bộ cấp xã"],                  # 5: role vs level
        ["xa", "Đã Có", "99101", "Cán bộ cấp xã"],                      # 6: taken
        ["Xã Tân", "Có Dấu", "99101", "Cán bộ cấp xã"],                 # 7: malformed
        ["XA.MOI", "Trùng Tệp", "99102", "Cán bộ cấp xã"],              # 8: duplicate of 3
        ["xa.role", "Vai Trò", "99101", "Quản trị hệ thống"],           # 9: not importable
        ["xa.ten", None, "99101", "Cán bộ cấp xã"],                     # 10: no name
        ["xa.bidi", "Tên\u202eLạ", "99101", "Cán bộ cấp xã"],              # 11: refused character
    ]
    result = _invoke(app, _sheet(tmp_path / "ds.xlsx", rows))
    assert result.exit_code != 0
    errors = result.stderr
    for expected in (
        "Dòng 4, cột C (Mã đơn vị): Không có đơn vị mã “12345”.",
        "Dòng 5, cột D (Vai trò): Vai trò này phải thuộc đơn vị cấp xã.",
        "Dòng 6, cột A (Tên đăng nhập): “xa” đã được dùng.",
        "Dòng 7, cột A (Tên đăng nhập): “xã tân” không hợp lệ",
        "Dòng 8, cột A (Tên đăng nhập): “xa.moi” trùng với dòng 3 trong tệp.",
        "Dòng 9, cột D (Vai trò): “Quản trị hệ thống” không phải vai trò",
        "Dòng 10, cột B (Họ và tên): Chưa nhập họ và tên.",
        "Dòng 11, cột B (Họ và tên):",
    ):
        assert expected in errors, (expected, errors)
    assert "Dòng 3" not in errors.replace("dòng 3 trong", "")
    assert "Không tạo tài khoản nào: 8 lỗi" in errors
    assert _imported(app) == {}


def test_a_sheet_without_the_columns_or_rows_is_refused(app, demo, tmp_path):
    missing = _invoke(app, _sheet(tmp_path / "a.xlsx", [["x.y1", "A", "99101"]],
                                  header=HEADER[:3]))
    assert missing.exit_code != 0 and "Thiếu cột: Vai trò" in missing.stderr
    empty = _invoke(app, _sheet(tmp_path / "b.xlsx", []))
    assert empty.exit_code != 0 and "không có dòng tài khoản nào" in empty.stderr
    (tmp_path / "c.xlsx").write_text("ten;ho ten\n")
    text = _invoke(app, tmp_path / "c.xlsx")
    assert text.exit_code != 0 and "không phải tệp Excel" in text.stderr
    assert _imported(app) == {}


def test_out_writes_the_passwords_to_a_file_only_its_owner_reads(app, demo, tmp_path):
    out = tmp_path / "mat-khau.xlsx"
    result = _invoke(app, _sheet(tmp_path / "ds.xlsx", GOOD[:2]), "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò",
                       "Mật khẩu dùng một lần")
    printed = dict(re.findall(r"^  (\S+)\s+(\S+)  ", result.output, re.M))
    assert {r[0]: r[4] for r in rows[1:]} == printed
    again = _invoke(app, _sheet(tmp_path / "ds2.xlsx", [GOOD[2]]), "--out", out)
    assert again.exit_code != 0 and "đã có" in again.stderr
    assert "tinh.ms2" not in _imported(app)
