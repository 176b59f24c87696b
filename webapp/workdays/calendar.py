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


@lru_cache(maxsize=256)
def _running_count(year: int, overrides: tuple[tuple[date, str], ...]) -> tuple[int, ...]:
    """Working days of `year` from 1 January up to and including each day (index: day of
    the year - 1), under the administrator's overrides of that year."""
    extra = dict(overrides)
    national = _national(year)
    out, total, day = [], 0, date(year, 1, 1)
    while day.year == year:
        kind = extra.get(day)
        total += (kind == "work") if kind is not None else national.is_working_day(day)
        out.append(total)
        day += timedelta(days=1)
    return tuple(out)


def _through(day: date) -> tuple[int, int]:
    """(working days of day's year through `day`, of the whole year)."""
    overrides = tuple(sorted((d, k) for d, k in _overrides().items() if d.year == day.year))
    counts = _running_count(day.year, overrides)
    return counts[day.timetuple().tm_yday - 1], counts[-1]


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` < `start`).
    Read off each year's running count: a deadline of an event years ago costs no loop."""
    if end < start:
        return -working_days_between(end, start)
    through_end, _ = _through(end)
    through_start, year_total = _through(start)
    count = through_end - through_start
    for year in range(start.year, end.year):  # the years the range leaves behind
        count += _through(date(year, 12, 31))[1] if year != start.year else year_total
    return count


def latest_start_due_before(today: date, count: int) -> date:
    """The latest day D whose deadline add_working_days(D, count) is before `today`: an event
    on or before D is overdue today. (Deadlines never decrease with the start day, so the SQL
    lists can filter on the event's date alone.)"""
    day = today - timedelta(days=1)
    while add_working_days(day, count) >= today:
        day -= timedelta(days=1)
    return day
