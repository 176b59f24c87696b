"""The dashboard on each officer's home page: trends, rehab against quota, composition, and for
reviewers a ranking of their child units.

Month-end figures come from the unit's approved monthly snapshot where there is one, else from
`MonthFigures`, the figures function's answer stored once per unit and month: a home page never
recounts twelve months live. A stored month older than the setting `dashboard_cache_hours` is
counted again (registry corrections reach the dashboard within that time);
`flask --app wsgi dashboard refresh` counts them ahead, e.g. at night.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import settings
from ..auth.models import Role, User
from ..charts import Chart, bar_chart, hbar_chart, line_chart
from ..extensions import db
from ..formatting import percent
from ..plans import services as plans
from ..registry.models import PersonPeriod
from ..registry.vocab import State
from ..reports import services as reports
from ..reports.figures import as_values, compute, month_bounds
from ..reports.models import MonthlySubmission
from ..timeutil import now_utc, today_local
from ..treatment.models import RehabEpisode
from ..treatment.vocab import REHAB_FORMS, SHORT_FORMS
from ..units.models import Level, Unit, under
from .models import MonthFigures

MONTHS = 12
TREND = (("persons.addict", "Người nghiện"), ("persons.user", "Người sử dụng trái phép"),
         ("post_rehab.ongoing", "Quản lý sau cai"))
KEPT_PREFIXES = ("persons.addict", "persons.user", "post_rehab.ongoing", "addicts.total",
                 "addicts.drug.", "addicts.age.")


def may_see(user: User) -> bool:
    """Officers see figures; administrators manage accounts, not case work."""
    return user.role in (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)


def window(today: date | None = None) -> list[tuple[int, int]]:
    """The twelve complete months ending with last month, oldest first."""
    first = (today or today_local()).replace(day=1)
    out = []
    for _ in range(MONTHS):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append((first.year, first.month))
    return out[::-1]


def _kept(rows) -> list[list]:
    return [list(r) for r in rows if r[3] is not None and r[0].startswith(KEPT_PREFIXES)]


def month_rows(unit: Unit, months: list[tuple[int, int]]) -> dict[tuple[int, int], list[list]]:
    """{(year, month): rows} for every month: approved snapshot, else stored, else counted
    now and stored. Two statements when nothing needs counting."""
    out: dict[tuple[int, int], list[list]] = {}
    children = None if unit.level == Level.COMMUNE else list(db.session.execute(
        select(Unit.code, Unit.valid_from, Unit.valid_to).where(Unit.parent_id == unit.id)))
    for sub in db.session.scalars(select(MonthlySubmission).where(
            MonthlySubmission.unit_id == unit.id, MonthlySubmission.status == "approved",
            tuple_(MonthlySubmission.year, MonthlySubmission.month).in_(months))):
        if sub.snapshot and _complete(sub, children):
            out[(sub.year, sub.month)] = _kept(sub.snapshot)
    fresh_after = now_utc() - timedelta(hours=settings.get("dashboard_cache_hours"))
    stored = {(f.year, f.month): f for f in db.session.scalars(select(MonthFigures).where(
        MonthFigures.unit_id == unit.id,
        tuple_(MonthFigures.year, MonthFigures.month).in_(months)))}
    for ym in months:
        if ym in out:
            continue
        cached = stored.get(ym)
        if cached is not None and cached.computed_at >= fresh_after:
            out[ym] = cached.rows
            continue
        rows = _kept(r.as_list() for r in compute(unit, *ym, **reports.rules_of(*ym)))
        out[ym] = rows
        _store(unit, ym, rows, cached)
    return out


def _complete(sub: MonthlySubmission, children) -> bool:
    """A parent's approved report summed every child's approved report of the month (one
    approved with children missing would show a dip that is not in the registry)."""
    if children is None:
        return True
    first, last = month_bounds(sub.year, sub.month)
    owed = {code for code, start, end in children
            if (start is None or start <= last) and (end is None or end > first)}
    return owed <= set(sub.children_included or ())


def _store(unit: Unit, ym: tuple[int, int], rows: list[list], cached: MonthFigures | None):
    """Keep the counted month; two workers counting it at once both succeed (one row wins)."""
    try:
        with db.session.begin_nested():
            if cached is None:
                db.session.add(MonthFigures(unit_id=unit.id, year=ym[0], month=ym[1], rows=rows,
                                            computed_at=now_utc()))
            else:
                cached.rows, cached.computed_at = rows, now_utc()
    except IntegrityError:
        pass


def refresh(unit: Unit, today: date | None = None) -> int:
    """Count a unit's twelve months again (the nightly command); returns how many."""
    months = window(today)
    db.session.execute(MonthFigures.__table__.delete().where(MonthFigures.unit_id == unit.id))
    month_rows(unit, months)
    return len(months)


