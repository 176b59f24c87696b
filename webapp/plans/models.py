from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Unit


class Quota(db.Model):
    """The yearly target (chỉ tiêu) assigned to a unit by its parent, per rehab form."""

    __tablename__ = "quotas"
    __audit__ = ("year", "unit_id", "form", "amount")
    __table_args__ = (UniqueConstraint("year", "unit_id", "form", name="uq_quotas_year_unit_form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    form: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
