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
from datetime import date, datetime, time, timedelta, timezone

from flask import url_for
from sqlalchemy import and_, case, func, select, tuple_

from .. import settings
from ..auth.models import Role, User
from ..charts import Chart, bar_chart, hbar_chart, line_chart
from ..extensions import db, keep_counted
from ..formatting import percent
from ..plans.models import Quota
from ..reports import services as reports
from ..reports.figures import as_values, compute, month_bounds
from ..reports.models import MonthlySubmission
from ..timeutil import LOCAL_TZ, now_utc, today_local
from ..treatment.vocab import REHAB_FORMS, SHORT_FORMS
from ..units.models import Level, Unit, active_on
from .models import MonthFigures, RankingFigures

MONTHS = 12
RANK_MAX = 15  # bars in a ranking chart
TREND = (("persons.addict", "Người nghiện"), ("persons.user", "Người sử dụng trái phép"),
         ("post_rehab.ongoing", "Quản lý sau cai"))
KEPT_PREFIXES = ("persons.addict", "persons.user", "post_rehab.ongoing", "addicts.total",
                 "addicts.drug.", "addicts.age.", "quota.", "flow.rehab_completed.")


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
    """{(year, month): rows} of one unit (see `rows_of`)."""
    return {ym: rows for (_, ym), rows in rows_of([unit], months).items()}


def rows_of(units: list[Unit], months: list[tuple[int, int]]
            ) -> dict[tuple[int, tuple[int, int]], list[list]]:
    """{(unit id, (year, month)): rows} for every unit and month: the approved report's
    snapshot (a parent's only when it summed all its children), else counted by the figures
    function; either is kept compact in `MonthFigures`, so once kept, three statements read any
    number of units and months. A kept copy of a snapshot holds while the report stays approved
    with that snapshot; a kept count, for `dashboard_cache_hours`."""
    if not units or not months:
        return {}
    ids = [u.id for u in units]
    parents = [u.id for u in units if u.level != Level.COMMUNE]
    children: dict[int, list] = {pid: [] for pid in parents}
    if parents:
        for pid, code, start, end in db.session.execute(
                select(Unit.parent_id, Unit.code, Unit.valid_from, Unit.valid_to)
                .where(Unit.parent_id.in_(parents))):
            children[pid].append((code, start, end))
    approved = {}
    for sub_id, unit_id, year, month, snapshot_at, included in db.session.execute(select(
            MonthlySubmission.id, MonthlySubmission.unit_id, MonthlySubmission.year,
            MonthlySubmission.month, MonthlySubmission.snapshot_at,
            MonthlySubmission.children_included).where(
                MonthlySubmission.unit_id.in_(ids), MonthlySubmission.status == "approved",
                MonthlySubmission.snapshot_at.is_not(None),
                tuple_(MonthlySubmission.year, MonthlySubmission.month).in_(months))):
        if _complete(year, month, included, children.get(unit_id)):
            approved[(unit_id, (year, month))] = (sub_id, snapshot_at)
    fresh_after = now_utc() - timedelta(hours=settings.get("dashboard_cache_hours"))
    # Read as plain rows (a province's ranking reads a hundred): the ORM object is loaded only
    # for a month that must be counted again.
    stored = {(unit_id, (year, month)): (figures_id, rows, computed_at, snapshot_at)
              for figures_id, unit_id, year, month, rows, computed_at, snapshot_at
              in db.session.execute(select(
                  MonthFigures.id, MonthFigures.unit_id, MonthFigures.year, MonthFigures.month,
                  MonthFigures.rows, MonthFigures.computed_at, MonthFigures.snapshot_at).where(
                      MonthFigures.unit_id.in_(ids),
                      tuple_(MonthFigures.year, MonthFigures.month).in_(months)))}
    out: dict[tuple[int, tuple[int, int]], list[list]] = {}
    for unit in units:
        for ym in months:
            key, kept = (unit.id, ym), stored.get((unit.id, ym))
            if key in approved:
                sub_id, snapshot_at = approved[key]
                if kept is not None and kept[3] == snapshot_at:
                    out[key] = kept[1]
                    continue
                rows = _kept(db.session.scalar(select(MonthlySubmission.snapshot).where(
                    MonthlySubmission.id == sub_id)) or [])
            else:
                if kept is not None and kept[3] is None and kept[2] >= fresh_after:
                    out[key] = kept[1]
                    continue
                snapshot_at = None
                rows = _kept(r.as_list() for r in compute(unit, *ym, **reports.rules_of(*ym)))
            out[key] = rows
            _store(unit, ym, rows, db.session.get(MonthFigures, kept[0]) if kept else None,
                   snapshot_at)
    return out


def _complete(year: int, month: int, included, children) -> bool:
    """A parent's approved report summed every child's approved report of the month (one
    approved with children missing would show a dip that is not in the registry)."""
    if children is None:
        return True
    first, last = month_bounds(year, month)
    owed = {code for code, start, end in children
            if (start is None or start <= last) and (end is None or end > first)}
    return owed <= set(included or ())


