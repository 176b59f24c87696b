from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc


class Notification(db.Model):
    """A message in the application for one user. `key` names what it is about ("submitted:12:3"),
    so the same event never notifies twice; reminders use the period and the due day."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_notification_user_key"),
                      Index("ix_notifications_user_read", "user_id", "read_at"),
                      Index("ix_notifications_user_created", "user_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    @property
    def unread(self) -> bool:
        return self.read_at is None
