"""At the browser: an officer voids a wrongly recorded rehab episode; the report's "Đang cai
nghiện" goes down by one, and the reviewer who clicks that figure sees exactly who is counted."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.treatment import services as treatment
from webapp.units.models import Unit

pytestmark = pytest.mark.e2e
PERIOD = "2026-10"


@pytest.fixture
def two_in_rehab(app, demo):
    """Two addicts of xa's commune in home rehab in October 2026; one was a typing mistake."""
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        ids = {}
        for name in ("Lò Văn Pọm", "Quàng Văn Ún"):
            person = services.save_person(None, {"full_name": name, "sex": "M",
                                                 "birth_year": 1990, "unit": unit,
                                                 "main_drug": "heroin", "ethnicity": "03",
                                                 "occupation_group": "agri"}, xa)
            services.add_event(person, EventKind.DETERMINATION, {
                "event_date": date(2026, 9, 5), "addicted": True, "facility": "TTYT"}, xa)
            data = {"form": "home", "start_date": date(2026, 10, 1)}
            assert treatment.validate_episode(person, data) == {}
            treatment.start_episode(person, data, xa)
            db.session.flush()
            ids[name] = person.id
        db.session.commit()
        return ids


def figure_cell(page, label: str):
    row = page.locator("table.figures tr", has=page.get_by_text(label, exact=True)).first
    return row.locator("td.num").first


def test_a_voided_episode_leaves_the_count_and_the_reviewer_sees_who_is_counted(
        page, sign_in, browser, live_server, two_in_rehab):
    sign_in(page, "xa")
    page.goto(f"/reports/{PERIOD}/99101")
    expect(figure_cell(page, "Đang cai nghiện")).to_have_text("2")

    page.goto(f"/persons/{two_in_rehab['Lò Văn Pọm']}")
    page.locator("#treatment").get_by_role("link", name="Sửa / hủy").click()
    page.get_by_label("Lý do hủy (ghi nhầm)").fill("Ghi nhầm: người này cai nghiện ở xã khác.")
    page.get_by_role("button", name="Hủy mục này (ghi nhầm)").click()
    expect(page.get_by_text("Xác nhận thao tác")).to_be_visible()
    page.get_by_role("button", name="Hủy mục này (ghi nhầm)").click()
    expect(page.get_by_text("Đã hủy đợt cai nghiện (ghi nhầm).")).to_be_visible()
    expect(page.locator("#treatment tr.voided")).to_contain_text("Ghi nhầm: người này")

    page.goto(f"/reports/{PERIOD}/99101")
    expect(figure_cell(page, "Đang cai nghiện")).to_have_text("1")
    page.get_by_label("Kết quả công tác trong tháng").fill("Đã rà soát hồ sơ cai nghiện.")
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.get_by_role("button", name="Gửi báo cáo").click()  # the confirmation step
    expect(page.locator("#report-status")).to_have_text("Đã gửi")

    reviewer = browser.new_context(base_url=live_server).new_page()
    reviewer.on("dialog", lambda dialog: dialog.accept())
    sign_in(reviewer, "huyen")
    reviewer.goto(f"/reports/{PERIOD}/99101")
    figure_cell(reviewer, "Đang cai nghiện").get_by_role("link").click()
    expect(reviewer.get_by_role("heading", name="Đang cai nghiện: 1")).to_be_visible()
    names = reviewer.locator("table.grid tbody td:nth-child(2)")
    expect(names).to_have_text(["Quàng Văn Ún"])
    reviewer.context.close()
