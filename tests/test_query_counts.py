"""Every main page runs the same number of SQL statements whatever the size of the registry.

The registry is grown from a few persons per commune to three times as many (with events,
periods, rehabilitation, methadone, post-rehab terms and activities); each page is requested
at both sizes and its statements are counted with a `before_cursor_execute` listener. A page
that queries once per row (an N+1) runs more statements on the larger registry and fails here.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry.models import Person, PersonEvent, PersonPeriod
from webapp.reports import services as reports
from webapp.timeutil import today_local
from webapp.treatment.models import (MethadonePeriod, PostRehabActivity, PostRehabTerm,
                                     RehabEpisode)
from webapp.units.models import Unit
from webapp.vntext import fold

COMMUNES = ("99101", "99102", "99103", "99201", "99202", "99301")
FORMS = ("home", "community", "facility", "compulsory", "detox")
STATES = ("addict", "user", "suspected", "addict", "closed")


def _period():
    first = today_local().replace(day=1)
    last_month = first - timedelta(days=1)
    return last_month.year, last_month.month


def grow(app, per_commune: int, start: int) -> None:
    """Add `per_commune` persons to each commune, numbered from `start`, each with a timeline."""
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(select(Unit))}
        officer = db.session.scalar(select(User).where(User.username == "xa"))
        base = date(today_local().year - 1, 3, 1)
        for code in COMMUNES:
            unit = units[code]
            for i in range(start, start + per_commune):
                state = STATES[i % len(STATES)]
                name = f"Nguyễn Văn {code} {i:04d}"
                listed = base + timedelta(days=(i * 37) % 300)
                person = Person(
                    unit_id=unit.id, full_name=name, sex="MF"[i % 2], birth_year=1980 + i % 20,
                    ethnicity="01", occupation_group="agri", main_drug="heroin",
                    name_folded=fold(name), search_text=fold(name), sort_key=fold(name),
                    born_on=date(1980 + i % 20, 1, 1), state=state, state_since=listed,
                    management_until=listed + timedelta(days=365) if state == "user" else None,
                    closed_reason="moved" if state == "closed" else None,
                    registered_on=listed, listed_on=listed, created_by_id=officer.id)
                db.session.add(person)
                db.session.flush()
                end = listed + timedelta(days=200) if state == "closed" else None
                db.session.add(PersonPeriod(person_id=person.id, unit_id=unit.id, state=state,
                                            start_date=listed, end_date=end))
                kind = {"addict": "determination", "user": "management"}.get(state,
                                                                             "positive_test")
                db.session.add(PersonEvent(person_id=person.id, kind=kind, event_date=listed,
                                           addicted=True if kind == "determination" else None,
                                           term_end=listed + timedelta(days=365)
                                           if kind == "management" else None,
                                           created_by_id=officer.id))
                if state == "closed":
                    db.session.add(PersonEvent(person_id=person.id, kind="closing",
                                               event_date=end, reason="moved",
                                               created_by_id=officer.id))
                if state == "addict":
                    start_on = listed + timedelta(days=10)
                    episode = RehabEpisode(person_id=person.id, unit_id=unit.id,
                                           form=FORMS[i % len(FORMS)], start_date=start_on,
                                           planned_end=start_on + timedelta(days=180),
                                           end_date=start_on + timedelta(days=90)
                                           if i % 3 == 0 else None,
                                           outcome="completed" if i % 3 == 0 else None,
                                           created_by_id=officer.id)
                    db.session.add(episode)
                    db.session.add(MethadonePeriod(person_id=person.id, unit_id=unit.id,
                                                   facility="Cơ sở Methadone", start_date=start_on,
                                                   created_by_id=officer.id))
                    db.session.flush()
                    if i % 3 == 0:
                        term = PostRehabTerm(person_id=person.id, unit_id=unit.id,
                                             episode_id=episode.id, status="active", months=12,
                                             start_date=episode.end_date,
                                             end_date=episode.end_date + timedelta(days=365),
                                             decision_date=episode.end_date,
                                             created_by_id=officer.id)
                        db.session.add(term)
                        db.session.flush()
                        db.session.add(PostRehabActivity(term_id=term.id, kind="vocational",
                                                         on=episode.end_date + timedelta(days=5),
                                                         created_by_id=officer.id))
        db.session.commit()


def first_person_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).order_by(Person.id))


def submit_frozen(app, code: str, year: int, month: int, approve: bool = True) -> None:
    """Freeze a unit's report (and approve it) without going through the screens."""
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        user = db.session.scalar(select(User).where(User.unit_id == unit.id,
                                                    User.role != "admin"))
        reviewer = db.session.scalar(select(User).where(User.unit_id == unit.parent_id))
        sub = reports.save_draft(unit, year, month, {}, user)
        reports.freeze(sub, reports.to_freeze(unit, year, month), user, "Đã kiểm tra")
        if approve:
            reports.approve(sub, reviewer)
        db.session.commit()


class Counter:
    def __init__(self, engine):
        self.engine, self.n, self.statements = engine, 0, []

    def __call__(self, conn, cursor, statement, *args):
        self.n += 1
        self.statements.append(statement)

    def count(self, client, url: str) -> tuple[int, list[str]]:
        self.n, self.statements = 0, []
        event.listen(self.engine, "before_cursor_execute", self)
        try:
            response = client.get(url)
        finally:
            event.remove(self.engine, "before_cursor_execute", self)
        assert response.status_code == 200, (url, response.status_code)
        return self.n, self.statements


