"""Half-yearly and yearly reports up the tree: Biểu 03-BCN and 04-BCN (Circular 05/2011).

* 03-BCN is made by a unit whose children are communes (a district; in a two-tier province,
  the province) from its communes' **approved monthly snapshots**: a figure whose key starts
  with `flow.` is a flow and is summed over the period's months; every other figure is a stock
  and is read from the period's last month (`quota.*.achieved` is year-to-date, so the last
  month too). It adds the number and the list of communes with no addicts at the period's end
  (the last month's frozen count, counted by the registry's periods: an addict closed on 30/06
  is off the lists on 30/06).
* 04-BCN is the province's: the sum of its districts' approved 03-BCN, or, in a two-tier
  province, the same reckoning as a 03-BCN from its communes' months.

The life cycle is the monthly report's; a unit with no parent is the top of the tree, where
"submitted" is final (a parent, if one is ever added above, reviews as usual). Periods and due
days are the setting `periodic_reports`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from .. import settings
from ..auth.models import Role, User
from ..extensions import db
from ..forms import input_problem, scrub
from ..registry.services import clean_text
from ..scoping import can_review
from ..timeutil import now_utc, today_local
from ..units.models import Level, Unit, under
from .figures import as_values, compute
from .models import MonthlySubmission
from .periodic_models import PERIOD_LABELS, PeriodicSubmission
from . import services as monthly
from .services import ReportError, UnitStatus
# The monthly report's own guard and step: one life cycle for every report.
from .services import _check_version, _transition

FORMS = ("03-BCN", "04-BCN")
_KEY = re.compile(r"^([0-9]{4})-(H1|Y)$")
MAX_NUMBER = 20
MAX_TEXT = 5000

# The parent table's columns: indicator groups, each (key, short label). One definition for
# the screen, the Excel file and the print view.
TABLE = [
    ("Người trong danh sách quản lý (cuối kỳ)",
     [("persons.total", "Tổng số"), ("persons.addict", "Người nghiện"),
      ("persons.user", "Người SDTP")]),
    ("Phát sinh trong kỳ",
     [("flow.new", "Mới đưa vào DS"), ("flow.determined", "Xác định nghiện"),
      ("flow.relapsed", "Tái nghiện"), ("flow.closed", "Đưa ra khỏi DS")]),
    ("Cai nghiện trong kỳ",
     [("flow.rehab_started.home", "Tại gia đình"),
      ("flow.rehab_started.community", "Tại cộng đồng"),
      ("flow.rehab_started", "Tổng số bắt đầu"), ("flow.rehab_completed", "Hoàn thành")]),
    ("Cuối kỳ",
     [("ongoing.total", "Đang cai nghiện"), ("methadone.ongoing", "Methadone"),
      ("post_rehab.ongoing", "Quản lý sau cai")]),
    ("Sau cai trong kỳ",
     [("flow.post_rehab_opened", "QĐ quản lý mới"), ("flow.support", "Lượt hỗ trợ")]),
]
TABLE_KEYS = [key for _, columns in TABLE for key, _ in columns]


def is_flow(key: str) -> bool:
    return key.startswith("flow.")


# --- Periods ------------------------------------------------------------------------------

def parse_key(text: str) -> tuple[int, str] | None:
    """ "2026-H1" → (2026, "H1"); "2026-Y" → (2026, "Y")."""
    match = _KEY.match(text or "")
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        return None
    return int(match.group(1)), match.group(2)


def _conf(period: str) -> dict:
    return settings.get("periodic_reports")[period]


def _day(year: int, month_day: str) -> date:
    month, day = (int(x) for x in month_day.split("-"))
    return date(year, month, day)


def bounds(year: int, period: str) -> tuple[date, date]:
    conf = _conf(period)
    return _day(year, conf["start"]), _day(year, conf["end"])


def months_of(year: int, period: str) -> list[int]:
    first, last = bounds(year, period)
    return list(range(first.month, last.month + 1))


def due_date(form: str, year: int, period: str) -> date:
    """The first such day after the period's end (07/07 for H1; 07/01 of the next year)."""
    last = bounds(year, period)[1]
    day = _day(last.year, _conf(period)["due"][form])
    return day if day > last else _day(last.year + 1, _conf(period)["due"][form])


