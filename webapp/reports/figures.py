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

from .. import settings
from ..extensions import db
from ..plans.models import Quota
from ..registry.models import Person, PersonEvent, PersonPeriod
from ..registry.vocab import (CLOSING_REASONS, DRUGS, KINH, OCCUPATION_GROUPS, SEXES, State,
                              Status)
from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode
from ..treatment.vocab import REHAB_FORMS, SHORT_FORMS
from ..units.models import Unit, under

UNKNOWN = "Chưa rõ"
# Voluntary rehab at the place of residence: the forms the commune registers and decides
# (Mẫu 22–24), shown together as the seed report does ("90/90 người").
LOCAL_VOLUNTARY = ("home", "community")
ENDINGS = {"abandoned": "Bỏ dở cai nghiện", "to_compulsory": "Chuyển sang cai nghiện bắt buộc"}
SUPPORT_KINDS = {"schooling": "Hỗ trợ học văn hóa", "vocational": "Hỗ trợ học nghề", "job": "Hỗ trợ việc làm",
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
    return select(Unit.id).where(under(Unit.path, unit.path))


def _periods_on(day: date, unit: Unit):
    """Periods covering `day` of persons then kept by a unit of the subtree."""
    return and_(PersonPeriod.start_date <= day,
                or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > day),
                PersonPeriod.unit_id.in_(_subtree(unit)))


class _Tally:
    """Runs each figure's SQL. Every figure is defined once as rows of (group, person id):
    the counts are that definition grouped in SQL; with `members`, the same definition also
    gives the persons behind each count, so a figure and its list can never disagree."""

    def __init__(self, members: dict[str, set[int]] | None):
        self.members = members

    def run(self, base, key_of) -> dict[str, int]:
        sub = base.subquery()
        counts: dict[str, int] = {}
        for group, n in db.session.execute(select(sub.c.g, func.count()).group_by(sub.c.g)):
            key = key_of(group)
            counts[key] = counts.get(key, 0) + n
        if self.members is not None:
            for group, person_id in db.session.execute(select(sub.c.g, sub.c.p)):
                self.members.setdefault(key_of(group), set()).add(person_id)
        return counts

    def one(self, key: str, where_from) -> int:
        """A single figure: `where_from` selects the person ids behind it."""
        return self.run(where_from, lambda _: key).get(key, 0)

    def union(self, key: str, parts: list[str]) -> None:
        if self.members is not None:
            self.members[key] = set().union(*(self.members.get(k, set()) for k in parts))


def _pairs(group, person, *where):
    return select(group.label("g"), person.label("p")).where(*where)


def _kept_during(unit: Unit, first: date, last: date):
    """Ids of persons kept by a unit of the subtree at some time in [first, last]: the flows
    of a month start from them (the unit's own rows), never from the country's events."""
    return select(PersonPeriod.person_id).where(
        PersonPeriod.unit_id.in_(_subtree(unit)), PersonPeriod.start_date <= last,
        or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > first))


def _unit_at_event(event_date_column, person_column, unit: Unit):
    """EXISTS: on the event's day the person was kept by a unit of the subtree."""
    return select(PersonPeriod.id).where(
        PersonPeriod.person_id == person_column,
        PersonPeriod.start_date <= event_date_column,
        or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > event_date_column),
        PersonPeriod.unit_id.in_(_subtree(unit))).exists()


# Statuses on the lists at a month's end, and which rows they count in.
MANAGED = (Status.ADDICT, Status.USER, Status.USER_PENDING, Status.SUSPECTED)


