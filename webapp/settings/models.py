from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc


class Setting(db.Model):
    """An administrator's value for one of `settings.DEFAULTS`."""

    __tablename__ = "settings"
    __audit__ = ("key", "value")

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