def period_label(year: int, period: str) -> str:
    return f"{PERIOD_LABELS[period]} {year}"


def period_line(year: int, period: str) -> str:
    first, last = bounds(year, period)
    return (f"Kỳ báo cáo: {period_label(year, period)} (từ ngày {first:%d/%m/%Y} "
            f"đến ngày {last:%d/%m/%Y})")


def current_term(today: date | None = None) -> str:
    """The last period that ended: this year's first half from 01/07, else last year."""
    today = today or today_local()
    if today > bounds(today.year, "H1")[1]:
        return f"{today.year}-H1"
    return f"{today.year - 1}-Y"


# --- Who makes which form -----------------------------------------------------------------

def children_of(unit: Unit, year: int, period: str) -> list[Unit]:
    """Children that existed during the period (a merged unit still reports its old ones)."""
    first, last = bounds(year, period)
    return list(db.session.scalars(select(Unit).where(
        Unit.parent_id == unit.id,
        (Unit.valid_from.is_(None)) | (Unit.valid_from <= last),
        (Unit.valid_to.is_(None)) | (Unit.valid_to > first)).order_by(Unit.code)))


def _has_commune_children(unit: Unit) -> bool:
    return db.session.scalar(select(Unit.id).where(
        Unit.parent_id == unit.id, Unit.level == Level.COMMUNE).limit(1)) is not None


def forms_of(unit: Unit) -> list[str]:
    """03-BCN for a unit over communes; 04-BCN for a province (both in a two-tier one)."""
    forms = []
    if unit.level != Level.COMMUNE and _has_commune_children(unit):
        forms.append("03-BCN")
    if unit.level == Level.PROVINCE:
        forms.append("04-BCN")
    return forms


def from_months(unit: Unit, form: str) -> bool:
    """Whether the report sums its children's months (else its districts' 03-BCN)."""
    return form == "03-BCN" or _has_commune_children(unit)


def can_edit(user: User, unit: Unit) -> bool:
    return user.role != Role.ADMIN and user.unit_id == unit.id


def reviewer_exists(unit: Unit) -> bool:
    """The province is the top of these forms: its 04-BCN is what it sends to the ministry,
    which does not approve it in the product (the national tier follows monthly reports)."""
    parent = unit.parent
    return parent is not None and parent.level != Level.NATIONAL


def can_decide(user: User, sub: PeriodicSubmission) -> bool:
    """Approve, return, reopen: the parent's officers; at the top, the unit's own officers
    may only reopen their final report (with a reason)."""
    if reviewer_exists(sub.unit):
        return can_review(user, sub.unit) and user.unit_id != sub.unit_id
    return can_edit(user, sub.unit)


def submission_for(unit: Unit, form: str, year: int, period: str) -> PeriodicSubmission | None:
    return db.session.scalar(select(PeriodicSubmission).where(
        PeriodicSubmission.unit_id == unit.id, PeriodicSubmission.form == form,
        PeriodicSubmission.year == year, PeriodicSubmission.period == period))


# --- Figures ------------------------------------------------------------------------------

def _relabel(rows: list, year: int, period: str) -> list:
    """The monthly section headings, said of the period."""
    first, last = bounds(year, period)
    span = f"từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"
    headings = {
        "s1": "I. Người trong danh sách quản lý (đến ngày cuối kỳ)",
        "s3": "III. Cai nghiện, điều trị, quản lý sau cai (đến ngày cuối kỳ)",
        "s4": f"IV. Phát sinh trong kỳ ({span})",
        "s5": f"V. Kết quả cai nghiện so với chỉ tiêu năm {year} (lũy kế đến cuối kỳ)",
    }
    return [[key, headings.get(key, label) if level == 0 else label, level, value]
            for key, label, level, value in rows]


