"""The dashboard: on the home page for the user's own unit, and for any unit in scope."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ..access import roles
from ..auth.models import Role
from ..extensions import commit_keeping_loaded
from ..rendering import render
from ..scoping import get_unit_or_404
from . import services

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def board_for(unit):
    """The dashboard of `unit` for the current user, or None for administrators. The figures
    it had to count are kept (committed), so the next page view reads them."""
    if not services.may_see(current_user):
        return None
    board = services.build(current_user, unit)
    commit_keeping_loaded()  # not reloading the signed-in user and the unit shown
    return board


@bp.get("/<code>")
@roles(Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)
def unit(code: str):
    target = get_unit_or_404(current_user, code)  # outside the scope: 404
    board = board_for(target)
    if board is None:
        abort(404)
    # The home page asks for the fragment alone (htmx, on load); a plain visit gets the page.
    return render("main/dashboard.html", "main/_dashboard.html", board=board)
