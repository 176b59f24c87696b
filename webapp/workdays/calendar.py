"""Working days: the Vietnam calendar of the `holidays` package (Tết, the Hùng Kings' day, the
days off moved by the government and their make-up Saturdays, 24/11 from 2026), corrected by an
administrator's list of extra days off and make-up working days (`CalendarDay`).

A deadline of N working days after an event ends on the N-th working day after the day of the
event (the day itself does not count).
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from flask import g, has_app_context

KINDS = {"off": "Ngày nghỉ thêm", "work": "Ngày làm việc bù"}


@lru_cache(maxsize=64)
def _national(year: int):
    return holidays.Vietnam(years=year, language="vi")


def _overrides() -> dict[date, str]:
    """{day: "off" | "work"}, read once per request (or app context)."""
    if not has_app_context():
        return {}
    if "calendar_overrides" not in g:
        from ..extensions import db
        from .models import CalendarDay

        g.calendar_overrides = {d.day: d.kind for d in db.session.scalars(db.select(CalendarDay))}
    return g.calendar_overrides


def forget() -> None:
    if has_app_context():
        g.pop("calendar_overrides", None)


def holiday_name(day: date) -> str | None:
    """The national holiday's name in Vietnamese, or None."""
    return _national(day.year).get(day)


def national_holidays(year: int) -> list[tuple[date, str]]:
    """The national calendar's days off of a year, by date."""
    return sorted(_national(year).items())


def make_up_days(year: int) -> list[date]:
    """The weekend days worked in exchange for a bridge day, as the national calendar has them."""
    return sorted(d for d in _national(year).weekend_workdays if d.year == year)


def is_working_day(day: date) -> bool:
    override = _overrides().get(day)
    if override is not None:
        return override == "work"
    return _national(day.year).is_working_day(day)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start`."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` < `start`)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + timedelta(days=n)))


def latest_start_due_before(today: date, count: int) -> date:
    """The latest day D whose deadline add_working_days(D, count) is before `today`: an event
    on or before D is overdue today. (Deadlines never decrease with the start day, so the SQL
    lists can filter on the event's date alone.)"""
    day = today - timedelta(days=1)
    while add_working_days(day, count) >= today:
        day -= timedelta(days=1)
    return day
