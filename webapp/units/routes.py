from __future__ import annotations

from flask import Blueprint, request, url_for

from flask_login import current_user

from ..access import roles, signed_in
from ..auth.models import Role
from ..extensions import db
from ..rendering import done, render
from ..scoping import get_unit_or_404, scoped_units

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
    return render("units/detail.html", unit=unit)


@bp.post("/<code>/population")
@roles(Role.ADMIN)
def population(code: str):
    from . import services

    unit = get_unit_or_404(current_user, code)
    try:
        changed = services.set_population(unit, request.form.get("population"))
    except services.UnitError as exc:
        db.session.rollback()
        return render("units/detail.html", status=422, unit=unit, population_error=str(exc),
                      typed=request.form.get("population", ""))
    db.session.commit()
    return done(url_for("units.detail", code=code), "Đã lưu." if changed else None)
