from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc


class CalendarDay(db.Model):
    """An administrator's exception to the Vietnam calendar of the `holidays` package: an extra
    day off ("off": a decision of the Prime Minister, a province's own) or a make-up working
    day ("work": a Saturday worked in exchange for a bridge day)."""

    __tablename__ = "calendar_days"
    __audit__ = ("day", "kind", "note")

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(4))  # "off" or "work"
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
