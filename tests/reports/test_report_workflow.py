"""The monthly report's life cycle, through the services and the pages.

Submitting freezes the figures; only the unit's own officer prepares and submits; only the parent
unit's officer approves, returns or reopens; every step is kept in the thread; a parent's figures
are the sum of its children's approved snapshots; completeness and lateness are judged by the
local day; the Excel file says what the screen says.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.models import Person
from webapp.registry.vocab import EventKind
from webapp.reports import services
from webapp.reports.figures import as_values, compute
from webapp.reports.models import MonthlySubmission
from webapp.timeutil import today_local
from webapp.units.models import Unit

PERIOD, YEAR, MONTH = "2025-10", 2025, 10
OFFICER = {"99101": "xa", "99102": "xa2", "99201": "xa3", "991": "huyen"}
COMPLETE = {"ethnicity": "01", "occupation_group": "agri", "main_drug": "heroin"}


# --- Helpers ------------------------------------------------------------------------------------

def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def determine(person: Person, on: date, addicted: bool = True) -> None:
    data = {"event_date": on, "addicted": addicted, "facility": "Trung tâm Y tế huyện"}
    assert registry.validate_event(person, EventKind.DETERMINATION, data) == {}
    registry.add_event(person, EventKind.DETERMINATION, data, account(OFFICER[person.unit.code]))


@pytest.fixture
def make_person(app, demo):
    """A person of `code` (all report fields known unless overridden), determined addicted on
    `determined` (None: only a positive test on `tested`); returns the id."""

    def make(code="99101", full_name="Lò Văn Pọm", determined=date(2025, 10, 5), tested=None,
             **fields):
        with app.app_context():
            user = account(OFFICER[code])
            data = {"full_name": full_name, "sex": "M", "birth_year": 1990, "unit": unit(code),
                    **COMPLETE, **fields}
            assert registry.validate_person(data, user) == {}
            person = registry.save_person(None, data, user)
            if tested:
                event = {"event_date": tested}
                assert registry.validate_event(person, EventKind.POSITIVE_TEST, event) == {}
                registry.add_event(person, EventKind.POSITIVE_TEST, event, user)
            if determined:
                determine(person, determined)
            db.session.commit()
            return person.id

    return make


def post(client, code: str, action: str, period: str = PERIOD, **form):
    # The confirmation step is tested on its own; here every action is confirmed.
    return client.post(f"/reports/{period}/{code}/{action}", data={"confirmed": "1", **form})


def state(app, code: str, year: int = YEAR, month: int = MONTH) -> dict | None:
    """The submission as plain data (read in its own app context)."""
    with app.app_context():
        sub = services.submission_for(unit(code), year, month)
        if sub is None:
            return None
        return {
            "status": sub.status, "version": sub.version, "snapshot": sub.snapshot,
            "values": as_values(sub.snapshot) if sub.snapshot else None,
            "warning_comment": sub.warning_comment, "work_done": sub.work_done,
            "children_included": sub.children_included,
            "submitted_by": sub.submitted_by.username if sub.submitted_by else None,
            "decided_by": sub.decided_by.username if sub.decided_by else None,
            "thread": [(t.action, t.from_status, t.to_status, t.user.username, t.comment)
                       for t in sub.transitions],
        }


def live(app, code: str, year: int = YEAR, month: int = MONTH) -> dict[str, int]:
    with app.app_context():
        return as_values(services.live_rows(unit(code), year, month)[0])


def text(response) -> str:
    return response.get_data(as_text=True)


def screen_value(html: str, label: str) -> str:
    """The "Số liệu" cell of the figure row labelled `label` on the submission page."""
    match = re.search(rf"<td>{re.escape(label)}</td>\s*<td class=\"num\">\s*(?:<a [^>]*>)?([^<]*)<",
                      html)
    assert match, label
    return match.group(1).strip()


def submitted(app, login_as, code: str, **form) -> None:
    """The unit's officer submits (with a comment if the checks warn)."""
    client = login_as(OFFICER[code])
    response = post(client, code, "submit", work_done="Đã rà soát địa bàn.",
                    warning_comment="Đã giải thích các cảnh báo.", **form)
    assert response.status_code == 303, text(response)
    assert state(app, code)["status"] == "submitted"


def approved(app, login_as, code: str, reviewer: str = "huyen") -> None:
    submitted(app, login_as, code)
    client = login_as(reviewer)
    response = post(client, code, "approve", version=state(app, code)["version"])
    assert response.status_code == 303, text(response)
    assert state(app, code)["status"] == "approved"


# --- The frozen snapshot ------------------------------------------------------------------------

