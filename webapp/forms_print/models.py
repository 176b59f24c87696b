from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc


class PrintedDocument(db.Model):
    """An official form printed from a file, with the number, date and signer the officer
    typed when printing: the record of what left the office, and what the next print of the
    same entry starts from."""

    __tablename__ = "printed_documents"
    __audit__ = ("form_code", "person_id", "entry_kind", "entry_id", "number", "issued_on",
                 "signer", "position")
    __table_args__ = (Index("ix_printed_documents_entry", "entry_kind", "entry_id", "form_code"),
                      Index("ix_printed_documents_unit_form", "unit_id", "form_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    form_code: Mapped[str] = mapped_column(String(4))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    entry_kind: Mapped[str] = mapped_column(String(12))  # event, post_rehab, transfer
    entry_id: Mapped[int]
    number: Mapped[str] = mapped_column(String(50))
    issued_on: Mapped[date]
    signer: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(12))  # chairman, vice
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    printed_at: Mapped[datetime] = mapped_column(default=now_utc)

    person = relationship("Person")
    unit = relationship("Unit")
