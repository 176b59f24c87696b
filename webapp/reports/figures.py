"""The monthly figures, computed from the registry as of a month's last day.

One function, `compute`, serves the report screen, its Excel file, the frozen snapshot and the
yearly statistics, so they can never disagree. Every figure is a grouped SQL count over the
unit's subtree; nothing is counted row by row in Python.

A figure is a row (key, label, level, value). Rows are stored in the snapshot with their labels,
so a frozen report prints what it said even after a setting (say, the age bands) changes.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from .. import settings
from ..extensions import db
from ..plans.models import Quota
from ..registry.models import Person, PersonEvent, PersonPeriod
from ..registry.vocab import CLOSING_REASONS, DRUGS, KINH, OCCUPATION_GROUPS, SEXES, State
from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode
from ..treatment.vocab import REHAB_FORMS, SHORT_FORMS
from ..units.models import Unit

UNKNOWN = "Chưa rõ"
SUPPORT_KINDS = {"vocational": "Hỗ trợ học nghề", "job": "Hỗ trợ việc làm",
                 "loan": "Hỗ trợ vay vốn", "other_support": "Hỗ trợ khác"}


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    level: int  # 0 section heading, 1 figure, 2 part of the figure above
    value: int | None  # None for headings

    def as_list(self) -> list:
        return [self.key, self.label, self.level, self.value]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _subtree(unit: Unit):
    return select(Unit.id).where(Unit.path.startswith(unit.path))


def _periods_on(day: date, unit: Unit):
    """Periods covering `day` of persons then kept by a unit of the subtree."""
    return and_(PersonPeriod.start_date <= day,
                or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > day),
                PersonPeriod.unit_id.in_(_subtree(unit)))


def _grouped(query) -> dict:
    return {key: count for key, count in db.session.execute(query).all()}


def _unit_at_event(event_date_column, person_column, unit: Unit):
    """EXISTS: on the event's day the person was kept by a unit of the subtree."""
    return select(PersonPeriod.id).where(
        PersonPeriod.person_id == person_column,
        PersonPeriod.start_date <= event_date_column,
        or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > event_date_column),
        PersonPeriod.unit_id.in_(_subtree(unit))).exists()


