from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user
from sqlalchemy import func, select, text

from .. import settings
from ..access import public, signed_in
from ..extensions import commit_keeping_loaded, db
from ..rendering import render
from ..scoping import scoped_units
from ..timeutil import today_local
from ..units.models import Level, Unit

bp = Blueprint("main", __name__)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the database does not answer: say so, never a stack trace
        db.session.rollback()
        return Response("database unavailable", 503, mimetype="text/plain")
    return Response("ok", 200, mimetype="text/plain")


@bp.route("/")
@signed_in
def home():
    from .worklist import report_due, returned_reports, worklist

    from ..dashboard import services as dashboard

    period, due = report_due(today_local())
    work = worklist(current_user)
    commit_keeping_loaded()  # a reviewer's counts, when just made, are kept for the next view
    # The dashboard's charts follow in their own request (htmx, on load; a plain link
    # without JavaScript): on a slow link the worklist is readable before they arrive.
    return render("main/home.html", unit_counts=_unit_counts(), work=work,
                  returned=returned_reports(current_user), report_period=period,
                  report_due_on=due, work_cache_minutes=settings.get("worklist_cache_minutes"),
                  board_unit=current_user.unit
                  if dashboard.may_see(current_user) else None)


def _unit_counts() -> dict[str, int]:
    unit = current_user.unit
    if unit.level == Level.COMMUNE:  # a leaf: the scope is the commune itself
        return {unit.level: 1} if unit.valid_to is None else {}
    sub = scoped_units(current_user).where(Unit.valid_to.is_(None)).subquery()
    return dict(db.session.execute(select(sub.c.level, func.count()).group_by(sub.c.level)).all())
