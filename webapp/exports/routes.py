"""Excel downloads (.xlsx), each recorded in the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_login import current_user

from ..access import roles
from ..audit import services as audit
from ..auth.models import Role
from ..extensions import db
from ..reports import services as reports
from ..scoping import get_unit_or_404
from . import workbooks

bp = Blueprint("exports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/reports/<period>/<unit_code>.xlsx")
@roles(Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)
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
    return send_file(stream, mimetype=XLSX, as_attachment=True,
                     download_name=f"bao-cao-thang-{period}-{unit.code}.xlsx")
