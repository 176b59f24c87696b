"""The monthly report's life cycle, checks, aggregation up the tree, completeness.

draft → submitted → approved, or → returned (with a comment) → edited → resubmitted.
Only the unit's own officers edit and submit; only the parent unit's officers approve or return.
Submitting freezes the figures; every transition is kept with who, when and the comment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, defer, undefer

from .. import settings
from ..auth.models import Role, User
from ..extensions import db
from ..forms import input_problem, scrub
from ..registry.services import clean_text
from ..scoping import can_review
from ..timeutil import now_utc, to_local, today_local
from ..funding import services as funding
from ..units.models import Level, Unit, under
from .figures import Row, as_values, compute, compute_with_members, month_bounds, structure
from .models import MonthlySubmission, summary_of

PERIOD = re.compile(r"^([0-9]{4})-([0-9]{2})$")
NARRATIVE = ("work_done", "difficulties", "proposals")
DECEMBER_NUMBERS = ("staff_count", "funding_local", "funding_contribution", "funding_other")


class ReportError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def parse_period(text: str) -> tuple[int, int] | None:
    match = PERIOD.match(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return year, month


def due_date(year: int, month: int) -> date:
    """Due by the setting's day of the next month (Circular 05/2011: before the 3rd)."""
    return date(year + (month == 12), month % 12 + 1, settings.get("report_due_day"))


def is_future(year: int, month: int, today: date | None = None) -> bool:
    return date(year, month, 1) > (today or today_local())


def submission_for(unit: Unit, year: int, month: int) -> MonthlySubmission | None:
    return db.session.scalar(select(MonthlySubmission).where(
        MonthlySubmission.unit_id == unit.id, MonthlySubmission.year == year,
        MonthlySubmission.month == month))


def _existed_during(year: int, month: int):
    first, last = month_bounds(year, month)
    return ((Unit.valid_from.is_(None)) | (Unit.valid_from <= last)) & \
        ((Unit.valid_to.is_(None)) | (Unit.valid_to > first))


def reporting_children(unit: Unit, year: int, month: int) -> list[Unit]:
    """Children that existed during the month (a merged unit still reports its old months)."""
    return list(db.session.scalars(select(Unit).where(
        Unit.parent_id == unit.id, _existed_during(year, month)).order_by(Unit.code)))


def has_reporting_children(unit: Unit, year: int, month: int) -> bool:
    """Whether `reporting_children` is not empty, without loading them (a province has
    a hundred)."""
    return unit.level != Level.COMMUNE and db.session.scalar(select(Unit.id).where(
        Unit.parent_id == unit.id, _existed_during(year, month)).limit(1)) is not None


# --- Figures ----------------------------------------------------------------------------------

@dataclass
class ChildLine:
    unit: Unit
    submission: MonthlySubmission | None
    values: dict[str, int] | None  # the approved snapshot's values, or None


@dataclass
class Aggregate:
    rows: list[Row]
    children: list[ChildLine]
    missing: list[Unit] = field(default_factory=list)

    @property
    def included(self) -> list[str]:
        return [c.unit.code for c in self.children if c.values is not None]


