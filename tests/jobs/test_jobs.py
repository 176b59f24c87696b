"""Long work as background jobs: an export runs to done and only its owner downloads it; a job
whose worker died is reported failed; a big import confirmation is written by a job; the RQ
queue on the local Redis runs the same jobs and keeps them across a worker restart."""
from __future__ import annotations

import uuid
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.imports.columns import COLUMNS
from webapp.jobs import queue, services
from webapp.jobs.models import Job, JobStatus
from webapp.registry import services as registry
from webapp.registry.models import Person
from webapp.timeutil import now_utc
from webapp.units.models import Unit

HX = {"HX-Request": "true"}


def register(app, demo, name="Lò Văn Pọm", code="99101", username="xa") -> int:
    with app.app_context():
        user = db.session.get(User, demo["users"][username])
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        data = {"full_name": name, "sex": "M", "birth_year": 1990, "unit": unit}
        assert registry.validate_person(data, user) == {}
        person = registry.save_person(None, data, user)
        db.session.commit()
        return person.id


def job_of(app, job_id) -> Job:
    with app.app_context():
        found = db.session.get(Job, job_id)
        db.session.expunge(found)
        return found


def start_export(client, **filters) -> int:
    response = client.post("/jobs/registry-export", data=filters)
    assert response.status_code == 303, response.status_code
    assert response.location.startswith("/jobs/")
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def make_job(app, demo, username="xa", **fields) -> int:
    with app.app_context():
        user = db.session.get(User, demo["users"][username])
        job = Job(kind="registry_export", user_id=user.id, unit_id=user.unit_id,
                  params={"filters": {}}, **fields)
        db.session.add(job)
        db.session.commit()
        return job.id


def test_a_registry_export_runs_in_process_to_done_with_a_download_link(app, login_as, demo):
    register(app, demo, "Lò Văn Pọm")
    register(app, demo, "Quàng Thị Xuân")
    client = login_as("xa")
    job_id = start_export(client, q="pom")
    queue.wait()
    job = job_of(app, job_id)
    assert job.status == JobStatus.DONE.value, job.message
    assert job.progress_done == 1 and job.started_at and job.finished_at
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Đã xong" in page and f"/jobs/{job_id}/download" in page
    assert "hx-get" not in page  # a finished job polls no more

    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    cells = [c.value for row in load_workbook(BytesIO(response.data)).active.iter_rows()
             for c in row]
    assert "Lò Văn Pọm" in cells and "Quàng Thị Xuân" not in cells  # the list's search held
    with app.app_context():
        actions = {(e.action, e.object_type, e.user_id) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["export", "download"])))}
    xa = demo["users"]["xa"]
    assert ("export", "Person", xa) in actions  # the job acts for its owner
    assert ("download", "Job", xa) in actions


def test_the_job_fragment_polls_while_running_and_stops_with_286_when_done(app, login_as, demo):
    client = login_as("xa")
    waiting = make_job(app, demo, status=JobStatus.RUNNING.value, heartbeat_at=now_utc())
    response = client.get(f"/jobs/{waiting}/status", headers=HX)
    assert response.status_code == 200
    assert f'hx-get="/jobs/{waiting}/status"' in response.get_data(as_text=True)
    finished = make_job(app, demo, status=JobStatus.DONE.value, message="Xong.",
                        finished_at=now_utc())
    response = client.get(f"/jobs/{finished}/status", headers=HX)
    assert response.status_code == 286
    assert "hx-get" not in response.get_data(as_text=True)
    # Without JavaScript the status URL leads to the page, which a refresh brings up to date.
    response = client.get(f"/jobs/{waiting}/status")
    assert response.status_code == 303 and response.location.endswith(f"/jobs/{waiting}")
    assert "tải lại trang" in client.get(f"/jobs/{waiting}").get_data(as_text=True)


