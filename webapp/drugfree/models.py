from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Unit

KINDS = {"computed": "Tính từ dữ liệu quản lý", "entered": "Xã nhập, cấp trên xác nhận"}
METRICS = {
    "unmanaged": "Người sử dụng trái phép chưa có quyết định quản lý còn hiệu lực",
    "untreated": "Người nghiện chưa được cai nghiện, điều trị",
    "addicts": "Người nghiện ma túy",
}


class Criterion(db.Model):
    """One criterion of a drug-free commune (xã, phường không ma túy): configuration that
    administrators keep in line with the decision in force (dated valid_from, valid_to
    exclusive). A computed criterion passes when its metric is at most `threshold`."""

    __tablename__ = "drugfree_criteria"
    __audit__ = ("code", "label", "kind", "metric", "threshold", "position", "valid_from",
                 "valid_to")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    label: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(10))
    metric: Mapped[str | None] = mapped_column(String(20))
    threshold: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    seeded: Mapped[bool] = mapped_column(default=False)

    @property
    def computed(self) -> bool:
        return self.kind == "computed"

    def in_force_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))


class Entry(db.Model):
    """A commune's answer to an entered criterion for a year, with its evidence; the parent
    unit confirms it (never without evidence)."""

    __tablename__ = "drugfree_entries"
    __audit__ = ("unit_id", "year", "criterion_id", "met", "evidence", "reference",
                 "confirmed_by_id", "confirmed_at")
    __table_args__ = (UniqueConstraint("unit_id", "year", "criterion_id", name="uq_drugfree_entry"),
                      Index("ix_drugfree_entries_year_unit", "year", "unit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    criterion_id: Mapped[int] = mapped_column(ForeignKey("drugfree_criteria.id"))
    met: Mapped[bool]
    evidence: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=now_utc)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    criterion: Mapped[Criterion] = relationship()
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    @property
    def has_evidence(self) -> bool:
        return bool((self.evidence or "").strip() or (self.reference or "").strip())


class Target(db.Model):
    """A province's yearly target: a number of communes, or a share of them (percent)."""

    __tablename__ = "drugfree_targets"
    __audit__ = ("unit_id", "year", "kind", "amount")
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_drugfree_target_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # "count" | "share"
    amount: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
