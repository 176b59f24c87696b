"""The December report's funding comes from the spending entries; a typed value stays only for
a source without entries, and the page says which is which."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from webapp.extensions import db
from webapp.funding.models import FundingEntry
from webapp.reports import services as reports
from webapp.units.models import Unit


def unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def add(code, day, amount, source="local"):
    db.session.add(FundingEntry(unit_id=unit(code).id, spent_on=day, amount=amount,
                                source=source, category="stipends", description="Thù lao"))


def test_the_december_report_takes_the_years_entries_and_keeps_a_typed_value_elsewhere(
        app, login_as):
    client = login_as("xa")
    with app.app_context():
        add("99101", date(2025, 3, 1), 20_000_000)
        add("99101", date(2025, 11, 30), 1_500_000)
        add("99101", date(2024, 12, 31), 9_000_000)   # last year: not counted
        add("99102", date(2025, 5, 1), 7_000_000)     # the neighbour's: not counted
        db.session.commit()
    page = client.get("/reports/2025-12/99101").get_data(as_text=True)
    assert re.search(r'<input type="text" id="funding_local" value="21.500.000" readonly', page)
    assert "Tính từ 2 khoản chi" in page
    assert 'name="funding_contribution"' in page and "Nhập tay: chưa có khoản chi" in page

    response = client.post("/reports/2025-12/99101/save", data={
        "work_done": "Tổng kết năm", "staff_count": "3", "funding_local": "1",
        "funding_contribution": "2.000.000", "funding_other": ""})
    assert response.status_code == 303
    with app.app_context():
        sub = reports.submission_for(unit("99101"), 2025, 12)
        assert (sub.funding_local, sub.funding_contribution, sub.funding_other) == (
            21_500_000, 2_000_000, None)


def test_a_districts_december_funding_is_its_subtrees(app, login_as):
    with app.app_context():
        add("99101", date(2025, 3, 1), 20_000_000)
        add("991", date(2025, 6, 1), 5_000_000, source="other")
        db.session.commit()
        from webapp.funding.services import year_end_amounts

        assert year_end_amounts(unit("991"), 2025) == {"funding_local": (20_000_000, 1),
                                                       "funding_other": (5_000_000, 1)}
    # A parent's December section is summed, never typed: the entries give its funding.
    page = login_as("huyen").get("/reports/2025-12/991").get_data(as_text=True)
    assert "ngân sách địa phương 20.000.000đ" in page and "nguồn khác 5.000.000đ" in page
    assert "sổ kinh phí" in page


def test_months_other_than_december_show_no_funding(app, login_as):
    with app.app_context():
        add("99101", date(2025, 3, 1), 20_000_000)
        db.session.commit()
    page = login_as("xa").get("/reports/2025-11/99101").get_data(as_text=True)
    assert "funding_local" not in page