def _approved_months(children: list[Unit], year: int, months: list[int]) -> dict:
    found: dict[int, dict[int, list]] = {}
    for sub in db.session.scalars(select(MonthlySubmission).where(
            MonthlySubmission.unit_id.in_([c.id for c in children]),
            MonthlySubmission.year == year, MonthlySubmission.month.in_(months),
            MonthlySubmission.status == "approved")):
        if sub.snapshot:
            found.setdefault(sub.unit_id, {})[sub.month] = sub.snapshot
    return found


def _months_view(unit: Unit, year: int, period: str) -> dict:
    months = months_of(year, period)
    last_month = months[-1]
    children = children_of(unit, year, period)
    approved = _approved_months(children, year, months)
    template, lines, no_addicts, unknown = None, [], [], []
    for child in children:
        snaps = approved.get(child.id, {})
        missing = [m for m in months if m not in snaps]
        values: dict[str, int] = {}
        for month in sorted(snaps):
            for key, value in as_values(snaps[month]).items():
                if is_flow(key):
                    values[key] = values.get(key, 0) + value
        end = snaps.get(last_month)
        if end is not None:
            template = template or end
            for key, value in as_values(end).items():
                if not is_flow(key):
                    values[key] = value
            if values.get("addicts.total", 0) == 0:
                no_addicts.append({"code": child.code, "name": child.name, "parent": unit.name})
        else:
            unknown.append(child.code)
        template = template or next(iter(snaps.values()), None)
        lines.append({"code": child.code, "name": child.name, "values": values if snaps else None,
                      "missing": missing, "no_addicts": (end is not None
                                                         and values.get("addicts.total", 0) == 0)})
    return _view(unit, year, period, template, lines, no_addicts, unknown, len(children))


def _periodic_view(unit: Unit, year: int, period: str) -> dict:
    """A province's 04-BCN from its districts' approved 03-BCN."""
    children = children_of(unit, year, period)
    subs = {s.unit_id: s for s in db.session.scalars(select(PeriodicSubmission).where(
        PeriodicSubmission.unit_id.in_([c.id for c in children]),
        PeriodicSubmission.form == "03-BCN", PeriodicSubmission.year == year,
        PeriodicSubmission.period == period, PeriodicSubmission.status == "approved"))}
    template, lines, no_addicts, unknown, communes = None, [], [], [], 0
    for child in children:
        snap = subs[child.id].snapshot if child.id in subs else None
        if snap is None:  # its communes are counted, as not known
            codes = [c.code for c in children_of(child, year, period)]
            unknown.extend(codes)
            communes += len(codes)
            lines.append({"code": child.code, "name": child.name, "values": None,
                          "missing": ["03-BCN"], "no_addicts": None})
            continue
        template = template or snap["rows"]
        values = as_values(snap["rows"])
        no_addicts.extend(snap["no_addicts"])
        unknown.extend(snap["unknown"])
        communes += snap["communes"]
        lines.append({"code": child.code, "name": child.name, "values": values, "missing": [],
                      "no_addicts": len(snap["no_addicts"])})
    return _view(unit, year, period, template, lines, no_addicts, unknown, communes)


def _view(unit, year, period, template, lines, no_addicts, unknown, communes) -> dict:
    if template is None:  # nothing approved yet: the structure, all zeros
        last = bounds(year, period)[1]
        template = [r.as_list() for r in compute(unit, last.year, last.month)]
    totals: dict[str, int] = {}
    for line in lines:
        for key, value in (line["values"] or {}).items():
            totals[key] = totals.get(key, 0) + value
    rows = [[key, label, level, None if value is None else totals.get(key, 0)]
            for key, label, level, value in _relabel(template, year, period)]
    return {"rows": rows, "lines": lines, "no_addicts": no_addicts, "unknown": unknown,
            "communes": communes}


def compute_view(unit: Unit, form: str, year: int, period: str) -> dict:
    """The report as plain data (what a snapshot stores): rows (key, label, level, value) of
    the totals, one line per child {code, name, values or None, missing, no_addicts}, the
    communes with no addicts at the period's end, the communes whose period-end month is not
    approved (`unknown`), and the number of communes counted."""
    if from_months(unit, form):
        return _months_view(unit, year, period)
    return _periodic_view(unit, year, period)


