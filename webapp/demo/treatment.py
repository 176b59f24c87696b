"""Demo treatment: rehabilitation, methadone and post-rehab management for the demo persons,
and the yearly quotas (chỉ tiêu) of the current year and the two before (2024–2026 as written).

Two steps, as for the registry:
- `_Planner` draws every course from one `random.Random(seed)` over plain values (who was
  addicted, when, where): rehab episodes with their outcome, methadone periods, post-rehab terms
  with their decision, activities and end. Nothing in it touches the database.
- `load_treatment(seed)` records the plan through the treatment services (validate first, then
  save), as an officer of the person's commune would, and adds the quotas.

The shape follows the seeds: about 45% of the persons determined addicted have had at least one
rehabilitation since 2020, mostly voluntary at home or in the community (often after a detox at
the district medical centre), some compulsory by a court decision; most complete and go on to
post-rehab management; about 25 persons are on methadone. A few rehabs are under way today, three
compulsory ones end within the month, and three completed rehabs still wait for their post-rehab
decision (the worklist). The quotas are drawn around what the communes achieved, so the progress
pages show communes above and below target; one commune started no detox this year, and one
district gave its communes a little more than the province gave it.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from .. import settings
from ..auth.models import Role, User
from ..extensions import db
from ..plans.models import Quota
from ..registry.models import Person
from ..registry.state import derive
from ..registry.vocab import State
from ..timeutil import today_local
from ..treatment.services import (add_activity, add_term, confirm_post_rehab, dismiss_post_rehab,
                                  end_episode, end_post_rehab, start_episode, start_methadone,
                                  stop_methadone, validate_activity, validate_confirm,
                                  validate_episode, validate_episode_end, validate_methadone,
                                  validate_methadone_stop, validate_post_rehab_end)
from ..units.models import Unit
from .persons import _working_days

MAIN_FORMS = ("home", "community", "compulsory", "detox")
# The regional courts replaced the district courts on 01/7/2025.
REGIONAL_COURTS_FROM = date(2025, 7, 1)
COURT_REGIONS = {"991": 2, "992": 3, "993": 1}
PROVINCE_FACILITY = "Cơ sở cai nghiện ma túy tỉnh Mai Sơn"
ADULT_AGE = 18

# What a rehabilitation looks like: one form, or a detox followed straight by a voluntary rehab.
KINDS = (("home", 28), ("community", 16), ("compulsory", 14), ("facility", 3), ("detox", 17),
         ("detox+home", 12), ("detox+community", 10))
OUTCOME_WEIGHTS = {
    "detox": (("completed", 90), ("abandoned", 10)),
    "compulsory": (("completed", 88), ("abandoned", 12)),
    "voluntary": (("completed", 70), ("abandoned", 18), ("relapsed", 12)),
}
# Besides those that happen to run today: rehabs under way, and the worklist's releases.
CURRENT = ("home", "home", "home", "community", "community", "detox", "compulsory")
# A file closed while a treatment ran: how the treatment ended.
CLOSING_OUTCOMES = {"death": "died", "moved_away": "moved", "prison": "abandoned"}
CLOSING_METHADONE = {"death": "died", "moved_away": "moved", "prison": "prison"}
CLOSING_POST_REHAB = {"death": "died", "moved_away": "moved_away", "prison": "prison"}
CLOSING_NOTES = {"death": "Người cai nghiện chết trong thời gian cai nghiện.",
                 "moved_away": "Chuyển khỏi địa bàn trong thời gian cai nghiện.",
                 "prison": "Bị bắt, chấp hành án phạt tù trong thời gian cai nghiện."}
END_NOTES = {
    ("voluntary", "abandoned"): ("Tự ý bỏ cai nghiện, không thực hiện kế hoạch cai nghiện.",
                                 "Bỏ đi làm ăn xa, không tiếp tục cai nghiện."),
    ("voluntary", "relapsed"): (
        "Xét nghiệm dương tính với chất ma túy trong thời gian cai nghiện.",),
    ("compulsory", "abandoned"): ("Bỏ trốn khỏi cơ sở cai nghiện; đã thông báo Công an truy tìm.",),
    ("detox", "abandoned"): ("Tự ý bỏ về trước khi hết thời gian điều trị cắt cơn.",),
}
START_NOTES = {
    "home": ("Gia đình cam kết phối hợp quản lý, giám sát.", None, None),
    "community": (None, "Tham gia sinh hoạt tại Tổ công tác cai nghiện ma túy của xã.", None),
    "facility": ("Tự nguyện đăng ký, gia đình đóng góp chi phí.", None),
    "compulsory": (None, None, "Đưa vào cơ sở cai nghiện theo quyết định của Tòa án."),
    "detox": (None, "Điều trị cắt cơn, giải độc.", None),
}
CONTACT_NOTES = ("Tổ công tác gặp gỡ, trao đổi với gia đình; chấp hành tốt.",
                 "Gặp gỡ, động viên; đang đi làm nương cùng gia đình.",
                 "Tổ trưởng tổ dân cư nắm tình hình; không có biểu hiện tái sử dụng.",
                 "Trao đổi tại trụ sở UBND xã; chấp hành tốt nội quy quản lý.", None)
SUPPORT = (
    ("vocational", "Giới thiệu học nghề sửa chữa xe máy tại Trung tâm Giáo dục nghề nghiệp."),
    ("vocational", "Hỗ trợ học nghề trồng trọt, chăn nuôi (khóa 3 tháng)."),
    ("job", "Giới thiệu việc làm công nhân tại khu công nghiệp."),
    ("job", "Giới thiệu làm phụ xây cho tổ thợ trong bản."),
    ("loan", "Hỗ trợ vay vốn Ngân hàng Chính sách xã hội 50 triệu đồng để chăn nuôi."),
    ("other_support", "Hỗ trợ gạo, nhu yếu phẩm từ nguồn vận động của Mặt trận Tổ quốc xã."),
)
NEGATIVE_TEST = "Test nhanh nước tiểu âm tính."
POSITIVE_TEST = "Test nhanh nước tiểu dương tính với chất ma túy."
RELAPSE_NOTE = "Phát hiện sử dụng trái phép chất ma túy trở lại."
METHADONE_NOTES = ("Liều khởi đầu 20 mg/ngày.", "Liều khởi đầu 15 mg/ngày.", None, None)


# --- Plain values: who, and what happens ---------------------------------------------------------

@dataclass
class Info:
    """What the planner knows of one person determined addicted."""

    key: int               # the person's id
    commune: str           # unit codes
    district: str
    born_on: date
    drug: str | None
    first: date            # the first day a rehab may start (after the determination)
    last: date             # the day the addict stretch ends: the closing, or today
    closing: str | None    # why the file was closed on `last`; None: still open


@dataclass
class Term:
    """Post-rehab management suggested when a course completed."""

    months: int
    decision: date | None = None       # the commune chairman's decision; None: still a suggestion
    dismissed: bool = False
    decision_number: str | None = None
    activities: list[tuple[str, date, bool | None, str | None]] = field(default_factory=list)
    ended_on: date | None = None
    end_reason: str | None = None
    certificate: str | None = None

    @property
    def end(self) -> date:
        return self.decision + relativedelta(months=self.months)


@dataclass
class Course:
    """One rehab episode (form in REHAB_FORMS) or a methadone period (form "methadone")."""

    form: str
    start: date
    planned_end: date | None = None
    end: date | None = None            # None: still going today
    outcome: str | None = None         # episode outcome, or methadone stop reason
    facility: str | None = None
    decision_date: date | None = None
    decided_by: str | None = None
    decision_number: str | None = None
    note: str | None = None
    end_note: str | None = None
    term: Term | None = None


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class _Planner:
    def __init__(self, seed: int, today: date, names: dict[str, str], parent: dict[str, str]):
        self.rng = random.Random(seed)
        self.today = today
        self.names = names
        self.parent = parent
        self.terms = settings.get("rehab_terms")
        self.recent = today - timedelta(days=200)  # rehabs from here on mostly still run
        self.post_months = settings.get("post_rehab_months")
        self.post_months_adult = settings.get("post_rehab_months_compulsory_adult")
        # "Tỉnh Mai Sơn" → "Mai Sơn", as the regional courts are named.
        self.province = next(n for c, n in names.items() if len(c) == 2).split(" ", 1)[1]
        communes = sorted(c for c in parent if len(c) == 5)
        self.no_detox = self.rng.choice(communes)  # nobody starts a detox here in the last year

    # Random helpers
    def weighted(self, pairs):
        return self.rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randint(0, max(0, (hi - lo).days)))

    def lower(self, code: str) -> str:
        name = self.names[code]
        return name[0].lower() + name[1:]

    def latest_start(self, info: Info) -> date:
        """A rehab starts while the person is addicted, and before today."""
        return min(info.last - timedelta(days=1), self.today - timedelta(days=1))

    # Courses
    def episode(self, info: Info, form: str, start: date, months: int | None = None) -> Course:
        rule = self.terms[form]
        adult = _age(info.born_on, start) >= ADULT_AGE
        low, default, high = rule["adult" if adult else "minor"]
        if form == "detox":
            planned = start + timedelta(days=self.rng.randint(15, 30))
        else:
            if months is None:
                months = default
                if form == "compulsory" and adult:
                    months = self.weighted(((low, 75), (min(18, high), 15), (high, 10)))
            planned = add_term(start, max(low, min(high, months)), rule["unit"])
        course = Course(form, start, planned, note=self.rng.choice(START_NOTES[form]))
        commune, district = info.commune, info.district
        if form in ("home", "community"):
            course.decided_by = f"Chủ tịch UBND {self.lower(commune)}"
            course.decision_date = max(info.first - timedelta(days=1),
                                       _working_days(start, self.rng.randint(0, 3), step=-1))
            if form == "community":
                course.facility = f"Trạm Y tế {self.lower(commune)}"
        elif form == "facility":
            course.facility = PROVINCE_FACILITY
            course.decided_by = f"Giám đốc {PROVINCE_FACILITY}"
            course.decision_date = start
        elif form == "compulsory":
            course.facility = PROVINCE_FACILITY
            decided = _working_days(start, self.rng.randint(3, 15), step=-1)
            course.decision_date = max(info.first - timedelta(days=1), decided)
            if course.decision_date < REGIONAL_COURTS_FROM:
                course.decided_by = f"Tòa án nhân dân {self.lower(district)}"
            else:
                course.decided_by = (f"Tòa án nhân dân khu vực {COURT_REGIONS[district]} - "
                                     f"{self.province}")
        else:  # detox
            course.facility = f"Trung tâm Y tế {self.lower(district)}"
        return course

    def finish(self, info: Info, course: Course, outcome: str | None = None) -> None:
        """Decide how (and whether, by today) the course ended; suggest post-rehab management."""
        group = course.form if course.form in ("detox", "compulsory") else "voluntary"
        outcome = outcome or self.weighted(OUTCOME_WEIGHTS[group])
        if outcome == "completed":
            end = course.planned_end
        else:
            shortest = 3 if course.form == "detox" else 15
            lo = course.start + timedelta(days=shortest)
            end = self.between(lo, max(lo, course.planned_end - timedelta(days=5)))
        course.end_note = self.rng.choice(END_NOTES[(group, outcome)]) \
            if (group, outcome) in END_NOTES else None
        if end > info.last and info.closing:  # the file was closed while the course ran
            end, outcome = info.last, CLOSING_OUTCOMES[info.closing]
            course.end_note = CLOSING_NOTES[info.closing]
        elif end > info.last or end > self.today:
            course.end = course.outcome = course.end_note = None  # still going today
            return
        course.end, course.outcome = end, outcome
        if outcome == "completed" and course.form != "detox":
            adult_compulsory = (course.form == "compulsory"
                                and _age(info.born_on, course.start) >= ADULT_AGE)
            course.term = self.term(info, end, self.post_months_adult if adult_compulsory
                                    else self.post_months)

    def term(self, info: Info, ended: date, months: int) -> Term:
        term = Term(months)
        decided = _working_days(ended, self.rng.randint(2, 12))
        if decided > self.today:
            return term  # finished a few days ago: the suggestion waits for the decision
        if (info.closing and decided >= info.last) or self.chance(.04):
            term.dismissed = True
        else:
            term.decision = decided
        return term

    def rehab(self, info: Info, start: date, latest: date) -> list[Course]:
        """One rehabilitation from `start`: a single episode, or a detox then a voluntary rehab."""
        kind = self.weighted(KINDS)
        if kind.startswith("detox") and info.commune == self.no_detox and \
                start.year == self.today.year:
            kind = kind.split("+")[1] if "+" in kind else "home"
        if kind == "compulsory" and start > self.today - timedelta(days=365) and self.chance(.7):
            kind = "home"  # few compulsory decisions this past year: those are still running
        if kind == "compulsory":
            if max(start, info.first + timedelta(days=30)) <= latest:
                start = max(start, info.first + timedelta(days=30))  # the court takes its time
            else:
                kind = "home"
        courses = []
        if kind.startswith("detox"):
            detox = self.episode(info, "detox", start)
            self.finish(info, detox)
            courses.append(detox)
            if "+" not in kind or detox.outcome != "completed" or detox.end > latest:
                return courses
            kind, start = kind.split("+")[1], detox.end
        course = self.episode(info, kind, start)
        self.finish(info, course)
        return courses + [course]

    def next_start(self, course: Course) -> date:
        term = course.term
        if term and term.decision:
            if self.chance(.08):  # relapsed during post-rehab management
                return self.between(term.decision + timedelta(days=45),
                                    term.end - timedelta(days=15))
            return term.end + timedelta(days=self.rng.randint(30, 400))
        return course.end + timedelta(days=self.rng.randint(30, 300))

    def sequence(self, info: Info, count: int, first: date,
                 end_by: date | None = None) -> list[Course]:
        """Up to `count` rehabilitations one after the other from `first` (and, with `end_by`,
        only those over by that day)."""
        courses: list[Course] = []
        start = first
        latest = self.latest_start(info)
        for _ in range(count):
            if start > latest:
                break
            new = self.rehab(info, start, latest)
            if end_by and (new[-1].end is None or new[-1].end > end_by):
                break
            courses += new
            if new[-1].end is None:
                break
            start = self.next_start(new[-1])
            if start > self.recent and self.chance(.5):
                break
        return courses

    def methadone(self, info: Info, start: date) -> Course:
        course = Course("methadone", start, facility=f"Cơ sở điều trị Methadone "
                        f"{self.lower(info.district)}", note=self.rng.choice(METHADONE_NOTES))
        reason = self.weighted((("ongoing", 45), ("dropped", 30), ("completed", 12),
                                ("moved", 5), ("other", 5)))
        end = None
        if reason != "ongoing":
            end = start + timedelta(days=self.rng.randint(90, 1100))
            if end >= self.today:
                end = self.between(start + timedelta(days=30), self.today - timedelta(days=1))
                if end <= start:
                    end = None
        if info.closing and (end is None or end > info.last):
            end, reason = info.last, CLOSING_METHADONE[info.closing]
        if end is not None:
            course.end, course.outcome = end, reason
            if reason == "completed":
                course.term = self.term(info, end, self.post_months)
        return course

    # Post-rehab terms, once the person's courses are known
    def settle_terms(self, info: Info, courses: list[Course]) -> None:
        for i, course in enumerate(courses):
            term = course.term
            if not term or not term.decision:
                continue
            following = [c.start for c in courses[i + 1:] if c.start > course.end]
            next_start = following[0] if following else None
            certified = _working_days(term.end, self.rng.randint(0, 8))
            if self.chance(.1):  # the certificate waited for the chairman's signature
                certified += timedelta(days=self.rng.randint(20, 60))
            stop = None
            if next_start and next_start <= certified:
                stop = ("relapsed", max(term.decision + timedelta(days=1),
                                        next_start - timedelta(days=self.rng.randint(3, 20))))
            elif info.closing and info.last <= certified:
                stop = (CLOSING_POST_REHAB[info.closing], info.last)
            elif certified > self.today and self.chance(.04):
                lo = term.decision + timedelta(days=60)
                if lo < self.today:
                    stop = ("relapsed", self.between(lo, self.today))
            until = stop[1] if stop else min(certified, self.today)
            self.activities(term, until)
            if stop:
                term.end_reason, term.ended_on = stop
                if stop[0] == "relapsed":
                    term.activities += [("drug_test", term.ended_on, True, POSITIVE_TEST),
                                        ("relapse", term.ended_on, None, RELAPSE_NOTE)]
            elif certified <= self.today:
                term.end_reason, term.ended_on = "completed", certified

    def activities(self, term: Term, until: date) -> None:
        """A few supervision contacts and drug tests, and now and then some support."""
        lo, hi = term.decision, until - timedelta(days=1)
        if hi <= lo:
            return
        days = (hi - lo).days
        found: list[tuple[str, date, bool | None, str | None]] = []
        for _ in range(max(1, min(4, days // 90))):
            found.append(("contact", self.between(lo, hi), None, self.rng.choice(CONTACT_NOTES)))
        for _ in range(self.rng.randint(1, 2) if days > 60 else 1):
            found.append(("drug_test", self.between(lo, hi), False, NEGATIVE_TEST))
        if self.chance(.3):
            kind, note = self.rng.choice(SUPPORT)
            found.append((kind, self.between(lo, hi), None, note))
        term.activities = sorted(found, key=lambda a: a[1])


# --- The plan -------------------------------------------------------------------------------------

@dataclass
class Plan:
    courses: dict[int, list[Course]]   # by person id, in date order
    no_detox: str                      # the commune without a detox this year


def _plan(seed: int, today: date, infos: list[Info], names: dict[str, str],
          parent: dict[str, str]) -> Plan:
    p = _Planner(seed, today, names, parent)
    rng = p.rng
    courses: dict[int, list[Course]] = {}
    pool = list(infos)
    rng.shuffle(pool)
    year_ago = today - relativedelta(years=1)

    def take(test, n: int) -> list[Info]:
        chosen = [i for i in pool if test(i)][:n]
        for info in chosen:
            pool.remove(info)
        return chosen

    # Compulsory rehabs whose term ends within the next month (the worklist's "release soon").
    for info in take(lambda i: not i.closing and i.first + timedelta(days=60) <= year_ago
                     and _age(i.born_on, year_ago) >= ADULT_AGE, 3):
        start = year_ago + timedelta(days=rng.randint(3, 27))
        courses[info.key] = [p.episode(info, "compulsory", start, months=12)]

    # Voluntary rehabs completed in the last fortnight, their post-rehab term still a suggestion.
    for info in take(lambda i: not i.closing and
                     i.first <= today - relativedelta(months=6, days=20), 3):
        ended = today - timedelta(days=rng.randint(1, 15))
        start = ended - relativedelta(months=6)
        course = p.episode(info, rng.choice(("home", "community")), start, months=6)
        course.end, course.outcome = course.planned_end, "completed"
        course.term = Term(p.post_months)
        courses[info.key] = [course]

    # Rehabs under way today.
    for form in CURRENT:
        longest = 14 if form == "detox" else 160
        found = take(lambda i: not i.closing and i.first <= today - timedelta(days=longest)
                     and (form != "compulsory" or _age(i.born_on, today) >= ADULT_AGE)
                     and (form != "detox" or i.commune != p.no_detox), 1)
        for info in found:
            start = today - timedelta(days=rng.randint(2, longest))
            if form == "compulsory":
                start = max(start, info.first + timedelta(days=30))
            courses[info.key] = [p.episode(info, form, start)]

    # Methadone, for opioid users; some tried a rehab first.
    for info in take(lambda i: i.drug in ("heroin", "other")
                     and (p.latest_start(i) - i.first).days >= 120, 25):
        span = (p.latest_start(info) - info.first).days
        start = info.first + timedelta(days=rng.randint(15, max(15, span * 2 // 3)))
        before = []
        if p.chance(.35):
            first = p.between(info.first, info.first + timedelta(days=60))
            before = p.sequence(info, 1, first, end_by=start - timedelta(days=30))
        courses[info.key] = before + [p.methadone(info, start)]

    # Everybody else: about 45% of all have had a rehab.
    def treated() -> int:
        return sum(1 for cs in courses.values() if any(c.form != "methadone" for c in cs))

    target = round(.45 * len(infos))
    for info in list(pool):
        if treated() >= target:
            break
        latest = p.latest_start(info)
        if latest < info.first:
            continue
        gap = p.weighted((((3, 45), 50), ((45, 240), 30), ((240, 900), 20)))
        first = info.first + timedelta(days=rng.randint(*gap))
        if first > latest:
            first = p.between(info.first, latest)
        if first > p.recent:
            # Most rehabs of the year started in its first months, in the spring campaign;
            # many determined since still wait for a place (the worklist shows them).
            if p.chance(.75):
                first = p.between(today - timedelta(days=330), p.recent)
            if first < info.first or first > p.recent:
                continue
        count = p.weighted(((1, 72), (2, 22), (3, 6)))
        found = p.sequence(info, count, first)
        if found:
            courses[info.key] = found

    by_key = {i.key: i for i in infos}
    for key, cs in courses.items():
        p.settle_terms(by_key[key], cs)
    return Plan(courses, p.no_detox)


def _number(plan: Plan, infos: dict[int, Info], used: dict[tuple[str, int], set[str]],
            seed: int) -> None:
    """Decision numbers run in date order per issuer and year, as in a register; the commune's
    numbers skip those its registry decisions already took."""
    rng = random.Random(seed + 1)
    entries = []
    for key in sorted(plan.courses):
        info = infos[key]
        for c in plan.courses[key]:
            if c.form in ("home", "community"):
                entries.append((c.decision_date, info.commune, "QĐ-UBND", c, "decision_number"))
            elif c.form == "facility":
                entries.append((c.decision_date, PROVINCE_FACILITY, "QĐ-CSCN", c,
                                "decision_number"))
            elif c.form == "compulsory":
                entries.append((c.decision_date, c.decided_by, "QĐ-TA", c, "decision_number"))
            term = c.term
            if term and term.decision:
                entries.append((term.decision, info.commune, "QĐ-UBND", term, "decision_number"))
                if term.end_reason == "completed":
                    entries.append((term.ended_on, info.commune, "GCN-UBND", term, "certificate"))
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    per_day = {"QĐ-UBND": .9, "QĐ-CSCN": .3, "QĐ-TA": .15, "GCN-UBND": .05}
    counters: dict[tuple[str, int, str], int] = {}
    for on, issuer, suffix, obj, attr in entries:
        key = (issuer, on.year, suffix)
        expected = int(on.timetuple().tm_yday * per_day[suffix]) + rng.randint(0, 3)
        n = max(counters.get(key, 0) + 1, expected, 1)
        taken = used.get((issuer, on.year), set())
        while f"{n}/{suffix}" in taken:
            n += 1
        counters[key] = n
        setattr(obj, attr, f"{n}/{on.year}/{suffix}" if suffix == "QĐ-TA" else f"{n}/{suffix}")


# --- Quotas ---------------------------------------------------------------------------------------

def quota_years(today: date) -> tuple[int, ...]:
    """The current year and the two before (2024–2026 when the demo was written)."""
    return tuple(range(today.year - 2, today.year + 1))


def _quotas(seed: int, plan: Plan, infos: dict[int, Info], parent: dict[str, str],
            today: date) -> dict[tuple[int, str, str], int]:
    """(year, unit code, form) → amount.

    The province gives each district about what it went on to achieve (a little more or less),
    and the district splits it among its communes by how many addicts each has to treat (drawn
    around what they achieved), so a commune may be well above its quota and another below.
    In the current year one district gives its communes a little more than it received.
    """
    rng = random.Random(seed + 2)
    achieved: Counter = Counter()
    for key, cs in plan.courses.items():
        for c in cs:
            if c.form != "methadone":
                achieved[(c.start.year, infos[key].commune, c.form)] += 1
    communes = sorted(c for c in parent if len(c) == 5)
    districts = sorted({parent[c] for c in communes})
    over = districts[0]
    addicts = Counter(i.commune for i in infos.values())
    amounts: dict[tuple[int, str, str], int] = {}
    for year in quota_years(today):
        current = year == today.year
        for district in districts:
            mine = [c for c in communes if parent[c] == district]
            for form in MAIN_FORMS:
                done = sum(achieved[(year, c, form)] for c in mine)
                factor = rng.uniform(.75, 1.3) if current else rng.uniform(.85, 1.2)
                total = max(1, round(done * factor)) if done else rng.choice((1, 2))
                amounts[(year, district, form)] = total
                # What the commune has to do: its addicts, and what it did (its plan).
                weights = {c: (achieved[(year, c, form)] + addicts[c] / 10) * rng.uniform(.6, 1.4)
                           for c in mine}
                split = _split(total, weights)
                if current and form == "detox" and split.get(plan.no_detox) == 0:
                    donor = max(mine, key=lambda c: (split[c], c))
                    split[donor] -= 1
                    split[plan.no_detox] = 1
                if current and district == over and form in ("home", "detox"):
                    split[max(mine, key=lambda c: (weights[c], c))] += 1
                for commune, amount in split.items():
                    amounts[(year, commune, form)] = amount
            # A few places at the provincial facility, in two districts, from 2025.
            if year >= 2025 and district != "992":
                total = rng.choice((1, 2))
                amounts[(year, district, "facility")] = total
                chosen = rng.choice(mine)
                for commune in mine:
                    amounts[(year, commune, "facility")] = total if commune == chosen else 0
    return amounts


def _split(total: int, weights: dict[str, float]) -> dict[str, int]:
    """`total` in whole parts proportional to `weights` (largest remainders)."""
    whole = sum(weights.values())
    raw = {k: total * w / whole for k, w in weights.items()}
    parts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: (parts[k] - raw[k], k))[:total - sum(parts.values())]:
        parts[k] += 1
    return parts


# --- Loading --------------------------------------------------------------------------------------

def _window(person: Person, today: date) -> tuple[date, date, str | None] | None:
    """The person's last stretch as an addict: (determination day, end, closing reason)."""
    if not any(e.addicted for e in person.events):
        return None
    days = sorted({e.event_date for e in person.events})
    stretch = None
    for day in days:
        derived = derive(person.events, day)
        if derived.state == State.ADDICT and (stretch is None or stretch[1] is not None):
            stretch = [day, None, None]
        elif derived.state != State.ADDICT and stretch is not None and stretch[1] is None:
            stretch[1] = day
            stretch[2] = derived.closed_reason if derived.state == State.CLOSED else None
    if stretch is None:
        return None
    if stretch[1] is None:
        stretch[1] = today
    elif stretch[2] is None:
        stretch[2] = "moved_away"  # left the addict state some other way: treat as gone
    return stretch[0], stretch[1], stretch[2]


