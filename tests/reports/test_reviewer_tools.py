"""The reviewer's completeness page: filter and sort by status and district, the unit's own
report apart from its children's; approving several reports at once, only those opened (at
the version seen), the others refused with a message; a parent with nothing approved says
"chưa có số liệu được duyệt" instead of a table of zeros."""
from __future__ import annotations

import re

from test_report_workflow import (OFFICER, account, approved, make_person, post,  # noqa: F401
                                  state, submitted, text, unit)
from webapp.extensions import db
from webapp.reports import services

PERIOD = "2025-10"


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="unit-(\d+)">', html)


def sub_id(app, code: str) -> int:
    with app.app_context():
        return services.submission_for(unit(code), 2025, 10).id


def pick(app, *codes) -> dict:
    return {"pick": [f"{sub_id(app, c)}:{state(app, c)['version']}" for c in codes],
            "confirmed": "1"}


def test_the_page_filters_by_status_and_keeps_the_own_report_apart(app, login_as, make_person):
    make_person("99101")
    submitted(app, login_as, "99101")
    client = login_as("huyen")
    html = text(client.get(f"/reports/{PERIOD}/"))
    assert 'id="own-report"' in html and "991" not in rows(html)
    assert rows(html) == ["99101", "99102", "99103", "99104"]
    only_sent = text(client.get(f"/reports/{PERIOD}/?status=submitted"))
    assert rows(only_sent) == ["99101"]
    by_status = text(client.get(f"/reports/{PERIOD}/?sort=status"))
    assert rows(by_status)[0] == "99101"  # what awaits the reviewer first
    # The counters count everyone, whatever the filter.
    assert "<strong>1/5</strong> đã gửi" in only_sent


def test_the_province_filters_by_district(login_as):
    client = login_as("tinh")
    html = text(client.get(f"/reports/{PERIOD}/?district=992"))
    assert rows(html) and all(code.startswith("992") for code in rows(html))
    assert 'value="991"' in html  # the districts to choose from
    assert rows(text(client.get(f"/reports/{PERIOD}/?district=nonsense")))  # ignored


def test_several_opened_reports_are_approved_at_once_and_unopened_ones_refused(
        app, login_as, make_person):
    make_person("99101")
    make_person("99102", "Quàng Văn Ba")
    submitted(app, login_as, "99101")
    submitted(app, login_as, "99102")
    reviewer = login_as("huyen")
    assert reviewer.get(f"/reports/{PERIOD}/99101").status_code == 200  # opened
    response = reviewer.post(f"/reports/{PERIOD}/approve-selected",
                             data=pick(app, "99101", "99102"), follow_redirects=True)
    page = text(response)
    assert "Đã duyệt 1 báo cáo." in page
    assert "Xã Mường Lạn: chưa mở xem báo cáo" in page
    assert state(app, "99101")["status"] == "approved"
    assert state(app, "99102")["status"] == "submitted"


def test_a_report_changed_since_it_was_opened_is_refused(app, login_as, make_person):
    make_person("99101")
    submitted(app, login_as, "99101")
    reviewer = login_as("huyen")
    reviewer.get(f"/reports/{PERIOD}/99101")
    seen = pick(app, "99101")
    # The commune's report is returned and sent again meanwhile by someone else.
    assert post(login_as("huyen"), "99101", "return", comment="Sửa số liệu.",
                version=state(app, "99101")["version"]).status_code == 303
    submitted(app, login_as, "99101")
    response = login_as("huyen").post(f"/reports/{PERIOD}/approve-selected", data=seen,
                                      follow_redirects=True)
    assert "đã thay đổi sau khi bạn mở xem" in text(response)
    assert state(app, "99101")["status"] == "submitted"


def test_approving_several_asks_first_and_refuses_other_districts(app, login_as, make_person):
    make_person("99101")
    submitted(app, login_as, "99101")
    login_as("huyen").get(f"/reports/{PERIOD}/99101")
    data = pick(app, "99101")
    del data["confirmed"]
    asked = login_as("huyen").post(f"/reports/{PERIOD}/approve-selected", data=data)
    assert asked.status_code == 200 and "Duyệt 1 báo cáo" in text(asked)
    assert state(app, "99101")["status"] == "submitted"
    other = login_as("huyen2").post(f"/reports/{PERIOD}/approve-selected",
                                    data=pick(app, "99101"), follow_redirects=True)
    assert "không thuộc quyền duyệt" in text(other)
    assert state(app, "99101")["status"] == "submitted"
    assert login_as("xa").post(f"/reports/{PERIOD}/approve-selected",
                               data=pick(app, "99101")).status_code == 403


def test_a_province_with_nothing_approved_says_so_instead_of_zeros(app, login_as, tmp_path):
    client = login_as("tinh")
    html = text(client.get(f"/reports/{PERIOD}/99"))
    assert "Chưa có số liệu được duyệt." in html and 'class="grid figures"' not in html
    printed = text(client.get(f"/reports/{PERIOD}/99/print"))
    assert "Chưa có số liệu được duyệt." in printed
    import io

    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/{PERIOD}/99.xlsx").data)
                                )["Báo cáo tháng"]
    assert "Chưa có số liệu được duyệt." in [c.value for row in ws.iter_rows() for c in row]