def aggregate(unit: Unit, year: int, month: int) -> Aggregate:
    """A parent's figures: the sum of its children's approved snapshots, child by child."""
    children = reporting_children(unit, year, month)
    # The children's reports without their (large) snapshots and member lists; then the
    # snapshots of the approved ones only, which are the ones summed.
    subs = {s.unit_id: s for s in db.session.scalars(
        select(MonthlySubmission).options(defer(MonthlySubmission.snapshot),
                                          defer(MonthlySubmission.snapshot_persons)).where(
            MonthlySubmission.unit_id.in_([c.id for c in children]),
            MonthlySubmission.year == year, MonthlySubmission.month == month))}
    approved = [s.id for s in subs.values() if s.status == "approved"]
    snapshots = dict(db.session.execute(
        select(MonthlySubmission.id, MonthlySubmission.snapshot).where(
            MonthlySubmission.id.in_(approved))).all()) if approved else {}
    lines, template, totals = [], None, {}
    for child in children:
        sub = subs.get(child.id)
        values = None
        snapshot = snapshots.get(sub.id) if sub is not None else None
        if snapshot:
            values = as_values(snapshot)
            template = template or snapshot
            for key, value in values.items():
                totals[key] = totals.get(key, 0) + value
        lines.append(ChildLine(child, sub, values))
    if template is None:  # nothing approved yet: the structure, all zeros
        template = [r.as_list() for r in structure(year, month, **rules_of(year, month))]
    rows = [Row(key, label, level, None if value is None else totals.get(key, 0))
            for key, label, level, value in template]
    return Aggregate(rows, lines, [c.unit for c in lines if c.values is None])


def children_status(unit: Unit, year: int, month: int) -> Aggregate:
    """A frozen parent report's list of children: each one's status and summary figures,
    read from the stored summaries (the parent's own figures are in its snapshot)."""
    children = reporting_children(unit, year, month)
    subs = {s.unit_id: s for s in db.session.scalars(
        select(MonthlySubmission).options(defer(MonthlySubmission.snapshot)).where(
            MonthlySubmission.unit_id.in_([c.id for c in children]),
            MonthlySubmission.year == year, MonthlySubmission.month == month))}
    lines = []
    for child in children:
        sub = subs.get(child.id)
        values = None
        if sub is not None and sub.status == "approved":
            # A report frozen before summaries were kept reads its snapshot once.
            values = sub.summary if sub.summary is not None else summary_of(sub.snapshot)
        lines.append(ChildLine(child, sub, values))
    return Aggregate([], lines, [c.unit for c in lines if c.values is None])


def rules_of(year: int, month: int) -> dict:
    """A past month is counted with the rule that held then (suspected among addicts or not)."""
    return {"suspected_as_addicts": settings.addicts_include_suspected(
        month_bounds(year, month)[1])}


def live_rows(unit: Unit, year: int, month: int) -> tuple[list[Row], Aggregate | None]:
    if not has_reporting_children(unit, year, month):
        return compute(unit, year, month, **rules_of(year, month)), None
    agg = aggregate(unit, year, month)
    return agg.rows, agg


def drift(submission: MonthlySubmission) -> dict[str, int]:
    """For a frozen report: {key: live value} wherever the registry now says otherwise."""
    if not submission.frozen or not submission.snapshot:
        return {}
    live = as_values(live_rows(submission.unit, submission.year, submission.month)[0])
    frozen = as_values(submission.snapshot)
    return {k: live[k] for k, v in frozen.items() if k in live and live[k] != v}


def sums_children(unit: Unit, year: int, month: int) -> bool:
    """Whether the unit's report is the sum of its children's (a parent with children then)."""
    return has_reporting_children(unit, year, month)


NO_APPROVED_DATA = "Chưa có số liệu được duyệt."


def awaits_approved_data(unit: Unit, year: int, month: int,
                         sub: MonthlySubmission | None) -> bool:
    """A parent none of whose children has an approved report (and whose own is not frozen):
    it shows "chưa có số liệu được duyệt", not a table of zeros."""
    if sub is not None and sub.frozen or not sums_children(unit, year, month):
        return False
    children = select(Unit.id).where(Unit.parent_id == unit.id)
    return db.session.scalar(select(MonthlySubmission.id).where(
        MonthlySubmission.unit_id.in_(children), MonthlySubmission.year == year,
        MonthlySubmission.month == month, MonthlySubmission.status == "approved").limit(1)) is None


