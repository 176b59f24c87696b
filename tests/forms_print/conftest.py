"""Files to print from: a person under a management decision, one whose management was stopped,
one who completed post-rehab management — all of xa's commune (99101)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.treatment import services as treatment
from webapp.units.models import Unit


def _person(user, name, code="99101", **extra):
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    data = {"full_name": name, "sex": "M", "birth_date": date(1994, 5, 17), "birth_year": 1994,
            "unit": unit, "occupation": "Lái xe", "address": "Thôn Bản Mòng", **extra}
    assert registry.validate_person(data, user) == {}
    return registry.save_person(None, data, user)


def _event(person, kind, user, **data):
    assert registry.validate_event(person, kind, data) == {}, data
    return registry.add_event(person, kind, data, user)


@pytest.fixture
def managed(app, demo):
    """{"person": id, "decision": event id, "test": event id}: a positive test 30 days ago,
    the management decision 07/QĐ-UBND two days later."""
    today = today_local()
    with app.app_context():
        user = db.session.get(User, demo["users"]["xa"])
        person = _person(user, "Hoàng Văn Thắng")
        test = _event(person, EventKind.POSITIVE_TEST, user, event_date=today - timedelta(30),
                      facility="Trạm Y tế xã", doc_number="03/XN")
        decision = _event(person, EventKind.MANAGEMENT, user, event_date=today - timedelta(28),
                          doc_number="07/QĐ-UBND", signer="Lò Văn Hùng")
        db.session.commit()
        return {"person": person.id, "decision": decision.id, "test": test.id}


@pytest.fixture
def stopped(app, demo):
    today = today_local()
    with app.app_context():
        user = db.session.get(User, demo["users"]["xa"])
        person = _person(user, "Vì Văn Toàn")
        _event(person, EventKind.POSITIVE_TEST, user, event_date=today - timedelta(100))
        _event(person, EventKind.MANAGEMENT, user, event_date=today - timedelta(98),
               doc_number="11/QĐ-UBND")
        closing = _event(person, EventKind.CLOSING, user, event_date=today - timedelta(10),
                         reason="prison")
        db.session.commit()
        return {"person": person.id, "closing": closing.id}


@pytest.fixture
def post_rehab(app, demo):
    """A person who completed home rehab, then 12 months of post-rehab management."""
    return _post_rehab(app, demo, completed=True)


@pytest.fixture
def post_rehab_active(app, demo):
    """A person under post-rehab management now (the decision 51/QĐ-UBND 100 days ago)."""
    return _post_rehab(app, demo, completed=False)


def _post_rehab(app, demo, completed: bool):
    today = today_local()
    decided = today - timedelta(595 if completed else 100)
    with app.app_context():
        user = db.session.get(User, demo["users"]["xa"])
        person = _person(user, "Lường Thị Xuân", sex="F")
        _event(person, EventKind.DETERMINATION, user, event_date=today - timedelta(900),
               addicted=True, facility="Trung tâm Y tế huyện")
        episode = {"form": "home", "start_date": today - timedelta(880)}
        assert treatment.validate_episode(person, episode) == {}
        first = treatment.start_episode(person, episode, user)
        db.session.flush()
        ended = {"end_date": today - timedelta(600), "outcome": "completed"}
        assert treatment.validate_episode_end(first, ended) == {}
        term = treatment.end_episode(first, ended, user)
        confirm = {"decision_number": "51/QĐ-UBND", "signer": "Lò Văn Hùng",
                   "decision_date": decided}
        assert treatment.validate_confirm(term, confirm) == {}
        treatment.confirm_post_rehab(term, confirm)
        if completed:
            end = {"ended_on": today - timedelta(200), "end_reason": "completed",
                   "certificate_number": "54/GCN-UBND"}
            assert treatment.validate_post_rehab_end(term, end) == {}
            treatment.end_post_rehab(term, end)
        db.session.commit()
        return {"person": person.id, "term": term.id}
