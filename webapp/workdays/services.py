"""The administrator's list of extra days off and make-up working days, saved as a whole:
one bad row (a malformed date, a day twice, a missing kind) and nothing is saved."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..forms import DateParseError, input_problem, parse_vn_date
from . import calendar
from .models import CalendarDay

NOTE_MAX = 200


@dataclass
class Row:
    day: str = ""
    kind: str = ""
    note: str = ""
    error: str | None = None

    @property
    def blank(self) -> bool:
        return not (self.day.strip() or self.note.strip())


def current_rows() -> list[Row]:
    return [Row(d.day.strftime("%d/%m/%Y"), d.kind, d.note or "")
            for d in db.session.scalars(select(CalendarDay).order_by(CalendarDay.day))]


def save(rows: list[Row], user: User) -> bool:
    """Replace the list with `rows` (blank rows ignored). False, with `row.error` set beside
    every bad row, when anything is wrong: then nothing changes."""
    parsed, seen, ok = {}, {}, True
    for row in rows:
        if row.blank:
            continue
        problem = input_problem(row.day) or input_problem(row.note)
        try:
            day = parse_vn_date(row.day) if not problem else None
        except DateParseError as exc:
            problem, day = str(exc), None
        if not problem and row.kind not in calendar.KINDS:
            problem = "Vui lòng chọn ngày nghỉ thêm hoặc ngày làm việc bù."
        if not problem and len(row.note.strip()) > NOTE_MAX:
            problem = f"Ghi chú tối đa {NOTE_MAX} ký tự."
        if not problem and day in seen:
            problem = f"Ngày {row.day.strip()} đã có ở dòng trên."
        if problem:
            row.error, ok = problem, False
            continue
        seen[day] = row
        parsed[day] = (row.kind, row.note.strip() or None)
    if not ok:
        return False
    existing = {d.day: d for d in db.session.scalars(select(CalendarDay))}
    for day, item in existing.items():
        if day not in parsed:
            db.session.delete(item)
    for day, (kind, note) in parsed.items():
        item = existing.get(day)
        if item is None:
            db.session.add(CalendarDay(day=day, kind=kind, note=note, created_by_id=user.id))
        elif (item.kind, item.note) != (kind, note):
            item.kind, item.note = kind, note
    calendar.forget()
    return True