def children_year_end(unit: Unit, year: int) -> dict[str, int | None]:
    """December's staff and funding of a parent: the sums of its children's approved December
    reports (each child's own sum when it is a parent), never typed again."""
    children = reporting_children(unit, year, 12)
    sums: dict[str, int | None] = {name: None for name in DECEMBER_NUMBERS}
    for sub in db.session.scalars(select(MonthlySubmission).where(
            MonthlySubmission.unit_id.in_([c.id for c in children]),
            MonthlySubmission.year == year, MonthlySubmission.month == 12,
            MonthlySubmission.status == "approved")):
        for name in DECEMBER_NUMBERS:
            value = getattr(sub, name)
            if value is not None:
                sums[name] = (sums[name] or 0) + value
    return sums


def year_end_values(unit: Unit, year: int, sub: MonthlySubmission | None
                    ) -> dict[str, int | None]:
    """The December section's figures: as sent once frozen; a parent's draft sums its
    children's approved reports; a commune's are typed on its report."""
    if sub is not None and sub.frozen:
        return {name: getattr(sub, name) for name in DECEMBER_NUMBERS}
    if sums_children(unit, year, 12):
        values = children_year_end(unit, year)
    else:
        values = {name: getattr(sub, name) if sub is not None else None
                  for name in DECEMBER_NUMBERS}
    # The spending entries of the unit's subtree are the year's funding wherever they exist.
    for name, (amount, _) in funding.year_end_amounts(unit, year).items():
        values[name] = amount
    return values


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def frozen_values(unit: Unit, year: int, month: int) -> dict[str, int] | None:
    sub = submission_for(unit, year, month)
    if sub is not None and sub.frozen and sub.snapshot:
        return as_values(sub.snapshot)
    return None


def previous_values(unit: Unit, year: int, month: int) -> dict[str, int]:
    """Last month's figures: as sent if they were, else as the registry says now."""
    year, month = previous_month(year, month)
    frozen = frozen_values(unit, year, month)
    return frozen if frozen is not None else as_values(live_rows(unit, year, month)[0])


def _approved_children_members(unit: Unit, year: int, month: int, key: str) -> set[int]:
    children = reporting_children(unit, year, month)
    ids: set[int] = set()
    for sub in db.session.scalars(select(MonthlySubmission).options(
            undefer(MonthlySubmission.snapshot_persons)).where(
            MonthlySubmission.unit_id.in_([c.id for c in children]),
            MonthlySubmission.year == year, MonthlySubmission.month == month,
            MonthlySubmission.status == "approved")):
        ids.update((sub.snapshot_persons or {}).get(key, []))
    return ids


def figure_view(unit: Unit, year: int, month: int, key: str,
                sub: MonthlySubmission | None) -> tuple[list, list[int], bool]:
    """(the report's rows, person ids behind one figure, whether they are the frozen list),
    each counted once. A unit with children sums its children's approved reports, so its
    lists are theirs, as they were approved."""
    frozen = sub is not None and sub.frozen and bool(sub.snapshot)
    if has_reporting_children(unit, year, month):
        rows = sub.snapshot if frozen else [r.as_list() for r in aggregate(unit, year, month).rows]
        return rows, sorted(_approved_children_members(unit, year, month, key)), True
    if frozen:
        return sub.snapshot, list((sub.snapshot_persons or {}).get(key, [])), True
    rows, members = compute_with_members(unit, year, month, **rules_of(year, month))
    return [r.as_list() for r in rows], members.get(key, []), False


def figure_members(unit: Unit, year: int, month: int, key: str) -> tuple[list[int], bool]:
    """(person ids behind one figure, whether they are the frozen list)."""
    _, ids, frozen = figure_view(unit, year, month, key, submission_for(unit, year, month))
    return ids, frozen


_aliases: list = []


def _episode_aliases():
    """Two aliases of the episodes, made once (each new alias rebuilds its columns)."""
    from ..treatment.models import RehabEpisode

    if not _aliases:
        _aliases.extend((aliased(RehabEpisode, name="a"), aliased(RehabEpisode, name="b")))
    return _aliases


