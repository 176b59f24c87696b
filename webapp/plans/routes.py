"""Quota pages. Thin: read the year and the typed cells, let the services count and decide."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from ..access import roles
from ..auth.models import Role
from ..errors import hx_redirect
from ..extensions import db, htmx
from ..forms import input_problem
from ..rendering import render
from ..scoping import get_unit_or_404
from ..timeutil import today_local
from ..treatment.vocab import REHAB_FORMS, SHORT_FORMS
from . import services

bp = Blueprint("plans", __name__, url_prefix="/plans")

EDITORS = (Role.NATIONAL, Role.PROVINCE, Role.DISTRICT)
FIELD_PREFIX = "q-"  # inputs are named q-<unit code>-<form>


def _done(url: str, message: str | None = None, warnings: list[str] = ()):
    """After a successful POST: flash, then 303 (or a full-page navigation for htmx)."""
    if message:
        flash(message, "success")
    for warning in warnings:
        flash(warning, "warning")
    return hx_redirect(url) if htmx else redirect(url, 303)


def _year() -> tuple[int, str | None]:
    """The year asked for, or the current one with a message saying why."""
    current = today_local().year
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return current, None
    year = int(raw) if raw.isascii() and raw.isdigit() else None
    if year is None or not services.valid_year(year):
        return current, (f"Năm “{raw[:20]}” không hợp lệ (chỉ xem được từ năm "
                         f"{services.FIRST_YEAR} đến {current + 1}); đang hiển thị năm {current}.")
    return year, None


def _years() -> list[int]:
    return list(range(today_local().year + 1, services.FIRST_YEAR - 1, -1))


def _field(code: str, form: str) -> str:
    return f"{FIELD_PREFIX}{code}-{form}"


def _typed_amounts() -> dict[tuple[str, str], str]:
    """Only the cells that were sent: a cell left out of the request stays as it is."""
    amounts = {}
    for name in request.form:
        if name.startswith(FIELD_PREFIX) and name.count("-") >= 2 and not input_problem(name):
            code, _, form = name[len(FIELD_PREFIX):].partition("-")
            amounts[(code, form)] = request.form.get(name, "")
    return amounts


# --- Quotas and progress ------------------------------------------------------------------------

@bp.get("/quotas")
@roles(*EDITORS, Role.COMMUNE)
def quotas():
    year, problem = _year()
    unit = current_user.unit
    if request.args.get("unit"):
        unit = get_unit_or_404(current_user, request.args["unit"])
    return _quotas_page(year, unit, problem)


@bp.post("/quotas")
@roles(*EDITORS)
def save_quotas():
    year, problem = _year()
    if problem:
        flash(problem, "error")
        return _done(url_for("plans.quotas"))
    amounts = _typed_amounts()
    try:
        warnings = services.set_quotas(current_user, year, amounts)
    except services.QuotaError as exc:
        db.session.rollback()
        return _quotas_page(year, current_user.unit, str(exc), status=422,
                            typed={_field(*k): v for k, v in amounts.items()},
                            errors={_field(*k): v for k, v in exc.cells.items()})
    db.session.commit()
    return _done(url_for("plans.quotas", year=year), "Đã lưu.", warnings)


def _quotas_page(year: int, unit, problem: str | None = None, status: int = 200,
                 typed: dict | None = None, errors: dict | None = None):
    progress = services.progress(current_user, year, unit)
    editable = current_user.role in EDITORS and unit.id == current_user.unit_id
    return render("plans/quotas.html", status=status, p=progress, year=year, years=_years(),
                  problem=problem, editable=editable, typed=typed or {}, errors=errors or {},
                  field_name=_field, forms=REHAB_FORMS, short_forms=SHORT_FORMS,
                  period=(date(year, 1, 1), date(year, 12, 31)))


# --- Communes with nothing achieved ------------------------------------------------------------

@bp.get("/quotas/missing")
@roles(*EDITORS)
def missing():
    year, problem = _year()
    problems = [problem] if problem else []
    form = request.args.get("form") or "detox"
    if form not in REHAB_FORMS:
        problems.append("Hình thức cai nghiện không hợp lệ; đang hiển thị điều trị cắt cơn.")
        form = "detox"
    units = services.units_without_progress(current_user, year, form)
    return render("plans/missing.html", units=units, year=year, years=_years(), form=form,
                  forms=REHAB_FORMS, problems=problems,
                  period=(date(year, 1, 1), date(year, 12, 31)))


# --- Targets with a deadline --------------------------------------------------------------------

@bp.get("/deadlines")
@roles(*EDITORS, Role.COMMUNE)
def deadlines():
    from . import deadlines as service
    from .forms import DeadlineForm

    return _deadlines_page(service, DeadlineForm(formdata=None))


def _deadlines_page(service, form, status: int = 200):
    return render("plans/deadlines.html", status=status, targets=service.visible(current_user),
                  form=form, may_set=service.may_set(current_user), forms=REHAB_FORMS)


@bp.post("/deadlines")
@roles(*EDITORS)
def create_deadline():
    from . import deadlines as service
    from .forms import DeadlineForm

    form = DeadlineForm()
    try:
        if not form.validate():
            field = next(f for f in form if f.errors)
            raise service.DeadlineError(field.errors[0], field.name)
        target = service.create(current_user, {
            "title": form.title.data, "form": form.form.data, "at_least": form.at_least.data,
            "start_date": form.start_date.parsed, "deadline": form.deadline.parsed})
    except service.DeadlineError as exc:
        db.session.rollback()
        form[exc.field].errors = [str(exc)]
        return _deadlines_page(service, form, 422)
    db.session.commit()
    return _done(url_for("plans.deadline", target_id=target.id), "Đã lưu.")


@bp.get("/deadlines/<int:target_id>")
@roles(*EDITORS, Role.COMMUNE)
def deadline(target_id: int):
    from . import deadlines as service

    standing = service.standing(current_user, service.get_or_404(current_user, target_id))
    return render("plans/deadline.html", s=standing, forms=REHAB_FORMS)
