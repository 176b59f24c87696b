"""Importing persons from Excel: upload → check (chunk by chunk) → preview → confirm.

Every rule about a person is the registry's (`registry.services`); this module only reads the
cells, maps the Vietnamese texts to codes, finds who is already registered, and writes the
clean rows in one transaction on confirmation. Nothing reaches the registry before that.
"""
from __future__ import annotations

import hashlib
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from openpyxl.utils.datetime import from_excel
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from .. import settings
from ..audit import services as audit
from ..auth.models import User
from ..extensions import commit_keeping_loaded, db
from ..forms import DateParseError, input_problem, parse_birth, parse_vn_date
from ..ops import bulk
from ..ops.gcpause import cycle_collector_paused
from ..registry import services as registry
from ..registry.models import PERSON_FIELDS, Person, PersonEvent, PersonPeriod
from ..registry.vocab import DRUGS, ETHNICITY_CODES, OCCUPATION_GROUPS, EventKind
from ..scoping import get_owned_or_404, in_scope, province_of
from ..timeutil import now_utc, to_local, today_local
from ..units.models import Level, Unit
from ..vntext import fold
from . import legacy, reader
from .columns import COLUMNS, STATUSES
from .models import ImportJob, JobStatus

CHUNK = 2500  # rows checked between two looks at the clock (a tenth to a quarter of a second)
STEP_SECONDS = 3.0  # checking done by one request (upload page or progress poll)
KEEP_DAYS = 30  # an unconfirmed upload's cells are dropped after this
PLACEHOLDER = "Chưa rõ (nhập từ Excel)"
MAX_SHOWN = 1000  # bad cells / conversions listed on the preview; the counts are always whole

ELSEWHERE = "Có thể trùng với hồ sơ cùng họ tên, năm sinh tại"
FORMULA = "Ô chứa công thức; vui lòng dán giá trị (Dán đặc biệt → Giá trị) thay cho công thức."


class ImportRefused(Exception):
    """A confirmation that cannot go ahead; `message` tells the user why."""

    def __init__(self, message: str, changed: bool = False):
        super().__init__(message)
        self.message = message
        self.changed = changed


# --- Jobs -----------------------------------------------------------------------------------

def get_job_or_404(user: User, job_id: int) -> ImportJob:
    """A job is its uploader's alone: anyone else gets 404, as for anything out of scope."""
    # The cells and results (megabytes for a large file) are loaded only when read.
    return get_owned_or_404(ImportJob, user, job_id,
                            [defer(ImportJob.rows), defer(ImportJob.results)])


def recent_jobs(user: User, limit: int = 20) -> list[ImportJob]:
    return list(db.session.scalars(
        select(ImportJob).where(ImportJob.user_id == user.id)
        .options(defer(ImportJob.rows), defer(ImportJob.results))
        .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)))


def forget_old_jobs(user: User) -> None:
    """The cells of an upload are personal data: an unconfirmed upload is not kept for ever."""
    cutoff = now_utc() - timedelta(days=KEEP_DAYS)
    for old in db.session.scalars(select(ImportJob).where(
            ImportJob.user_id == user.id, ImportJob.created_at < cutoff,
            ImportJob.status.in_([JobStatus.CHECKING.value, JobStatus.READY.value]))):
        old.status, old.rows, old.results = JobStatus.FAILED.value, None, []
        old.error = (f"Lần tải lên này đã quá {KEEP_DAYS} ngày mà chưa được xác nhận nên dữ "
                     "liệu đã được xóa. Vui lòng tải tệp lên lại.")


@cycle_collector_paused()
def create_job(user: User, filename: str, data: bytes) -> ImportJob:
    """Read the upload into a job; a file that cannot be imported gives a failed job."""
    forget_old_jobs(user)
    job = ImportJob(user_id=user.id, unit_id=user.unit_id, filename=_safe_name(filename),
                    file_size=len(data), file_sha256=hashlib.sha256(data).hexdigest(),
                    rows=None, results=[])
    db.session.add(job)
    try:
        found = reader.read(data)
    except reader.FileRefused as refused:
        job.status, job.error = JobStatus.FAILED.value, refused.message
        db.session.flush()
        return job
    notices = list(found.notices)
    earlier = db.session.scalar(
        select(ImportJob).where(ImportJob.user_id == user.id,
                                ImportJob.file_sha256 == job.file_sha256,
                                ImportJob.status == JobStatus.CONFIRMED.value)
        .order_by(ImportJob.id.desc()).limit(1))
    if earlier is not None:
        notices.append(f"Bạn đã nhập tệp này lúc {_when(earlier.confirmed_at)}; những người "
                       "đã có hồ sơ sẽ được bỏ qua, không thêm lần nữa.")
    job.meta = {"sheet": found.sheet, "header_line": found.header_line,
                "columns": found.columns, "notices": notices}
    # Stored only if the checking goes on after the upload's own step (advance).
    job.cells_read = found.rows
    job.progress_total = len(found.rows)
    db.session.flush()
    return job


def _safe_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if c.isprintable()).strip()
    return (name or "tep-tai-len.xlsx")[:255]


