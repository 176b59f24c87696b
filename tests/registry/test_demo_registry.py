"""The demo registry: a few hundred believable persons whose stored state is their timeline's.

Loading the demo takes seconds, and every test empties the database afterwards, so the demo is
loaded once for the module and read into plain objects that the tests then examine.
"""
from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from webapp import demo
from webapp.demo.persons import _earliest, generate_specs
from webapp.extensions import db as _db
from webapp.registry.models import Person, TransferRequest
from webapp.registry.state import derive
from webapp.registry.vocab import KINH, EventKind, State
from webapp.timeutil import today_local

PERSON_COLUMNS = ("id", "full_name", "sex", "born_on", "birth_year", "id_number", "ethnicity",
                  "unit_id", "state", "state_since", "management_until", "closed_reason")
EVENT_COLUMNS = ("id", "kind", "event_date", "addicted", "term_end", "reason")


@pytest.fixture(scope="module")
def snapshot(app):
    with app.app_context():
        demo.load()
        persons = []
        for p in _db.session.scalars(select(Person).order_by(Person.id)):
            row = SimpleNamespace(**{c: getattr(p, c) for c in PERSON_COLUMNS})
            row.unit_code = p.unit.code
            row.events = [SimpleNamespace(**{c: getattr(e, c) for c in EVENT_COLUMNS})
                          for e in p.events]
            persons.append(row)
        transfers = [SimpleNamespace(status=t.status, person_id=t.person_id,
                                     from_unit_id=t.from_unit_id, to_unit_id=t.to_unit_id)
                     for t in _db.session.scalars(select(TransferRequest))]
        _db.session.remove()
    return SimpleNamespace(persons=persons, transfers=transfers)


@pytest.fixture
def loaded(snapshot):
    return snapshot.persons


def test_the_demo_has_a_few_hundred_persons_in_every_state(loaded):
    assert 250 <= len(loaded) <= 400
    states = {p.state for p in loaded}
    assert states >= {State.SUSPECTED.value, State.USER.value, State.ADDICT.value,
                      State.CLOSED.value}
    assert len({p.unit_code for p in loaded}) == 10


def test_every_stored_state_is_the_one_its_timeline_gives(loaded):
    for person in loaded:
        derived = derive(person.events)
        assert (person.state, person.state_since, person.management_until, person.closed_reason) \
            == (derived.state.value, derived.since, derived.management_until,
                derived.closed_reason), person.full_name


def test_some_management_terms_end_within_thirty_days(loaded):
    today = today_local()
    soon = [p for p in loaded if p.state == State.USER.value and p.management_until
            and today <= p.management_until <= today + timedelta(days=30)]
    assert len(soon) >= 10


def test_some_determinations_are_recent(loaded):
    today = today_local()
    recent = [p for p in loaded if p.state == State.ADDICT.value
              and p.state_since >= today - timedelta(days=30)]
    assert len(recent) >= 3


def test_names_are_nfc_and_a_quarter_or_more_are_not_kinh(loaded):
    for person in loaded:
        assert unicodedata.is_normalized("NFC", person.full_name)
    minorities = [p for p in loaded if p.ethnicity != KINH]
    assert len(minorities) >= len(loaded) / 4
    men = [p for p in loaded if p.sex == "M"]
    assert len(men) >= 0.9 * len(loaded)


def test_events_lie_between_2020_and_today_and_after_the_twelfth_birthday(loaded):
    today = today_local()
    for person in loaded:
        twelfth = person.born_on + relativedelta(years=12)
        for event in person.events:
            assert event.event_date <= today
            if event.kind != EventKind.TRANSFER:
                assert event.event_date >= max(date(2020, 1, 1), twelfth)


def test_id_numbers_are_twelve_digits_and_unique(loaded):
    numbers = [p.id_number for p in loaded if p.id_number]
    assert len(numbers) >= len(loaded) / 2
    assert all(len(n) == 12 and n.isdigit() for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_transfers_two_accepted_and_one_pending(snapshot):
    assert sorted(t.status for t in snapshot.transfers) == ["accepted", "accepted", "pending"]
    persons = {p.id: p for p in snapshot.persons}
    moved = [e for p in snapshot.persons for e in p.events if e.kind == EventKind.TRANSFER]
    assert len(moved) == 2
    for transfer in snapshot.transfers:
        person = persons[transfer.person_id]
        expected = transfer.to_unit_id if transfer.status == "accepted" else transfer.from_unit_id
        assert person.unit_id == expected


def test_the_specs_are_deterministic_for_a_seed_and_a_day():
    today = date(2026, 11, 22)
    first = generate_specs(2026, today)
    again = generate_specs(2026, today)
    assert first == again
    assert [(s.fields["full_name"], s.fields["birth_year"]) for s in first] == \
        [(s.fields["full_name"], s.fields["birth_year"]) for s in again]
    other = generate_specs(7, today)
    assert [s.fields["full_name"] for s in other] != [s.fields["full_name"] for s in first]


@pytest.mark.parametrize("today", [date(2026, 11, 22), date(2028, 2, 29), date(2031, 1, 1)])
def test_the_specs_stay_valid_whatever_today_is(today):
    for spec in generate_specs(2026, today):
        earliest = _earliest(spec.fields)
        dates = [ev.data["event_date"] for ev in spec.events]
        assert dates == sorted(dates)
        assert all(earliest <= d <= today for d in dates)
