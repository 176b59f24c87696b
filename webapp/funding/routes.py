"""Funding, activities and the drafted yearly report. Thin: parse, call the services, render."""
from __future__ import annotations

from flask import Blueprint, request, send_file, url_for
from flask_login import current_user

from ..access import roles
from ..audit import services as audit
from ..auth.models import Role
from ..confirm import ask, confirmed
from ..documents.word import DOCX_MIMETYPE
from ..extensions import db
from ..forms import query_problems
from ..rendering import done, render
from ..scoping import may_keep_books, scoped_units
from ..stats.services import parse_years
from ..timeutil import today_local
from ..units.models import Unit
from . import activities, services, yearly
from .forms import ActivityForm, EntryForm, NumberForm, SectionsForm, choices
from .vocab import ACTIVITY_KINDS, CATEGORIES, DOCUMENT_TYPES, SHORT_SOURCES, SOURCES

bp = Blueprint("funding", __name__)

OFFICERS = (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(errors: dict) -> Unit:
    """The unit asked for (?unit=code, within the scope), else the user's own."""
    code = (request.args.get("unit") or "").strip()
    if "unit" in query_problems():
        errors["unit"] = query_problems()["unit"]
    elif code:
        found = db.session.scalar(scoped_units(current_user).where(Unit.code == code))
        if found is not None:
            return found
        errors["unit"] = f"Không có đơn vị mã “{code[:10]}” trong phạm vi của bạn."
    return current_user.unit


def _year(errors: dict) -> int:
    current = today_local().year
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return current
    if raw.isascii() and raw.isdigit() and services.FIRST_YEAR <= int(raw) <= current:
        return int(raw)
    errors["year"] = (f"Năm “{raw[:10]}” không hợp lệ (từ {services.FIRST_YEAR} đến {current}); "
                      f"đang hiển thị năm {current}.")
    return current


def _years() -> list[int]:
    return list(range(today_local().year, services.FIRST_YEAR - 1, -1))[:15]


def _keeps(unit: Unit) -> bool:
    return may_keep_books(current_user, unit)


def _units():
    return db.session.scalars(scoped_units(current_user).where(Unit.level != "commune")
                              if current_user.role != Role.COMMUNE
                              else scoped_units(current_user)).all()


def _refused(form, exc: services.FundingError, errors: dict) -> None:
    """The services' messages beside their fields; the others at the top of the page."""
    for name, message in exc.errors.items():
        if name in form:
            form[name].errors = [message]
        else:
            errors[name] = message


# --- Funding entries ----------------------------------------------------------------------------

def _entries_page(unit: Unit, year: int, form: EntryForm | None = None, errors=None,
                  status: int = 200):
    errors = errors or {}
    editable = may_keep_books(current_user, unit)
    form = form or EntryForm(formdata=None)
    form.activity_id.choices = choices(((str(i), label) for i, label in
                                        services.activity_choices(unit, year)), blank=True)
    entries = services.entries_for(unit, year)
    result = services.summary(unit, year, year)
    rates_day = min(today_local(), services.year_bounds(year)[1])
    return render("funding/index.html", "funding/_entries.html", status=status, unit=unit,
                  year=year, years=_years(), form=form, errors=errors, editable=editable,
                  entries=entries, result=result, totals=result.years[0],
                  rows=services.by_category_rows(result), sources=SOURCES,
                  short_sources=SHORT_SOURCES, categories=CATEGORIES,
                  rates=services.rates_on(rates_day, unit), rates_day=rates_day,
                  paragraph=services.paragraphs(result), units=_units(), keeps=_keeps)


@bp.get("/funding/")
@roles(*OFFICERS)
def index():
    errors: dict = {}
    unit, year = _unit(errors), _year(errors)
    return _entries_page(unit, year, errors=errors)


@bp.post("/funding/")
@roles(*OFFICERS)
def add_entry():
    errors: dict = {}
    year = _year(errors)
    unit = current_user.unit
    form = EntryForm()
    if errors:
        return _entries_page(unit, year, form, errors, status=422)
    if not form.validate():
        return _entries_page(unit, year, form, status=422)
    try:
        entry = services.add_entry(current_user, unit, year, request.form.to_dict())
    except services.FundingError as exc:
        db.session.rollback()
        _refused(form, exc, errors)
        return _entries_page(unit, year, form, errors, status=422)
    db.session.commit()
    return done(url_for("funding.index", year=year),
                f"Đã ghi khoản chi {entry.amount:,}đ.".replace(",", "."))


@bp.post("/funding/entries/<int:entry_id>/delete")
@roles(*OFFICERS)
def delete_entry(entry_id: int):
    entry = services.get_entry_or_404(current_user, entry_id)
    year = entry.spent_on.year
    back = url_for("funding.index", year=year)
    if not may_keep_books(current_user, entry.unit):
        return _entries_page(entry.unit, year, errors={
            "entry": "Chỉ cán bộ của đơn vị mới xóa khoản chi của đơn vị."}, status=403)
    if not confirmed():
        return ask(f"Xóa khoản chi {entry.amount:,}đ ngày {entry.spent_on:%d/%m/%Y}?"
                   .replace(",", "."), back, "Xóa")
    services.delete_entry(current_user, entry)
    db.session.commit()
    return done(back, "Đã xóa khoản chi.")


# --- Summary over years and the annex ----------------------------------------------------------

@bp.get("/funding/summary")
@roles(*OFFICERS)
def summary():
    errors: dict = {}
    unit = _unit(errors)
    first, last, year_errors = parse_years(request.args)
    errors.update(year_errors)
    result = services.summary(unit, first, last)
    return render("funding/summary.html", unit=unit, first=first, last=last, errors=errors,
                  result=result, rows=services.by_category_rows(result), sources=SOURCES,
                  short_sources=SHORT_SOURCES, paragraph=services.paragraphs(result),
                  units=_units())


@bp.get("/funding/annex.xlsx")
@roles(*OFFICERS)
def annex():
    errors: dict = {}
    unit = _unit(errors)
    first, last, _ = parse_years(request.args)
    stream = yearly.annex02(services.summary(unit, first, last), today_local())
    audit.record("export", "FundingAnnex", None, {"unit": unit.code, "from": first, "to": last})
    db.session.commit()
    return send_file(stream, as_attachment=True, mimetype=XLSX,
                     download_name=f"phu-luc-02-kinh-phi-{unit.code}-{first}-{last}.xlsx")


# --- Activities ---------------------------------------------------------------------------------

def _activities_page(unit: Unit, year: int, form: ActivityForm | None = None, errors=None,
                     status: int = 200):
    listed = activities.activities_for(unit, year)
    return render("funding/activities.html", status=status, unit=unit, year=year,
                  years=_years(), form=form or ActivityForm(formdata=None), errors=errors or {},
                  editable=may_keep_books(current_user, unit), activities=listed,
                  spent=activities.funding_of([a.id for a in listed]), kinds=ACTIVITY_KINDS,
                  document_types=DOCUMENT_TYPES, phrase=activities.document_phrase,
                  units=_units(), keeps=_keeps)


@bp.get("/activities/")
@roles(*OFFICERS)
def activity_list():
    errors: dict = {}
    unit, year = _unit(errors), _year(errors)
    return _activities_page(unit, year, errors=errors)


@bp.post("/activities/")
@roles(*OFFICERS)
def add_activity():
    errors: dict = {}
    year = _year(errors)
    unit = current_user.unit
    form = ActivityForm()
    if errors or not form.validate():
        return _activities_page(unit, year, form, errors, status=422)
    try:
        activities.add_activity(current_user, unit, year, request.form.to_dict())
    except services.FundingError as exc:
        db.session.rollback()
        _refused(form, exc, errors)
        return _activities_page(unit, year, form, errors, status=422)
    db.session.commit()
    return done(url_for("funding.activity_list", year=year), "Đã ghi hoạt động.")


@bp.post("/activities/<int:activity_id>/delete")
@roles(*OFFICERS)
def delete_activity(activity_id: int):
    activity = activities.get_activity_or_404(current_user, activity_id)
    year = activity.held_on.year
    back = url_for("funding.activity_list", year=year)
    if may_keep_books(current_user, activity.unit) and not confirmed():
        return ask(f"Xóa hoạt động “{activity.title[:80]}”?", back, "Xóa")
    try:
        activities.delete_activity(current_user, activity)
    except services.FundingError as exc:
        db.session.rollback()
        return _activities_page(activity.unit, year, errors=exc.errors, status=409)
    db.session.commit()
    return done(back, "Đã xóa hoạt động.")


# --- The yearly report --------------------------------------------------------------------------

def _range(errors: dict):
    unit = _unit(errors)
    first, last, year_errors = parse_years(request.args)
    errors.update(year_errors)
    return unit, first, last


def _yearly_page(unit, first, last, errors=None, form=None, status=200):
    result = yearly.draft(unit, first, last)
    if form is None:
        form = SectionsForm(formdata=None, obj=result.report)
    numbers = NumberForm(formdata=None, obj=result.report)
    return render("funding/yearly.html", status=status, unit=unit, first=first, last=last,
                  result=result, form=form, numbers=numbers, errors=errors or {},
                  editable=may_keep_books(current_user, unit), typed=yearly.TYPED,
                  units=_units(), args={"unit": unit.code, "from": first, "to": last})


@bp.get("/yearly/")
@roles(*OFFICERS)
def yearly_report():
    errors: dict = {}
    unit, first, last = _range(errors)
    return _yearly_page(unit, first, last, errors)


@bp.post("/yearly/")
@roles(*OFFICERS)
def save_yearly():
    errors: dict = {}
    unit, first, last = _range(errors)
    form = SectionsForm()
    if errors or not form.validate():
        return _yearly_page(unit, first, last, errors, form, status=422)
    try:
        yearly.save_sections(current_user, unit, first, last, request.form.to_dict())
    except services.FundingError as exc:
        db.session.rollback()
        _refused(form, exc, errors)
        return _yearly_page(unit, first, last, errors, form, status=422)
    except yearly.StaleReport:
        db.session.rollback()
        current = yearly.stored(unit, first, last)
        form.version.data = str(current.version) if current else ""  # a second save overwrites
        errors["version"] = ("Báo cáo vừa được người khác lưu. Nội dung bạn nhập vẫn còn dưới "
                             "đây; vui lòng mở lại trang (trong thẻ khác) để xem bản đã lưu, "
                             "rồi gộp và lưu lại.")
        return _yearly_page(unit, first, last, errors, form, status=409)
    db.session.commit()
    return done(url_for("funding.yearly_report", unit=unit.code, **{"from": first, "to": last}),
                "Đã lưu nội dung báo cáo.")


@bp.post("/yearly/report.docx")
@roles(*OFFICERS)
def yearly_docx():
    errors: dict = {}
    unit, first, last = _range(errors)
    form = NumberForm()
    if errors or not form.validate():
        return _yearly_page(unit, first, last, errors, status=422)
    try:
        number = yearly.store_number(current_user, unit, first, last, request.form.get("number"))
    except services.FundingError as exc:
        db.session.rollback()
        return _yearly_page(unit, first, last, exc.errors, status=422)
    day = today_local()
    stream = yearly.docx(yearly.draft(unit, first, last), day, number)
    audit.record("export", "YearlyReport", None, {"unit": unit.code, "from": first, "to": last,
                                                  "number": number})
    db.session.commit()
    return send_file(stream, as_attachment=True, mimetype=DOCX_MIMETYPE,
                     download_name=f"bao-cao-{unit.code}-{first}-{last}.docx")


@bp.get("/yearly/bieu-01.xlsx")
@roles(*OFFICERS)
def yearly_bieu01():
    errors: dict = {}
    unit, first, last = _range(errors)
    stream = yearly.bieu01(unit, first, last, today_local())
    audit.record("export", "YearlyReportBieu01", None, {"unit": unit.code, "from": first,
                                                        "to": last})
    db.session.commit()
    return send_file(stream, as_attachment=True, mimetype=XLSX,
                     download_name=f"bieu-01-ket-qua-cai-nghien-{unit.code}-{first}-{last}.xlsx")

