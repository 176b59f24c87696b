"""Demo monthly reports (Biểu 01-BCN): the last twelve months of every demo commune and district,
so the completeness page, the 12-month grid and the review threads are alive on first run.

Every report is played by the unit's own officer and its parent's reviewer through the report
services: `save_draft` (which checks the officer), `approve` and `return_`. Sending is
`services.submit` with the figures computed once per unit and month (`to_freeze`, then
`check_frozen` for the warnings that need a comment): the frozen snapshot is what it gives for that
unit and month, and every status is the one its last transition set. Only the moments are
rewritten afterwards, to believable ones inside the period: communes send between the 25th and
the 6th of the next month (due the 3rd), the district reviews within hours or days, sends its
own report once all or all but one of its communes are approved, and the province reviews it;
the province does the same with its districts and sends to the ministry (trunguong, C04).

Communes and the town without a demo account get one here (`xa.99103`, `huyen.993`…), with the
demo password hashed once. The last month leaves work for the demo accounts: 99101 (xa) has only
a draft and 99102 (xa2) waits for huyen's review.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from ..auth.models import Role, User
from ..extensions import db
from ..reports.figures import as_values
from ..reports.models import MonthlySubmission, SubmissionTransition
from ..reports.services import (Frozen, approve, check_frozen, due_date, freeze,
                                reporting_children, return_, save_draft, to_freeze)
from ..timeutil import LOCAL_TZ, now_utc, to_local, today_local
from ..units.models import Unit
from ..vntext import nfc

MONTHS = 12

# Officers for the units that have no account among the demo users.
EXTRA_OFFICERS = (
    ("xa.99103", "Hoàng Văn Tuấn", Role.COMMUNE, "99103"),
    ("xa.99104", "Giàng A Páo", Role.COMMUNE, "99104"),
    ("xa.99202", "Cầm Thị Hương", Role.COMMUNE, "99202"),
    ("xa.99203", "Vàng A Sình", Role.COMMUNE, "99203"),
    ("xa.99301", "Nguyễn Thị Thu Hà", Role.COMMUNE, "99301"),
    ("xa.99302", "Đỗ Minh Khôi", Role.COMMUNE, "99302"),
    ("xa.99303", "Lò Thị Xuân", Role.COMMUNE, "99303"),
    ("huyen.993", "Lê Quang Vinh", Role.DISTRICT, "993"),
)

# The last month, fixed so the demo accounts always find work: xa finishes and sends its draft,
# huyen reviews xa2's report; one commune waits to correct a returned report; one has nothing.
LAST_MONTH = {"99101": "draft", "99102": "submitted", "99301": "returned", "99203": "missing"}

# --- Texts ----------------------------------------------------------------------------------

ACTIVITIES = (
    "Tổ chức {talks} buổi tuyên truyền phòng, chống ma túy tại các thôn, bản, khoảng {people} "
    "lượt người tham gia.",
    "Phối hợp Công an xã rà soát người sử dụng trái phép chất ma túy trên địa bàn; lập hồ sơ "
    "đề nghị xác định tình trạng nghiện.",
    "Duy trì tổ công tác cai nghiện tại gia đình, cộng đồng; thăm nắm tình hình {visits} "
    "người đang cai nghiện và quản lý sau cai.",
    "Lồng ghép tuyên truyền trong các buổi họp thôn, sinh hoạt đoàn thể; phát {leaflets} tờ "
    "rơi về tác hại của ma túy.",
    "Phối hợp trạm y tế xã tư vấn điều trị Methadone cho người nghiện và gia đình.",
    "Kiểm tra, cập nhật danh sách người nghiện, người sử dụng trái phép chất ma túy đến cuối "
    "tháng.",
)
DIFFICULTIES = (
    "Địa bàn rộng, giao thông đi lại khó khăn, nhất là các bản vùng cao trong mùa mưa.",
    "Một số người nghiện thường xuyên đi làm ăn xa, khó quản lý và vận động cai nghiện.",
    "Cán bộ làm công tác phòng, chống tệ nạn xã hội kiêm nhiệm nhiều việc.",
    "Kinh phí cho công tác cai nghiện tại cộng đồng còn hạn chế.",
    "Một bộ phận gia đình người nghiện chưa phối hợp với chính quyền trong việc quản lý.",
)
PROPOSALS = (
    "Đề nghị huyện tổ chức tập huấn nghiệp vụ cho cán bộ làm công tác cai nghiện cấp xã.",
    "Đề nghị hỗ trợ kinh phí cho tổ công tác cai nghiện tại cộng đồng.",
    "Đề nghị tăng cường phối hợp giữa các xã giáp ranh trong quản lý người nghiện đi khỏi "
    "nơi cư trú.",
    "Đề nghị bố trí thêm điểm cấp phát thuốc Methadone gần địa bàn.",
)
DISTRICT_ACTIVITIES = (
    "Tổng hợp báo cáo của các xã, thị trấn; kiểm tra, hướng dẫn {communes} đơn vị cấp xã về "
    "quản lý người nghiện và sau cai.",
    "Phối hợp Công an huyện, Trung tâm Y tế huyện rà soát, xác định tình trạng nghiện; "
    "tổ chức cắt cơn, giải độc tại Trung tâm Y tế huyện.",
    "Chỉ đạo các xã tăng cường tuyên truyền, vận động người nghiện tự nguyện cai nghiện.",
)
RETURN_COMMENTS = (
    "Phần kết quả công tác còn sơ sài; đề nghị xã nêu cụ thể số buổi tuyên truyền, số lượt "
    "người tham gia rồi gửi lại.",
    "Chưa nêu khó khăn, vướng mắc và đề xuất, kiến nghị; đề nghị xã bổ sung.",
    "Đề nghị xã giải trình rõ số người nghiện chưa xác minh được nghề nghiệp, dân tộc và thời "
    "hạn cập nhật hồ sơ.",
    "Đề nghị xã đối chiếu số người bắt đầu cai nghiện trong tháng với các quyết định của UBND "
    "xã và nêu rõ trong phần kết quả.",
)
RESUBMIT_NOTES = (
    "Bổ sung theo ý kiến của huyện: đã nêu cụ thể kết quả tuyên truyền và công tác quản lý.",
    "Đã bổ sung khó khăn, vướng mắc và đề xuất theo ý kiến của huyện.",
    "Đã giải trình và bổ sung theo ý kiến của huyện; hồ sơ còn thiếu sẽ cập nhật trong tháng sau.",
)
PROVINCE_RETURN = ("Đề nghị huyện làm rõ lý do chưa tổng hợp đủ báo cáo của các xã và thời "
                   "hạn hoàn thành.")
NATIONAL_RETURN = ("Đề nghị tỉnh rà soát, bổ sung số liệu của các huyện còn thiếu trước khi "
                   "gửi lại Bộ.")
APPROVE_COMMENTS = ("Đồng ý.", "Số liệu khớp với hồ sơ quản lý.", "Đã kiểm tra, đồng ý.")
UNKNOWN_NOTE = ("Một số người nghiện chưa xác minh được đầy đủ thông tin (nghề nghiệp, loại ma "
                "túy hoặc dân tộc); đơn vị đang phối hợp Công an xã rà soát, sẽ cập nhật hồ sơ "
                "trong tháng sau.")


def _activities(rng: random.Random, district: bool, communes: int) -> str:
    pool = DISTRICT_ACTIVITIES if district else ACTIVITIES
    return " ".join(text.format(talks=rng.randint(1, 4), people=10 * rng.randint(6, 30),
                                visits=rng.randint(3, 12), leaflets=50 * rng.randint(2, 8),
                                communes=communes) for text in rng.sample(pool, 2))


def _work_done(rng: random.Random, values: dict[str, int], district: bool, communes: int) -> str:
    """The month's work, quoting the unit's own figures."""
    lines = [f"Đến cuối tháng, đơn vị đang quản lý {values.get('persons.total', 0)} người, "
             f"trong đó {values.get('addicts.total', 0)} người nghiện ma túy; "
             f"{values.get('ongoing.total', 0)} người đang cai nghiện, "
             f"{values.get('methadone.ongoing', 0)} người điều trị Methadone."]
    if values.get("flow.new"):
        lines.append(f"Lập hồ sơ quản lý mới {values['flow.new']} người.")
    lines.append(_activities(rng, district, communes))
    return nfc(" ".join(lines))


def _narrative(rng: random.Random, values: dict[str, int], month: int, district: bool = False,
               communes: int = 0) -> dict:
    data = {"work_done": _work_done(rng, values, district, communes),
            "difficulties": nfc(rng.choice(DIFFICULTIES)),
            "proposals": nfc(rng.choice(PROPOSALS))}
    if month == 12:  # the year's staff and funding, reported in December only
        scale = 4 if district else 1
        data.update(staff_count=rng.randint(2, 5) * scale,
                    funding_local=100_000 * rng.randint(150, 600) * scale,
                    funding_contribution=100_000 * rng.randint(0, 80) * scale,
                    funding_other=100_000 * rng.randint(0, 50) * scale)
    return data


def _warning_comment(warnings: list[str], missing: list[Unit]) -> str | None:
    if not warnings:
        return None
    parts = []
    if missing:
        parts.append("Huyện tổng hợp số liệu của các xã đã được duyệt; báo cáo của "
                     + ", ".join(u.name for u in missing) + " sẽ được tổng hợp bổ sung khi "
                     "được duyệt.")
    if any("chưa rõ" in w for w in warnings):
        parts.append(UNKNOWN_NOTE)
    if any("chưa kết thúc" in w for w in warnings):
        parts.append("Số liệu tính đến ngày gửi báo cáo.")
    return nfc(" ".join(parts) or "Đã kiểm tra các cảnh báo.")


# --- Moments ----------------------------------------------------------------------------------

def _utc(day: date, at: time) -> datetime:
    """A local wall-clock moment as the naive UTC datetime the columns store."""
    return datetime.combine(day, at, LOCAL_TZ).astimezone(timezone.utc).replace(tzinfo=None)


class _Clock:
    """Random moments inside windows, in office hours when possible, never in the future."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.limit = now - timedelta(minutes=2)

    def pick(self, lo: datetime, hi: datetime, after: datetime | None = None) -> datetime:
        fraction, hour = self.rng.random(), self.rng.uniform(7.5, 17.0)
        if after is not None:
            lo = max(lo, after + timedelta(minutes=20))
        hi = min(hi, self.limit)
        if hi <= lo:  # squeezed by "now": halfway between the last step and now
            base = min(after or lo, self.limit - timedelta(minutes=2))
            return (base + (self.limit - base) / 2).replace(microsecond=0)
        moment = lo + (hi - lo) * fraction
        local_day = moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).date()
        office = _utc(local_day, time(int(hour), int(hour % 1 * 60)))
        if lo <= office <= hi:
            moment = office
        return moment.replace(microsecond=0)