def test_the_snapshot_does_not_change_and_the_page_shows_the_later_value_as_drift(
        app, login_as, make_person):
    pid = make_person(determined=None, tested=date(2025, 10, 3))  # a user, not an addict
    client = login_as("xa")
    assert post(client, "99101", "submit", work_done="Tháng 10").status_code == 303
    frozen = state(app, "99101")
    assert frozen["values"]["persons.user"] == 1 and frozen["values"]["addicts.total"] == 0
    assert frozen["submitted_by"] == "xa"

    with app.app_context():  # entered late: determined addicted on 20/10
        determine(db.session.get(Person, pid), date(2025, 10, 20))
        db.session.commit()
        sub = services.submission_for(unit("99101"), YEAR, MONTH)
        drift = services.drift(sub)
    assert state(app, "99101")["snapshot"] == frozen["snapshot"]
    assert live(app, "99101")["addicts.total"] == 1
    assert drift["addicts.total"] == 1 and drift["persons.addict"] == 1
    assert drift["persons.user"] == 0 and drift["flow.determined"] == 1
    assert "persons.total" not in drift  # still one person on the list

    # Read from its snapshot: the registry is recounted only when asked.
    html = text(client.get(f"/reports/{PERIOD}/99101"))
    assert '<th class="num">Hiện tại</th>' not in html and "drifted" not in html
    assert f'href="/reports/{PERIOD}/99101?drift=1"' in html
    assert "So sánh với sổ quản lý hiện tại" in html
    html = text(client.get(f"/reports/{PERIOD}/99101?drift=1"))
    assert '<th class="num">Hiện tại</th>' in html and "đã thay đổi sau khi" in html
    row = re.search(r"<tr class=\"level1 drifted\">\s*<td>Tổng số người nghiện ma túy</td>"
                    r"\s*<td class=\"num\">\s*(?:<a [^>]*>)?(\d+)(?:</a>)?</td>"
                    r"\s*(?:<td class=\"num muted\">[^<]*</td>\s*)?"
                    r"<td class=\"num\"><span class=\"warn\"[^>]*>(\d+)</span>", html)
    assert row and row.groups() == ("0", "1")  # frozen 0, now 1
    assert screen_value(html, "Tổng số người đang quản lý") == "1"


# --- Who may do what ----------------------------------------------------------------------------

def test_only_the_units_own_officer_prepares_and_submits_its_report(app, login_as, make_person):
    make_person()
    assert post(login_as("xa2"), "99101", "submit").status_code == 404  # outside xa2's scope
    for other in ("huyen", "tinh"):
        client = login_as(other)
        for action in ("save", "submit"):
            response = post(client, "99101", action, work_done="Thay xã")
            assert response.status_code == 409, (other, action)
            assert "Chỉ cán bộ của đơn vị mới lập báo cáo" in text(response)
        assert 'action="/reports/2025-10/99101/save"' not in text(client.get(
            f"/reports/{PERIOD}/99101"))
    assert state(app, "99101") is None
    assert 'action="/reports/2025-10/99101/save"' in text(login_as("xa").get(
        f"/reports/{PERIOD}/99101"))

    with app.app_context():
        for username in ("xa2", "huyen", "tinh", "admin"):
            with pytest.raises(services.ReportError):
                services.submit(unit("99101"), YEAR, MONTH, {}, account(username))
            db.session.rollback()
        assert services.can_edit(account("xa"), unit("99101"))
        assert services.can_edit(account("tinh"), unit("99"))  # the province reports to C04
        assert not services.can_edit(account("trunguong"), unit("C04"))  # the root: to no one


def test_only_the_parent_units_officer_approves_or_returns(app, login_as, make_person):
    make_person()
    submitted(app, login_as, "99101")
    version = state(app, "99101")["version"]

    other_district = login_as("huyen2")
    assert other_district.get(f"/reports/{PERIOD}/99101").status_code == 404
    for action in ("approve", "return", "reopen"):
        assert post(other_district, "99101", action, version=version,
                    comment="x").status_code == 404

    province = login_as("tinh")  # sees the commune, but its reviewer is the district
    page = province.get(f"/reports/{PERIOD}/99101")
    assert page.status_code == 200 and 'id="review"' not in text(page)
    for action in ("approve", "return"):
        response = post(province, "99101", action, version=version, comment="Tỉnh trả lại")
        assert response.status_code == 409
        assert "Chỉ đơn vị cấp trên trực tiếp mới duyệt" in text(response)

    own = login_as("xa")
    response = post(own, "99101", "approve", version=version)
    assert response.status_code == 409 and "Không thể tự duyệt" in text(response)
    assert state(app, "99101")["status"] == "submitted"

    district = login_as("huyen")
    assert 'id="review"' in text(district.get(f"/reports/{PERIOD}/99101"))
    assert post(district, "99101", "approve", version=version).status_code == 303
    after = state(app, "99101")
    assert after["status"] == "approved" and after["decided_by"] == "huyen"

    with app.app_context():
        sub = services.submission_for(unit("99101"), YEAR, MONTH)
        for username in ("huyen2", "tinh", "xa", "xa2"):
            with pytest.raises(services.ReportError):
                services.reopen(sub, account(username), "Lý do")


