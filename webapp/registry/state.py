"""A person's legal state, derived from the timeline (never typed in by hand).

Replays the events in date order. "Addict" only ever follows a positive determination, so a
suspected person (nghi nghiện) is kept and shown but never counted as an addict.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Protocol

from .vocab import EventKind, State

# A closing for these reasons is final: nothing can be recorded after it.
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

    @property
    def final(self) -> bool:
        return self.state == State.CLOSED and self.closed_reason in FINAL_REASONS


def derive(events: Iterable[EventLike], on: date | None = None) -> Derived:
    """The state after every event up to `on` (inclusive), or after all of them."""
    current = Derived()
    had_use = False
    # Same-day events apply in the order they were recorded; one not yet saved comes last.
    ordered = sorted(events, key=lambda e: (e.event_date, getattr(e, "id", None) or float("inf")))
    for e in ordered:
        if on is not None and e.event_date > on:
            break
        current, had_use = _apply(current, had_use, e)
    return current


def _apply(cur: Derived, had_use: bool, e: EventLike) -> tuple[Derived, bool]:
    kind = EventKind(e.kind)
    if kind == EventKind.POSITIVE_TEST:
        if cur.state in (State.SUSPECTED, State.CLOSED):
            return Derived(State.USER, e.event_date), True
        return cur, True
    if kind == EventKind.MANAGEMENT:
        since = cur.since if cur.state == State.USER else e.event_date
        # A new decision after a new use restarts a fresh term.
        return Derived(State.USER, since, e.term_end), True
    if kind == EventKind.DETERMINATION:
        if e.addicted:
            # Being determined addicted stops the illegal-user management decision.
            return Derived(State.ADDICT, e.event_date), had_use
        if cur.state == State.CLOSED:
            return cur, had_use  # "không nghiện" does not reopen a closed file
        state = State.USER if had_use or cur.state == State.ADDICT else State.SUSPECTED
        until = cur.management_until if cur.state == State.USER else None
        since = cur.since if cur.state == state else e.event_date
        return Derived(state, since, until), had_use
    if kind == EventKind.CLOSING:
        # Whatever comes after a closing starts a new period: past use does not carry over.
        return Derived(State.CLOSED, e.event_date, None, e.reason), False
    return cur, had_use  # a transfer changes where, not what


@dataclass(frozen=True)
class Period:
    unit_id: int
    state: State
    start: date
    end: date | None = None


def derive_periods(events: Iterable[EventLike], start: date, unit_id: int) -> list[Period]:
    """The person's (unit, state) over time, from `start` (the file's opening) on.

    `unit_id` is where the file was first kept; transfer events carry it along.
    """
    ordered = sorted(events, key=lambda e: (e.event_date, getattr(e, "id", None) or float("inf")))
    if ordered and ordered[0].event_date < start:
        start = ordered[0].event_date
    periods: list[Period] = [Period(unit_id, State.SUSPECTED, start)]
    current, had_use = Derived(), False
    for e in ordered:
        current, had_use = _apply(current, had_use, e)
        if e.kind == EventKind.TRANSFER and getattr(e, "to_unit_id", None):
            unit_id = e.to_unit_id
        last = periods[-1]
        if (last.state, last.unit_id) == (current.state, unit_id):
            continue
        if last.start == e.event_date:
            periods[-1] = Period(unit_id, current.state, last.start)
        else:
            periods[-1] = Period(last.unit_id, last.state, last.start, e.event_date)
            periods.append(Period(unit_id, current.state, e.event_date))
    # Merge neighbours that ended up alike after same-day replacements.
    merged: list[Period] = []
    for p in periods:
        if merged and (merged[-1].state, merged[-1].unit_id) == (p.state, p.unit_id):
            merged[-1] = Period(p.unit_id, p.state, merged[-1].start, p.end)
        else:
            merged.append(p)
    return merged
