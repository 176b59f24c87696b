"""The yearly registers Sổ 01–05-SCN of a commune: the list of a year's registers, each as a
print view and an Excel file (A4 landscape, STT and the register's columns), every print and
export recorded with the persons it showed."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, send_file
from flask_login import current_user

from .. import official
from ..reports.document import signatures_of
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


def _register(unit_code: str, year: str, code: str, action: str):
    """(unit, year, register, rows, None), or (…, the refusal page): the rows recorded in the
    audit log as `action` (print, export) with the persons they show."""
    unit, year_ = get_unit_or_404(current_user, unit_code), _year(year)
    try:
        register = services.check(unit, code, year_)
    except services.RegisterError as exc:
        return unit, year_, None, [], render("registers/index.html", status=422, unit=unit,
                                             year=year_, error=str(exc), registers=[])
    rows = services.register_rows(current_user, unit, register, year_)
    audit.record(action, "Register", None, {"unit": unit.code, "register": register.code,
                                            "year": year_, "rows": len(rows)},
                 persons=[pid for pid, _ in rows])
    db.session.commit()
    return unit, year_, register, [cells for _, cells in rows], None


@bp.route("/<unit_code>/<year>/<code>")
@roles(*OFFICERS)
def show(unit_code: str, year: str, code: str):
    unit, year_, register, rows, refusal = _register(unit_code, year, code, "print")
    if refusal is not None:
        return refusal
    return render("registers/print.html", unit=unit, year=year_, register=register,
                  rows=rows, printed=services.printed,
                  columns=services.PERSON_COLUMNS + register.columns,
                  head=replace(official.heading(unit, today_local()), number=""),
                  signatures=signatures_of(unit, maker="NGƯỜI LẬP SỔ"))


@bp.route("/<unit_code>/<year>/<code>.xlsx")
@roles(*OFFICERS)
def xlsx(unit_code: str, year: str, code: str):
    unit, year_, register, rows, refusal = _register(unit_code, year, code, "export")
    if refusal is not None:
        return refusal
    stream = register_workbook(unit, register, year_, rows)
    response = send_file(stream, mimetype=XLSX, as_attachment=True, max_age=0, etag=False,
                         last_modified=None,
                         download_name=f"so-{register.code}-scn-{year_}-{unit.code}.xlsx")
    response.headers["Cache-Control"] = "no-store, private"
    return response
