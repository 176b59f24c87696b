"""Notifications in the application: a reviewer is told a report awaits them, a unit that its
report was returned, and is reminded when it is due or overdue; a counter in the header, a
list, read and unread, only one's own; e-mail only when an SMTP server is configured."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).parent / "reports"))
from test_report_workflow import make_person, post, state, submitted  # noqa: E402,F401

from webapp.auth.models import User  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.notifications import services  # noqa: E402
from webapp.notifications.models import Notification  # noqa: E402

PERIOD = "2025-10"


def texts(app, username: str) -> list[str]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return [n.text for n in services.latest(user)]


def test_a_submitted_report_tells_the_reviewer_and_a_return_tells_the_unit(app, login_as,
                                                                          make_person):
    make_person()
    submitted(app, login_as, "99101")
    assert texts(app, "huyen") == ["Xã Tân Hòa đã gửi báo cáo tháng 10/2025: chờ duyệt."]
    assert texts(app, "huyen2") == [] and texts(app, "tinh") == []
    reviewer = login_as("huyen")
    page = reviewer.get("/").get_data(as_text=True)
    assert 'id="unread-count">1<' in page
    assert post(reviewer, "99101", "return", comment="Thiếu số liệu.",
                version=state(app, "99101")["version"]).status_code == 303
    assert "bị trả lại" in texts(app, "xa")[0]
    assert texts(app, "xa2") == []


def test_read_and_unread_only_for_ones_own(app, login_as, make_person):
    make_person()
    submitted(app, login_as, "99101")
    with app.app_context():
        mine = db.session.scalar(select(Notification)).id
    assert login_as("huyen2").post(f"/notifications/{mine}/read").status_code == 303
    with app.app_context():
        assert db.session.get(Notification, mine).read_at is None  # not theirs: untouched
    reviewer = login_as("huyen")
    assert reviewer.post(f"/notifications/{mine}/read").status_code == 303
    assert 'id="unread-count"' not in reviewer.get("/notifications/").get_data(as_text=True)
    assert reviewer.post(f"/notifications/{mine}/unread").status_code == 303
    assert 'id="unread-count">1<' in reviewer.get("/notifications/").get_data(as_text=True)
    assert reviewer.post("/notifications/read-all").status_code == 303
    with app.app_context():
        assert db.session.get(Notification, mine).read_at is not None


def test_units_are_reminded_once_when_due_and_again_when_overdue(app, demo, make_person):
    make_person()
    with app.test_request_context():
        first = services.remind_due(date(2025, 11, 1))  # October's report, due 03/11
        assert first > 0 and services.remind_due(date(2025, 11, 2)) == 0  # once
        assert services.remind_due(date(2025, 11, 4)) > 0  # overdue now
        db.session.commit()
    reminders = texts(app, "xa")
    assert any("tháng 10/2025 của Xã Tân Hòa đến hạn nộp ngày 03/11/2025" in t for t in reminders)
    assert any("tháng 10/2025 của Xã Tân Hòa đã quá hạn nộp" in t for t in reminders)


def test_districts_are_reminded_of_the_half_year_report_before_and_after_its_due_day(app, demo):
    with app.test_request_context():
        assert services.remind_periodic_due(date(2026, 7, 3)) == 0  # 4 days before 07/07
        assert services.remind_periodic_due(date(2026, 7, 4)) > 0
        assert services.remind_periodic_due(date(2026, 7, 5)) == 0  # once
        assert services.remind_periodic_due(date(2026, 7, 8)) > 0  # overdue now
        db.session.commit()
    said = texts(app, "huyen")
    assert ("Biểu 03-BCN 6 tháng đầu năm 2026 của Huyện Tân Lập đến hạn nộp ngày 07/07/2026."
            in said)
    assert "Biểu 03-BCN 6 tháng đầu năm 2026 của Huyện Tân Lập đã quá hạn nộp (07/07/2026)." in said
    # The province's 04-BCN is due on 15/07: nothing yet, then its own reminder.
    assert not any(t.startswith("Biểu 04-BCN") for t in texts(app, "tinh"))
    with app.test_request_context():
        assert services.remind_periodic_due(date(2026, 7, 12)) > 0
        db.session.commit()
    assert ("Biểu 04-BCN 6 tháng đầu năm 2026 của Tỉnh Mai Sơn đến hạn nộp ngày 15/07/2026."
            in texts(app, "tinh"))


def test_a_unit_that_sent_its_report_is_not_reminded(app, login_as, make_person):
    make_person()
    submitted(app, login_as, "99101")
    with app.test_request_context():
        services.remind_due(date(2025, 11, 1))
        db.session.commit()
    assert not any("đến hạn" in t for t in texts(app, "xa"))
    assert any("đến hạn" in t for t in texts(app, "xa2"))
    # The province reports to the ministry (C04) and is reminded too, once.
    assert len([t for t in texts(app, "tinh") if "Tỉnh Mai Sơn đến hạn" in t]) == 1


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_mail_is_off_by_default_and_sent_once_when_smtp_is_configured(app, login_as,
                                                                      make_person, monkeypatch):
    monkeypatch.setattr(services.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    make_person()
    submitted(app, login_as, "99101")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "huyen"))
        user.email = "huyen@example.vn"
        db.session.commit()
        assert services.send_pending_mail() == 0 and FakeSMTP.sent == []  # no SMTP_HOST
        monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.example.vn")
        assert services.send_pending_mail() == 1
        db.session.commit()
        assert services.send_pending_mail() == 0  # never twice
    assert FakeSMTP.sent[0]["To"] == "huyen@example.vn"
    assert "chờ duyệt" in FakeSMTP.sent[0].get_content()


def test_the_header_counter_is_one_indexed_count_whatever_the_number(app, login_as,
                                                                     make_person):
    make_person()
    submitted(app, login_as, "99101")
    client = login_as("huyen")
    statements = []

    def count(conn, cursor, statement, *args):
        if "notifications" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/persons/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "count" in statements[0].lower()


def test_the_administrator_gives_an_account_its_e_mail_address(app, login_as):
    new = {"username": "canbo.moi", "full_name": "Hà Thị Thu", "role": "commune",
           "unit_code": "99103", "active": "y", "new_password": "Tam-thoi-Mai-Son-1",
           "confirm": "Tam-thoi-Mai-Son-1"}
    admin = login_as("admin")
    bad = admin.post("/admin/users/new", data={**new, "email": "khong-phai-thu"})
    assert bad.status_code == 400 and "Địa chỉ thư điện tử không hợp lệ." in bad.get_data(
        as_text=True)
    assert admin.post("/admin/users/new", data={**new, "email": "thu@example.vn"}
                      ).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.username == "canbo.moi")
                                 ) == "thu@example.vn"
