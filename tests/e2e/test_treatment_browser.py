"""At the browser: a voluntary home rehab is started, completed, the suggested post-rehab
management confirmed, and the commune's quota progress for that form goes up by one."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.plans.models import Quota
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.units.models import Unit

pytestmark = pytest.mark.e2e
YEAR = today_local().year


@pytest.fixture
def addict_with_quota(app, demo):
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        person = services.save_person(None, {"full_name": "Cà Văn Thanh", "sex": "M",
                                             "birth_year": 1988, "unit": unit}, xa)
        services.add_event(person, EventKind.DETERMINATION, {
            "event_date": date(YEAR, 1, 10), "addicted": True, "facility": "TTYT"}, xa)
        db.session.add(Quota(year=YEAR, unit_id=unit.id, form="home", amount=4))
        db.session.commit()
        return person.id


def home_progress(page) -> str:
    page.goto(f"/plans/quotas?year={YEAR}")
    return page.locator("table.grid tbody tr").first.locator("td.num").first.inner_text()


def test_a_completed_home_rehab_opens_post_rehab_and_counts_toward_the_quota(
        page, sign_in, addict_with_quota):
    sign_in(page, "xa")
    assert home_progress(page) == "0/4 (0%)"

    page.goto(f"/persons/{addict_with_quota}")
    page.get_by_text("+ Ghi đợt cai nghiện mới").click()
    form = page.locator("#treatment details[open] form")
    form.get_by_label("Hình thức").select_option(label="Cai nghiện tự nguyện tại gia đình")
    form.get_by_label("Ngày bắt đầu").fill(f"01/02/{YEAR}")
    form.get_by_role("button", name="Lưu đợt cai nghiện").click()
    expect(page.locator("#treatment")).to_contain_text("Đang cai nghiện")

    page.get_by_text("Ghi kết thúc đợt").click()
    form = page.locator("#treatment details[open] form")
    form.get_by_label("Ngày kết thúc").fill(f"01/08/{YEAR}")
    form.get_by_label("Kết quả").select_option(label="Hoàn thành")
    form.get_by_role("button", name="Lưu kết thúc").click()
    expect(page.get_by_text("Đã đề xuất quản lý sau cai")).to_be_visible()

    term = page.locator("#treatment .term.suggested form").first
    term.get_by_label("Số quyết định (Mẫu 51)").fill("45/QĐ-UBND")
    term.get_by_label("Ngày quyết định").fill(f"05/08/{YEAR}")
    term.get_by_label("Người ký").fill("Chủ tịch UBND xã Tân Hòa")
    term.get_by_role("button", name="Xác nhận quyết định").click()
    expect(page.locator("#treatment h2")).to_contain_text("Đang quản lý sau cai")

    assert home_progress(page) == "1/4 (25%)"
