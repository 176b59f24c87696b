"""Jobs: creation, the owner-only look-up, progress and heartbeat, the stale sweep, pruning.

Progress and heartbeat are written on their own short connections, never in the work's
transaction: an import confirmation is one transaction, and its job must still show it is alive.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from .. import settings
from ..auth.models import User
from ..extensions import db
from ..scoping import get_owned_or_404
from ..timeutil import now_utc
from .models import FINISHED, Job, JobStatus

log = logging.getLogger(__name__)

LOST = ("Tiến trình xử lý đã dừng giữa chừng (máy chủ hoặc tiến trình nền khởi động lại). "
        "Vui lòng chạy lại.")


def jobs_dir() -> Path:
    path = Path(current_app.config["JOBS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def create(user: User, kind: str, params: dict, unit_id: int | None = None,
           total: int = 0) -> Job:
    """A queued job of `user`; the caller commits, then hands its id to the queue."""
    prune()
    job = Job(kind=kind, user_id=user.id, unit_id=unit_id or user.unit_id, params=params,
              progress_total=total, status=JobStatus.QUEUED.value)
    db.session.add(job)
    db.session.flush()
    return job


def get_job_or_404(user: User, job_id: int) -> Job:
    """A job and its file are its owner's alone (the result of a unit's export is not for every
    officer who may see that unit)."""
    return get_owned_or_404(Job, user, job_id)


def recent(user: User, limit: int = 20) -> list[Job]:
    return list(db.session.scalars(
        select(Job).where(Job.user_id == user.id)
        .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)))


def active_for(user: User, kind: str, key: str, value) -> Job | None:
    """The newest job of `kind` whose params[key] is `value` (e.g. the import being confirmed)."""
    for job in db.session.scalars(
            select(Job).where(Job.user_id == user.id, Job.kind == kind)
            .order_by(Job.id.desc()).limit(20)):
        if (job.params or {}).get(key) == value:
            return job
    return None


def result_file(job: Job) -> Path | None:
    if job.status != JobStatus.DONE.value or not job.result_path:
        return None
    path = jobs_dir() / job.result_path
    return path if path.is_file() else None


# --- Written from the worker, on their own connections ---------------------------------------

def claim(engine: Engine, job_id: int) -> bool:
    """queued → running, atomically: a job delivered twice runs once."""
    now = now_utc()
    with engine.begin() as conn:
        return conn.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.RUNNING.value, started_at=now, heartbeat_at=now)
        ).rowcount == 1


def beat(engine: Engine, job_id: int, done: int | None = None, total: int | None = None,
         message: str | None = None) -> None:
    values = {"heartbeat_at": now_utc()}
    if done is not None:
        values["progress_done"] = done
    if total is not None:
        values["progress_total"] = total
    if message is not None:
        values["message"] = message
    try:
        with engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id,
                                           Job.status == JobStatus.RUNNING.value).values(values))
    except Exception:  # SQLite busy under the work's own write: the next beat will do
        log.warning("job %s: heartbeat not written", job_id, exc_info=True)


def finish(engine: Engine, job_id: int, status: JobStatus, message: str | None,
           result_path: str | None = None, result_name: str | None = None,
           done: int | None = None) -> None:
    """The outcome. It wins over a stale sweep that ran meanwhile: what happened is the truth."""
    values = {"status": status.value, "message": message, "finished_at": now_utc(),
              "heartbeat_at": now_utc(), "result_path": result_path, "result_name": result_name}
    if done is not None:
        values["progress_done"] = done
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(values))


def fail_queued(job_id: int, message: str) -> None:
    """The queue refused the job (Redis down): say so at once, never leave it waiting."""
    db.session.execute(update(Job).where(Job.id == job_id).values(
        status=JobStatus.FAILED.value, message=message, finished_at=now_utc()))
    db.session.commit()


# --- Sweeps -----------------------------------------------------------------------------------

def expire_stale() -> int:
    """Running jobs whose worker stopped beating are failed, not left "running" for ever; so
    are in-process jobs still queued after as long (the process that held them is gone).
    Committed; returns how many."""
    stale = timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    cutoff = now_utc() - stale
    lost = (Job.status == JobStatus.RUNNING.value) & (Job.heartbeat_at < cutoff)
    if current_app.config["JOB_QUEUE"] == "inprocess":
        lost = lost | ((Job.status == JobStatus.QUEUED.value) & (Job.created_at < cutoff))
    # Read first: every poll sweeps, and on SQLite even an UPDATE that matches nothing would
    # wait for the write lock an import holds for its whole transaction.
    if db.session.scalar(select(Job.id).where(lost).limit(1)) is None:
        return 0
    count = db.session.execute(update(Job).where(lost).values(
        status=JobStatus.FAILED.value, message=LOST, finished_at=now_utc())).rowcount
    db.session.commit()
    return count


def prune() -> int:
    """Result files older than the retention setting are deleted; the job row stays, saying so.
    The caller commits."""
    days = int(settings.get("job_result_retention_days"))
    cutoff = now_utc() - timedelta(days=days)
    count = 0
    for job in db.session.scalars(select(Job).where(
            Job.status.in_(FINISHED), Job.result_path.is_not(None), Job.finished_at < cutoff)):
        (jobs_dir() / job.result_path).unlink(missing_ok=True)
        job.result_path = None
        job.message = f"Tệp kết quả đã được xóa sau {days} ngày. Vui lòng chạy lại nếu cần."
        count += 1
    db.session.flush()
    return count
