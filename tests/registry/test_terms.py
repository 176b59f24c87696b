"""Terms act on their own, established use stays established, voided entries do not count.

Pure: `derive`, `Derived.status_on` and `derive_periods` on small event objects, no database.
Each test sits at the boundary of one rule (the term's last day, the day after it, the
decision's own day).
"""
from __future__ import annotations

from datetime import date as D
from datetime import datetime, timedelta

from timeline import Ev
from webapp.registry.state import Period, derive, derive_periods
from webapp.registry.vocab import EventKind, State, Status

UNIT = 7
DAY = timedelta(days=1)



def positive(on: D, id: int) -> Ev:
    return Ev(EventKind.POSITIVE_TEST, on, id)


def decision(on: D, until: D, id: int) -> Ev:
    return Ev(EventKind.MANAGEMENT, on, id, term_end=until)


def determination(on: D, addicted: bool, id: int) -> Ev:
    return Ev(EventKind.DETERMINATION, on, id, addicted=addicted)


def closing(on: D, reason: str, id: int) -> Ev:
    return Ev(EventKind.CLOSING, on, id, reason=reason)


TESTED, DECIDED, TERM_END = D(2025, 1, 5), D(2025, 1, 7), D(2026, 1, 7)
MANAGED = [positive(TESTED, 1), decision(DECIDED, TERM_END, 2)]


# --- A management term ends on its own ----------------------------------------------------------

def test_a_term_ending_today_is_still_in_force_today_and_expired_tomorrow():
    derived = derive(MANAGED)
    assert derived.state == State.USER and derived.management_until == TERM_END
    assert derived.status_on(DECIDED) == Status.USER
    assert derived.status_on(TERM_END) == Status.USER  # the term's end day is inclusive
    assert derived.status_on(TERM_END + DAY) == Status.USER_EXPIRED
    assert derived.status_on(TERM_END + 300 * DAY) == Status.USER_EXPIRED


def test_the_periods_split_the_day_after_the_terms_end_without_any_new_event():
    assert derive_periods(MANAGED, TESTED, UNIT) == [
        Period(UNIT, Status.USER_PENDING, TESTED, DECIDED),
        Period(UNIT, Status.USER, DECIDED, TERM_END + DAY),
        Period(UNIT, Status.USER_EXPIRED, TERM_END + DAY),
    ]


def test_a_user_with_only_a_positive_test_waits_for_a_decision():
    derived = derive([positive(TESTED, 1)])
    assert derived.state == State.USER and derived.management_until is None
    assert derived.status_on(TESTED) == Status.USER_PENDING
    assert derived.status_on(TESTED + 400 * DAY) == Status.USER_PENDING  # never "expired"
    assert not derived.new_use_during_term


def test_a_positive_test_on_the_terms_last_day_is_a_use_during_the_term():
    derived = derive([*MANAGED, positive(TERM_END, 3)])
    assert derived.status_on(TERM_END) == Status.USER
    assert derived.new_use_during_term


def test_a_positive_test_after_the_terms_end_calls_for_a_new_decision_not_the_end_record():
    relapse = TERM_END + 20 * DAY
    derived = derive([*MANAGED, positive(TERM_END + DAY, 3)])
    assert derived.status_on(TERM_END + DAY) == Status.USER_PENDING
    assert derived.status_on(relapse) == Status.USER_PENDING
    periods = derive_periods([*MANAGED, positive(relapse, 3)], TESTED, UNIT)
    assert periods[1:] == [
        Period(UNIT, Status.USER, DECIDED, TERM_END + DAY),
        Period(UNIT, Status.USER_EXPIRED, TERM_END + DAY, relapse),
        Period(UNIT, Status.USER_PENDING, relapse),
    ]


def test_a_new_decision_after_the_new_use_restarts_a_full_term():
    relapse, again, new_end = D(2026, 2, 1), D(2026, 2, 4), D(2027, 2, 4)
    events = [*MANAGED, positive(relapse, 3), decision(again, new_end, 4)]
    derived = derive(events)
    assert derived.management_until == new_end and derived.last_decision == again
    assert derived.status_on(again) == Status.USER
    assert derived.status_on(new_end) == Status.USER
    assert derived.status_on(new_end + DAY) == Status.USER_EXPIRED
    assert not derived.new_use_during_term  # the new decision answered the new use
    assert derive_periods(events, TESTED, UNIT)[-3:] == [
        Period(UNIT, Status.USER_PENDING, relapse, again),
        Period(UNIT, Status.USER, again, new_end + DAY),
        Period(UNIT, Status.USER_EXPIRED, new_end + DAY),
    ]


