"""Drug-free communes (xã, phường không ma túy): criteria, each commune's status for a year,
the province's yearly target and the progress toward it and toward the 2030 goal.

A criterion in force on the day assessed is either computed from the registry (a count at the
year's end — or today, for the year in progress — from the same periods as the monthly figures,
passing when at most its threshold) or entered by the commune with its evidence and confirmed
by the parent unit. A commune is drug-free for the year when every criterion passes; it is
"not met" as soon as one fails, "pending" while an entered criterion waits for its entry or its
confirmation. Every count is grouped SQL over the whole subtree (a fixed number of statements).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select

from .. import settings
from ..auth.models import Role, User
from ..extensions import db
from ..formatting import percent, vn_number
from ..plans.services import FIRST_YEAR, valid_year
from ..registry.models import PersonPeriod
from ..registry.vocab import Status
from ..scoping import can_review, in_scope, province_of
from ..timeutil import now_utc, today_local
from ..treatment.models import MethadonePeriod, RehabEpisode
from ..units.models import Level, Unit, under
from .models import METRICS, Criterion, Entry, Target

STATUS_LABELS = {"met": "Đạt xã, phường không ma túy", "pending": "Chưa đủ căn cứ đánh giá",
                 "not_met": "Chưa đạt"}
RESULT_LABELS = {"pass": "Đạt", "fail": "Không đạt", "pending": "Chờ nhập", "unconfirmed":
                 "Chờ cấp trên xác nhận"}
TARGET_KINDS = {"count": "Số xã, phường", "share": "Tỷ lệ (%) số xã, phường"}
EVIDENCE_MAX = 4000
REFERENCE_MAX = 200
_DIGITS = re.compile(r"[0-9]+")


class DrugFreeError(ValueError):
    """Nothing was saved; `field` names the input the message belongs beside."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Rights: one predicate per kind of object -------------------------------------------------

def may_enter(user: User, unit: Unit) -> bool:
    """A commune's own officers answer its entered criteria."""
    return user.role == Role.COMMUNE and user.unit_id == unit.id


def may_confirm(user: User, unit: Unit) -> bool:
    """The parent unit's officers (the commune's reviewer) confirm them."""
    return can_review(user, unit)


def may_set_target(user: User) -> bool:
    return user.role == Role.PROVINCE and user.unit.level == Level.PROVINCE


# --- Criteria --------------------------------------------------------------------------------

def assessed_on(year: int, today: date | None = None) -> date:
    """The year's end, or today while the year runs."""
    return min(date(year, 12, 31), today or today_local())


def criteria_on(day: date) -> list[Criterion]:
    return [c for c in db.session.scalars(select(Criterion).order_by(Criterion.position,
                                                                     Criterion.id))
            if c.in_force_on(day)]


def metric_counts(metric: str, communes: list[int], day: date) -> dict[int, int]:
    """{commune id: count} of a computed criterion's metric on `day` (one statement)."""
    on_day = (PersonPeriod.start_date <= day,
              or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > day),
              PersonPeriod.unit_id.in_(communes))
    if metric == "addicts":
        states = [Status.ADDICT.value] + ([Status.SUSPECTED.value]
                                          if settings.addicts_include_suspected(day) else [])
        where = (PersonPeriod.state.in_(states),)
    elif metric == "unmanaged":
        where = (PersonPeriod.state.in_((Status.USER_PENDING.value, Status.USER_EXPIRED.value)),)
    elif metric == "untreated":
        in_rehab = select(RehabEpisode.id).where(
            RehabEpisode.person_id == PersonPeriod.person_id, RehabEpisode.voided_at.is_(None),
            RehabEpisode.start_date <= day,
            or_(RehabEpisode.end_date.is_(None), RehabEpisode.end_date > day)).exists()
        on_methadone = select(MethadonePeriod.id).where(
            MethadonePeriod.person_id == PersonPeriod.person_id,
            MethadonePeriod.voided_at.is_(None), MethadonePeriod.start_date <= day,
            or_(MethadonePeriod.end_date.is_(None), MethadonePeriod.end_date > day)).exists()
        where = (PersonPeriod.state == Status.ADDICT.value, ~in_rehab, ~on_methadone)
    else:
        raise ValueError(f"unknown metric {metric!r}")
    query = (select(PersonPeriod.unit_id, func.count(func.distinct(PersonPeriod.person_id)))
             .where(*on_day, *where).group_by(PersonPeriod.unit_id))
    return dict(db.session.execute(query).all())


