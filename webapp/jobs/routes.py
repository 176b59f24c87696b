"""Background jobs: start one, watch it (a fragment that polls itself), download its file."""
from __future__ import annotations

from flask import Blueprint, redirect, request, send_file, url_for
from flask_login import current_user

from .. import settings
from ..access import roles
from ..audit import services as audit
from ..auth.models import OFFICER_ROLES
from ..extensions import db, htmx
from ..forms import BaseForm
from ..rendering import done, render
from ..registry.queries import PersonFilters
from ..scoping import scoped_units
from ..stats import services as stats
from ..units.models import Unit
from . import queue, services
from .models import STATUS_LABELS
from .work import KINDS

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

POLL_DONE = 286  # htmx stops polling on this status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(job) -> dict:
    kind = KINDS.get(job.kind)
    back = None
    if kind and kind.back:
        endpoint, keys = kind.back
        back = url_for(endpoint, **{arg: (job.params or {}).get(key) for key, arg in keys.items()})
    return {"job": job, "kind": kind, "back": back,
            "settings_retention": settings.get("job_result_retention_days"),
            "status_labels": {s.value: s.label for s in STATUS_LABELS}}


@bp.route("/")
@roles(*OFFICER_ROLES)
def index():
    services.expire_stale()
    return render("jobs/index.html", jobs=services.recent(current_user), kinds=KINDS,
                  status_labels={s.value: s.label for s in STATUS_LABELS})


@bp.route("/<int:job_id>")
@roles(*OFFICER_ROLES)
def page(job_id: int):
    job = services.get_job_or_404(current_user, job_id)
    services.expire_stale()
    db.session.refresh(job)
    return render("jobs/page.html", "jobs/_job.html", **_context(job))


@bp.route("/<int:job_id>/status")
@roles(*OFFICER_ROLES)
def status(job_id: int):
    """Polled by the job's fragment until it has finished (then 286 stops the polling)."""
    job = services.get_job_or_404(current_user, job_id)
    if not htmx:
        return redirect(url_for("jobs.page", job_id=job.id), 303)
    services.expire_stale()
    db.session.refresh(job)
    return render("jobs/page.html", "jobs/_job.html", status=POLL_DONE if job.finished else 200,
                  **_context(job))


@bp.route("/<int:job_id>/download")
@roles(*OFFICER_ROLES)
def download(job_id: int):
    job = services.get_job_or_404(current_user, job_id)
    path = services.result_file(job)
    if path is None:
        return redirect(url_for("jobs.page", job_id=job.id), 303)
    audit.record("download", "Job", job.id, {"kind": job.kind, "rows": job.progress_done})
    db.session.commit()
    response = send_file(path, mimetype=XLSX, as_attachment=True, download_name=job.result_name,
                         max_age=0, etag=False, last_modified=None, conditional=False)
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/stats-export", methods=["POST"])
@roles(*OFFICER_ROLES)
def stats_export():
    """The yearly statistics of a unit in scope, made in the background (a province, the
    country: every figure of several years)."""
    form = BaseForm()
    back = url_for("stats.index")
    if not form.validate():
        return done(back, "Phiên làm việc đã hết hạn. Vui lòng tải lại trang.", "error")
    unit = db.session.scalar(scoped_units(current_user).where(
        Unit.code == (request.form.get("unit") or "").strip()))
    first, last, errors = stats.parse_years(request.form)
    if unit is None or errors:
        return done(back, "Đơn vị hoặc năm không hợp lệ; vui lòng chọn lại.", "error")
    job = services.create(current_user, "stats_export",
                          {"unit": unit.code, "from": first, "to": last}, unit_id=unit.id)
    db.session.commit()
    queue.submit(job.id)
    return done(url_for("jobs.page", job_id=job.id))


@bp.route("/registry-export", methods=["POST"])
@roles(*OFFICER_ROLES)
def registry_export():
    """The registry list with the list's filters, written in the background (a big list)."""
    form = BaseForm()
    if not form.validate():
        return done(url_for("registry.index"), "Phiên làm việc đã hết hạn. Vui lòng tải lại "
                                               "trang.", "error")
    filters = PersonFilters.from_args(request.form)
    job = services.create(current_user, "registry_export",
                          {"filters": filters.as_args(page=1)})
    db.session.commit()
    queue.submit(job.id)
    return done(url_for("jobs.page", job_id=job.id))