def _when(moment: datetime | None) -> str:
    return to_local(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


@cycle_collector_paused()
def advance(job: ImportJob, user: User, limit: int | None = None) -> bool:
    """Check the next rows, CHUNK by CHUNK until STEP_SECONDS have passed (at least one chunk,
    or only `limit` rows); True once every row is checked. The caller commits.

    Time, not a count, bounds a step: a small file is checked by the upload's own request and
    a big one in a few more (the job page, its polls), each well below the worker's timeout
    whatever the machine. The test suite sets STEP_SECONDS to 0 for one CHUNK per step."""
    if job.status != JobStatus.CHECKING.value:
        return True
    rows = job.cells_read if job.cells_read is not None else job.rows or []
    start = done = job.progress_done
    seen: dict[str, int] = {}
    for result in job.results or []:
        for key in result.get("keys", ()):
            seen.setdefault(key, result["line"])
    new: list[dict] = []
    memo: dict = {}
    began = time.monotonic()
    while done < len(rows):
        size = limit or CHUNK
        new.extend(c.result for c in check_rows(rows[done:done + size], user, seen,
                                                job.filename, memo))
        done += size
        if limit or time.monotonic() - began >= STEP_SECONDS:
            break
    # Assigned once per step: the JSON column is written whole, so not once per chunk.
    job.results = list(job.results or []) + new if start else new
    job.progress_done = min(done, len(rows))
    if job.progress_done >= len(rows):
        job.status = JobStatus.READY.value
        job.summary = summarize(job.results)
        # Checked: the confirmation writes from the results (their clean data), the cells
        # (personal data, megabytes) are not kept any longer.
        job.rows = None
    elif job.cells_read is not None:
        job.rows, job.cells_read = rows, None  # for the next steps, in other requests
    return job.status != JobStatus.CHECKING.value


def advance_and_save(job: ImportJob, user: User) -> None:
    """One step of checking, committed; a step taken meanwhile by another worker wins."""
    try:
        advance(job, user)
        # What was just written is what the page shows: not read back from the database.
        commit_keeping_loaded()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(job)


# --- Reading the cells ------------------------------------------------------------------------

@dataclass
class Checked:
    """One row: the JSON shown on the preview, and (when clean) what the confirmation writes."""

    result: dict
    data: dict | None = None
    events: list[tuple[EventKind, dict]] = field(default_factory=list)


class _Row:
    def __init__(self, raw: dict, memo: dict | None = None):
        self.line = raw["line"]
        self.cells = raw["cells"]
        self.memo = memo if memo is not None else {}
        # A row is typed in one go: its clearly legacy cells decide for its ambiguous ones.
        self.hint = legacy.common_encoding(
            _collapsed_nfc(v) for v in self.cells.values() if isinstance(v, str))
        self.errors: list[list[str]] = [[p["col"], p["msg"]] for p in raw.get("problems", ())]
        self.notes: list[list[str]] = []
        self.conversions: list[list[str]] = []

    def error(self, key: str, message: str) -> None:
        if not any(k == key for k, _ in self.errors):
            self.errors.append([key, message])

    def has_error(self, key: str) -> bool:
        return bool(self.errors) and any(k == key for k, _ in self.errors)

    def raw(self, key: str):
        """The cell's value, with formulas and Excel errors reported; None when empty."""
        value = self.cells.get(key)
        if isinstance(value, dict):
            if "formula" in value:
                self.error(key, FORMULA)
            elif "error" in value:
                self.error(key, f"Ô đang báo lỗi {value['error']}; vui lòng nhập giá trị đúng.")
            else:
                return value
            return None
        # The form layer's rule, for cells too (line breaks are fine: they are collapsed).
        problem = input_problem(value, multiline=True) if isinstance(value, str) else None
        if problem:
            self.error(key, problem)
            return None
        return value

    def _memoised(self, key: str, args: tuple, compute):
        """`compute()` once per text value: the columns repeat their values (sexes, statuses,
        communes, peoples, drugs) and a text cell's outcome depends only on the text, the
        row's legacy hint and the arguments. Its effects on the row (errors, notes,
        conversions) are recorded the first time and replayed on the next rows."""
        value = self.cells.get(key)
        if type(value) is not str or (self.errors and self.has_error(key)):
            return compute()
        memo_key = (key, value, self.hint, args)
        hit = self.memo.get(memo_key)
        if hit is None:
            errors, notes, conversions = len(self.errors), len(self.notes), len(self.conversions)
            out = compute()
            effects = None
            if len(self.errors) > errors or len(self.notes) > notes or \
                    len(self.conversions) > conversions:
                effects = ([tuple(e) for e in self.errors[errors:]],
                           [tuple(n) for n in self.notes[notes:]],
                           [tuple(c) for c in self.conversions[conversions:]])
            self.memo[memo_key] = (out, effects)
            return out
        out, effects = hit
        if effects is not None:
            for error_key, message in effects[0]:
                self.error(error_key, message)
            self.notes.extend(list(n) for n in effects[1])
            self.conversions.extend(list(c) for c in effects[2])
        return out

    def text(self, key: str, multiline: bool = False, legacy_fonts: bool = True) -> str | None:
        """Trimmed, NFC, legacy fonts converted; each change is shown on the preview."""
        return self._memoised(key, ("text", multiline, legacy_fonts),
                              lambda: self._text(key, multiline, legacy_fonts))

    def _text(self, key: str, multiline: bool, legacy_fonts: bool) -> str | None:
        value = self.raw(key)
        if value is None or isinstance(value, dict):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, str):
            return str(value)
        text, changes = value, []
        composed = unicodedata.normalize("NFC", text)
        if composed != text:
            changes.append([key, "nfc", text, composed])
            text = composed
        if multiline:
            tidy = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
        else:
            tidy = " ".join(text.split())
        if tidy != text:
            changes.append([key, "trim", text, tidy])
            text = tidy
        found = legacy.detect(text, self.hint) if legacy_fonts else None
        if found is not None:
            changes.append([key, found.encoding, text, found.after])
            text = found.after
        self.conversions.extend(changes)
        return text or None

    def date(self, key: str, year_allowed: bool) -> tuple[date | None, int | None]:
        return self._memoised(key, ("date", year_allowed), lambda: self._date(key, year_allowed))

    def _date(self, key: str, year_allowed: bool) -> tuple[date | None, int | None]:
        value = self.raw(key)
        if value is None:
            return None, None
        if isinstance(value, dict):  # {"date": iso}: a real Excel date
            day = date.fromisoformat(value["date"])
            return day, day.year
        if isinstance(value, (int, float)):
            if float(value).is_integer() and 1900 <= value <= 2100:
                if year_allowed:
                    return None, int(value)
                self.error(key, f"Vui lòng nhập ngày đầy đủ dạng dd/mm/yyyy (ô chỉ có năm "
                                f"{int(value)}).")
                return None, None
            if 3000 <= value <= 80000:  # a date whose cell lost its date format
                day = from_excel(value).date()
                self.notes.append([key, f"Ô dạng số {value:g} được hiểu là ngày "
                                        f"{day:%d/%m/%Y} (số ngày của Excel)."])
                return day, day.year
            self.error(key, "Ngày không hợp lệ; vui lòng nhập dạng dd/mm/yyyy.")
            return None, None
        text = self.text(key) or ""
        if not text:
            return None, None
        try:
            if len(text) == 10 and text[4] == "-" and text[7] == "-":  # 2021-03-07
                day = date.fromisoformat(text)
                return day, day.year
            if year_allowed:
                return parse_birth(text)
            return parse_vn_date(text), None
        except (DateParseError, ValueError) as exc:
            message = str(exc) if isinstance(exc, DateParseError) else \
                "Ngày phải theo dạng dd/mm/yyyy, ví dụ 07/03/2023."
            if year_allowed:
                message += " Hoặc chỉ nhập năm sinh, ví dụ 1990."
            self.error(key, message)
            return None, None

    def choice(self, key: str, mapping: dict[str, str], message: str,
               aliases: dict[str, str] | None = None) -> str | None:
        """A value of a list. A value of the list as typed is never taken for legacy text
        ("Thái" is also TCVN3 for "Thỏi"); otherwise the converted text is tried."""
        return self._memoised(key, ("choice", id(mapping), message, id(aliases)),
                              lambda: self._choice(key, mapping, message, aliases))

    def _choice(self, key: str, mapping: dict[str, str], message: str,
                aliases: dict[str, str] | None) -> str | None:
        for legacy_fonts in (False, True):
            before = len(self.conversions)
            text = self.text(key, legacy_fonts=legacy_fonts)
            if text is None:
                return None
            folded = _compact(text)
            code = _by_compact(tuple(mapping.items())).get(folded)
            if code is not None:
                return code
            if aliases and folded in aliases:
                return aliases[folded]
            del self.conversions[before:]  # tried again below, or reported as wrong
        text = self.text(key)
        self.error(key, message.format(value=text))
        return None


