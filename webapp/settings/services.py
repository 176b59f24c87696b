"""Reading and changing the legal durations and thresholds (the administrators' settings page).

`save_settings` validates everything it is given and writes nothing unless all of it is valid.
Only values that differ from the one in force are written; a value equal to the legal default
removes the stored row, so "back to the default" is explicit and the default follows the code
when the law changes again. Recorded decisions keep the dates computed when they were made:
changing a setting never rewrites the past.

Errors are {key: Vietnamese message}. A key is a setting's key for the whole value, or a
dotted key for one part of it: "rehab_terms.<form>.<group>" for one row of the rehab terms,
"age_bands.<i>" for one row of the age bands (its index in the list given). Dates are typed
dd/mm/yyyy and stored as ISO strings, so the JSON column holds plain text.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..forms import DateParseError, input_problem, parse_vn_date
from ..vntext import nfc
from . import DEFAULTS, LABELS, forget, get, overlaps
from .models import Setting

# Whole numbers and the range an administrator may choose.
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "management_term_months": (1, 60),
    "min_age": (10, 18),
    "due_soon_days": (1, 120),
    "post_rehab_months": (1, 60),
    "post_rehab_months_compulsory_adult": (1, 60),
    "report_due_day": (1, 28),
    "report_jump_percent": (1, 1000),
    "report_jump_min": (0, 10000),
    "detox_inside_voluntary": (0, 1),
    "session_idle_minutes": (5, 480),
    "password_min_length": (8, 64),
    "probe_limit": (5, 1000),
    "probe_window_minutes": (1, 1440),
    "audit_access_retention_months": (6, 120),
    "job_result_retention_days": (1, 90),
    "attachment_max_mb": (1, 100),
    **{f"dossier_lead_days_{kind}": (0, 730) for kind in (
        "management", "determination", "voluntary", "compulsory", "post_rehab")},
    "dashboard_cache_hours": (1, 720),
    "worklist_cache_minutes": (0, 1440),
    "drugfree_goal_percent": (1, 100),
    "drugfree_goal_year": (2025, 2100),
}
# Free-text settings (none today: agency names are computed by webapp/official.py).
TEXT_KEYS: tuple[str, ...] = ()
TEXT_MAX = 200
# Dates typed dd/mm/yyyy, stored as ISO strings (plain JSON); the years an administrator may pick.
DATE_KEYS = ("addicts_determined_only_from",)
DATE_YEARS = (2000, 2100)

# Lists of roles, chosen with check boxes (the roles two-factor sign-in may be required of).
ROLE_LIST_KEYS = {"totp_required_roles": ("admin", "national", "province")}

REHAB_GROUPS = ("adult", "minor")
REHAB_PARTS = ("min", "default", "max")
# The longest term an administrator may set, by unit.
REHAB_MAX = {"months": 60, "days": 365}
UNIT_LABELS = {"months": "tháng", "days": "ngày"}
AGE_MAX = 120

_FULL_WIDTH = {0xFF10 + i: str(i) for i in range(10)} | {0xFF0B: "+", 0xFF0D: "-",
                                                        0xFF0C: ",", 0xFF0E: "."}
_INTEGER = re.compile(r"^[+-]?[0-9]+$")  # ASCII digits: not "٣"
_DECIMAL = re.compile(r"^[+-]?[0-9]*[.,][0-9]+$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class SettingValue:
    key: str
    label: str
    value: object  # the value in force
    default: object  # the legal default
    is_default: bool


def current_values() -> dict[str, SettingValue]:
    """Every setting with the value in force and whether it is the legal default."""
    out = {}
    for key, default in DEFAULTS.items():
        value = get(key)
        out[key] = SettingValue(key, LABELS.get(key, key), value, copy.deepcopy(default),
                                value == default)
    return out


# --- Parsing ------------------------------------------------------------------------------------

class _Invalid(ValueError):
    pass


def parse_int(raw, low: int, high: int) -> int:
    """A whole number in [low, high] from a typed string (or an int); Vietnamese errors."""
    if isinstance(raw, bool):
        raise _Invalid("Vui lòng nhập một số nguyên.")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise _Invalid("Vui lòng nhập số nguyên, không có phần thập phân.")
        raw = int(raw)
    if isinstance(raw, int):
        number = raw
    else:
        # Full-width digits (a Vietnamese IME) are digits; superscripts ("²") and other
        # scripts' digits ("٣") are not: NFKC would silently make "²" a 2.
        text = "".join(str(raw or "").translate(_FULL_WIDTH).split())
        if not text:
            raise _Invalid("Vui lòng nhập thông tin này.")
        if _DECIMAL.match(text):
            raise _Invalid("Vui lòng nhập số nguyên, không có phần thập phân.")
        if not _INTEGER.match(text):
            raise _Invalid("Vui lòng nhập một số nguyên.")
        number = int(text)
    if not low <= number <= high:
        raise _Invalid(f"Số phải từ {low} đến {high}.")
    return number


def _parse_text(raw) -> str:
    problem = input_problem(str(raw or ""))
    if problem:
        raise _Invalid(problem)
    text = nfc(str(raw or ""))  # NFC, trimmed, runs of white space collapsed
    if not text:
        raise _Invalid("Vui lòng nhập tên cơ quan.")
    if len(text) > TEXT_MAX:
        raise _Invalid(f"Tối đa {TEXT_MAX} ký tự (đang có {len(text)}).")
    return text


def _parse_date(raw) -> str:
    """dd/mm/yyyy as typed, or the stored ISO form (or a date) → ISO string."""
    if isinstance(raw, date):
        day = raw
    else:
        text = str(raw or "").strip()
        if not text:
            raise _Invalid("Vui lòng nhập ngày (dd/mm/yyyy).")
        if _ISO_DATE.match(text):  # the stored form, given back by a caller
            text = "/".join(reversed(text.split("-")))
        try:
            day = parse_vn_date(text)
        except DateParseError as exc:
            raise _Invalid(str(exc)) from None
    low, high = DATE_YEARS
    if not low <= day.year <= high:
        raise _Invalid(f"Năm phải từ {low} đến {high}.")
    return day.isoformat()


def _parse_rehab_terms(raw, errors: dict[str, str]) -> dict | None:
    """{form: {group: [min, default, max]}}; forms or groups left out keep the value in force."""
    if not isinstance(raw, dict):
        errors["rehab_terms"] = "Giá trị không hợp lệ."
        return None
    unknown = set(raw) - set(DEFAULTS["rehab_terms"])
    if unknown:
        errors["rehab_terms"] = "Hình thức cai nghiện không hợp lệ."
        return None
    value = get("rehab_terms")
    for form, default in DEFAULTS["rehab_terms"].items():
        unit = default["unit"]
        entry = value.setdefault(form, copy.deepcopy(default))
        entry["unit"] = unit
        given = raw.get(form) or {}
        if not isinstance(given, dict):
            errors[f"rehab_terms.{form}"] = "Giá trị không hợp lệ."
            continue
        for group in REHAB_GROUPS:
            if group not in given:
                entry.setdefault(group, copy.deepcopy(default[group]))
                continue
            key = f"rehab_terms.{form}.{group}"
            cells = given[group]
            if isinstance(cells, dict):
                cells = [cells.get(part) for part in REHAB_PARTS]
            if not isinstance(cells, (list, tuple)) or len(cells) != 3:
                errors[key] = "Vui lòng nhập đủ tối thiểu, mặc định và tối đa."
                continue
            numbers = []
            for part, cell in zip(("Tối thiểu", "Mặc định", "Tối đa"), cells):
                try:
                    numbers.append(parse_int(cell, 1, REHAB_MAX[unit]))
                except _Invalid as exc:
                    errors[key] = f"{part}: {exc}"
                    break
            else:
                low, usual, high = numbers
                if not low <= high:
                    errors[key] = "Thời hạn tối thiểu không được lớn hơn thời hạn tối đa."
                elif not low <= usual <= high:
                    errors[key] = "Thời hạn mặc định phải nằm trong khoảng tối thiểu – tối đa."
                else:
                    entry[group] = numbers
    return value


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _parse_age_bands(raw, errors: dict[str, str]) -> list | None:
    """[[label, from, to], ...]: contiguous from 0, the last open-ended (to = None).

    A row whose three cells are all empty is ignored (the page offers spare rows).
    """
    if not isinstance(raw, (list, tuple)):
        errors["age_bands"] = "Giá trị không hợp lệ."
        return None
    rows: list[tuple[int, list]] = []
    for i, row in enumerate(raw):
        if not isinstance(row, (list, tuple)) or len(row) != 3:
            errors[f"age_bands.{i}"] = "Mỗi nhóm tuổi gồm tên nhóm, từ tuổi và đến tuổi."
            continue
        if all(_blank(cell) for cell in row):
            continue
        rows.append((i, list(row)))
    if not rows:
        errors["age_bands"] = "Vui lòng nhập ít nhất một nhóm tuổi."
        return None
    bands = []
    ok = True
    last = len(rows) - 1
    for n, (i, (label, start, end)) in enumerate(rows):
        key = f"age_bands.{i}"
        if problem := input_problem(str(label or "")):
            errors[key] = f"Tên nhóm tuổi: {problem}"
            ok = False
            continue
        label = nfc(str(label or ""))
        if not label:
            errors[key] = "Vui lòng nhập tên nhóm tuổi."
            ok = False
            continue
        if len(label) > 100:
            errors[key] = f"Tên nhóm tuổi tối đa 100 ký tự (đang có {len(label)})."
            ok = False
            continue
        try:
            start = parse_int(start, 0, AGE_MAX)
        except _Invalid as exc:
            errors[key] = f"Từ tuổi: {exc}"
            ok = False
            continue
        if n == last:
            if not _blank(end):
                errors[key] = "Nhóm cuối cùng không có tuổi kết thúc: để trống ô \u201cđến\u201d."
                ok = False
                continue
            end = None
        else:
            try:
                end = parse_int(end, 1, AGE_MAX)
            except _Invalid as exc:
                errors[key] = f"Đến tuổi: {exc}"
                ok = False
                continue
            if end <= start:
                errors[key] = "Tuổi kết thúc phải lớn hơn tuổi bắt đầu."
                ok = False
                continue
        bands.append((i, [label, start, end]))
    if not ok:
        return None
    # Contiguous: the first starts at 0, each starts where the previous one ends.
    if bands[0][1][1] != 0:
        errors[f"age_bands.{bands[0][0]}"] = "Nhóm tuổi đầu tiên phải bắt đầu từ 0."
        return None
    for (_, previous), (i, band) in zip(bands, bands[1:]):
        if band[1] != previous[2]:
            errors[f"age_bands.{i}"] = (f"Các nhóm tuổi phải liền nhau: nhóm này phải bắt đầu từ "
                                        f"{previous[2]} (tuổi kết thúc của nhóm trước).")
            return None
    labels = [band[0] for _, band in bands]
    if len(set(labels)) != len(labels):
        errors["age_bands"] = "Tên các nhóm tuổi không được trùng nhau."
        return None
    return [band for _, band in bands]


# The half-year and year reports' periods are the circular's (01/01–30/06, the calendar year);
# their due days are the administrators': within this many months after the period's end.
PERIODIC_DUE_WITHIN_MONTHS = 3
_DAY_MONTH = re.compile(r"^\s*([0-9]{1,2})\s*/\s*([0-9]{1,2})\s*$")


def _parse_periodic_due(raw, errors: dict[str, str]) -> dict | None:
    """{period: {form: "dd/mm"}} → the whole `periodic_reports` value with those due days.
    A due day is a day and month (dd/mm) after the period's end, at most three months later
    (the year report's falls in January–March of the next year)."""
    value = copy.deepcopy(get("periodic_reports"))
    before = len(errors)
    for period, forms in (raw or {}).items():
        if period not in value or not isinstance(forms, dict):
            errors[f"periodic_reports.{period}"] = "Kỳ báo cáo không tồn tại."
            continue
        end_month, end_day = (int(x) for x in value[period]["end"].split("-"))
        for form, typed in forms.items():
            name = f"periodic_reports.{period}.{form}"
            if form not in value[period]["due"]:
                errors[name] = "Biểu báo cáo không tồn tại."
                continue
            match = _DAY_MONTH.match(nfc(str(typed or "")).translate(_FULL_WIDTH))
            if not match:
                errors[name] = "Vui lòng nhập ngày dạng dd/mm, ví dụ 07/07."
                continue
            day, month = int(match.group(1)), int(match.group(2))
            try:
                date(2001, month, day)  # a year without 29/02: a due day every year
            except ValueError:
                errors[name] = f"Ngày {day:02d}/{month:02d} không có trong năm."
                continue
            after = (month - end_month) % 12  # whole months after the period's last month
            if (after == 0 and day <= end_day) or after > PERIODIC_DUE_WITHIN_MONTHS:
                errors[name] = (f"Hạn nộp phải sau ngày cuối kỳ ({end_day:02d}/{end_month:02d}) "
                                f"và trong vòng {PERIODIC_DUE_WITHIN_MONTHS} tháng.")
                continue
            value[period]["due"][form] = f"{month:02d}-{day:02d}"
    return value if len(errors) == before else None


def parse_value(key: str, raw, errors: dict[str, str]):
    """The stored form of one setting, or None with the message(s) added to `errors`."""
    if key in INTEGER_RANGES:
        try:
            return parse_int(raw, *INTEGER_RANGES[key])
        except _Invalid as exc:
            errors[key] = str(exc)
            return None
    if key in TEXT_KEYS:
        try:
            return _parse_text(raw)
        except _Invalid as exc:
            errors[key] = str(exc)
            return None
    if key in DATE_KEYS:
        try:
            return _parse_date(raw)
        except _Invalid as exc:
            errors[key] = str(exc)
            return None
    if key in ROLE_LIST_KEYS:
        allowed = ROLE_LIST_KEYS[key]
        if not isinstance(raw, (list, tuple)) or any(r not in allowed for r in raw):
            errors[key] = "Vai trò không hợp lệ."
            return None
        return [r for r in allowed if r in raw]  # one order, so equal lists compare equal
    if key == "rehab_terms":
        return _parse_rehab_terms(raw, errors)
    if key == "periodic_reports":
        return _parse_periodic_due(raw, errors)
    if key == "age_bands":
        return _parse_age_bands(raw, errors)
    if key in DATED_VALUES:
        return parse_dated(key, raw, errors)
    errors[key] = "Thiết lập không tồn tại."
    return None


# --- Dated settings ------------------------------------------------------------------------------

def _agency_values() -> dict[str, str]:
    from ..official import AGENCIES  # official reads the settings: imported when used

    return AGENCIES


# Dated settings edited on the page: {key: () -> {allowed value: label}}.
DATED_VALUES = {"issuing_agency": _agency_values}
DATED_PARTS = ("from", "to", "province", "value")


def _province_codes() -> set[str]:
    from ..units.models import Level, Unit

    return set(db.session.scalars(select(Unit.code).where(Unit.level == Level.PROVINCE)))


def parse_dated(key: str, raw, errors: dict[str, str]) -> list | None:
    """Entries {from, to, province, value} as typed (dates dd/mm/yyyy or empty) → the stored
    list. Errors by row ("issuing_agency.<i>"): malformed dates, an end before the start, an
    unknown province or value, periods overlapping for the same province. Empty rows are
    dropped; nothing is returned when any row is wrong."""
    if not isinstance(raw, (list, tuple)):
        errors[key] = "Giá trị không hợp lệ."
        return None
    allowed, provinces = DATED_VALUES[key](), None
    entries, rows, before = [], [], len(errors)
    for i, given in enumerate(raw):
        given = given if isinstance(given, dict) else {}
        cells = {part: str(given.get(part) or "").strip() for part in DATED_PARTS}
        if not any(cells.values()):
            continue
        name = f"{key}.{i}"
        problems = []
        bounds = {}
        for part, label in (("from", "Từ ngày"), ("to", "Đến trước ngày")):
            if cells[part]:
                try:
                    bounds[part] = _parse_date(cells[part])
                except _Invalid as exc:
                    problems.append(f"{label}: {exc}")
            else:
                bounds[part] = None
        if bounds.get("from") and bounds.get("to") and bounds["from"] >= bounds["to"]:
            problems.append("“Đến trước ngày” phải sau “Từ ngày”.")
        if cells["province"]:
            provinces = provinces if provinces is not None else _province_codes()
            if cells["province"] not in provinces:
                problems.append(f"Không có tỉnh mã “{cells['province']}”.")
        if cells["value"] not in allowed:
            problems.append("Vui lòng chọn cơ quan ban hành trong danh sách.")
        if problems:
            errors[name] = " ".join(problems)
            continue
        entries.append({"from": bounds["from"], "to": bounds["to"],
                        "province": cells["province"] or None, "value": cells["value"]})
        rows.append(i)
    if len(errors) > before:
        return None
    if not entries:
        errors[key] = "Cần ít nhất một dòng."
        return None
    for a, b in overlaps(entries):
        where = "mọi tỉnh" if entries[a]["province"] is None else f"tỉnh {entries[a]['province']}"
        for mine, other in ((a, b), (b, a)):
            errors[f"{key}.{rows[mine]}"] = (f"Trùng thời gian với dòng {rows[other] + 1} "
                                             f"(cùng áp dụng cho {where}).")
    return None if len(errors) > before else entries


# --- Saving -------------------------------------------------------------------------------------

def save_settings(user: User, values: dict) -> dict[str, str]:
    """Validate `values` ({key: value as typed or as stored}) and store the changed ones.

    Returns {key: Vietnamese message}; if it is not empty nothing was written. Keys not given
    keep their value. Flushes (the caller commits) and drops the cached values.
    """
    errors: dict[str, str] = {}
    parsed = {}
    for key, raw in values.items():
        before = len(errors)
        value = parse_value(key, raw, errors)
        if len(errors) == before:
            parsed[key] = value
    if errors:
        return errors
    stored = {s.key: s for s in db.session.scalars(select(Setting).where(
        Setting.key.in_(list(parsed))))}
    changed = False
    for key, value in parsed.items():
        if value == get(key):
            continue
        changed = True
        row = stored.get(key)
        if value == DEFAULTS[key]:
            if row is not None:
                _delete(row, user)
        elif row is None:
            db.session.add(Setting(key=key, value=value, updated_by_id=user.id))
        else:
            row.value = value  # a new object, so the change (and its audit entry) is seen
            row.updated_by_id = user.id
    if changed:
        db.session.flush()
        forget()
    return {}


def reset_setting(user: User, key: str) -> bool:
    """Back to the legal default; False if it already was. Flushes (the caller commits)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.scalar(select(Setting).where(Setting.key == key))
    if row is None:
        return False
    _delete(row, user)
    db.session.flush()
    forget()
    return True


def _delete(row: Setting, user: User) -> None:
    """Remove a stored value (back to the legal default); the audit listener records it."""
    db.session.delete(row)
