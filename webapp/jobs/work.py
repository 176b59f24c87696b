"""What each kind of job does: thin wrappers around the plain work functions of the exports
and the imports, which stay callable (and tested) on their own."""
from __future__ import annotations

import shutil
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from werkzeug.datastructures import MultiDict

from ..audit import services as audit
from ..auth.models import User
from ..extensions import db
from ..formatting import vn_number
from ..timeutil import today_local
from .models import Job

Progress = Callable[..., None]  # progress(done=None, total=None, message=None)


@dataclass
class Outcome:
    message: str
    file: Path | None = None  # written under the jobs directory
    name: str | None = None  # the download's name
    done: int | None = None


class Refused(Exception):
    """The work cannot go ahead for a reason the user can act on (shown as the job's message)."""


def registry_export(job: Job, user: User, progress: Progress, folder: Path) -> Outcome:
    from ..exports import workbooks
    from ..registry.queries import PersonFilters

    filters = PersonFilters.from_args(MultiDict(job.params.get("filters") or {}))
    today = today_local()
    progress(message="Đang tạo tệp Excel…")
    export = workbooks.registry_workbook(user, filters, today)
    target = _save(export.stream, folder, job)
    # The same record as the direct download: who took which list, and whom it holds.
    audit.record("export", "Person", None,
                 {"filters": audit.filters_for_log(filters.as_args(page=1)), "rows": export.rows,
                  "format": "xlsx", "job": job.id}, persons=export.person_ids)
    db.session.commit()
    return Outcome(f"Đã tạo tệp Excel: {vn_number(export.rows)} người.", target,
                   f"danh-sach-doi-tuong-{export.unit_code}-{today.strftime('%d-%m-%Y')}.xlsx",
                   export.rows)


def _save(stream, folder: Path, job: Job) -> Path:
    target = folder / f"{job.id}-{secrets.token_hex(8)}.xlsx"
    with stream as source, open(target, "xb") as out:
        target.chmod(0o600)
        shutil.copyfileobj(source, out)
    return target


def stats_export(job: Job, user: User, progress: Progress, folder: Path) -> Outcome:
    """The yearly statistics of a big unit (a province, the country) as Excel."""
    from ..scoping import scoped_units
    from ..stats import services as stats
    from ..stats.workbook import stats_workbook
    from ..units.models import Unit

    params = job.params or {}
    unit = db.session.scalar(scoped_units(user).where(Unit.code == params.get("unit")))
    if unit is None:
        raise Refused("Đơn vị không còn trong phạm vi của bạn.")
    first, last = int(params["from"]), int(params["to"])
    progress(message="Đang tính số liệu…")
    found = stats.yearly(unit, first, last)
    progress(message="Đang tạo tệp Excel…")
    target = _save(stats_workbook(unit, first, last, stats.table(found),
                                  stats.paragraphs(found), stats.rule_caption(found)),
                   folder, job)
    audit.record("export", "Stats", None,
                 {"unit": unit.code, "from": first, "to": last, "job": job.id})
    db.session.commit()
    return Outcome(f"Đã tạo tệp thống kê {unit.name}, {first}–{last}.", target,
                   f"thong-ke-{unit.code}-{first}-{last}.xlsx")


def import_confirm(job: Job, user: User, progress: Progress, folder: Path) -> Outcome:
    from sqlalchemy.orm import defer

    from ..imports import services as imports
    from ..imports.models import ImportJob
    from ..ops.gcpause import cycle_collector_paused

    # The cells are not read: the confirmation writes from the checked rows (imports.confirm).
    with cycle_collector_paused():  # the rows' outcomes: thousands of small dicts
        upload = db.session.get(ImportJob, job.params["import_job_id"],
                                options=[defer(ImportJob.rows)])
    if upload is None or upload.user_id != user.id:
        raise Refused("Không tìm thấy tệp đã tải lên.")
    progress(message=f"Đang ghi {vn_number(upload.progress_total)} dòng của tệp "
                     f"“{upload.filename}”…")
    try:
        created = imports.confirm_and_save(upload, user)
    except imports.ImportRefused as refused:
        raise Refused(refused.message) from None
    return Outcome(f"Đã nhập {vn_number(created)} người vào danh sách quản lý.", done=created)


@dataclass(frozen=True)
class Kind:
    label: str
    run: Callable[[Job, User, Progress, Path], Outcome]
    # Where the user goes back to from the job page (endpoint, params key → url argument).
    back: tuple[str, dict[str, str]] | None = None


KINDS: dict[str, Kind] = {
    "registry_export": Kind("Xuất danh sách đối tượng ra Excel", registry_export,
                            ("registry.index", {})),
    "stats_export": Kind("Xuất số liệu thống kê theo năm ra Excel", stats_export,
                         ("stats.index", {"unit": "unit", "from": "from", "to": "to"})),
    "import_confirm": Kind("Ghi danh sách nhập từ Excel", import_confirm,
                           ("imports.job", {"import_job_id": "job_id"})),
}
