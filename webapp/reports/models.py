from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Unit

STATUS_LABELS = {"missing": "Chưa nộp", "draft": "Bản nháp", "submitted": "Đã gửi",
                 "returned": "Bị trả lại", "approved": "Đã duyệt"}
ACTION_LABELS = {"submit": "Gửi báo cáo", "approve": "Duyệt", "return": "Trả lại",
                 "reopen": "Mở lại", "save": "Lưu bản nháp"}


# The figures listed beside each child on a parent's report (templates/reports/submission.html).
SUMMARY_KEYS = ("addicts.total", "persons.total", "flow.rehab_started")


def summary_of(snapshot: list | None) -> dict | None:
    """{key: value} of SUMMARY_KEYS in a snapshot (as `figures.as_values` reads it)."""
    if not snapshot:
        return None
    return {key: value for key, _label, _level, value in snapshot
            if key in SUMMARY_KEYS and value is not None}



class Reviewed:
    """What every reviewed report (monthly, half-yearly, yearly) says of its status."""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def frozen(self) -> bool:
        return self.status in ("submitted", "approved")

    @property
    def return_note(self):
        """While returned: the step that sent it back (a return or a reopen) and its comment."""
        if self.status != "returned":
            return None
        return next((t for t in reversed(self.transitions) if t.to_status == "returned"), None)


class Step:
    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


class MonthlySubmission(Reviewed, db.Model):
    """One unit's monthly report (Biểu 01-BCN) for one month, and its life cycle.

    While a draft, its figures are live; submitting freezes them in `snapshot` (the rows with
    their labels). `version` guards every transition, so a double click cannot apply twice.
    """

    __tablename__ = "monthly_submissions"
    __audit__ = ("status", "work_done", "difficulties", "proposals", "staff_count",
                 "funding_local", "funding_contribution", "funding_other", "warning_comment",
                 "document_number")
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "month", name="uq_submission_unit_month"),
        # The small columns the lists of many units read (status, times), in an index of
        # their own: on SQLite a row's later columns sit behind its snapshot (~9 KB of JSON in
        # overflow pages), which reading them had to walk for each of a province's reports.
        Index("ix_monthly_submissions_unit_period", "unit_id", "year", "month", "status",
              "snapshot_at", "first_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    month: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    snapshot: Mapped[list | None] = mapped_column(JSON)
    snapshot_at: Mapped[datetime | None]
    # The persons behind each frozen figure, {key: [person ids]}, so a reviewer opening a
    # frozen figure sees the list it was frozen with, whatever the registry says today.
    # Loaded only when asked for (the lists behind a figure): a parent's report reads its
    # children's figures, not their lists.
    snapshot_persons: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    # For a parent unit: which children's approved reports the snapshot summed.
    children_included: Mapped[list | None] = mapped_column(JSON)
    # The few figures a parent's frozen report lists beside each child (SUMMARY_KEYS), kept
    # with the snapshot so that listing 98 communes decodes 98 small dicts, not 98 snapshots.
    summary: Mapped[dict | None] = mapped_column(JSON)
    work_done: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    proposals: Mapped[str | None] = mapped_column(Text)
    warning_comment: Mapped[str | None] = mapped_column(Text)
    # December only: staff at year end and the whole year's funding, in đồng.
    staff_count: Mapped[int | None]
    funding_local: Mapped[int | None] = mapped_column(BigInteger)
    funding_contribution: Mapped[int | None] = mapped_column(BigInteger)
    funding_other: Mapped[int | None] = mapped_column(BigInteger)
    # The số of the report ("12" of "Số: 12/BC-CAX"), typed at submission or at printing.
    document_number: Mapped[str | None] = mapped_column(String(30))
    submitted_at: Mapped[datetime | None]
    # Timeliness is judged on the first sending: a report returned for corrections and sent
    # again after the due day was still sent on time.
    first_submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    transitions: Mapped[list[SubmissionTransition]] = relationship(
        back_populates="submission", order_by="SubmissionTransition.id")

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def period_label(self) -> str:
        return f"{self.month:02d}/{self.year}"



class SubmissionTransition(Step, db.Model):
    """Every step of the life cycle, with who, when and the comment: the submission's thread."""

    __tablename__ = "submission_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("monthly_submissions.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=now_utc)

    submission: Mapped[MonthlySubmission] = relationship(back_populates="transitions")
    user = relationship("User")


class ReportOpening(db.Model):
    """A reviewer opened a submitted report (the version they saw): approving several at once
    is allowed only for reports opened this way."""

    __tablename__ = "report_openings"
    __table_args__ = (UniqueConstraint("submission_id", "user_id", name="uq_report_opening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("monthly_submissions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(default=now_utc)
