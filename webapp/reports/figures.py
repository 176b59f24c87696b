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
from typing import Callable, NamedTuple

from dateutil.relativedelta import relativedelta
from sqlalchemy import (Date, Integer, String, and_, bindparam, case, cast, func, literal, or_,
                        select, union_all)

from .. import settings
from ..extensions import db
from ..plans.models import Quota
from ..registry.models import Person, PersonEvent, PersonPeriod
from ..registry.vocab import (CLOSING_REASONS, DRUGS, KINH, OCCUPATION_GROUPS, SEXES, State,
                              Status)
from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode
from ..treatment.vocab import REHAB_FORMS, SHORT_FORMS
from ..units.models import Unit, under_bound, under_values

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


# The figures' statements take the unit, the month and the year as parameters given when they
# run: one statement per shape of the report (the counting rule, with or without the flows, the
# number of age bands) is built and compiled once, then serves every unit and month.
FIRST, LAST = bindparam("first", type_=Date), bindparam("last", type_=Date)
YEAR_FIRST = bindparam("year_first", type_=Date)
YEAR, UNIT_ID = bindparam("year", type_=Integer), bindparam("unit_id", type_=Integer)


def _subtree():
    return select(Unit.id).where(under_bound(Unit.path, "subtree"))


def _periods_on(day):
    """Periods covering `day` of persons then kept by a unit of the subtree."""
    return and_(PersonPeriod.start_date <= day,
                or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > day),
                PersonPeriod.unit_id.in_(_subtree()))


def _pairs(group, person, *where):
    return select(group.label("g"), person.label("p")).where(*where)


def _kept_during(first, last):
    """Ids of persons kept by a unit of the subtree at some time in [first, last]: the flows
    of a month start from them (the unit's own rows), never from the country's events."""
    return select(PersonPeriod.person_id).where(
        PersonPeriod.unit_id.in_(_subtree()), PersonPeriod.start_date <= last,
        or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > first))


def _unit_at_event(event_date_column, person_column):
    """EXISTS: on the event's day the person was kept by a unit of the subtree."""
    return select(PersonPeriod.id).where(
        PersonPeriod.person_id == person_column,
        PersonPeriod.start_date <= event_date_column,
        or_(PersonPeriod.end_date.is_(None), PersonPeriod.end_date > event_date_column),
        PersonPeriod.unit_id.in_(_subtree())).exists()


# Statuses on the lists at a month's end, and which rows they count in.
MANAGED = (Status.ADDICT, Status.USER, Status.USER_PENDING, Status.SUSPECTED)


class _Part(NamedTuple):
    """One grouped count. `pairs` selects rows (group g, person id p): the figure's definition;
    `key_of` gives a group's row key. Counts and persons come from the same rows, so a figure
    and its list can never disagree."""
    name: str
    key_of: Callable[[object], str]
    pairs: object


def _counted_states(suspected_as_addicts: bool) -> tuple[str, ...]:
    return (State.ADDICT.value,) + ((State.SUSPECTED.value,) if suspected_as_addicts else ())