# --- Assessment -----------------------------------------------------------------------------

@dataclass
class Result:
    criterion: Criterion
    outcome: str                     # pass | fail | pending | unconfirmed
    value: int | None = None         # computed criteria: the count
    entry: Entry | None = None

    @property
    def label(self) -> str:
        return RESULT_LABELS[self.outcome]


@dataclass
class Assessment:
    unit: Unit
    year: int
    day: date
    results: list[Result]

    @property
    def status(self) -> str:
        outcomes = {r.outcome for r in self.results}
        if "fail" in outcomes:
            return "not_met"
        if outcomes & {"pending", "unconfirmed"} or not self.results:
            return "pending"
        return "met"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def failing(self) -> list[Result]:
        return [r for r in self.results if r.outcome == "fail"]


def communes_of(unit: Unit, day: date) -> list[Unit]:
    """Communes of the subtree existing on `day` (the unit itself if it is one)."""
    return list(db.session.scalars(select(Unit).where(
        under(Unit.path, unit.path), Unit.level == Level.COMMUNE,
        (Unit.valid_from.is_(None)) | (Unit.valid_from <= day),
        (Unit.valid_to.is_(None)) | (Unit.valid_to > day)).order_by(Unit.path)))


def assess(units: list[Unit], year: int, today: date | None = None) -> list[Assessment]:
    """Each commune's assessment for the year: one statement for the criteria, one per
    computed metric, one for the entries — whatever the number of communes."""
    day = assessed_on(year, today)
    criteria = criteria_on(day)
    ids = [u.id for u in units]
    counts = {c.metric: metric_counts(c.metric, ids, day)
              for c in criteria if c.computed and c.metric}
    entries = {(e.unit_id, e.criterion_id): e for e in db.session.scalars(
        select(Entry).where(Entry.year == year, Entry.unit_id.in_(ids)))} if ids else {}
    out = []
    for unit in units:
        results = []
        for c in criteria:
            if c.computed:
                value = counts.get(c.metric, {}).get(unit.id, 0)
                results.append(Result(c, "pass" if value <= (c.threshold or 0) else "fail",
                                      value))
                continue
            entry = entries.get((unit.id, c.id))
            if entry is None:
                outcome = "pending"
            elif not entry.met:
                outcome = "fail"
            else:
                outcome = "pass" if entry.confirmed_at else "unconfirmed"
            results.append(Result(c, outcome, None, entry))
        out.append(Assessment(unit, year, day, results))
    return out


def assess_one(unit: Unit, year: int) -> Assessment:
    return assess([unit], year)[0]


# --- Progress of a province or district -------------------------------------------------------