def double_rehab(unit: Unit, year: int, month: int,
                 members: dict[str, list[int]] | None = None) -> int:
    """Persons counted in two rehab forms at the month's end (detox inside a voluntary rehab
    allowed if the settings say so): from the frozen lists, or from the registry."""
    from ..registry.consistency import VOLUNTARY
    from ..treatment.vocab import REHAB_FORMS

    detox_ok = bool(settings.get("detox_inside_voluntary"))
    if members is not None:
        seen: dict[int, set[str]] = {}
        for form in REHAB_FORMS:
            for pid in members.get(f"ongoing.{form}", []):
                seen.setdefault(pid, set()).add(form)
        return sum(1 for forms in seen.values() if len(forms) > 1 and not (
            detox_ok and len(forms) == 2 and "detox" in forms and forms & set(VOLUNTARY)))
    last = month_bounds(year, month)[1]
    a, b = _episode_aliases()
    subtree = select(Unit.id).where(under(Unit.path, unit.path))

    def running(e):
        return and_(e.unit_id.in_(subtree), e.voided_at.is_(None), e.start_date <= last,
                    or_(e.end_date.is_(None), e.end_date > last))
    nested = or_(and_(a.form == "detox", b.form.in_(VOLUNTARY)),
                 and_(b.form == "detox", a.form.in_(VOLUNTARY)))
    query = select(func.count(func.distinct(a.person_id))).where(
        running(a), running(b), a.person_id == b.person_id, a.id < b.id)
    if detox_ok:
        query = query.where(~nested)
    return db.session.scalar(query) or 0


def review(unit: Unit, year: int, month: int, sub: MonthlySubmission | None,
           today: date | None = None) -> dict:
    """What the officer and the reviewer both see: rows (frozen or live), last month's values,
    the checks and warnings."""
    if sub is not None and sub.frozen and sub.snapshot:
        rows, agg = sub.snapshot, None
        if has_reporting_children(unit, year, month):
            agg = children_status(unit, year, month)
        members = sub.snapshot_persons if unit.level == Level.COMMUNE else None
    else:
        live, agg = live_rows(unit, year, month)
        rows, members = [r.as_list() for r in live], None
    previous = previous_values(unit, year, month)
    double = double_rehab(unit, year, month, members) if agg is None else 0
    errors, warnings = checks(rows, agg, year, month, today, previous, double)
    return {"rows": rows, "agg": agg, "previous": previous, "blocking": errors,
            "warnings": warnings}


# --- Checks -----------------------------------------------------------------------------------

GROUPS = {"sex": "giới tính", "age": "độ tuổi", "occupation": "nghề nghiệp",
          "drug": "loại ma túy", "ethnicity": "dân tộc"}


def checks(rows, aggregate_: Aggregate | None, year: int, month: int,
           today: date | None = None, previous: dict[str, int] | None = None,
           double_rehab: int = 0) -> tuple[list[str], list[str]]:
    """(blocking errors, warnings that need a comment) before submitting; the reviewer sees
    the same warnings. `previous` is last month's values; `double_rehab` the number of persons
    counted in two rehab forms at the month's end."""
    today = today or today_local()
    values = as_values(rows)
    errors, warnings = [], []
    total = values.get("addicts.total", 0)
    for group, label in GROUPS.items():
        parts = sum(v for k, v in values.items() if k.startswith(f"addicts.{group}."))
        if parts != total:
            errors.append(f"Tổng theo {label} ({parts}) khác tổng số người nghiện ({total}).")
    states = sum(values.get(f"persons.{s}", 0) for s in ("addict", "user", "suspected"))
    if states != values.get("persons.total", 0):
        errors.append("Tổng số người đang quản lý khác tổng các tình trạng.")
    if "persons.user.decided" in values and values.get("persons.user", 0) != (
            values["persons.user.decided"] + values.get("persons.user.pending", 0)):
        errors.append("Số người sử dụng trái phép khác tổng có và chưa có quyết định quản lý.")
    negatives = [k for k, v in values.items() if v < 0]
    if negatives:
        errors.append("Có số liệu âm: " + ", ".join(negatives) + ".")
    for key, value in values.items():
        if key.startswith("quota.") and key.endswith(".achieved"):
            form = key.split(".")[1]
            if value < values.get(f"flow.rehab_started.{form}", 0):
                errors.append("Số cai nghiện lũy kế nhỏ hơn số bắt đầu trong tháng.")
    for group in ("occupation", "drug", "ethnicity"):
        unknown = values.get(f"addicts.{group}.unknown", 0)
        if unknown:
            warnings.append(f"{unknown} người nghiện chưa rõ {GROUPS[group]}.")
    if aggregate_ is not None and aggregate_.missing:
        warnings.append("Chưa có báo cáo được duyệt của: "
                        + ", ".join(u.name for u in aggregate_.missing) + ".")
    if month_bounds(year, month)[1] >= today:
        warnings.append("Tháng báo cáo chưa kết thúc; số liệu có thể còn thay đổi.")
    warnings.extend(comparison_warnings(values, previous))
    if double_rehab:
        warnings.append(f"{double_rehab} người được tính ở hai hình thức cai nghiện cùng lúc; "
                        "vui lòng kiểm tra và hủy đợt ghi nhầm.")
    return errors, warnings


