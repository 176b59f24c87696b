"""Imports and exports measured against what their libraries alone cost.

* Import: a 5,000-row workbook (and one of 10,000) for a province officer; the floor is
  openpyxl reading the same file (read-only, every cell's value); the preview is the upload
  plus every checking step until the preview page is rendered, the confirm is the one POST
  that writes the persons.
* Export: the province's registry export against plain xlsxwriter writing the same rows
  (constant_memory, the same values), both with their peak traced Python memory; and the
  whole data set's export (time, traced peak, growth of the process's peak RSS).
"""
from __future__ import annotations

import gc
import random
import resource
import statistics
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

from .data import GIVEN, MIDDLE, SURNAMES


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MB: VmHWM (getrusage's ru_maxrss
    keeps the parent's peak across exec, so a child would never seem to grow)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Import -------------------------------------------------------------------------------------

def import_file(communes: list[str], rows: int, today: date, seed: int) -> bytes:
    """A filled template: new persons of several communes, the three statuses, real dates."""
    import xlsxwriter

    from webapp.imports.columns import COLUMNS

    rng = random.Random(seed)
    out = BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet("Danh sách")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, [c.header for c in COLUMNS])
    keys = [c.key for c in COLUMNS]
    for r in range(1, rows + 1):
        status = rng.choice(("Nghiện", "Nghiện", "Sử dụng trái phép", "Nghi nghiện"))
        birth = date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28))
        on = today - timedelta(days=rng.randint(30, 2000))
        cells = {
            "full_name": f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} "
                         f"{rng.choice(GIVEN)}",
            "birth": birth, "sex": rng.choice(("Nam", "Nam", "Nữ")),
            "id_number": f"{seed % 90 + 10:02d}{r:010d}" if rng.random() < .5 else None,
            "ethnicity": rng.choice(("Kinh", "Thái", "Mông", "Tày")),
            "occupation": "Làm ruộng", "occupation_group": "Nông nghiệp",
            "unit_code": rng.choice(communes), "address": f"Thôn {rng.randint(1, 20)}",
            "status": status,
            "determination_date": on if status == "Nghiện" else None,
            "main_drug": rng.choice(("Heroin", "Ma túy tổng hợp")),
            "management_date": on if status == "Sử dụng trái phép" else None,
            "notes": None,
        }
        for c, key in enumerate(keys):
            value = cells[key]
            if isinstance(value, date):
                ws.write_datetime(r, c, value, dates)
            elif value is not None:
                ws.write_string(r, c, value)
    book.close()
    return out.getvalue()


def openpyxl_read(data: bytes) -> int:
    """The floor: openpyxl, read-only, every value of every row."""
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(data), read_only=True, data_only=False)
    count = 0
    for row in book.worksheets[0].iter_rows(values_only=True):
        count += sum(1 for v in row if v is not None)
    book.close()
    return count


POLL_SECONDS = .25


def _settle(app) -> float | None:
    """Until the in-process jobs have ended and SQLite's log is checkpointed (what the
    server's checkpoint thread does within a second): its time, or None on PostgreSQL."""
    from webapp.jobs import queue
    from webapp.ops import sqlite

    queue.wait()
    with app.app_context():
        from webapp.extensions import db

        if db.engine.dialect.name != "sqlite":
            return None
        path = db.engine.url.database
    started = time.perf_counter()
    sqlite.checkpoint(path)
    return _ms(started)