@lru_cache(maxsize=1 << 14)  # pure; most columns repeat their values
def _collapsed_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


@lru_cache(maxsize=1 << 14)
def _compact(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


@lru_cache(maxsize=64)
def _by_compact(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """A list's codes by their compacted labels (the first label wins, as the loop did)."""
    out: dict[str, str] = {}
    for code, label in items:
        out.setdefault(_compact(label), code)
    return out


_ETHNICITY_ALIASES = {
    "mong": "08", "hmong": "08", "meo": "08", "ede": "12", "rade": "12", "jrai": "10",
    "bahnar": "13", "khome": "05", "bru": "23", "vankieu": "23",
    "khomu": "29", "kmu": "29", "hre": "19", "mnong": "20",
}
_STATUS_ALIASES = {
    "nguoinghienmatuy": "addict", "nghienmatuy": "addict", "conghien": "addict",
    "nguoisudungtraiphepchatmatuy": "user", "sudungtraiphepchatmatuy": "user",
    "sudungtraiphep": "user", "nghinghienchuaxacdinh": "suspected", "chuaxacdinh": "suspected",
}
_DRUG_ALIASES = {"heroine": "heroin", "mtth": "synthetic", "matuyda": "synthetic",
                 "thuoclac": "synthetic", "canxa": "cannabis"}
_SEX_ALIASES = {"nam": "M", "nu": "F", "gioitinhnam": "M", "gioitinhnu": "F"}


def _code_text(row: _Row, key: str, digits: int) -> str | None:
    """A code typed as text, or as a number that lost its leading zeros."""
    value = row.raw(key)
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, (int, float)):
        if not float(value).is_integer() or value < 0:
            row.error(key, "Giá trị phải là dãy chữ số.")
            return None
        text = str(int(value))
        if len(text) < digits:
            padded = text.zfill(digits)
            row.notes.append([key, f"Ô dạng số {text} đã được thêm số 0 ở đầu thành {padded} "
                                   "(nên định dạng cột là Văn bản)."])
            return padded
        return text
    return row.text(key)


def _parse(row: _Row, units: dict[str, Unit], user: User) -> dict:
    """The registry's data dict for this row (unit resolved), errors collected on `row`."""
    data: dict = {"full_name": row.text("full_name")}
    data["birth_date"], data["birth_year"] = row.date("birth", year_allowed=True)
    data["sex"] = row.choice("sex", {"M": "Nam", "F": "Nữ"}, "Giới tính phải là “Nam” hoặc “Nữ” "
                             "(đang ghi “{value}”).", _SEX_ALIASES)
    data["id_number"] = registry.normalize_id_number(_code_text(row, "id_number", 12))
    ethnicity = row.raw("ethnicity")
    if isinstance(ethnicity, (int, float)) and float(ethnicity).is_integer() and \
            f"{int(ethnicity):02d}" in ETHNICITY_CODES:
        data["ethnicity"] = f"{int(ethnicity):02d}"
    elif isinstance(ethnicity, str) and ethnicity.strip() in ETHNICITY_CODES:
        data["ethnicity"] = ethnicity.strip()
    else:
        data["ethnicity"] = row.choice(
            "ethnicity", ETHNICITY_CODES,
            "Dân tộc “{value}” không có trong danh mục 54 dân tộc (xem trang Hướng dẫn của "
            "tệp mẫu).", _ETHNICITY_ALIASES)
    data["occupation"] = row.text("occupation")
    data["occupation_group"] = row.choice(
        "occupation_group", OCCUPATION_GROUPS,
        "Nhóm nghề phải là “Nông nghiệp” hoặc “Phi nông nghiệp” (đang ghi “{value}”).")
    data["address"] = row.text("address")
    data["main_drug"] = row.choice(
        "main_drug", DRUGS, "Loại ma túy phải là một trong: "
        + ", ".join(f"“{v}”" for v in DRUGS.values()) + " (đang ghi “{value}”).", _DRUG_ALIASES)
    data["notes"] = row.text("notes", multiline=True)
    data["status"] = row.choice(
        "status", STATUSES, "Tình trạng phải là “Nghiện”, “Sử dụng trái phép” hoặc "
        "“Nghi nghiện” (đang ghi “{value}”).", _STATUS_ALIASES)
    if data["status"] is None and not row.has_error("status"):
        row.error("status", "Vui lòng nhập tình trạng: Nghiện, Sử dụng trái phép hoặc "
                            "Nghi nghiện.")
    data["determination_date"], _ = row.date("determination_date", year_allowed=False)
    data["management_date"], _ = row.date("management_date", year_allowed=False)
    # Communes repeat: each code's outcome (unit, errors, notes) once per step.
    data["unit"] = row._memoised("unit_code", ("unit", id(units)),
                                 lambda: _unit(row, units, user))
    return data


def _unit(row: _Row, units: dict[str, Unit], user: User) -> Unit | None:
    code = _code_text(row, "unit_code", 5)
    if code is None:
        if row.has_error("unit_code"):
            return None
        if user.unit.level == Level.COMMUNE:
            return user.unit  # an officer's own commune, as the template says
        row.error("unit_code", "Vui lòng nhập mã xã (mã đơn vị hành chính nơi cư trú).")
        return None
    unit = units.get(code)
    if unit is None:
        row.error("unit_code", f"Không có xã nào mang mã “{code[:20]}” trong danh mục đơn vị hành "
                               "chính.")
    elif unit.level != Level.COMMUNE:
        row.error("unit_code", f"Mã “{code}” là của {unit.name}, không phải mã xã, phường, thị "
                               "trấn.")
    elif not in_scope(user, unit):
        row.error("unit_code", f"{unit.name} (mã {code}) không thuộc phạm vi của bạn.")
    else:
        return unit
    return None


# Registry field → template column, to place the registry's messages on the right cell.
_FIELD_COLUMN = {"full_name": "full_name", "sex": "sex", "birth": "birth",
                 "id_number": "id_number", "ethnicity": "ethnicity", "occupation": "occupation",
                 "occupation_group": "occupation_group", "main_drug": "main_drug",
                 "unit": "unit_code", "address": "address", "notes": "notes"}


def _person_data(data: dict) -> dict:
    keys = ("full_name", "sex", "birth_date", "birth_year", "id_number", "ethnicity",
            "occupation", "occupation_group", "unit", "address", "main_drug", "notes")
    return {k: data.get(k) for k in keys}


def _events(row: _Row, data: dict, person_data: dict, filename_note: str,
            today: date | None = None) -> list[tuple[EventKind, dict]]:
    """The timeline the status implies, checked with the registry's own event rules.

    `Ngày đưa vào quản lý` is the day the person really entered the lists (the paper
    register's date) whatever the status: it becomes `listed_on`, which the periods and the
    "new on the lists this month" figure start from, not the day of the import.
    """
    status = data["status"]
    determined, listed = data["determination_date"], data["management_date"]
    events: list[tuple[EventKind, dict]] = []
    if status == "suspected" and determined is not None:
        row.error("determination_date", "Tình trạng “Nghi nghiện” là chưa có kết luận xác định "
                                        "nghiện; vui lòng để trống ô này hoặc sửa Tình trạng.")
    if status == "user":
        if determined is not None:
            row.error("determination_date", "Đã xác định nghiện thì ghi Tình trạng là "
                                            "“Nghiện”; nếu chưa, vui lòng để trống ô này.")
        if listed is None and not row.has_error("management_date"):
            row.error("management_date", "Vui lòng nhập ngày đưa vào quản lý (Tình trạng là "
                                         "Sử dụng trái phép).")
    if status == "addict" and determined is None and not row.has_error("determination_date"):
        row.error("determination_date", "Vui lòng nhập ngày xác định nghiện (Tình trạng là "
                                        "Nghiện).")
    if status == "addict" and determined is not None:
        if listed is None:
            listed = determined  # on the lists of addicts from the determination
        elif listed > determined:
            # A determination proves the person was on the lists by then (the registry's rule).
            row.notes.append(["management_date", "Ngày đưa vào quản lý sau ngày xác định "
                              f"nghiện: hồ sơ được tính trong danh sách từ {determined:%d/%m/%Y}."])
            listed = determined
    person_data["listed_on"] = listed
    if listed is not None and status == "user":
        # The user's listed day is the management decision (Mẫu 07), recorded as such.
        events.append((EventKind.MANAGEMENT, {"event_date": listed, "doc_number": PLACEHOLDER,
                                              "note": filename_note}))
    if determined is not None and status == "addict":
        events.append((EventKind.DETERMINATION, {"event_date": determined, "addicted": True,
                                                 "facility": PLACEHOLDER,
                                                 "note": filename_note}))
    typed = data["management_date"]
    today = today or today_local()
    if typed is not None and typed > today:
        row.error("management_date", "Ngày không được sau ngày hôm nay.")
    if person_data.get("birth_year") is None or row.has_error("birth"):
        return events  # the dates cannot be checked against the age yet
    born = person_data.get("birth_date")
    person = SimpleNamespace(birth_date=born, birth_year=person_data["birth_year"],
                             born_on=born or date(person_data["birth_year"], 1, 1), events=[])
    if typed is not None and not row.has_error("management_date"):
        if typed < person.born_on:
            row.error("management_date", "Ngày không được trước ngày sinh của người này.")
        elif typed.year - person.birth_year < settings.get("min_age"):
            row.error("management_date", f"Ngày này người đó chưa đủ {settings.get('min_age')} "
                                         "tuổi; không thuộc diện quản lý.")
    for kind, event in events:
        column = "management_date" if kind == EventKind.MANAGEMENT else "determination_date"
        if row.has_error(column):
            continue
        # On the event itself: what the rules fill in (a decision's term end by the duration
        # in force, trimmed texts) is what the preview stands for and the confirmation writes.
        problems = registry.validate_event(person, kind, event, today)
        for message in problems.values():
            row.error(column, message)
        person.events.append(SimpleNamespace(kind=kind.value, event_date=event["event_date"],
                                             addicted=event.get("addicted"), term_end=None,
                                             reason=None, id=None))
    return events


def check_rows(raw_rows: list[dict], user: User, seen: dict[str, int],
               filename: str = "", memo: dict | None = None) -> list[Checked]:
    """Check rows against the registry; `seen` (key → line) finds repeats across chunks;
    `memo` keeps the outcomes of the text cells across the chunks of one step."""
    memo = {} if memo is None else memo
    # The user itself, not the request's proxy to it: read for every cell of every row.
    user = getattr(user, "_get_current_object", lambda: user)()
    rows = [_Row(raw, memo) for raw in raw_rows]
    codes = set()
    for row in rows:
        value = row.cells.get("unit_code")
        if isinstance(value, (int, float)) and float(value).is_integer():
            codes.add(str(int(value)).zfill(5))
            codes.add(str(int(value)))
        elif isinstance(value, str) and not input_problem(value, multiline=True):
            codes.add(" ".join(value.split()))  # a refused cell is reported, never queried
    # The communes of the step's earlier chunks are not asked again (nor their outcomes
    # worked out again: _parse memoises them by this dict).
    units, asked = memo.setdefault("units", {}), memo.setdefault("unit_codes", set())
    codes -= asked
    if codes:
        units.update((u.code, u) for u in db.session.scalars(
            select(Unit).where(Unit.code.in_(codes))))
        asked |= codes
    parsed = [(row, _parse(row, units, user)) for row in rows]
    today = today_local()  # once, not for each date of each row

    by_id, by_name = _registered([d for _, d in parsed], user)
    note = f"Nhập từ tệp Excel “{filename}”." if filename else "Nhập từ tệp Excel."
    out = []
    for row, data in parsed:
        out.append(_check(row, data, user, seen, by_id, by_name, note, today))
    return out


def _registered(datas: list[dict], user: User) -> tuple[dict, dict]:
    """The registered persons these rows may be, set-based: by ID number (anywhere), and by
    folded name and year of birth (in the user's province)."""
    ids = {d["id_number"] for d in datas if d.get("id_number")}
    # By name and year of birth together, as _existing looks them up: a common name alone
    # matches thousands of persons of a province.
    names = {(fold(d["full_name"]), d["birth_year"]) for d in datas
             if d.get("full_name") and isinstance(d.get("birth_year"), int)}
    # Each lookup reads its index alone (SQLite's statistics count the many persons without
    # an ID number as one value, and a common name as dozens: asked for whole rows it walks
    # the table instead), the year and the province are checked here, and only the persons
    # found are read, by id, with the columns _existing needs.
    wanted = set(_numbered(ids)) if ids else set()
    if names:
        wanted.update(_named(names))
    found = db.session.execute(select(
        Person.id, Person.id_number, Person.name_folded, Person.birth_year, Person.birth_date,
        Person.unit_id).where(Person.id.in_(wanted))).all() if wanted else []
    unit_ids = {p.unit_id for p in found}
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))} \
        if unit_ids else {}
    province = province_of(user.unit) if names else None
    found_by_id = [p for p in found if p.id_number in ids]
    found_by_name = [p for p in found if (p.name_folded, p.birth_year) in names
                     and units[p.unit_id].path.startswith(province.path)]

    def person(row) -> SimpleNamespace:
        return SimpleNamespace(**row._asdict(), unit=units[row.unit_id])

    by_id = {p.id_number: person(p) for p in found_by_id}
    by_name: dict[tuple[str, int], list] = {}
    for row in found_by_name:
        by_name.setdefault((row.name_folded, row.birth_year), []).append(person(row))
    return by_id, by_name


