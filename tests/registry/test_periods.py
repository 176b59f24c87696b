"""A person's (unit, state) over time: what reports of past months count."""
from __future__ import annotations

from datetime import date as D

from timeline import Ev
from webapp.registry.state import Period, derive_periods
from webapp.registry.vocab import EventKind, State, Status


def test_a_file_with_no_events_is_suspected_from_its_opening():
    assert derive_periods([], D(2024, 5, 1), 7) == [Period(7, State.SUSPECTED, D(2024, 5, 1))]


def test_periods_start_at_the_first_event_when_it_is_older_than_the_file():
    periods = derive_periods([Ev(EventKind.POSITIVE_TEST, D(2021, 3, 2), 1)], D(2026, 1, 1), 7)
    assert periods == [Period(7, Status.USER_PENDING, D(2021, 3, 2))]


def test_each_change_of_state_closes_the_previous_period():
    periods = derive_periods([
        Ev(EventKind.POSITIVE_TEST, D(2022, 1, 5), 1),
        Ev(EventKind.MANAGEMENT, D(2022, 1, 7), 2, term_end=D(2023, 1, 7)),
        Ev(EventKind.DETERMINATION, D(2022, 6, 1), 3, addicted=True),
        Ev(EventKind.CLOSING, D(2024, 2, 1), 4, reason="prison"),
    ], D(2022, 1, 5), 7)
    assert periods == [Period(7, Status.USER_PENDING, D(2022, 1, 5), D(2022, 1, 7)),
                       Period(7, Status.USER, D(2022, 1, 7), D(2022, 6, 1)),
                       Period(7, State.ADDICT, D(2022, 6, 1), D(2024, 2, 1)),
                       Period(7, State.CLOSED, D(2024, 2, 1))]


def test_a_transfer_moves_the_person_to_the_new_commune_from_that_day():
    periods = derive_periods([
        Ev(EventKind.DETERMINATION, D(2023, 4, 1), 1, addicted=True),
        Ev(EventKind.TRANSFER, D(2024, 9, 10), 2, to_unit_id=8),
    ], D(2023, 4, 1), 7)
    assert periods == [Period(7, State.ADDICT, D(2023, 4, 1), D(2024, 9, 10)),
                       Period(8, State.ADDICT, D(2024, 9, 10))]


def test_a_suspected_file_opened_before_its_first_event_keeps_that_time():
    periods = derive_periods([Ev(EventKind.DETERMINATION, D(2025, 3, 1), 1, addicted=True)],
                             D(2025, 1, 10), 7)
    assert periods == [Period(7, State.SUSPECTED, D(2025, 1, 10), D(2025, 3, 1)),
                       Period(7, State.ADDICT, D(2025, 3, 1))]


def test_the_stored_periods_follow_the_timeline(app, demo):
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.extensions import db
    from webapp.registry import services
    from webapp.registry.models import PersonPeriod
    from webapp.units.models import Unit

    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        person = services.save_person(None, {"full_name": "Lò Văn Pọm", "sex": "M",
                                             "birth_year": 1990, "unit": unit}, xa)
        services.add_event(person, EventKind.POSITIVE_TEST, {"event_date": D(2024, 1, 2)}, xa)
        services.add_event(person, EventKind.DETERMINATION,
                           {"event_date": D(2024, 2, 3), "addicted": True}, xa)
        db.session.commit()
        rows = db.session.scalars(select(PersonPeriod).order_by(PersonPeriod.start_date)).all()
        assert [(r.state, r.start_date, r.end_date) for r in rows] == [
            ("user_pending", D(2024, 1, 2), D(2024, 2, 3)), ("addict", D(2024, 2, 3), None)]
