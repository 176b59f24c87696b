"""A timeline event without a database, for the pure state and period tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass
class Ev:
    kind: str
    event_date: date
    id: int = 0
    addicted: bool | None = None
    term_end: date | None = None
    reason: str | None = None
    to_unit_id: int | None = None
    voided_at: datetime | None = None
