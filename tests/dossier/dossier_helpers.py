"""Building files for the dossier tests."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db as _db
from webapp.registry import services as registry
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.units.models import Unit


def make_user_under_management(app, demo, name="Quàng Văn Sính", code="99101",
                               tested=None, decided=None):
    """A person of the commune tested positive, then put under management (Mẫu 07)."""
    today = today_local()
    tested = tested or today - timedelta(days=40)
    decided = decided or tested + timedelta(days=2)
    with app.app_context():
        xa = _db.session.get(User, demo["users"]["xa"])
        unit = _db.session.scalar(select(Unit).where(Unit.code == code))
        person = registry.save_person(None, {"full_name": name, "sex": "M",
                                             "birth_year": 1995, "unit": unit}, xa)
        registry.add_event(person, EventKind.POSITIVE_TEST,
                           {"event_date": tested, "facility": "Trạm Y tế xã"}, xa)
        decision = {"event_date": decided, "doc_number": "15/QĐ-UBND",
                    "signer": "Chủ tịch UBND xã", "term_end": None}
        assert registry.validate_event(person, EventKind.MANAGEMENT, decision) == {}
        registry.add_event(person, EventKind.MANAGEMENT, decision, xa)
        _db.session.commit()
        decision = next(e for e in person.events if e.kind == EventKind.MANAGEMENT)
        return {"person_id": person.id, "decision_id": decision.id, "tested": tested,
                "decided": decided}


def add_documents(app, demo, person_id, decision_id, codes, day=None):
    from webapp.dossier import services
    from webapp.registry.models import Person

    with app.app_context():
        xa = _db.session.get(User, demo["users"]["xa"])
        person = _db.session.get(Person, person_id)
        found = services.dossier(person, "management", decision_id)
        for code in codes:
            data = {"form_code": code, "number": f"{code}/2026", "doc_date": day or found.procedure.opened_on,
                    "signer": "Nguyễn Văn Ký"}
            assert services.validate_document(found, data) == {}
            services.add_document(person, found, data, xa)
        _db.session.commit()
