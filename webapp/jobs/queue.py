"""Which worker runs a job: `JOB_QUEUE`.

- "inprocess" (default): a thread of the web process, so `make run` stays one command. A job
  whose process stops (restart, gunicorn recycling a worker) stops beating and is reported
  failed by the stale sweep.
- "rq": RQ on Redis (REDIS_URL), run by `flask --app wsgi jobs worker` (deploy/systemd/
  qlcn-jobs.service). Chosen over a PostgreSQL-backed queue (procrastinate) because it works
  the same whatever the database: the embedded SQLite set-up and PostgreSQL alike, with one
  small, maintained dependency and no extra schema; the job's state is in our `jobs` table
  anyway, Redis only carries "run job N". A job queued while the worker is down waits in Redis
  and runs when it is back; one running when the worker dies stops beating and is failed.
"""
from __future__ import annotations

import logging
import threading

from flask import current_app, has_app_context

from . import runner, services

log = logging.getLogger(__name__)

_threads: list[threading.Thread] = []
UNAVAILABLE = ("Hàng đợi xử lý nền đang không hoạt động nên chưa chạy được. Vui lòng thử lại "
               "sau hoặc báo quản trị hệ thống.")


def submit(job_id: int) -> None:
    """Hand a committed job to the configured queue."""
    backend = current_app.config["JOB_QUEUE"]
    if backend == "rq":
        try:
            rq_queue().enqueue(perform, job_id, job_id=f"qlcn-job-{job_id}",
                               job_timeout=current_app.config["JOB_TIMEOUT_SECONDS"],
                               failure_ttl=7 * 86400)
        except Exception:
            log.exception("job %s: the queue refused it", job_id)
            services.fail_queued(job_id, UNAVAILABLE)
        return
    thread = threading.Thread(target=runner.run_in_app,
                              args=(current_app._get_current_object(), job_id),
                              daemon=True, name=f"job-{job_id}")
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def wait(timeout: float = 60) -> None:
    """Until every in-process job has ended (tools and tests)."""
    for thread in list(_threads):
        thread.join(timeout)


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


def rq_queue():
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection())


def perform(job_id: int) -> None:
    """What RQ runs: the worker command holds the app context."""
    if not has_app_context():
        raise RuntimeError("run jobs with `flask --app wsgi jobs worker`")
    runner.run(job_id)


def work(burst: bool = False) -> None:
    """The RQ worker loop, in this process and app context (SimpleWorker: no fork, so the
    app, its engine and its context stay valid for every job)."""
    from rq import SimpleWorker

    services.expire_stale()
    worker = SimpleWorker([rq_queue()], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=False)
