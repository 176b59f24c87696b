"""Yearly quotas (chỉ tiêu) and the progress against them.

A unit's quota is assigned by its parent; "achieved" is the number of rehabilitations of that
form started in the year by communes anywhere in the unit's subtree. Every figure is counted in
SQL, grouped, in a fixed number of statements whatever the number of units.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from ..auth.models import Role, User
from ..extensions import db
from ..formatting import percent, vn_number
from ..scoping import in_scope, restrict, scoped_units
from ..timeutil import today_local
from ..treatment.models import RehabEpisode
from ..treatment.vocab import REHAB_FORMS
from ..units.models import Level, Unit, under
from .models import Quota

FORMS = tuple(REHAB_FORMS)
FIRST_YEAR = 2000
MAX_AMOUNT = 1_000_000
AMOUNT_MESSAGE = "Chỉ tiêu phải là số nguyên không âm."
_DIGITS = re.compile(r"[0-9]+")


class QuotaError(ValueError):
    """Nothing was saved. `cells` maps (unit_code, form) to what is wrong with that cell."""

    def __init__(self, message: str, cells: dict[tuple[str, str], str] | None = None):
        super().__init__(message)
        self.cells = cells or {}


# --- Value objects --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """Progress of one unit in one form: achieved against quota."""

    quota: int | None
    achieved: int = 0

    @property
    def percent(self) -> int | None:
        return percent(self.achieved, self.quota)

    @property
    def label(self) -> str:
        done = vn_number(self.achieved)
        if self.quota is None:
            return f"{done}/—"
        if self.quota == 0:
            return f"{done}/0"
        return f"{done}/{vn_number(self.quota)} ({vn_number(self.percent)}%)"

    @property
    def status(self) -> str:
        if self.quota is None:
            return "none"
        if self.achieved < self.quota:
            return "under"
        return "met" if self.achieved == self.quota else "over"


@dataclass
class Row:
    unit: Unit
    cells: dict[str, Cell]


@dataclass
class Progress:
    year: int
    unit: Unit
    own: dict[str, Cell]                 # the unit's quota from its parent, its whole subtree
    children: list[Row]
    allocated: dict[str, int]            # sum of the children's quotas per form
    totals: dict[str, Cell]              # children summed: allocated quota, achieved
    warnings: list[str] = field(default_factory=list)
    forms: tuple[str, ...] = FORMS

    @property
    def over_allocated(self) -> set[str]:
        return {form for form in self.forms
                if self.own[form].quota is not None and self.allocated[form] > self.own[form].quota}


# --- Reading --------------------------------------------------------------------------------------

def valid_year(year: int, today: date | None = None) -> bool:
    return FIRST_YEAR <= year <= (today or today_local()).year + 1


def _active_in(units, year: int):
    """Units that existed at some time in the year (a merged commune keeps its old figures)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return ((units.valid_from.is_(None) | (units.valid_from <= last))
            & (units.valid_to.is_(None) | (units.valid_to > first)))


def _in_year(year: int):
    """Episodes started in the year that count (a voided one, "ghi nhầm", never does)."""
    return RehabEpisode.start_date.between(date(year, 1, 1), date(year, 12, 31)) \
        & RehabEpisode.voided_at.is_(None)


def progress(user: User, year: int, unit: Unit | None = None) -> Progress:
    """The user's unit (or `unit`, inside the user's scope): own quota and progress, and one
    row per child unit. Three statements: children, quotas, achieved counts."""
    unit = unit or user.unit
    if not in_scope(user, unit):
        raise ValueError("unit outside the user's scope")
    children = list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, _active_in(Unit, year)).order_by(Unit.code)))

    quotas: dict[tuple[int, str], int] = {
        (unit_id, form): amount for unit_id, form, amount in db.session.execute(
            select(Quota.unit_id, Quota.form, Quota.amount).where(
                Quota.year == year,
                Quota.unit_id.in_(select(Unit.id).where(
                    (Unit.parent_id == unit.id) | (Unit.id == unit.id)))))}

    # The unit itself is one more "child": its row counts its whole subtree in the same pass.
    child, episode_unit = aliased(Unit), aliased(Unit)
    counted = restrict(
        select(child.id, RehabEpisode.form, func.count(RehabEpisode.id))
        .select_from(child)
        .join(episode_unit, under(episode_unit.path, child.path))
        .join(RehabEpisode, RehabEpisode.unit_id == episode_unit.id)
        .where((child.parent_id == unit.id) | (child.id == unit.id), _in_year(year))
        .group_by(child.id, RehabEpisode.form),
        user, RehabEpisode.unit_id)
    achieved = {(unit_id, form): n for unit_id, form, n in db.session.execute(counted)}

    def cells(u: Unit, with_quota: bool = True) -> dict[str, Cell]:
        return {f: Cell(quotas.get((u.id, f)) if with_quota else None, achieved.get((u.id, f), 0))
                for f in FORMS}

    # The root has no parent to assign it a quota.
    own = cells(unit, with_quota=unit.parent_id is not None)
    rows = [Row(c, cells(c)) for c in children]
    allocated = {f: sum(r.cells[f].quota or 0 for r in rows) for f in FORMS}
    totals = {f: Cell(allocated[f] if any(r.cells[f].quota is not None for r in rows) else None,
                      sum(r.cells[f].achieved for r in rows)) for f in FORMS}
    return Progress(year, unit, own, rows, allocated, totals,
                    _over_allocation({f: own[f].quota for f in FORMS}, allocated))


