"""The administrators' settings page: legal durations, thresholds, age bands, agency names.

One plain form (works without JavaScript); the rules live in `services`.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy.exc import IntegrityError
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from ..access import roles
from ..auth.models import Role
from ..extensions import db
from ..formatting import vn_date
from ..official import AGENCIES
from ..rendering import render
from ..treatment.vocab import REHAB_FORMS
from . import DEFAULTS, LABELS
from ..auth.models import ROLE_LABELS
from ..funding.vocab import CATEGORIES as FUNDING_CATEGORIES
from .services import (DATED_PARTS, DATED_VALUES, DATE_KEYS, INTEGER_RANGES, REHAB_GROUPS, REHAB_PARTS, ROLE_LIST_KEYS,
                       TEXT_KEYS, UNIT_LABELS, current_values, reset_setting, save_settings)

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")

# The page's fieldsets, in order: (legend, keys shown as single fields).
GROUPS = [
    ("Thời hạn quản lý", ["management_term_months", "min_age", "due_soon_days"]),
    ("Quản lý sau cai", ["post_rehab_months", "post_rehab_months_compulsory_adult"]),
    ("Cai nghiện", ["detox_inside_voluntary"]),
    ("Báo cáo", ["report_due_day", "report_jump_percent", "report_jump_min", *DATE_KEYS]),
    ("Đăng nhập và mật khẩu", ["session_idle_minutes", "password_min_length",
                               "totp_required_roles"]),
    ("Nhật ký truy cập và kiểm tra trùng hồ sơ",
     ["probe_limit", "probe_window_minutes", "audit_access_retention_months"]),
    ("Công việc chạy nền", ["job_result_retention_days"]),
    ("Hồ sơ giấy tờ, tệp đính kèm", ["attachment_max_mb", *(
        f"dossier_lead_days_{kind}" for kind in (
            "management", "determination", "voluntary", "compulsory", "post_rehab"))]),
    ("Trang chủ và xã, phường không ma túy",
     ["dashboard_cache_hours", "worklist_cache_minutes", "drugfree_goal_percent",
      "drugfree_goal_year"]),
]
GROUP_LABELS = {"adult": "Người thành niên (từ đủ 18 tuổi)",
                "minor": "Người chưa thành niên (dưới 18 tuổi)"}
PART_LABELS = {"min": "Tối thiểu", "default": "Mặc định", "max": "Tối đa"}
SPARE_AGE_ROWS = 2

_PERIODIC_FIELD = re.compile(r"^periodic_reports-(H1|Y)-(0[34]-BCN)$")
_AGE_FIELD = re.compile(r"^age_bands-(\d{1,2})-(label|from|to)$")
_DATED_FIELD = re.compile(r"^([a-z_]+)-(\d{1,2})-(from|to|province|value)$")
SPARE_DATED_ROWS = 2


def _text(value) -> str:
    return "" if value is None else str(value)


def _vn_day(iso: str) -> str:
    """A stored ISO date as the page shows it, dd/mm/yyyy."""
    return vn_date(date.fromisoformat(iso))


def _values_from(form) -> dict:
    """The submitted settings in the shape `save_settings` takes; absent fields are left out."""
    values = {key: form[key] for key in (*INTEGER_RANGES, *TEXT_KEYS, *DATE_KEYS) if key in form}
    due: dict = {}
    for name in form:
        match = _PERIODIC_FIELD.match(name)
        if match:
            due.setdefault(match.group(1), {})[match.group(2)] = form[name]
    if due:
        values["periodic_reports"] = due
    for key, allowed in ROLE_LIST_KEYS.items():
        if f"{key}-shown" in form:  # unticked boxes are not sent: the marker says it was shown
            values[key] = [role for role in allowed if form.get(f"{key}-{role}")]
    terms: dict = {}
    for rehab_form in DEFAULTS["rehab_terms"]:
        for group in REHAB_GROUPS:
            names = [f"rehab_terms-{rehab_form}-{group}-{part}" for part in REHAB_PARTS]
            if any(name in form for name in names):
                terms.setdefault(rehab_form, {})[group] = [form.get(name) for name in names]
    if terms:
        values["rehab_terms"] = terms
    rows: dict[int, dict[str, str]] = {}
    for name in form:
        match = _AGE_FIELD.match(name)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = form[name]
    dated: dict[str, dict[int, dict[str, str]]] = {}
    for name in form:
        match = _DATED_FIELD.match(name)
        if match and match.group(1) in DATED_VALUES:
            dated.setdefault(match.group(1), {}).setdefault(
                int(match.group(2)), {})[match.group(3)] = form[name]
    for key, given in dated.items():
        values[key] = [given.get(i, {}) for i in range(max(given) + 1)]
    if rows:
        values["age_bands"] = [
            [rows.get(i, {}).get(part, "") for part in ("label", "from", "to")]
            for i in range(max(rows) + 1)]
    return values


def _display(values: dict, submitted: dict | None) -> dict:
    """What each input shows: the value in force, or what was typed when it was refused."""
    submitted = submitted or {}
    shown = {key: _text(submitted.get(key, values[key].value))
             for key in (*INTEGER_RANGES, *TEXT_KEYS)}
    shown |= {key: _text(submitted[key]) if key in submitted else _vn_day(values[key].value)
              for key in DATE_KEYS}
    for key in ROLE_LIST_KEYS:
        shown[key] = submitted.get(key, values[key].value)
    typed_due = submitted.get("periodic_reports", {})
    shown["periodic_reports"] = {
        period: {form: typed_due.get(period, {}).get(form, f"{due[3:]}/{due[:2]}")
                 for form, due in entry["due"].items()}
        for period, entry in values["periodic_reports"].value.items()}
    terms = values["rehab_terms"].value
    given_terms = submitted.get("rehab_terms", {})
    shown["rehab_terms"] = {
        rehab_form: {group: [_text(c) for c in given_terms.get(rehab_form, {}).get(
            group, terms.get(rehab_form, {}).get(group, ["", "", ""]))]
            for group in REHAB_GROUPS}
        for rehab_form in DEFAULTS["rehab_terms"]}
    bands = submitted.get("age_bands", values["age_bands"].value)
    rows = [[_text(c) for c in band] for band in bands]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()  # spare rows left empty
    rows += [["", "", ""] for _ in range(SPARE_AGE_ROWS)]
    shown["age_bands"] = rows
    for key in DATED_VALUES:
        if key in submitted:
            entries = [{part: _text(e.get(part)) for part in DATED_PARTS}
                       for e in submitted[key]]
        else:
            entries = [{"from": _vn_day(e["from"]) if e.get("from") else "",
                        "to": _vn_day(e["to"]) if e.get("to") else "",
                        "province": e.get("province") or "", "value": e.get("value") or ""}
                       for e in values[key].value]
        while entries and not any(entries[-1].values()):
            entries.pop()
        shown[key] = entries + [dict.fromkeys(DATED_PARTS, "") for _ in range(SPARE_DATED_ROWS)]
    return shown


def _page(errors: dict | None = None, submitted: dict | None = None, status: int = 200):
    values = current_values()
    return render("settings/index.html", status=status, values=values,
                  shown=_display(values, submitted), errors=errors or {}, groups=GROUPS,
                  labels=LABELS, rehab_forms=REHAB_FORMS, group_labels=GROUP_LABELS,
                  part_labels=PART_LABELS, parts=REHAB_PARTS, rehab_groups=REHAB_GROUPS,
                  unit_labels=UNIT_LABELS, integer_ranges=INTEGER_RANGES,
                  funding_categories=FUNDING_CATEGORIES,
                  role_lists={key: [(role, ROLE_LABELS[role]) for role in allowed]
                              for key, allowed in ROLE_LIST_KEYS.items()},
                  date_defaults={key: _vn_day(DEFAULTS[key]) for key in DATE_KEYS},
                  agencies=AGENCIES)


@bp.route("/", methods=["GET", "POST"])
@roles(Role.ADMIN)
def index():
    if request.method == "POST":
        submitted = _values_from(request.form)
        errors = save_settings(current_user, submitted)
        if errors:
            db.session.rollback()
            return _page(errors, submitted, status=422)
        try:
            db.session.commit()
        except IntegrityError:  # another administrator saved the same setting just now
            db.session.rollback()
            flash("Một quản trị viên khác vừa lưu cấu hình này. Vui lòng xem lại và lưu lại.",
                  "error")
            return redirect(url_for("settings.index"), 303)
        flash("Đã lưu.", "success")
        return redirect(url_for("settings.index"), 303)
    return _page()


@bp.route("/<key>/reset", methods=["POST"])
@roles(Role.ADMIN)
def reset(key: str):
    if key not in DEFAULTS:
        abort(404)
    if reset_setting(current_user, key):
        db.session.commit()
        flash(f"Đã khôi phục giá trị mặc định: {LABELS.get(key, key)}.", "success")
    else:
        flash(f"{LABELS.get(key, key)} đang là giá trị mặc định.", "info")
    return redirect(url_for("settings.index"), 303)
