"""Reviewer tools on the completeness page: filter and sort by status and district, the unit's
own report kept apart from its children's completeness, and approving several reports at once
— only those the reviewer opened, at the version they saw."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Level, Unit
from . import services
from .models import STATUS_LABELS, MonthlySubmission, ReportOpening

SORTS = {"unit": "Theo đơn vị", "status": "Theo trạng thái", "sent": "Theo ngày gửi"}
_STATUS_ORDER = {s: i for i, s in enumerate(("submitted", "returned", "draft", "missing",
                                              "approved"))}


@dataclass
class Completeness:
    own: services.UnitStatus | None      # the root's own report, apart
    children: list[services.UnitStatus]  # the units below, filtered and sorted
    districts: list[Unit]                # the filter's choices (none in a two-tier tree)
    all: list[services.UnitStatus]       # everyone, unfiltered: the counters


def completeness_view(root: Unit, year: int, month: int, status: str | None = None,
                      district: str | None = None, sort: str = "unit") -> Completeness:
    statuses = services.completeness(root, year, month)
    own = next((s for s in statuses if s.unit.id == root.id), None)
    below = [s for s in statuses if s.unit.id != root.id]
    districts = [s.unit for s in below if s.unit.level == Level.DISTRICT]
    if status in STATUS_LABELS:
        below = [s for s in below if s.status == status]
    chosen = next((d for d in districts if d.code == district), None)
    if chosen is not None:
        below = [s for s in below if s.unit.path.startswith(chosen.path)]
    if sort == "status":
        below.sort(key=lambda s: (_STATUS_ORDER.get(s.status, 9), s.unit.path))
    elif sort == "sent":
        below.sort(key=lambda s: (s.submitted_on is None, s.submitted_on or 0, s.unit.path))
    return Completeness(own, below, districts, statuses)


def record_opening(sub: MonthlySubmission | None, user: User) -> None:
    """A reviewer opened a submitted report: remember the version they saw (flushes)."""
    if sub is None or sub.status != "submitted" or not services.can_review_report(user, sub):
        return
    opening = db.session.scalar(select(ReportOpening).where(
        ReportOpening.submission_id == sub.id, ReportOpening.user_id == user.id))
    if opening is None:
        db.session.add(ReportOpening(submission_id=sub.id, user_id=user.id, version=sub.version))
    elif opening.version != sub.version:
        opening.version, opening.opened_at = sub.version, now_utc()


def approve_many(user: User, wanted: dict[int, int]) -> tuple[list[Unit], list[str]]:
    """Approve the submissions {id: version seen}: each must be one the user opened at that
    version, still submitted, reviewable by them. Returns (approved units, refusals)."""
    subs = {s.id: s for s in db.session.scalars(select(MonthlySubmission).where(
        MonthlySubmission.id.in_(list(wanted))))} if wanted else {}
    opened = {o.submission_id: o.version for o in db.session.scalars(select(ReportOpening).where(
        ReportOpening.user_id == user.id, ReportOpening.submission_id.in_(list(subs))))}
    done, refused = [], []
    for sub_id, version in wanted.items():
        sub = subs.get(sub_id)
        if sub is None or not services.can_review_report(user, sub):
            refused.append("Một báo cáo được chọn không thuộc quyền duyệt của bạn.")
            continue
        name = sub.unit.name
        if opened.get(sub.id) is None:
            refused.append(f"{name}: chưa mở xem báo cáo; vui lòng mở báo cáo trước khi duyệt.")
            continue
        if opened[sub.id] != sub.version or version != sub.version:
            refused.append(f"{name}: báo cáo đã thay đổi sau khi bạn mở xem; vui lòng xem lại.")
            continue
        try:
            services.approve(sub, user, None, version)
        except services.ReportError as exc:
            refused.append(f"{name}: {exc}")
            continue
        done.append(sub.unit)
    return done, refused