def test_a_district_cannot_approve_its_own_report(app, login_as):
    submitted(app, login_as, "991")  # warned: no commune report approved yet
    huyen = login_as("huyen")
    response = post(huyen, "991", "approve", version=state(app, "991")["version"])
    assert response.status_code == 409
    assert "Không thể tự duyệt hoặc trả lại báo cáo của chính đơn vị mình" in text(response)
    assert 'id="review"' not in text(huyen.get(f"/reports/{PERIOD}/991"))
    assert state(app, "991")["status"] == "submitted"
    with app.app_context():
        with pytest.raises(services.ReportError):
            services.approve(services.submission_for(unit("991"), YEAR, MONTH), account("huyen"))
    tinh = login_as("tinh")
    assert post(tinh, "991", "approve", version=state(app, "991")["version"]).status_code == 303
    assert state(app, "991")["status"] == "approved"


def test_a_returned_report_cannot_be_approved_until_it_is_sent_again(app, login_as, make_person):
    make_person()
    submitted(app, login_as, "99101")
    huyen = login_as("huyen")
    assert post(huyen, "99101", "return", version=state(app, "99101")["version"],
                comment="Thiếu số liệu.").status_code == 303
    before = state(app, "99101")
    response = post(huyen, "99101", "approve", version=before["version"])
    assert response.status_code == 409
    assert "Chỉ duyệt được báo cáo đã gửi (hiện: bị trả lại)" in text(response)
    after = state(app, "99101")
    assert after["status"] == "returned" and after["thread"] == before["thread"]
    assert after["decided_by"] == "huyen" and after["version"] == before["version"]
    with app.app_context():
        with pytest.raises(services.ReportError):
            services.approve(services.submission_for(unit("99101"), YEAR, MONTH),
                             account("huyen"))


def test_a_draft_cannot_be_approved(app, login_as, make_person):
    make_person()
    assert post(login_as("xa"), "99101", "save", work_done="Nháp").status_code == 303
    before = state(app, "99101")
    response = post(login_as("huyen"), "99101", "approve", version=before["version"])
    assert response.status_code == 409
    assert "Chỉ duyệt được báo cáo đã gửi (hiện: bản nháp)" in text(response)
    after = state(app, "99101")
    assert after["status"] == "draft" and after["thread"] == [] and after["decided_by"] is None
    assert after["snapshot"] is None
    assert 'id="review"' not in text(login_as("huyen").get(f"/reports/{PERIOD}/99101"))


def test_returning_without_a_comment_is_refused_beside_the_field(app, login_as, make_person):
    make_person()
    submitted(app, login_as, "99101")
    client = login_as("huyen")
    for comment in ("", "   "):
        response = post(client, "99101", "return", version=state(app, "99101")["version"],
                        comment=comment)
        assert response.status_code == 422
        field = re.search(r'<div class="field has-error">\s*<label for="comment">.*?</div>',
                          text(response), re.S)
        assert field and "Vui lòng ghi ý kiến khi trả lại báo cáo." in field.group(0)
    assert state(app, "99101")["status"] == "submitted"
    assert [t[0] for t in state(app, "99101")["thread"]] == ["submit"]