def _check(errors: dict, what: str) -> None:
    if errors:
        raise AssertionError(f"{what}: {errors}")


def load_treatment(seed: int = 2026) -> dict:
    """Record the demo treatment history and quotas; returns what was created, by kind."""
    today = today_local()
    from . import TREE  # the package is loaded by the time this runs

    names: dict[str, str] = {}
    parent: dict[str, str] = {}
    for (pcode, pname, _), districts in TREE.items():
        names[pcode] = pname
        for (dcode, dname, _), communes in districts.items():
            names[dcode] = dname
            parent[dcode] = pcode
            for ccode, cname, _ in communes:
                names[ccode] = cname
                parent[ccode] = dcode
    commune_parent = {c: d for c, d in parent.items() if len(c) == 5}

    db.session.flush()
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(names)))}
    code_of = {u.id: code for code, u in units.items()}
    users = db.session.scalars(select(User).where(User.is_demo.is_(True)).order_by(User.id)).all()
    officers = {u.unit.code: u for u in users if u.role == Role.COMMUNE}
    district_officers = {u.unit.code: u for u in users if u.role == Role.DISTRICT}
    province = next(u for u in users if u.role == Role.PROVINCE)
    # The persons are usually still in the session with their timeline loaded (load_persons):
    # load the timeline again only if it is not, and the (empty) treatment records in bulk.
    options = [selectinload(Person.episodes), selectinload(Person.methadone_periods),
               selectinload(Person.post_rehab_terms)]
    query = select(Person).where(Person.unit_id.in_([units[c].id for c in commune_parent]))
    persons = db.session.scalars(query.options(*options).order_by(Person.id)).all()
    unloaded = [p.id for p in persons if "events" in inspect(p).unloaded]
    if unloaded:
        db.session.scalars(select(Person).where(Person.id.in_(unloaded))
                           .options(selectinload(Person.events))).all()
    by_id = {p.id: p for p in persons}

    infos: list[Info] = []
    used: dict[tuple[str, int], set[str]] = {}
    for person in persons:
        commune = code_of[person.unit_id]
        for e in person.events:
            if e.doc_number:
                used.setdefault((commune, e.event_date.year), set()).add(e.doc_number)
        window = _window(person, today)
        if window is None:
            continue
        determined, last, closing = window
        infos.append(Info(person.id, commune, commune_parent[commune], person.born_on,
                          person.main_drug, determined + timedelta(days=1), last, closing))
    info_by_id = {i.key: i for i in infos}

    plan = _plan(seed, today, infos, names, commune_parent)
    _number(plan, info_by_id, used, seed)

    counts: Counter = Counter()
    with db.session.no_autoflush:
        for key in sorted(plan.courses):
            person = by_id[key]
            actor = officers.get(info_by_id[key].commune, province)
            for course in plan.courses[key]:
                _record(person, course, actor, today, counts)
        db.session.flush()

        amounts = _quotas(seed, plan, info_by_id, parent, today)
        for (year, code, form), amount in sorted(amounts.items()):
            setter = province if len(code) == 3 else district_officers.get(parent[code], province)
            db.session.add(Quota(year=year, unit_id=units[code].id, form=form, amount=amount,
                                 updated_by_id=setter.id))
        db.session.flush()

    counts["persons_with_episodes"] = sum(
        1 for cs in plan.courses.values() if any(c.form != "methadone" for c in cs))
    counts["quotas"] = len(amounts)
    return dict(sorted(counts.items()))


