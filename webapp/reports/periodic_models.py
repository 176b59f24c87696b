"""Half-yearly and yearly reports (Biểu 03-BCN of a district, 04-BCN of a province).

One row per unit, form, year and period ("H1": 01/01–30/06, "Y": the whole year), with the
same life cycle as the monthly report: draft → submitted → approved, or returned with a
comment; an approved report is reopened with a reason. A unit with no parent (the province)
is the top of the tree: its "submitted" is final.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Unit
from .models import Reviewed, Step

PERIOD_LABELS = {"H1": "6 tháng đầu năm", "Y": "năm"}


class PeriodicSubmission(Reviewed, db.Model):
    __tablename__ = "periodic_submissions"
    __audit__ = ("status", "number", "note", "remarks")
    __table_args__ = (
        UniqueConstraint("unit_id", "form", "year", "period", name="uq_periodic_unit_form_period"),
        # The completeness page: every report of one form and period in a subtree.
        Index("ix_periodic_submissions_period", "year", "period", "form", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    form: Mapped[str] = mapped_column(String(8))      # "03-BCN" or "04-BCN"
    year: Mapped[int]
    period: Mapped[str] = mapped_column(String(2))    # "H1" or "Y"
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    # What the report said when sent: its rows, one line per child, the communes with no
    # addicts (see periodic.compute_view); read as is afterwards.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    snapshot_at: Mapped[datetime | None]
    children_included: Mapped[list | None] = mapped_column(JSON)
    # The số typed at submission ("12" → "Số: 12/BC-CAH").
    number: Mapped[str | None] = mapped_column(String(30))
    # Why it was sent while some children's reports were not approved: printed as a note.
    note: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    first_submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    transitions: Mapped[list[PeriodicTransition]] = relationship(
        back_populates="submission", order_by="PeriodicTransition.id")

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.period}"



class PeriodicTransition(Step, db.Model):
    __tablename__ = "periodic_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("periodic_submissions.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=now_utc)

    submission: Mapped[PeriodicSubmission] = relationship(back_populates="transitions")
    user = relationship("User")