def compute(unit: Unit, year: int, month: int, *, suspected_as_addicts: bool = False,
            members: dict[str, set[int]] | None = None, flows: bool = True) -> list[Row]:
    """The figures of `unit`'s subtree for the month. Pass a dict as `members` to receive
    {row key: person ids} of the same definitions (the snapshot keeps them). With
    `flows=False`, sections III and IV (treatment in progress, the month's flows) are left
    out: the yearly statistics do not show them."""
    first, last = month_bounds(year, month)
    rows: list[Row] = []
    tally = _Tally(members)

    def section(key: str, label: str) -> None:
        rows.append(Row(key, label, 0, None))

    def add(key: str, label: str, value: int, level: int = 1) -> None:
        rows.append(Row(key, label, level, int(value or 0)))

    on_registry = _periods_on(last, unit)

    # I. Persons on the lists at the month's end, by legal status that day.
    states = tally.run(_pairs(PersonPeriod.state, PersonPeriod.person_id, on_registry),
                       lambda g: f"status.{g}")

    def by_status(key: str, label: str, statuses, level: int) -> None:
        add(key, label, sum(states.get(f"status.{s.value}", 0) for s in statuses), level)
        tally.union(key, [f"status.{s.value}" for s in statuses])

    section("s1", "I. Người trong danh sách quản lý (đến ngày cuối tháng)")
    by_status("persons.total", "Tổng số người đang quản lý", MANAGED, 1)
    by_status("persons.addict", State.ADDICT.label, [Status.ADDICT], 2)
    by_status("persons.user", State.USER.label, [Status.USER, Status.USER_PENDING], 2)
    by_status("persons.user.decided", "– có quyết định quản lý còn thời hạn", [Status.USER], 2)
    by_status("persons.user.pending", "– chưa có quyết định quản lý", [Status.USER_PENDING], 2)
    by_status("persons.suspected", State.SUSPECTED.label, [Status.SUSPECTED], 2)
    by_status("persons.user_expired", "Hết thời hạn quản lý, chờ lập biên bản kết thúc (không "
              "tính vào tổng)", [Status.USER_EXPIRED], 1)

    # II. Addicts by sex, age band, occupation group, main drug, ethnicity.
    counted_states = (State.ADDICT.value,) + ((State.SUSPECTED.value,) if suspected_as_addicts
                                              else ())
    addicts = (select(Person.id, Person.sex, Person.born_on, Person.occupation_group,
                      Person.main_drug, Person.ethnicity)
               .join(PersonPeriod, PersonPeriod.person_id == Person.id)
               .where(on_registry, PersonPeriod.state.in_(counted_states)).subquery())
    total_addicts = sum(states.get(f"status.{s}", 0) for s in counted_states)
    section("s2", "II. Người nghiện ma túy phân theo")
    add("addicts.total", "Tổng số người nghiện ma túy"
        + (" (gồm cả người nghi nghiện)" if suspected_as_addicts else ""), total_addicts)
    tally.union("addicts.total", [f"status.{s}" for s in counted_states])

    def breakdown(expr, prefix: str) -> dict[str, int]:
        return tally.run(_pairs(expr, addicts.c.id),
                         lambda g: f"addicts.{prefix}.{'unknown' if g is None else g}")

    by_sex = breakdown(addicts.c.sex, "sex")
    for code, label in SEXES.items():
        add(f"addicts.sex.{code}", f"Giới tính: {label}", by_sex.get(f"addicts.sex.{code}", 0), 2)

    bands = settings.get("age_bands")
    band_case = case(*[(addicts.c.born_on > last - relativedelta(years=low), i - 1)
                       for i, (_, low, _) in enumerate(bands) if i > 0],
                     else_=len(bands) - 1) if len(bands) > 1 else literal(0)
    by_band = breakdown(band_case, "age")
    for i, (label, _, _) in enumerate(bands):
        add(f"addicts.age.{i}", f"Độ tuổi: {label}", by_band.get(f"addicts.age.{i}", 0), 2)

    for column, mapping, name in ((addicts.c.occupation_group, OCCUPATION_GROUPS, "occupation"),
                                  (addicts.c.main_drug, DRUGS, "drug")):
        grouped = breakdown(column, name)
        prefix = "Nghề nghiệp" if name == "occupation" else "Loại ma túy"
        for code, label in mapping.items():
            add(f"addicts.{name}.{code}", f"{prefix}: {label}",
                grouped.get(f"addicts.{name}.{code}", 0), 2)
        add(f"addicts.{name}.unknown", f"{prefix}: {UNKNOWN}",
            grouped.get(f"addicts.{name}.unknown", 0), 2)

    ethnic = case((addicts.c.ethnicity == KINH, "kinh"), (addicts.c.ethnicity.is_(None), "unknown"),
                  else_="minority")
    by_ethnic = breakdown(ethnic, "ethnicity")
    for code, label in (("kinh", "Dân tộc Kinh"), ("minority", "Dân tộc thiểu số"),
                        ("unknown", f"Dân tộc: {UNKNOWN}")):
        add(f"addicts.ethnicity.{code}", label, by_ethnic.get(f"addicts.ethnicity.{code}", 0), 2)

    episodes = and_(RehabEpisode.unit_id.in_(_subtree(unit)), RehabEpisode.voided_at.is_(None))
    if flows:
        _treatment_and_flows(rows, tally, section, add, unit, year, month, episodes)

    # V. Year-to-date progress against the quota assigned to this unit.
    section("s5", f"V. Kết quả cai nghiện so với chỉ tiêu năm {year} (lũy kế đến cuối tháng)")
    # Counted in persons: one person who started twice in the year is one towards the quota.
    year_episodes = and_(episodes, RehabEpisode.start_date.between(date(year, 1, 1), last))
    achieved = tally.run(_pairs(RehabEpisode.form, RehabEpisode.person_id, year_episodes)
                         .distinct(), lambda g: f"quota.{g}.achieved")
    quotas = {form: amount for form, amount in db.session.execute(
        select(Quota.form, Quota.amount).where(Quota.year == year, Quota.unit_id == unit.id))}
    for form in REHAB_FORMS:
        add(f"quota.{form}.achieved", f"{SHORT_FORMS[form]}: đã thực hiện (người)",
            achieved.get(f"quota.{form}.achieved", 0))
        add(f"quota.{form}.target", f"{SHORT_FORMS[form]}: chỉ tiêu giao", quotas.get(form, 0), 2)
    add("quota.local_voluntary.achieved", "Tự nguyện tại gia đình và cộng đồng: đã thực hiện "
        "(người)", tally.one("quota.local_voluntary.achieved", _pairs(
            literal("v"), RehabEpisode.person_id, year_episodes,
            RehabEpisode.form.in_(LOCAL_VOLUNTARY)).distinct()))
    add("quota.local_voluntary.target", "Tự nguyện tại gia đình và cộng đồng: chỉ tiêu giao",
        sum(quotas.get(form, 0) for form in LOCAL_VOLUNTARY), 2)
    return rows


