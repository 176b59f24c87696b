"""What is due for the signed-in officer: the home page's "Việc cần làm".

Each item counts with the same SQL condition the registry list filters with, so following the
link shows exactly the persons counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import case, func, select

from .. import settings
from ..auth.models import Role, User
from ..extensions import db, keep_counted
from ..formatting import vn_number
from ..dossier.services import worklist_items as dossier_items
from ..registry.models import TransferRequest
from ..registry.queries import DUE_FILTERS, due_condition
from ..scoping import restrict, scoped_persons, scoped_transfers
from ..timeutil import now_utc, today_local
from ..workdays.deadlines import overdue_decision, worklist_items


@dataclass
class Item:
    label: str
    count: int
    url: str
    urgent: bool = False


def report_due(today: date) -> tuple[str, date]:
    """The monthly report to send next ("10/2026") and its due date (the setting's day)."""
    day = settings.get("report_due_day")
    if today.day <= day:
        month_end = today.replace(day=1) - timedelta(days=1)
        return f"{month_end.month:02d}/{month_end.year}", today.replace(day=day)
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, day)
    return f"{today.month:02d}/{today.year}", nxt


_statements: dict[tuple, object] = {}


def _counts_statement(user: User, today: date):
    """The one pass counting every kind of due item, built once per scope and day: SQLAlchemy
    keeps a statement's cache key on the statement, and walking this one (ten conditions of
    nested subqueries) to make that key cost more than running it for a commune."""
    # The scope is the unit's subtree: its path is in the key (a unit moved gets new ones).
    late, cutoff = overdue_decision(today)
    key = (user.unit_id, user.unit.path, user.role, today, settings.get("due_soon_days"),
           cutoff)
    statement = _statements.get(key)
    if statement is None:
        if len(_statements) > 1000:
            _statements.clear()
        conditions = {**{name: due_condition(name, today) for name in DUE_FILTERS},
                      "late_decisions": late}
        sub = scoped_persons(user).with_only_columns(*[
            case((condition, 1), else_=0).label(name)
            for name, condition in conditions.items()]).subquery()
        statement = _statements[key] = select(*[func.coalesce(func.sum(sub.c[name]), 0)
                                                 for name in conditions])
    return statement


COUNTED = (*DUE_FILTERS, "late_decisions")


def _person_counts(user: User, today: date) -> dict[str, int]:
    """Every kind of due item, and the management decisions overdue in working days, over the
    persons in scope, in one pass."""
    counts = db.session.execute(_counts_statement(user, today)).one()
    return {name: int(count) for name, count in zip(COUNTED, counts)}


def person_counts(user: User, today: date) -> tuple[dict[str, int], datetime | None]:
    """(counts, when they were counted, or None for live). A commune officer acts on each
    item: counted live. A reviewer's scope is thousands of persons: kept `worklist_cache_minutes`
    (shared by every worker), then counted again; 0 counts live for everyone."""
    from ..dashboard.models import WorklistCounts

    minutes = settings.get("worklist_cache_minutes")
    if user.role == Role.COMMUNE or not minutes:
        return _person_counts(user, today), None
    kept = db.session.scalar(select(WorklistCounts).where(WorklistCounts.unit_id == user.unit_id))
    now = now_utc()
    if kept is not None and kept.counted_for == today and \
            kept.computed_at >= now - timedelta(minutes=minutes):
        return kept.counts, kept.computed_at
    counts = _person_counts(user, today)
    keep_counted(kept, WorklistCounts, unit_id=user.unit_id, counted_for=today,
                 computed_at=now, counts=counts)
    return counts, now


class Worklist(list):
    """The items, and when the counts of persons were made (None: just now, live)."""

    counted_at: datetime | None = None