def test_the_whole_life_cycle_is_kept_in_the_thread(app, login_as, make_person):
    make_person()
    xa = login_as("xa")
    assert post(xa, "99101", "save", work_done="Bản nháp").status_code == 303
    assert state(app, "99101")["status"] == "draft"
    assert post(xa, "99101", "submit", version=state(app, "99101")["version"],
                work_done="Bản gửi lần 1").status_code == 303

    huyen = login_as("huyen")
    assert post(huyen, "99101", "return", version=state(app, "99101")["version"],
                comment="Thiếu kết quả hỗ trợ học nghề.").status_code == 303
    assert state(app, "99101")["status"] == "returned"

    xa = login_as("xa")
    assert post(xa, "99101", "save", version=state(app, "99101")["version"],
                work_done="Đã bổ sung hỗ trợ học nghề").status_code == 303
    assert state(app, "99101")["work_done"] == "Đã bổ sung hỗ trợ học nghề"
    assert post(xa, "99101", "submit", version=state(app, "99101")["version"],
                work_done="Đã bổ sung hỗ trợ học nghề").status_code == 303

    huyen = login_as("huyen")
    assert post(huyen, "99101", "approve", version=state(app, "99101")["version"],
                comment="Đạt yêu cầu.").status_code == 303

    xa = login_as("xa")  # an approved report is closed to its unit
    for action in ("submit", "save"):
        response = post(xa, "99101", action, version=state(app, "99101")["version"],
                        work_done="Sửa sau khi duyệt")
        assert response.status_code == 409 and "Báo cáo đã gửi; không thể sửa" in text(response)
    assert state(app, "99101")["status"] == "approved"

    huyen = login_as("huyen")
    response = post(huyen, "99101", "reopen", version=state(app, "99101")["version"], comment="")
    assert response.status_code == 422 and "Vui lòng ghi lý do mở lại báo cáo." in text(response)
    assert post(huyen, "99101", "reopen", version=state(app, "99101")["version"],
                comment="Bổ sung số liệu nhập muộn.").status_code == 303
    assert state(app, "99101")["status"] == "returned"

    xa = login_as("xa")
    assert post(xa, "99101", "submit", version=state(app, "99101")["version"],
                work_done="Gửi lại sau khi mở").status_code == 303

    final = state(app, "99101")
    assert final["status"] == "submitted"
    assert final["thread"] == [
        ("submit", "draft", "submitted", "xa", None),
        ("return", "submitted", "returned", "huyen", "Thiếu kết quả hỗ trợ học nghề."),
        ("submit", "returned", "submitted", "xa", None),
        ("approve", "submitted", "approved", "huyen", "Đạt yêu cầu."),
        ("reopen", "approved", "returned", "huyen", "Bổ sung số liệu nhập muộn."),
        ("submit", "returned", "submitted", "xa", None),
    ]
    html = text(huyen.get(f"/reports/{PERIOD}/99101"))
    thread = html[html.index("Quá trình xử lý"):]
    assert thread.count("Gửi báo cáo</strong> — Phạm Thị Lan") == 3
    for label, comment in (("Trả lại", "Thiếu kết quả hỗ trợ học nghề."),
                           ("Duyệt", "Đạt yêu cầu."), ("Mở lại", "Bổ sung số liệu nhập muộn.")):
        assert f"{label}</strong> — Trần Văn Bình" in thread
        assert comment in thread


# --- Double submit, future months, warnings -----------------------------------------------------

def test_a_double_submit_applies_once(app, login_as, make_person):
    make_person()
    client = login_as("xa")
    assert post(client, "99101", "save", work_done="Nháp").status_code == 303
    version = state(app, "99101")["version"]
    first = post(client, "99101", "submit", version=version, work_done="Nháp")
    second = post(client, "99101", "submit", version=version, work_done="Nháp")
    assert (first.status_code, second.status_code) == (303, 409)
    assert "vừa được cập nhật bởi thao tác khác" in text(second)
    assert [t[0] for t in state(app, "99101")["thread"]] == ["submit"]


def test_a_double_submit_without_a_draft_applies_once(app, login_as, make_person):
    make_person()
    client = login_as("xa")
    assert post(client, "99101", "submit").status_code == 303
    assert post(client, "99101", "submit").status_code == 409
    assert [t[0] for t in state(app, "99101")["thread"]] == ["submit"]


def test_a_month_in_the_future_cannot_be_prepared_or_submitted(app, login_as, make_person):
    make_person()
    ahead = today_local().replace(day=1) + relativedelta(months=1)
    period = f"{ahead.year:04d}-{ahead.month:02d}"
    client = login_as("xa")
    for action in ("save", "submit"):
        response = post(client, "99101", action, period=period, warning_comment="Gửi trước")
        assert response.status_code == 409
        assert "Chưa đến kỳ báo cáo này." in text(response)
    assert state(app, "99101", ahead.year, ahead.month) is None
    page = text(client.get(f"/reports/{period}/99101"))
    assert "Chưa đến kỳ báo cáo này." in page and "/submit" not in page
    with app.app_context():
        with pytest.raises(services.ReportError):
            services.submit(unit("99101"), ahead.year, ahead.month,
                            {"warning_comment": "x"}, account("xa"))


def test_a_warning_needs_a_comment_before_submitting(app, login_as, make_person):
    make_person(main_drug=None)  # drug unknown
    client = login_as("xa")
    page = text(client.get(f"/reports/{PERIOD}/99101"))
    assert "Cảnh báo: 1 người nghiện chưa rõ loại ma túy." in page
    assert 'name="warning_comment"' in page
    for comment in (None, "  "):
        form = {} if comment is None else {"warning_comment": comment}
        response = post(client, "99101", "submit", **form)
        assert response.status_code == 422
        field = re.search(r'<div class="field has-error">\s*<label for="warning_comment">.*?</div>',
                          text(response), re.S)
        assert field and "vui lòng ghi chú giải thích" in field.group(0)
    assert state(app, "99101") is None
    response = post(client, "99101", "submit", warning_comment="Đang xác minh loại ma túy.")
    assert response.status_code == 303
    sub = state(app, "99101")
    assert sub["warning_comment"] == "Đang xác minh loại ma túy."
    assert sub["thread"] == [("submit", "draft", "submitted", "xa", "Đang xác minh loại ma túy.")]