# --- The dashboard ------------------------------------------------------------------------------

@dataclass
class Dashboard:
    unit: Unit
    period: str                       # last complete month, YYYY-MM
    period_label: str
    year: int
    charts: list[Chart] = field(default_factory=list)
    ranking: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _labelled(rows: list[list], prefix: str, strip: str) -> list[tuple[str, int]]:
    return [(label.removeprefix(strip), value) for key, label, _, value in rows
            if key.startswith(prefix)]


def build(user: User, unit: Unit, today: date | None = None) -> Dashboard:
    today = today or today_local()
    months = window(today)
    last = months[-1]
    period = f"{last[0]:04d}-{last[1]:02d}"
    board = Dashboard(unit, period, f"{last[1]:02d}/{last[0]}", today.year)
    by_month = month_rows(unit, months)

    labels = [f"{m:02d}/{y}" for y, m in months]
    values = {ym: as_values(rows) for ym, rows in by_month.items()}
    board.charts.append(line_chart(
        "chart-trend", f"Số người trong danh sách quản lý, cuối mỗi tháng ({labels[0]}–{labels[-1]})",
        labels, [(name, [values[ym].get(key, 0) for ym in months]) for key, name in TREND]))

    progress = plans.progress(user, today.year, unit)
    completed = _completed_by_form(unit, today)
    forms = list(REHAB_FORMS)
    quota = {f: (progress.own[f].quota if progress.own[f].quota is not None
                 else progress.totals[f].quota) for f in forms}
    board.charts.append(bar_chart(
        "chart-rehab", f"Cai nghiện năm {today.year} theo hình thức so với chỉ tiêu "
        f"(đến {today:%d/%m/%Y})", [SHORT_FORMS[f] for f in forms],
        [("Bắt đầu", [progress.own[f].achieved for f in forms]),
         ("Hoàn thành", [completed.get(f, 0) for f in forms]),
         ("Chỉ tiêu", [quota[f] for f in forms])], first_header="Hình thức"))
    if all(q is None for q in quota.values()):
        board.notes.append(f"Chưa có chỉ tiêu năm {today.year} cho {unit.name}.")

    latest = by_month[last]
    board.charts.append(hbar_chart(
        "chart-drug", f"Người nghiện theo loại ma túy (cuối tháng {board.period_label})",
        [(label, v, None) for label, v in _labelled(latest, "addicts.drug.", "Loại ma túy: ")],
        "Số người", label_header="Loại ma túy"))
    board.charts.append(hbar_chart(
        "chart-age", f"Người nghiện theo độ tuổi (cuối tháng {board.period_label})",
        [(label, v, None) for label, v in _labelled(latest, "addicts.age.", "Độ tuổi: ")],
        "Số người", label_header="Độ tuổi"))

    if user.role in (Role.DISTRICT, Role.PROVINCE) and progress.children:
        board.ranking = _ranking(unit, progress, months, period)
    return board


