"""Half-yearly and yearly reports (Biểu 03-BCN, 04-BCN): completeness, one report, its
actions, Excel file and print view. Thin: the rules are in periodic.py."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..access import roles
from ..audit import services as audit
from ..auth.models import Role
from ..confirm import ask, confirmed
from ..extensions import db
from ..notifications import services as notifications
from ..rendering import done, render
from ..scoping import can_review, get_unit_or_404
from ..timeutil import today_local
from ..units.models import Level
from . import periodic
from .figures import as_values, quota_label
from .models import ACTION_LABELS, STATUS_LABELS
from .periodic_document import build, cell_text
from .services import ReportError, input_problems

bp = Blueprint("periodic", __name__, url_prefix="/periodic")

OFFICERS = (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)
REVIEWERS = (Role.DISTRICT, Role.PROVINCE)
ACTIONS = {"save", "submit", "approve", "return", "reopen"}


def _term_or_404(term: str) -> tuple[int, str]:
    parsed = periodic.parse_key(term)
    if parsed is None:
        abort(404)
    return parsed


def _report_or_404(term: str, form: str, unit_code: str):
    year, period = _term_or_404(term)
    if form not in periodic.FORMS:
        abort(404)
    unit = get_unit_or_404(current_user, unit_code)
    if form not in periodic.forms_of(unit):
        abort(404)
    return unit, year, period


@bp.route("/")
@roles(*OFFICERS)
def index():
    return redirect(url_for("periodic.overview", term=periodic.current_term()))


@bp.route("/<term>/")
@roles(*OFFICERS)
def overview(term: str):
    year, period = _term_or_404(term)
    today = today_local()
    statuses = periodic.completeness(current_user.unit, year, period)
    return render("reports/periodic_overview.html", term=term, year=year, period=period,
                  root=current_user.unit, statuses=statuses, today=today,
                  label=periodic.period_label(year, period), status_labels=STATUS_LABELS,
                  can_review=lambda unit: can_review(current_user, unit),
                  terms=[(f"{year - 1}-Y", f"Năm {year - 1}"), (f"{year}-H1", f"6 tháng {year}"),
                         (f"{year}-Y", f"Năm {year}")])


def _context(unit, form: str, year: int, period: str, errors=None, data=None):
    term = f"{year:04d}-{period}"
    sub = periodic.submission_for(unit, form, year, period)
    view = periodic.view_of(unit, form, year, period, sub)
    frozen = sub is not None and sub.frozen
    last = periodic.bounds(year, period)[1]
    today = today_local()
    return dict(
        unit=unit, form=form, year=year, period=term, term=term, period_code=period, sub=sub,
        view=view, doc=build(unit, form, year, period, sub, view), cell_text=cell_text,
        rows=view["rows"], values=as_values(view["rows"]), link=False,
        traceable=lambda key: False, quota_label=quota_label,
        incomplete=periodic.incomplete(view), missing_text=periodic.missing_text,
        label=periodic.period_label(year, period), period_line=periodic.period_line(year, period),
        due=periodic.due_date(form, year, period), ended=today > last, last=last,
        final=not periodic.reviewer_exists(unit),
        can_edit=periodic.can_edit(current_user, unit) and not frozen,
        can_decide=sub is not None and periodic.can_decide(current_user, sub),
        errors=errors or {}, data=data or {}, status_labels=STATUS_LABELS,
        action_labels=ACTION_LABELS)


@bp.route("/<term>/<form>/<unit_code>")
@roles(*OFFICERS)
def report(term: str, form: str, unit_code: str):
    unit, year, period = _report_or_404(term, form, unit_code)
    return render("reports/periodic.html", **_context(unit, form, year, period))


@bp.route("/<term>/<form>/<unit_code>/print")
@roles(*OFFICERS)
def print_view(term: str, form: str, unit_code: str):
    unit, year, period = _report_or_404(term, form, unit_code)
    audit.record("print", "PeriodicSubmission", None,
                 {"unit": unit.code, "form": form, "period": term})
    db.session.commit()
    return render("reports/periodic_print.html", **_context(unit, form, year, period))


@bp.route("/<term>/<form>/<unit_code>.xlsx")
@roles(*OFFICERS)
def report_xlsx(term: str, form: str, unit_code: str):
    from ..exports.periodic_workbook import periodic_workbook
    from ..exports.routes import _send

    unit, year, period = _report_or_404(term, form, unit_code)
    sub = periodic.submission_for(unit, form, year, period)
    doc = build(unit, form, year, period, sub, periodic.view_of(unit, form, year, period, sub))
    stream = periodic_workbook(doc)
    audit.record("export", "PeriodicSubmission", sub.id if sub else None,
                 {"unit": unit.code, "form": form, "period": term})
    db.session.commit()
    return _send(stream, f"bieu-{form.lower()}-{term.lower()}-{unit.code}.xlsx")


@bp.route("/<term>/<form>/<unit_code>/<action>", methods=["POST"])
@roles(*OFFICERS)
def act(term: str, form: str, unit_code: str, action: str):
    unit, year, period = _report_or_404(term, form, unit_code)
    if action not in ACTIONS:
        abort(404)
    data = request.form.to_dict()
    expected = request.form.get("version", type=int)
    url = url_for("periodic.report", term=term, form=form, unit_code=unit.code)
    name = f"Biểu {form} {periodic.period_label(year, period).lower()}"
    label = f"{name} của {unit.name}"
    problems = {**input_problems(data), **periodic.clean_form(data)}
    if problems:
        return render("reports/periodic.html", status=422,
                      **_context(unit, form, year, period, problems, data))
    try:
        sub = periodic.submission_for(unit, form, year, period)
        if action == "save":
            periodic.save_draft(unit, form, year, period, data, current_user, expected)
            message = "Đã lưu bản nháp."
        elif action == "submit":
            if not confirmed():
                periodic.precheck_submit(unit, form, year, period, data, current_user)
                final = ("Đây là báo cáo cuối cùng gửi Bộ." if not periodic.reviewer_exists(unit)
                         else "Sau khi gửi, số liệu được chốt và không sửa được, trừ khi người "
                              "duyệt trả lại.")
                return ask(f"Gửi {label}? {final}", url, "Gửi báo cáo")
            sent = periodic.submit(unit, form, year, period, data, current_user, expected)
            if periodic.reviewer_exists(unit):
                notifications.report_submitted(sent, name, url)
            message = f"Đã gửi {label}."
        elif action == "approve":
            if sub is not None and sub.status == "submitted" and not confirmed():
                return ask(f"Duyệt {label}? Số liệu đã duyệt được cộng vào báo cáo của đơn vị "
                           "bạn.", url, "Duyệt")
            periodic.approve(sub, current_user, data.get("comment"), expected)
            message = f"Đã duyệt {label}."
        elif action == "return":
            periodic.return_(sub, current_user, data.get("comment"), expected)
            notifications.report_returned(sub, name=name, url=url)
            message = f"Đã trả lại {label}."
        else:
            periodic.reopen(sub, current_user, data.get("comment"), expected)
            if periodic.reviewer_exists(unit):
                notifications.report_returned(sub, reopened=True, name=name,
                                              url=url)
            message = f"Đã mở lại {label}."
        db.session.commit()
    except ReportError as exc:
        db.session.rollback()
        field = exc.field or "action"
        return render("reports/periodic.html", status=409 if field == "action" else 422,
                      **_context(unit, form, year, period, {field: str(exc)}, data))
    except (StaleDataError, IntegrityError):  # two requests at once: the other one won
        db.session.rollback()
        return render("reports/periodic.html", status=409, **_context(
            unit, form, year, period, {"action": "Báo cáo vừa được cập nhật bởi thao tác khác. "
                                                 "Vui lòng xem lại."}, data))
    back = request.form.get("back")
    if back and back.startswith(("/periodic/", "/reports/")):
        url = back
    return done(url, message)


@bp.app_template_global()
def periodic_summary(root, year: int):
    """For the monthly pages' fragments: the unit's half-year and year reports owed below it,
    [(term, label, statuses)]. The ministry follows monthly reports only (its own page
    would list every district of the country)."""
    if root.level == Level.NATIONAL:
        return []
    return [(f"{year:04d}-{period}", periodic.period_label(year, period),
             periodic.completeness(root, year, period)) for period in ("H1", "Y")]
