"""Targets with a deadline: a unit obliges every commune below it to have started a rehab form
for at least N persons by a date; the page lists the communes that have not (yet)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import select

from ..auth.models import Role, User
from ..extensions import db
from ..formatting import vn_number
from ..scoping import in_scope
from ..timeutil import today_local
from ..treatment.vocab import REHAB_FORMS
from ..units.models import Unit, under
from .models import DeadlineTarget
from .services import units_not_meeting

TITLE_MAX = 300
AT_LEAST_MAX = 100_000


class DeadlineError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def may_set(user: User) -> bool:
    return user.role in (Role.PROVINCE, Role.DISTRICT)


def may_see(user: User, target: DeadlineTarget) -> bool:
    """Set by the user's unit, above it (an obligation on it) or below it (in its scope)."""
    return in_scope(user, target.unit) or target.unit.contains(user.unit)


def visible(user: User) -> list[DeadlineTarget]:
    codes = user.unit.path.strip("/").split("/")
    query = (select(DeadlineTarget).join(Unit, Unit.id == DeadlineTarget.unit_id)
             .where(Unit.code.in_(codes) | under(Unit.path, user.unit.path))
             .order_by(DeadlineTarget.deadline.desc(), DeadlineTarget.id.desc()))
    return list(db.session.scalars(query))


def get_or_404(user: User, target_id: int) -> DeadlineTarget:
    target = db.session.get(DeadlineTarget, target_id)
    if target is None or not may_see(user, target):
        abort(404)
    return target


@dataclass
class Standing:
    target: DeadlineTarget
    root: Unit
    behind: list[tuple[Unit, int]]   # communes short of the target, with what they did
    passed: bool                     # the deadline has passed: they missed it

    @property
    def days_left(self) -> int:
        return (self.target.deadline - today_local()).days


def standing(user: User, target: DeadlineTarget) -> Standing:
    """The communes under both the target's unit and the user's that have not met it."""
    root = user.unit if target.unit.contains(user.unit) else target.unit
    behind = units_not_meeting(user, root, target.form, target.start_date, target.deadline,
                               target.at_least)
    return Standing(target, root, behind, today_local() > target.deadline)


def create(user: User, data: dict) -> DeadlineTarget:
    if not may_set(user):
        raise DeadlineError("Chỉ cán bộ cấp tỉnh, cấp huyện được đặt mục tiêu có thời hạn.",
                            "title")
    title = (data.get("title") or "").strip()
    if not title:
        raise DeadlineError("Vui lòng nhập nội dung mục tiêu.", "title")
    if len(title) > TITLE_MAX:
        raise DeadlineError(f"Nội dung không quá {TITLE_MAX} ký tự.", "title")
    form = data.get("form")
    if form not in REHAB_FORMS:
        raise DeadlineError("Hình thức cai nghiện không hợp lệ.", "form")
    at_least = data.get("at_least")
    if at_least is None or not 1 <= at_least <= AT_LEAST_MAX:
        raise DeadlineError(f"Số người phải từ 1 đến {vn_number(AT_LEAST_MAX)}.", "at_least")
    start, deadline = data.get("start_date"), data.get("deadline")
    if deadline is None:
        raise DeadlineError("Vui lòng nhập hạn hoàn thành.", "deadline")
    if start is None:
        start = date(deadline.year, 1, 1)
    if deadline < start:
        raise DeadlineError("Hạn hoàn thành phải từ ngày bắt đầu tính trở đi.", "deadline")
    target = DeadlineTarget(unit_id=user.unit_id, title=title, form=form, at_least=at_least,
                            start_date=start, deadline=deadline, created_by_id=user.id)
    db.session.add(target)
    db.session.flush()
    return target