# --- The plan ---------------------------------------------------------------------------------

@dataclass
class _Outcome:
    status: str  # the final status, or "missing"
    approved_at: datetime | None = None
    events: list[datetime] = field(default_factory=list)


def _commune_fate(rng: random.Random, age: int) -> str:
    """What happened to one commune-month, `age` months ago (1 = last month)."""
    if age == 1:
        table = (("missing", 30), ("draft", 15), ("submitted", 25), ("approved", 20),
                 ("returned", 10))
    elif age == 2:
        table = (("missing", 4), ("draft", 4), ("submitted", 12), ("approved", 56),
                 ("returned", 10), ("returned_approved", 10), ("returned_submitted", 4))
    elif age == 3:
        table = (("missing", 4), ("draft", 3), ("approved", 76), ("returned", 4),
                 ("returned_approved", 13))
    else:  # long settled: what was returned then has been corrected and approved since
        table = (("missing", 4), ("draft", 3), ("approved", 80), ("returned_approved", 13))
    fates, weights = zip(*table)
    return rng.choices(fates, weights)[0]


def _first_submission(clock: _Clock, year: int, month: int, late: bool) -> datetime:
    due = due_date(year, month)
    if late:
        return clock.pick(_utc(due + timedelta(days=1), time(7, 30)),
                          _utc(due + timedelta(days=3), time(17, 30)))
    next_first = due.replace(day=1)
    if clock.rng.random() < 0.3:  # some send in the last days of the month
        return clock.pick(_utc(date(year, month, 25), time(7, 30)),
                          _utc(next_first - timedelta(days=1), time(17, 30)))
    return clock.pick(_utc(next_first, time(7, 30)), _utc(due, time(12, 0)))