def view_of(unit: Unit, form: str, year: int, period: str,
            sub: PeriodicSubmission | None) -> dict:
    if sub is not None and sub.frozen and sub.snapshot:
        return sub.snapshot
    return compute_view(unit, form, year, period)


def incomplete(view: dict) -> list[dict]:
    """Children whose months (or 03-BCN) are not all approved."""
    return [line for line in view["lines"] if line["missing"]]


def missing_text(line: dict) -> str:
    missing = line["missing"]
    if missing == ["03-BCN"]:
        return f"{line['name']}: chưa có Biểu 03-BCN được duyệt"
    return f"{line['name']}: tháng " + ", ".join(f"{m:02d}" for m in missing)


# --- Life cycle ---------------------------------------------------------------------------

def clean_form(data: dict) -> dict[str, str]:
    """Number, note, remarks: cleaned in place; errors by field (a refused character, as
    everywhere: forms.input_problem)."""
    errors = {}
    for name, multiline in (("number", False), ("note", True), ("remarks", True)):
        problem = input_problem(data.get(name), multiline=multiline)
        if problem:
            errors[name] = problem
            data[name] = scrub(data[name], multiline=multiline)
    for name in ("note", "remarks", "comment"):
        data[name] = clean_text(data.get(name))
        if name not in errors and data[name] and len(data[name]) > MAX_TEXT:
            errors[name] = "Tối đa 5.000 ký tự."
    number = clean_text(data.get("number"))
    if "number" not in errors and number and (len(number) > MAX_NUMBER or "/" in number):
        errors["number"] = "Số văn bản tối đa 20 ký tự, không gồm ký hiệu (ví dụ: 12)."
    data["number"] = number
    return errors


def save_draft(unit: Unit, form: str, year: int, period: str, data: dict, user: User,
               expected: int | None = None, today: date | None = None) -> PeriodicSubmission:
    if form not in forms_of(unit):
        raise ReportError(f"Đơn vị này không lập Biểu {form}.")
    if not can_edit(user, unit):
        raise ReportError("Chỉ cán bộ của đơn vị mới lập báo cáo của đơn vị.")
    if bounds(year, period)[0] > (today or today_local()):
        raise ReportError("Chưa đến kỳ báo cáo này.")
    sub = submission_for(unit, form, year, period)
    _check_version(sub, expected)
    if sub is not None and sub.frozen:
        raise ReportError("Báo cáo đã gửi; không thể sửa.")
    if sub is None:
        sub = PeriodicSubmission(unit=unit, unit_id=unit.id, form=form, year=year,
                                 period=period, status="draft")
        db.session.add(sub)
    for name in ("number", "note", "remarks"):
        if name in data:
            setattr(sub, name, data[name])
    return sub


def check_ended(year: int, period: str, today: date | None = None) -> None:
    """A report is sent once its period is over (the day after its last day)."""
    last = bounds(year, period)[1]
    if (today or today_local()) <= last:
        raise ReportError(f"Kỳ báo cáo {period_label(year, period)} chưa kết thúc (đến hết "
                          f"ngày {last:%d/%m/%Y}); chưa thể gửi báo cáo.")


def check_explained(view: dict, note: str | None) -> None:
    """Sent while some children's reports are not approved: allowed with an explanation."""
    if incomplete(view) and not clean_text(note):
        raise ReportError("Một số đơn vị chưa có báo cáo được duyệt; vui lòng ghi giải trình "
                          "trước khi gửi.", "note")


def precheck_submit(unit: Unit, form: str, year: int, period: str, data: dict,
                    user: User) -> None:
    """What refuses a submission, checked before asking to confirm it."""
    if not can_edit(user, unit):
        raise ReportError("Chỉ cán bộ của đơn vị mới lập báo cáo của đơn vị.")
    check_ended(year, period)
    sub = submission_for(unit, form, year, period)
    if sub is not None and sub.frozen:
        raise ReportError("Báo cáo đã gửi; không thể sửa.")
    check_explained(compute_view(unit, form, year, period), data.get("note"))