def compute(unit: Unit, year: int, month: int, *,
            suspected_as_addicts: bool = False) -> list[Row]:
    """`suspected_as_addicts`: the rule before Law 73/2021 — section II counts suspected
    persons among addicts (the caller decides by the date, see `settings`)."""
    first, last = month_bounds(year, month)
    rows: list[Row] = []

    def section(key: str, label: str) -> None:
        rows.append(Row(key, label, 0, None))

    def add(key: str, label: str, value: int, level: int = 1) -> None:
        rows.append(Row(key, label, level, int(value or 0)))

    on_registry = _periods_on(last, unit)

    # I. Persons on the lists at the month's end, by legal state.
    states = _grouped(select(PersonPeriod.state, func.count()).where(on_registry)
                      .group_by(PersonPeriod.state))
    section("s1", "I. Người trong danh sách quản lý (đến ngày cuối tháng)")
    add("persons.total", "Tổng số người đang quản lý",
        sum(v for k, v in states.items() if k != State.CLOSED.value))
    for state in (State.ADDICT, State.USER, State.SUSPECTED):
        add(f"persons.{state.value}", state.label, states.get(state.value, 0), 2)

    # II. Addicts by sex, age band, occupation group, main drug, ethnicity.
    counted = [State.ADDICT.value] + ([State.SUSPECTED.value] if suspected_as_addicts else [])
    addicts = (select(Person).join(PersonPeriod, PersonPeriod.person_id == Person.id)
               .where(on_registry, PersonPeriod.state.in_(counted)).subquery())
    total_addicts = sum(states.get(state, 0) for state in counted)
    section("s2", "II. Người nghiện ma túy phân theo")
    add("addicts.total", "Tổng số người nghiện ma túy"
        + (" (gồm cả người nghi nghiện)" if suspected_as_addicts else ""), total_addicts)

    by_sex = _grouped(select(addicts.c.sex, func.count()).group_by(addicts.c.sex))
    for code, label in SEXES.items():
        add(f"addicts.sex.{code}", f"Giới tính: {label}", by_sex.get(code, 0), 2)

    bands = settings.get("age_bands")
    band_case = case(*[(addicts.c.born_on > last - relativedelta(years=low), i - 1)
                       for i, (_, low, _) in enumerate(bands) if i > 0],
                     else_=len(bands) - 1) if len(bands) > 1 else literal(0)
    by_band = _grouped(select(band_case, func.count()).group_by(band_case))
    for i, (label, _, _) in enumerate(bands):
        add(f"addicts.age.{i}", f"Độ tuổi: {label}", by_band.get(i, 0), 2)

    for column, mapping, name in ((addicts.c.occupation_group, OCCUPATION_GROUPS, "occupation"),
                                  (addicts.c.main_drug, DRUGS, "drug")):
        grouped = _grouped(select(column, func.count()).group_by(column))
        prefix = "Nghề nghiệp" if name == "occupation" else "Loại ma túy"
        for code, label in mapping.items():
            add(f"addicts.{name}.{code}", f"{prefix}: {label}", grouped.get(code, 0), 2)
        add(f"addicts.{name}.unknown", f"{prefix}: {UNKNOWN}", grouped.get(None, 0), 2)

    ethnic = case((addicts.c.ethnicity == KINH, "kinh"), (addicts.c.ethnicity.is_(None), "unknown"),
                  else_="minority")
    by_ethnic = _grouped(select(ethnic, func.count()).group_by(ethnic))
    for code, label in (("kinh", "Dân tộc Kinh"), ("minority", "Dân tộc thiểu số"),
                        ("unknown", f"Dân tộc: {UNKNOWN}")):
        add(f"addicts.ethnicity.{code}", label, by_ethnic.get(code, 0), 2)

    # III. Rehabilitation and treatment in progress at the month's end.
    section("s3", "III. Cai nghiện, điều trị, quản lý sau cai (đến ngày cuối tháng)")
    in_subtree = RehabEpisode.unit_id.in_(_subtree(unit))
    ongoing = _grouped(select(RehabEpisode.form, func.count()).where(
        in_subtree, RehabEpisode.start_date <= last,
        or_(RehabEpisode.end_date.is_(None), RehabEpisode.end_date > last))
        .group_by(RehabEpisode.form))
    add("ongoing.total", "Đang cai nghiện", sum(ongoing.values()))
    for form in REHAB_FORMS:
        add(f"ongoing.{form}", SHORT_FORMS[form], ongoing.get(form, 0), 2)
    add("methadone.ongoing", "Đang điều trị Methadone", db.session.scalar(
        select(func.count()).select_from(MethadonePeriod).where(
            MethadonePeriod.unit_id.in_(_subtree(unit)), MethadonePeriod.start_date <= last,
            or_(MethadonePeriod.end_date.is_(None), MethadonePeriod.end_date > last))))
    add("post_rehab.ongoing", "Đang quản lý sau cai nghiện tại nơi cư trú", db.session.scalar(
        select(func.count()).select_from(PostRehabTerm).where(
            PostRehabTerm.unit_id.in_(_subtree(unit)),
            PostRehabTerm.status.in_(("active", "completed", "stopped")),
            PostRehabTerm.start_date <= last,
            or_(PostRehabTerm.ended_on.is_(None), PostRehabTerm.ended_on > last))))

    # IV. Flows within the month.
    section("s4", f"IV. Phát sinh trong tháng {month:02d}/{year}")
    firsts = (select(PersonPeriod.person_id, func.min(PersonPeriod.start_date).label("opened"))
              .group_by(PersonPeriod.person_id).subquery())
    first_period = aliased(PersonPeriod)
    add("flow.new", "Người mới đưa vào danh sách quản lý", db.session.scalar(
        select(func.count()).select_from(firsts).join(
            first_period, and_(first_period.person_id == firsts.c.person_id,
                               first_period.start_date == firsts.c.opened))
        .where(firsts.c.opened.between(first, last),
               first_period.unit_id.in_(_subtree(unit)))))
    in_month = PersonEvent.event_date.between(first, last)
    here = _unit_at_event(PersonEvent.event_date, PersonEvent.person_id, unit)
    determined = and_(PersonEvent.kind == "determination", PersonEvent.addicted.is_(True))
    add("flow.determined", "Người được xác định nghiện ma túy", db.session.scalar(
        select(func.count()).select_from(PersonEvent).where(in_month, here, determined)))
    completed_before = or_(
        select(RehabEpisode.id).where(RehabEpisode.person_id == PersonEvent.person_id,
                                      RehabEpisode.outcome == "completed",
                                      RehabEpisode.end_date < PersonEvent.event_date).exists(),
        select(MethadonePeriod.id).where(MethadonePeriod.person_id == PersonEvent.person_id,
                                         MethadonePeriod.stop_reason == "completed",
                                         MethadonePeriod.end_date < PersonEvent.event_date).exists())
    add("flow.relapsed", "Trong đó: tái nghiện (đã hoàn thành cai nghiện, điều trị)",
        db.session.scalar(select(func.count()).select_from(PersonEvent).where(
            in_month, here, determined, completed_before)), 2)
    started = _grouped(select(RehabEpisode.form, func.count()).where(
        in_subtree, RehabEpisode.start_date.between(first, last)).group_by(RehabEpisode.form))
    add("flow.rehab_started", "Bắt đầu cai nghiện", sum(started.values()))
    for form in REHAB_FORMS:
        add(f"flow.rehab_started.{form}", SHORT_FORMS[form], started.get(form, 0), 2)
    completed = _grouped(select(RehabEpisode.form, func.count()).where(
        in_subtree, RehabEpisode.end_date.between(first, last),
        RehabEpisode.outcome == "completed").group_by(RehabEpisode.form))
    add("flow.rehab_completed", "Hoàn thành cai nghiện", sum(completed.values()))
    for form in REHAB_FORMS:
        add(f"flow.rehab_completed.{form}", SHORT_FORMS[form], completed.get(form, 0), 2)
    add("flow.post_rehab_opened", "Quyết định quản lý sau cai mới", db.session.scalar(
        select(func.count()).select_from(PostRehabTerm).where(
            PostRehabTerm.unit_id.in_(_subtree(unit)),
            PostRehabTerm.decision_date.between(first, last))))
    support = _grouped(select(PostRehabActivity.kind, func.count())
                       .join(PostRehabTerm, PostRehabTerm.id == PostRehabActivity.term_id)
                       .where(PostRehabTerm.unit_id.in_(_subtree(unit)),
                              PostRehabActivity.on.between(first, last),
                              PostRehabActivity.kind.in_(tuple(SUPPORT_KINDS)))
                       .group_by(PostRehabActivity.kind))
    add("flow.support", "Lượt hỗ trợ người sau cai", sum(support.values()))
    for kind, label in SUPPORT_KINDS.items():
        add(f"flow.support.{kind}", label, support.get(kind, 0), 2)
    closed = _grouped(select(PersonEvent.reason, func.count()).where(
        in_month, here, PersonEvent.kind == "closing").group_by(PersonEvent.reason))
    add("flow.closed", "Đưa ra khỏi danh sách quản lý", sum(closed.values()))
    for reason, label in CLOSING_REASONS.items():
        add(f"flow.closed.{reason}", label, closed.get(reason, 0), 2)

    # V. Year-to-date progress against the quota assigned to this unit.
    section("s5", f"V. Kết quả cai nghiện so với chỉ tiêu năm {year} (lũy kế đến cuối tháng)")
    achieved = _grouped(select(RehabEpisode.form, func.count()).where(
        in_subtree, RehabEpisode.start_date.between(date(year, 1, 1), last))
        .group_by(RehabEpisode.form))
    quotas = _grouped(select(Quota.form, Quota.amount).where(
        Quota.year == year, Quota.unit_id == unit.id))
    for form in REHAB_FORMS:
        add(f"quota.{form}.achieved", f"{SHORT_FORMS[form]}: đã thực hiện", achieved.get(form, 0))
        add(f"quota.{form}.target", f"{SHORT_FORMS[form]}: chỉ tiêu giao", quotas.get(form, 0), 2)
    return rows


def as_values(rows) -> dict[str, int]:
    """{key: value} of figure rows (headings left out), from Rows or stored lists."""
    out = {}
    for row in rows:
        key, _, _, value = row.as_list() if isinstance(row, Row) else row
        if value is not None:
            out[key] = value
    return out


def quota_label(achieved: int, target: int) -> str:
    """"36/30 (120%)" — the seed report's "36/30 người đạt 120% KH giao"."""
    if not target:
        return f"{achieved}/—"
    return f"{achieved}/{target} ({round(achieved * 100 / target)}%)"
