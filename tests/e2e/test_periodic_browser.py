"""The half-year report up the tree at the browser: huyen sends Tân Lập's Biểu 03-BCN for the
first half of 2026 (explaining the communes not yet approved), tinh approves it, the province's
Biểu 04-BCN shows it, and its Excel file is headed by the agency of 30/06/2026 (the police)."""
from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.reports.figures import compute
from webapp.reports.models import MonthlySubmission
from webapp.units.models import Unit

pytestmark = pytest.mark.e2e
H1 = "2026-H1"


@pytest.fixture
def approved_months(app, demo):
    """Xã Tân Hòa and Xã Mường Lạn: every month of H1 2026 approved, 3 new persons a month
    between them; Tân Hòa has 4 addicts at the end of June, Mường Lạn none."""
    with app.app_context():
        for code, new, addicts in (("99101", 2, 4), ("99102", 1, 0)):
            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            for month in range(1, 7):
                values = {"flow.new": new, "addicts.total": addicts, "persons.total": addicts,
                          "persons.addict": addicts}
                rows = [[k, label, level, None if v is None else values.get(k, 0)]
                        for k, label, level, v in
                        (r.as_list() for r in compute(unit, 2026, month))]
                db.session.add(MonthlySubmission(unit_id=unit.id, year=2026, month=month,
                                                 status="approved", snapshot=rows))
        db.session.commit()


def cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td, th").all_inner_texts()]


def test_a_district_half_year_report_is_approved_and_reaches_the_province(
        page, sign_in, browser, live_server, approved_months):
    sign_in(page, "huyen")
    page.goto(f"/periodic/{H1}/03-BCN/991")
    expect(page.locator("#incomplete")).to_contain_text("Thị trấn Tân Lập: tháng 01, 02")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("vui lòng ghi giải trình trước khi gửi")).to_be_visible()
    page.get_by_label("Số văn bản").fill("15")
    page.get_by_label("Giải trình khi chưa đủ báo cáo được duyệt").fill(
        "Thị trấn Tân Lập, xã Phiêng Cằm chưa gửi đủ báo cáo tháng.")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Sau khi gửi, số liệu được chốt")).to_be_visible()
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.locator("#report-status")).to_have_text("Đã gửi")

    province = browser.new_context(base_url=live_server, locale="vi-VN").new_page()
    sign_in(province, "tinh")
    province.goto(f"/periodic/{H1}/")
    expect(province.locator("#periodic-03-BCN-991")).to_contain_text("Đã gửi")
    province.locator("#periodic-03-BCN-991").get_by_role("link", name="Huyện Tân Lập").click()
    province.get_by_role("button", name="Duyệt").click()
    province.get_by_role("button", name="Duyệt").click()  # the confirmation page
    expect(province.locator("#report-status")).to_have_text("Đã duyệt")

    province.goto(f"/periodic/{H1}/04-BCN/99")
    row = province.locator("table.periodic-table tbody tr", has_text="Huyện Tân Lập")
    values = cells(row)
    assert values[1] == "Huyện Tân Lập" and values[2] == "4"  # persons at the end of June
    assert values[5] == "18"                                   # new over six months
    expect(province.get_by_text("Xã Mường Lạn (Huyện Tân Lập)")).to_be_visible()

    with province.expect_download() as download:
        province.get_by_role("link", name="Tải Excel").click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).worksheets[0]
    header = [c for row in sheet.iter_rows(max_row=8, values_only=True) for c in row if c]
    assert "CÔNG AN TỈNH MAI SƠN" in header and "BỘ CÔNG AN" in header
    assert "Biểu số 04-BCN" in header
    assert not any("LAO ĐỘNG" in str(c) for c in header)
