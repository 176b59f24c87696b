"""`flask --app wsgi jobs worker` (the RQ worker) and `jobs prune` (old result files)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from . import queue, services

jobs = AppGroup("jobs", help="Công việc chạy nền (xuất, nhập dữ liệu lớn)")


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run queued jobs (JOB_QUEUE=rq, REDIS_URL)."""
    if current_app.config["JOB_QUEUE"] != "rq":
        raise click.ClickException("JOB_QUEUE không phải \"rq\": công việc nền chạy ngay trong "
                                   "tiến trình web, không cần tiến trình riêng.")
    queue.work(burst=burst)


@jobs.command("prune")
def prune() -> None:
    """Fail jobs whose worker died; delete result files past the retention setting."""
    lost = services.expire_stale()
    removed = services.prune()
    db.session.commit()
    click.echo(f"{lost} công việc mất tiến trình; {removed} tệp kết quả đã xóa.")