def _over_allocation(own: dict[str, int | None], allocated: dict[str, int]) -> list[str]:
    return [f"Tổng chỉ tiêu {REHAB_FORMS[form].lower()} giao cho các đơn vị ({vn_number(given)}) "
            f"vượt chỉ tiêu được giao ({vn_number(own[form])})."
            for form, given in allocated.items()
            if own.get(form) is not None and given > own[form]]


def allocation_warnings(unit: Unit, year: int) -> list[str]:
    """For each form whose children's quotas add up to more than the unit's own quota."""
    own = dict(db.session.execute(
        select(Quota.form, Quota.amount).where(Quota.year == year, Quota.unit_id == unit.id)).all())
    given = dict(db.session.execute(
        select(Quota.form, func.sum(Quota.amount))
        .join(Unit, Unit.id == Quota.unit_id)
        .where(Quota.year == year, Unit.parent_id == unit.id)
        .group_by(Quota.form)).all())
    if unit.parent_id is None or unit.parent.level == Level.NATIONAL:
        own = {}  # nobody above assigns the province's own quota in the product
    return _over_allocation(own, {f: int(given.get(f) or 0) for f in FORMS})


def units_without_progress(user: User, year: int, form: str) -> list[Unit]:
    """Communes of the user's subtree (not merged) where nobody started `form` in the year."""
    return [u for u, _ in units_not_meeting(user, user.unit, form, date(year, 1, 1),
                                             date(year, 12, 31))]


def units_not_meeting(user: User, root: Unit, form: str, start: date, deadline: date,
                      at_least: int = 1) -> list[tuple[Unit, int]]:
    """Communes under `root` (in the user's scope, not merged) where fewer than `at_least`
    persons started `form` from `start` to `deadline` inclusive, with how many did: the
    directive's "trước ngày 30/12/2023 … đưa được người nghiện vào điều trị cắt cơn". One
    grouped statement."""
    if form not in REHAB_FORMS:
        raise ValueError(f"unknown rehab form {form!r}")
    started = (select(RehabEpisode.unit_id, func.count(RehabEpisode.id).label("n"))
               .where(RehabEpisode.form == form, RehabEpisode.voided_at.is_(None),
                      RehabEpisode.start_date.between(start, deadline))
               .group_by(RehabEpisode.unit_id).subquery())
    count = func.coalesce(started.c.n, 0)
    rows = db.session.execute(
        scoped_units(user)
        .add_columns(count)
        .outerjoin(started, started.c.unit_id == Unit.id)
        .where(under(Unit.path, root.path), Unit.level == Level.COMMUNE,
               Unit.valid_to.is_(None), count < at_least)
        .options(joinedload(Unit.parent))).all()
    return [(unit, n) for unit, n in rows]


# --- Writing --------------------------------------------------------------------------------------

def parse_amount(text: str | None) -> int | None:
    """"" → no quota; otherwise a whole number ≥ 0 written with digits only."""
    text = (text or "").strip()
    if not text:
        return None
    if not _DIGITS.fullmatch(text):
        raise ValueError(AMOUNT_MESSAGE)
    amount = int(text)
    if amount > MAX_AMOUNT:
        raise ValueError(f"Chỉ tiêu không được vượt quá {vn_number(MAX_AMOUNT)}.")
    return amount


def set_quotas(user: User, year: int, amounts: dict[tuple[str, str], str]) -> list[str]:
    """Assign quotas for `year` to the direct children of the user's unit.

    `amounts` maps (unit_code, form) to the text typed; "" removes the quota. All or nothing:
    any bad cell raises QuotaError and nothing is written. Returns the over-allocation warnings
    (saving is allowed, but never silently).
    """
    if user.role not in (Role.NATIONAL, Role.PROVINCE, Role.DISTRICT):
        raise QuotaError("Chỉ cán bộ cấp trung ương, cấp tỉnh, cấp huyện được giao chỉ tiêu.")
    if not valid_year(year):
        raise QuotaError(f"Năm giao chỉ tiêu phải từ {FIRST_YEAR} đến {today_local().year + 1}.")
    parent = user.unit
    codes = {code for code, _ in amounts}
    children = {u.code: u for u in db.session.scalars(
        select(Unit).where(Unit.parent_id == parent.id, Unit.code.in_(codes), _active_in(Unit, year)))}
    for code, form in amounts:
        if code not in children:
            raise QuotaError(f"Chỉ được giao chỉ tiêu cho các đơn vị trực thuộc {parent.name}.")
        if form not in REHAB_FORMS:
            raise QuotaError("Hình thức cai nghiện không hợp lệ.")

    parsed: dict[tuple[str, str], int | None] = {}
    errors: dict[tuple[str, str], str] = {}
    for key, text in amounts.items():
        try:
            parsed[key] = parse_amount(text)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise QuotaError("Chưa lưu: có chỉ tiêu không hợp lệ, vui lòng sửa các ô được đánh dấu.",
                         errors)

    existing = {(q.unit_id, q.form): q for q in db.session.scalars(
        select(Quota).where(Quota.year == year,
                            Quota.unit_id.in_([u.id for u in children.values()])))}
    for (code, form), amount in parsed.items():
        unit = children[code]
        quota = existing.get((unit.id, form))
        if amount is None:
            if quota is not None:
                db.session.delete(quota)  # the audit listener records the removal
        elif quota is None:
            db.session.add(Quota(year=year, unit_id=unit.id, form=form, amount=amount,
                                 updated_by_id=user.id))
        elif quota.amount != amount:
            quota.amount = amount
            quota.updated_by_id = user.id
    db.session.flush()
    return allocation_warnings(parent, year)
