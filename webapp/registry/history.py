"""A person's change history: every recorded change to the file, its timeline and treatment."""
from __future__ import annotations

from sqlalchemy import select

from ..audit.display import HistoryRow, describe
from ..audit.models import AuditEvent
from ..extensions import db
from .models import Person, PersonEvent


def person_history(person: Person, limit: int = 200) -> list[HistoryRow]:
    """Creations and edits, newest first, as officers read them (labels, not codes)."""
    from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode

    def of(model, ids):
        return (AuditEvent.object_type == model.__name__) & AuditEvent.object_id.in_(ids)

    belongs = (
        ((AuditEvent.object_type == "Person") & (AuditEvent.object_id == person.id))
        | of(PersonEvent, select(PersonEvent.id).where(PersonEvent.person_id == person.id))
        | of(RehabEpisode, select(RehabEpisode.id).where(RehabEpisode.person_id == person.id))
        | of(MethadonePeriod,
             select(MethadonePeriod.id).where(MethadonePeriod.person_id == person.id))
        | of(PostRehabTerm, select(PostRehabTerm.id).where(PostRehabTerm.person_id == person.id))
        | of(PostRehabActivity, select(PostRehabActivity.id).join(PostRehabActivity.term)
             .where(PostRehabTerm.person_id == person.id)))
    events = db.session.scalars(
        select(AuditEvent).where(belongs, AuditEvent.action.in_(("create", "update")))
        .order_by(AuditEvent.id.desc()).limit(limit)).all()
    return describe(list(events))
