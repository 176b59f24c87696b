from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc


class MonthFigures(db.Model):
    """The dashboard's figures of one unit for one month: the drawn rows of its approved
    report's snapshot, or where there is none, counted once by the figures function (a home
    page never recounts a year live). `rows` has the snapshot's shape ([key, label, level,
    value]), only the keys drawn, so a page reads a few hundred bytes per unit and month."""

    __tablename__ = "dashboard_figures"
    __table_args__ = (UniqueConstraint("unit_id", "year", "month",
                                       name="uq_dashboard_figures_unit_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    month: Mapped[int]
    rows: Mapped[list] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=now_utc)
    # Copied from an approved report: its snapshot's time (the copy holds while they match);
    # None: counted by the figures function.
    snapshot_at: Mapped[datetime | None]


class WorklistCounts(db.Model):
    """A reviewer's home-page counts of due items (terms ending, decisions overdue…) over every
    person of the district, province or country: counted again once older than the setting
    `worklist_cache_minutes` or on another day; a commune's are always counted live. The list
    each count links to is always live."""

    __tablename__ = "worklist_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    counted_for: Mapped[date]  # the day the "soon" and "overdue" were measured from
    computed_at: Mapped[datetime] = mapped_column(default=now_utc)
    counts: Mapped[dict] = mapped_column(JSON)


class RankingFigures(db.Model):
    """A reviewer's ranking of child units for one month, as counted: per child's code, the
    reports of the twelve months first sent on time, and the last month's quota targets,
    starts and addicts ({code: [on_time, quota_target, quota_done, addicts]}). Names,
    populations and months owed are read live; the counted part is reused while the
    children's reports of the window look the same (`fingerprint`: their number, how many are
    approved, the latest sending and snapshot times) and for `dashboard_cache_hours`, like
    the month figures it is made of."""

    __tablename__ = "dashboard_rankings"
    __table_args__ = (UniqueConstraint("unit_id", "year", "month",
                                       name="uq_dashboard_rankings_unit_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    month: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime] = mapped_column(default=now_utc)
    figures: Mapped[dict] = mapped_column(JSON)
