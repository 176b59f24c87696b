"""A person's legal state, derived from their timeline (never typed in by hand).

Replays the events in date order, skipping voided ones ("ghi nhầm"). "Addict" only ever follows
a positive determination, so a suspected person (nghi nghiện) is kept and shown but never
counted as an addict. Once use has been established (a positive test, a management decision or
an addiction) a negative determination cannot make the person "suspected" again.

Terms act on their own: on any day after a management term's end with no new decision, the
person's status that day is "term ended, awaiting the end-of-term record" (Mẫu 10), and the
periods the reports count from change on that day without anyone typing anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Protocol

from .vocab import EventKind, State, Status

# A closing for these reasons is final: nothing can be recorded after it (voiding the closing
# reopens the file).
FINAL_REASONS = {"death", "entry_error"}


class EventLike(Protocol):
    kind: str
    event_date: date
    addicted: bool | None
    term_end: date | None
    reason: str | None


@dataclass(frozen=True)
class Derived:
    state: State = State.SUSPECTED
    since: date | None = None
    management_until: date | None = None
    closed_reason: str | None = None
    established: bool = False  # use established since the last closing
    last_positive: date | None = None  # latest positive test since the last closing
    last_decision: date | None = None  # latest management decision since the last closing

    @property
    def final(self) -> bool:
        return self.state == State.CLOSED and self.closed_reason in FINAL_REASONS

    def status_on(self, day: date) -> Status:
        """The state refined for one day: a user with or without a decision in force."""
        if self.state != State.USER:
            return Status(self.state.value)
        if self.management_until is None:
            return Status.USER_PENDING
        if self.management_until < day:
            # Mẫu 10 only if no use since the decision in force: a use during or after the
            # term that no new decision answered needs one.
            return Status.USER_PENDING if self.new_use_during_term else Status.USER_EXPIRED
        return Status.USER

    @property
    def new_use_during_term(self) -> bool:
        """A positive test after the decision in force: a new decision restarts the year."""
        return (self.state == State.USER and self.last_decision is not None
                and self.last_positive is not None and self.last_positive > self.last_decision)


def counted(events: Iterable) -> list:
    """Events that count, in the order they apply: by date, same-day ones in the order they
    were recorded (one not yet saved comes last); voided ones left out."""
    kept = [e for e in events if getattr(e, "voided_at", None) is None]
    return sorted(kept, key=lambda e: (e.event_date, getattr(e, "id", None) or float("inf")))


def derive(events: Iterable[EventLike], on: date | None = None) -> Derived:
    """The state after every counted event up to `on` (inclusive), or after all of them."""
    current = Derived()
    for e in counted(events):
        if on is not None and e.event_date > on:
            break
        current = _apply(current, e)
    return current


def _apply(cur: Derived, e: EventLike) -> Derived:
    kind = EventKind(e.kind)
    day = e.event_date
    if kind == EventKind.POSITIVE_TEST:
        if cur.state in (State.SUSPECTED, State.CLOSED):
            return Derived(State.USER, day, None, None, True, day)
        return Derived(cur.state, cur.since, cur.management_until, None, True, day,
                       cur.last_decision)
    if kind == EventKind.MANAGEMENT:
        since = cur.since if cur.state == State.USER else day
        # A new decision after a new use restarts a fresh term.
        return Derived(State.USER, since, e.term_end, None, True, cur.last_positive, day)
    if kind == EventKind.DETERMINATION:
        if e.addicted:
            # Being determined addicted stops the illegal-user management decision.
            return Derived(State.ADDICT, day, None, None, True, cur.last_positive,
                           cur.last_decision)
        if cur.state == State.CLOSED:
            return cur  # "không nghiện" does not reopen a closed file
        # Established use stays established: not addicted means an illegal user (who then
        # needs a management decision), never "suspected" again.
        established = cur.established or cur.state == State.ADDICT
        state = State.USER if established else State.SUSPECTED
        until = cur.management_until if cur.state == State.USER else None
        since = cur.since if cur.state == state else day
        return Derived(state, since, until, None, established, cur.last_positive,
                       cur.last_decision if cur.state == State.USER else None)
    if kind == EventKind.CLOSING:
        # Whatever comes after a closing starts a new period: past use does not carry over.
        return Derived(State.CLOSED, day, None, e.reason)
    return cur  # a transfer changes where, not what


@dataclass(frozen=True)
class Period:
    unit_id: int
    state: Status
    start: date
    end: date | None = None


def derive_periods(events: Iterable[EventLike], start: date, unit_id: int) -> list[Period]:
    """The person's (unit, status) over time, from `start` (the day they entered the lists).

    `unit_id` is where the file was first kept; transfer events carry it along. The status is
    evaluated on every day something can change: each event's day and the day after each
    management term's end.
    """
    ordered = counted(events)
    if ordered and ordered[0].event_date < start:
        start = ordered[0].event_date
    days = {start} | {e.event_date for e in ordered}
    days |= {e.term_end + timedelta(days=1) for e in ordered
             if e.kind == EventKind.MANAGEMENT and e.term_end}
    periods: list[Period] = []
    for day in sorted(d for d in days if d >= start):
        upto = [e for e in ordered if e.event_date <= day]
        unit = unit_id
        for e in upto:
            if e.kind == EventKind.TRANSFER and getattr(e, "to_unit_id", None):
                unit = e.to_unit_id
        status = derive(upto).status_on(day)
        if periods and (periods[-1].state, periods[-1].unit_id) == (status, unit):
            continue
        if periods:
            periods[-1] = Period(periods[-1].unit_id, periods[-1].state, periods[-1].start, day)
        periods.append(Period(unit, status, day))
    return periods