# Figures compared with last month: a jump beyond the settings' threshold is flagged.
WATCHED = {"persons.total": "Tổng số người đang quản lý", "addicts.total": "Số người nghiện",
           "persons.user": "Số người sử dụng trái phép", "ongoing.total": "Số người đang cai nghiện",
           "post_rehab.ongoing": "Số người đang quản lý sau cai"}


def comparison_warnings(values: dict[str, int], previous: dict[str, int] | None) -> list[str]:
    if not previous:
        return []
    share, least = settings.get("report_jump_percent"), settings.get("report_jump_min")
    out = []
    for key, label in WATCHED.items():
        now, before = values.get(key, 0), previous.get(key, 0)
        change = abs(now - before)
        if change >= max(least, 1) and change * 100 > share * before:
            out.append(f"{label} thay đổi nhiều so với tháng trước: {before} → {now}.")
    return out


# --- Permissions ------------------------------------------------------------------------------

def reports_upward(unit: Unit) -> bool:
    return unit.parent_id is not None


def can_edit(user: User, unit: Unit) -> bool:
    """The unit's own officers (not administrators) prepare and submit its report."""
    return user.role != Role.ADMIN and user.unit_id == unit.id and reports_upward(unit)


# --- Life cycle -------------------------------------------------------------------------------

def _check_version(submission: MonthlySubmission | None, expected: int | None) -> None:
    if submission is not None and expected is not None and submission.version != expected:
        raise ReportError("Báo cáo vừa được cập nhật bởi thao tác khác. Vui lòng xem lại "
                          "trạng thái mới nhất trước khi thực hiện.")


def _transition(sub: MonthlySubmission, action: str, to_status: str, user: User,
                comment: str | None = None) -> None:
    step = type(sub).transitions.property.mapper.class_  # monthly or periodic report's steps
    sub.transitions.append(step(
        action=action, from_status=sub.status, to_status=to_status, comment=comment,
        user_id=user.id))
    sub.status = to_status


# What the columns hold (staff: INTEGER; funding in đồng: BIGINT), with room to spare.
DECEMBER_MAX = {"staff_count": 1_000_000, "funding_local": 10**15,
                "funding_contribution": 10**15, "funding_other": 10**15}


TEXTS = NARRATIVE + ("warning_comment", "comment")


def input_problems(data: dict) -> dict[str, str]:
    """The report's texts holding a refused character (forms.input_problem), by field; the
    refused values are emptied in `data`, so the page shown again does not carry them."""
    errors = {}
    for name in TEXTS:
        problem = input_problem(data.get(name), multiline=True)
        if problem:
            errors[name] = problem
            data[name] = scrub(data[name], multiline=True)
    return errors


