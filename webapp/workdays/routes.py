"""The working-day calendar (administrators) and the deadlines list (officers)."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_login import current_user

from ..access import roles
from ..auth.models import OFFICER_ROLES, Role
from ..audit import services as audit
from ..extensions import commit_keeping_loaded, db
from ..rendering import done, render
from ..scoping import scoped_persons, scoped_transfers
from ..timeutil import today_local
from . import calendar, deadlines, services
from ..registry.models import TransferRequest

bp = Blueprint("workdays", __name__)

OFFICERS = OFFICER_ROLES
SPARE_ROWS = 5


def _posted_rows() -> list[services.Row]:
    form = request.form
    raw = form.get("rows", "")
    count = min(int(raw), 400) if raw.isdigit() else 0
    return [services.Row(form.get(f"day-{i}", ""), form.get(f"kind-{i}", ""),
                         form.get(f"note-{i}", "")) for i in range(count)]


@bp.route("/admin/calendar", methods=["GET", "POST"], endpoint="calendar")
@roles(Role.ADMIN)
def calendar_page():
    rows, status, failed = None, 200, False
    if request.method == "POST":
        rows = _posted_rows()
        if services.save(rows, current_user):
            db.session.commit()
            return done(url_for("workdays.calendar"), "Đã lưu lịch ngày nghỉ, ngày làm bù.")
        db.session.rollback()
        status, failed = 422, True
    rows = [r for r in (rows if rows is not None else services.current_rows()) if not r.blank
            or r.error] + [services.Row() for _ in range(SPARE_ROWS)]
    today = today_local()
    national = calendar.national_holidays(today.year)
    return render("workdays/calendar.html", status=status, rows=rows, kinds=calendar.KINDS,
                  failed=failed, national=national, year=today.year,
                  make_up=calendar.make_up_days(today.year))


@bp.route("/deadlines/")
@roles(*OFFICERS)
def index():
    today = today_local()
    decisions = deadlines.pending_decisions(scoped_persons(current_user), today)
    transfers = db.session.scalars(scoped_transfers(current_user).where(
        TransferRequest.status == "pending").order_by(TransferRequest.requested_at)).all()
    handovers = [(t, deadlines.handover(t, today)) for t in transfers]
    audit.record("view_list", "Deadline", None, {"rows": len(decisions) + len(handovers)},
                 persons=[p.id for p, _ in decisions] + [t.person_id for t, _ in handovers])
    commit_keeping_loaded()
    return render("workdays/deadlines.html", decisions=decisions, handovers=handovers)
