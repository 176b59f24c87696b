"""Who may call which view, declared on the view and enforced for every request.

Access is denied by default: a view without a declaration answers 403, so a new page cannot
forget its check. The route walk test reads the same declarations.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, request
from typing import TYPE_CHECKING

from flask_login import current_user

if TYPE_CHECKING:
    from .auth.models import Role

PUBLIC = "public"
SIGNED_IN = "signed_in"


def public(view: Callable) -> Callable:
    view._access = PUBLIC
    return view


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    view._access = SIGNED_IN
    return view


def roles(*allowed: Role) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        view._access = frozenset(allowed)
        return view

    return decorate


def access_of(endpoint: str | None):
    if endpoint is None:
        return PUBLIC  # no route matched: the 404/405 handlers answer
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def enforce() -> None:
    """before_request hook."""
    rule = access_of(request.endpoint)
    if rule == PUBLIC:
        return
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if rule == SIGNED_IN:
        return
    if rule is None or current_user.role not in rule:
        abort(403)
