from __future__ import annotations

from flask import Blueprint, request, url_for

from flask_login import current_user

from ..access import roles, signed_in
from ..auth.models import Role
from ..extensions import db
from ..rendering import done, render
from ..scoping import can_edit_unit_head, get_unit_or_404, scoped_units
from .forms import HeadForm

bp = Blueprint("units", __name__, url_prefix="/units")


@bp.route("/")
@signed_in
def tree():
    units = db.session.scalars(scoped_units(current_user)).all()
    return render("units/tree.html", units=units, root=current_user.unit)


@bp.route("/<code>")
@signed_in
def detail(code: str):
    unit = get_unit_or_404(current_user, code)
    return _detail(unit)


def _detail(unit, status: int = 200, **extra):
    """The unit's page, with the head's form where the user may name the head."""
    extra.setdefault("form", HeadForm(obj=unit))
    extra.setdefault("can_edit_head", can_edit_unit_head(current_user, unit))
    return render("units/detail.html", status=status, unit=unit, **extra)


@bp.route("/<code>/head", methods=["POST"])
@signed_in
def head(code: str):
    """The head's name and title printed under THỦ TRƯỞNG ĐƠN VỊ (audited on the unit)."""
    unit = get_unit_or_404(current_user, code)
    form = HeadForm(request.form)
    if not can_edit_unit_head(current_user, unit):
        return render("units/detail.html", status=409, unit=unit, form=form,
                      can_edit_head=False, refusal="Chỉ quản trị viên hoặc cán bộ của chính "
                      "đơn vị mới ghi thủ trưởng đơn vị.")
    if not form.validate():
        return render("units/detail.html", status=422, unit=unit, form=form,
                      can_edit_head=True)
    unit.head_name, unit.head_title = form.head_name.data, form.head_title.data
    db.session.commit()
    return done(url_for("units.detail", code=unit.code), "Đã lưu thủ trưởng đơn vị.")


@bp.post("/<code>/population")
@roles(Role.ADMIN)
def population(code: str):
    from . import services

    unit = get_unit_or_404(current_user, code)
    try:
        changed = services.set_population(unit, request.form.get("population"))
    except services.UnitError as exc:
        db.session.rollback()
        return _detail(unit, 422, population_error=str(exc),
                       typed=request.form.get("population", ""))
    db.session.commit()
    return done(url_for("units.detail", code=code), "Đã lưu." if changed else None)