def test_a_report_with_nothing_to_warn_about_needs_no_comment(app, login_as, make_person):
    make_person()
    with app.app_context():
        rows, agg = services.live_rows(unit("99101"), YEAR, MONTH)
        assert services.checks(rows, agg, YEAR, MONTH) == ([], [])
    assert post(login_as("xa"), "99101", "submit").status_code == 303


def test_a_district_report_with_children_missing_needs_a_comment(app, login_as):
    client = login_as("huyen")
    page = text(client.get(f"/reports/{PERIOD}/991"))
    assert ("Chưa có báo cáo được duyệt của: Xã Tân Hòa, Xã Mường Lạn, Thị trấn Tân Lập, "
            "Xã Phiêng Cằm.") in page
    response = post(client, "991", "submit")
    assert response.status_code == 422
    assert state(app, "991") is None
    assert post(client, "991", "submit", warning_comment="Các xã chưa nộp.").status_code == 303


# --- Aggregation ------------------------------------------------------------------------------

def test_a_district_sums_its_childrens_approved_snapshots_only(app, login_as, make_person):
    make_person("99101", "Lò Văn Một")
    make_person("99101", "Lò Thị Hai", sex="F")
    make_person("99102", "Quàng Văn Ba", determined=date(2025, 9, 1))
    approved(app, login_as, "99101")
    submitted(app, login_as, "99102")  # sent, not yet approved
    make_person("99101", "Lò Văn Muộn", determined=date(2025, 10, 25))  # after the approval

    with app.app_context():
        agg = services.aggregate(unit("991"), YEAR, MONTH)
        values = as_values(agg.rows)
        assert agg.included == ["99101"]
        assert [u.code for u in agg.missing] == ["99102", "99103", "99104"]
    snapshot_101 = state(app, "99101")["values"]
    assert values == snapshot_101  # not 99102's, not the late entry
    assert values["addicts.total"] == 2 and live(app, "99101")["addicts.total"] == 3

    html = text(login_as("huyen").get(f"/reports/{PERIOD}/991"))
    assert "Chưa có báo cáo được duyệt: Xã Mường Lạn, Thị trấn Tân Lập, Xã Phiêng Cằm." in html
    assert screen_value(html, "Tổng số người nghiện ma túy") == "2"

    client = login_as("huyen")
    assert post(client, "99102", "approve",
                version=state(app, "99102")["version"]).status_code == 303
    snapshot_102 = state(app, "99102")["values"]
    totals = live(app, "991")
    assert totals == {k: snapshot_101[k] + snapshot_102[k] for k in snapshot_101}
    assert totals["addicts.total"] == 3

    submitted(app, login_as, "991")
    district = state(app, "991")
    assert district["values"] == totals
    assert district["children_included"] == ["99101", "99102"]


# --- Completeness and lateness ----------------------------------------------------------------

def test_on_time_is_judged_by_the_local_day_at_the_due_day(app, demo, login_as):
    with app.app_context():
        assert services.due_date(YEAR, MONTH) == date(2025, 11, 3)
        assert services.due_date(2025, 12) == date(2026, 1, 3)
        units = {code: unit(code) for code in ("99101", "99102", "99103")}
        for code, status, at in (("99101", "submitted", datetime(2025, 11, 3, 16, 59)),  # 23:59
                                 ("99102", "submitted", datetime(2025, 11, 3, 17, 0)),  # 00:00 4th
                                 ("99103", "approved", datetime(2025, 11, 1, 2, 0))):
            db.session.add(MonthlySubmission(unit_id=units[code].id, year=YEAR, month=MONTH,
                                             status=status, submitted_at=at))
        db.session.commit()

        statuses = {s.unit.code: s for s in services.completeness(unit("991"), YEAR, MONTH)}
        assert list(statuses) == ["991", "99101", "99102", "99103", "99104"]
        assert statuses["99101"].submitted_on == date(2025, 11, 3)
        assert statuses["99101"].on_time and not statuses["99101"].late(date(2025, 11, 20))
        assert statuses["99102"].submitted_on == date(2025, 11, 4)
        assert not statuses["99102"].on_time and statuses["99102"].late(date(2025, 11, 4))
        missing = statuses["99104"]
        assert missing.status == "missing"
        assert not missing.late(date(2025, 11, 3)) and missing.late(date(2025, 11, 4))

        on_due_day = services.rates(list(statuses.values()), date(2025, 11, 3))
        assert on_due_day == {"total": 5, "sent": 3, "on_time": 2, "approved": 1, "late": 1,
                              "sent_pct": 60, "on_time_pct": 40}
        after = services.rates(list(statuses.values()), date(2025, 11, 4))
        assert after["late"] == 3  # 99102 sent late; 991 and 99104 not sent after the due day

    html = text(login_as("huyen").get(f"/reports/{PERIOD}/"))
    rows = {code: re.search(rf'<tr id="unit-{code}">.*?</tr>', html, re.S).group(0)
            for code in ("99101", "99102", "99104")}
    assert "03/11/2025" in rows["99101"] and "Đúng hạn" in rows["99101"]
    assert "04/11/2025" in rows["99102"] and "Nộp muộn" in rows["99102"]
    assert "Quá hạn" in rows["99104"]
    assert "<strong>3/5</strong> đã gửi (60%)" in html