def _completed_by_form(unit: Unit, today: date) -> dict[str, int]:
    """Rehabilitations completed this year, by form, in the unit's subtree (one statement)."""
    query = (select(RehabEpisode.form, func.count(RehabEpisode.id))
             .join(Unit, Unit.id == RehabEpisode.unit_id)
             .where(under(Unit.path, unit.path), RehabEpisode.voided_at.is_(None),
                    RehabEpisode.outcome == "completed",
                    RehabEpisode.end_date.between(date(today.year, 1, 1), today))
             .group_by(RehabEpisode.form))
    return dict(db.session.execute(query).all())


def _ranking(unit: Unit, progress, months, period: str) -> list[Chart]:
    children = [row.unit for row in progress.children]
    ids = [c.id for c in children]

    # Timeliness: the share of the twelve months' reports first sent by the due day.
    on_time: dict[int, int] = {}
    owed: dict[int, int] = {}
    sent = db.session.execute(select(
        MonthlySubmission.unit_id, MonthlySubmission.year, MonthlySubmission.month,
        MonthlySubmission.first_submitted_at, MonthlySubmission.submitted_at).where(
            MonthlySubmission.unit_id.in_(ids),
            tuple_(MonthlySubmission.year, MonthlySubmission.month).in_(months))).all()
    for child in children:
        owed[child.id] = sum(child.is_active_on(month_bounds(*ym)[1]) for ym in months)
    for unit_id, year, month, first, submitted in sent:
        status = reports.UnitStatus(None, _Sent(first, submitted), reports.due_date(year, month))
        on_time[unit_id] = on_time.get(unit_id, 0) + status.on_time

    def link(child: Unit) -> str:
        return url_for("reports.submission", period=period, unit_code=child.code)

    timeliness = [(c.name, percent(on_time.get(c.id, 0), owed[c.id]), link(c)) for c in children]
    quota_rows = []
    for row in progress.children:
        target = sum(cell.quota or 0 for cell in row.cells.values())
        done = sum(cell.achieved for f, cell in row.cells.items() if cell.quota is not None)
        quota_rows.append((row.unit.name, percent(done, target), link(row.unit)))
    addicts = _addicts_by_child(unit, months[-1])
    density = [(c.name, round(addicts.get(c.id, 0) * 1000 / c.population, 1)
                if c.population else None, link(c)) for c in children]

    def ranked(items):
        return sorted(items, key=lambda t: (t[1] is None, -(t[1] or 0), t[0]))

    return [
        hbar_chart("rank-timely", f"Tỷ lệ báo cáo tháng nộp đúng hạn (12 tháng đến "
                   f"{months[-1][1]:02d}/{months[-1][0]})", ranked(timeliness), "Đúng hạn",
                   "%", "Đơn vị"),
        hbar_chart("rank-quota", f"Tỷ lệ thực hiện chỉ tiêu cai nghiện năm {progress.year}",
                   ranked(quota_rows), "Đạt", "%", "Đơn vị"),
        hbar_chart("rank-density", f"Người nghiện trên 1.000 dân (cuối tháng "
                   f"{months[-1][1]:02d}/{months[-1][0]})", ranked(density), "Trên 1.000 dân",
                   "", "Đơn vị"),
    ]


@dataclass
class _Sent:
    first_submitted_at: object
    submitted_at: object


def _addicts_by_child(unit: Unit, ym: tuple[int, int]) -> dict[int, int]:
    """Addicts on the lists at the month's end, per child unit's subtree (one statement), by
    the rule of that month (suspected persons counted before 2022)."""
    day = month_bounds(*ym)[1]
    states = [State.ADDICT.value] + ([State.SUSPECTED.value]
                                     if settings.addicts_include_suspected(day) else [])
    child, kept_by = aliased(Unit), aliased(Unit)
    query = (select(child.id, func.count(PersonPeriod.id))
             .select_from(child)
             .join(kept_by, under(kept_by.path, child.path))
             .join(PersonPeriod, PersonPeriod.unit_id == kept_by.id)
             .where(child.parent_id == unit.id, PersonPeriod.state.in_(states),
                    PersonPeriod.start_date <= day,
                    or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > day))
             .group_by(child.id))
    return dict(db.session.execute(query).all())



