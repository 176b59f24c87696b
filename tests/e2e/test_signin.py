"""A person at a browser: sign in, move around, sign out."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_commune_officer_signs_in_navigates_and_signs_out(page, sign_in):
    sign_in(page, "xa")
    expect(page.get_by_role("heading", name="Xin chào, Phạm Thị Lan")).to_be_visible()
    expect(page.locator(".who")).to_contain_text("Xã Tân Hòa")
    expect(page.get_by_role("link", name="Tài khoản")).to_have_count(0)

    page.get_by_role("navigation").get_by_role("link", name="Đơn vị hành chính").click()
    expect(page.get_by_role("heading", name="Đơn vị hành chính")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Xã Tân Hòa")
    expect(page.locator("table")).not_to_contain_text("Xã Mường Lạn")

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    page.goto("/units/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_wrong_password_is_told_in_vietnamese_beside_the_form(page, sign_in):
    sign_in(page, "huyen", "sai-mat-khau")
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("huyen")


def test_an_admin_finds_an_account_by_typing_without_a_page_reload(page, sign_in):
    sign_in(page, "admin")
    page.get_by_role("link", name="Tài khoản").click()
    page.evaluate("window.__same_page = true")
    page.get_by_label("Tìm theo tên đăng nhập hoặc họ tên").press_sequentially("huyen2")
    expect(page.locator("#user-rows tr")).to_have_count(1)
    expect(page.locator("#user-rows")).to_contain_text("Lò Văn Thắng")
    assert page.evaluate("window.__same_page") is True


def test_core_navigation_works_without_javascript(browser, live_server, demo, sign_in):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "tinh")
    page.get_by_role("navigation").get_by_role("link", name="Đơn vị hành chính").click()
    expect(page.locator("table")).to_contain_text("Huyện Mường Chiến")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    context.close()
