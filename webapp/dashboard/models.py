from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc


class MonthFigures(db.Model):
    """The dashboard's figures of one unit for one month, computed once by the figures
    function where no approved snapshot exists (a home page never recounts a year live).
    `rows` has the snapshot's shape ([key, label, level, value]), only the keys drawn."""

    __tablename__ = "dashboard_figures"
    __table_args__ = (UniqueConstraint("unit_id", "year", "month",
                                       name="uq_dashboard_figures_unit_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    month: Mapped[int]
    rows: Mapped[list] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=now_utc)
