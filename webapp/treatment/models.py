from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..registry.models import Correctable
from ..timeutil import now_utc
from ..units.models import Unit
from .vocab import METHADONE_STOPS, OUTCOMES, POST_REHAB_STATUS, REHAB_FORMS


class RehabEpisode(Correctable, db.Model):
    """One rehabilitation (đợt cai nghiện). `unit_id` is the commune that organised it, kept
    even if the person later moves, so quota progress stays where it was earned."""

    __tablename__ = "rehab_episodes"
    # A unit's episodes of a period (figures, quotas) found from the unit, not the country's.
    __table_args__ = (Index("ix_rehab_episodes_unit_start", "unit_id", "start_date"),)
    __audit__ = ("person_id", "form", "start_date", "planned_end", "facility", "decision_number",
                 "decision_date", "decided_by", "end_date", "outcome", "note",
                 *Correctable.CORRECTION_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    form: Mapped[str] = mapped_column(String(12), index=True)
    start_date: Mapped[date] = mapped_column(index=True)
    planned_end: Mapped[date] = mapped_column(index=True)
    facility: Mapped[str | None] = mapped_column(String(200))
    decision_number: Mapped[str | None] = mapped_column(String(50))
    decision_date: Mapped[date | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))  # signer, or the court
    end_date: Mapped[date | None] = mapped_column(index=True)
    outcome: Mapped[str | None] = mapped_column(String(15))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person", back_populates="episodes")
    unit: Mapped[Unit] = relationship()

    @property
    def form_label(self) -> str:
        return REHAB_FORMS.get(self.form, self.form)

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome or "", "")

    @property
    def ongoing(self) -> bool:
        return self.end_date is None and self.voided_at is None


class MethadonePeriod(Correctable, db.Model):
    """Opioid substitution treatment (điều trị nghiện bằng thuốc thay thế Methadone)."""

    __tablename__ = "methadone_periods"
    __table_args__ = (Index("ix_methadone_periods_unit_start", "unit_id", "start_date"),)
    __audit__ = ("person_id", "facility", "start_date", "end_date", "stop_reason", "note",
                 *Correctable.CORRECTION_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    facility: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    stop_reason: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person", back_populates="methadone_periods")

    @property
    def stop_label(self) -> str:
        return METHADONE_STOPS.get(self.stop_reason or "", "")

    @property
    def ongoing(self) -> bool:
        return self.end_date is None and self.voided_at is None


class PostRehabTerm(Correctable, db.Model):
    """Post-rehab management at the place of residence (Mẫu 51 decision, Mẫu 54 certificate).

    Created as a *suggestion* when a rehab or methadone completes; the officer confirms it with
    the decision's number, date and signer, or dismisses it.
    """

    __tablename__ = "post_rehab_terms"
    __audit__ = ("person_id", "status", "months", "start_date", "end_date", "decision_number",
                 "decision_date", "signer", "ended_on", "end_reason", "certificate_number",
                 *Correctable.CORRECTION_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("rehab_episodes.id"))
    methadone_id: Mapped[int | None] = mapped_column(ForeignKey("methadone_periods.id"))
    status: Mapped[str] = mapped_column(String(10), default="suggested", index=True)
    months: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date] = mapped_column(index=True)
    decision_number: Mapped[str | None] = mapped_column(String(50))
    decision_date: Mapped[date | None]
    signer: Mapped[str | None] = mapped_column(String(200))
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(12))
    certificate_number: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person", back_populates="post_rehab_terms")
    episode: Mapped[RehabEpisode | None] = relationship()
    methadone: Mapped[MethadonePeriod | None] = relationship()
    activities: Mapped[list[PostRehabActivity]] = relationship(
        back_populates="term", order_by="(PostRehabActivity.on, PostRehabActivity.id)")

    @property
    def status_label(self) -> str:
        return POST_REHAB_STATUS.get(self.status, self.status)


class PostRehabActivity(Correctable, db.Model):
    """Supervision contacts, drug tests, support given, relapse, during post-rehab management."""

    __tablename__ = "post_rehab_activities"
    __table_args__ = (Index("ix_post_rehab_activities_term_on", "term_id", "on"),)
    __audit__ = ("term_id", "kind", "on", "positive", "note", *Correctable.CORRECTION_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("post_rehab_terms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(15), index=True)
    on: Mapped[date] = mapped_column(index=True)
    positive: Mapped[bool | None]  # drug tests: positive result
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    term: Mapped[PostRehabTerm] = relationship(back_populates="activities")
