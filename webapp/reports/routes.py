"""Monthly reports: the period overview, one unit's submission, its actions and print view."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..access import roles
from ..auth.models import OFFICER_ROLES, Role
from ..extensions import commit_keeping_loaded, db
from ..formatting import vn_number
from ..rendering import done, render
from ..audit import services as audit
from ..confirm import ask, confirmed
from ..notifications import services as notifications
from ..registry.queries import scoped_person_page
from ..scoping import can_review, get_unit_or_404
from ..timeutil import today_local
from ..funding import services as funding
from . import document, review, services
from .figures import as_values, quota_label
from .models import ACTION_LABELS, STATUS_LABELS

bp = Blueprint("reports", __name__, url_prefix="/reports")

OFFICERS = OFFICER_ROLES


def _period_or_404(period: str) -> tuple[int, int]:
    parsed = services.parse_period(period)
    if parsed is None:
        abort(404)
    return parsed


@bp.route("/")
@roles(*OFFICERS)
def index():
    """The report being prepared now: last month until its due day, then this month."""
    from ..main.worklist import report_due

    label, _ = report_due(today_local())
    month, year = label.split("/")
    return redirect(url_for("reports.period", period=f"{year}-{month}"))


@bp.route("/<period>/")
@roles(*OFFICERS)
def period(period: str):
    year, month = _period_or_404(period)
    root = current_user.unit
    today = today_local()
    chosen = {"status": request.args.get("status") or "", "district": request.args.get(
        "district") or "", "sort": request.args.get("sort") or "unit"}
    seen = review.completeness_view(root, year, month, chosen["status"] or None,
                                    chosen["district"] or None, chosen["sort"])
    statuses = seen.children
    view = request.args.get("view")
    context = dict(year=year, month=month, period=f"{year:04d}-{month:02d}", root=root,
                   statuses=statuses, own=seen.own, districts=seen.districts, chosen=chosen,
                   sorts=review.SORTS, rates=services.rates(seen.all, today),
                   today=today,
                   due=services.due_date(year, month), status_labels=STATUS_LABELS,
                   can_review=lambda unit: can_review(current_user, unit),
                   prev=_shift(year, month, -1), next=_shift(year, month, 1))
    if view == "year":
        units, grid = services.year_grid(root, year)
        context.update(units=units, grid=grid, due_of=services.due_date)
        return render("reports/year.html", **context)
    return render("reports/period.html", "reports/_period_rows.html", **context)


def _shift(year: int, month: int, step: int) -> str:
    index = year * 12 + month - 1 + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _context(unit, year: int, month: int, errors=None, form=None, compare: bool = False):
    sub = services.submission_for(unit, year, month)
    seen = services.review(unit, year, month, sub)
    rows = seen["rows"]
    frozen = sub is not None and sub.frozen and bool(sub.snapshot)
    # A frozen report is read from its snapshot; recounting the registry to show what changed
    # since (drift) costs a whole live report, so only when asked.
    compare = frozen and compare
    form = form or {}
    from_entries = funding.year_end_amounts(unit, year) if month == 12 else {}
    amounts = {name: _amount_text(from_entries[name][0] if name in from_entries else
                                  form[name] if name in form else getattr(sub, name, None))
               for name in services.DECEMBER_NUMBERS}
    return dict(
        unit=unit, year=year, month=month, period=f"{year:04d}-{month:02d}", sub=sub,
        rows=rows, values=as_values(rows), previous=seen["previous"],
        drift=services.drift(sub) if compare else {}, compared=compare,
        comparable=frozen, agg=seen["agg"],
        blocking=[] if frozen else seen["blocking"], warnings=seen["warnings"],
        can_edit=services.can_edit(current_user, unit) and (sub is None or not sub.frozen),
        can_review=can_review(current_user, unit) and current_user.unit_id != unit.id,
        due=services.due_date(year, month), future=services.is_future(year, month),
        errors=errors or {}, form=form, amounts=amounts, from_entries=from_entries,
        status_labels=STATUS_LABELS,
        action_labels=ACTION_LABELS, quota_label=quota_label,
        traceable=lambda key: not key_is_target(key),
        summed=services.sums_children(unit, year, month),
        can_number=sub is not None and services.can_edit(current_user, unit),
        no_approved_data=services.NO_APPROVED_DATA if services.awaits_approved_data(
            unit, year, month, sub) else None,
        year_end=services.year_end_values(unit, year, sub) if month == 12 else None,
    )


def key_is_target(key: str) -> bool:
    """Quota targets are typed by the parent, not counted from persons: nothing to list."""
    return key.startswith("quota.") and key.endswith(".target")


def _amount_text(value) -> str:
    """A December number as the form shows it: 65.900.000 (read back the same way); empty
    stays empty; what could not be read comes back as typed, to be corrected."""
    if value is None:
        return ""
    return vn_number(value) if isinstance(value, int) else str(value)


@bp.route("/<period>/<unit_code>")
@roles(*OFFICERS)
def submission(period: str, unit_code: str):
    year, month = _period_or_404(period)
    unit = get_unit_or_404(current_user, unit_code)
    context = _context(unit, year, month, compare=request.args.get("drift") == "1")
    review.record_opening(context["sub"], current_user)  # approving several needs it
    commit_keeping_loaded()  # the children's lines were loaded above: not one query each
    return render("reports/submission.html", **context)


@bp.route("/<period>/approve-selected", methods=["POST"])
@roles(Role.DISTRICT, Role.PROVINCE)
def approve_selected(period: str):
    """Approve the ticked reports at once: only those the reviewer opened, as they saw them."""
    year, month = _period_or_404(period)
    back = url_for("reports.period", period=period)
    wanted = {}
    for value in request.form.getlist("pick"):
        sub_id, _, version = value.partition(":")
        if sub_id.isdigit() and version.isdigit():
            wanted[int(sub_id)] = int(version)
    if not wanted:
        return done(back, "Chưa chọn báo cáo nào để duyệt.", "error")
    if not confirmed():
        return ask(f"Duyệt {len(wanted)} báo cáo tháng {month:02d}/{year} đã chọn? Số liệu đã "
                   "duyệt được cộng vào báo cáo của đơn vị bạn.", back, "Duyệt các báo cáo")
    try:
        approved, refused = review.approve_many(current_user, wanted)
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return done(back, "Báo cáo vừa được cập nhật bởi thao tác khác. Vui lòng xem lại.",
                    "error")
    for message in refused:
        flash(message, "error")
    return done(back, f"Đã duyệt {len(approved)} báo cáo." if approved else None)


@bp.route("/<period>/<unit_code>/print")
@roles(*OFFICERS)
def print_view(period: str, unit_code: str):
    year, month = _period_or_404(period)
    unit = get_unit_or_404(current_user, unit_code)
    audit.record("print", "MonthlySubmission", None, {"unit": unit.code, "period": period})
    db.session.commit()
    doc = document.monthly_document(unit, year, month)
    return render("reports/print.html", doc=doc, period=period,
                  can_number=doc.sub is not None and services.can_edit(current_user, unit))


@bp.route("/<period>/<unit_code>/figures/<key>")
@roles(*OFFICERS)
def figure(period: str, unit_code: str, key: str):
    """The persons behind one figure: the frozen list for a sent report, else the live one."""
    year, month = _period_or_404(period)
    unit = get_unit_or_404(current_user, unit_code)
    sub = services.submission_for(unit, year, month)
    rows, ids, frozen = services.figure_view(unit, year, month, key, sub)
    labels = {k: label for k, label, _, value in rows if value is not None}
    if key not in labels or key_is_target(key):
        abort(404)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    shown = scoped_person_page(current_user, ids, page)
    audit.record("view_list", "Person", None, {"figure": key, "period": period,
                                                "unit": unit.code, "rows": len(shown.items),
                                                "total": len(ids)},
                 persons=[p.id for p in shown.items])
    commit_keeping_loaded()
    value = as_values(rows).get(key, 0)
    return render("reports/figure.html", unit=unit, year=year, month=month, period=period,
                  key=key, label=labels[key], value=value, page=shown, frozen=frozen, sub=sub,
                  hidden=len(ids) - shown.total, unrecorded=frozen and sub is not None
                  and unit.level == "commune" and sub.snapshot_persons is None and value > 0)


ACTIONS = {"save", "submit", "approve", "return", "reopen", "number"}


@bp.route("/<period>/<unit_code>/<action>", methods=["POST"])
@roles(*OFFICERS)
def act(period: str, unit_code: str, action: str):
    year, month = _period_or_404(period)
    unit = get_unit_or_404(current_user, unit_code)
    if action not in ACTIONS:
        abort(404)
    form = request.form.to_dict()
    expected = request.form.get("version", type=int)
    url = url_for("reports.submission", period=period, unit_code=unit.code)
    if problems := services.input_problems(form):
        return render("reports/submission.html", status=422,
                      **_context(unit, year, month, problems, form))
    try:
        if action == "number":
            services.set_number(unit, year, month, form, current_user, expected)
            message = "Đã ghi số văn bản."
        elif action in ("save", "submit"):
            errors = services.validate_narrative(form, month)
            if errors:
                return render("reports/submission.html", status=422,
                              **_context(unit, year, month, errors, form))
            if action == "save":
                services.save_draft(unit, year, month, form, current_user, expected)
                message = "Đã lưu bản nháp."
            elif not confirmed():
                return ask(f"Gửi báo cáo tháng {month:02d}/{year} của {unit.name} lên đơn vị "
                           "cấp trên? Sau khi gửi, số liệu được chốt và không sửa được, trừ khi "
                           "người duyệt trả lại.", url, "Gửi báo cáo")
            else:
                sub = services.submit(unit, year, month, form, current_user, expected)
                db.session.flush()
                notifications.report_submitted(sub)
                message = f"Đã gửi báo cáo tháng {month:02d}/{year}."
        else:
            sub = services.submission_for(unit, year, month)
            comment = form.get("comment")
            if action == "approve" and sub is not None and sub.status == "submitted" \
                    and not confirmed():
                return ask(f"Duyệt báo cáo tháng {month:02d}/{year} của {unit.name}? Số liệu đã "
                           "duyệt được cộng vào báo cáo của đơn vị bạn.", url, "Duyệt")
            if action == "approve":
                services.approve(sub, current_user, comment, expected)
                message = f"Đã duyệt báo cáo tháng {month:02d}/{year} của {unit.name}."
            elif action == "return":
                services.return_(sub, current_user, comment, expected)
                db.session.flush()
                notifications.report_returned(sub)
                message = f"Đã trả lại báo cáo của {unit.name}."
            else:
                services.reopen(sub, current_user, comment, expected)
                db.session.flush()
                notifications.report_returned(sub, reopened=True)
                message = f"Đã mở lại báo cáo của {unit.name}."
        db.session.commit()
    except services.ReportError as exc:
        db.session.rollback()
        field = exc.field or "action"
        return render("reports/submission.html", status=409 if field == "action" else 422,
                      **_context(unit, year, month, {field: str(exc)}, form))
    except (StaleDataError, IntegrityError):  # two requests at once: the other one won
        db.session.rollback()
        return render("reports/submission.html", status=409, **_context(
            unit, year, month, {"action": "Báo cáo vừa được cập nhật bởi thao tác khác. "
                                          "Vui lòng xem lại."}, form))
    back = request.form.get("back")
    if back and back.startswith("/reports/"):
        url = back
    return done(url, message)


