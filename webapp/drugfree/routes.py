"""Drug-free communes: the overview, one commune's assessment, entries and confirmations, the
province's yearly target, and the criteria (administrators). Thin: the services decide."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import confirm as confirmation
from ..access import roles
from ..auth.models import Role
from ..extensions import db
from ..rendering import done, render
from ..scoping import get_unit_or_404
from ..timeutil import today_local
from ..units.models import Level
from . import services
from .forms import CriterionForm, EntryForm, TargetForm
from .models import KINDS, METRICS, Criterion, Entry

bp = Blueprint("drugfree", __name__, url_prefix="/drugfree")
OFFICERS = (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)


def _year(raw: str | None = None) -> int:
    raw = (raw if raw is not None else request.args.get("year", "")).strip()
    if raw.isascii() and raw.isdigit() and services.valid_year(int(raw)):
        return int(raw)
    return today_local().year


def _years() -> list[int]:
    return list(range(today_local().year + 1, 2024, -1))


@bp.get("/")
@roles(*OFFICERS)
def index():
    year = _year()
    unit = current_user.unit
    if request.args.get("unit"):
        unit = get_unit_or_404(current_user, request.args["unit"])
    if unit.level == Level.COMMUNE:
        return redirect(url_for("drugfree.commune", code=unit.code, year=year))
    return _overview(unit, year)


def _overview(unit, year: int, target_form: TargetForm | None = None, problem=None,
              status: int = 200):
    progress = services.progress(current_user, unit, year)
    form = target_form or TargetForm(formdata=None, data={
        "kind": progress.target.kind if progress.target else "share",
        "amount": str(progress.target.amount) if progress.target else ""})
    return render("drugfree/index.html", status=status, p=progress, year=year, years=_years(),
                  form=form, problem=problem, may_set=services.may_set_target(current_user)
                  and unit.id == current_user.unit_id, labels=services.STATUS_LABELS,
                  kinds=services.TARGET_KINDS)


@bp.post("/targets")
@roles(Role.PROVINCE)
def save_target():
    year = _year(request.args.get("year", ""))
    form = TargetForm()
    try:
        if not form.validate():
            raise services.DrugFreeError(form.input_error() or "Vui lòng kiểm tra lại.", "amount")
        services.set_target(current_user, year, form.kind.data, form.amount.data)
    except services.DrugFreeError as exc:
        db.session.rollback()
        form[exc.field or "amount"].errors = [str(exc)]
        return _overview(current_user.unit, year, form, str(exc), 422)
    db.session.commit()
    return done(url_for("drugfree.index", year=year), "Đã lưu.")


@bp.get("/<code>/<int:year>")
@roles(*OFFICERS)
def commune(code: str, year: int):
    unit = get_unit_or_404(current_user, code)
    if unit.level != Level.COMMUNE or not services.valid_year(year):
        abort(404)
    return _commune_page(unit, year)


def _commune_page(unit, year: int, errors: dict | None = None, forms: dict | None = None,
                  status: int = 200):
    assessment = services.assess_one(unit, year)
    forms = forms or {}
    for result in assessment.results:
        if not result.criterion.computed and result.criterion.id not in forms:
            e = result.entry
            forms[result.criterion.id] = EntryForm(formdata=None, prefix=f"c{result.criterion.id}", data={
                "met": None if e is None else ("1" if e.met else "0"),
                "evidence": e.evidence if e else "", "reference": e.reference if e else ""})
    return render("drugfree/commune.html", status=status, a=assessment, year=year,
                  years=_years(), forms=forms, errors=errors or {},
                  may_enter=services.may_enter(current_user, unit),
                  may_confirm=services.may_confirm(current_user, unit), metrics=METRICS)


def _criterion_or_404(criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None:
        abort(404)
    return criterion


@bp.post("/<code>/<int:year>/<int:criterion_id>")
@roles(Role.COMMUNE)
def enter(code: str, year: int, criterion_id: int):
    unit = get_unit_or_404(current_user, code)
    criterion = _criterion_or_404(criterion_id)
    form = EntryForm(prefix=f"c{criterion_id}")
    try:
        if not form.validate():
            raise services.DrugFreeError(form.input_error() or "Vui lòng kiểm tra lại.")
        services.enter(current_user, unit, year, criterion, form.met_value, form.evidence.data,
                       form.reference.data)
    except services.DrugFreeError as exc:
        db.session.rollback()
        return _commune_page(unit, year, {criterion_id: str(exc)}, {criterion_id: form}, 422)
    db.session.commit()
    return done(url_for("drugfree.commune", code=code, year=year) + f"#c{criterion_id}",
                "Đã lưu.")


@bp.post("/<code>/<int:year>/<int:criterion_id>/confirm")
@roles(Role.DISTRICT, Role.PROVINCE)
def confirm(code: str, year: int, criterion_id: int):
    unit = get_unit_or_404(current_user, code)
    entry = db.session.scalar(select(Entry).where(
        Entry.unit_id == unit.id, Entry.year == year, Entry.criterion_id == criterion_id))
    if entry is None:
        abort(404)
    back = url_for("drugfree.commune", code=code, year=year)
    try:
        services.check_confirmable(current_user, entry)
        if not confirmation.confirmed():
            return confirmation.ask(f"Xác nhận tiêu chí “{entry.criterion.label}” của "
                                    f"{unit.name} năm {year}?", back, "Xác nhận tiêu chí")
        services.confirm(current_user, entry)
    except services.DrugFreeError as exc:
        db.session.rollback()
        return _commune_page(unit, year, {criterion_id: str(exc)}, status=422)
    db.session.commit()
    return done(back + f"#c{criterion_id}", "Đã xác nhận.")


# --- Criteria (administrators) ---------------------------------------------------------------

@bp.get("/criteria")
@roles(Role.ADMIN, Role.PROVINCE, Role.DISTRICT, Role.COMMUNE)
def criteria():
    rows = list(db.session.scalars(select(Criterion).order_by(Criterion.position, Criterion.id)))
    return render("drugfree/criteria.html", rows=rows, kinds=KINDS, metrics=METRICS,
                  editable=current_user.role == Role.ADMIN, form=CriterionForm(formdata=None),
                  errors={})


@bp.post("/criteria", defaults={"criterion_id": None})
@bp.post("/criteria/<int:criterion_id>")
@roles(Role.ADMIN)
def save_criterion(criterion_id: int | None):
    criterion = _criterion_or_404(criterion_id) if criterion_id else None
    form = CriterionForm()
    try:
        if not form.validate():
            field = next((f for f in form if f.errors), None)
            raise services.DrugFreeError(field.errors[0] if field else "Vui lòng kiểm tra lại.",
                                         field.name if field else None)
        services.save_criterion(criterion, {
            "label": form.label.data, "kind": form.kind.data, "metric": form.metric.data,
            "threshold": form.threshold.data, "valid_from": form.valid_from.parsed,
            "valid_to": form.valid_to.parsed})
    except services.DrugFreeError as exc:
        db.session.rollback()
        rows = list(db.session.scalars(select(Criterion).order_by(Criterion.position)))
        return render("drugfree/criteria.html", status=422, rows=rows, kinds=KINDS,
                      metrics=METRICS, editable=True, form=form,
                      errors={criterion_id or "new": str(exc)})
    db.session.commit()
    return done(url_for("drugfree.criteria"), "Đã lưu.")
