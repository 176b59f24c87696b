"""Demo half-year / year reports (Biểu 03-BCN): the last period that ended, played through the
periodic services by each district's officer and the province. Tân Lập's and Mường Chiến's are
approved, Thành phố Mai Sơn's waits for tinh's review, and the province's 04-BCN is left for tinh
to send. The moments are rewritten afterwards to believable ones (sent two days before the due
day, approved the next morning)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from ..auth.models import Role, User
from ..extensions import db
from ..reports import periodic
from ..timeutil import LOCAL_TZ, today_local
from ..units.models import Unit

APPROVED = ("991", "992")
NOTE = ("Một số xã chưa có đủ báo cáo tháng được duyệt trong kỳ; huyện đã đôn đốc, số liệu "
        "của các xã này sẽ được bổ sung ở kỳ sau.")


def _utc(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), LOCAL_TZ).astimezone(timezone.utc).replace(
        tzinfo=None)


def _officer(unit: Unit, role: Role) -> User | None:
    return db.session.scalar(select(User).where(User.unit_id == unit.id, User.role == role.value)
                             .order_by(User.id).limit(1))


def load_periodic(today: date | None = None) -> int:
    """The districts' 03-BCN of the last period that ended; returns how many were made."""
    today = today or today_local()
    year, period = periodic.parse_key(periodic.current_term(today))
    province = db.session.scalar(select(Unit).where(Unit.code == "99"))
    reviewer = _officer(province, Role.PROVINCE)
    due = periodic.due_date("03-BCN", year, period)
    made = 0
    for district in periodic.children_of(province, year, period):
        officer = _officer(district, Role.DISTRICT)
        if officer is None or "03-BCN" not in periodic.forms_of(district):
            continue
        view = periodic.compute_view(district, "03-BCN", year, period)
        note = NOTE if periodic.incomplete(view) else None
        sub = periodic.submit(district, "03-BCN", year, period,
                              {"number": str(20 + made), "note": note}, officer, today=today)
        sent = _utc(min(due - timedelta(days=2), today), 9)
        sub.submitted_at = sub.first_submitted_at = sub.snapshot_at = sent
        sub.transitions[-1].at = sent
        if district.code in APPROVED:
            periodic.approve(sub, reviewer, "Đồng ý.")
            sub.decided_at = sub.transitions[-1].at = sent + timedelta(hours=24)
        made += 1
    db.session.flush()
    return made
