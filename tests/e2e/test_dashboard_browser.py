"""The province officer's home page: the charts are drawn, and a district's bar leads to that
district's figures."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from webapp.dashboard.services import window

pytestmark = pytest.mark.e2e


def test_a_province_officer_drills_down_from_a_districts_bar(page, sign_in):
    sign_in(page, "tinh")
    page.goto("/")
    for chart in ("chart-trend", "chart-rehab", "chart-drug", "chart-age", "rank-timely"):
        expect(page.locator(f"svg#{chart}")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Số người trong danh sách quản lý"))).to_be_visible()
    # The numbers behind a chart open as a table.
    page.locator("#chart-trend").locator("xpath=..").get_by_text("Bảng số liệu").click()
    expect(page.locator("#chart-trend-table")).to_be_visible()

    page.locator("svg#rank-timely a", has_text="Huyện Tân Lập").click()
    year, month = window()[-1]
    expect(page).to_have_url(re.compile(rf"/reports/{year:04d}-{month:02d}/991$"))
    expect(page.locator("h1")).to_contain_text("Huyện Tân Lập")
    # Its figures, or the notice that none of its communes' reports is approved yet.
    expect(page.locator("table.figures, #no-approved-data").first).to_be_visible()
