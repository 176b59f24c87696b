"""A person's change history: every recorded change to the file, its timeline and treatment."""
from __future__ import annotations

from sqlalchemy import select, union_all
from sqlalchemy.orm import aliased

from ..audit.display import HistoryRow, describe
from ..audit.models import AuditEvent
from ..extensions import db
from .models import Person, PersonEvent


def person_history(person: Person, limit: int = 200) -> list[HistoryRow]:
    """Creations and edits, newest first, as officers read them (labels, not codes)."""
    from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode

    # One arm per kind of object, each found by its own index (object_id) — an OR of them
    # walked the whole audit log newest first (every view and export is in it: the page got
    # slower as the log grew).
    actions = AuditEvent.action.in_(("create", "update"))
    arms = [select(AuditEvent).where(AuditEvent.object_type == "Person",
                                     AuditEvent.object_id == person.id, actions)]
    for model, ids in (
            (PersonEvent, select(PersonEvent.id).where(PersonEvent.person_id == person.id)),
            (RehabEpisode, select(RehabEpisode.id).where(RehabEpisode.person_id == person.id)),
            (MethadonePeriod,
             select(MethadonePeriod.id).where(MethadonePeriod.person_id == person.id)),
            (PostRehabTerm,
             select(PostRehabTerm.id).where(PostRehabTerm.person_id == person.id)),
            (PostRehabActivity, select(PostRehabActivity.id).join(PostRehabActivity.term)
             .where(PostRehabTerm.person_id == person.id))):
        arms.append(select(AuditEvent).where(AuditEvent.object_type == model.__name__,
                                             AuditEvent.object_id.in_(ids), actions))
    found = aliased(AuditEvent, union_all(*arms).subquery())
    events = db.session.scalars(select(found).order_by(found.id.desc()).limit(limit)).all()
    return describe(list(events))