def _store(unit: Unit, ym: tuple[int, int], rows: list[list], cached: MonthFigures | None,
           snapshot_at=None):
    """Keep the month (the caller commits)."""
    keep_counted(cached, MonthFigures, unit_id=unit.id, year=ym[0], month=ym[1], rows=rows,
                 computed_at=now_utc(), snapshot_at=snapshot_at)


def refresh(unit: Unit, today: date | None = None) -> int:
    """Count a unit's twelve months again (the nightly command); returns how many."""
    months = window(today)
    db.session.execute(MonthFigures.__table__.delete().where(MonthFigures.unit_id == unit.id))
    db.session.execute(RankingFigures.__table__.delete().where(
        RankingFigures.unit_id == unit.id))
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

    # Rehab in the year of the last complete month, to its end: started (the figures' year to
    # date), completed (the months' flows summed), against the year's quota.
    year = last[0]
    forms = list(REHAB_FORMS)
    latest_values = values[last]
    completed = {f: sum(values[ym].get(f"flow.rehab_completed.{f}", 0)
                        for ym in months if ym[0] == year) for f in forms}
    quota = _quotas(unit, year)
    board.charts.append(bar_chart(
        "chart-rehab", f"Cai nghiện năm {year} theo hình thức so với chỉ tiêu (đến hết tháng "
        f"{board.period_label})", [SHORT_FORMS[f] for f in forms],
        [("Bắt đầu", [latest_values.get(f"quota.{f}.achieved", 0) for f in forms]),
         ("Hoàn thành", [completed[f] for f in forms]),
         ("Chỉ tiêu", [quota.get(f) for f in forms])], first_header="Hình thức"))
    if not quota:
        board.notes.append(f"Chưa có chỉ tiêu năm {year} cho {unit.name}.")

    latest = by_month[last]
    board.charts.append(hbar_chart(
        "chart-drug", f"Người nghiện theo loại ma túy (cuối tháng {board.period_label})",
        [(label, v, None) for label, v in _labelled(latest, "addicts.drug.", "Loại ma túy: ")],
        "Số người", label_header="Loại ma túy"))
    board.charts.append(hbar_chart(
        "chart-age", f"Người nghiện theo độ tuổi (cuối tháng {board.period_label})",
        [(label, v, None) for label, v in _labelled(latest, "addicts.age.", "Độ tuổi: ")],
        "Số người", label_header="Độ tuổi"))

    if user.role in (Role.DISTRICT, Role.PROVINCE):
        board.ranking = _ranking(unit, months, period)
    return board


def _quotas(unit: Unit, year: int) -> dict[str, int]:
    """The unit's quota per form from its parent; the root's is what it gave its children."""
    own = dict(db.session.execute(select(Quota.form, Quota.amount).where(
        Quota.year == year, Quota.unit_id == unit.id)).all())
    if own or unit.parent_id is not None:
        return own
    return {f: int(n) for f, n in db.session.execute(
        select(Quota.form, func.sum(Quota.amount)).join(Unit, Unit.id == Quota.unit_id)
        .where(Quota.year == year, Unit.parent_id == unit.id).group_by(Quota.form))}


