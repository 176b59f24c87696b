"""Yearly statistics (`/stats/`), the drafted paragraph, and their Excel file."""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from .. import settings
from ..access import roles
from ..auth.models import OFFICER_ROLES, Role
from ..extensions import commit_keeping_loaded, db
from ..forms import query_problems
from ..rendering import render
from ..scoping import scoped_units
from ..units.models import Level, Unit
from . import services

bp = Blueprint("stats", __name__, url_prefix="/stats")


def _query():
    code = (request.args.get("unit") or "").strip()
    errors: dict[str, str] = {}
    unit = current_user.unit
    if "unit" in query_problems():
        errors["unit"] = query_problems()["unit"]
    elif code:
        found = db.session.scalar(scoped_units(current_user).where(Unit.code == code))
        if found is None:
            errors["unit"] = f"Không có đơn vị mã “{code[:10]}” trong phạm vi của bạn."
        else:
            unit = found
    first, last, year_errors = services.parse_years(request.args)
    errors.update(year_errors)
    return unit, first, last, errors


@bp.route("/")
@roles(*OFFICER_ROLES)
def index():
    unit, first, last, errors = _query()
    stats = services.yearly(unit, first, last)
    commit_keeping_loaded()  # the past years it counted are kept
    units = db.session.scalars(scoped_units(current_user).where(
        Unit.level != Level.COMMUNE if current_user.role != Role.COMMUNE else True)).all()
    return render("stats/index.html", unit=unit, first=first, last=last, errors=errors,
                  stats=stats, table=services.table(stats), units=units,
                  counted_at=services.counted_at(stats),
                  cache_hours=settings.get("dashboard_cache_hours"),
                  caption=services.rule_caption(stats), paragraphs=services.paragraphs(stats),
                  rehab=[services.rehab_paragraph(s) for s in stats])




@bp.route("/export.xlsx")
@roles(*OFFICER_ROLES)
def export():
    from flask import send_file

    from ..audit import services as audit

    unit, first, last, _ = _query()
    stats = services.yearly(unit, first, last)
    from .workbook import stats_workbook

    stream = stats_workbook(unit, first, last, services.table(stats),
                            services.paragraphs(stats), services.rule_caption(stats))
    audit.record("export", "Stats", None, {"unit": unit.code, "from": first, "to": last})
    db.session.commit()
    return send_file(stream, as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"thong-ke-{unit.code}-{first}-{last}.xlsx")
