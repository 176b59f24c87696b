"""Spending entries, activities and the officer's typed sections of a yearly report."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Unit


class Activity(db.Model):
    """A training, a communication session, an inspection, a steering-committee meeting or a
    document issued (plan, decision, with its number) by a unit on a day."""

    __tablename__ = "activities"
    __audit__ = ("unit_id", "held_on", "kind", "title", "participants", "document_type",
                 "document_number", "note")
    __table_args__ = (Index("ix_activities_unit_held_on", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    held_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(500))
    participants: Mapped[int | None]
    document_type: Mapped[str | None] = mapped_column(String(16))
    document_number: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()


class FundingEntry(db.Model):
    """One spending (khoản chi) of a unit: an exact amount in đồng, its source and category,
    optionally the person or the activity it was spent on."""

    __tablename__ = "funding_entries"
    __audit__ = ("unit_id", "spent_on", "amount", "source", "category", "description",
                 "quantity", "person_id", "activity_id")
    __table_args__ = (Index("ix_funding_entries_unit_spent_on", "unit_id", "spent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    spent_on: Mapped[date]
    amount: Mapped[int] = mapped_column(BigInteger)  # đồng, never a float
    source: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int | None]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
    activity: Mapped[Activity | None] = relationship()


class YearlyReport(db.Model):
    """What the officer writes in a yearly report (situation, difficulties, assessment,
    proposals) and the number it was issued with; the rest is drafted from the data."""

    __tablename__ = "yearly_reports"
    __audit__ = ("situation", "difficulties", "assessment", "proposals", "number")
    __table_args__ = (UniqueConstraint("unit_id", "first_year", "last_year",
                                       name="uq_yearly_reports_unit_years"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    first_year: Mapped[int]
    last_year: Mapped[int]
    situation: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    assessment: Mapped[str | None] = mapped_column(Text)
    proposals: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": version}