def test_a_use_during_the_term_left_unanswered_needs_a_decision_after_the_term_not_mau_10():
    """Mẫu 10 certifies a term ended without new use: a positive test during the term that no
    new decision answered is a use, so the day after the term a decision is needed."""
    for tested in (D(2025, 6, 1), TERM_END):
        events = [*MANAGED, positive(tested, 3)]
        derived = derive(events)
        assert derived.status_on(TERM_END) == Status.USER
        assert derived.status_on(TERM_END + DAY) == Status.USER_PENDING, tested
        assert derive_periods(events, TESTED, UNIT)[-1] == Period(
            UNIT, Status.USER_PENDING, TERM_END + DAY)


def test_a_positive_test_during_the_term_calls_for_a_new_decision_but_the_term_runs_on():
    derived = derive([*MANAGED, positive(D(2025, 6, 1), 3)])
    assert derived.new_use_during_term
    assert derived.status_on(D(2025, 6, 1)) == Status.USER
    assert derived.management_until == TERM_END


def test_the_positive_test_the_decision_answered_is_not_a_new_use():
    same_day = [positive(DECIDED, 1), decision(DECIDED, TERM_END, 2)]
    assert not derive(same_day).new_use_during_term
    assert derive([*same_day, positive(DECIDED + DAY, 3)]).new_use_during_term


def test_a_new_decision_during_the_term_replaces_the_old_terms_end():
    new_end = D(2026, 6, 1)
    events = [*MANAGED, positive(D(2025, 6, 1), 3), decision(D(2025, 6, 1), new_end, 4)]
    derived = derive(events)
    assert derived.status_on(TERM_END + DAY) == Status.USER  # the old end no longer applies
    assert derived.status_on(new_end + DAY) == Status.USER_EXPIRED
    periods = derive_periods(events, TESTED, UNIT)
    assert Period(UNIT, Status.USER, DECIDED, new_end + DAY) in periods
    assert periods[-1] == Period(UNIT, Status.USER_EXPIRED, new_end + DAY)


# --- Established use stays established ----------------------------------------------------------

def test_an_addict_found_not_addicted_twice_stays_an_illegal_user_never_suspected():
    events = [determination(D(2025, 1, 1), True, 1), determination(D(2025, 3, 1), False, 2)]
    once = derive(events)
    assert once.state == State.USER and once.established
    assert once.status_on(D(2025, 3, 1)) == Status.USER_PENDING  # a decision is now needed
    twice = derive([*events, determination(D(2025, 5, 1), False, 3)])
    assert twice.state == State.USER and twice.since == D(2025, 3, 1)
    assert derive_periods([*events, determination(D(2025, 5, 1), False, 3)],
                          D(2025, 1, 1), UNIT) == [
        Period(UNIT, Status.ADDICT, D(2025, 1, 1), D(2025, 3, 1)),
        Period(UNIT, Status.USER_PENDING, D(2025, 3, 1)),
    ]


def test_a_user_under_a_decision_found_not_addicted_keeps_the_decision():
    derived = derive([*MANAGED, determination(D(2025, 3, 1), False, 3)])
    assert derived.state == State.USER
    assert derived.management_until == TERM_END
    assert derived.status_on(D(2025, 3, 1)) == Status.USER


def test_a_positive_test_then_not_addicted_is_an_illegal_user():
    derived = derive([positive(TESTED, 1), determination(D(2025, 2, 1), False, 2)])
    assert derived.state == State.USER


def test_a_suspected_person_found_not_addicted_stays_suspected():
    derived = derive([determination(D(2025, 1, 1), False, 1)])
    assert derived.state == State.SUSPECTED and not derived.established
    assert derived.status_on(D(2025, 1, 1)) == Status.SUSPECTED
    again = derive([determination(D(2025, 1, 1), False, 1), determination(D(2025, 4, 1), False, 2)])
    assert again.state == State.SUSPECTED


