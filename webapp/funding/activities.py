"""Activities of a unit (trainings, communication sessions, inspections, steering-committee
meetings, documents issued) and the sentences the yearly report drafts from them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import extract, func, select
from sqlalchemy.orm import contains_eager

from ..auth.models import User
from ..extensions import db
from ..formatting import vn_date, vn_number
from ..scoping import may_keep_books
from ..timeutil import today_local
from ..units.models import Unit, under
from ..vntext import nfc
from .models import Activity, FundingEntry
from .services import FundingError, checked_texts, chosen, day_in_year, get_scoped_or_404
from .vocab import ACTIVITY_KINDS, DOCUMENT_TYPES

TITLE_MAX = 500
NUMBER_MAX = 40
MAX_PARTICIPANTS = 1_000_000


def get_activity_or_404(user: User, activity_id: int) -> Activity:
    return get_scoped_or_404(user, Activity, activity_id)


def activities_for(unit: Unit, first: int, last: int | None = None) -> list[Activity]:
    """The activities of the unit and every unit below it in the years, by date."""
    last = last or first
    query = (select(Activity).join(Unit, Unit.id == Activity.unit_id)
             .where(under(Unit.path, unit.path),
                    Activity.held_on.between(date(first, 1, 1), date(last, 12, 31)))
             .order_by(Activity.held_on, Activity.id).options(contains_eager(Activity.unit)))
    return list(db.session.scalars(query))


def funding_of(activity_ids: list[int]) -> dict[int, int]:
    """{activity id: đồng spent on it} for the activities listed, one grouped query."""
    if not activity_ids:
        return {}
    rows = db.session.execute(select(FundingEntry.activity_id, func.sum(FundingEntry.amount))
                              .where(FundingEntry.activity_id.in_(activity_ids))
                              .group_by(FundingEntry.activity_id))
    return {i: int(total) for i, total in rows}


def _clean(value) -> str:
    return nfc(str(value or "")).strip()


def validate_activity(user: User, unit: Unit, year: int, data: dict,
                      today: date | None = None) -> dict:
    today = today or today_local()
    errors: dict[str, str] = {}
    out: dict = {}
    checked_texts(data, ("held_on", "kind", "title", "participants", "document_type",
                         "document_number", "note"), errors, multiline=("note",))
    if not may_keep_books(user, unit):
        errors["unit"] = "Chỉ cán bộ của đơn vị mới ghi hoạt động của đơn vị."
    day_in_year(data, "held_on", year, today, errors, out, "Vui lòng nhập ngày.")
    kind = chosen(data, "kind", ACTIVITY_KINDS, errors, out,
                  "Loại hoạt động không hợp lệ; vui lòng chọn trong danh sách.")
    title = _clean(data.get("title"))
    if "title" not in errors:
        if not title:
            errors["title"] = ("Vui lòng nhập trích yếu văn bản." if kind == "document"
                               else "Vui lòng nhập nội dung hoạt động.")
        elif len(title) > TITLE_MAX:
            errors["title"] = f"Tối đa {TITLE_MAX} ký tự."
        else:
            out["title"] = title
    raw = _clean(data.get("participants"))
    out["participants"] = None
    if raw and "participants" not in errors:
        if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_PARTICIPANTS:
            errors["participants"] = "Số người tham gia là số nguyên không âm."
        else:
            out["participants"] = int(raw)
    doc_type = _clean(data.get("document_type"))
    number = _clean(data.get("document_number"))
    out["document_type"] = out["document_number"] = None
    if kind == "document":
        if doc_type not in DOCUMENT_TYPES and "document_type" not in errors:
            errors["document_type"] = "Vui lòng chọn loại văn bản (kế hoạch, quyết định…)."
        else:
            out["document_type"] = doc_type
        if len(number) > NUMBER_MAX and "document_number" not in errors:
            errors["document_number"] = f"Tối đa {NUMBER_MAX} ký tự."
        else:
            out["document_number"] = number or None
    note = nfc(str(data.get("note") or "")).strip()
    out["note"] = None if "note" in errors else (note[:5000] or None)
    if errors:
        raise FundingError(errors)
    return out


def add_activity(user: User, unit: Unit, year: int, data: dict,
                 today: date | None = None) -> Activity:
    values = validate_activity(user, unit, year, data, today)
    activity = Activity(unit_id=unit.id, created_by_id=user.id, **values)
    db.session.add(activity)
    db.session.flush()
    return activity


def delete_activity(user: User, activity: Activity) -> None:
    if not may_keep_books(user, activity.unit):
        raise FundingError({"activity": "Chỉ cán bộ của đơn vị mới xóa hoạt động của đơn vị."})
    linked = db.session.scalar(select(func.count(FundingEntry.id))
                               .where(FundingEntry.activity_id == activity.id))
    if linked:
        raise FundingError({"activity": f"Có {linked} khoản chi gắn với hoạt động này; vui lòng "
                                        "xóa các khoản chi đó trước."})
    db.session.delete(activity)
    db.session.flush()


# --- Counted into the yearly report --------------------------------------------------------------

@dataclass
class YearActivities:
    year: int
    counts: dict[str, int] = field(default_factory=dict)        # kind → number
    participants: dict[str, int] = field(default_factory=dict)  # kind → persons
    documents: list[Activity] = field(default_factory=list)
    inspections: list[Activity] = field(default_factory=list)


def counts(unit: Unit, first: int, last: int) -> dict[int, YearActivities]:
    """Per year over the unit's subtree: activities counted by kind (one grouped query), and
    the documents and inspections themselves (they are named in the report)."""
    year = extract("year", Activity.held_on)
    out = {y: YearActivities(y) for y in range(first, last + 1)}
    scope = (Activity.unit_id == Unit.id, under(Unit.path, unit.path),
             Activity.held_on.between(date(first, 1, 1), date(last, 12, 31)))
    grouped = (select(year, Activity.kind, func.count(Activity.id),
                      func.coalesce(func.sum(Activity.participants), 0))
               .where(*scope).group_by(year, Activity.kind))
    for y, kind, n, people in db.session.execute(grouped):
        out[int(y)].counts[kind] = int(n)
        out[int(y)].participants[kind] = int(people)
    named = (select(Activity).where(*scope, Activity.kind.in_(("document", "inspection")))
             .order_by(Activity.held_on, Activity.id))
    for activity in db.session.scalars(named):
        bucket = out[activity.held_on.year]
        (bucket.documents if activity.kind == "document" else bucket.inspections).append(activity)
    return out


def document_phrase(activity: Activity) -> str:
    """"Quyết định số 328/QĐ-UBND ngày 30/03/2020 về việc phân bổ chỉ tiêu cai nghiện năm 2020"."""
    kind = DOCUMENT_TYPES.get(activity.document_type or "other", "Văn bản")
    number = f" số {activity.document_number}" if activity.document_number else ""
    title = activity.title
    about = title if title.lower().startswith(("về ", "v/v")) else f"về việc {title}"
    return f"{kind}{number} ngày {vn_date(activity.held_on)} {about}"


def documents_paragraphs(years: dict[int, YearActivities]) -> list[str]:
    """Section II.1.1: the documents issued, year by year, as the seed report lists them."""
    lines = []
    for y, bucket in years.items():
        if bucket.documents:
            lines.append(f"- Năm {y}: " + "; ".join(document_phrase(a) for a in bucket.documents)
                         + ";")
        else:
            lines.append(f"- Năm {y}: chưa ghi nhận văn bản chỉ đạo, hướng dẫn nào.")
    return lines


_PHRASES = {"training": ("hội nghị, lớp tập huấn", "lượt người tham gia"),
            "communication": ("buổi tuyên truyền", "lượt người nghe"),
            "steering": ("cuộc họp Ban chỉ đạo", None)}


def activity_paragraphs(years: dict[int, YearActivities]) -> list[str]:
    """Section II.1.2: trainings, communication sessions and steering meetings counted."""
    lines = []
    for y, bucket in years.items():
        parts = []
        for kind, (noun, people) in _PHRASES.items():
            n = bucket.counts.get(kind, 0)
            if not n:
                continue
            part = f"{vn_number(n)} {noun}"
            if people and bucket.participants.get(kind):
                part += f" với {vn_number(bucket.participants[kind])} {people}"
            parts.append(part)
        lines.append(f"- Năm {y}: tổ chức " + "; ".join(parts) + "." if parts else
                     f"- Năm {y}: chưa ghi nhận hoạt động tập huấn, tuyên truyền nào.")
    return lines


def inspection_paragraphs(years: dict[int, YearActivities]) -> list[str]:
    """Section II.5: inspections and supervision visits, or that there were none."""
    held = {y: b for y, b in years.items() if b.inspections}
    if not held:
        span = (f"năm {min(years)}" if len(years) == 1
                else f"giai đoạn {min(years)} – {max(years)}")
        return [f"Trong {span}, chưa tổ chức cuộc thanh tra, kiểm tra, giám sát nào về công tác "
                "cai nghiện ma túy."]
    lines = []
    for y, bucket in years.items():
        if not bucket.inspections:
            lines.append(f"- Năm {y}: chưa tổ chức cuộc kiểm tra, giám sát nào.")
            continue
        named = "; ".join(f"{a.title} ({vn_date(a.held_on)})" for a in bucket.inspections)
        lines.append(f"- Năm {y}: tổ chức {vn_number(len(bucket.inspections))} cuộc kiểm tra, "
                     f"giám sát: {named}.")
    return lines