def _ranking(unit: Unit, months, period: str) -> list[Chart]:
    """Child units side by side, from their own month-end rows of the last month. What had
    to be counted (timeliness, quota, addicts) is kept in `RankingFigures` while the
    children's reports look the same, so a reviewer's home page reads one row for it."""
    last = months[-1]
    last_day = month_bounds(*last)[1]
    children = [c for c in db.session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.population, Unit.valid_from, Unit.valid_to)
        .where(Unit.parent_id == unit.id).order_by(Unit.code))
        if active_on(c.valid_from, c.valid_to, last_day)]
    if not children:
        return []
    counted = _ranking_figures(unit, children, months)
    month_ends = [month_bounds(*ym)[1] for ym in months]

    def months_owed(child) -> int:  # the months the child existed at the end of
        if (child.valid_from is None or child.valid_from <= month_ends[0]) and (
                child.valid_to is None or child.valid_to > month_ends[-1]):
            return len(month_ends)  # nearly every unit: all twelve
        return sum(active_on(child.valid_from, child.valid_to, day) for day in month_ends)
    # One link built, the others by its pattern (a hundred url_for calls cost as much as the
    # rest of the ranking).
    marker = "__unit__"
    pattern = url_for("reports.submission", period=period, unit_code=marker)
    links = {c.code: pattern.replace(marker, c.code) for c in children}

    label = f"{last[1]:02d}/{last[0]}"
    timeliness, quotas, density = [], [], []
    for c in children:
        on_time, target, done, addicts = counted.get(c.code, (0, 0, 0, 0))
        timeliness.append((c.name, percent(on_time, months_owed(c)), links[c.code]))
        quotas.append((c.name, percent(done, target), links[c.code]))
        density.append((c.name, round(addicts * 1000 / c.population, 1)
                        if c.population else None, links[c.code]))

    def worst_first(items, highest: bool, what: str):
        """The units that need attention first; at most RANK_MAX bars (a province has a
        hundred communes), said in the title."""
        ranked = sorted(items, key=lambda t: (t[1] is None,
                                              -(t[1] or 0) if highest else (t[1] or 0), t[0]))
        if len(ranked) <= RANK_MAX:
            return ranked, ""
        return ranked[:RANK_MAX], f" — {RANK_MAX}/{len(ranked)} đơn vị {what}"

    timely, cut1 = worst_first(timeliness, False, "thấp nhất")
    quota, cut2 = worst_first(quotas, False, "thấp nhất")
    dense, cut3 = worst_first(density, True, "cao nhất")
    return [
        hbar_chart("rank-timely", f"Tỷ lệ báo cáo tháng nộp đúng hạn (12 tháng đến {label})"
                   + cut1, timely, "Đúng hạn", "%", "Đơn vị"),
        hbar_chart("rank-quota", f"Tỷ lệ thực hiện chỉ tiêu cai nghiện năm {last[0]} (đến hết "
                   f"tháng {label})" + cut2, quota, "Đạt", "%", "Đơn vị"),
        hbar_chart("rank-density", f"Người nghiện trên 1.000 dân (cuối tháng {label})" + cut3,
                   dense, "Trên 1.000 dân", "", "Đơn vị"),
    ]


def _ranking_figures(unit: Unit, children, months) -> dict[str, list[int]]:
    """{child code: [reports sent on time, quota target, quota done, addicts]}: kept, or
    counted and kept. The fingerprint reads only the small columns' index of the reports."""
    last = months[-1]
    ids = [c.id for c in children]
    in_window = (MonthlySubmission.unit_id.in_(ids),
                 tuple_(MonthlySubmission.year, MonthlySubmission.month).in_(months))
    sent = func.coalesce(MonthlySubmission.first_submitted_at, MonthlySubmission.submitted_at)
    look = select(
        func.count().label("n"),
        func.count(case((MonthlySubmission.status == "approved", 1))).label("approved"),
        func.max(MonthlySubmission.snapshot_at).label("snapshot"),
        func.max(MonthlySubmission.submitted_at).label("sent"),
        func.count(MonthlySubmission.first_submitted_at).label("first")
    ).where(*in_window).subquery()
    # The fingerprint and the kept ranking in one statement (a round trip less).
    *now, kept = db.session.execute(
        select(look.c.n, look.c.approved, look.c.snapshot, look.c.sent, look.c.first,
               RankingFigures).select_from(look).outerjoin(RankingFigures, and_(
                   RankingFigures.unit_id == unit.id, RankingFigures.year == last[0],
                   RankingFigures.month == last[1]))).one()
    fingerprint = "|".join(["/".join(map(str, ids)) if len(ids) < 8 else
                            f"{len(ids)}:{sum(ids)}:{max(ids)}", *map(str, now)])[:200]
    fresh_after = now_utc() - timedelta(hours=settings.get("dashboard_cache_hours"))
    if kept is not None and kept.fingerprint == fingerprint and kept.computed_at >= fresh_after:
        return kept.figures

    # Timeliness: the share of the twelve months' reports first sent by the due day (its end,
    # in the users' time zone), counted in one grouped statement.
    due_by = case(*[((MonthlySubmission.year == y) & (MonthlySubmission.month == m),
                     _end_of_local_day(reports.due_date(y, m))) for y, m in months])
    on_time = dict(db.session.execute(
        select(MonthlySubmission.unit_id, func.count(MonthlySubmission.id)).where(
            *in_window, sent.is_not(None), sent < due_by)
        .group_by(MonthlySubmission.unit_id)).all())
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(ids))))
    latest = {uid: as_values(rows) for (uid, _), rows in rows_of(units, [last]).items()}
    figures = {}
    for c in children:
        v = latest.get(c.id, {})
        targets = {f: v.get(f"quota.{f}.target", 0) for f in REHAB_FORMS}
        done = sum(v.get(f"quota.{f}.achieved", 0) for f, t in targets.items() if t)
        figures[c.code] = [on_time.get(c.id, 0), sum(targets.values()), done,
                           v.get("addicts.total", 0)]
    keep_counted(kept, RankingFigures, unit_id=unit.id, year=last[0], month=last[1],
                 fingerprint=fingerprint, figures=figures, computed_at=now_utc())
    return figures


def _end_of_local_day(day: date) -> datetime:
    """The UTC instant (naive, as stored) the local day ends."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=LOCAL_TZ)
    return end.astimezone(timezone.utc).replace(tzinfo=None)
