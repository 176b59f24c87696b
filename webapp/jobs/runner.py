"""Runs one job, whichever queue delivered it: claim, heartbeat, work, outcome."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, g

from ..auth.models import User
from ..extensions import db
from . import services
from .models import Job, JobStatus
from .work import KINDS, Refused

log = logging.getLogger(__name__)


class _Heartbeat(threading.Thread):
    """Beats every JOB_HEARTBEAT_SECONDS while the work runs (the work may sit in one long
    statement or one long transaction and report nothing)."""

    def __init__(self, engine, job_id: int, every: float):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.engine, self.job_id, self.every = engine, job_id, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            services.beat(self.engine, self.job_id)


def run(job_id: int) -> None:
    """Run the job in the current app context; any failure ends as a failed job, never lost."""
    engine = db.engine
    if not services.claim(engine, job_id):
        return  # already taken by another worker, or expired meanwhile
    heartbeat = _Heartbeat(engine, job_id, current_app.config["JOB_HEARTBEAT_SECONDS"])
    heartbeat.start()
    try:
        job = db.session.get(Job, job_id)
        user = db.session.get(User, job.user_id)
        g.acting_user_id = user.id  # the audit log's "who" outside a request

        def progress(done=None, total=None, message=None):
            services.beat(engine, job_id, done, total, message)

        outcome = KINDS[job.kind].run(job, user, progress, services.jobs_dir())
        relative = outcome.file.name if outcome.file else None
        services.finish(engine, job_id, JobStatus.DONE, outcome.message, relative,
                        outcome.name, outcome.done)
    except Refused as refused:
        db.session.rollback()
        services.finish(engine, job_id, JobStatus.FAILED, str(refused))
    except Exception:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        services.finish(engine, job_id, JobStatus.FAILED,
                        "Có lỗi khi xử lý công việc này. Vui lòng thử lại hoặc báo quản trị "
                        "hệ thống.")
    finally:
        heartbeat.stopped.set()
        db.session.remove()


def run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        run(job_id)
