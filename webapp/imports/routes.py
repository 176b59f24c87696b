"""Nhập từ Excel. Thin: the services read, check and write; these pages show and ask."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..audit import services as audit
from ..access import roles
from ..auth.models import OFFICER_ROLES, Role
from ..extensions import commit_keeping_loaded, db, htmx
from ..formatting import vn_number
from ..jobs import background
from ..rendering import done, render
from . import models as _models  # noqa: F401  (the table, until the app factory imports it)
from . import reader, services, template
from .columns import COLUMNS, STATUSES
from .forms import UploadForm
from .models import JobStatus

bp = Blueprint("imports", __name__, url_prefix="/imports")

OFFICERS = OFFICER_ROLES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL_DONE = 286  # htmx stops polling on this status


def _index(form: UploadForm, error: str | None = None, status: int = 200):
    return render("imports/index.html", form=form, error=error, status=status,
                  jobs=services.recent_jobs(current_user), status_labels=_status_labels())


def _status_labels() -> dict[str, str]:
    return {s.value: s.label for s in JobStatus}


@bp.route("/")
@roles(*OFFICERS)
def index():
    return _index(UploadForm(formdata=None))


@bp.route("/", methods=["POST"])
@roles(*OFFICERS)
def upload():
    try:
        form = UploadForm()
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _index(UploadForm(formdata=None), "Tệp lớn hơn 20 MB. Vui lòng chia danh sách "
                                                 "thành nhiều tệp nhỏ hơn.", 413)
    if not form.validate() and form.errors.get("csrf_token"):
        return _index(form, form.errors["csrf_token"][0], 400)
    if upload is None or not upload.filename:
        return _index(form, "Vui lòng chọn tệp Excel (.xlsx) đã điền để tải lên.", 422)
    data = upload.stream.read(reader.MAX_BYTES + 1)
    job = services.create_job(current_user, upload.filename, data)
    # The first step of checking, on the cells just read (not read back from the database).
    services.advance(job, current_user)
    job_id = job.id  # read before the commit expires the job (and its cells, read back whole)
    db.session.commit()
    return done(url_for("imports.job", job_id=job_id))


@bp.route("/template.xlsx")
@roles(*OFFICERS)
def template_xlsx():
    return send_file(template.build(current_user), mimetype=XLSX, as_attachment=True,
                     download_name="mau-nhap-danh-sach.xlsx")


def _job_page(job, status: int = 200):
    preview = None
    if job.status in (JobStatus.READY.value, JobStatus.CONFIRMED.value):
        preview = services.preview(job)
        # The preview names registered persons the file matched: who saw them is recorded.
        audit.record("view_list", "ImportJob", job.id, {"rows": len(preview.skipped)},
                     persons=[r["match"]["person_id"] for r in preview.skipped
                              if (r.get("match") or {}).get("person_id")])
        commit_keeping_loaded()  # the page shows the job as it was just read
    return render("imports/job.html", "imports/_job.html", status=status, job=job,
                  writing=background.import_confirmation(current_user, job),
                  preview=preview, statuses=STATUSES, columns=COLUMNS,
                  status_labels=_status_labels())


@bp.route("/<int:job_id>")
@roles(*OFFICERS)
def job(job_id: int):
    job = services.get_job_or_404(current_user, job_id)
    if job.status == JobStatus.CHECKING.value:  # the upload's step did not check every row
        services.advance_and_save(job, current_user)
    return _job_page(job)


@bp.route("/<int:job_id>/progress")
@roles(*OFFICERS)
def progress(job_id: int):
    """Polled by the progress bar: each poll checks the next chunk of rows."""
    job = services.get_job_or_404(current_user, job_id)
    if not htmx:
        return redirect(url_for("imports.job", job_id=job.id), 303)
    if job.status == JobStatus.CHECKING.value:
        services.advance_and_save(job, current_user)
    return _job_page(job, 200 if job.status == JobStatus.CHECKING.value else POLL_DONE)


@bp.route("/<int:job_id>/confirm", methods=["POST"])
@roles(*OFFICERS)
def confirm(job_id: int):
    job = services.get_job_or_404(current_user, job_id)
    if job.progress_total > current_app.config["JOB_IMPORT_ROWS"]:
        return redirect(url_for("jobs.page", job_id=background.confirm_in_background(current_user, job).id),
                        303)
    try:
        created = services.confirm_and_save(job, current_user)
    except services.ImportRefused as refused:
        return done(url_for("imports.job", job_id=job_id), refused.message, "error")
    return done(url_for("imports.job", job_id=job_id),
                f"Đã nhập {vn_number(created)} người vào danh sách quản lý.")
