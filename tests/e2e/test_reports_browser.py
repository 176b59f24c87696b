"""The monthly report's round trip at the browser: xa submits, huyen returns it with a
comment, xa fixes and resubmits, huyen approves, the district sees the figures, Excel agrees."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.units.models import Unit

pytestmark = pytest.mark.e2e
PERIOD = "2026-10"


@pytest.fixture
def october_addicts(app, demo):
    """Two addicts determined in October 2026 in xa's commune."""
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        for name, day in (("Lò Văn Pọm", 6), ("Quàng Văn Ún", 20)):
            person = services.save_person(None, {"full_name": name, "sex": "M",
                                                 "birth_year": 1990, "unit": unit,
                                                 "main_drug": "heroin", "ethnicity": "03",
                                                 "occupation_group": "agri"}, xa)
            services.add_event(person, EventKind.DETERMINATION, {
                "event_date": date(2026, 10, day), "addicted": True, "facility": "TTYT"}, xa)
        db.session.commit()


def figure(page, label: str) -> str:
    row = page.locator("table.figures tr", has=page.get_by_text(label, exact=True)).first
    return row.locator("td.num").first.inner_text()


def test_a_report_is_returned_fixed_resubmitted_and_approved(page, sign_in, browser,
                                                              live_server, october_addicts):
    sign_in(page, "xa")
    page.goto(f"/reports/{PERIOD}/99101")
    assert figure(page, "Tổng số người nghiện ma túy") == "2"
    page.get_by_label("Kết quả công tác trong tháng").fill("Đã lập hồ sơ 2 người nghiện.")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Sau khi gửi, số liệu được chốt")).to_be_visible()  # no JS needed
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Đã gửi báo cáo tháng 10/2026.")).to_be_visible()
    expect(page.locator("#report-status")).to_have_text("Đã gửi")

    reviewer = browser.new_context(base_url=live_server).new_page()
    sign_in(reviewer, "huyen")
    reviewer.goto(f"/reports/{PERIOD}/")
    expect(reviewer.locator("#unit-99101")).to_contain_text("Đã gửi")
    reviewer.goto(f"/reports/{PERIOD}/99101")
    reviewer.get_by_role("button", name="Trả lại").click()
    expect(reviewer.get_by_text("Vui lòng ghi ý kiến khi trả lại báo cáo.")).to_be_visible()
    reviewer.get_by_label("Ý kiến (bắt buộc khi trả lại)").fill("Bổ sung khó khăn, vướng mắc.")
    reviewer.get_by_role("button", name="Trả lại").click()
    expect(reviewer.locator("#report-status")).to_have_text("Bị trả lại")

    page.reload()
    expect(page.locator("#report-status")).to_have_text("Bị trả lại")
    expect(page.locator("ol.thread")).to_contain_text("Bổ sung khó khăn, vướng mắc.")
    page.get_by_label("Khó khăn, vướng mắc").fill("Địa bàn rộng, đi lại khó khăn.")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Sau khi gửi, số liệu được chốt")).to_be_visible()  # no JS needed
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.locator("#report-status")).to_have_text("Đã gửi")

    reviewer.goto(f"/reports/{PERIOD}/")
    reviewer.locator("#unit-99101").get_by_role("button", name="Duyệt").click()
    reviewer.get_by_role("button", name="Duyệt").click()  # the confirmation page
    expect(reviewer.locator("#unit-99101")).to_contain_text("Đã duyệt")

    reviewer.goto(f"/reports/{PERIOD}/991")
    assert figure(reviewer, "Tổng số người nghiện ma túy") == "2"
    expect(reviewer.get_by_text("Chưa có báo cáo được duyệt: Xã Mường Lạn")).to_be_visible()

    with reviewer.expect_download() as download:
        reviewer.get_by_role("link", name="Tải Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    sheet = book.worksheets[0]
    header = next(row for row in sheet.iter_rows(values_only=True) if "Chỉ tiêu" in row)
    label, figure_col = header.index("Chỉ tiêu"), header.index("Số liệu")
    values = {row[label].strip(): row[figure_col] for row in sheet.iter_rows(values_only=True)
              if len(row) > figure_col and isinstance(row[label], str)}
    assert values["Tổng số người nghiện ma túy"] == 2
