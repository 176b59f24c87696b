"""A person's change history: every recorded change to the file, its timeline and treatment."""
from __future__ import annotations

from sqlalchemy import Integer, bindparam, select, union_all
from sqlalchemy.orm import aliased

from ..audit.display import HistoryRow, describe
from ..audit.models import AuditEvent
from ..extensions import db
from .models import Person, PersonEvent


_statements: dict[int, object] = {}


def _statement(limit: int):
    """The history's statement, built once (the person is a bound parameter): building its six
    arms and walking them for SQLAlchemy's cache key cost more than running it."""
    from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode

    if limit in _statements:
        return _statements[limit]
    person_id = bindparam("person_id", type_=Integer)
    # One arm per kind of object, each found by the index of object and action — an OR of
    # them walked the whole audit log newest first (every view and export is in it: the page
    # got slower as the log grew).
    actions = AuditEvent.action.in_(("create", "update"))
    arms = [select(AuditEvent).where(AuditEvent.object_type == "Person",
                                     AuditEvent.object_id == person_id, actions)]
    for model, ids in (
            (PersonEvent, select(PersonEvent.id).where(PersonEvent.person_id == person_id)),
            (RehabEpisode, select(RehabEpisode.id).where(RehabEpisode.person_id == person_id)),
            (MethadonePeriod,
             select(MethadonePeriod.id).where(MethadonePeriod.person_id == person_id)),
            (PostRehabTerm,
             select(PostRehabTerm.id).where(PostRehabTerm.person_id == person_id)),
            (PostRehabActivity, select(PostRehabActivity.id).join(PostRehabActivity.term)
             .where(PostRehabTerm.person_id == person_id))):
        arms.append(select(AuditEvent).where(AuditEvent.object_type == model.__name__,
                                             AuditEvent.object_id.in_(ids), actions))
    found = aliased(AuditEvent, union_all(*arms).subquery())
    _statements[limit] = select(found).order_by(found.id.desc()).limit(limit)
    return _statements[limit]


def person_history(person: Person, limit: int = 200) -> list[HistoryRow]:
    """Creations and edits, newest first, as officers read them (labels, not codes)."""
    events = db.session.scalars(_statement(limit), {"person_id": person.id}).all()
    return describe(list(events))
