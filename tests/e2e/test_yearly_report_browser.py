"""A district officer drafts the yearly report at the browser: opens it from the menu, writes the
situation, saves, types the report's number and downloads the Word document."""
from __future__ import annotations

from datetime import date

import docx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.funding.models import FundingEntry
from webapp.units.models import Unit

pytestmark = pytest.mark.e2e


@pytest.fixture
def spending(app, demo):
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        db.session.add(FundingEntry(unit_id=commune.id, spent_on=date(2025, 5, 12),
                                    amount=65_900_000, source="local", category="stipends",
                                    description="Thù lao tổ công tác"))
        db.session.commit()


def test_a_district_officer_downloads_the_drafted_yearly_report(page, sign_in, spending,
                                                                 tmp_path):
    sign_in(page, "huyen")
    page.get_by_role("link", name="Báo cáo năm").click()
    page.get_by_label("Từ năm").fill("2025")
    page.get_by_label("Đến năm").fill("2025")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Báo cáo năm 2025 — Huyện Tân Lập")).to_be_visible()
    expect(page.get_by_text("Năm 2025: Kinh phí thực hiện công tác cai nghiện ma túy là: "
                            "65.900.000đ, trong đó:")).to_be_visible()

    page.get_by_label("Đặc điểm, tình hình chung của địa phương, đơn vị").fill(
        "Huyện có 18 xã, 01 thị trấn với 177 khối, bản.")
    page.get_by_role("button", name="Lưu nội dung").click()
    expect(page.get_by_text("Đã lưu nội dung báo cáo.")).to_be_visible()

    page.get_by_label("Số báo cáo").fill("125")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải báo cáo (Word)").click()
    download = info.value
    assert download.suggested_filename == "bao-cao-991-2025-2025.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    texts = [p.text for p in docx.Document(path).paragraphs]
    assert "Huyện có 18 xã, 01 thị trấn với 177 khối, bản." in texts
    assert "Năm 2025: Kinh phí thực hiện công tác cai nghiện ma túy là: 65.900.000đ, trong đó:" \
        in texts
    expect(page.get_by_role("link", name="Phụ lục 02 – Kinh phí (Excel)")).to_be_visible()