# --- Excel ------------------------------------------------------------------------------------

def workbook(client, code: str):
    response = client.get(f"/reports/{PERIOD}/{code}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.data))


def table(sheet, first_heading: str) -> tuple[list, list[tuple]]:
    """(header, rows below it) of the sheet's table, found by one of its column headings."""
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if first_heading in row)
    return list(rows[at]), rows[at + 1:]


def report_figures(sheet) -> tuple[dict[str, object], list[int]]:
    """({label: value}, the numbers in order) of the "Báo cáo tháng" sheet."""
    header, rows = table(sheet, "Chỉ tiêu")
    label_at, value_at = header.index("Chỉ tiêu"), header.index("Số liệu")
    by_label, numbers = {}, []
    for row in rows:
        label, value = row[label_at], row[value_at]
        if label is not None:
            by_label.setdefault(str(label).strip(), value)
        if isinstance(value, int):
            numbers.append(value)
    return by_label, numbers


def test_the_commune_excel_says_what_the_screen_says(app, login_as, make_person):
    make_person(full_name="Lò Văn Một")
    make_person(full_name="Lò Thị Hai", sex="F")
    make_person(full_name="Lò Văn Ba", determined=None, tested=date(2025, 10, 2))
    client = login_as("xa")
    html = text(client.get(f"/reports/{PERIOD}/99101"))
    values, numbers = report_figures(workbook(client, "99101")["Báo cáo tháng"])
    for label, expected in (("Tổng số người đang quản lý", 3), ("Tổng số người nghiện ma túy", 2),
                            ("Giới tính: Nữ", 1), ("Người được xác định nghiện ma túy", 2)):
        assert values[label] == expected == int(screen_value(html, label))
    with app.app_context():
        figures = [r.value for r in compute(unit("99101"), YEAR, MONTH) if r.value is not None]
    assert numbers[:len(figures)] == figures  # every figure, in the screen's order

    # Once sent, both print the frozen figures.
    assert post(client, "99101", "submit").status_code == 303
    make_person(full_name="Lò Văn Muộn", determined=date(2025, 10, 30))
    html = text(client.get(f"/reports/{PERIOD}/99101"))
    values, _ = report_figures(workbook(client, "99101")["Báo cáo tháng"])
    assert values["Tổng số người nghiện ma túy"] == 2 == int(
        screen_value(html, "Tổng số người nghiện ma túy"))
    assert live(app, "99101")["addicts.total"] == 3


def test_the_district_excel_lists_each_child_and_a_total(app, login_as, make_person):
    make_person("99101", "Lò Văn Một")
    make_person("99101", "Lò Thị Hai", sex="F")
    make_person("99102", "Quàng Văn Ba")
    approved(app, login_as, "99101")
    approved(app, login_as, "99102")
    client = login_as("huyen")
    html = text(client.get(f"/reports/{PERIOD}/991"))
    book = workbook(client, "991")
    assert book.sheetnames == ["Báo cáo tháng", "Theo đơn vị", "Theo đơn vị - phân tổ"]
    values, _ = report_figures(book["Báo cáo tháng"])
    for label in ("Tổng số người nghiện ma túy", "Tổng số người đang quản lý"):
        assert values[label] == 3 == int(screen_value(html, label))

    header, rows = table(book["Theo đơn vị"], "Đơn vị")
    name_at = header.index("Đơn vị")
    addicts = header.index("Tổng số người nghiện ma túy")
    names = [row[name_at] for row in rows]
    lines = rows[:names.index("Tổng cộng") + 1]
    assert [row[name_at] for row in lines] == ["Xã Tân Hòa", "Xã Mường Lạn", "Thị trấn Tân Lập",
                                               "Xã Phiêng Cằm", "Tổng cộng"]
    assert [row[addicts] for row in lines] == [2, 1, None, None, 3]
    # The breakdowns of addicts in a table of their own, the same way.
    header, rows = table(book["Theo đơn vị - phân tổ"], "Đơn vị")
    women = header.index("Giới tính: Nữ")
    assert [row[women] for row in rows[:5]] == [1, 0, None, None, 1]


