"""The demo's twelve months of monthly reports: every state, honest snapshots and threads.

The demo is loaded once for the module (it takes seconds, and every test empties the database
afterwards) and read into plain objects; the live figures of a sample of frozen reports are
computed right after the load, while the registry they were frozen from is still there.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from webapp import demo
from webapp.auth.models import User
from webapp.demo.reports import load_submissions
from webapp.extensions import db as _db
from webapp.reports.figures import as_values
from webapp.reports.models import MonthlySubmission
from webapp.reports.services import due_date, live_rows
from webapp.timeutil import LOCAL_TZ, now_utc, to_local, today_local
from webapp.units.models import Unit

COMMUNES = ("99101", "99102", "99103", "99104", "99201", "99202", "99203", "99301", "99302",
            "99303")
DISTRICTS = ("991", "992", "993")
SUB_COLUMNS = ("id", "year", "month", "status", "snapshot", "snapshot_at", "submitted_at",
               "first_submitted_at",
               "submitted_by_id", "decided_at", "decided_by_id", "created_at",
               "children_included", "warning_comment", "work_done")
STEP_COLUMNS = ("id", "action", "from_status", "to_status", "comment", "user_id", "at")


def _months(today: date) -> list[tuple[int, int]]:
    out = []
    for back in range(12, 0, -1):
        index = today.year * 12 + today.month - 1 - back
        out.append((index // 12, index % 12 + 1))
    return out


def _local_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LOCAL_TZ).astimezone(timezone.utc).replace(tzinfo=None)


@pytest.fixture(scope="module")
def loaded(app):
    with app.app_context():
        demo.load()
        counts = None
        if not _db.session.scalar(select(func.count(MonthlySubmission.id))):
            counts = load_submissions()  # not (yet) part of demo.load()
        _db.session.commit()
        now, today = now_utc(), today_local()
        units = {u.id: u for u in _db.session.scalars(select(Unit))}
        users = {u.id: SimpleNamespace(username=u.username, role=u.role,
                                       unit_code=units[u.unit_id].code, is_demo=u.is_demo)
                 for u in _db.session.scalars(select(User))}
        subs = []
        for s in _db.session.scalars(select(MonthlySubmission).order_by(MonthlySubmission.id)):
            row = SimpleNamespace(**{c: getattr(s, c) for c in SUB_COLUMNS})
            row.unit_code = s.unit.code
            row.parent_code = s.unit.parent.code
            row.steps = [SimpleNamespace(**{c: getattr(t, c) for c in STEP_COLUMNS})
                         for t in s.transitions]
            subs.append(row)
        # A sample of frozen reports, districts and communes, with their live figures now.
        frozen = [s for s in subs if s.status in ("submitted", "approved")]
        sample = ([s for s in frozen if len(s.unit_code) == 3][:4]
                  + [s for s in frozen if len(s.unit_code) == 5][::12][:6])
        live = {}
        for s in sample:
            unit = _db.session.scalar(select(Unit).where(Unit.code == s.unit_code))
            live[s.id] = as_values(live_rows(unit, s.year, s.month)[0])
        _db.session.remove()
    return SimpleNamespace(subs=subs, users=users, live=live, sample=sample, now=now,
                           today=today, counts=counts)


def _by_key(loaded):
    return {(s.unit_code, s.year, s.month): s for s in loaded.subs}


def test_every_state_and_some_missing_months(loaded):
    statuses = {s.status for s in loaded.subs}
    assert statuses == {"approved", "returned", "submitted", "draft"}
    by_key = _by_key(loaded)
    months = _months(loaded.today)
    missing = [(code, y, m) for code in COMMUNES + DISTRICTS for y, m in months
               if (code, y, m) not in by_key]
    assert missing
    assert any((y, m) == months[-1] for _, y, m in missing)
    approved = sum(s.status == "approved" for s in loaded.subs)
    assert approved > len(loaded.subs) / 2
    assert {s.unit_code for s in loaded.subs} == set(COMMUNES + DISTRICTS + ("99",))
    if loaded.counts is not None:
        assert loaded.counts["reports"] == len(loaded.subs)


def test_reports_cover_the_twelve_months_before_this_one(loaded):
    months = set(_months(loaded.today))
    assert {(s.year, s.month) for s in loaded.subs} == months


def test_a_sample_of_frozen_snapshots_equals_the_live_figures(loaded):
    assert len(loaded.sample) == 10
    assert any(len(s.unit_code) == 3 for s in loaded.sample)
    for s in loaded.sample:
        assert as_values(s.snapshot) == loaded.live[s.id], (s.unit_code, s.year, s.month)


def test_every_status_is_its_last_transition_and_the_thread_is_a_chain(loaded):
    for s in loaded.subs:
        if s.status == "draft":
            assert s.steps == [] and s.snapshot is None and s.submitted_at is None
            continue
        assert s.steps[-1].to_status == s.status
        assert s.steps[0].from_status == "draft" and s.steps[0].action == "submit"
        for before, after in zip(s.steps, s.steps[1:]):
            assert after.from_status == before.to_status
        assert s.snapshot


def test_some_threads_go_submit_return_submit_approve(loaded):
    threads = [[t.action for t in s.steps] for s in loaded.subs]
    assert ["submit", "return", "submit", "approve"] in threads
    returned = [s for s in loaded.subs if s.status == "returned"]
    assert all(s.steps[-1].comment for s in returned)


def test_submitters_are_the_units_officers_and_reviewers_the_parents(loaded):
    for s in loaded.subs:
        for step in s.steps:
            user = loaded.users[step.user_id]
            assert user.is_demo
            expected = s.unit_code if step.action == "submit" else s.parent_code
            assert user.unit_code == expected, (s.unit_code, step.action, user.username)
        if s.submitted_by_id is not None:
            assert loaded.users[s.submitted_by_id].unit_code == s.unit_code
        if s.decided_by_id is not None:
            assert loaded.users[s.decided_by_id].unit_code == s.parent_code


def test_timestamps_are_in_order_inside_the_period_and_never_in_the_future(loaded):
    for s in loaded.subs:
        moments = [s.created_at] + [t.at for t in s.steps]
        assert moments == sorted(moments), (s.unit_code, s.year, s.month)
        assert all(m <= loaded.now for m in moments)
        submits = [t.at for t in s.steps if t.action == "submit"]
        decisions = [t.at for t in s.steps if t.action in ("approve", "return")]
        assert s.submitted_at == (submits[-1] if submits else None)
        assert s.first_submitted_at == (submits[0] if submits else None)
        assert s.snapshot_at == s.submitted_at
        # A resubmission waits for a new decision, as `services.submit` does.
        pending = bool(submits) and (not decisions or submits[-1] > decisions[-1])
        assert s.decided_at == (None if pending else decisions[-1] if decisions else None)
        assert s.created_at >= _local_utc(date(s.year, s.month, 20), time(0))
        if submits:
            assert submits[0] >= _local_utc(date(s.year, s.month, 25), time(0))
            assert submits[0] <= _local_utc(due_date(s.year, s.month) + timedelta(days=12),
                                            time(0))


def test_some_reports_were_sent_late(loaded):
    late = [s for s in loaded.subs if s.status in ("submitted", "approved")
            and to_local(s.submitted_at).date() > due_date(s.year, s.month)]
    assert late
    on_time = [s for s in loaded.subs if s.status in ("submitted", "approved")
               and to_local(s.submitted_at).date() <= due_date(s.year, s.month)]
    assert len(on_time) > 2 * len(late)


def test_a_district_sends_after_approving_its_communes_and_sums_the_approved_ones(loaded):
    by_key = _by_key(loaded)
    districts = [s for s in loaded.subs if len(s.unit_code) == 3 and s.steps]
    assert districts
    for d in districts:
        children = [by_key.get((c, d.year, d.month)) for c in COMMUNES if c[:3] == d.unit_code]
        approved = sorted(c.unit_code for c in children if c and c.status == "approved")
        assert sorted(d.children_included) == approved
        last_approval = max(c.decided_at for c in children if c and c.status == "approved")
        assert d.steps[0].at > last_approval
        if len(approved) < len(children):
            assert d.warning_comment and d.steps[0].comment == d.warning_comment
    assert any(d.status == "approved" for d in districts)


def test_the_province_sends_the_sum_of_its_approved_districts_to_the_ministry(loaded):
    by_key = _by_key(loaded)
    provinces = [s for s in loaded.subs if s.unit_code == "99" and s.steps]
    assert provinces and any(p.status == "approved" for p in provinces)
    for p in provinces:
        assert p.parent_code == "C04"
        children = [by_key.get((d, p.year, p.month)) for d in DISTRICTS]
        approved = sorted(c.unit_code for c in children if c and c.status == "approved")
        assert sorted(p.children_included) == approved
        assert p.steps[0].at > max(c.decided_at for c in children if c and c.status == "approved")
    reviewers = {loaded.users[t.user_id].username for p in provinces for t in p.steps
                 if t.action in ("approve", "return")}
    assert reviewers == {"trunguong"}


def test_last_month_leaves_work_for_the_demo_accounts(loaded):
    year, month = _months(loaded.today)[-1]
    by_key = _by_key(loaded)
    mine = by_key.get(("99101", year, month))
    assert mine is None or mine.status == "draft"
    waiting = [by_key.get((c, year, month)) for c in COMMUNES if c.startswith("991")]
    assert any(s is not None and s.status == "submitted" for s in waiting)
