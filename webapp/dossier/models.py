from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..registry.models import Correctable, active
from ..timeutil import now_utc
from .vocab import CONDITIONS, CONTACT_KINDS, PROCEDURES


class DocumentRequirement(db.Model):
    """One document a procedure requires, in force from `valid_from` until `valid_to`
    (exclusive; open when None). A procedure uses the list in force on the day it opened, so
    a new decree's list never changes the files already begun."""

    __tablename__ = "dossier_requirements"
    __audit__ = ("procedure", "form_code", "label", "condition", "position", "valid_from",
                 "valid_to")
    __table_args__ = (Index("ix_dossier_requirements_procedure", "procedure", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[str] = mapped_column(String(20))
    form_code: Mapped[str] = mapped_column(String(30))  # "07"; "22/23/24" = any of them
    label: Mapped[str] = mapped_column(String(200))
    condition: Mapped[str] = mapped_column(String(12), default="always")
    position: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.strip() for c in self.form_code.split("/") if c.strip())

    @property
    def procedure_label(self) -> str:
        return PROCEDURES.get(self.procedure, self.procedure)

    @property
    def condition_label(self) -> str:
        return CONDITIONS.get(self.condition, self.condition)

    def in_force(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))


class Document(Correctable, db.Model):
    """A paper of a person's file (a form of the decrees): number, date, signer.

    It belongs to the person and to the registry entry its procedure hangs on: a management
    decision or a determination (a timeline event), a rehab episode, a post-rehab term."""

    __tablename__ = "dossier_documents"
    __audit__ = ("person_id", "procedure", "entry_id", "form_code", "number", "doc_date",
                 "signer", "note", *Correctable.CORRECTION_FIELDS)
    __table_args__ = (Index("ix_dossier_documents_person_procedure", "person_id", "procedure",
                            "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    procedure: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[int]  # the event / episode / term id, by procedure
    form_code: Mapped[str] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(50))
    doc_date: Mapped[date]
    signer: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="document", order_by="Attachment.id")

    @property
    def active_attachment(self) -> Attachment | None:
        current = active(self.attachments)
        return current[-1] if current else None


class Attachment(Correctable, db.Model):
    """A scanned copy of a document, stored outside the web root under a random name.

    Replaced or removed, it is voided (kept on disk and in the file), never deleted. Reached
    only by its random `public_id`, through a scoped route."""

    __tablename__ = "dossier_attachments"
    __audit__ = ("document_id", "person_id", "mime", "size", "sha256", "original_name",
                 *Correctable.CORRECTION_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("dossier_documents.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80))
    original_name: Mapped[str | None] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship(back_populates="attachments")
    person = relationship("Person")
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[self.mime]


class CaseNote(Correctable, db.Model):
    """A supervision contact or note during a management decision's term or post-rehab
    management: home visit, meeting, phone call, drug test (with its result), note.

    A positive test is also written on the timeline as a positive test (`test_event`), so the
    file's next steps and the worklist see it exactly as a test recorded there."""

    __tablename__ = "case_notes"
    __audit__ = ("person_id", "procedure", "entry_id", "on", "contact_kind", "contact_by",
                 "positive", "note", *Correctable.CORRECTION_FIELDS)
    __table_args__ = (Index("ix_case_notes_person_on", "person_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    procedure: Mapped[str] = mapped_column(String(20))  # management / post_rehab
    entry_id: Mapped[int]
    on: Mapped[date]
    contact_kind: Mapped[str] = mapped_column(String(12))
    contact_by: Mapped[str] = mapped_column(String(120))
    positive: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    test_event_id: Mapped[int | None] = mapped_column(ForeignKey("person_events.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person")
    test_event = relationship("PersonEvent")

    @property
    def kind_label(self) -> str:
        return CONTACT_KINDS.get(self.contact_kind, self.contact_kind)

    @property
    def voided_with(self) -> list:
        """Voided together with the note (registry.corrections.void): its timeline test."""
        event = self.test_event
        return [event] if event is not None and not event.voided else []
