from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc


class YearFigures(db.Model):
    """A district's, province's or the country's figures at the end of a past year, as the
    statistics count them (rows of [key, label, level, value]), kept for the setting
    `dashboard_cache_hours`: the ministry's statistics no longer recount the country's persons
    three times a view. `suspected_included` is the counting rule they were counted under (a
    changed rule date counts them again). A commune's, and the current year, are always live."""

    __tablename__ = "stats_year_figures"
    __table_args__ = (UniqueConstraint("unit_id", "year", "month", "suspected_included",
                                       name="uq_stats_year_figures_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    month: Mapped[int]
    suspected_included: Mapped[bool]
    rows: Mapped[list] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=now_utc)