def _parts(suspected_as_addicts: bool, flows: bool, bands: int) -> list[_Part]:
    """Every grouped count of the report, written with the statements' parameters."""
    parts: list[_Part] = []

    def run(name: str, pairs, key_of) -> None:
        parts.append(_Part(name, key_of, pairs))

    def one(key: str, pairs) -> None:
        """A single figure: `pairs` selects the person ids behind it."""
        run(key, pairs, lambda _: key)

    on_registry = _periods_on(LAST)
    # I. Persons on the lists at the month's end, by legal status that day.
    run("states", _pairs(PersonPeriod.state, PersonPeriod.person_id, on_registry),
        lambda g: f"status.{g}")

    # II. Addicts by sex, age band, occupation group, main drug, ethnicity.
    addicts = (select(Person.id, Person.sex, Person.born_on, Person.occupation_group,
                      Person.main_drug, Person.ethnicity)
               .join(PersonPeriod, PersonPeriod.person_id == Person.id)
               .where(on_registry, PersonPeriod.state.in_(_counted_states(suspected_as_addicts)))
               .subquery())

    def breakdown(expr, prefix: str) -> None:
        run(prefix, _pairs(expr, addicts.c.id),
            lambda g: f"addicts.{prefix}.{'unknown' if g is None else g}")

    breakdown(addicts.c.sex, "sex")
    # Parameter band_i: born after it, a person is younger than band i's lowest age.
    breakdown(case(*[(addicts.c.born_on > bindparam(f"band_{i}", type_=Date), i - 1)
                     for i in range(1, bands)], else_=bands - 1) if bands > 1 else literal(0),
              "age")
    breakdown(addicts.c.occupation_group, "occupation")
    breakdown(addicts.c.main_drug, "drug")
    breakdown(case((addicts.c.ethnicity == KINH, "kinh"),
                   (addicts.c.ethnicity.is_(None), "unknown"), else_="minority"), "ethnicity")

    episodes = and_(RehabEpisode.unit_id.in_(_subtree()), RehabEpisode.voided_at.is_(None))
    if flows:
        _flow_parts(run, one, episodes)

    # V. Year to date, counted in persons: one who started twice in the year is one.
    year_episodes = and_(episodes, RehabEpisode.start_date.between(YEAR_FIRST, LAST))
    run("achieved", _pairs(RehabEpisode.form, RehabEpisode.person_id, year_episodes).distinct(),
        lambda g: f"quota.{g}.achieved")
    one("quota.local_voluntary.achieved", _pairs(
        literal("v"), RehabEpisode.person_id, year_episodes,
        RehabEpisode.form.in_(LOCAL_VOLUNTARY)).distinct())
    return parts


