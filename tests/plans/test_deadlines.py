"""Targets with a deadline: the communes that had not started a rehab form by the date."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.plans import deadlines
from webapp.plans.models import DeadlineTarget
from webapp.registry import services as registry
from webapp.treatment.models import RehabEpisode
from webapp.units.models import Unit


def _unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def _user(name):
    return db.session.scalar(select(User).where(User.username == name))


def detox(code: str, on: date) -> None:
    officer = _user("xa")
    person = registry.save_person(None, {"full_name": "Lò Văn Pọm", "sex": "M",
                                         "birth_year": 1990, "unit": _unit(code)}, officer)
    db.session.add(RehabEpisode(person_id=person.id, unit_id=person.unit_id, form="detox",
                                start_date=on, planned_end=on, created_by_id=officer.id))
    db.session.flush()


def directive() -> DeadlineTarget:
    return deadlines.create(_user("tinh"), {
        "title": "Trước ngày 30/12/2023, tất cả các địa phương phải đưa được người nghiện vào "
                 "điều trị cắt cơn", "form": "detox", "at_least": 1,
        "start_date": date(2023, 1, 1), "deadline": date(2023, 12, 29)})


def test_a_commune_that_started_detox_on_the_deadline_meets_it_one_day_late_does_not(ctx, demo):
    detox("99101", date(2023, 12, 29))
    detox("99102", date(2023, 12, 30))
    detox("99103", date(2022, 12, 31))  # before the period
    target = directive()
    behind = {u.code: n for u, n in deadlines.standing(_user("tinh"), target).behind}
    assert "99101" not in behind
    assert behind["99102"] == 0 and behind["99103"] == 0
    assert len(behind) == 9  # ten communes, one met it
    assert deadlines.standing(_user("tinh"), target).passed


def test_a_district_sees_only_its_own_communes_behind_the_province_target(ctx, demo):
    target = directive()
    behind = deadlines.standing(_user("huyen"), target).behind
    assert {u.code for u, _ in behind} == {"99101", "99102", "99103", "99104"}
    assert deadlines.may_see(_user("xa"), target)
    assert target in deadlines.visible(_user("xa"))


def test_a_deadline_before_its_start_is_refused_and_nothing_saved(app, login_as):
    client = login_as("tinh")
    response = client.post("/plans/deadlines", data={
        "title": "Cắt cơn", "form": "detox", "at_least": "1", "start_date": "01/06/2024",
        "deadline": "31/05/2024"})
    assert response.status_code == 422
    assert "Hạn hoàn thành phải từ ngày bắt đầu tính trở đi." in response.get_data(as_text=True)
    response = client.post("/plans/deadlines", data={
        "title": "Cắt cơn", "form": "detox", "at_least": "0", "deadline": "31/05/2024"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(DeadlineTarget.id)) is None
    created = client.post("/plans/deadlines", data={
        "title": "Cắt cơn trong năm", "form": "detox", "at_least": "2", "deadline": "31/05/2024"})
    assert created.status_code == 303
    page = client.get(created.location).get_data(as_text=True)
    assert "Đơn vị không đạt đúng hạn (10)" in page and "0/2" in page
    assert login_as("huyen2").get(created.location).status_code == 200  # set above it
