"""Deadlines shown with days left or overdue, on the person page and in the worklist."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.units.models import Unit


def _tested(app, demo, days_ago: int) -> int:
    with app.app_context():
        user = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        data = {"full_name": "Sùng A Dế", "sex": "M", "birth_year": 1990, "unit": unit}
        person = registry.save_person(None, data, user)
        event = {"event_date": today_local() - timedelta(days=days_ago)}
        assert registry.validate_event(person, EventKind.POSITIVE_TEST, event) == {}
        registry.add_event(person, EventKind.POSITIVE_TEST, event, user)
        db.session.commit()
        return person.id


def test_a_decision_overdue_shows_on_the_person_page_and_in_the_worklist(app, demo, login_as):
    pid = _tested(app, demo, 20)
    client = login_as("xa")
    page = client.get(f"/persons/{pid}").get_data(as_text=True)
    assert "Ra quyết định quản lý (Mẫu 07)" in page and "quá hạn" in page
    home = client.get("/").get_data(as_text=True)
    assert "Quá hạn ra quyết định quản lý" in home and "1 người" in home
    listing = client.get("/deadlines/").get_data(as_text=True)
    assert "Sùng A Dế" in listing
    assert "Sùng A Dế" not in login_as("xa2").get("/deadlines/").get_data(as_text=True)


def test_a_test_of_today_is_not_overdue(app, demo, login_as):
    pid = _tested(app, demo, 0)
    client = login_as("xa")
    page = client.get(f"/persons/{pid}").get_data(as_text=True)
    assert "còn 3 ngày làm việc" in page
    assert "Quá hạn ra quyết định quản lý" not in client.get("/").get_data(as_text=True)


def test_the_compulsory_rehab_file_steps_of_an_untreated_addict(app, demo, login_as):
    with app.app_context():
        user = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        person = registry.save_person(None, {"full_name": "Thào A Chứ", "sex": "M",
                                             "birth_year": 1985, "unit": unit}, user)
        event = {"event_date": today_local() - timedelta(days=60), "addicted": True,
                 "facility": "Trung tâm Y tế huyện"}
        assert registry.validate_event(person, EventKind.DETERMINATION, event) == {}
        registry.add_event(person, EventKind.DETERMINATION, event, user)
        db.session.commit()
        pid = person.id
    page = login_as("xa").get(f"/persons/{pid}").get_data(as_text=True)
    assert "Lập hồ sơ đề nghị áp dụng biện pháp đưa vào cơ sở cai nghiện bắt buộc" in page
    assert "Thông báo việc lập hồ sơ cho người bị đề nghị và gia đình (Mẫu 32)" in page
    assert "quá hạn" in page
