"""A commune officer at the browser: register a person, find them as they type, record a
determination, and see the state become "addict"."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from webapp.timeutil import today_local

pytestmark = pytest.mark.e2e


def test_an_officer_registers_finds_and_determines_a_person(page, sign_in):
    sign_in(page, "xa")
    page.get_by_role("navigation").get_by_role("link", name="Danh sách đối tượng").click()
    page.get_by_role("link", name="+ Thêm hồ sơ").click()

    # A first try with a mistake: the error appears beside the field, without a page reload.
    page.evaluate("window.__same_page = true")
    page.get_by_label("Họ và tên").fill("Quàng Văn Ún")
    page.get_by_label("Giới tính").select_option(label="Nam")
    page.get_by_label("Ngày sinh hoặc năm sinh").fill("31/02/1990")
    page.get_by_label("Dân tộc").select_option(label="Thái")
    page.get_by_label("Loại ma túy sử dụng chính").select_option(label="Heroin")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Ngày 31/02/1990 không tồn tại.")).to_be_visible()
    expect(page.get_by_label("Ngày sinh hoặc năm sinh")).to_be_focused()  # the wrong field
    assert page.evaluate("window.__same_page") is True
    expect(page.get_by_label("Họ và tên")).to_have_value("Quàng Văn Ún")

    page.get_by_label("Ngày sinh hoặc năm sinh").fill("1990")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", name="Quàng Văn Ún")).to_be_visible()
    expect(page.locator("#person-state")).to_have_text("Nghi nghiện (chưa xác định)")

    # Search without diacritics: the row appears as the officer types, no reload.
    page.get_by_role("navigation").get_by_role("link", name="Danh sách đối tượng").click()
    page.evaluate("window.__same_page = true")
    page.get_by_label("Tìm theo họ tên hoặc số định danh").press_sequentially("quang van un")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Quàng Văn Ún")
    assert page.evaluate("window.__same_page") is True
    expect(page).not_to_have_url(re.compile(r"q="))

    # Record the determination: the state becomes "addict".
    page.locator("#results").get_by_role("link", name="Quàng Văn Ún").click()
    page.get_by_text("+ Ghi kết quả xác định tình trạng nghiện").click()
    form = page.locator("details[open] form")
    day = (today_local() - timedelta(days=1)).strftime("%d/%m/%Y")
    form.get_by_label("Ngày").fill(day)
    form.get_by_label("Kết luận").select_option(label="Có nghiện")
    form.get_by_label("Cơ sở y tế").fill("Trung tâm Y tế huyện Tân Lập")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#person-state")).to_have_text("Người nghiện ma túy")
    expect(page.locator("#timeline")).to_contain_text("Có nghiện")


def test_the_registry_download_says_it_is_being_prepared_until_the_file_arrives(page, sign_in):
    sign_in(page, "xa")
    page.goto("/persons/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải Excel").click()
        expect(page.locator("#export-note")).to_be_visible()
    assert download.value.suggested_filename.startswith("danh-sach-doi-tuong-99101-")
    expect(page.locator("#export-note")).to_be_hidden()


def test_the_duplicate_warning_follows_what_the_officer_types(page, sign_in, app, demo):
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.extensions import db
    from webapp.registry import services
    from webapp.units.models import Unit

    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        services.save_person(None, {"full_name": "Quàng Văn Ún", "sex": "M", "birth_year": 1990,
                                    "unit": unit}, xa)
        db.session.commit()

    sign_in(page, "xa")
    page.goto("/persons/new")
    page.evaluate("""window.__target_errors = 0;
        document.body.addEventListener('htmx:targetError', () => window.__target_errors++)""")
    warning = page.locator("#duplicates").get_by_text("Trùng họ tên và năm sinh")
    birth = page.get_by_label("Ngày sinh hoặc năm sinh")

    # Each check replaces the block the next one targets: the warning keeps following.
    page.get_by_label("Họ và tên").fill("quang van un")
    birth.fill("1990")
    expect(warning).to_be_visible()
    birth.fill("1991")
    expect(warning).to_have_count(0)
    birth.fill("1990")
    expect(warning).to_be_visible()
    page.get_by_label("Họ và tên").fill("quang van an")
    expect(warning).to_have_count(0)
    expect(page.locator("#duplicates")).to_have_count(1)
    assert page.evaluate("window.__target_errors") == 0


def test_back_after_live_searches_shows_a_whole_page_without_the_term_and_nothing_is_cached(page, sign_in):
    sign_in(page, "xa")
    page.goto("/persons/")
    search = page.get_by_label("Tìm theo họ tên hoặc số định danh")
    search.press_sequentially("ng")
    expect(page.locator("#results")).to_contain_text("người")
    # Names typed into the search never reach the address bar nor the history.
    expect(page).not_to_have_url(re.compile(r"q="))
    search.press_sequentially("uyen")
    expect(page).not_to_have_url(re.compile(r"q="))
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"q="))
    expect(page.get_by_role("navigation", name="Menu chính")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
