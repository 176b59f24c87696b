"""Starting the jobs other blueprints hand over (so they need not know the queue)."""
from __future__ import annotations

from ..extensions import db
from . import queue, services
from .models import Job


def import_confirmation(user, upload) -> Job | None:
    """The background confirmation of an upload, if one was started."""
    return services.active_for(user, "import_confirm", "import_job_id", upload.id)


def confirm_in_background(user, upload) -> Job:
    """A big upload's confirmation as a job; clicking twice gives the job already going."""
    running = import_confirmation(user, upload)
    if running is not None and not running.finished:
        return running
    # No total: the rows are written in one transaction, so there is no step to count.
    job = services.create(user, "import_confirm",
                          {"import_job_id": upload.id, "rows": upload.progress_total},
                          unit_id=upload.unit_id)
    db.session.commit()
    queue.submit(job.id)
    return job