def worklist(user: User, today: date | None = None) -> Worklist | None:
    if user.role == Role.ADMIN:
        return None
    today = today or today_local()
    items = Worklist()
    counts, items.counted_at = person_counts(user, today)
    for name, label in DUE_FILTERS.items():
        count = counts.get(name, 0)
        if count:
            items.append(Item(f"{label}: {vn_number(count)} người", count,
                              url_for("registry.index", due=name), name.endswith("overdue")))
    # The pending transfers, read once: counted here, their handover deadlines below.
    pending = db.session.scalars(scoped_transfers(user).where(
        TransferRequest.status == "pending")).all()
    if user.role == Role.COMMUNE:
        waiting = sum(t.requested_by_unit_id == user.unit_id for t in pending)
        to_decide = len(pending) - waiting
        if to_decide:
            items.append(Item(f"{to_decide} đề nghị chuyển hồ sơ chờ xã tiếp nhận hoặc từ chối",
                              to_decide, url_for("registry.transfers"), True))
        if waiting:
            items.append(Item(f"{waiting} đề nghị chuyển hồ sơ đã gửi, đang chờ xã kia xử lý",
                              waiting, url_for("registry.transfers")))
    else:
        count = len(pending)
        if count:
            items.append(Item(f"{count} đề nghị chuyển hồ sơ giữa các xã đang chờ xử lý",
                              count, url_for("registry.transfers")))
    items.extend(_report_items(user, today))
    items.extend(Item(*item) for item in worklist_items(  # in working days
        user, today, late=counts.get("late_decisions"), transfers=pending))
    items.extend(Item(*row) for row in dossier_items(user, today))
    return items


def _report_items(user: User, today: date) -> list[Item]:
    """Reports waiting for this user's review, and this unit's own reports not yet sent."""
    from ..reports.models import MonthlySubmission
    from ..units.models import Level, Unit

    items = []
    # Driven by the children (their index), not by the country's submissions of that status;
    # a commune has none.
    waiting = [] if user.unit.level == Level.COMMUNE else db.session.execute(
        select(MonthlySubmission.year, MonthlySubmission.month, func.count())
        .where(MonthlySubmission.unit_id.in_(select(Unit.id).where(
            Unit.parent_id == user.unit_id)), MonthlySubmission.status == "submitted")
        .group_by(MonthlySubmission.year, MonthlySubmission.month)
        .order_by(MonthlySubmission.year, MonthlySubmission.month)).all()
    for year, month, count in waiting:
        items.append(Item(f"{count} báo cáo tháng {month:02d}/{year} chờ duyệt", count,
                          url_for("reports.period", period=f"{year:04d}-{month:02d}"), True))
    if user.unit.parent_id is not None:
        label, due = report_due(today)
        month, year = (int(x) for x in label.split("/"))
        sub = db.session.scalar(select(MonthlySubmission).where(
            MonthlySubmission.unit_id == user.unit_id, MonthlySubmission.year == year,
            MonthlySubmission.month == month))
        if sub is None or sub.status in ("draft", "returned"):
            state = "bị trả lại, cần sửa và gửi lại" if sub and sub.status == "returned" \
                else "chưa gửi"
            items.append(Item(f"Báo cáo tháng {label} của đơn vị {state} (hạn {due:%d/%m/%Y})",
                              1, url_for("reports.submission", period=f"{year:04d}-{month:02d}",
                                         unit_code=user.unit.code),
                              today > due or (sub is not None and sub.status == "returned")))
    return items


@dataclass
class ReturnedReport:
    period_label: str
    note: object  # the SubmissionTransition that sent the report back, with its comment
    url: str


def returned_reports(user: User) -> list[ReturnedReport]:
    """The unit's own reports sent back for correction, latest period first, with the
    reviewer's comment: shown on the home page, not only at the foot of the report."""
    from ..reports.models import MonthlySubmission

    if user.role == Role.ADMIN or user.unit.parent_id is None:
        return []
    subs = db.session.scalars(
        restrict(select(MonthlySubmission), user, MonthlySubmission.unit_id)
        .where(MonthlySubmission.unit_id == user.unit_id, MonthlySubmission.status == "returned")
        .order_by(MonthlySubmission.year.desc(), MonthlySubmission.month.desc()).limit(12))
    return [ReturnedReport(sub.period_label, sub.return_note,
                           url_for("reports.submission", period=sub.period,
                                   unit_code=user.unit.code))
            for sub in subs if sub.return_note is not None]
