"""A commune officer imports an old list from Excel at the browser: a 300-row file with 5 bad
rows shows exactly those 5 errors; the fixed file is confirmed; the persons are found in the
registry by a search without diacritics."""
from __future__ import annotations

import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from webapp.imports import services
from webapp.imports.columns import COLUMNS

pytestmark = pytest.mark.e2e

SURNAMES = ["Lò", "Quàng", "Lường", "Cà", "Tòng", "Điêu"]
GIVEN = ["Pọm", "Ún", "Thanh", "Hặc", "Xôm", "Pánh", "Chăn", "Inh", "Hom", "Bun", "Ngoan",
         "Xuân", "Thoại", "Sơn", "Biến", "Lả", "Ơn", "Khọ", "Chum", "Phiêng", "Lún", "Tiến",
         "Hươn", "Pâng", "Cương", "Dũng", "Hải", "Quyết", "Kim", "Tươi", "Hoan", "Ánh", "Khánh",
         "Ngọc", "Hiên", "Nọi", "Phanh", "Toản", "Xiêng", "Ban", "Thắng", "Hùng", "Tuấn", "Long",
         "Cường", "Tùng", "Hiếu", "Trung", "Quân", "Đạt"]
# line in the sheet → (column key, bad value, good value): one bad cell on each of 5 rows
BAD = {12: ("birth", "31/02/1990", "28/02/1990"), 50: ("sex", "Nan", "Nam"),
       101: ("unit_code", "99999", "99101"), 200: ("determination_date", None, "05/06/2024"),
       299: ("unit_code", "99102", "99101")}


def _rows() -> list[dict]:
    rows = []
    for n in range(300):
        line = n + 2  # the header is line 1
        row = {"full_name": f"{SURNAMES[n // 50]} Văn {GIVEN[n % 50]}", "birth": str(1960 + n % 40),
               "sex": "Nam", "ethnicity": "Thái", "unit_code": "99101", "address": "Bản Mé",
               "status": "Nghi nghiện", "main_drug": "Heroin"}
        if line == 200:
            row["status"] = "Nghiện"  # needs the determination date
        rows.append(row)
    return rows


def _write(path, rows, fixed: bool) -> str:
    book = Workbook()
    ws = book.active
    ws.title = "Danh sách"
    ws.append([c.header for c in COLUMNS])
    for line, row in enumerate(rows, start=2):
        row = dict(row)
        if line in BAD:
            key, bad, good = BAD[line]
            row[key] = good if fixed else bad
        ws.append([row.get(c.key) for c in COLUMNS])
    book.save(path)
    return str(path)


def _upload(page, path: str) -> None:
    page.goto("/imports/")
    page.get_by_label("Tệp Excel đã điền").set_input_files(path)
    page.get_by_role("button", name="Tải lên và kiểm tra").click()


def test_an_officer_imports_a_list_fixes_five_bad_rows_and_finds_the_persons(
        page, sign_in, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 100)  # so that 300 rows take a few progress polls
    monkeypatch.setattr(services, "STEP_SECONDS", 0)  # one chunk per poll, however fast
    rows = _rows()
    sign_in(page, "xa")

    _upload(page, _write(tmp_path / "danh-sach.xlsx", rows, fixed=False))
    expect(page.get_by_text("Đang kiểm tra tệp")).to_be_visible()  # the progress bar polls
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(5)
    expect(page.locator("#count-create")).to_have_text("295")
    expect(page.locator("#count-error")).to_have_text("5")
    texts = errors.all_inner_texts()
    assert [int(re.search(r"Dòng (\d+)", t).group(1)) for t in texts] == sorted(BAD)
    assert "Ngày 31/02/1990 không tồn tại." in texts[0]
    assert "Giới tính phải là “Nam” hoặc “Nữ” (đang ghi “Nan”)." in texts[1]
    assert "Không có xã nào mang mã “99999”" in texts[2]
    assert "Vui lòng nhập ngày xác định nghiện" in texts[3]
    assert "Xã Mường Lạn (mã 99102) không thuộc phạm vi của bạn." in texts[4]
    expect(page.get_by_role("button", name=re.compile("Xác nhận nhập"))).to_have_count(0)

    _upload(page, _write(tmp_path / "danh-sach-da-sua.xlsx", rows, fixed=True))
    expect(page.locator("#count-create")).to_have_text("300")
    expect(page.locator("#import-errors")).to_have_count(0)
    page.get_by_role("button", name="Xác nhận nhập 300 người").click()
    expect(page.get_by_text("Đã nhập 300 người vào danh sách quản lý.")).to_be_visible()

    page.get_by_role("link", name="Xem danh sách đối tượng").click()
    expect(page.locator("#results")).to_contain_text("300 người")
    search = page.get_by_label("Tìm theo họ tên hoặc số định danh")
    for typed, name in (("dieu van dat", "Điêu Văn Đạt"), ("QUANG VAN XOM", "Quàng Văn Xôm")):
        search.fill("")
        search.press_sequentially(typed)
        expect(page.locator("#results")).to_contain_text("1 người")
        # The term typed never goes into the address bar (history of a shared PC).
        expect(page).not_to_have_url(re.compile("q="))
        expect(page.locator("#results tbody tr")).to_have_count(1)
        expect(page.locator("#results tbody")).to_contain_text(name)