def measure_import(app, username: str, password: str, communes: list[str], rows: int,
                   today: date, seed: int) -> dict:
    from .run import Timer  # noqa: F401  (same sign-in)

    data = import_file(communes, rows, today, seed)
    floors = []
    for _ in range(3):
        started = time.perf_counter()
        openpyxl_read(data)
        floors.append(_ms(started))
    floor = statistics.median(floors)
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.status_code
    started = time.perf_counter()
    response = client.post("/imports/", data={"file": (BytesIO(data), "bench.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code
    upload_ms = _ms(started)
    job = response.location.rstrip("/").rsplit("/", 1)[-1]
    one = time.perf_counter()
    page = client.get(f"/imports/{job}")
    assert page.status_code == 200
    # Every request counts, the upload (which takes the first checking step) included.
    polls, slowest = 1, max(upload_ms, _ms(one))
    while b'hx-trigger="every' in page.data or b"hx-trigger='every" in page.data:
        one = time.perf_counter()
        page = client.get(f"/imports/{job}/progress", headers={"HX-Request": "true"})
        slowest = max(slowest, _ms(one))
        polls += 1
        assert page.status_code in (200, 286), page.status_code
        if page.status_code == 286:
            break
    preview_ms = _ms(started)
    text = page.get_data(as_text=True)
    assert "confirm" in text, "the preview offers no confirmation"
    started, clicked = time.perf_counter(), datetime.now(timezone.utc).replace(tzinfo=None)
    response = client.post(f"/imports/{job}/confirm")
    slowest = max(slowest, _ms(started))
    assert response.status_code in (200, 303), response.status_code
    background = "/jobs/" in (response.location or "")
    if background:
        # Above JOB_IMPORT_ROWS the POST only starts a job: the confirmation lasts from the
        # click until that job has written the rows, by the job's own finishing time. Its
        # status is polled as the job page does, every POLL_SECONDS (the polls run in this
        # process too, so they slow the job a little: not flattering).
        status = response.location.rstrip("/") + "/status"
        while True:
            one = time.perf_counter()
            page = client.get(status, headers={"HX-Request": "true"})
            slowest = max(slowest, _ms(one))
            assert page.status_code in (200, 286), page.status_code
            if page.status_code == 286:
                break
            time.sleep(POLL_SECONDS)
    confirm_ms = _ms(started)
    checkpoint_ms = _settle(app)
    job_ms = None
    if background:
        with app.app_context():
            from webapp.extensions import db
            from webapp.jobs.models import Job

            done = db.session.get(Job, int(response.location.rstrip("/").rsplit("/", 1)[-1]))
            job_ms = round((done.finished_at - done.created_at).total_seconds() * 1000, 1)
            # Not the moment the last poll saw it: that only tells the poll's interval.
            confirm_ms = round((done.finished_at - clicked).total_seconds() * 1000, 1)
    with app.app_context():
        from webapp.extensions import db
        from webapp.imports.models import ImportJob

        summary = db.session.get(ImportJob, int(job)).summary or {}
    # A refused confirmation is fast and measures nothing: it must have written the rows.
    assert summary.get("created"), f"the confirmation wrote nothing: {summary}"
    return {"rows": rows, "openpyxl_ms": floor, "upload_ms": upload_ms,
            "preview_ms": preview_ms, "requests": polls + 1, "slowest_request_ms": slowest,
            "confirm_ms": confirm_ms, "confirm_in_background": background,
            # The log's checkpoint after it, by the server's own thread (SQLite): waited for
            # here, so that it runs during none of the next measurements.
            "checkpoint_ms": checkpoint_ms,
            "confirm_job_ms": job_ms,  # queued → finished, by the job's own timestamps
            "created": summary.get("created", 0),
            "preview_x": round(preview_ms / floor, 2), "confirm_x": round(confirm_ms / floor, 2)}


# --- Export -------------------------------------------------------------------------------------

def plain_xlsxwriter(rows: list[list]) -> None:
    """The floor: xlsxwriter alone streaming the same cells (a bordered format on every cell
    of the table, empty ones too, as a printed list has; dates as dates), nothing else."""
    import tempfile

    import xlsxwriter

    with tempfile.TemporaryFile() as stream:
        book = xlsxwriter.Workbook(stream, {"constant_memory": True})
        ws = book.add_worksheet()
        cell = book.add_format({"border": 1, "text_wrap": True})
        dates = book.add_format({"border": 1, "num_format": "dd/mm/yyyy"})
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if value is None or value == "":
                    ws.write_blank(r, c, None, cell)
                elif isinstance(value, str):
                    ws.write_string(r, c, value, cell)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, value, dates)
                else:
                    ws.write_number(r, c, value, cell)
        book.close()


def _export_rows(app, username: str) -> list[list]:
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.exports import workbooks
    from webapp.extensions import db
    from webapp.registry.queries import PersonFilters

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == username))
        filters = PersonFilters.from_args({})
        return list(workbooks.registry_rows(workbooks.registry_select(user, filters),
                                            workbooks.scoped_unit_names(user)))