def _flow_parts(run, one, episodes) -> None:
    """Sections III and IV: treatment in progress at the month's end, the month's flows."""
    # III. Rehabilitation and treatment in progress at the month's end (voided entries left out).
    run("ongoing", _pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                          RehabEpisode.start_date <= LAST,
                          or_(RehabEpisode.end_date.is_(None), RehabEpisode.end_date > LAST)),
        lambda g: f"ongoing.{g}")
    one("methadone.ongoing", _pairs(literal("m"), MethadonePeriod.person_id,
                                    MethadonePeriod.unit_id.in_(_subtree()),
                                    MethadonePeriod.voided_at.is_(None),
                                    MethadonePeriod.start_date <= LAST,
                                    or_(MethadonePeriod.end_date.is_(None),
                                        MethadonePeriod.end_date > LAST)))
    terms = and_(PostRehabTerm.unit_id.in_(_subtree()), PostRehabTerm.voided_at.is_(None))
    # A term ends on its own at its end date, certificate or not.
    one("post_rehab.ongoing", _pairs(literal("t"), PostRehabTerm.person_id, terms,
                                     PostRehabTerm.status.in_(("active", "completed", "stopped")),
                                     PostRehabTerm.start_date <= LAST,
                                     PostRehabTerm.end_date >= LAST,
                                     or_(PostRehabTerm.ended_on.is_(None),
                                         PostRehabTerm.ended_on > LAST)))

    # IV. Flows within the month.
    # New on the lists: by the day the person really entered them (the paper register's date).
    one("flow.new", _pairs(literal("n"), Person.id, Person.id.in_(_kept_during(FIRST, LAST)),
                           Person.listed_on.between(FIRST, LAST),
                           _unit_at_event(Person.listed_on, Person.id)))
    events = and_(PersonEvent.person_id.in_(_kept_during(FIRST, LAST)),
                  PersonEvent.event_date.between(FIRST, LAST), PersonEvent.voided_at.is_(None),
                  _unit_at_event(PersonEvent.event_date, PersonEvent.person_id))
    determined = and_(PersonEvent.kind == "determination", PersonEvent.addicted.is_(True))
    one("flow.determined", _pairs(literal("d"), PersonEvent.person_id, events, determined))
    completed_before = or_(
        select(RehabEpisode.id).where(RehabEpisode.person_id == PersonEvent.person_id,
                                      RehabEpisode.voided_at.is_(None),
                                      RehabEpisode.outcome == "completed",
                                      RehabEpisode.end_date < PersonEvent.event_date).exists(),
        select(MethadonePeriod.id).where(MethadonePeriod.person_id == PersonEvent.person_id,
                                         MethadonePeriod.voided_at.is_(None),
                                         MethadonePeriod.stop_reason == "completed",
                                         MethadonePeriod.end_date < PersonEvent.event_date).exists())
    one("flow.relapsed", _pairs(literal("r"), PersonEvent.person_id, events, determined,
                                completed_before))
    run("started", _pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                          RehabEpisode.start_date.between(FIRST, LAST)),
        lambda g: f"flow.rehab_started.{g}")
    run("completed", _pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                            RehabEpisode.end_date.between(FIRST, LAST),
                            RehabEpisode.outcome == "completed"),
        lambda g: f"flow.rehab_completed.{g}")
    # Voluntary rehab at the place of residence: registrations (the episode recorded from
    # the registration, by its start) and the chairman's decisions (by the decision's date).
    local = and_(episodes, RehabEpisode.form.in_(LOCAL_VOLUNTARY))
    run("registered", _pairs(RehabEpisode.form, RehabEpisode.person_id, local,
                             RehabEpisode.start_date.between(FIRST, LAST)),
        lambda g: f"flow.voluntary_registered.{g}")
    run("decided", _pairs(RehabEpisode.form, RehabEpisode.person_id, local,
                          RehabEpisode.decision_date.between(FIRST, LAST)),
        lambda g: f"flow.voluntary_decided.{g}")
    for outcome in ENDINGS:
        run(f"ended.{outcome}", _pairs(RehabEpisode.form, RehabEpisode.person_id, episodes,
                                       RehabEpisode.end_date.between(FIRST, LAST),
                                       RehabEpisode.outcome == outcome),
            lambda g, o=outcome: f"flow.rehab_{o}.{g}")
    one("flow.post_rehab_opened", _pairs(literal("o"), PostRehabTerm.person_id, terms,
                                         PostRehabTerm.decision_date.between(FIRST, LAST)))
    run("post_rehab_ended", _pairs(PostRehabTerm.status, PostRehabTerm.person_id, terms,
                                   PostRehabTerm.ended_on.between(FIRST, LAST),
                                   PostRehabTerm.status.in_(("completed", "stopped"))),
        lambda g: f"flow.post_rehab_ended.{g}")
    relapse_found = (select(literal("r").label("g"), PostRehabTerm.person_id.label("p"))
                     .join_from(PostRehabActivity, PostRehabTerm,
                                PostRehabTerm.id == PostRehabActivity.term_id)
                     .where(terms, PostRehabActivity.voided_at.is_(None),
                            PostRehabActivity.kind == "relapse",
                            PostRehabActivity.on.between(FIRST, LAST)))
    relapse_stop = _pairs(literal("r"), PostRehabTerm.person_id, terms,
                          PostRehabTerm.end_reason == "relapsed",
                          PostRehabTerm.ended_on.between(FIRST, LAST))
    one("flow.post_rehab_relapsed", relapse_found.union(relapse_stop))

    def support(group):
        """(group, person) of each support given in the month."""
        return _pairs(group, PostRehabTerm.person_id, terms,
                      PostRehabActivity.voided_at.is_(None),
                      PostRehabActivity.on.between(FIRST, LAST),
                      PostRehabActivity.kind.in_(tuple(SUPPORT_KINDS))).join_from(
            PostRehabActivity, PostRehabTerm, PostRehabTerm.id == PostRehabActivity.term_id)
    run("support", support(PostRehabActivity.kind), lambda g: f"flow.support.{g}")
    # The same support counted in persons (a person helped twice is one).
    run("helped", support(PostRehabActivity.kind).distinct(),
        lambda g: f"flow.support_persons.{g}")
    one("flow.support_persons", support(literal("h")).distinct())
    run("closed", _pairs(PersonEvent.reason, PersonEvent.person_id, events,
                         PersonEvent.kind == "closing"),
        lambda g: f"flow.closed.{g}")