def test_another_user_cannot_open_or_download_the_result(app, login_as, demo):
    register(app, demo)
    job_id = start_export(login_as("xa"))
    queue.wait()
    assert job_of(app, job_id).status == JobStatus.DONE.value
    for username in ("xa2", "huyen", "tinh"):  # even reviewers who may see xa's commune
        client = login_as(username)
        assert client.get(f"/jobs/{job_id}/download").status_code == 404
        assert client.get(f"/jobs/{job_id}").status_code == 404
        assert client.get(f"/jobs/{job_id}/status", headers=HX).status_code == 404
    assert login_as("admin").get(f"/jobs/{job_id}/download").status_code == 403


def test_a_job_whose_worker_died_is_reported_failed_not_left_running(app, login_as, demo):
    stale = now_utc() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 60)
    lost = make_job(app, demo, status=JobStatus.RUNNING.value, started_at=stale,
                    heartbeat_at=stale)
    alive = make_job(app, demo, status=JobStatus.RUNNING.value, started_at=stale,
                     heartbeat_at=now_utc())
    client = login_as("xa")
    page = client.get(f"/jobs/{lost}").get_data(as_text=True)
    assert "Không thành công" in page and "dừng giữa chừng" in page
    assert job_of(app, lost).status == JobStatus.FAILED.value
    assert job_of(app, alive).status == JobStatus.RUNNING.value  # its heartbeat is recent
    # A worker that starts late finds the job taken: it does not run it a second time.
    with app.app_context():
        assert services.claim(db.engine, lost) is False


def test_work_that_breaks_ends_as_a_failed_job_with_a_message(app, login_as, demo, monkeypatch):
    from webapp.jobs import work

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setitem(work.KINDS, "registry_export",
                        work.Kind("Xuất danh sách đối tượng ra Excel", broken))
    job_id = start_export(login_as("xa"))
    queue.wait()
    job = job_of(app, job_id)
    assert job.status == JobStatus.FAILED.value
    assert "Có lỗi khi xử lý" in job.message and "disk full" not in job.message


def test_result_files_are_deleted_after_the_retention_period(app, login_as, demo):
    register(app, demo)
    job_id = start_export(login_as("xa"))
    queue.wait()
    with app.app_context():
        job = db.session.get(Job, job_id)
        path = Path(app.config["JOBS_DIR"]) / job.result_path
        assert path.is_file()
        job.finished_at = now_utc() - timedelta(days=8)  # retention: 7 days by default
        db.session.commit()
        assert services.prune() == 1
        db.session.commit()
    assert not path.exists()
    response = login_as("xa").get(f"/jobs/{job_id}/download")
    assert response.status_code == 303  # back to the page, which says the file is gone
    assert "đã được xóa sau 7 ngày" in login_as("xa").get(f"/jobs/{job_id}").get_data(True)


def import_file(count: int) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append([c.header for c in COLUMNS])
    keys = [c.key for c in COLUMNS]
    for i in range(count):
        row = {"full_name": f"Lò Văn Pọm {i}", "birth": str(1980 + i), "sex": "Nam",
               "ethnicity": "Thái", "unit_code": "99101", "status": "Nghi nghiện"}
        ws.append([row.get(k) for k in keys])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_big_import_confirmation_is_written_by_a_background_job(app, login_as, demo,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "JOB_IMPORT_ROWS", 2)  # "big" from three rows on
    client = login_as("xa")
    response = client.post("/imports/", data={"file": (BytesIO(import_file(3)), "ds.xlsx")},
                           content_type="multipart/form-data")
    upload_id = int(response.location.rstrip("/").rsplit("/", 1)[-1])
    assert client.get(f"/imports/{upload_id}").status_code == 200  # checked
    response = client.post(f"/imports/{upload_id}/confirm")
    assert response.status_code == 303 and response.location.startswith("/jobs/")
    job_id = int(response.location.rsplit("/", 1)[-1])
    queue.wait()
    job = job_of(app, job_id)
    assert job.status == JobStatus.DONE.value, job.message
    assert job.message == "Đã nhập 3 người vào danh sách quản lý."
    with app.app_context():
        persons = list(db.session.scalars(select(Person)))
        assert len(persons) == 3
        creators = set(db.session.scalars(select(AuditEvent.user_id).where(
            AuditEvent.object_type == "Person", AuditEvent.action == "create")))
        assert creators == {demo["users"]["xa"]}
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"/imports/{upload_id}" in page  # back to the import's result
    # Confirming again is refused by the import itself, as for a direct confirmation.
    again = int(client.post(f"/imports/{upload_id}/confirm").location.rsplit("/", 1)[-1])
    queue.wait()
    assert job_of(app, again).status == JobStatus.FAILED.value
    assert "không nhập lại" in job_of(app, again).message
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 3