def _traced(fn) -> tuple[float, float]:
    """(ms, peak traced MB) of one call."""
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    fn()
    ms = _ms(started)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return ms, round(peak / 2 ** 20, 1)


def measure_export(app, timer, username_province: str, reps: int = 5) -> dict:
    rows = _export_rows(app, username_province)
    client = timer.clients["province"]

    def export():
        response = client.get("/persons/export.xlsx")
        assert response.status_code == 200
        response.close()

    plain, ours = [], []
    for _ in range(reps):
        started = time.perf_counter()
        plain_xlsxwriter(rows)
        plain.append(_ms(started))
        started = time.perf_counter()
        export()
        ours.append(_ms(started))
    _, plain_peak = _traced(lambda: plain_xlsxwriter(rows))
    _, ours_peak = _traced(export)
    floor, ms = statistics.median(plain), statistics.median(ours)
    return {"rows": len(rows), "plain_xlsxwriter_ms": floor, "ms": ms,
            "x": round(ms / floor, 2), "plain_peak_mb": plain_peak, "peak_mb": ours_peak}


def measure_country_export(url: str) -> dict:
    """The registry export of the whole data set, in a process of its own so that its peak
    RSS is the export's alone: time, rows, bytes, RSS at the start and its growth."""
    import json
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "bench.files", "country", url],
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _country_export(url: str) -> dict:
    """Written by the export's own code for a stand-in user whose unit holds every province
    (as a national officer would take it), streamed to a temporary file, and recorded in the
    audit log as the route records it (rolled back)."""
    from types import SimpleNamespace

    from sqlalchemy import select

    from webapp import create_app
    from webapp.audit import services as audit
    from webapp.exports import workbooks
    from webapp.extensions import db
    from webapp.registry.queries import PersonFilters
    from webapp.units.models import Unit

    from .run import _config

    app = create_app(_config(url))
    with app.test_request_context():
        first = db.session.scalar(select(Unit).where(Unit.level == "province")
                                  .order_by(Unit.code).limit(1))
        country = Unit(code="VN", name="Toàn quốc", kind="tinh", level="province", path="/",
                       valid_from=first.valid_from)
        user = SimpleNamespace(unit=country, unit_id=None, role="province", id=None)
        gc.collect()
        rss_before = _rss_mb()
        started = time.perf_counter()
        filters = PersonFilters.from_args({})
        export = workbooks.registry_workbook(user, filters)
        # The route's record of the file too (every person's id goes through it), written
        # and then rolled back with the rest.
        audit.record("export", "Person", None,
                     {"filters": audit.filters_for_log(filters.as_args(page=1)),
                      "rows": export.rows, "format": "xlsx"}, persons=export.person_ids)
        db.session.flush()
        size = 0
        while chunk := export.stream.read(1 << 20):
            size += len(chunk)
        ms = _ms(started)
        export.stream.close()
        db.session.rollback()
    return {"rows": export.rows, "ms": ms, "bytes": size, "rss_start_mb": round(rss_before, 1),
            "rss_growth_mb": round(_rss_mb() - rss_before, 1)}


if __name__ == "__main__":
    import json
    import sys

    if sys.argv[1] == "country":
        print(json.dumps(_country_export(sys.argv[2])))
