from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, bindparam, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Level(StrEnum):
    """Tier in the administrative tree; a unit's reviewer is its parent, whatever tier that is."""

    NATIONAL = "national"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


# Official kinds (loại đơn vị hành chính) and their tier.
KINDS: dict[str, tuple[Level, str]] = {
    # The ministry above the provinces (C04 receives the provinces' monthly reports).
    "trung_uong": (Level.NATIONAL, "Cơ quan trung ương"),
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

LEVEL_LABELS = {Level.NATIONAL: "Trung ương", Level.PROVINCE: "Tỉnh", Level.DISTRICT: "Huyện", Level.COMMUNE: "Xã"}


# The national root: not an administrative unit, so its code is the agency's, not digits.
NATIONAL_CODE = "C04"
NATIONAL_NAME = "Bộ Công an — Cục Cảnh sát điều tra tội phạm về ma túy (C04)"
NATIONAL_KIND = "trung_uong"
NATIONAL_PLACE = "Hà Nội"  # where the ministry signs its documents


# Above every character of a path (codes and "/"), so [path, path + TOP) is the subtree.
TOP = "\U0010ffff"


class _Under(ColumnElement):
    """`path` starts with `prefix`, written so each database's index on the path serves it:
    a range on SQLite (whose LIKE ignores the index unless case-sensitive), a LIKE on
    PostgreSQL (served by the varchar_pattern_ops index whatever the locale's collation)."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [("path", InternalTraversal.dp_clauseelement),
                           ("low", InternalTraversal.dp_clauseelement),
                           ("high", InternalTraversal.dp_clauseelement),
                           ("pattern", InternalTraversal.dp_clauseelement)]

    def __init__(self, path, low, high, pattern):
        self.path, self.low, self.high, self.pattern = path, low, high, pattern


def _bounds(prefix: str) -> tuple[str, str, str]:
    """(low, high, LIKE pattern) of the subtree of the path `prefix`."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return prefix, prefix + TOP, escaped + "%"


@compiles(_Under)
def _under_like(element, compiler, **kw):
    return (f"({compiler.process(element.path, **kw)} LIKE "
            f"{compiler.process(element.pattern, **kw)})")


@compiles(_Under, "sqlite")
def _under_range(element, compiler, **kw):
    path = compiler.process(element.path, **kw)
    return (f"({path} >= {compiler.process(element.low, **kw)} AND "
            f"{path} < {compiler.process(element.high, **kw)})")


def under(path_column, prefix) -> ColumnElement:
    """SQL: a unit path lies in the subtree of `prefix` (a path, or a path column)."""
    if isinstance(prefix, str):
        return _Under(path_column, *(bindparam(None, value, String, unique=True)
                                     for value in _bounds(prefix)))
    # another path column (a join); codes hold no wildcard
    return _Under(path_column, prefix, prefix.concat(literal(TOP, String)),
                  prefix.concat(literal("%", String)))


_BOUND = ("low", "high", "pattern")


def under_bound(path_column, name: str) -> ColumnElement:
    """`under` whose prefix is given when the statement runs (`under_values(name, prefix)`
    among its parameters): one statement, built and compiled once, serves every unit."""
    return _Under(path_column, *(bindparam(f"{name}_{part}", type_=String) for part in _BOUND))


def under_values(name: str, prefix: str) -> dict[str, str]:
    """The parameters of `under_bound(column, name)` for the subtree of `prefix`."""
    return {f"{name}_{part}": value for part, value in zip(_BOUND, _bounds(prefix))}


def active_on(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    """A unit's validity (from its first day, until the day before `valid_to`) on `day`."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to)


class Unit(db.Model):
    """An administrative unit (đơn vị hành chính) in a tree of any depth.

    `path` is the chain of official codes from the root ("/99/991/99101/"), so a subtree is one
    indexed prefix match on either database.
    """

    __tablename__ = "units"
    __audit__ = ("head_name", "head_title")
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
    # Who signs as THỦ TRƯỞNG ĐƠN VỊ on the unit's reports, and their title.
    head_name: Mapped[str | None] = mapped_column(String(120))
    head_title: Mapped[str | None] = mapped_column(String(120))
    # Inhabitants (dân số), entered by administrators: addicts per 1,000 inhabitants.
    population: Mapped[int | None]

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
        return active_on(self.valid_from, self.valid_to, day)

    def contains(self, other: Unit) -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"
