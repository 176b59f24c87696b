from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
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


class DeadlineTarget(db.Model):
    """A dated obligation set by a unit for every commune below it: at least `at_least`
    persons started `form` between `start_date` and `deadline` (inclusive) — the directive's
    "trước ngày 30/12/2023, tất cả các địa phương phải đưa được người nghiện vào điều trị cắt
    cơn". The yearly "nothing achieved" list is the same rule with 1/1–31/12 and one person."""

    __tablename__ = "deadline_targets"
    __audit__ = ("unit_id", "title", "form", "at_least", "start_date", "deadline")
    __table_args__ = (Index("ix_deadline_targets_unit_deadline", "unit_id", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(300))
    form: Mapped[str] = mapped_column(String(12))
    at_least: Mapped[int] = mapped_column(default=1)
    start_date: Mapped[date]
    deadline: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    unit: Mapped[Unit] = relationship()
