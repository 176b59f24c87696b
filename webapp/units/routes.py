from __future__ import annotations

from flask import Blueprint

from flask_login import current_user

from ..access import signed_in
from ..extensions import db
from ..rendering import render
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
