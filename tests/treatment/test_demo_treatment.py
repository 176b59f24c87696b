"""The demo treatment history and quotas: recorded through the services, consistent with the
registry, and shaped for the worklist and the progress pages.

Loading the demo takes seconds and every test empties the database afterwards, so it is loaded
once for the module and read into plain objects that the tests then examine.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from webapp import demo
from webapp.demo.persons import load_persons
from webapp.demo.treatment import load_treatment, quota_years
from webapp.extensions import db as _db
from webapp.plans.models import Quota
from webapp.registry.models import Person
from webapp.registry.state import derive
from webapp.registry.vocab import State
from webapp.timeutil import today_local
from webapp.treatment.models import (MethadonePeriod, PostRehabActivity, PostRehabTerm,
                                     RehabEpisode)
from webapp.treatment.services import refresh_treatment
from webapp.units.models import Unit

EPISODE_COLUMNS = ("id", "person_id", "unit_id", "form", "start_date", "planned_end",
                   "decision_date", "decision_number", "decided_by", "end_date", "outcome")
EVENT_COLUMNS = ("id", "kind", "event_date", "addicted", "term_end", "reason")
TERM_COLUMNS = ("id", "person_id", "status", "start_date", "end_date", "decision_date",
                "decision_number", "signer", "ended_on", "end_reason", "certificate_number")


def _plain(obj, columns) -> SimpleNamespace:
    return SimpleNamespace(**{c: getattr(obj, c) for c in columns})


@pytest.fixture(scope="module")
def loaded(app):
    with app.app_context():
        units = demo.load_units()
        demo.load_users(units)
        load_persons()
        counts = load_treatment()
        _db.session.commit()

        persons = []
        for p in _db.session.scalars(select(Person).order_by(Person.id)):
            stored = p.treatment
            refresh_treatment(p)
            events = [_plain(e, EVENT_COLUMNS) for e in p.events]
            persons.append(SimpleNamespace(id=p.id, stored=stored, computed=p.treatment,
                                           events=events))
        _db.session.rollback()  # refresh_treatment only recomputed; nothing to keep
        episodes = [_plain(e, EPISODE_COLUMNS)
                    for e in _db.session.scalars(select(RehabEpisode).order_by(RehabEpisode.id))]
        terms = []
        for t in _db.session.scalars(select(PostRehabTerm).order_by(PostRehabTerm.id)):
            row = _plain(t, TERM_COLUMNS)
            row.episode_outcome = t.episode.outcome if t.episode else None
            row.episode_form = t.episode.form if t.episode else None
            row.methadone_stop = t.methadone.stop_reason if t.methadone else None
            terms.append(row)
        methadone = [_plain(m, ("person_id", "start_date", "end_date", "stop_reason"))
                     for m in _db.session.scalars(select(MethadonePeriod))]
        activities = [_plain(a, ("term_id", "kind", "on", "positive"))
                      for a in _db.session.scalars(select(PostRehabActivity))]
        units = {u.id: SimpleNamespace(code=u.code, parent=u.parent.code if u.parent else None)
                 for u in _db.session.scalars(select(Unit))}
        quotas = [SimpleNamespace(year=q.year, unit=units[q.unit_id].code,
                                  parent=units[q.unit_id].parent, form=q.form, amount=q.amount)
                  for q in _db.session.scalars(select(Quota))]
        _db.session.remove()
    return SimpleNamespace(counts=counts, persons=persons, episodes=episodes, terms=terms,
                           methadone=methadone, activities=activities, units=units,
                           quotas=quotas, today=today_local())


def test_the_counts_describe_what_was_recorded(loaded):
    counts = loaded.counts
    assert counts["episodes"] == len(loaded.episodes)
    assert counts["methadone"] == len(loaded.methadone)
    assert counts["post_rehab_terms"] == len(loaded.terms)
    assert counts["quotas"] == len(loaded.quotas)
    assert 20 <= len(loaded.methadone) <= 30
    assert any(m.end_date is None for m in loaded.methadone)


def test_every_stored_treatment_is_the_one_the_records_give(loaded):
    for person in loaded.persons:
        assert person.stored == person.computed, person.id
    assert {p.stored for p in loaded.persons} >= {"in_rehab", "methadone", "post_rehab", None}


def test_rehabs_start_while_addicted_and_reach_about_45_percent(loaded):
    persons = {p.id: p for p in loaded.persons}
    for e in loaded.episodes:
        assert derive(persons[e.person_id].events, e.start_date).state == State.ADDICT, e.id
    ever = [p for p in loaded.persons
            if any(ev.kind == "determination" and ev.addicted for ev in p.events)]
    treated = {e.person_id for e in loaded.episodes}
    assert 0.35 <= len(treated) / len(ever) <= 0.55


def test_no_person_has_two_episodes_of_one_form_at_once(loaded):
    by_person = defaultdict(list)
    for e in loaded.episodes:
        by_person[(e.person_id, e.form)].append(e)
    for episodes in by_person.values():
        episodes.sort(key=lambda e: e.start_date)
        for before, after in zip(episodes, episodes[1:]):
            assert (before.end_date or before.planned_end) < after.start_date, after.id


def test_nothing_is_dated_after_today(loaded):
    today = loaded.today
    for e in loaded.episodes:
        assert e.start_date <= today and (e.decision_date or e.start_date) <= today
        if e.end_date:
            assert e.start_date <= e.end_date <= today
        else:
            assert e.planned_end > today  # a rehab still running has not passed its term
    for m in loaded.methadone:
        assert m.start_date <= today and (m.end_date is None or m.start_date <= m.end_date <= today)
    for t in loaded.terms:
        assert t.start_date <= today
        assert t.decision_date is None or t.decision_date <= today
        assert t.ended_on is None or t.start_date <= t.ended_on <= today
    assert all(a.on <= today for a in loaded.activities)


def test_confirmed_terms_come_from_a_completed_rehab_or_methadone(loaded):
    confirmed = [t for t in loaded.terms if t.status in ("active", "completed", "stopped")]
    assert confirmed
    for t in confirmed:
        assert (t.episode_outcome == "completed" and t.episode_form != "detox") \
            or t.methadone_stop == "completed", t.id
        assert t.decision_number.endswith("/QĐ-UBND") and t.signer.startswith("Chủ tịch UBND")
    certified = [t for t in loaded.terms if t.status == "completed"]
    assert certified and all(t.certificate_number and t.ended_on >= t.end_date for t in certified)
    assert any(t.end_reason == "relapsed" for t in loaded.terms)


def test_decision_numbers_are_not_reused_within_a_year(loaded):
    code = {uid: u.code for uid, u in loaded.units.items()}
    persons_unit = {e.person_id: code[e.unit_id] for e in loaded.episodes}
    numbers = [(e.decided_by, e.decision_date.year, e.decision_number) for e in loaded.episodes
               if e.decision_number]
    numbers += [(t.signer, t.decision_date.year, t.decision_number) for t in loaded.terms
                if t.decision_number]
    numbers += [(persons_unit.get(t.person_id, t.person_id), t.ended_on.year, t.certificate_number)
                for t in loaded.terms if t.certificate_number]
    assert len(numbers) == len(set(numbers))


def test_courts_and_decisions_read_as_in_the_seeds(loaded):
    compulsory = [e for e in loaded.episodes if e.form == "compulsory"]
    assert compulsory
    for e in compulsory:
        assert e.decision_number.endswith(f"/{e.decision_date.year}/QĐ-TA")
        regional = e.decision_date.isoformat() >= "2025-07-01"
        assert e.decided_by.startswith("Tòa án nhân dân khu vực" if regional
                                       else "Tòa án nhân dân huyện") \
            or (not regional and e.decided_by.startswith("Tòa án nhân dân thành phố"))
    for e in loaded.episodes:
        if e.form == "detox":
            assert 15 <= (e.planned_end - e.start_date).days <= 30


def test_the_worklist_has_something_to_show(loaded):
    today = loaded.today
    ongoing = [e for e in loaded.episodes if e.end_date is None]
    assert 5 <= len(ongoing) <= 20
    releases = [e for e in ongoing if e.form == "compulsory"
                and today <= e.planned_end <= today + timedelta(days=30)]
    assert len(releases) >= 2
    assert any(t.status == "suggested" for t in loaded.terms)


def test_quotas_for_three_years_and_every_district(loaded):
    districts = sorted(u.code for u in loaded.units.values()
                       if len(u.code) == 3 and u.code.isdigit())  # not the ministry, C04
    assert len(districts) == 3
    years = quota_years(loaded.today)
    have = {(q.year, q.unit) for q in loaded.quotas}
    for year in years:
        for district in districts:
            assert (year, district) in have
    assert {q.year for q in loaded.quotas} == set(years)
    assert all(q.amount >= 0 for q in loaded.quotas)


def test_districts_split_their_quota_and_one_gives_a_little_too_much(loaded):
    own = {(q.year, q.unit, q.form): q.amount for q in loaded.quotas if len(q.unit) == 3}
    given: Counter = Counter()
    for q in loaded.quotas:
        if len(q.unit) == 5:
            given[(q.year, q.parent, q.form)] += q.amount
    assert set(given) == set(own)
    current = loaded.today.year
    over = set()
    for key, amount in own.items():
        if given[key] != amount:
            assert key[0] == current and 0 < given[key] - amount <= 2, key
            over.add(key[1])
    assert len(over) == 1


def test_the_current_year_has_communes_above_and_below_and_one_without_detox(loaded):
    year = loaded.today.year
    code = {uid: u.code for uid, u in loaded.units.items()}
    achieved = Counter((code[e.unit_id], e.form) for e in loaded.episodes
                       if e.start_date.year == year)
    quotas = {(q.unit, q.form): q.amount for q in loaded.quotas
              if q.year == year and len(q.unit) == 5}
    above = [k for k, amount in quotas.items() if achieved[k] > amount]
    below = [k for k, amount in quotas.items() if achieved[k] < amount]
    assert len(below) >= 3
    if loaded.today.timetuple().tm_yday >= 90:  # in January nobody is ahead of plan yet
        assert len(above) >= 3
    communes = {u.code for u in loaded.units.values() if len(u.code) == 5}
    assert [c for c in communes if achieved[(c, "detox")] == 0]
