"""Contradictions in a person's file: what the rules forbid, checked over the whole file at once.

The forms refuse each contradiction as it is typed; this module looks at the file as it stands,
for three uses: a correction or a voiding must not introduce one (`introduced`), the
`flask registry check` command lists those already in a database (data imported or entered
before a rule existed), and tests state each rule once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import settings
from .models import Person, active
from .state import FINAL_REASONS, counted, derive
from .vocab import EventKind, State

# Forms during which detox at the district medical centre may run inside the episode.
VOLUNTARY = ("home", "community", "facility")


@dataclass(frozen=True)
class Problem:
    kind: str  # "event", "episode", "methadone", "post_rehab", "activity"
    entry_id: int | None
    field: str | None
    message: str

    @property
    def key(self) -> tuple:
        return (self.kind, self.entry_id, self.message)


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Two runs [start, end] overlap; an unfinished run goes on for ever."""
    return a_start <= (b_end or date.max) and b_start <= (a_end or date.max)


def detox_allowed_inside(outer_form: str, inner_form: str) -> bool:
    return (inner_form == "detox" and outer_form in VOLUNTARY
            and bool(settings.get("detox_inside_voluntary")))


def episode_overlap(episodes, start: date, end: date | None, form: str, exclude=None):
    """The first counted episode running at the same time as [start, end], if any."""
    for other in active(episodes):
        if other is exclude:
            continue
        if not _overlap(start, end, other.start_date, other.end_date):
            continue
        if detox_allowed_inside(other.form, form) or detox_allowed_inside(form, other.form):
            continue
        return other
    return None


def problems(person: Person, today: date) -> list[Problem]:
    found: list[Problem] = []
    events = counted(person.events)
    final_day = None
    for e in events:
        if e.event_date > today:
            found.append(Problem("event", e.id, "event_date", "Ngày sau ngày hôm nay."))
        if e.event_date < person.born_on:
            found.append(Problem("event", e.id, "event_date",
                                 "Ngày trước ngày sinh của người này."))
        if final_day is not None and e.event_date >= final_day:
            found.append(Problem("event", e.id, "event_date",
                                 f"Ghi sau khi hồ sơ đã đóng ngày {_d(final_day)} "
                                 "(chết hoặc nhập nhầm)."))
        before = derive([x for x in events if x is not e], e.event_date)
        if e.kind == EventKind.MANAGEMENT:
            if before.state == State.ADDICT:
                found.append(Problem("event", e.id, "event_date",
                                     "Quyết định quản lý người sử dụng trái phép cho người đã "
                                     "được xác định nghiện."))
            if e.term_end is not None and e.term_end <= e.event_date:
                found.append(Problem("event", e.id, "term_end",
                                     "Ngày hết hạn quản lý không sau ngày quyết định."))
        if e.kind == EventKind.CLOSING:
            if e.reason in FINAL_REASONS and final_day is None:
                final_day = e.event_date
    closed = derive(events)
    closed_on = closed.since if closed.state == State.CLOSED else None

    def after_closing(kind: str, entry, field: str, day: date | None) -> None:
        if closed_on is not None and day is not None and day > closed_on:
            found.append(Problem(kind, entry.id, field,
                                 f"Sau ngày hồ sơ được đưa ra khỏi danh sách ({_d(closed_on)})."))

    episodes = active(person.episodes)
    for i, ep in enumerate(episodes):
        if derive(events, ep.start_date).state != State.ADDICT:
            found.append(Problem("episode", ep.id, "start_date",
                                 "Bắt đầu cai nghiện khi chưa có kết luận “có nghiện”."))
        if ep.start_date < person.born_on:
            found.append(Problem("episode", ep.id, "start_date", "Trước ngày sinh."))
        if ep.end_date is not None and ep.end_date < ep.start_date:
            found.append(Problem("episode", ep.id, "end_date",
                                 "Ngày kết thúc trước ngày bắt đầu."))
        if ep.start_date > today or (ep.end_date and ep.end_date > today):
            found.append(Problem("episode", ep.id, "start_date", "Ngày sau ngày hôm nay."))
        after_closing("episode", ep, "start_date", ep.start_date)
        other = episode_overlap(episodes[:i], ep.start_date, ep.end_date, ep.form)
        if other is not None:
            found.append(Problem("episode", ep.id, "start_date",
                                 f"Trùng thời gian với đợt cai nghiện từ {_d(other.start_date)}: "
                                 "mỗi lúc chỉ một đợt cai nghiện."))
    periods = active(person.methadone_periods)
    for i, m in enumerate(periods):
        if m.end_date is not None and m.end_date < m.start_date:
            found.append(Problem("methadone", m.id, "end_date",
                                 "Ngày dừng trước ngày bắt đầu."))
        after_closing("methadone", m, "start_date", m.start_date)
        for other in periods[:i]:
            if _overlap(m.start_date, m.end_date, other.start_date, other.end_date):
                found.append(Problem("methadone", m.id, "start_date",
                                     f"Trùng thời gian với đợt điều trị Methadone từ "
                                     f"{_d(other.start_date)}."))
                break
    terms = [t for t in active(person.post_rehab_terms) if t.status != "dismissed"]
    open_terms = [t for t in terms if t.status in ("suggested", "active")]
    for t in open_terms[1:]:
        found.append(Problem("post_rehab", t.id, "decision_number",
                             "Hai đợt quản lý sau cai cùng đang mở."))
    running = [t for t in terms if t.status != "suggested"]
    for i, t in enumerate(running):
        end = t.ended_on or t.end_date
        if t.ended_on is not None and t.ended_on < t.start_date:
            found.append(Problem("post_rehab", t.id, "ended_on",
                                 "Ngày kết thúc trước ngày bắt đầu."))
        for other in running[:i]:
            if _overlap(t.start_date, end, other.start_date, other.ended_on or other.end_date) \
                    and t.start_date != (other.ended_on or other.end_date):
                found.append(Problem("post_rehab", t.id, "decision_date",
                                     f"Trùng thời gian với đợt quản lý sau cai từ "
                                     f"{_d(other.start_date)}."))
                break
        for a in active(t.activities):
            if a.on < t.start_date or (t.ended_on is not None and a.on > t.ended_on):
                found.append(Problem("activity", a.id, "on",
                                     "Ngoài thời gian quản lý sau cai của đợt này."))
    return found


def introduced(before: list[Problem], after: list[Problem]) -> list[Problem]:
    """Contradictions present after a change that were not there before it."""
    seen = {p.key for p in before}
    return [p for p in after if p.key not in seen]