class _Statements:
    """The report's counts in one statement (a UNION ALL of every grouped count, tagged by its
    part's index, and the quotas) and the persons behind them in another: two round trips to
    the database instead of some thirty, each built and compiled once per shape."""

    def __init__(self, parts: list[_Part]):
        self.parts = parts
        self.names = [(part.name, part.key_of) for part in parts] + [("quotas", str)]
        counts = []
        for i, part in enumerate(parts):
            sub = part.pairs.subquery()
            # The groups are of several types (a band is a number): as text, one column.
            counts.append(select(literal(i), cast(sub.c.g, String), func.count())
                          .group_by(sub.c.g))
        # One quota per (year, unit, form): its sum is its amount.
        counts.append(select(literal(len(parts)), Quota.form, func.sum(Quota.amount))
                      .where(Quota.year == YEAR, Quota.unit_id == UNIT_ID).group_by(Quota.form))
        self.counts = union_all(*counts)
        self._members = None

    @property
    def members(self):
        if self._members is None:
            pairs = []
            for i, part in enumerate(self.parts):
                sub = part.pairs.subquery()
                pairs.append(select(literal(i), cast(sub.c.g, String), sub.c.p))
            self._members = union_all(*pairs)
        return self._members


_shapes: dict[tuple[bool, bool, int], _Statements] = {}


def _statements(suspected_as_addicts: bool, flows: bool, bands: int) -> _Statements:
    shape = (suspected_as_addicts, flows, bands)
    if shape not in _shapes:
        _shapes[shape] = _Statements(_parts(*shape))
    return _shapes[shape]


def compute(unit: Unit, year: int, month: int, *, suspected_as_addicts: bool = False,
            members: dict[str, set[int]] | None = None, flows: bool = True) -> list[Row]:
    """The figures of `unit`'s subtree for the month. Pass a dict as `members` to receive
    {row key: person ids} of the same definitions (the snapshot keeps them). With
    `flows=False`, sections III and IV (treatment in progress, the month's flows) are left
    out: the yearly statistics do not show them."""
    first, last = month_bounds(year, month)
    bands = settings.get("age_bands")
    statements = _statements(suspected_as_addicts, flows, len(bands))
    params = {"first": first, "last": last, "year_first": date(year, 1, 1), "year": year,
              "unit_id": unit.id, **under_values("subtree", unit.path),
              **{f"band_{i}": last - relativedelta(years=low)
                 for i, (_, low, _) in enumerate(bands) if i > 0}}
    counts: dict[str, dict[str, int]] = {}
    for i, group, n in db.session.execute(statements.counts, params):
        name, key_of = statements.names[i]
        got = counts.setdefault(name, {})
        key = key_of(group)
        got[key] = got.get(key, 0) + n
    if members is not None:
        for i, group, person_id in db.session.execute(statements.members, params):
            members.setdefault(statements.names[i][1](group), set()).add(person_id)
    return _rows(counts, members, year, month, bands, suspected_as_addicts, flows)


class _Sheet:
    """The rows being written from the counts ({part name: {row key: count}})."""

    def __init__(self, counts: dict[str, dict[str, int]], members: dict[str, set[int]] | None):
        self.counts, self.members, self.rows = counts, members, []

    def got(self, name: str) -> dict[str, int]:
        return self.counts.get(name, {})

    def one(self, key: str) -> int:
        return self.got(key).get(key, 0)

    def section(self, key: str, label: str) -> None:
        self.rows.append(Row(key, label, 0, None))

    def add(self, key: str, label: str, value: int, level: int = 1) -> None:
        self.rows.append(Row(key, label, level, int(value or 0)))

    def union(self, key: str, parts: list[str]) -> None:
        """A figure's persons: those of its parts."""
        if self.members is not None:
            self.members[key] = set().union(*(self.members.get(k, set()) for k in parts))