# --- RQ on the local Redis ---------------------------------------------------------------------

@pytest.fixture
def rq_app(app, monkeypatch):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {url} ({exc}); the RQ path needs it")
    name = f"qlcn-test-{uuid.uuid4().hex[:8]}"  # a queue of this test's own
    monkeypatch.setitem(app.config, "JOB_QUEUE", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", name)
    yield app
    with app.app_context():
        queue.rq_queue().delete(delete_jobs=True)


def test_with_rq_a_job_waits_in_redis_until_a_worker_runs_it(rq_app, login_as, demo):
    app = rq_app
    register(app, demo)
    client = login_as("xa")
    job_id = start_export(client)
    assert job_of(app, job_id).status == JobStatus.QUEUED.value  # no worker yet
    with app.app_context():
        assert queue.rq_queue().count == 1
        # However long the worker is down, a queued job is kept, not declared lost.
        db.session.get(Job, job_id).created_at = now_utc() - timedelta(days=1)
        db.session.commit()
        services.expire_stale()
    assert job_of(app, job_id).status == JobStatus.QUEUED.value
    with app.app_context():
        queue.work(burst=True)  # the worker (re)starts and empties the queue
    job = job_of(app, job_id)
    assert job.status == JobStatus.DONE.value, job.message
    assert client.get(f"/jobs/{job_id}/download").status_code == 200


def test_with_rq_unreachable_the_job_fails_at_once_with_a_clear_message(app, login_as, demo,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "JOB_QUEUE", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    job_id = start_export(login_as("xa"))
    job = job_of(app, job_id)
    assert job.status == JobStatus.FAILED.value
    assert "Hàng đợi xử lý nền" in job.message


def test_the_worker_command_refuses_without_a_queue(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "JOB_QUEUE" in result.output


def test_a_long_registry_list_offers_the_background_export(app, login_as, demo, monkeypatch):
    register(app, demo)
    client = login_as("xa")
    assert 'id="export-background"' not in client.get("/persons/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "JOB_EXPORT_ROWS", 1)
    page = client.get("/persons/?state=all").get_data(as_text=True)
    assert 'id="export-background"' in page and 'action="/jobs/registry-export"' in page


def test_the_ministry_exports_the_countrys_statistics_in_the_background(app, login_as, demo):
    register(app, demo)
    client = login_as("trunguong")
    assert 'id="stats-background"' in client.get("/stats/").get_data(as_text=True)
    response = client.post("/jobs/stats-export", data={"unit": "C04", "from": "2024",
                                                       "to": "2025"})
    job_id = int(response.location.rsplit("/", 1)[-1])
    queue.wait()
    job = job_of(app, job_id)
    assert job.status == JobStatus.DONE.value, job.message
    assert job.result_name == "thong-ke-C04-2024-2025.xlsx"
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert load_workbook(BytesIO(download.data)).active is not None
    # A unit outside one's scope is refused before any job exists.
    with app.app_context():
        before = db.session.scalar(select(func.count(Job.id)))
    response = login_as("tinh").post("/jobs/stats-export", data={"unit": "C04", "from": "2024",
                                                                  "to": "2025"})
    assert response.status_code == 303 and response.location.startswith("/stats/")
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id))) == before
