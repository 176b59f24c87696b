"""The management team of a decision, saved as a whole so its rules always hold: one leader
(the commune police officer), one member assigned to counsel the person. A change to a team
already recorded needs a reason, like any correction (registry.corrections): a changed member
is corrected, a removed one voided, never deleted; the audit keeps old → new."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..forms import input_problem
from ..registry.models import Person, PersonEvent
from ..registry.services import clean_text
from ..timeutil import now_utc
from ..treatment.models import PostRehabTerm
from ..vntext import fold, nfc
from .models import ROLES, TeamMember

MAX_MEMBERS = 9
LIMITS = {"full_name": 120, "position": 200, "phone": 20}
REASON_MAX = 500


@dataclass
class Row:
    id: int | None = None
    full_name: str = ""
    role: str = ""
    position: str = ""
    phone: str = ""
    counsels: bool = False
    errors: dict = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not (self.full_name.strip() or self.position.strip() or self.phone.strip())


def decision_of(person: Person, kind: str, entry_id: int):
    """The management decision (kind "event") or post-rehab term (kind "post_rehab") of this
    person's file that can have a team, or None."""
    if kind == "event":
        entry = db.session.get(PersonEvent, entry_id)
        ok = entry is not None and entry.kind == "management"
    elif kind == "post_rehab":
        entry = db.session.get(PostRehabTerm, entry_id)
        ok = entry is not None and entry.status != "suggested"
    else:
        return None
    if not ok or entry.person_id != person.id:
        return None
    return entry


def _column(kind: str):
    return TeamMember.event_id if kind == "event" else TeamMember.term_id


def members(kind: str, entry) -> list[TeamMember]:
    """The team of a decision, voided members included, leader first."""
    order = list(ROLES)
    found = db.session.scalars(select(TeamMember).where(_column(kind) == entry.id)
                               .order_by(TeamMember.id)).all()
    return sorted(found, key=lambda m: (m.voided, order.index(m.role) if m.role in order else 9))


def teams_of(person: Person) -> dict[tuple[str, int], list[TeamMember]]:
    """Every team of the person's file, by (kind, entry id), active members only."""
    out: dict[tuple[str, int], list[TeamMember]] = {}
    order = list(ROLES)
    for m in db.session.scalars(select(TeamMember).where(TeamMember.person_id == person.id,
                                                         TeamMember.voided_at.is_(None))):
        key = ("event", m.event_id) if m.event_id else ("post_rehab", m.term_id)
        out.setdefault(key, []).append(m)
    for team in out.values():
        team.sort(key=lambda m: order.index(m.role) if m.role in order else 9)
    return out


def validate(rows: list[Row], existing: list[TeamMember], reason: str | None) -> dict[str, str]:
    """Messages for the whole team ("team", "why"); each row's beside it (row.errors)."""
    errors: dict[str, str] = {}
    known = {m.id: m for m in existing if not m.voided}
    kept = []
    for row in rows:
        for name in ("full_name", "position", "phone"):
            value = getattr(row, name)
            problem = input_problem(value)
            if problem:
                row.errors[name] = problem
            elif len(value.strip()) > LIMITS[name]:
                row.errors[name] = f"Tối đa {LIMITS[name]} ký tự."
        if row.id is not None and row.id not in known:
            row.errors["full_name"] = "Thành viên này không thuộc tổ quản lý của quyết định."
        if row.blank:
            if row.counsels:
                row.errors["full_name"] = "Vui lòng nhập họ tên người được phân công giúp đỡ."
            continue
        if not row.full_name.strip():
            row.errors["full_name"] = "Vui lòng nhập họ và tên."
        if row.role not in ROLES:
            row.errors["role"] = "Vui lòng chọn vai trò trong tổ."
        kept.append(row)
    leaders = sum(1 for r in kept if r.role == "leader")
    counsellors = sum(1 for r in kept if r.counsels)
    if not kept:
        errors["team"] = "Vui lòng nhập các thành viên tổ quản lý."
    elif leaders == 0:
        errors["team"] = "Tổ quản lý phải có tổ trưởng (cán bộ Công an xã)."
    elif leaders > 1:
        errors["team"] = "Tổ quản lý chỉ có một tổ trưởng."
    elif counsellors == 0:
        errors["team"] = "Vui lòng phân công một thành viên giúp đỡ, cảm hóa người được quản lý."
    elif counsellors > 1:
        errors["team"] = "Chỉ phân công một thành viên giúp đỡ người được quản lý."
    elif len(kept) > MAX_MEMBERS:
        errors["team"] = f"Tổ quản lý tối đa {MAX_MEMBERS} thành viên."
    if known:
        text = clean_text(reason)
        if not text:
            errors["why"] = "Tổ quản lý đã được ghi nhận: vui lòng nhập lý do thay đổi."
        elif len(text) > REASON_MAX:
            errors["why"] = f"Lý do tối đa {REASON_MAX} ký tự."
    if any(r.errors for r in rows) and "team" not in errors:
        errors["team"] = "Vui lòng sửa các dòng được đánh dấu."
    return errors


def save(person: Person, kind: str, entry, rows: list[Row], reason: str | None,
         user: User) -> dict[str, str]:
    """Validate then write the team; {key: message} and nothing written when refused."""
    existing = members(kind, entry)
    errors = validate(rows, existing, reason)
    if errors:
        return errors
    reason = clean_text(reason)
    known = {m.id: m for m in existing if not m.voided}
    at = now_utc()
    seen = set()
    for row in rows:
        if row.blank:
            continue
        values = {"full_name": nfc(row.full_name), "role": row.role,
                  "position": clean_text(row.position), "phone": clean_text(row.phone),
                  "counsels": bool(row.counsels)}
        member = known.get(row.id) if row.id is not None else None
        if member is None:
            member = TeamMember(person_id=person.id, unit_id=person.unit_id,
                                created_by_id=user.id, **values,
                                name_folded=fold(values["full_name"]))
            member.event_id = entry.id if kind == "event" else None
            member.term_id = entry.id if kind == "post_rehab" else None
            db.session.add(member)
            continue
        seen.add(member.id)
        if any(getattr(member, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(member, k, v)
            member.name_folded = fold(member.full_name)
            member.corrected_at, member.corrected_by_id = at, user.id
            member.correction_reason = reason
    for member_id, member in known.items():
        if member_id not in seen:
            member.voided_at, member.voided_by_id, member.void_reason = at, user.id, reason
    return {}


def counselled_by(persons_query, name: str, limit: int = 200):
    """(member, person) pairs: the persons of the scoped query counselled by a member whose
    name contains `name` (diacritics and case ignored), by member then person."""
    folded = fold(name)
    if not folded:
        return []
    person_ids = persons_query.with_only_columns(Person.id).order_by(None)
    rows = db.session.execute(
        select(TeamMember, Person).join(Person, Person.id == TeamMember.person_id)
        .where(TeamMember.person_id.in_(person_ids), TeamMember.counsels.is_(True),
               TeamMember.voided_at.is_(None), TeamMember.name_folded.contains(folded, autoescape=True))
        .order_by(TeamMember.name_folded, Person.sort_key).limit(limit)).all()
    return [(m, p) for m, p in rows]
