"""THE one place that turns the current user into what they may see.

A user belongs to one unit and sees exactly that unit's subtree. Every query for units, users,
persons, episodes and reports is narrowed here; views never filter by unit themselves.
Anything outside the scope is answered with 404, never with a hint that it exists.
"""
from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import Select, any_, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstrumentedAttribute

from .auth.models import REVIEWER_ROLES, Role, User
from .extensions import db
from .units.models import Level, Unit, under

T = TypeVar("T")


def units_in_scope(user: User) -> Select:
    """Ids of every unit the user may see (their unit and all below it), as a subquery."""
    return select(Unit.id).where(under(Unit.path, user.unit.path))


def restrict(query: Select[T], user: User, unit_column: InstrumentedAttribute) -> Select[T]:
    """Narrow any query to rows whose `unit_column` lies in the user's subtree."""
    return query.where(unit_column.in_(units_in_scope(user)))


def seek_by_unit(query: Select[T], user: User, unit_column: InstrumentedAttribute) -> Select[T]:
    """The same scope once more, as one array of the subtree's unit ids on PostgreSQL: with
    only the subquery, a list ordered by name walks the whole country's persons in that order
    and drops those outside the subtree (10 ms for a province's first page, far more for a
    district's); with the array it seeks the subtree's persons by unit, then sorts them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return query  # SQLite seeks by unit already
    return query.where(unit_column == any_(func.array(units_in_scope(user).scalar_subquery())))


def scoped_units(user: User) -> Select[tuple[Unit]]:
    return select(Unit).where(under(Unit.path, user.unit.path)).order_by(Unit.path)


def refused(object_type: str, object_id: int, unit_id: int | None = None):
    """Answer 404 for something that exists outside the user's scope, and record the attempt
    as a security event first (committed: the 404 would roll the request back)."""
    from flask import has_request_context, request

    from .audit import services as audit

    detail = {"unit": unit_id}
    if has_request_context():
        detail["path"] = request.path[:200]  # ids and codes only, never a query string
    audit.record("refused", object_type, object_id, detail)
    db.session.commit()
    abort(404)


def get_unit_or_404(user: User, code: str) -> Unit:
    unit = db.session.scalar(scoped_units(user).where(Unit.code == code))
    if unit is None:
        other = db.session.scalar(select(Unit).where(Unit.code == code))
        if other is not None:
            refused("Unit", other.id, other.id)
        abort(404)
    return unit


def in_scope(user: User, unit: Unit) -> bool:
    return user.unit.contains(unit)


def can_edit_unit_head(user: User, unit: Unit) -> bool:
    """Who names the head signing a unit's reports: an administrator whose scope holds it,
    or the unit's own officers."""
    if user.role == Role.ADMIN:
        return unit.path.startswith(user.unit.path)
    return user.unit_id == unit.id


def can_review(user: User, unit: Unit) -> bool:
    """The reviewer of a unit is an officer of its parent unit (district, province, or the
    ministry for a province)."""
    return (
        user.role in REVIEWER_ROLES
        and unit.parent_id is not None
        and unit.parent_id == user.unit_id
    )


def get_owned_or_404(model, user: User, object_id: int, options=()):
    """A user's own piece of work (an upload, a background job and its file): its owner's
    alone, whoever else may see its unit; anyone else gets 404, as for anything out of scope.
    `options`: loader options (columns deferred until read)."""
    found = db.session.get(model, object_id, options=list(options))
    if found is None or found.user_id != user.id:
        abort(404)
    return found
def may_keep_books(user: User, unit: Unit) -> bool:
    """Funding entries, activities and the yearly report's typed sections of a unit are kept by
    that unit's own officers; the units above read them."""
    return user.role in (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE) and unit.id == user.unit_id


def scoped_users(user: User) -> Select[tuple[User]]:
    return restrict(select(User), user, User.unit_id)


def may_edit_file(user: User, person) -> bool:
    """Only the officers of the commune that keeps a file record, correct or void its entries."""
    return user.role == Role.COMMUNE and person.unit_id == user.unit_id


def get_user_or_404(user: User, user_id: int) -> User:
    found = db.session.scalar(scoped_users(user).where(User.id == user_id))
    if found is None:
        abort(404)
    return found


def _by_accounts_in_scope(user: User, user_column):
    """Rows made by accounts of the user's subtree; rows with no account only at the top (the
    province an installation serves, or the ministry above it)."""
    mine = user_column.in_(select(User.id).where(User.unit_id.in_(units_in_scope(user))))
    if user.unit.parent_id is None or user.unit.level in (Level.NATIONAL, Level.PROVINCE):
        mine = mine | user_column.is_(None)
    return mine


def scoped_login_events(user: User) -> Select:
    """Sign-ins of accounts in the user's subtree; attempts on unknown names only at the root."""
    from .auth.models import LoginEvent

    return select(LoginEvent).where(_by_accounts_in_scope(user, LoginEvent.user_id))


# --- Persons and transfers ----------------------------------------------------------------------

def scoped_persons(user: User) -> Select:
    from .registry.models import Person

    if user.role == Role.ADMIN:
        # Administrators manage accounts and settings, not case files.
        return select(Person).where(False)
    return restrict(select(Person), user, Person.unit_id)


def get_person_or_404(user: User, person_id: int, *options):
    """The person, if in the user's scope (`options`: loader options, e.g. what a page shows)."""
    from .registry.models import Person

    person = db.session.scalar(scoped_persons(user).where(Person.id == person_id)
                               .options(*options))
    if person is None:
        unit_id = db.session.scalar(select(Person.unit_id).where(Person.id == person_id))
        if unit_id is not None:
            refused("Person", person_id, unit_id)
        abort(404)
    return person


def locate_person_anywhere(condition, exclude_id: int | None = None) -> list:
    """The one deliberate look outside the scope, for the duplicate check only.

    Callers may tell the user *which commune* holds a match, never the person's data.
    """
    from .registry.models import Person

    query = select(Person).where(condition)
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    return list(db.session.scalars(query.limit(20)))


def province_of(unit: Unit) -> Unit:
    """The province a unit lies in (for the ministry itself: the ministry): up the parents
    already loaded, else in one query by the path's codes."""
    here = unit
    while here is not None:
        if here.level in (Level.PROVINCE.value, Level.NATIONAL.value):
            return here
        if "parent" in sa_inspect(here).unloaded:
            break
        here = here.parent
    codes = unit.path.strip("/").split("/")
    found = {u.level: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    return found.get(Level.PROVINCE.value) or found[Level.NATIONAL.value]


def scoped_transfers(user: User) -> Select:
    """Transfers where either commune lies in the user's subtree (both sides see them)."""
    from .registry.models import TransferRequest

    if user.role == Role.ADMIN:
        return select(TransferRequest).where(False)
    units = units_in_scope(user)
    return select(TransferRequest).where(
        TransferRequest.from_unit_id.in_(units) | TransferRequest.to_unit_id.in_(units))


def get_transfer_or_404(user: User, transfer_id: int):
    from .registry.models import TransferRequest

    found = db.session.scalar(scoped_transfers(user).where(TransferRequest.id == transfer_id))
    if found is None:
        if db.session.get(TransferRequest, transfer_id) is not None:
            refused("TransferRequest", transfer_id)
        abort(404)
    return found


def scoped_audit_events(user: User) -> Select:
    """Audit entries made by accounts of the user's subtree (system entries only at the root)."""
    from .audit.models import AuditEvent

    return select(AuditEvent).where(_by_accounts_in_scope(user, AuditEvent.user_id))