_DOCUMENT_NUMBER = re.compile(r"^[0-9]{1,6}[A-Za-z]?$")


def clean_document_number(data: dict, errors: dict[str, str]) -> None:
    """The số of "Số: 12/BC-CAX": digits (and one letter); empty leaves room to write it."""
    if "document_number" not in data:
        return
    text = clean_text(data.get("document_number")) or None
    if text is not None and not _DOCUMENT_NUMBER.match(text):
        errors["document_number"] = "Số văn bản gồm chữ số (ví dụ 12), tối đa 6 chữ số."
    data["document_number"] = text


def set_number(unit: Unit, year: int, month: int, data: dict, user: User,
               expected_version: int | None = None) -> MonthlySubmission:
    """The số typed at printing: allowed on a sent report too (it is not a figure)."""
    if not can_edit(user, unit):
        raise ReportError("Chỉ cán bộ của đơn vị mới ghi số văn bản của báo cáo.")
    sub = submission_for(unit, year, month)
    if sub is None:
        raise ReportError("Chưa có báo cáo để ghi số; vui lòng lưu bản nháp trước.")
    _check_version(sub, expected_version)
    errors: dict[str, str] = {}
    clean_document_number(data, errors)
    if errors:
        raise ReportError(errors["document_number"], "document_number")
    sub.document_number = data.get("document_number")
    return sub


def validate_narrative(data: dict, month: int) -> dict[str, str]:
    errors = {}
    clean_document_number(data, errors)
    for name in NARRATIVE:
        data[name] = clean_text(data.get(name))
        if data[name] and len(data[name]) > 5000:
            errors[name] = "Tối đa 5.000 ký tự."
    for name in DECEMBER_NUMBERS:
        raw = data.get(name)
        if raw in (None, ""):
            data[name] = None
            continue
        text = str(raw).replace(".", "").replace(" ", "").replace("đ", "")
        if month != 12:
            data[name] = None  # staff and funding are reported in December only
        elif not (text.isascii() and text.isdigit()):  # "²".isdigit() is True too
            errors[name] = "Vui lòng nhập số nguyên không âm (ví dụ 65.900.000)."
        elif int(text) > DECEMBER_MAX[name]:
            errors[name] = f"Số quá lớn (tối đa {DECEMBER_MAX[name]:,}).".replace(",", ".")
        else:
            data[name] = int(text)
    return errors


def save_draft(unit: Unit, year: int, month: int, data: dict, user: User,
               expected_version: int | None = None, today: date | None = None
               ) -> MonthlySubmission:
    if not can_edit(user, unit):
        raise ReportError("Chỉ cán bộ của đơn vị mới lập báo cáo của đơn vị.")
    if is_future(year, month, today):
        raise ReportError("Chưa đến kỳ báo cáo này.")
    sub = submission_for(unit, year, month)
    _check_version(sub, expected_version)
    if sub is not None and sub.frozen:
        raise ReportError("Báo cáo đã gửi; không thể sửa. Người duyệt có thể trả lại để sửa.")
    if sub is None:
        sub = MonthlySubmission(unit=unit, unit_id=unit.id, year=year, month=month,
                                status="draft")
        db.session.add(sub)
    typed = NARRATIVE + ("warning_comment", "document_number")
    if not sums_children(unit, year, month):  # a parent's December numbers are summed
        typed += DECEMBER_NUMBERS
    for name in typed:
        if name in data:
            setattr(sub, name, data[name])
    if month == 12:
        # The year's funding comes from the spending entries; a typed value stays only for a
        # source without entries.
        for name, (amount, _) in funding.year_end_amounts(unit, year).items():
            setattr(sub, name, amount)
    return sub


@dataclass
class Frozen:
    """What a submission freezes: the rows, the persons behind them (a commune's own figures;
    a parent's lists are its children's), and the children summed."""
    rows: list[Row]
    members: dict[str, list[int]] | None
    aggregate: Aggregate | None

    @property
    def included(self) -> list[str] | None:
        return self.aggregate.included if self.aggregate else None


