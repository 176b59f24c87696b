"""A synthetic national registry, built with bulk inserts (SQLAlchemy Core executemany).

The shape of the country since 2025: 34 provinces, each with ~98 communes directly under it
(3,321 communes), ~69 persons per commune (~230,000 persons). `scale` keeps that shape and
takes a share of the provinces (0.1: 3 provinces, the same communes per province and persons
per commune), so a commune's or a province's page should cost the same at every scale.

Each person has a timeline (events), periods, and some rehabilitation, methadone and
post-rehab terms with activities. Every commune and province has twelve months of approved
reports with snapshots; the last month is approved for nine communes in ten, not yet for the
provinces. Snapshots of the measured units are counted by the application itself; the others
copy them (their figures are not read by anything measured except as sums).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.plans.models import Quota
from webapp.registry.models import Person, PersonEvent, PersonPeriod, TransferRequest
from webapp.reports.models import MonthlySubmission, SubmissionTransition
from webapp.treatment.models import (MethadonePeriod, PostRehabActivity, PostRehabTerm,
                                     RehabEpisode)
from webapp.units.models import NATIONAL_CODE, NATIONAL_KIND, NATIONAL_NAME, Unit
from webapp.vntext import fold

PROVINCES = 34
COMMUNES = 3321
PERSONS = 230_000
PASSWORD = "bench-pass-12345"
FORMS = ("home", "community", "facility", "compulsory", "detox")
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Lò", "Quàng", "Cà", "Lường", "Hà", "Vi", "Mùa", "Sùng", "Giàng")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Hữu", "Thanh", "Ngọc", "Quang")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Hùng", "Khánh", "Lan", "Long",
         "Mai", "Nam", "Phong", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Xuân", "Yến")
CHUNK = 5000


@dataclass
class Built:
    scale: float
    provinces: int
    communes: int
    persons: int
    rows: int
    seconds: float
    # What is measured: codes, a person id, user names, months.
    province: str
    commune: str
    person_id: int
    live_month: tuple[int, int]
    approved_month: tuple[int, int]
    national: str = NATIONAL_CODE


def _months(today: date, n: int) -> list[tuple[int, int]]:
    out, y, m = [], today.year, today.month
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append((y, m))
    return out[::-1]  # oldest first; the last one is the month before today's


def _bulk(model, rows: list[dict]) -> int:
    table = model.__table__
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[i:i + CHUNK])
    return len(rows)


def _ids(model, column="id") -> list[int]:
    return list(db.session.scalars(select(getattr(model, column)).order_by(model.id)))


def build(scale: float, today: date, seed: int = 14) -> Built:
    import time

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    n_prov = max(1, round(PROVINCES * scale))
    per_prov = COMMUNES // PROVINCES  # 97 (+ one more for the first provinces)
    extra = COMMUNES - per_prov * PROVINCES
    per_commune = PERSONS / COMMUNES
    rows = 0

    # --- Units: the ministry, provinces under it, communes directly under them ----------
    start = date(2020, 1, 1)
    rows += _bulk(Unit, [dict(code=NATIONAL_CODE, name=NATIONAL_NAME, kind=NATIONAL_KIND,
                              level="national", parent_id=None, path=f"/{NATIONAL_CODE}/",
                              valid_from=start)])
    nation = db.session.scalar(select(Unit.id).where(Unit.code == NATIONAL_CODE))
    top = f"/{NATIONAL_CODE}"
    rows += _bulk(Unit, [dict(code=f"{p + 1:02d}", name=f"Tỉnh Thử {p + 1:02d}", kind="tinh",
                              level="province", parent_id=nation, path=f"{top}/{p + 1:02d}/",
                              valid_from=start) for p in range(n_prov)])
    provinces = dict(db.session.execute(select(Unit.code, Unit.id).where(Unit.level == "province")).all())
    communes = []
    for p in range(n_prov):
        pcode = f"{p + 1:02d}"
        for c in range(per_prov + (1 if p < extra else 0)):
            code = f"{pcode}{c + 1:03d}"
            communes.append(dict(code=code, name=f"Xã Thử {code}", kind="xa", level="commune",
                                 parent_id=provinces[pcode], path=f"{top}/{pcode}/{code}/",
                                 valid_from=start))
    rows += _bulk(Unit, communes)
    commune_ids = dict(db.session.execute(select(Unit.code, Unit.id).where(Unit.level == "commune")).all())
    parent_of = {cid: provinces[code[:2]] for code, cid in commune_ids.items()}

    # --- Accounts: one per commune and province (hashing once: all share the password) ----
    probe = User(username="x", full_name="x", role="commune", unit_id=0)
    probe.set_password(PASSWORD)
    users = [dict(username="admin", full_name="Quản trị", role="admin",
                  unit_id=provinces["01"], password_hash=probe.password_hash, active=True,
                  is_demo=False, must_change_password=False, created_at=now),
             dict(username="trunguong", full_name="Cán bộ Bộ Công an", role="national",
                  unit_id=nation, password_hash=probe.password_hash, active=True,
                  is_demo=False, must_change_password=False, created_at=now)]
    for code, uid in provinces.items():
        users.append(dict(username=f"tinh{code}", full_name=f"Cán bộ tỉnh {code}",
                          role="province", unit_id=uid, password_hash=probe.password_hash,
                          active=True, is_demo=False, must_change_password=False, created_at=now))
    for code, uid in commune_ids.items():
        users.append(dict(username=f"xa{code}", full_name=f"Cán bộ xã {code}", role="commune",
                          unit_id=uid, password_hash=probe.password_hash, active=True,
                          is_demo=False, must_change_password=False, created_at=now))
    rows += _bulk(User, users)
    user_of = dict(db.session.execute(select(User.unit_id, User.id).order_by(User.id.desc())).all())

    # --- Persons --------------------------------------------------------------------------
    persons, meta = [], []
    first_listed = today - timedelta(days=6 * 365)
    span = (today - first_listed).days - 20
    for code, uid in commune_ids.items():
        count = int(per_commune) + (1 if rng.random() < per_commune % 1 else 0)
        for _ in range(count):
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            year = rng.randint(1965, 2007)
            listed = first_listed + timedelta(days=rng.randint(0, span))
            roll = rng.random()
            state = ("addict" if roll < .45 else "user" if roll < .62 else
                     "suspected" if roll < .78 else "closed")
            since = min(today - timedelta(days=1), listed + timedelta(days=rng.randint(0, 200)))
            until = since + timedelta(days=365) if state == "user" else None
            folded = fold(name)
            persons.append(dict(
                unit_id=uid, full_name=name, sex="M" if rng.random() < .9 else "F",
                birth_year=year, ethnicity="01" if rng.random() < .8 else f"{rng.randint(2, 54):02d}",
                occupation_group=rng.choice(("agri", "non_agri", None)),
                main_drug=rng.choice(("heroin", "heroin", "synthetic", "cannabis", None)),
                injecting=False, name_folded=folded, search_text=folded + f" {year}",
                sort_key=folded, born_on=date(year, 1, 1), state=state, state_since=since,
                management_until=until, closed_reason="moved" if state == "closed" else None,
                version=1, registered_on=listed, listed_on=listed, created_at=now,
                updated_at=now, created_by_id=user_of[uid]))
            meta.append((uid, state, listed, since, until))
    rows += _bulk(Person, persons)
    person_ids = _ids(Person)

    # --- Timelines, periods, treatment ------------------------------------------------------
    events, periods, episodes, methadone, pending_terms = [], [], [], [], []
    for pid, (uid, state, listed, since, until) in zip(person_ids, meta):
        officer = user_of[uid]
        ev = dict(person_id=pid, created_by_id=officer, created_at=now, addicted=None,
                  term_end=None, reason=None, from_unit_id=None, to_unit_id=None)
        events.append(ev | dict(kind="positive_test", event_date=listed))
        period_state = {"addict": "suspected", "user": "user", "suspected": "suspected",
                        "closed": "addict"}[state]
        if state == "addict":
            events.append(ev | dict(kind="determination", event_date=since, addicted=True))
            if since > listed:
                periods.append(dict(person_id=pid, unit_id=uid, state="suspected",
                                    start_date=listed, end_date=since))
            periods.append(dict(person_id=pid, unit_id=uid, state="addict", start_date=since,
                                end_date=None))
        elif state == "user":
            events.append(ev | dict(kind="management", event_date=since, term_end=until))
            periods.append(dict(person_id=pid, unit_id=uid, state="user", start_date=listed,
                                end_date=None))
        elif state == "closed":
            events.append(ev | dict(kind="closing", event_date=since, reason="moved"))
            periods.append(dict(person_id=pid, unit_id=uid, state=period_state,
                                start_date=listed, end_date=since if since > listed
                                else listed + timedelta(days=1)))
        else:
            periods.append(dict(person_id=pid, unit_id=uid, state="suspected",
                                start_date=listed, end_date=None))
        if state == "addict" and rng.random() < .4:
            begin = since + timedelta(days=rng.randint(1, 60))
            if begin < today:
                done = rng.random() < .5 and begin + timedelta(days=120) < today
                episodes.append(dict(person_id=pid, unit_id=uid, form=rng.choice(FORMS),
                                     start_date=begin, planned_end=begin + timedelta(days=180),
                                     end_date=begin + timedelta(days=120) if done else None,
                                     outcome="completed" if done else None, created_at=now,
                                     created_by_id=officer))
        if state == "addict" and rng.random() < .1:
            methadone.append(dict(person_id=pid, unit_id=uid, facility="Cơ sở điều trị Methadone",
                                  start_date=since + timedelta(days=5), created_at=now,
                                  created_by_id=officer))
    rows += _bulk(PersonEvent, events)
    rows += _bulk(PersonPeriod, periods)
    rows += _bulk(RehabEpisode, episodes)
    rows += _bulk(MethadonePeriod, methadone)
    episode_rows = db.session.execute(select(
        RehabEpisode.id, RehabEpisode.person_id, RehabEpisode.unit_id, RehabEpisode.end_date)
        .where(RehabEpisode.outcome == "completed")).all()
    terms = []
    for eid, pid, uid, ended in episode_rows:
        if rng.random() < .6:
            terms.append(dict(person_id=pid, unit_id=uid, episode_id=eid, status="active",
                              months=24, start_date=ended, end_date=ended + timedelta(days=730),
                              decision_date=ended, created_at=now, created_by_id=user_of[uid]))
    rows += _bulk(PostRehabTerm, terms)
    activities = []
    for tid, uid, begun in db.session.execute(select(PostRehabTerm.id, PostRehabTerm.unit_id,
                                                     PostRehabTerm.start_date)):
        for k in range(rng.randint(0, 3)):
            on = begun + timedelta(days=30 * (k + 1))
            if on < today:
                activities.append(dict(term_id=tid, kind=rng.choice(
                    ("vocational", "job", "loan", "other_support", "visit")), on=on,
                    created_at=now, created_by_id=user_of[uid]))
    rows += _bulk(PostRehabActivity, activities)
    # The stored treatment, as refresh_treatment derives it: rehab beats methadone beats post-rehab.
    from sqlalchemy import update
    for value, ids in (("post_rehab", [t["person_id"] for t in terms]),
                       ("methadone", [m["person_id"] for m in methadone]),
                       ("in_rehab", [e["person_id"] for e in episodes if e["end_date"] is None])):
        for i in range(0, len(ids), 900):
            db.session.execute(update(Person).where(Person.id.in_(ids[i:i + 900]))
                               .values(treatment=value).execution_options(
                                   synchronize_session=False))
    # Pending transfers: a few per province, between its communes.
    by_commune: dict[int, list[int]] = {}
    for pid, (uid, state, *_r) in zip(person_ids, meta):
        by_commune.setdefault(uid, []).append(pid)
    transfers = []
    codes = list(commune_ids)
    for p in range(n_prov):
        mine = [commune_ids[c] for c in codes if c.startswith(f"{p + 1:02d}")]
        for _ in range(5):
            a, b = rng.sample(mine, 2)
            transfers.append(dict(person_id=rng.choice(by_commune[a]), from_unit_id=a,
                                  to_unit_id=b, requested_by_unit_id=a, status="pending",
                                  reason="Chuyển nơi cư trú", created_at=now,
                                  requested_by_id=user_of[a]))
    rows += _bulk(TransferRequest, _known(TransferRequest, transfers))
    quotas = [dict(year=today.year, unit_id=uid, form=form, amount=rng.randint(1, 10))
              for uid in list(commune_ids.values()) + list(provinces.values())
              for form in ("home", "community", "compulsory")]
    rows += _bulk(Quota, _known(Quota, quotas))
    db.session.commit()

    # --- Monthly reports: twelve months approved, the last one for 9 communes in 10 ------
    from webapp.reports import services as reports
    from webapp.reports.figures import as_values

    months = _months(today, 12)
    live_month, approved_month = months[-1], months[-2]
    commune_code = f"01{1:03d}"
    province_code = "01"
    measured = db.session.get(Unit, commune_ids[commune_code])
    template: dict[tuple[int, int], tuple[list, dict]] = {}
    for y, m in months:
        frozen = reports.to_freeze(measured, y, m)
        template[(y, m)] = ([r.as_list() for r in frozen.rows], frozen.members or {})
    subs, totals = [], {}
    for code, uid in commune_ids.items():
        pids = by_commune.get(uid, [])
        for y, m in months:
            if (y, m) == live_month and (code == commune_code or rng.random() < .1):
                continue  # not sent yet: counted live
            snap, members = template[(y, m)]
            if code != commune_code:  # the measured commune keeps its own, counted lists
                members = {k: pids[:len(v)] for k, v in members.items()}
            at = datetime(y, m, 1) + timedelta(days=33)
            subs.append(_submission(uid, y, m, snap, members, at, user_of[uid],
                                    user_of[parent_of[uid]]))
            values = totals.setdefault((parent_of[uid], y, m), {})
            for key, value in as_values(snap).items():
                values[key] = values.get(key, 0) + value
    for code, uid in provinces.items():
        for y, m in months[:-1]:
            snap = [[k, label, level, None if v is None else totals.get((uid, y, m), {}).get(k, 0)]
                    for k, label, level, v in template[(y, m)][0]]
            subs.append(_submission(uid, y, m, snap, None, datetime(y, m, 1) + timedelta(days=36),
                                    user_of[uid], user_of[nation]))
    rows += _bulk(MonthlySubmission, [s for s, _ in subs])
    ids = db.session.execute(select(MonthlySubmission.id, MonthlySubmission.unit_id,
                                    MonthlySubmission.year, MonthlySubmission.month)).all()
    who = {(s["unit_id"], s["year"], s["month"]): t for s, t in subs}
    transitions = []
    for sid, uid, y, m in ids:
        submitter, reviewer, at = who[(uid, y, m)]
        transitions.append(dict(submission_id=sid, action="submit", from_status="draft",
                                to_status="submitted", user_id=submitter, at=at))
        transitions.append(dict(submission_id=sid, action="approve", from_status="submitted",
                                to_status="approved", user_id=reviewer,
                                at=at + timedelta(days=1)))
    rows += _bulk(SubmissionTransition, transitions)
    db.session.commit()
    person_id = by_commune[commune_ids[commune_code]][0]
    return Built(scale, n_prov, len(commune_ids), len(person_ids), rows,
                 time.perf_counter() - started, province_code, commune_code, person_id,
                 live_month, approved_month)


def _known(model, rows: list[dict]) -> list[dict]:
    """Only the columns the table has (the shapes of a few tables vary between versions)."""
    names = set(model.__table__.c.keys())
    return [{k: v for k, v in r.items() if k in names} for r in rows]


def _submission(unit_id, year, month, snapshot, members, at, submitter, reviewer):
    from webapp.reports.models import summary_of

    row = dict(unit_id=unit_id, year=year, month=month, status="approved", snapshot=snapshot,
               summary=summary_of(snapshot),
               snapshot_persons=members, snapshot_at=at, submitted_at=at, first_submitted_at=at,
               submitted_by_id=submitter, decided_at=at + timedelta(days=1),
               decided_by_id=reviewer, version=2, created_at=at)
    return _known(MonthlySubmission, [row])[0], (submitter, reviewer, at)
