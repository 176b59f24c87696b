"""Deadlines in working days: the pinned `holidays` calendar knows Tết, the days the government
moved (and the Saturdays worked for them), 24/11 from 2026; the administrator's list wins."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from webapp.auth.models import User
from webapp.extensions import db as _db
from webapp.registry.models import TransferRequest
from webapp.units.models import Unit
from webapp.workdays import calendar, services
from webapp.workdays.deadlines import Deadline, handover
from webapp.workdays.models import CalendarDay


# --- What the pinned calendar knows, one test per boundary relied on -------------------------

def test_tet_2025_from_27_january_to_1_february_is_off(ctx):
    for day in range(27, 32):
        assert not calendar.is_working_day(date(2025, 1, day))
    assert not calendar.is_working_day(date(2025, 2, 1))
    assert calendar.is_working_day(date(2025, 2, 3))


def test_tet_2026_from_16_to_20_february_is_off(ctx):
    assert calendar.is_working_day(date(2026, 2, 13))
    for day in range(16, 21):
        assert not calendar.is_working_day(date(2026, 2, day))
    assert calendar.is_working_day(date(2026, 2, 23))


def test_tet_2027_from_4_to_10_february_is_off(ctx):
    for day in range(4, 11):
        assert not calendar.is_working_day(date(2027, 2, day))
    assert calendar.is_working_day(date(2027, 2, 11))


def test_the_2025_bridge_day_and_its_make_up_saturday(ctx):
    # Friday 02/05/2025 off, worked on Saturday 26/04/2025 instead.
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.is_working_day(date(2025, 4, 26))


def test_the_2026_bridge_day_before_national_day_and_its_make_up_saturday(ctx):
    assert not calendar.is_working_day(date(2026, 8, 31))
    assert calendar.is_working_day(date(2026, 8, 22))


def test_24_november_is_a_holiday_from_2026_only(ctx):
    assert calendar.is_working_day(date(2025, 11, 24))
    assert not calendar.is_working_day(date(2026, 11, 24))


def test_new_year_2027_falls_on_a_friday(ctx):
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


# --- The management decision: 3 working days after the positive test ------------------------

@pytest.mark.parametrize("test_day, due", [
    (date(2026, 2, 10), date(2026, 2, 13)),   # Tuesday before Tết: Wed, Thu, Fri
    (date(2026, 2, 11), date(2026, 2, 23)),   # Wednesday: Thu, Fri, then Tết to the Monday
    (date(2026, 2, 13), date(2026, 2, 25)),   # Friday before Tết
    (date(2025, 1, 24), date(2025, 2, 5)),    # Friday before Tết 2025 (Saturday 01/02 off)
    (date(2025, 4, 25), date(2025, 4, 29)),   # the make-up Saturday 26/04/2025 counts
    (date(2025, 4, 29), date(2025, 5, 7)),    # 30/4, 1/5 and the bridge day 2/5 do not
    (date(2026, 8, 21), date(2026, 8, 25)),   # make-up Saturday 22/08/2026 counts
    (date(2026, 8, 28), date(2026, 9, 7)),    # 31/8 bridge day, 1–2/9 National Day
])
def test_three_working_days_across_tet_and_the_substituted_days(ctx, test_day, due):
    assert calendar.add_working_days(test_day, 3) == due


def test_an_administrators_extra_day_off_and_make_up_day_win_over_the_calendar(db):
    db.session.add_all([CalendarDay(day=date(2026, 3, 10), kind="off", note="Tỉnh nghỉ"),
                        CalendarDay(day=date(2026, 3, 14), kind="work", note="Làm bù")])
    db.session.flush()
    calendar.forget()
    assert not calendar.is_working_day(date(2026, 3, 10))
    assert calendar.is_working_day(date(2026, 3, 14))  # a Saturday
    # Monday 9/3 + 3: Wed 11, Thu 12, Fri 13 (Tuesday 10 off)
    assert calendar.add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 13)


def test_working_days_between_counts_as_walking_day_by_day_across_years(db):
    """Read off running counts per year; the same as walking the days, overrides included,
    at the turn of the year, across Tết and both ways."""
    db.session.add_all([CalendarDay(day=date(2025, 12, 31), kind="off", note="Tỉnh nghỉ"),
                        CalendarDay(day=date(2027, 1, 2), kind="work", note="Làm bù")])
    db.session.flush()
    calendar.forget()

    def walked(start, end):
        return sum(calendar.is_working_day(date.fromordinal(n))
                   for n in range(start.toordinal() + 1, end.toordinal() + 1))

    pairs = [(date(2025, 12, 30), date(2025, 12, 31)), (date(2025, 12, 31), date(2026, 1, 2)),
             (date(2024, 6, 1), date(2027, 1, 4)), (date(2026, 2, 13), date(2026, 2, 23)),
             (date(2026, 3, 9), date(2026, 3, 9)), (date(2026, 12, 31), date(2027, 1, 2))]
    for start, end in pairs:
        assert calendar.working_days_between(start, end) == walked(start, end), (start, end)
        assert calendar.working_days_between(end, start) == -walked(start, end)
    assert calendar.working_days_between(date(2025, 12, 30), date(2025, 12, 31)) == 0


def test_the_overdue_cutoff_matches_the_deadline(ctx):
    today = date(2026, 2, 26)
    cutoff = calendar.latest_start_due_before(today, 3)
    assert calendar.add_working_days(cutoff, 3) < today
    after = date.fromordinal(cutoff.toordinal() + 1)
    assert calendar.add_working_days(after, 3) >= today


def test_days_left_and_overdue_are_counted_in_working_days(ctx):
    due = date(2026, 2, 25)
    assert Deadline("x", due, date(2026, 2, 13)).status == "còn 3 ngày làm việc"
    assert Deadline("x", due, date(2026, 2, 25)).status == "hạn hôm nay"
    late = Deadline("x", due, date(2026, 2, 27))
    assert late.overdue and late.status == "quá hạn 2 ngày làm việc"


# --- Handing a moving person's file over: 5 working days, 24 hours from 01/07/2026 -----------

def _transfer(app, demo, requested_at_utc: datetime) -> TransferRequest:
    xa, xa2 = (_db.session.get(Unit, demo["units"][c]) for c in ("99101", "99102"))
    return TransferRequest(person_id=0, from_unit=xa, to_unit=xa2, from_unit_id=xa.id,
                           to_unit_id=xa2.id, requested_by_unit_id=xa.id,
                           requested_at=requested_at_utc)


def test_a_request_on_30_june_2026_has_five_working_days(app, demo, ctx):
    # 30/06/2026 23:30 local time is 16:30 UTC.
    deadline = handover(_transfer(app, demo, datetime(2026, 6, 30, 16, 30)), date(2026, 7, 1))
    assert deadline.rule == "5 ngày làm việc"
    assert deadline.due == date(2026, 7, 7)
    assert deadline.due_at is None


def test_a_request_on_1_july_2026_local_time_has_24_hours(app, demo, ctx):
    # 01/07/2026 00:30 local time is still 30/06 in UTC: the local day decides.
    transfer = _transfer(app, demo, datetime(2026, 6, 30, 17, 30))
    now = datetime(2026, 7, 1, 20, 0, tzinfo=calendar_tz())
    deadline = handover(transfer, date(2026, 7, 1), now=now)
    assert deadline.rule == "24 giờ"
    assert deadline.due_text == "00:30 02/07/2026"
    assert not deadline.overdue and deadline.status == "còn 4 giờ"
    later = handover(transfer, date(2026, 7, 2), now=datetime(2026, 7, 2, 9, 0,
                                                                 tzinfo=calendar_tz()))
    assert later.overdue and later.status == "quá hạn 8 giờ"


def calendar_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Ho_Chi_Minh")


# --- The administrator's page ------------------------------------------------------------------

def test_a_malformed_date_is_refused_beside_its_row_and_nothing_is_saved(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/calendar", data={
        "rows": "3", "day-0": "10/03/2026", "kind-0": "off", "note-0": "Tỉnh nghỉ",
        "day-1": "31/02/2026", "kind-1": "off", "day-2": "2026-03-14", "kind-2": "work"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Ngày 31/02/2026 không tồn tại." in body
    assert "Ngày phải theo dạng dd/mm/yyyy" in body
    assert "Danh sách không thay đổi" in body
    with app.app_context():
        assert _db.session.scalars(_db.select(CalendarDay)).all() == []


def test_the_administrator_saves_an_extra_day_off_and_a_make_up_day(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/calendar", data={
        "rows": "3", "day-0": "10/03/2026", "kind-0": "off", "note-0": "Tỉnh nghỉ",
        "day-1": "14/03/2026", "kind-1": "work", "day-2": "", "kind-2": ""})
    assert response.status_code == 303
    with app.app_context():
        days = {d.day: d.kind for d in _db.session.scalars(_db.select(CalendarDay))}
    assert days == {date(2026, 3, 10): "off", date(2026, 3, 14): "work"}
    page = admin.get("/admin/calendar").get_data(as_text=True)
    assert 'value="10/03/2026"' in page and "Tỉnh nghỉ" in page


def test_a_day_twice_or_without_a_kind_is_refused(app, demo):
    with app.app_context():
        user = _db.session.get(User, demo["users"]["admin"])
        rows = [services.Row("10/03/2026", "off"), services.Row("10/03/2026", "work"),
                services.Row("11/03/2026", "")]
        assert not services.save(rows, user)
        assert rows[1].error == "Ngày 10/03/2026 đã có ở dòng trên."
        assert rows[2].error.startswith("Vui lòng chọn")
        assert rows[0].error is None


def test_only_the_administrator_opens_the_calendar(login_as):
    assert login_as("xa").get("/admin/calendar").status_code == 403


def test_the_page_lists_the_national_days_off_in_vietnamese(login_as):
    body = login_as("admin").get("/admin/calendar").get_data(as_text=True)
    assert "Tết Nguyên Đán" in body and "Quốc khánh" in body