def to_freeze(unit: Unit, year: int, month: int) -> Frozen:
    if not has_reporting_children(unit, year, month):
        rows, members = compute_with_members(unit, year, month, **rules_of(year, month))
        return Frozen(rows, members, None)
    rows, agg = live_rows(unit, year, month)
    return Frozen(rows, None, agg)


def check_frozen(frozen: Frozen, unit: Unit, year: int, month: int,
                 today: date | None = None) -> tuple[list[str], list[str]]:
    return checks(frozen.rows, frozen.aggregate, year, month, today,
                  previous_values(unit, year, month),
                  double_rehab(unit, year, month, frozen.members)
                  if frozen.aggregate is None else 0)


def freeze(sub: MonthlySubmission, frozen: Frozen, user: User, comment: str | None,
           at: datetime | None = None) -> None:
    """Send: store the snapshot and its lists, and record the step."""
    sub.snapshot = [r.as_list() for r in frozen.rows]
    sub.summary = summary_of(sub.snapshot)
    sub.snapshot_persons = frozen.members
    sub.children_included = frozen.included
    sub.snapshot_at = sub.submitted_at = at or now_utc()
    sub.first_submitted_at = sub.first_submitted_at or sub.submitted_at
    sub.submitted_by_id = user.id
    sub.decided_at = sub.decided_by_id = None  # a resubmission waits for a new decision
    _transition(sub, "submit", "submitted", user, clean_text(comment))
    if at is not None:
        sub.transitions[-1].at = at


def submit(unit: Unit, year: int, month: int, data: dict, user: User,
           expected_version: int | None = None, today: date | None = None) -> MonthlySubmission:
    sub = save_draft(unit, year, month, data, user, expected_version, today)
    frozen = to_freeze(unit, year, month)
    errors, warnings = check_frozen(frozen, unit, year, month, today)
    if errors:
        raise ReportError(" ".join(errors))
    if warnings and not clean_text(data.get("warning_comment")):
        raise ReportError("Báo cáo có cảnh báo; vui lòng ghi chú giải thích trước khi gửi.",
                          "warning_comment")
    if month == 12 and frozen.aggregate is not None:
        for name, value in year_end_values(unit, year, sub).items():
            setattr(sub, name, value)
    freeze(sub, frozen, user, data.get("warning_comment"))
    return sub


def can_review_report(user: User, sub: MonthlySubmission) -> bool:
    """The one predicate for deciding on a submission: the parent's officers, never the unit."""
    return user.unit_id != sub.unit_id and can_review(user, sub.unit)


def _reviewable(sub: MonthlySubmission | None, user: User, expected: int | None) -> MonthlySubmission:
    if sub is None:
        raise ReportError("Đơn vị chưa gửi báo cáo tháng này.")
    _check_version(sub, expected)
    if user.unit_id == sub.unit_id:
        raise ReportError("Không thể tự duyệt hoặc trả lại báo cáo của chính đơn vị mình.")
    if not can_review(user, sub.unit):
        raise ReportError("Chỉ đơn vị cấp trên trực tiếp mới duyệt báo cáo này.")
    return sub


def approve(sub, user: User, comment: str | None = None, expected_version: int | None = None):
    sub = _reviewable(sub, user, expected_version)
    if sub.status != "submitted":
        raise ReportError(f"Chỉ duyệt được báo cáo đã gửi (hiện: {sub.status_label.lower()}).")
    sub.decided_at, sub.decided_by_id = now_utc(), user.id
    _transition(sub, "approve", "approved", user, clean_text(comment))