# --- Voided entries ("ghi nhầm") are ignored ----------------------------------------------------

VOID = datetime(2025, 12, 1, 8, 0)


def test_a_voided_determination_does_not_make_an_addict():
    events = [determination(D(2025, 1, 1), True, 1)]
    events[0].voided_at = VOID
    assert derive(events).state == State.SUSPECTED
    assert derive_periods(events, D(2024, 12, 1), UNIT) == [
        Period(UNIT, Status.SUSPECTED, D(2024, 12, 1))]


def test_a_voided_decision_neither_manages_nor_splits_the_periods():
    voided = decision(DECIDED, TERM_END, 2)
    voided.voided_at = VOID
    events = [positive(TESTED, 1), voided]
    derived = derive(events)
    assert derived.management_until is None
    assert derived.status_on(DECIDED) == Status.USER_PENDING
    assert derive_periods(events, TESTED, UNIT) == [Period(UNIT, Status.USER_PENDING, TESTED)]


def test_a_voided_positive_test_after_the_term_does_not_call_for_a_new_decision():
    relapse = positive(TERM_END + 5 * DAY, 3)
    relapse.voided_at = VOID
    assert derive([*MANAGED, relapse]).status_on(TERM_END + 5 * DAY) == Status.USER_EXPIRED


def test_a_voided_closing_leaves_the_file_open():
    shut = closing(D(2025, 6, 1), "death", 3)
    shut.voided_at = VOID
    derived = derive([*MANAGED, shut])
    assert derived.state == State.USER and not derived.final
    assert derive_periods([*MANAGED, shut], TESTED, UNIT)[-1] == Period(
        UNIT, Status.USER_EXPIRED, TERM_END + DAY)


def test_a_voided_transfer_does_not_move_the_person():
    move = Ev(EventKind.TRANSFER, D(2025, 6, 1), 3, to_unit_id=8, voided_at=VOID)
    assert {p.unit_id for p in derive_periods([*MANAGED, move], TESTED, UNIT)} == {UNIT}


# --- A closing resets everything ----------------------------------------------------------------

def test_a_closing_forgets_past_use_decisions_and_terms():
    closed = derive([*MANAGED, determination(D(2025, 3, 1), True, 3),
                     closing(D(2025, 9, 1), "prison", 4)])
    assert closed.state == State.CLOSED and closed.closed_reason == "prison"
    assert not closed.established
    assert (closed.management_until, closed.last_positive, closed.last_decision) == (
        None, None, None)
    assert closed.status_on(D(2025, 9, 1)) == Status.CLOSED
    assert not closed.final  # prison is not final: the file can be reopened by new events


def test_after_a_closing_a_new_positive_test_starts_a_new_user_without_the_old_decision():
    events = [*MANAGED, closing(D(2025, 3, 1), "moved_away", 3), positive(D(2025, 5, 1), 4)]
    derived = derive(events)
    assert derived.state == State.USER and derived.since == D(2025, 5, 1)
    assert derived.status_on(D(2025, 5, 1)) == Status.USER_PENDING  # the old term is gone
    assert derive_periods(events, TESTED, UNIT)[-2:] == [
        Period(UNIT, Status.CLOSED, D(2025, 3, 1), D(2025, 5, 1)),
        Period(UNIT, Status.USER_PENDING, D(2025, 5, 1)),
    ]


def test_not_addicted_does_not_reopen_a_closed_file():
    derived = derive([determination(D(2025, 1, 1), True, 1), closing(D(2025, 2, 1), "prison", 2),
                      determination(D(2025, 4, 1), False, 3)])
    assert derived.state == State.CLOSED and derived.since == D(2025, 2, 1)


def test_a_closed_file_for_death_is_final():
    assert derive([*MANAGED, closing(D(2025, 6, 1), "death", 3)]).final
    assert derive([*MANAGED, closing(D(2025, 6, 1), "entry_error", 3)]).final
    assert not derive([*MANAGED, closing(D(2025, 6, 1), "term_ended", 3)]).final


def test_the_state_on_a_day_ignores_later_events():
    events = [*MANAGED, determination(D(2025, 3, 1), True, 3)]
    assert derive(events, D(2025, 2, 28)).state == State.USER
    assert derive(events, D(2025, 3, 1)).state == State.ADDICT