def pages(person_id: int) -> list[tuple[str, str]]:
    year, month = _period()
    period = f"{year:04d}-{month:02d}"
    return [
        ("xa", "/"), ("huyen", "/"), ("tinh", "/"),
        ("xa", "/persons/"), ("tinh", "/persons/"), ("tinh", "/persons/?q=nguyen"),
        ("huyen", "/persons/?sort=unit&unit=99101"),
        ("xa", f"/persons/{person_id}"), ("tinh", f"/persons/{person_id}"),
        ("xa", f"/reports/{period}/99101"),  # a commune's live report
        ("xa", f"/reports/{period}/99101/figures/persons.total"),  # persons behind a figure
        ("huyen", f"/reports/{period}/99102/figures/persons.total"),  # ... as frozen
        ("huyen", f"/reports/{period}/99102"),  # frozen, seen by its reviewer
        ("huyen", f"/reports/{period}/99102?drift=1"),  # frozen, compared with the registry
        ("huyen", f"/reports/{period}/991"),  # a district: its children's snapshots
        ("tinh", f"/reports/{period}/991"),
        ("huyen", f"/reports/{period}/"), ("tinh", f"/reports/{period}/"),  # completeness
        ("tinh", "/plans/quotas"), ("huyen", "/plans/quotas"),
        ("xa", "/stats/"), ("tinh", "/stats/"), ("tinh", "/stats/?unit=991"),
        ("huyen", "/dashboard/99101"), ("tinh", "/dashboard/991"),  # dashboards of a child
        ("tinh", "/drugfree/"), ("huyen", f"/drugfree/99101/{year}"),
    ]


@pytest.fixture
def counter(app):
    with app.app_context():
        return Counter(db.engine)


def test_each_page_runs_as_many_statements_on_a_registry_three_times_larger(
        app, demo, client, login_as, counter):
    year, month = _period()
    period = f"{year:04d}-{month:02d}"
    grow(app, 3, 0)
    before = reports.previous_month(year, month)
    submit_frozen(app, "99102", *before)  # steady state: last month's report approved too
    submit_frozen(app, "99102", year, month)
    # A frozen district: its communes listed from their stored summaries.
    submit_frozen(app, "991", *before, approve=False)
    person_id = first_person_id(app)
    wanted = pages(person_id) + [
        ("tinh", f"/reports/{before[0]:04d}-{before[1]:02d}/991"),
        ("tinh", "/persons/export.xlsx"), ("huyen", "/persons/export.xlsx?state=all")]

    def measure() -> dict[tuple[str, str], tuple[int, list[str]]]:
        out = {}
        for who, url in wanted:
            signed_in = login_as(who)
            signed_in.get(url)  # warm: settings and caches loaded once per process
            out[(who, url)] = counter.count(signed_in, url)
        return out

    small = measure()
    grow(app, 6, 3)  # three times as many persons, timelines and treatments
    large = measure()
    differ = {page: (small[page][0], large[page][0]) for page in wanted
              if small[page][0] != large[page][0]}
    if differ:  # say which statements repeat, to find the loop
        from collections import Counter as Tally
        page = next(iter(differ))
        repeated = [f"{n}× {text[:200]}" for text, n in Tally(large[page][1]).most_common(3)]
        pytest.fail(f"{differ}\nmost repeated on {page}:\n" + "\n".join(repeated))
    for page in wanted:  # and no page is unreasonably chatty to begin with
        assert small[page][0] <= 100, (page, small[page][0])
    # A frozen report is read from its snapshot (last month's too): no count of the registry;
    # a live one counts its figures in one statement (and last month's, not sent, in another);
    # recounting (drift) only when asked.
    def counts(page) -> int:
        return sum("UNION ALL" in text and "person_periods" in text for text in small[page][1])
    frozen, live = ("huyen", f"/reports/{period}/99102"), ("xa", f"/reports/{period}/99101")
    assert small[frozen][0] <= 15 and counts(frozen) == 0, small[frozen]
    assert counts(live) == 2, small[live]
    assert counts(("huyen", f"/reports/{period}/99102?drift=1")) == 1


def test_a_home_page_counts_its_twelve_months_once_then_reads_them_back(
        app, demo, login_as, counter):
    """The dashboard's trend: the first view counts the months no approved report holds and
    keeps them; every later view reads them in a couple of statements."""
    grow(app, 3, 0)
    client = login_as("tinh")
    cold, _ = counter.count(client, "/dashboard/99")  # as the home page loads it
    warm, _ = counter.count(client, "/dashboard/99")
    assert warm * 3 < cold, (warm, cold)
    assert warm <= 40, warm


def add_communes(app, district_code: str, codes: list[str]) -> None:
    with app.app_context():
        district = db.session.scalar(select(Unit).where(Unit.code == district_code))
        for code in codes:
            db.session.add(Unit(code=code, name=f"Xã Thử {code}", kind="xa", level="commune",
                                parent_id=district.id, path=f"{district.path}{code}/"))
        db.session.commit()


def test_a_parent_report_runs_as_many_statements_with_twice_its_children(
        app, demo, login_as, counter):
    """A district's frozen report lists each commune's status and summary: one statement for
    all of them, not one per commune (the page commits its audit entry before rendering)."""
    year, month = _period()
    period = f"{year:04d}-{month:02d}"
    before = reports.previous_month(year, month)
    url = f"/reports/{before[0]:04d}-{before[1]:02d}/991"
    submit_frozen(app, "99101", *before)
    submit_frozen(app, "99102", *before)
    submit_frozen(app, "991", *before, approve=False)
    client = login_as("tinh")

    def count(target):
        client.get(target)
        return counter.count(client, target)[0]

    small = {u: count(u) for u in (url, f"/reports/{period}/991")}
    add_communes(app, "991", ["99181", "99182", "99183", "99184"])  # not reported yet
    large = {u: count(u) for u in (url, f"/reports/{period}/991")}
    assert large == small