def _record(person: Person, course: Course, actor: User, today: date, counts: Counter) -> None:
    name = person.full_name
    if course.form == "methadone":
        data = {"facility": course.facility, "start_date": course.start, "note": course.note}
        _check(validate_methadone(person, data, today), f"{name} methadone")
        period = start_methadone(person, data, actor)
        counts["methadone"] += 1
        suggestion = None
        if course.end is None:
            counts["methadone_ongoing"] += 1
        else:
            data = {"end_date": course.end, "stop_reason": course.outcome}
            _check(validate_methadone_stop(period, data, today), f"{name} methadone stop")
            suggestion = stop_methadone(period, data, actor)
    else:
        data = {"form": course.form, "start_date": course.start, "planned_end": course.planned_end,
                "facility": course.facility, "decision_number": course.decision_number,
                "decision_date": course.decision_date, "decided_by": course.decided_by,
                "note": course.note}
        _check(validate_episode(person, data, today), f"{name} {course.form} {course.start}")
        episode = start_episode(person, data, actor)
        counts["episodes"] += 1
        suggestion = None
        if course.end is None:
            counts["episodes_ongoing"] += 1
        else:
            data = {"end_date": course.end, "outcome": course.outcome, "note": course.end_note}
            _check(validate_episode_end(episode, data, today), f"{name} {course.form} end")
            suggestion = end_episode(episode, data, actor)
    term = course.term
    if (suggestion is None) != (term is None):
        raise AssertionError(f"{name}: the plan and the services disagree on post-rehab")
    if suggestion is None:
        return
    counts["post_rehab_terms"] += 1
    if term.dismissed:
        dismiss_post_rehab(suggestion)
        counts["post_rehab_dismissed"] += 1
        return
    if term.decision is None:
        counts["post_rehab_suggested"] += 1
        return
    data = {"decision_number": term.decision_number, "decision_date": term.decision,
            "signer": f"Chủ tịch UBND {person.unit.name[0].lower()}{person.unit.name[1:]}"}
    _check(validate_confirm(suggestion, data, today), f"{name} post-rehab decision")
    confirm_post_rehab(suggestion, data)
    for kind, on, positive, note in term.activities:
        data = {"kind": kind, "on": on, "positive": positive, "note": note}
        _check(validate_activity(suggestion, data, today), f"{name} {kind} {on}")
        add_activity(suggestion, data, actor)
        counts["post_rehab_activities"] += 1
    if term.ended_on:
        data = {"ended_on": term.ended_on, "end_reason": term.end_reason,
                "certificate_number": term.certificate}
        _check(validate_post_rehab_end(suggestion, data, today), f"{name} post-rehab end")
        end_post_rehab(suggestion, data)
        counts[f"post_rehab_{'certified' if term.end_reason == 'completed' else 'stopped'}"] += 1
    else:
        counts["post_rehab_active"] += 1
