"""A person's legal state is derived from their timeline (domain.md, "People and their states").

Pure tests of `registry.state.derive` with tiny stand-in events: no database, one rule each.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import count

import pytest

from webapp.registry.state import derive
from webapp.registry.vocab import EventKind, State

_ids = count(1)


@dataclass
class Ev:
    kind: str
    event_date: date
    addicted: bool | None = None
    term_end: date | None = None
    reason: str | None = None
    id: int = 0

    def __post_init__(self):
        if not self.id:
            self.id = next(_ids)


def positive(on: date, **kw) -> Ev:
    return Ev(EventKind.POSITIVE_TEST.value, on, **kw)


def management(on: date, term_end: date, **kw) -> Ev:
    return Ev(EventKind.MANAGEMENT.value, on, term_end=term_end, **kw)


def determination(on: date, addicted: bool, **kw) -> Ev:
    return Ev(EventKind.DETERMINATION.value, on, addicted=addicted, **kw)


def closing(on: date, reason: str, **kw) -> Ev:
    return Ev(EventKind.CLOSING.value, on, reason=reason, **kw)


def transfer(on: date, **kw) -> Ev:
    return Ev(EventKind.TRANSFER.value, on, **kw)


D = date  # short dates in the timelines below


# --- Suspected (nghi nghiện) ------------------------------------------------------------------

def test_a_person_without_events_is_suspected_not_addicted():
    derived = derive([])
    assert derived.state == State.SUSPECTED
    assert derived.state != State.ADDICT
    assert derived.since is None
    assert derived.management_until is None
    assert derived.closed_reason is None
    assert not derived.final


def test_a_negative_determination_without_any_use_leaves_the_person_suspected():
    derived = derive([determination(D(2024, 3, 1), addicted=False)])
    assert derived.state == State.SUSPECTED
    assert derived.management_until is None


# --- Illegal user (người sử dụng trái phép) ---------------------------------------------------

def test_a_positive_test_makes_the_person_an_illegal_user_from_the_test_date():
    derived = derive([positive(D(2024, 1, 10))])
    assert derived.state == State.USER
    assert derived.since == D(2024, 1, 10)
    assert derived.management_until is None  # no decision yet


def test_a_management_decision_sets_the_end_of_management_to_its_term_end():
    derived = derive([positive(D(2024, 1, 10)),
                      management(D(2024, 1, 12), term_end=D(2025, 1, 12))])
    assert derived.state == State.USER
    assert derived.since == D(2024, 1, 10)
    assert derived.management_until == D(2025, 1, 12)


def test_a_new_decision_after_a_new_use_restarts_the_term_but_not_the_use_period():
    derived = derive([
        positive(D(2024, 1, 10)),
        management(D(2024, 1, 12), term_end=D(2025, 1, 12)),
        positive(D(2024, 6, 1)),
        management(D(2024, 6, 3), term_end=D(2025, 6, 3)),
    ])
    assert derived.state == State.USER
    assert derived.management_until == D(2025, 6, 3)
    assert derived.since == D(2024, 1, 10)


def test_a_second_positive_test_alone_does_not_move_the_running_term():
    derived = derive([
        positive(D(2024, 1, 10)),
        management(D(2024, 1, 12), term_end=D(2025, 1, 12)),
        positive(D(2024, 6, 1)),
    ])
    assert derived.management_until == D(2025, 1, 12)
    assert derived.since == D(2024, 1, 10)


# --- Addict (người nghiện) --------------------------------------------------------------------

def test_a_positive_determination_makes_the_person_an_addict_and_stops_the_management_term():
    derived = derive([
        positive(D(2024, 1, 10)),
        management(D(2024, 1, 12), term_end=D(2025, 1, 12)),
        determination(D(2024, 2, 20), addicted=True),
    ])
    assert derived.state == State.ADDICT
    assert derived.since == D(2024, 2, 20)
    assert derived.management_until is None


def test_a_positive_determination_alone_makes_a_suspected_person_an_addict():
    derived = derive([determination(D(2024, 2, 20), addicted=True)])
    assert derived.state == State.ADDICT
    assert derived.since == D(2024, 2, 20)


def test_a_negative_determination_after_use_keeps_the_user_and_the_running_term():
    derived = derive([
        positive(D(2024, 1, 10)),
        management(D(2024, 1, 12), term_end=D(2025, 1, 12)),
        determination(D(2024, 2, 20), addicted=False),
    ])
    assert derived.state == State.USER
    assert derived.since == D(2024, 1, 10)
    assert derived.management_until == D(2025, 1, 12)


# --- Closing (đưa ra khỏi danh sách) -----------------------------------------------------------

def test_closing_closes_the_file_with_its_reason_and_date():
    derived = derive([
        positive(D(2024, 1, 10)),
        management(D(2024, 1, 12), term_end=D(2025, 1, 12)),
        closing(D(2025, 1, 12), reason="term_ended"),
    ])
    assert derived.state == State.CLOSED
    assert derived.since == D(2025, 1, 12)
    assert derived.closed_reason == "term_ended"
    assert derived.management_until is None


def test_a_positive_test_after_the_term_ended_reopens_the_file_as_a_user():
    derived = derive([
        positive(D(2023, 1, 10)),
        management(D(2023, 1, 12), term_end=D(2024, 1, 12)),
        closing(D(2024, 1, 12), reason="term_ended"),
        positive(D(2024, 9, 5)),
    ])
    assert derived.state == State.USER
    assert derived.since == D(2024, 9, 5)
    assert derived.closed_reason is None
    assert derived.management_until is None  # a new decision is needed


def test_a_negative_determination_after_closing_does_not_reopen_the_file():
    derived = derive([
        positive(D(2023, 1, 10)),
        management(D(2023, 1, 12), term_end=D(2024, 1, 12)),
        closing(D(2024, 1, 12), reason="term_ended"),
        determination(D(2024, 9, 5), addicted=False),
    ])
    assert derived.state == State.CLOSED
    assert derived.closed_reason == "term_ended"


@pytest.mark.parametrize("reason, final", [
    ("death", True),
    ("entry_error", True),
    ("term_ended", False),
    ("prison", False),
    ("reform_facility", False),
    ("moved_away", False),
    ("missing", False),
])
def test_only_death_and_entry_error_closings_are_final(reason, final):
    derived = derive([positive(D(2024, 1, 10)), closing(D(2024, 5, 1), reason=reason)])
    assert derived.final is final


def test_an_open_file_is_never_final():
    assert not derive([positive(D(2024, 1, 10))]).final
    assert not derive([determination(D(2024, 1, 10), addicted=True)]).final


# --- Order and cut-off date --------------------------------------------------------------------

def test_events_are_replayed_in_date_order_whatever_order_they_are_given():
    events = [
        determination(D(2024, 2, 20), addicted=True),
        positive(D(2024, 1, 10)),
    ]
    derived = derive(events)
    assert derived.state == State.ADDICT
    assert derived.since == D(2024, 2, 20)


def test_events_on_the_same_day_are_applied_in_id_order():
    day = D(2024, 5, 1)
    first_closing_then_test = [positive(day, id=11), closing(day, reason="prison", id=10)]
    assert derive(first_closing_then_test).state == State.USER

    first_test_then_closing = [positive(day, id=10), closing(day, reason="prison", id=11)]
    assert derive(first_test_then_closing).state == State.CLOSED


def test_derive_on_a_date_ignores_later_events():
    events = [positive(D(2024, 1, 10)), determination(D(2024, 2, 20), addicted=True)]
    assert derive(events, on=D(2024, 2, 19)).state == State.USER
    assert derive(events, on=D(2024, 1, 9)).state == State.SUSPECTED


def test_derive_on_a_date_includes_events_on_that_date():
    events = [positive(D(2024, 1, 10)), determination(D(2024, 2, 20), addicted=True)]
    assert derive(events, on=D(2024, 1, 10)).state == State.USER
    assert derive(events, on=D(2024, 2, 20)).state == State.ADDICT


def test_derive_on_a_date_sees_events_given_out_of_order():
    events = [determination(D(2024, 2, 20), addicted=True), positive(D(2024, 1, 10))]
    assert derive(events, on=D(2024, 2, 1)).state == State.USER


# --- Transfers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("before", [
    [],
    [positive(D(2024, 1, 10)), management(D(2024, 1, 12), term_end=D(2025, 1, 12))],
    [determination(D(2024, 1, 10), addicted=True)],
], ids=["suspected", "user", "addict"])
def test_a_transfer_changes_where_the_file_is_not_the_persons_state(before):
    without = derive(before)
    with_transfer = derive(before + [transfer(D(2024, 3, 1))])
    assert with_transfer == without