def _rows(counts: dict[str, dict[str, int]], members: dict[str, set[int]] | None, year: int,
          month: int, bands, suspected_as_addicts: bool, flows: bool) -> list[Row]:
    sheet = _Sheet(counts, members)
    section, add = sheet.section, sheet.add
    states = sheet.got("states")

    def by_status(key: str, label: str, statuses, level: int) -> None:
        add(key, label, sum(states.get(f"status.{s.value}", 0) for s in statuses), level)
        sheet.union(key, [f"status.{s.value}" for s in statuses])

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
    counted_states = _counted_states(suspected_as_addicts)
    total_addicts = sum(states.get(f"status.{s}", 0) for s in counted_states)
    section("s2", "II. Người nghiện ma túy phân theo")
    add("addicts.total", "Tổng số người nghiện ma túy"
        + (" (gồm cả người nghi nghiện)" if suspected_as_addicts else ""), total_addicts)
    sheet.union("addicts.total", [f"status.{s}" for s in counted_states])

    by_sex = sheet.got("sex")
    for code, label in SEXES.items():
        add(f"addicts.sex.{code}", f"Giới tính: {label}", by_sex.get(f"addicts.sex.{code}", 0), 2)
    by_band = sheet.got("age")
    for i, (label, _, _) in enumerate(bands):
        add(f"addicts.age.{i}", f"Độ tuổi: {label}", by_band.get(f"addicts.age.{i}", 0), 2)
    for mapping, name in ((OCCUPATION_GROUPS, "occupation"), (DRUGS, "drug")):
        grouped = sheet.got(name)
        prefix = "Nghề nghiệp" if name == "occupation" else "Loại ma túy"
        for code, label in mapping.items():
            add(f"addicts.{name}.{code}", f"{prefix}: {label}",
                grouped.get(f"addicts.{name}.{code}", 0), 2)
        add(f"addicts.{name}.unknown", f"{prefix}: {UNKNOWN}",
            grouped.get(f"addicts.{name}.unknown", 0), 2)
    by_ethnic = sheet.got("ethnicity")
    for code, label in (("kinh", "Dân tộc Kinh"), ("minority", "Dân tộc thiểu số"),
                        ("unknown", f"Dân tộc: {UNKNOWN}")):
        add(f"addicts.ethnicity.{code}", label, by_ethnic.get(f"addicts.ethnicity.{code}", 0), 2)

    if flows:
        _flow_rows(sheet, year, month)

    # V. Year-to-date progress against the quota assigned to this unit.
    section("s5", f"V. Kết quả cai nghiện so với chỉ tiêu năm {year} (lũy kế đến cuối tháng)")
    achieved, quotas = sheet.got("achieved"), sheet.got("quotas")
    for form in REHAB_FORMS:
        add(f"quota.{form}.achieved", f"{SHORT_FORMS[form]}: đã thực hiện (người)",
            achieved.get(f"quota.{form}.achieved", 0))
        add(f"quota.{form}.target", f"{SHORT_FORMS[form]}: chỉ tiêu giao", quotas.get(form, 0), 2)
    add("quota.local_voluntary.achieved", "Tự nguyện tại gia đình và cộng đồng: đã thực hiện "
        "(người)", sheet.one("quota.local_voluntary.achieved"))
    add("quota.local_voluntary.target", "Tự nguyện tại gia đình và cộng đồng: chỉ tiêu giao",
        sum(quotas.get(form, 0) for form in LOCAL_VOLUNTARY), 2)
    return sheet.rows