def test_the_report_workbook_carries_the_official_header(login_as, make_person):
    make_person()
    sheet = workbook(login_as("xa"), "99101")["Báo cáo tháng"]
    top = {str(cell.value) for row in sheet.iter_rows(max_row=2) for cell in row if cell.value}
    # 10/2025: the police's time.
    assert {"CÔNG AN HUYỆN TÂN LẬP", "CÔNG AN XÃ TÂN HÒA", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc"} <= top


# --- Pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("username,own", [("xa", "99101"), ("huyen", "991"), ("tinh", "99")])
def test_the_period_year_and_submission_pages_answer_each_officer(login_as, username, own):
    client = login_as(username)
    for url in (f"/reports/{PERIOD}/", f"/reports/{PERIOD}/?view=year",
                f"/reports/{PERIOD}/{own}", f"/reports/{PERIOD}/{own}/print",
                f"/reports/{PERIOD}/{own}.xlsx"):
        assert client.get(url).status_code == 200, url
    assert client.get("/reports/").status_code in (302, 303)


@pytest.mark.parametrize("period", ["2025-13", "2025-00", "abc", "2025-1", "25-10", "1999-12"])
def test_a_malformed_period_is_not_found(login_as, period):
    client = login_as("xa")
    for url in (f"/reports/{period}/", f"/reports/{period}/?view=year",
                f"/reports/{period}/99101", f"/reports/{period}/99101.xlsx"):
        assert client.get(url).status_code == 404, url
    assert post(client, "99101", "submit", period=period).status_code == 404


def test_the_report_pages_are_for_officers_only(login_as):
    client = login_as("admin")
    assert client.get(f"/reports/{PERIOD}/").status_code == 403
    assert client.get(f"/reports/{PERIOD}/99101").status_code == 403


# --- Concurrent requests ----------------------------------------------------------------------

def test_a_concurrent_submit_that_read_the_old_version_fails_at_the_database(app, login_as,
                                                                              make_person):
    """Request B read the draft (version v) before request A's submit committed: B's own
    version check passes in memory, and the UPDATE … WHERE version = v refuses it."""
    from sqlalchemy.orm.exc import StaleDataError

    make_person()
    assert post(login_as("xa"), "99101", "save", work_done="Nháp").status_code == 303
    version = state(app, "99101")["version"]
    with app.app_context():
        stale = services.submission_for(unit("99101"), YEAR, MONTH)  # B reads
        assert stale.version == version
        with db.engine.begin() as other:  # A commits its submit meanwhile
            other.execute(MonthlySubmission.__table__.update()
                          .where(MonthlySubmission.id == stale.id)
                          .values(status="submitted", version=version + 1))
        with pytest.raises(StaleDataError):
            services.submit(unit("99101"), YEAR, MONTH, {}, account("xa"), version)
            db.session.flush()
        db.session.rollback()
    assert state(app, "99101")["thread"] == []


def test_two_first_submits_at_once_refuse_the_second_with_409(app, login_as, make_person,
                                                               monkeypatch):
    make_person()
    client = login_as("xa")
    assert post(client, "99101", "submit").status_code == 303  # request A committed
    real = services.submission_for
    calls = []

    def read_before_a_committed(unit_, year, month):
        calls.append(1)
        return None if len(calls) == 1 else real(unit_, year, month)

    # Request B looked for the submission before A's commit, then carries on.
    monkeypatch.setattr(services, "submission_for", read_before_a_committed)
    response = post(client, "99101", "submit")
    monkeypatch.setattr(services, "submission_for", real)
    assert response.status_code == 409
    assert [t[0] for t in state(app, "99101")["thread"]] == ["submit"]


def test_a_report_returned_and_sent_again_after_the_due_day_was_still_sent_on_time(app, demo):
    with app.app_context():
        db.session.add(MonthlySubmission(
            unit_id=unit("99101").id, year=YEAR, month=MONTH, status="submitted",
            first_submitted_at=datetime(2025, 11, 2, 3, 0),   # 10:00 on the 2nd
            submitted_at=datetime(2025, 11, 9, 3, 0)))        # corrected a week later
        db.session.commit()
        status = {s.unit.code: s for s in services.completeness(unit("991"), YEAR, MONTH)}["99101"]
        assert status.submitted_on == date(2025, 11, 2) and status.on_time


def test_a_returned_report_is_judged_on_its_first_sending_by_label_and_counter_alike(
        app, demo, login_as):
    with app.app_context():
        for code, first in (("99101", datetime(2025, 11, 2, 3, 0)),    # on time, then returned
                            ("99102", datetime(2025, 11, 5, 3, 0))):   # late, then returned
            db.session.add(MonthlySubmission(
                unit_id=unit(code).id, year=YEAR, month=MONTH, status="returned",
                first_submitted_at=first, submitted_at=first))
        db.session.commit()
        statuses = {s.unit.code: s for s in services.completeness(unit("991"), YEAR, MONTH)}
        after_due = date(2025, 11, 20)
        assert statuses["99101"].on_time and not statuses["99101"].late(after_due)
        assert not statuses["99102"].on_time and statuses["99102"].late(after_due)
        assert statuses["99103"].late(after_due)  # never sent, past due
        rates = services.rates(list(statuses.values()), after_due)
        assert (rates["on_time"], rates["late"]) == (1, 4)  # 99102; 991, 99103, 99104 not sent

    html = text(login_as("huyen").get(f"/reports/{PERIOD}/"))
    rows = {code: re.search(rf'<tr id="unit-{code}">.*?</tr>', html, re.S).group(0)
            for code in ("99101", "99102", "99103")}
    assert "02/11/2025" in rows["99101"] and "Đúng hạn" in rows["99101"]
    assert "Nộp muộn" not in rows["99101"] and "Bị trả lại" in rows["99101"]
    assert "05/11/2025" in rows["99102"] and "Nộp muộn" in rows["99102"]
    assert "Quá hạn" in rows["99103"]
    assert "<strong>1</strong> đúng hạn" in html
    assert "<strong>4</strong> nộp muộn hoặc quá hạn chưa nộp" in html


def december_amounts(html: str) -> dict[str, str]:
    """The December inputs as the page gives them back (what a second save would send)."""
    return {name: re.search(rf'<input [^>]*name="{name}" value="([^"]*)"', html).group(1)
            for name in services.DECEMBER_NUMBERS}


def test_december_amounts_survive_a_refused_save_and_the_next_save_succeeds(app, login_as,
                                                                             make_person):
    make_person()
    client = login_as("xa")
    refused = post(client, "99101", "save", period="2025-12", work_done="Tổng kết năm",
                   staff_count="3", funding_local="65.900.000", funding_contribution="",
                   funding_other="1,2 triệu")
    assert refused.status_code == 422
    assert "None" not in text(refused)
    again = december_amounts(text(refused))
    assert again == {"staff_count": "3", "funding_local": "65.900.000",
                     "funding_contribution": "", "funding_other": "1,2 triệu"}

    again["funding_other"] = "1200000"  # the officer corrects only the wrong field
    assert post(client, "99101", "save", period="2025-12", work_done="Tổng kết năm",
                **again).status_code == 303
    with app.app_context():
        sub = services.submission_for(unit("99101"), 2025, 12)
        assert (sub.staff_count, sub.funding_local, sub.funding_contribution,
                sub.funding_other) == (3, 65_900_000, None, 1_200_000)
        version = sub.version
    shown = december_amounts(text(client.get("/reports/2025-12/99101")))
    assert shown["funding_local"] == "65.900.000" and shown["funding_other"] == "1.200.000"

    # A refusal for another reason shows the parsed amounts the Vietnamese way, not 65900000.
    refused = post(client, "99101", "save", period="2025-12", version=version,
                   work_done="x" * 5001, **{**shown, "funding_local": "65900000"})
    assert refused.status_code == 422
    assert december_amounts(text(refused))["funding_local"] == "65.900.000"
    assert december_amounts(text(refused))["funding_contribution"] == ""


def test_the_reviewers_comment_on_a_returned_report_comes_first_and_on_the_home_page(
        app, login_as, make_person):
    make_person()
    submitted(app, login_as, "99101")
    comment = "Thiếu kết quả hỗ trợ học nghề."
    assert post(login_as("huyen"), "99101", "return", version=state(app, "99101")["version"],
                comment=comment).status_code == 303

    xa = login_as("xa")
    page = text(xa.get(f"/reports/{PERIOD}/99101"))
    note = page.index('id="return-note"')
    assert note < page.index(comment) < page.index("<h2>Số liệu</h2>")
    assert "Trần Văn Bình" in page[note:page.index("<h2>Số liệu</h2>")]
    home = text(xa.get("/"))
    assert "Báo cáo tháng 10/2025 bị trả lại" in home and comment in home
    assert f'href="/reports/{PERIOD}/99101"' in home
    assert comment not in text(login_as("xa2").get("/"))  # another commune's report
    assert comment not in text(login_as("huyen").get("/"))  # the reviewer's own home

    xa = login_as("xa")
    assert post(xa, "99101", "submit", version=state(app, "99101")["version"],
                work_done="Đã bổ sung.").status_code == 303
    assert comment not in text(xa.get("/"))
    page = text(xa.get(f"/reports/{PERIOD}/99101"))
    assert 'id="return-note"' not in page and comment in page  # still in the thread
