from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc


class AuditEvent(db.Model):
    """Who did or saw what, when: changes (field, old → new), views, lists, probes, exports."""

    __tablename__ = "audit_events"
    # The duplicate-check rate limit counts one account's recent probes.
    # A file's change history finds its objects' creations and edits among their many views.
    __table_args__ = (Index("ix_audit_events_user_action_at", "user_id", "action", "at"),
                      Index("ix_audit_events_object_action", "object_type", "object_id",
                            "action"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    # Indexed by ix_audit_events_user_action_at, which begins with it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))  # create, update, view, export, ...
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(index=True)
    # Field changes as {field: [old, new]}, or a description of what was viewed/exported
    # (never a search term in clear: see services.keyed).
    changes: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User", foreign_keys=[user_id])
    persons = relationship("AuditPerson", cascade="all, delete-orphan", passive_deletes=True,
                           back_populates="event")


class AuditPerson(db.Model):
    """One person a list, an export, a probe or an import preview showed (or matched): the
    id only, never their data, so "who saw this person" is one indexed lookup."""

    __tablename__ = "audit_event_persons"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id", ondelete="CASCADE"),
                                          primary_key=True)
    # No foreign key: the log outlives what it speaks of.
    person_id: Mapped[int] = mapped_column(primary_key=True, index=True)

    event = relationship(AuditEvent, back_populates="persons")