@dataclass
class Progress:
    unit: Unit
    year: int
    day: date
    assessments: list[Assessment]
    target: Target | None
    goal_percent: int
    goal_year: int
    by_status: dict[str, list[Assessment]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.assessments)

    @property
    def met(self) -> int:
        return len(self.by_status.get("met", []))

    @property
    def target_count(self) -> int | None:
        """The target as a number of communes (a share rounded up: 30 % of 25 is 8)."""
        if self.target is None:
            return None
        if self.target.kind == "count":
            # A number of communes is the province's as a whole; a district has no share of it.
            return self.target.amount if self.unit.id == self.target.unit_id else None
        return -(-self.target.amount * self.total // 100)

    @property
    def goal_count(self) -> int:
        return -(-self.goal_percent * self.total // 100)

    def label(self, wanted: int | None) -> str:
        if wanted is None:
            return f"{vn_number(self.met)}/—"
        if wanted == 0:
            return f"{vn_number(self.met)}/0"
        return f"{vn_number(self.met)}/{vn_number(wanted)} ({vn_number(percent(self.met, wanted))}%)"

    @property
    def share(self) -> int:
        return percent(self.met, self.total) or 0

    @property
    def off_track(self) -> list[Assessment]:
        """Communes with a failing criterion: they cannot count toward the target this year
        unless the failing count changes."""
        return self.by_status.get("not_met", [])


def progress(user: User, unit: Unit, year: int, today: date | None = None) -> Progress:
    if not in_scope(user, unit):
        raise ValueError("unit outside the user's scope")
    return _progress(unit, year, today)


def _progress(unit: Unit, year: int, today: date | None = None) -> Progress:
    day = assessed_on(year, today)
    assessments = assess(communes_of(unit, day), year, today)
    province = province_of(unit)
    target = db.session.scalar(select(Target).where(Target.unit_id == province.id,
                                                    Target.year == year))
    result = Progress(unit, year, day, assessments, target, settings.get("drugfree_goal_percent"),
                      settings.get("drugfree_goal_year"))
    for a in assessments:
        result.by_status.setdefault(a.status, []).append(a)
    return result


def report_paragraphs(unit: Unit, first: int, last: int, today: date | None = None) -> list[str]:
    """The yearly report's section "Xây dựng xã, phường không ma túy", one line per year, for a
    unit the caller may already see: a commune's status, or a parent's count against the
    province's target and the national goal."""
    lines = []
    for year in range(first, last + 1):
        if not criteria_on(assessed_on(year, today)):
            continue  # no criteria in force that year (the programme began in 2025)
        if unit.level == Level.COMMUNE:
            assessment = assess_one(unit, year)
            words = {"met": "đạt xã, phường không ma túy",
                     "not_met": "chưa đạt xã, phường không ma túy"}
            line = f"Năm {year}: {words.get(assessment.status, assessment.status_label.lower())}"
            if assessment.failing:
                line += " (chưa đạt: " + "; ".join(
                    r.criterion.label for r in assessment.failing) + ")"
            lines.append(line + ".")
            continue
        result = _progress(unit, year, today)
        if not result.total:
            continue
        line = (f"Năm {year}: {vn_number(result.met)}/{vn_number(result.total)} xã, phường, "
                f"thị trấn đạt tiêu chí không ma túy ({vn_number(result.share)}%)")
        if result.target_count is not None:
            line += f"; chỉ tiêu năm: {result.label(result.target_count)}"
        line += (f"; mục tiêu đến năm {result.goal_year}: "
                 f"{vn_number(result.goal_count)} xã ({result.goal_percent}%)")
        if result.off_track:
            line += f"; {vn_number(len(result.off_track))} xã chưa đạt tiêu chí"
        lines.append(line + ".")
    return lines or ["Chưa có đánh giá xã, phường không ma túy trong thời gian báo cáo."]


# --- Writing ---------------------------------------------------------------------------------

def _check_year(year: int) -> None:
    if not valid_year(year):
        raise DrugFreeError(f"Năm phải từ {FIRST_YEAR} đến {today_local().year + 1}.", "year")


def enter(user: User, unit: Unit, year: int, criterion: Criterion, met: bool | None,
          evidence: str | None, reference: str | None) -> Entry:
    """The commune's answer to an entered criterion; a changed answer needs confirming again."""
    if not may_enter(user, unit):
        raise DrugFreeError("Chỉ cán bộ của xã được nhập tiêu chí của xã.")
    _check_year(year)
    if criterion.computed:
        raise DrugFreeError("Tiêu chí này được tính từ dữ liệu quản lý, không nhập tay.")
    if not criterion.in_force_on(assessed_on(year)):
        raise DrugFreeError("Tiêu chí này không áp dụng cho năm đã chọn.")
    if met is None:
        raise DrugFreeError("Vui lòng chọn Đạt hoặc Không đạt.", "met")
    evidence = (evidence or "").strip() or None
    reference = (reference or "").strip() or None
    if evidence and len(evidence) > EVIDENCE_MAX:
        raise DrugFreeError(f"Căn cứ không quá {vn_number(EVIDENCE_MAX)} ký tự.", "evidence")
    if reference and len(reference) > REFERENCE_MAX:
        raise DrugFreeError(f"Số, ký hiệu văn bản không quá {REFERENCE_MAX} ký tự.", "reference")
    entry = db.session.scalar(select(Entry).where(
        Entry.unit_id == unit.id, Entry.year == year, Entry.criterion_id == criterion.id))
    if entry is None:
        entry = Entry(unit_id=unit.id, year=year, criterion_id=criterion.id, met=met)
        db.session.add(entry)
    changed = (entry.met, entry.evidence, entry.reference) != (met, evidence, reference)
    entry.met, entry.evidence, entry.reference = met, evidence, reference
    if changed or entry.id is None:
        entry.entered_by_id, entry.entered_at = user.id, now_utc()
        entry.confirmed_by_id = entry.confirmed_at = None
    db.session.flush()
    return entry


NO_EVIDENCE = ("Không thể xác nhận: xã chưa ghi căn cứ (nội dung hoặc số, ký hiệu văn bản) "
               "cho tiêu chí này.")


def check_confirmable(user: User, entry: Entry) -> None:
    """Raises with the reason when `user` may not confirm `entry` (asked before confirming)."""
    if not may_confirm(user, entry.unit):
        raise DrugFreeError("Chỉ cán bộ đơn vị cấp trên trực tiếp của xã được xác nhận.")
    if not entry.met:
        raise DrugFreeError("Xã đã ghi tiêu chí này là không đạt; không có gì để xác nhận.")
    if not entry.has_evidence:
        raise DrugFreeError(NO_EVIDENCE)


def confirm(user: User, entry: Entry) -> Entry:
    """The parent unit confirms a commune's entry — never one without evidence."""
    check_confirmable(user, entry)
    if entry.confirmed_at is None:
        entry.confirmed_by_id, entry.confirmed_at = user.id, now_utc()
        db.session.flush()
    return entry


def parse_target(kind: str | None, text: str | None, communes: int) -> tuple[str, int]:
    """("count" | "share", amount) from the typed target, with a Vietnamese message."""
    if kind not in TARGET_KINDS:
        raise DrugFreeError("Vui lòng chọn chỉ tiêu theo số xã hoặc theo tỷ lệ.", "kind")
    text = (text or "").strip().removesuffix("%").strip()
    if not text:
        raise DrugFreeError("Vui lòng nhập chỉ tiêu.", "amount")
    if not _DIGITS.fullmatch(text):
        raise DrugFreeError("Chỉ tiêu phải là số nguyên không âm.", "amount")
    amount = int(text)
    if kind == "share" and amount > 100:
        raise DrugFreeError(f"Tỷ lệ xã, phường không ma túy không thể vượt quá 100% "
                            f"(đã nhập {vn_number(amount)}%).", "amount")
    if kind == "count" and amount > communes:
        raise DrugFreeError(f"Chỉ tiêu ({vn_number(amount)} xã) vượt quá số xã, phường, thị "
                            f"trấn của tỉnh ({vn_number(communes)}).", "amount")
    return kind, amount


def set_target(user: User, year: int, kind: str | None, text: str | None) -> Target:
    if not may_set_target(user):
        raise DrugFreeError("Chỉ cán bộ cấp tỉnh được đăng ký chỉ tiêu xã, phường không ma túy.")
    _check_year(year)
    kind, amount = parse_target(kind, text, len(communes_of(user.unit, assessed_on(year))))
    target = db.session.scalar(select(Target).where(Target.unit_id == user.unit_id,
                                                    Target.year == year))
    if target is None:
        target = Target(unit_id=user.unit_id, year=year, kind=kind, amount=amount)
        db.session.add(target)
    target.kind, target.amount, target.updated_by_id = kind, amount, user.id
    db.session.flush()
    return target


def save_criterion(criterion: Criterion | None, data: dict) -> Criterion:
    """An administrator's edit (or a new criterion): label, kind, metric, threshold, dates."""
    label = (data.get("label") or "").strip()
    if not label:
        raise DrugFreeError("Vui lòng nhập nội dung tiêu chí.", "label")
    if len(label) > 400:
        raise DrugFreeError("Nội dung tiêu chí không quá 400 ký tự.", "label")
    kind = data.get("kind") or (criterion.kind if criterion else None)
    if kind not in ("computed", "entered"):
        raise DrugFreeError("Loại tiêu chí không hợp lệ.", "kind")
    metric, threshold = data.get("metric") or None, data.get("threshold")
    if kind == "computed":
        if metric not in METRICS:
            raise DrugFreeError("Vui lòng chọn số liệu dùng để tính tiêu chí.", "metric")
        if threshold is None or threshold < 0:
            raise DrugFreeError("Ngưỡng phải là số nguyên không âm.", "threshold")
    else:
        metric, threshold = None, None
    start, end = data.get("valid_from"), data.get("valid_to")
    if start and end and end <= start:
        raise DrugFreeError("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.", "valid_to")
    if criterion is None:
        position = (db.session.scalar(select(func.max(Criterion.position))) or 0) + 1
        code = f"c{position}"
        criterion = Criterion(code=code, position=position, kind=kind, label=label)
        db.session.add(criterion)
    criterion.label, criterion.kind, criterion.metric = label, kind, metric
    criterion.threshold, criterion.valid_from, criterion.valid_to = threshold, start, end
    criterion.seeded = False
    db.session.flush()
    return criterion


def seed_criteria() -> None:
    """The example list again (tests empty every table; the migration seeds a new database)."""
    from .seed import seed_rows

    if db.session.scalar(select(Criterion.id).limit(1)) is None:
        for row in seed_rows():
            db.session.add(Criterion(**row))
        db.session.flush()