NAMES_PER_STATEMENT = 400  # pairs, two parameters each: within SQLite's 999


def _numbered(ids: set[str]) -> list[int]:
    """The ids of the persons of these ID numbers (their unique index)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # One array parameter: thousands of IN parameters cost more to bind and parse than
        # the look-up itself.
        return list(db.session.scalars(text(
            "SELECT id FROM persons WHERE id_number = ANY(CAST(:ids AS text[]))"),
            {"ids": sorted(ids)}))
    return list(db.session.scalars(select(Person.id).where(Person.id_number.in_(ids))))


def _named(names: set[tuple[str, int]]) -> list[int]:
    """The ids of the persons of these (folded name, year of birth) pairs, each pair one seek
    of their index (ix_persons_dupe). Not by the names alone and the years checked after: a
    common name is hundreds of persons of the country, tens of thousands read for a file."""
    pairs = sorted(names)
    if db.session.get_bind().dialect.name == "postgresql":
        # As a semi-join of the distinct pairs: a nested loop over the index (a plain join
        # of thousands of pairs is planned as a hash join over the whole table).
        return list(db.session.scalars(text(
            "SELECT id FROM persons WHERE (name_folded, birth_year) IN (SELECT * FROM "
            "unnest(CAST(:names AS text[]), CAST(:years AS integer[])))"),
            {"names": [n for n, _ in pairs], "years": [y for _, y in pairs]}))
    found = []
    for start in range(0, len(pairs), NAMES_PER_STATEMENT):
        batch = pairs[start:start + NAMES_PER_STATEMENT]
        # SQLite seeks the index once per term of an OR (a row-value IN scans it whole);
        # the statement's text is built here, its values bound.
        found += db.session.connection().exec_driver_sql(
            "SELECT id FROM persons WHERE "
            + " OR ".join(["(name_folded = ? AND birth_year = ?)"] * len(batch)),
            tuple(value for pair in batch for value in pair)).scalars()
    return found


def _check(row: _Row, data: dict, user: User, seen: dict[str, int], by_id, by_name,
           note: str, today: date | None = None) -> Checked:
    person_data = _person_data(data)
    for name, message in registry.validate_person(person_data, user, today).items():
        column = _FIELD_COLUMN.get(name, "full_name")
        if not row.has_error(column):
            row.error(column, message)
    events = _events(row, data, person_data, note, today)

    keys = []
    if person_data.get("id_number"):
        keys.append(f"id:{person_data['id_number']}")
    if person_data.get("full_name") and person_data.get("birth_year") and data.get("unit"):
        born = person_data.get("birth_date")
        keys.append(f"nb:{fold(person_data['full_name'])}|{person_data['birth_year']}|"
                    f"{born.isoformat() if born else ''}|{data['unit'].code}")
    for key in keys:
        if key in seen:
            column = "id_number" if key.startswith("id:") else "full_name"
            why = "cùng số định danh" if column == "id_number" else \
                "cùng họ tên, ngày sinh và xã"
            row.error(column, f"Trùng với dòng {seen[key]} ({why}).")
        else:
            seen[key] = row.line

    match = None
    if not row.errors:
        match = _existing(row, person_data, user, by_id, by_name)

    result = {"line": row.line, "keys": keys, "data": _display(data)}
    if row.errors:
        order = {c.key: i for i, c in enumerate(COLUMNS)}
        result["errors"] = sorted(row.errors, key=lambda e: order.get(e[0], 99))
        result["status"] = "error"
    elif match is not None:
        result["status"], result["match"] = "skip", match
    else:
        result["status"] = "create"
    if row.notes:
        result["notes"] = row.notes
    if row.conversions:
        result["conversions"] = row.conversions
    if not row.errors:
        # What the confirmation writes, so that it needs not parse the cells again.
        result["write"] = _stored_data(person_data, events)
    checked = Checked(result)
    if result["status"] == "create":
        checked.data, checked.events = person_data, events
    return checked


_DATES = ("birth_date", "listed_on", "event_date", "term_end")


def _stored_data(person_data: dict, events: list[tuple[EventKind, dict]]) -> dict:
    def plain(values: dict) -> dict:  # empty values left out: kept for every row of the file
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()
                if v is not None}

    person = {k: v for k, v in person_data.items() if k != "unit"}
    person["unit_id"] = person_data["unit"].id
    return {"person": plain(person), "events": [[kind.value, plain(e)] for kind, e in events]}


def _loaded_data(stored: dict) -> tuple[dict, list[tuple[EventKind, dict]]]:
    def typed(values: dict) -> dict:
        out = dict(values)
        for key in _DATES:  # a few keys of each dict, not every key of every one
            if out.get(key):
                out[key] = date.fromisoformat(out[key])
        return out

    person = {"full_name": None, "birth_date": None, "birth_year": None, "id_number": None,
              **typed(stored["person"])}
    return person, [(EventKind(kind), typed(e)) for kind, e in stored["events"]]


def _existing(row: _Row, data: dict, user: User, by_id, by_name) -> dict | None:
    """The registered person this row is, if any; out of scope, only the commune is named."""
    if data.get("id_number") and data["id_number"] in by_id:
        person = by_id[data["id_number"]]
        if not in_scope(user, person.unit):
            # Not an oracle: the commune is named only when the name matches that file too.
            if " ".join(fold(data["full_name"]).split()) == " ".join(person.name_folded.split()):
                row.error("id_number", f"Số định danh này đã có hồ sơ tại {person.unit.name}; "
                                       "không thể nhập trùng. Nếu người này đã chuyển đến, vui "
                                       "lòng đề nghị chuyển hồ sơ.")
            else:
                row.error("id_number", "Số định danh này đã có trong hệ thống; liên hệ đơn vị "
                                       "cấp trên để xác minh.")
            return None
        return {"person_id": person.id, "reason": "id_number", "unit": person.unit.name}
    folded = fold(data["full_name"])
    elsewhere = []
    for person in by_name.get((folded, data["birth_year"]), ()):
        same_birth = (data["birth_date"] is None or person.birth_date is None
                      or person.birth_date == data["birth_date"])
        other_id = data.get("id_number") and person.id_number and \
            person.id_number != data["id_number"]
        if person.unit_id == data["unit"].id and same_birth and not other_id:
            return {"person_id": person.id, "reason": "name_birth", "unit": person.unit.name}
        if same_birth and not other_id:
            elsewhere.append(person.unit.name)
    if elsewhere:
        row.notes.append(["full_name", f"{ELSEWHERE} "
                                       f"{', '.join(sorted(set(elsewhere)))}; vẫn thêm mới. "
                                       "Vui lòng kiểm tra lại sau khi nhập."])
    return None


def _display(data: dict) -> dict:
    born = data.get("birth_date")
    unit = data.get("unit")
    return {
        "full_name": data.get("full_name"), "sex": data.get("sex"),
        "birth": born.strftime("%d/%m/%Y") if born else data.get("birth_year"),
        "id_number": data.get("id_number"), "unit": unit.name if unit else None,
        "status": data.get("status"),
    }


def summarize(results: list[dict]) -> dict:
    counts = {"rows": len(results), "create": 0, "skip": 0, "error": 0, "cells": 0,
              "tcvn3": 0, "vni": 0, "nfc": 0, "trim": 0, "user_rows": 0, "addict_rows": 0}
    for result in results:
        counts[result["status"]] += 1
        counts["cells"] += len(result.get("errors", ()))
        for _, kind, *_ in result.get("conversions", ()):
            counts[kind] += 1
        if result["status"] == "create":
            status = result["data"].get("status")
            counts["user_rows"] += status == "user"
            counts["addict_rows"] += status == "addict"
    return counts


# --- The preview ----------------------------------------------------------------------------

@dataclass
class Preview:
    job: ImportJob
    summary: dict
    errors: list[tuple[int, str, str]]
    notes: list[tuple[int, str, str]]
    conversions: list[tuple[int, str, str, str, str]]
    created: list[dict]
    skipped: list[dict]
    shown_limit: int = MAX_SHOWN

    @property
    def can_confirm(self) -> bool:
        return (self.job.status == JobStatus.READY.value and self.summary["error"] == 0
                and self.summary["create"] > 0)


CONVERSION_LABELS = {"tcvn3": "Phông TCVN3 (.VnTime) → Unicode",
                     "vni": "Phông VNI (VNI-Times) → Unicode",
                     "nfc": "Unicode tổ hợp → Unicode dựng sẵn (NFD → NFC)",
                     "trim": "Bỏ khoảng trắng thừa"}


@cycle_collector_paused()  # reads the results back: thousands of small dicts
def preview(job: ImportJob) -> Preview:
    results = job.results or []
    header = {c.key: c.header for c in COLUMNS}
    errors, notes, conversions, created, skipped = [], [], [], [], []
    for result in results:
        line = result["line"]
        for key, message in result.get("errors", ()):
            errors.append((line, header.get(key, key), message))
        for key, message in result.get("notes", ()):
            notes.append((line, header.get(key, key), message))
        for key, kind, before, after in result.get("conversions", ()):
            if kind != "trim":  # counted, not listed: there are many and they are harmless
                conversions.append((line, header.get(key, key), CONVERSION_LABELS[kind],
                                    before, after))
        if result["status"] == "create":
            created.append(result)
        elif result["status"] == "skip":
            skipped.append(result)
    return Preview(job, job.summary or summarize(results), errors, notes, conversions,
                   created, skipped)


# --- Confirmation ---------------------------------------------------------------------------

def _signature(results: list[dict]) -> list:
    return [(r["line"], r["status"], (r.get("match") or {}).get("person_id"),
             tuple(tuple(e) for e in r.get("errors", ()))) for r in results]


@cycle_collector_paused()
def confirm(job: ImportJob, user: User) -> int:
    """Write every clean row in the caller's transaction; returns the number created.

    Checks again first: if the registry changed since the preview (someone registered one of
    these persons meanwhile), the new preview is saved and nothing is written.
    """
    if job.status == JobStatus.CONFIRMED.value:
        raise ImportRefused(f"Tệp này đã được nhập lúc {_when(job.confirmed_at)}; không nhập "
                            "lại lần nữa.")
    if job.status == JobStatus.FAILED.value:
        raise ImportRefused("Tệp này không nhập được; vui lòng sửa tệp và tải lên lại.")
    if job.status != JobStatus.READY.value:
        raise ImportRefused("Tệp đang được kiểm tra; vui lòng chờ kiểm tra xong.")
    user = getattr(user, "_get_current_object", lambda: user)()  # read for every row
    # The days of the checking's first step (the upload) and last one, read before this
    # confirmation writes the job: a file checked over midnight is not "checked today".
    checked_on = {to_local(moment).date() if moment else None
                  for moment in (job.created_at, job.updated_at)}
    summary = job.summary or summarize(job.results or [])
    if summary["error"]:
        raise ImportRefused(f"Còn {summary['error']} dòng có lỗi. Vui lòng sửa tệp và tải lên "
                            "lại; chưa có dữ liệu nào được ghi.")
    fresh = _check_again(job, user)
    results = [c.result for c in fresh]
    if _signature(results) != _signature(job.results or []):
        job.results, job.summary = results, summarize(results)
        raise ImportRefused("Danh sách đối tượng đã thay đổi kể từ khi kiểm tra tệp. Vui lòng "
                            "xem lại kết quả kiểm tra mới trước khi xác nhận; chưa có dữ liệu "
                            "nào được ghi.", changed=True)
    if not any(c.data is not None for c in fresh):
        raise ImportRefused("Không có người nào mới để thêm: mọi dòng đều đã có hồ sơ.")
    # Claim the job first: a second confirmation running meanwhile fails on the version check.
    job.status, job.confirmed_at = JobStatus.CONFIRMED.value, now_utc()
    db.session.flush()
    # Rows checked today were checked by the rules that hold today: their timelines are
    # written as checked. A file checked on an earlier day is checked again by today's.
    created = _write(fresh, user, checked_today=checked_on == {today_local()})
    for result in results:
        result.pop("write", None)  # written: like the cells, no longer kept
    job.results = results
    # Most of them are the dicts read from the job, changed in place: equal to "its old value".
    flag_modified(job, "results")
    job.summary = {**summarize(results), "created": created}
    job.rows = None  # the cells are no longer needed once written
    audit.record("import", "ImportJob", job.id,
                 {"file": job.filename, "created": created, "skipped": job.summary["skip"],
                  "rows": job.summary["rows"]})
    return created


def _check_again(job: ImportJob, user: User) -> list[Checked]:
    """The preview's rows against the registry as it is now, without reading the cells again:
    their clean data was kept by the checking, so only what the registry decides is asked
    again, set-based: whether someone registered one of these persons meanwhile (by ID number
    or folded name) and whether their communes are still in scope and not merged."""
    results = job.results or []
    if any("write" not in r for r in results if r["status"] != "error"):
        # Checked before the clean data was kept: check the cells again from scratch.
        return check_rows(job.rows or [], user, {}, job.filename)
    loaded = [(r, *_loaded_data(r["write"])) for r in results if "write" in r]
    unit_ids = {data["unit_id"] for _, data, _ in loaded}
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    for _, data, _ in loaded:
        data["unit"] = units.get(data.pop("unit_id"))
    by_id, by_name = _registered([data for _, data, _ in loaded], user)
    today = today_local()
    out, again = [], {id(r): (data, events) for r, data, events in loaded}
    unit_problems: dict[int | None, str | None] = {}
    for result in results:
        if id(result) not in again:
            out.append(Checked(result))
            continue
        data, events = again[id(result)]
        unit = data["unit"]
        key = unit.id if unit is not None else None
        if key not in unit_problems:
            unit_problems[key] = _unit_problem(unit, user, today)
        if unit_problems[key] is None and _unchanged(result, data, by_id, by_name):
            checked = Checked(result)  # as the preview showed it: nothing to work out again
            checked.data, checked.events = data, events
            out.append(checked)
            continue
        row = _Row({"line": result["line"], "cells": {}})
        if unit_problems[key] is not None:
            row.error("unit_code", unit_problems[key])
        match = None if row.errors else _existing(row, data, user, by_id, by_name)
        fresh = {k: v for k, v in result.items() if k not in ("status", "match", "errors")}
        notes = [n for n in result.get("notes", ()) if not n[1].startswith(ELSEWHERE)]
        notes += row.notes
        fresh.pop("notes", None)
        if notes:
            fresh["notes"] = notes
        if row.errors:
            fresh["status"], fresh["errors"] = "error", row.errors
            fresh.pop("write", None)
        elif match is not None:
            fresh["status"], fresh["match"] = "skip", match
        else:
            fresh["status"] = "create"
        checked = Checked(fresh)
        if fresh["status"] == "create":
            checked.data, checked.events = data, events
        out.append(checked)
    return out


def _unit_problem(unit: Unit | None, user: User, today: date) -> str | None:
    """validate_person's messages, as the checking put them on the commune's cell."""
    if unit is None or unit.level != Level.COMMUNE or not in_scope(user, unit):
        return "Xã nơi cư trú không thuộc phạm vi quản lý của bạn."
    if unit.valid_to is not None and unit.valid_to <= today:
        return f"{unit.name} đã sáp nhập; vui lòng chọn đơn vị mới."
    return None


def _unchanged(result: dict, data: dict, by_id: dict, by_name: dict) -> bool:
    """A new person the registry still knows nothing of, as the checking found them: what
    _check_again would make of them is the row as it is (its commune is asked by the caller).
    Nearly every row of a file; the others are worked out again."""
    if result["status"] != "create" or (data.get("id_number") and data["id_number"] in by_id):
        return False
    if (fold(data["full_name"]), data["birth_year"]) in by_name:
        return False
    return not any(note[1].startswith(ELSEWHERE) for note in result.get("notes", ()))


def _write(fresh: list[Checked], user: User, checked_today: bool = False) -> int:
    """Write the clean rows set-based: each person's state and periods derived once in memory
    (by the registry's own rules), then persons, events, periods and their audit entries
    inserted in a few bulk statements, whatever the number of rows.

    `checked_today`: the events were validated (registry.validate_event) by today's checking
    and hold what it filled in; otherwise they are validated again here."""
    today, now = today_local(), now_utc()
    rows = [checked for checked in fresh if checked.data is not None]
    if not rows:
        return 0
    people, timelines = [], []
    for checked in rows:
        # checked.data went through validate_person when checked (check_rows), cleaned and
        # clean; its commune and the registered persons were asked again just above.
        data = checked.data
        person = SimpleNamespace(**{name: data.get(name) for name in PERSON_FIELDS
                                    if name != "unit_id"})
        person.injecting = bool(data.get("injecting"))
        person.unit_id = data["unit"].id
        registry.derive_fields(person)
        person.events, event_rows = [], []
        for kind, event in checked.events:
            event = dict(event)
            if not checked_today and registry.validate_event(person, kind, event, today):
                raise ImportRefused("Dữ liệu đã thay đổi trong khi nhập; vui lòng thử lại.",
                                    changed=True)
            event_rows.append(registry.new_event_row(person, kind, event, user, now))
            person.events.append(SimpleNamespace(**event_rows[-1]))
        row = {name: getattr(person, name) for name in (
            *PERSON_FIELDS, "name_folded", "search_text", "sort_key", "born_on")}
        row.update(created_by_id=user.id, updated_by_id=user.id, registered_on=today,
                   created_at=now, updated_at=now, version=1, treatment=None,
                   **registry.derived_state(person.events))
        opened = data.get("listed_on") or today
        periods = registry.periods_of(person.events, opened, person.unit_id)
        row["listed_on"] = periods[0].start
        people.append(row)
        timelines.append((checked, event_rows, periods))
    # In this order so that, on PostgreSQL, each table's rows are built while the server takes
    # the previous table's (bulk.Writer); the session is not used until the writer finishes.
    with bulk.Writer() as writer:
        writer.reserve(Person.__table__, len(people))
        writer.reserve(PersonEvent.__table__, sum(len(events) for _, events, _ in timelines))
        ids = writer.insert(Person.__table__, people, with_ids=True)
        events, periods = [], []
        for person_id, (checked, person_events, person_periods) in zip(ids, timelines):
            checked.result["person_id"] = person_id
            for event in person_events:
                events.append({**event, "person_id": person_id})
            periods.extend({"person_id": person_id, "unit_id": p.unit_id,
                            "state": p.state.value, "start_date": p.start, "end_date": p.end}
                           for p in person_periods)
        writer.insert(PersonEvent.__table__, events, with_ids=True)
        writer.insert(PersonPeriod.__table__, periods)
        audit.record_created(Person, people, writer)
        audit.record_created(PersonEvent, events, writer)
    return len(people)


@cycle_collector_paused()
def confirm_and_save(job: ImportJob, user: User) -> int:
    """Confirm in one transaction: all rows or none."""
    job_id = job.id
    try:
        created = confirm(job, user)
        db.session.commit()
        return created
    except ImportRefused as refused:
        if refused.changed and job.status != JobStatus.CONFIRMED.value:
            try:
                db.session.commit()  # keep the new preview; no person was written
            except StaleDataError:  # ... unless another confirmation just wrote the job
                _refuse_after_race(job_id)
        else:
            db.session.rollback()
        raise
    except (StaleDataError, IntegrityError, registry.DuplicateIdNumber):
        _refuse_after_race(job_id)


def _refuse_after_race(job_id: int):
    """Another request wrote the job, or registered one of its persons, meanwhile."""
    db.session.rollback()
    current = db.session.get(ImportJob, job_id)
    if current is not None and current.status == JobStatus.CONFIRMED.value:
        raise ImportRefused("Tệp này vừa được nhập (xác nhận hai lần); không nhập lại.") \
            from None
    raise ImportRefused("Một người trong tệp vừa được đăng ký bởi người khác. Vui lòng tải "
                        "lên lại để kiểm tra; chưa có dữ liệu nào được ghi.") from None


__all__ = ["create_job", "advance", "advance_and_save", "preview", "confirm", "confirm_and_save",
           "get_job_or_404", "recent_jobs", "ImportRefused"]