def _flow_rows(sheet: _Sheet, year: int, month: int) -> None:
    section, add, got = sheet.section, sheet.add, sheet.got
    # III. Rehabilitation and treatment in progress at the month's end.
    section("s3", "III. Cai nghiện, điều trị, quản lý sau cai (đến ngày cuối tháng)")
    ongoing = got("ongoing")
    add("ongoing.total", "Đang cai nghiện", sum(ongoing.values()))
    sheet.union("ongoing.total", [f"ongoing.{form}" for form in REHAB_FORMS])
    for form in REHAB_FORMS:
        add(f"ongoing.{form}", SHORT_FORMS[form], ongoing.get(f"ongoing.{form}", 0), 2)
    add("methadone.ongoing", "Đang điều trị Methadone", sheet.one("methadone.ongoing"))
    add("post_rehab.ongoing", "Đang quản lý sau cai nghiện tại nơi cư trú",
        sheet.one("post_rehab.ongoing"))

    # IV. Flows within the month.
    section("s4", f"IV. Phát sinh trong tháng {month:02d}/{year}")

    def by_part(name: str, key: str, label: str, parts) -> dict[str, int]:
        """A figure summed over its part's groups, its persons those of `parts`."""
        values = got(name)
        add(key, label, sum(values.values()))
        sheet.union(key, [f"{key}.{part}" for part in parts])
        return values

    add("flow.new", "Người mới đưa vào danh sách quản lý", sheet.one("flow.new"))
    add("flow.determined", "Người được xác định nghiện ma túy", sheet.one("flow.determined"))
    add("flow.relapsed", "Trong đó: tái nghiện (đã hoàn thành cai nghiện, điều trị)",
        sheet.one("flow.relapsed"), 2)
    for name, key, label, forms in (
            ("started", "flow.rehab_started", "Bắt đầu cai nghiện", REHAB_FORMS),
            ("completed", "flow.rehab_completed", "Hoàn thành cai nghiện", REHAB_FORMS),
            ("registered", "flow.voluntary_registered",
             "Đăng ký cai nghiện tự nguyện tại gia đình, cộng đồng", LOCAL_VOLUNTARY),
            ("decided", "flow.voluntary_decided",
             "Quyết định cai nghiện tự nguyện tại gia đình, cộng đồng", LOCAL_VOLUNTARY)):
        values = by_part(name, key, label, forms)
        for form in forms:
            add(f"{key}.{form}", SHORT_FORMS[form], values.get(f"{key}.{form}", 0), 2)
    for outcome, label in ENDINGS.items():
        ended = by_part(f"ended.{outcome}", f"flow.rehab_{outcome}", label, REHAB_FORMS)
        for form in REHAB_FORMS:
            if form != "compulsory" or outcome == "abandoned":
                add(f"flow.rehab_{outcome}.{form}", SHORT_FORMS[form],
                    ended.get(f"flow.rehab_{outcome}.{form}", 0), 2)
    add("flow.post_rehab_opened", "Quyết định quản lý sau cai mới",
        sheet.one("flow.post_rehab_opened"))
    ended = by_part("post_rehab_ended", "flow.post_rehab_ended", "Kết thúc quản lý sau cai",
                    ("completed", "stopped"))
    for status, label in (("completed", "Hết thời hạn quản lý"), ("stopped", "Chấm dứt")):
        add(f"flow.post_rehab_ended.{status}", label,
            ended.get(f"flow.post_rehab_ended.{status}", 0), 2)
    add("flow.post_rehab_relapsed", "Tái nghiện trong thời gian quản lý sau cai",
        sheet.one("flow.post_rehab_relapsed"))
    support = by_part("support", "flow.support", "Lượt hỗ trợ người sau cai", SUPPORT_KINDS)
    for kind, label in SUPPORT_KINDS.items():
        add(f"flow.support.{kind}", label, support.get(f"flow.support.{kind}", 0), 2)
    add("flow.support_persons", "Người sau cai được hỗ trợ", sheet.one("flow.support_persons"))
    helped = got("helped")
    for kind, label in SUPPORT_KINDS.items():
        add(f"flow.support_persons.{kind}", label,
            helped.get(f"flow.support_persons.{kind}", 0), 2)
    closed = by_part("closed", "flow.closed", "Đưa ra khỏi danh sách quản lý", CLOSING_REASONS)
    for reason, label in CLOSING_REASONS.items():
        add(f"flow.closed.{reason}", label, closed.get(f"flow.closed.{reason}", 0), 2)


def structure(year: int, month: int, *, suspected_as_addicts: bool = False,
              flows: bool = True) -> list[Row]:
    """The rows of a month's report, every value 0, for a parent none of whose children has
    reported yet: the rows `compute` writes from no counts at all, without a statement —
    counting a whole province only to learn the labels cost it ~80 ms a view."""
    return _rows({}, None, year, month, settings.get("age_bands"), suspected_as_addicts, flows)


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