def submit(unit: Unit, form: str, year: int, period: str, data: dict, user: User,
           expected: int | None = None, today: date | None = None) -> PeriodicSubmission:
    today = today or today_local()
    check_ended(year, period, today)
    sub = save_draft(unit, form, year, period, data, user, expected, today)
    view = compute_view(unit, form, year, period)
    check_explained(view, sub.note)
    sub.snapshot = view
    sub.children_included = [line["code"] for line in view["lines"] if line["values"]]
    sub.snapshot_at = sub.submitted_at = now_utc()
    sub.first_submitted_at = sub.first_submitted_at or sub.submitted_at
    sub.submitted_by_id = user.id
    sub.decided_at = sub.decided_by_id = None
    _transition(sub, "submit", "submitted", user, data.get("remarks") or None)
    return sub


def _sent(sub: PeriodicSubmission | None) -> PeriodicSubmission:
    if sub is None:
        raise ReportError("Đơn vị chưa gửi báo cáo kỳ này.")
    return sub


def _reviewed(sub: PeriodicSubmission | None) -> PeriodicSubmission:
    if not reviewer_exists(_sent(sub).unit):
        raise ReportError("Báo cáo của cấp tỉnh gửi Bộ là bản cuối cùng; không có cấp duyệt.")
    return sub


def approve(sub, user: User, comment: str | None = None, expected: int | None = None):
    monthly.approve(_reviewed(sub), user, comment, expected)


def return_(sub, user: User, comment: str | None, expected: int | None = None):
    monthly.return_(_reviewed(sub), user, comment, expected)


def reopen(sub, user: User, reason: str | None, expected: int | None = None):
    """An approved report is unlocked by its reviewer with a reason; at the top of the tree,
    the unit's own officers unlock their final report the same way."""
    sub = _sent(sub)
    if reviewer_exists(sub.unit):
        return monthly.reopen(sub, user, reason, expected)
    _check_version(sub, expected)
    if not can_edit(user, sub.unit):
        raise ReportError("Chỉ cán bộ của đơn vị mới mở lại báo cáo của đơn vị.")
    if sub.status != "submitted":
        raise ReportError("Chỉ mở lại được báo cáo đã gửi.")
    reason = clean_text(reason)
    if not reason:
        raise ReportError("Vui lòng ghi lý do mở lại báo cáo.", "comment")
    _transition(sub, "reopen", "returned", user, reason)


# --- Completeness -------------------------------------------------------------------------

@dataclass
class PeriodicStatus(UnitStatus):
    """A unit's 03-BCN or 04-BCN for a period: timeliness judged as for the monthly report."""

    form: str = "03-BCN"


def completeness(root: Unit, year: int, period: str) -> list[PeriodicStatus]:
    """Every 03-BCN and 04-BCN owed in `root`'s subtree for the period."""
    first, last = bounds(year, period)
    parents = list(db.session.scalars(select(Unit).where(
        under(Unit.path, root.path), Unit.level != Level.COMMUNE,
        (Unit.valid_from.is_(None)) | (Unit.valid_from <= last),
        (Unit.valid_to.is_(None)) | (Unit.valid_to > first)).order_by(Unit.path)))
    with_communes = set(db.session.scalars(select(Unit.parent_id).where(
        Unit.parent_id.in_([u.id for u in parents]), Unit.level == Level.COMMUNE)))
    subs = {(s.unit_id, s.form): s for s in db.session.scalars(select(PeriodicSubmission).where(
        PeriodicSubmission.unit_id.in_([u.id for u in parents]),
        PeriodicSubmission.year == year, PeriodicSubmission.period == period))}
    out = []
    for unit in parents:
        forms = (["03-BCN"] if unit.id in with_communes else []) + (
            ["04-BCN"] if unit.level == Level.PROVINCE else [])
        for form in forms:
            out.append(PeriodicStatus(unit, subs.get((unit.id, form)),
                                      due_date(form, year, period), form))
    return out
