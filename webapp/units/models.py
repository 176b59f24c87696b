from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Level(StrEnum):
    """Tier in the administrative tree; a unit's reviewer is its parent, whatever tier that is."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


# Official kinds (loại đơn vị hành chính) and their tier.
KINDS: dict[str, tuple[Level, str]] = {
    "tinh": (Level.PROVINCE, "Tỉnh"),
    "thanh_pho_tw": (Level.PROVINCE, "Thành phố trực thuộc trung ương"),
    "huyen": (Level.DISTRICT, "Huyện"),
    "thi_xa": (Level.DISTRICT, "Thị xã"),
    "thanh_pho": (Level.DISTRICT, "Thành phố thuộc tỉnh"),
    "quan": (Level.DISTRICT, "Quận"),
    "xa": (Level.COMMUNE, "Xã"),
    "phuong": (Level.COMMUNE, "Phường"),
    "thi_tran": (Level.COMMUNE, "Thị trấn"),
    "dac_khu": (Level.COMMUNE, "Đặc khu"),
}

LEVEL_LABELS = {Level.PROVINCE: "Tỉnh", Level.DISTRICT: "Huyện", Level.COMMUNE: "Xã"}


class Unit(db.Model):
    """An administrative unit (đơn vị hành chính) in a tree of any depth.

    `path` is the chain of official codes from the root ("/99/991/99101/"), so a subtree is one
    indexed prefix match on either database.
    """

    __tablename__ = "units"
    # Prefix matches (LIKE '/99/991/%') use this index on PostgreSQL whatever the locale.
    __table_args__ = (Index("ix_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    # When a unit is merged, the unit that took it over.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    parent: Mapped[Unit | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Unit]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Unit.code"
    )
    successor: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[successor_id])

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, (None, self.kind))[1]

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def is_active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    def contains(self, other: Unit) -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"
