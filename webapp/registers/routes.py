"""The yearly registers Sổ 01–05-SCN of a commune: the list of a year's registers, each as a
print view and an Excel file (A4 landscape, STT and the register's columns), every print and
export recorded with the persons it showed."""
from __future__ import annotations

from flask import Blueprint, abort, request, send_file, url_for
from flask_login import current_user

from .. import official
from ..access import roles
from ..audit import services as audit
from ..auth.models import Role
from ..extensions import db
from ..rendering import render
from ..scoping import get_unit_or_404
from ..timeutil import today_local
from . import services
from .workbook import register_workbook

bp = Blueprint("registers", __name__, url_prefix="/registers")
OFFICERS = (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        abort(404)
    return int(text)


@bp.route("/<unit_code>/<year>/")
@roles(*OFFICERS)
def index(unit_code: str, year: str):
    unit, year_ = get_unit_or_404(current_user, unit_code), _year(year)
    try:
        services.check(unit, "01", year_)
    except services.RegisterError as exc:
        return render("registers/index.html", status=422, unit=unit, year=year_, error=str(exc),
                      registers=[])
    return render("registers/index.html", unit=unit, year=year_, error=None,
                  registers=services.registers_for(year_))


def _register(unit_code: str, year: str, code: str):
    unit, year_ = get_unit_or_404(current_user, unit_code), _year(year)
    try:
        register = services.check(unit, code, year_)
    except services.RegisterError as exc:
        return unit, year_, None, str(exc)
    return unit, year_, register, None


@bp.route("/<unit_code>/<year>/<code>")
@roles(*OFFICERS)
def show(unit_code: str, year: str, code: str):
    unit, year_, register, error = _register(unit_code, year, code)
    if error:
        return render("registers/index.html", status=422, unit=unit, year=year_, error=error,
                      registers=[])
    rows = services.register_rows(current_user, unit, register, year_)
    audit.record("print", "Register", None, {"unit": unit.code, "register": register.code,
                                              "year": year_, "rows": len(rows)},
                 persons=[pid for pid, _ in rows])
    db.session.commit()
    return render("registers/print.html", unit=unit, year=year_, register=register,
                  rows=[cells for _, cells in rows], printed=services.printed,
                  columns=services.PERSON_COLUMNS + register.columns,
                  head=official.heading(unit, today_local(), kind="SO", dated=today_local()),
                  signatures=(official.Signature("NGƯỜI LẬP SỔ"),
                              official.Signature("CHỦ TỊCH", "(Ký, ghi rõ họ tên, đóng dấu)",
                                                 unit.head_name)))


@bp.route("/<unit_code>/<year>/<code>.xlsx")
@roles(*OFFICERS)
def xlsx(unit_code: str, year: str, code: str):
    unit, year_, register, error = _register(unit_code, year, code)
    if error:
        return render("registers/index.html", status=422, unit=unit, year=year_, error=error,
                      registers=[])
    rows = services.register_rows(current_user, unit, register, year_)
    stream = register_workbook(unit, register, year_, [cells for _, cells in rows])
    audit.record("export", "Register", None, {"unit": unit.code, "register": register.code,
                                               "year": year_, "rows": len(rows)},
                 persons=[pid for pid, _ in rows])
    db.session.commit()
    response = send_file(stream, mimetype=XLSX, as_attachment=True, max_age=0, etag=False,
                         last_modified=None,
                         download_name=f"so-{register.code}-scn-{year_}-{unit.code}.xlsx")
    response.headers["Cache-Control"] = "no-store, private"
    return response