def return_(sub, user: User, comment: str | None, expected_version: int | None = None):
    sub = _reviewable(sub, user, expected_version)
    if sub.status != "submitted":
        raise ReportError(f"Chỉ trả lại được báo cáo đã gửi (hiện: {sub.status_label.lower()}).")
    comment = clean_text(comment)
    if not comment:
        raise ReportError("Vui lòng ghi ý kiến khi trả lại báo cáo.", "comment")
    sub.decided_at, sub.decided_by_id = now_utc(), user.id
    _transition(sub, "return", "returned", user, comment)


def reopen(sub, user: User, reason: str | None, expected_version: int | None = None):
    """The approver unlocks an approved report; the unit then corrects and resubmits it."""
    sub = _reviewable(sub, user, expected_version)
    if sub.status != "approved":
        raise ReportError("Chỉ mở lại được báo cáo đã duyệt.")
    reason = clean_text(reason)
    if not reason:
        raise ReportError("Vui lòng ghi lý do mở lại báo cáo.", "comment")
    _transition(sub, "reopen", "returned", user, reason)


# --- Completeness and timeliness --------------------------------------------------------------

@dataclass
class UnitStatus:
    unit: Unit
    submission: MonthlySubmission | None
    due: date

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else "missing"

    @cached_property  # read several times a row (date, on time, late) of a hundred rows
    def submitted_on(self) -> date | None:
        sub = self.submission
        first = sub and (sub.first_submitted_at or sub.submitted_at)
        return to_local(first).date() if first else None

    @property
    def sent(self) -> bool:
        return self.status in ("submitted", "approved")

    @property
    def on_time(self) -> bool:
        """First sent by the due day, even if returned since (judged on the first sending)."""
        return self.submitted_on is not None and self.submitted_on <= self.due

    def late(self, today: date) -> bool:
        """First sent after the due day, or never sent once it has passed."""
        if self.submitted_on is not None:
            return not self.on_time
        return today > self.due


def reporting_units(root: Unit, year: int, month: int) -> list[Unit]:
    """Every unit below `root` (and `root` itself if it has a parent) that owes this report.
    The ministry follows the provinces' reports; each province follows its own districts and
    communes (the country's communes on one page would be thousands of rows)."""
    below = (Unit.parent_id == root.id if root.level == Level.NATIONAL.value
             else under(Unit.path, root.path))
    query = select(Unit).where(below, Unit.parent_id.is_not(None),
                               _existed_during(year, month)).order_by(Unit.path)
    return list(db.session.scalars(query))


def completeness(root: Unit, year: int, month: int) -> list[UnitStatus]:
    units = reporting_units(root, year, month)
    # Statuses and dates only: a hundred snapshots and member lists are not decoded for them.
    subs = {s.unit_id: s for s in db.session.scalars(
        select(MonthlySubmission).options(defer(MonthlySubmission.snapshot),
                                          defer(MonthlySubmission.snapshot_persons)).where(
            MonthlySubmission.unit_id.in_([u.id for u in units]),
            MonthlySubmission.year == year, MonthlySubmission.month == month))}
    due = due_date(year, month)
    return [UnitStatus(u, subs.get(u.id), due) for u in units]


def rates(statuses: list[UnitStatus], today: date) -> dict[str, int]:
    total = len(statuses) or 1
    return {
        "total": len(statuses),
        "sent": sum(s.sent for s in statuses),
        "on_time": sum(s.on_time for s in statuses),
        "approved": sum(s.status == "approved" for s in statuses),
        "late": sum(s.late(today) for s in statuses),
        "sent_pct": round(100 * sum(s.sent for s in statuses) / total),
        "on_time_pct": round(100 * sum(s.on_time for s in statuses) / total),
    }


def year_grid(root: Unit, year: int) -> tuple[list[Unit], dict[tuple[int, int], MonthlySubmission]]:
    units = reporting_units(root, year, 12)
    subs = db.session.scalars(select(MonthlySubmission).where(
        MonthlySubmission.unit_id.in_([u.id for u in units]), MonthlySubmission.year == year))
    return units, {(s.unit_id, s.month): s for s in subs}


