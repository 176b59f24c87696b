"""The audit log as administrators search it: who viewed, exported or changed what, and when.

Personal data stays out of this page: for case files only the kind of record and its number
are shown, never the changed values (administrators do not open case files).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..extensions import db
from ..forms import DateParseError, parse_vn_date
from ..scoping import scoped_audit_events
from ..timeutil import LOCAL_TZ
from .models import AuditEvent, AuditPerson

ACTIONS = {"view": "Xem hồ sơ", "view_list": "Xem danh sách", "export": "Tải Excel",
           "print": "In", "probe": "Kiểm tra trùng hồ sơ",
           "probe_refused": "Kiểm tra trùng bị từ chối (quá giới hạn)",
           "refused": "Truy cập ngoài phạm vi (bị từ chối)", "find": "Tra cứu người (quản trị)",
           "import": "Nhập từ Excel", "create": "Tạo mới", "update": "Sửa", "delete": "Xóa"}
OBJECTS = {"Person": "Hồ sơ đối tượng", "PersonEvent": "Sự kiện của hồ sơ",
           "TransferRequest": "Đề nghị chuyển hồ sơ", "RehabEpisode": "Đợt cai nghiện",
           "MethadonePeriod": "Điều trị Methadone", "PostRehabTerm": "Quản lý sau cai",
           "PostRehabActivity": "Hoạt động sau cai", "MonthlySubmission": "Báo cáo tháng",
           "Quota": "Chỉ tiêu", "User": "Tài khoản", "Setting": "Cấu hình",
           "ImportJob": "Lượt nhập Excel", "Stats": "Thống kê", "Unit": "Đơn vị"}
# Whose changed values may be shown to administrators.
SHOWN_CHANGES = {"User", "Setting", "Quota"}
PAGE = 100


@dataclass
class AuditFilters:
    username: str = ""
    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        f = cls(username=(args.get("username") or "").strip().lower()[:50])
        f.action = args.get("action", "") if args.get("action", "") in ACTIONS else ""
        f.object_type = args.get("object_type", "") if args.get("object_type", "") in OBJECTS else ""
        raw_id = (args.get("object_id") or "").strip()
        if raw_id:
            if raw_id.isdigit():
                f.object_id = int(raw_id)
            else:
                f.errors["object_id"] = "Số hiệu phải là số."
        for name in ("day_from", "day_to"):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, parse_vn_date(raw))
                except DateParseError as exc:
                    f.errors[name] = str(exc)
        try:
            f.page = max(1, int(args.get("page", 1)))
        except ValueError:
            f.page = 1
        return f


def _utc_midnight(day: date):
    from datetime import datetime, timezone

    local = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def audit_query(user: User, f: AuditFilters) -> Select:
    query = scoped_audit_events(user)
    if f.username:
        query = query.where(AuditEvent.user_id.in_(
            select(User.id).where(User.username == f.username)))
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.object_type:
        query = query.where(AuditEvent.object_type == f.object_type)
    if f.object_id is not None:
        query = query.where(AuditEvent.object_id == f.object_id)
    if f.day_from:
        query = query.where(AuditEvent.at >= _utc_midnight(f.day_from))
    if f.day_to:
        query = query.where(AuditEvent.at < _utc_midnight(f.day_to + timedelta(days=1)))
    return query.order_by(AuditEvent.id.desc())


def page_of(query: Select, page: int) -> tuple[list[AuditEvent], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(PAGE).offset((page - 1) * PAGE)).all()
    return list(rows), total


# --- One person ---------------------------------------------------------------------------------

def probes_matching(person_id: int, limit: int = 200) -> list[AuditEvent]:
    """Duplicate checks whose answer matched this person, newest first."""
    return list(db.session.scalars(
        select(AuditEvent).join(AuditPerson, AuditPerson.event_id == AuditEvent.id)
        .where(AuditPerson.person_id == person_id, AuditEvent.action == "probe")
        .options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc()).limit(limit)))


def about_person(user: User, person_id: int) -> Select:
    """Every audit entry about one person: views of the file (and its edit and print pages),
    changes, refused attempts, and the lists, exports, probes and import previews that showed
    or matched them — within the accounts the reader may audit."""
    return (scoped_audit_events(user).where(or_(
        and_(AuditEvent.object_type == "Person", AuditEvent.object_id == person_id),
        AuditEvent.id.in_(select(AuditPerson.event_id).where(AuditPerson.person_id == person_id))))
        .options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc()))