def _treatment_and_flows(rows, tally, section, add, unit: Unit, year: int, month: int,
                         episodes) -> None:
    first, last = month_bounds(year, month)
    # III. Rehabilitation and treatment in progress at the month's end (voided entries left out).
    section("s3", "III. Cai nghiện, điều trị, quản lý sau cai (đến ngày cuối tháng)")
    ongoing = tally.run(_pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                               RehabEpisode.start_date <= last,
                               or_(RehabEpisode.end_date.is_(None), RehabEpisode.end_date > last)),
                        lambda g: f"ongoing.{g}")
    add("ongoing.total", "Đang cai nghiện", sum(ongoing.values()))
    tally.union("ongoing.total", [f"ongoing.{form}" for form in REHAB_FORMS])
    for form in REHAB_FORMS:
        add(f"ongoing.{form}", SHORT_FORMS[form], ongoing.get(f"ongoing.{form}", 0), 2)
    add("methadone.ongoing", "Đang điều trị Methadone", tally.one(
        "methadone.ongoing", _pairs(literal("m"), MethadonePeriod.person_id,
                                    MethadonePeriod.unit_id.in_(_subtree(unit)),
                                    MethadonePeriod.voided_at.is_(None),
                                    MethadonePeriod.start_date <= last,
                                    or_(MethadonePeriod.end_date.is_(None),
                                        MethadonePeriod.end_date > last))))
    terms = and_(PostRehabTerm.unit_id.in_(_subtree(unit)), PostRehabTerm.voided_at.is_(None))
    # A term ends on its own at its end date, certificate or not.
    add("post_rehab.ongoing", "Đang quản lý sau cai nghiện tại nơi cư trú", tally.one(
        "post_rehab.ongoing", _pairs(literal("t"), PostRehabTerm.person_id, terms,
                                     PostRehabTerm.status.in_(("active", "completed", "stopped")),
                                     PostRehabTerm.start_date <= last,
                                     PostRehabTerm.end_date >= last,
                                     or_(PostRehabTerm.ended_on.is_(None),
                                         PostRehabTerm.ended_on > last))))

    # IV. Flows within the month.
    section("s4", f"IV. Phát sinh trong tháng {month:02d}/{year}")
    # New on the lists: by the day the person really entered them (the paper register's date).
    add("flow.new", "Người mới đưa vào danh sách quản lý", tally.one(
        "flow.new", _pairs(literal("n"), Person.id, Person.id.in_(_kept_during(unit, first, last)),
                           Person.listed_on.between(first, last),
                           _unit_at_event(Person.listed_on, Person.id, unit))))
    events = and_(PersonEvent.person_id.in_(_kept_during(unit, first, last)),
                  PersonEvent.event_date.between(first, last), PersonEvent.voided_at.is_(None),
                  _unit_at_event(PersonEvent.event_date, PersonEvent.person_id, unit))
    determined = and_(PersonEvent.kind == "determination", PersonEvent.addicted.is_(True))
    add("flow.determined", "Người được xác định nghiện ma túy", tally.one(
        "flow.determined", _pairs(literal("d"), PersonEvent.person_id, events, determined)))
    completed_before = or_(
        select(RehabEpisode.id).where(RehabEpisode.person_id == PersonEvent.person_id,
                                      RehabEpisode.voided_at.is_(None),
                                      RehabEpisode.outcome == "completed",
                                      RehabEpisode.end_date < PersonEvent.event_date).exists(),
        select(MethadonePeriod.id).where(MethadonePeriod.person_id == PersonEvent.person_id,
                                         MethadonePeriod.voided_at.is_(None),
                                         MethadonePeriod.stop_reason == "completed",
                                         MethadonePeriod.end_date < PersonEvent.event_date).exists())
    add("flow.relapsed", "Trong đó: tái nghiện (đã hoàn thành cai nghiện, điều trị)", tally.one(
        "flow.relapsed", _pairs(literal("r"), PersonEvent.person_id, events, determined,
                                completed_before)), 2)
    started = tally.run(_pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                               RehabEpisode.start_date.between(first, last)),
                        lambda g: f"flow.rehab_started.{g}")
    add("flow.rehab_started", "Bắt đầu cai nghiện", sum(started.values()))
    tally.union("flow.rehab_started", [f"flow.rehab_started.{f}" for f in REHAB_FORMS])
    for form in REHAB_FORMS:
        add(f"flow.rehab_started.{form}", SHORT_FORMS[form],
            started.get(f"flow.rehab_started.{form}", 0), 2)
    completed = tally.run(_pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                                 RehabEpisode.end_date.between(first, last),
                                 RehabEpisode.outcome == "completed"),
                          lambda g: f"flow.rehab_completed.{g}")
    add("flow.rehab_completed", "Hoàn thành cai nghiện", sum(completed.values()))
    tally.union("flow.rehab_completed", [f"flow.rehab_completed.{f}" for f in REHAB_FORMS])
    for form in REHAB_FORMS:
        add(f"flow.rehab_completed.{form}", SHORT_FORMS[form],
            completed.get(f"flow.rehab_completed.{form}", 0), 2)
    # Voluntary rehab at the place of residence: registrations (the episode recorded from
    # the registration, by its start) and the chairman's decisions (by the decision's date).
    local = and_(episodes, RehabEpisode.form.in_(LOCAL_VOLUNTARY))
    registered = tally.run(_pairs(RehabEpisode.form, RehabEpisode.person_id, local,
                                  RehabEpisode.start_date.between(first, last)),
                           lambda g: f"flow.voluntary_registered.{g}")
    add("flow.voluntary_registered", "Đăng ký cai nghiện tự nguyện tại gia đình, cộng đồng",
        sum(registered.values()))
    tally.union("flow.voluntary_registered",
                [f"flow.voluntary_registered.{f}" for f in LOCAL_VOLUNTARY])
    for form in LOCAL_VOLUNTARY:
        add(f"flow.voluntary_registered.{form}", SHORT_FORMS[form],
            registered.get(f"flow.voluntary_registered.{form}", 0), 2)
    decided = tally.run(_pairs(RehabEpisode.form, RehabEpisode.person_id, local,
                               RehabEpisode.decision_date.between(first, last)),
                        lambda g: f"flow.voluntary_decided.{g}")
    add("flow.voluntary_decided", "Quyết định cai nghiện tự nguyện tại gia đình, cộng đồng",
        sum(decided.values()))
    tally.union("flow.voluntary_decided", [f"flow.voluntary_decided.{f}" for f in LOCAL_VOLUNTARY])
    for form in LOCAL_VOLUNTARY:
        add(f"flow.voluntary_decided.{form}", SHORT_FORMS[form],
            decided.get(f"flow.voluntary_decided.{form}", 0), 2)
    for outcome, label in ENDINGS.items():
        ended = tally.run(_pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                                 RehabEpisode.end_date.between(first, last),
                                 RehabEpisode.outcome == outcome),
                          lambda g, o=outcome: f"flow.rehab_{o}.{g}")
        add(f"flow.rehab_{outcome}", label, sum(ended.values()))
        tally.union(f"flow.rehab_{outcome}", [f"flow.rehab_{outcome}.{f}" for f in REHAB_FORMS])
        for form in REHAB_FORMS:
            if form != "compulsory" or outcome == "abandoned":
                add(f"flow.rehab_{outcome}.{form}", SHORT_FORMS[form],
                    ended.get(f"flow.rehab_{outcome}.{form}", 0), 2)
    add("flow.post_rehab_opened", "Quyết định quản lý sau cai mới", tally.one(
        "flow.post_rehab_opened", _pairs(literal("o"), PostRehabTerm.person_id, terms,
                                         PostRehabTerm.decision_date.between(first, last))))
    ended = tally.run(_pairs(PostRehabTerm.status, PostRehabTerm.person_id, terms,
                             PostRehabTerm.ended_on.between(first, last),
                             PostRehabTerm.status.in_(("completed", "stopped"))),
                      lambda g: f"flow.post_rehab_ended.{g}")
    add("flow.post_rehab_ended", "Kết thúc quản lý sau cai", sum(ended.values()))
    tally.union("flow.post_rehab_ended",
                [f"flow.post_rehab_ended.{k}" for k in ("completed", "stopped")])
    for status, label in (("completed", "Hết thời hạn quản lý"), ("stopped", "Chấm dứt")):
        add(f"flow.post_rehab_ended.{status}", label,
            ended.get(f"flow.post_rehab_ended.{status}", 0), 2)
    relapse_found = (select(literal("r").label("g"), PostRehabTerm.person_id.label("p"))
                     .join_from(PostRehabActivity, PostRehabTerm,
                                PostRehabTerm.id == PostRehabActivity.term_id)
                     .where(terms, PostRehabActivity.voided_at.is_(None),
                            PostRehabActivity.kind == "relapse",
                            PostRehabActivity.on.between(first, last)))
    relapse_stop = _pairs(literal("r"), PostRehabTerm.person_id, terms,
                          PostRehabTerm.end_reason == "relapsed",
                          PostRehabTerm.ended_on.between(first, last))
    add("flow.post_rehab_relapsed", "Tái nghiện trong thời gian quản lý sau cai", tally.one(
        "flow.post_rehab_relapsed", relapse_found.union(relapse_stop)))
    support = tally.run(
        _pairs(PostRehabActivity.kind, PostRehabTerm.person_id, terms,
               PostRehabActivity.voided_at.is_(None),
               PostRehabActivity.on.between(first, last),
               PostRehabActivity.kind.in_(tuple(SUPPORT_KINDS)))
        .join_from(PostRehabActivity, PostRehabTerm, PostRehabTerm.id == PostRehabActivity.term_id),
        lambda g: f"flow.support.{g}")
    add("flow.support", "Lượt hỗ trợ người sau cai", sum(support.values()))
    tally.union("flow.support", [f"flow.support.{k}" for k in SUPPORT_KINDS])
    for kind, label in SUPPORT_KINDS.items():
        add(f"flow.support.{kind}", label, support.get(f"flow.support.{kind}", 0), 2)
    # The same support counted in persons (a person helped twice is one).
    helped = tally.run(
        _pairs(PostRehabActivity.kind, PostRehabTerm.person_id, terms,
               PostRehabActivity.voided_at.is_(None),
               PostRehabActivity.on.between(first, last),
               PostRehabActivity.kind.in_(tuple(SUPPORT_KINDS)))
        .join_from(PostRehabActivity, PostRehabTerm, PostRehabTerm.id == PostRehabActivity.term_id)
        .distinct(), lambda g: f"flow.support_persons.{g}")
    anyone = _pairs(literal("h"), PostRehabTerm.person_id, terms,
                    PostRehabActivity.voided_at.is_(None),
                    PostRehabActivity.on.between(first, last),
                    PostRehabActivity.kind.in_(tuple(SUPPORT_KINDS))).join_from(
        PostRehabActivity, PostRehabTerm, PostRehabTerm.id == PostRehabActivity.term_id).distinct()
    add("flow.support_persons", "Người sau cai được hỗ trợ", tally.one("flow.support_persons",
                                                                       anyone))
    for kind, label in SUPPORT_KINDS.items():
        add(f"flow.support_persons.{kind}", label,
            helped.get(f"flow.support_persons.{kind}", 0), 2)
    closed = tally.run(_pairs(PersonEvent.reason, PersonEvent.person_id, events,
                              PersonEvent.kind == "closing"),
                       lambda g: f"flow.closed.{g}")
    add("flow.closed", "Đưa ra khỏi danh sách quản lý", sum(closed.values()))
    tally.union("flow.closed", [f"flow.closed.{r}" for r in CLOSING_REASONS])
    for reason, label in CLOSING_REASONS.items():
        add(f"flow.closed.{reason}", label, closed.get(f"flow.closed.{reason}", 0), 2)



def structure(year: int, month: int, **options) -> list[Row]:
    """The rows of a month's report, every value 0: `compute` over a subtree that holds
    nothing (a path no unit has), for a parent none of whose children has reported yet —
    counting a whole province only to learn the labels cost it ~80 ms a view."""
    nowhere = Unit(id=0, path="/-/")  # transient, never added; no unit code holds "-"
    return [Row(r.key, r.label, r.level, None if r.value is None else 0)
            for r in compute(nowhere, year, month, **options)]


def compute_with_members(unit: Unit, year: int, month: int, **options
                         ) -> tuple[list[Row], dict[str, list[int]]]:
    """The figures and {row key: sorted person ids} of every non-zero figure."""
    members: dict[str, set[int]] = {}
    rows = compute(unit, year, month, members=members, **options)
    keys = {r.key for r in rows if r.value}
    return rows, {k: sorted(v) for k, v in members.items() if k in keys and v}


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
