from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc


class JobStatus(StrEnum):
    CHECKING = "checking"
    READY = "ready"
    FAILED = "failed"
    CONFIRMED = "confirmed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    JobStatus.CHECKING: "Đang kiểm tra",
    JobStatus.READY: "Chờ xác nhận",
    JobStatus.FAILED: "Không nhập được",
    JobStatus.CONFIRMED: "Đã nhập",
}


class ImportJob(db.Model):
    """One uploaded workbook, from checking to confirmation (Nhập từ Excel).

    Kept in the database, not in a worker's memory: the checking advances chunk by chunk with
    each progress request, whichever worker answers it. `rows` holds the cells as read while
    the checking goes on (a file checked by the upload's own request never stores them);
    `results` one entry per row, filled as the checking advances.
    """

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    filename: Mapped[str] = mapped_column(String(255))
    file_size: Mapped[int] = mapped_column(default=0)
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.CHECKING.value)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    # Sheet, header line, column positions, notices, the file's legacy encoding.
    meta: Mapped[dict | None] = mapped_column(JSON)
    rows: Mapped[list | None] = mapped_column(JSON)
    results: Mapped[list | None] = mapped_column(JSON)
    summary: Mapped[dict | None] = mapped_column(JSON)  # counts, once checked or confirmed
    error: Mapped[str | None] = mapped_column(Text)  # why the whole file was refused
    confirmed_at: Mapped[datetime | None]
    # Two polls, or two clicks on "confirm", in two workers: the second write fails cleanly.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    # Not a column: the cells just read, checked by the upload's own step (services.advance).
    cells_read = None

    user = relationship("User")
    unit = relationship("Unit")

    @property
    def status_enum(self) -> JobStatus:
        return JobStatus(self.status)

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return int(100 * self.progress_done / self.progress_total)

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.status}>"