def _officers() -> tuple[dict[str, User], int]:
    """The demo officer of every unit by its code, creating the missing ones."""
    users = db.session.scalars(select(User).where(User.is_demo.is_(True))
                               .order_by(User.id)).all()
    by_unit = {}
    for user in users:
        if user.role in (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE, Role.NATIONAL):
            by_unit.setdefault(user.unit.code, user)
    taken = {u.username for u in users}
    units = {u.code: u for u in db.session.scalars(select(Unit).where(
        Unit.code.in_([code for *_, code in EXTRA_OFFICERS])))}
    created, password_hash = 0, None
    for username, full_name, role, code in EXTRA_OFFICERS:
        if code in by_unit or username in taken or code not in units:
            continue
        user = User(username=username, full_name=nfc(full_name), role=role.value,
                    unit=units[code], is_demo=True)
        if password_hash is None:  # hash the demo password once, share it
            from . import DEMO_PASSWORD
            user.set_password(DEMO_PASSWORD)
            password_hash = user.password_hash
        user.password_hash = password_hash
        db.session.add(user)
        by_unit[code] = user
        created += 1
    db.session.flush()
    return by_unit, created


def _months(today: date) -> list[tuple[int, int, int]]:
    """(year, month, age) from twelve months ago to last month; age 1 is last month."""
    out = []
    for age in range(MONTHS, 0, -1):
        index = today.year * 12 + today.month - 1 - age
        out.append((index // 12, index % 12 + 1, age))
    return out


# --- Recording --------------------------------------------------------------------------------

def _figures(unit: Unit, year: int, month: int) -> _Figures:
    frozen = to_freeze(unit, year, month)
    errors, warnings = check_frozen(frozen, unit, year, month)
    if errors:  # the demo registry must always give consistent figures
        raise AssertionError(f"{unit.code} {month:02d}/{year}: {' '.join(errors)}")
    agg = frozen.aggregate
    return _Figures(frozen, _warning_comment(warnings, agg.missing if agg else []))


@dataclass
class _Figures:
    """A unit-month's figures, computed once: what is frozen, its warnings' comment."""
    frozen: Frozen
    comment: str | None

    @property
    def values(self) -> dict[str, int]:
        return as_values(self.frozen.rows)


def _submit(unit: Unit, year: int, month: int, data: dict, figures: _Figures, officer: User,
            at: datetime) -> MonthlySubmission:
    """`services.submit`, with the figures computed once for the unit-month.

    A commune's figures cost some twenty queries; the registry does not move while the demo
    loads, and a district's children are settled before it sends, so computing them again
    for the same unit and month would only give the same rows. The rest is the service's own:
    `save_draft` checks the officer and stores the narrative, `freeze` stores and records.
    """
    sub = save_draft(unit, year, month, {**data, "warning_comment": figures.comment}, officer)
    if sub.frozen:
        raise AssertionError(f"{unit.code} {month:02d}/{year} is already {sub.status}")
    freeze(sub, figures.frozen, officer, figures.comment, at)
    return sub


def _decide(sub: MonthlySubmission, reviewer: User, at: datetime, comment: str | None,
            returned: bool) -> None:
    if returned:
        return_(sub, reviewer, comment)
    else:
        approve(sub, reviewer, comment)
    sub.decided_at = sub.transitions[-1].at = at


def _record(unit: Unit, year: int, month: int, fate: str, late: bool, officer: User,
            reviewer: User, rng: random.Random, clock: _Clock, return_comment: str,
            district: bool = False, communes: int = 0,
            not_before: datetime | None = None) -> _Outcome:
    """Play one unit-month's life cycle through the services; set its moments."""
    if fate == "missing":
        return _Outcome("missing")
    if fate == "draft":
        lo = not_before or _utc(date(year, month, 24), time(7, 30))
        hi = (lo + timedelta(days=4) if not_before
              else _utc(due_date(year, month) + timedelta(days=6), time(17, 30)))
        started = clock.pick(lo, hi)
        work_done = nfc(_activities(rng, district, communes))
        sub = save_draft(unit, year, month, {"work_done": work_done}, officer)
        sub.created_at = started
        return _Outcome("draft", events=[started])

    figures = _figures(unit, year, month)
    data = _narrative(rng, figures.values, month, district, communes)
    if not_before is None:
        first = _first_submission(clock, year, month, late)
    else:  # a district: within half a day of its last commune approval
        first = clock.pick(not_before, not_before + timedelta(hours=12))
    sub = _submit(unit, year, month, data, figures, officer, first)
    sub.created_at = max(clock.pick(first - timedelta(days=2), first - timedelta(minutes=30)),
                         _utc(date(year, month, 20), time(7, 30)))
    events = [sub.created_at, first]
    if fate == "submitted":
        return _Outcome("submitted", events=events)

    decided = clock.pick(first, first + timedelta(hours=rng.choice((2, 4, 8, 24, 48))), first)
    returned = fate.startswith("returned")
    approve_comment = rng.choice(APPROVE_COMMENTS) if rng.random() < 0.3 else None
    _decide(sub, reviewer, decided, return_comment if returned else approve_comment, returned)
    events.append(decided)
    if fate in ("approved", "returned"):
        return _Outcome(fate, decided if fate == "approved" else None, events=events)

    # Corrected and sent again (the figures have not moved), then approved or still waiting.
    again = clock.pick(decided, decided + timedelta(hours=rng.choice((8, 24, 48))), decided)
    data["work_done"] = nfc(data["work_done"] + " " + rng.choice(RESUBMIT_NOTES))
    db.session.flush()  # autoflush is off: `save_draft` must find the report it returns to
    _submit(unit, year, month, data, figures, officer, again)
    events.append(again)
    if fate == "returned_submitted":
        return _Outcome("submitted", events=events)
    final = clock.pick(again, again + timedelta(hours=30), again)
    _decide(sub, reviewer, final, approve_comment, False)
    events.append(final)
    return _Outcome("approved", final, events=events)


def _district_fate(rng: random.Random, age: int) -> str:
    roll = rng.random()
    if age == 1:
        return "submitted"
    if age == 2:
        return "approved" if roll < 0.6 else "submitted"
    if age == 3:
        return "approved" if roll < 0.8 else "returned_approved" if roll < 0.93 else "returned"
    return "approved" if roll < 0.88 else "returned_approved"


def load_submissions(seed: int = 2026) -> dict:
    """Record twelve months of demo reports; returns what was created, by kind."""
    rng = random.Random(seed)
    clock = _Clock(rng, now_utc())
    officers, created = _officers()
    province = db.session.scalar(select(Unit).where(Unit.code == "99"))
    months = _months(today_local())
    # Who owed a report each month: {(year, month): [(district, [its communes])]}.
    tree = {(y, m): [(d, reporting_children(d, y, m)) for d in reporting_children(province, y, m)]
            for y, m, _ in months}

    with db.session.no_autoflush:  # a flush per query would cost more than the figures
        outcomes = _communes(tree, months, officers, rng, clock)
        db.session.flush()  # the districts' aggregates read their communes' reports
        districts = _districts(tree, months, outcomes, officers, province, rng, clock)
        db.session.flush()
        _province(tree, months, districts, officers, province, rng, clock)
        db.session.flush()
    return _counts(tree, created, province)


def _communes(tree, months, officers, rng, clock) -> dict[tuple[str, int, int], _Outcome]:
    outcomes = {}
    for year, month, age in months:
        for district, communes in tree[year, month]:
            for commune in communes:
                fate = _commune_fate(rng, age)
                if age == 1 and commune.code in LAST_MONTH:
                    fate = LAST_MONTH[commune.code]
                late = rng.random() < 0.08
                outcomes[commune.code, year, month] = _record(
                    commune, year, month, fate, late, officers[commune.code],
                    officers[district.code], rng, clock, rng.choice(RETURN_COMMENTS))
    return outcomes


def _districts(tree, months, outcomes, officers, province, rng, clock) -> dict:
    """Once all, or all but one, of its communes are approved, after those approvals, the
    district sends its own report (the sum of the approved ones); the province reviews it."""
    out = {}
    for year, month, age in months:
        for district, communes in tree[year, month]:
            children = [outcomes[c.code, year, month] for c in communes]
            approved = [o for o in children if o.status == "approved"]
            roll = rng.random()
            if approved and len(approved) >= len(children) - 1:
                fate = _district_fate(rng, age)
                not_before = max(o.approved_at for o in approved) + timedelta(hours=1)
                if not_before > clock.limit:  # its communes were approved only just now
                    fate = "missing"
            else:
                fate = "draft" if age <= 2 and roll < 0.5 else "missing"
                not_before = max((e for o in children for e in o.events),
                                 default=_utc(date(year, month, 25), time(7, 30)))
            out[district.code, year, month] = _record(
                district, year, month, fate, False, officers[district.code],
                officers[province.code], rng, clock, PROVINCE_RETURN, district=True,
                communes=len(children), not_before=not_before)
    return out


def _province(tree, months, outcomes, officers, province, rng, clock) -> None:
    """The same one level up: the province sends the sum of its approved districts to the
    ministry (C04), which reviews it; drawn after everything below, which it leaves as it was."""
    nation = province.parent
    if nation is None or nation.code not in officers:
        return
    for year, month, age in months:
        children = [outcomes[d.code, year, month] for d, _ in tree[year, month]]
        approved = [o for o in children if o.status == "approved"]
        fate, not_before = "missing", None
        if approved and len(approved) >= len(children) - 1:
            fate = _district_fate(rng, age)
            not_before = max(o.approved_at for o in approved) + timedelta(hours=1)
            if not_before > clock.limit:
                fate = "missing"
        if fate != "missing":
            _record(province, year, month, fate, False, officers[province.code],
                    officers[nation.code], rng, clock, NATIONAL_RETURN, district=True,
                    communes=len(children), not_before=not_before)


def _counts(tree: dict, created: int, province: Unit) -> dict:
    """What the load left, read back: reports by level and status, late ones, missing ones."""
    counts: Counter = Counter(officers_created=created)
    ids = {u.id for units in tree.values() for d, cs in units for u in (d, *cs)} | {province.id}
    subs = {(s.unit_id, s.year, s.month): s for s in db.session.scalars(
        select(MonthlySubmission).where(MonthlySubmission.unit_id.in_(ids)))
        if (s.year, s.month) in tree}
    counts["transitions"] = db.session.scalar(select(func.count(SubmissionTransition.id)).where(
        SubmissionTransition.submission_id.in_([s.id for s in subs.values()])))
    for (year, month), units in tree.items():
        due = due_date(year, month)
        owing = [(province, "province")] if province.parent_id is not None else []
        owing += [(unit, "district" if unit is district else "commune")
                  for district, communes in units for unit in (district, *communes)]
        for unit, level in owing:
            sub = subs.get((unit.id, year, month))
            counts[f"{level}_{sub.status if sub else 'missing'}"] += 1
            if sub is not None:
                counts["reports"] += 1
                counts["late"] += bool(sub.frozen and to_local(sub.first_submitted_at).date() > due)
    return dict(sorted(counts.items()))
