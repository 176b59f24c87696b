"""Excel downloads (.xlsx), each recorded in the audit log.

The files hold personal data: they are never cached, and a named list's export records who
took which list (filters and row count)."""
from __future__ import annotations

from flask import Blueprint, abort, request, send_file
from flask_login import current_user

from ..access import roles
from ..audit import services as audit
from ..auth.models import OFFICER_ROLES, Role
from ..extensions import db
from ..registry.queries import PersonFilters
from ..reports import services as reports
from ..scoping import get_unit_or_404
from ..timeutil import today_local
from . import workbooks

bp = Blueprint("exports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICERS = OFFICER_ROLES


def _send(stream, name: str):
    response = send_file(stream, mimetype=XLSX, as_attachment=True, download_name=name,
                         max_age=0, etag=False, last_modified=None)
    response.headers["Cache-Control"] = "no-store, private"
    # Tells the page (static/js/download.js) that the file is ready; a random token, no data.
    token = request.args.get("dl", "")
    if token.isalnum() and len(token) <= 32:
        response.set_cookie("download_ready", token, max_age=60, samesite="Lax")
    return response


@bp.route("/reports/<period>/<unit_code>.xlsx")
@roles(*OFFICERS)
def report_xlsx(period: str, unit_code: str):
    parsed = reports.parse_period(period)
    if parsed is None:
        abort(404)
    year, month = parsed
    unit = get_unit_or_404(current_user, unit_code)
    stream = workbooks.report_workbook(unit, year, month)
    audit.record("export", "MonthlySubmission", None,
                 {"unit": unit.code, "period": period})
    db.session.commit()
    return _send(stream, f"bao-cao-thang-{period}-{unit.code}.xlsx")


@bp.route("/persons/export.xlsx")
@roles(*OFFICERS)
def registry_xlsx():
    """The registry list in the user's scope with the list's filters (bad values are ignored,
    as on the list page), every matching person, in the list's order."""
    filters = PersonFilters.from_args(request.args)
    today = today_local()
    export = workbooks.registry_workbook(current_user, filters, today)
    audit.record("export", "Person", None,
                 {"filters": audit.filters_for_log(filters.as_args(page=1)), "rows": export.rows,
                  "format": "xlsx"}, persons=export.person_ids)
    db.session.commit()
    return _send(export.stream,
                 f"danh-sach-doi-tuong-{export.unit_code}-{today.strftime('%d-%m-%Y')}.xlsx")
