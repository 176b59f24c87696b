"""The rows Biểu 01-BCN's groups need, added to the one definition (reports/figures.py):
voluntary registrations and decisions, rehab abandoned or turned compulsory per form,
post-rehab ended and relapses during it, schooling support, support in persons beside
contacts, quota progress in persons with home and community together. Flows' keys start with
`flow.`, everything else is a stock (the half-year reports sum the first and take the last)."""
from __future__ import annotations

from datetime import date

from test_report_figures import (OFFICER, TODAY, account, figures, part, record,  # noqa: F401
                                 register, registry, rehab)
from webapp.extensions import db
from webapp.registry.vocab import EventKind
from webapp.reports.figures import compute
from webapp.treatment.services import (add_activity, end_episode, end_post_rehab,
                                       validate_activity, validate_episode_end,
                                       validate_post_rehab_end)
from webapp.units.models import Unit
from sqlalchemy import select
import pytest

pytestmark = pytest.mark.usefixtures("demo", "ctx")


def end(episode, on: date, outcome: str):
    data = {"end_date": on, "outcome": outcome}
    assert validate_episode_end(episode, data, TODAY) == {}
    return end_episode(episode, data, account(OFFICER[episode.unit.code]))


def test_abandoned_and_turned_compulsory_per_form_in_the_month_they_end(registry, ctx):
    p = register("Lò Văn Bỏ", "99101", year=1990, ethnicity="01", occupation_group="agri",
                 main_drug="heroin")
    record(p, EventKind.DETERMINATION, date(2025, 1, 5))
    end(rehab(p, "home", date(2025, 1, 10)), date(2025, 3, 31), "abandoned")
    q = register("Lò Văn Chuyển", "99101", year=1990, ethnicity="01", occupation_group="agri",
                 main_drug="heroin")
    record(q, EventKind.DETERMINATION, date(2025, 1, 5))
    end(rehab(q, "community", date(2025, 1, 10)), date(2025, 4, 1), "to_compulsory")
    db.session.commit()
    march, april = figures("99101", 3), figures("99101", 4)
    assert march["flow.rehab_abandoned"] == 1 and march["flow.rehab_abandoned.home"] == 1
    assert march["flow.rehab_to_compulsory"] == 0
    assert april["flow.rehab_to_compulsory.community"] == 1
    assert april["flow.rehab_abandoned"] == 0


def test_voluntary_registrations_by_start_and_decisions_by_their_date(registry):
    february, april = figures("99101", 2), figures("99101", 4)
    assert part(february, "flow.voluntary_registered.") == {"home": 1, "community": 0}
    assert part(april, "flow.voluntary_registered.") == {"home": 0, "community": 1}
    assert figures("99102", 3)["flow.voluntary_registered"] == 0  # detox is not voluntary here


def test_quota_progress_in_persons_with_home_and_community_together(registry):
    september = figures("99101", 9)
    assert september["quota.local_voluntary.achieved"] == 2  # P3 at home, P1 in the community
    assert september["quota.local_voluntary.target"] == 3    # 2 + 1


def test_post_rehab_relapse_and_stop_and_schooling_support(registry, ctx):
    from webapp.treatment.models import PostRehabTerm

    term = db.session.scalar(select(PostRehabTerm).where(PostRehabTerm.person_id ==
                                                         registry["p3"]))
    schooling = {"kind": "schooling", "on": date(2025, 10, 3)}
    assert validate_activity(term, schooling, TODAY) == {}
    add_activity(term, schooling, account("xa"))
    add_activity(term, {"kind": "schooling", "on": date(2025, 10, 20)}, account("xa"))
    stop = {"ended_on": date(2025, 10, 25), "end_reason": "relapsed"}
    assert validate_post_rehab_end(term, stop, TODAY) == {}
    end_post_rehab(term, stop)
    db.session.commit()
    october = figures("99101", 10)
    assert october["flow.support.schooling"] == 2           # contacts
    assert october["flow.support_persons.schooling"] == 1   # one person
    assert october["flow.post_rehab_ended.stopped"] == 1
    assert october["flow.post_rehab_relapsed"] == 1
    assert figures("99101", 9)["flow.post_rehab_relapsed"] == 0


def test_flows_start_with_flow_and_existing_keys_stay(registry, ctx):
    rows = compute(db.session.scalar(select(Unit).where(Unit.code == "99101")), 2025, 9)
    keys = {r.key for r in rows if r.value is not None}
    # Keys stored snapshots already use.
    assert {"persons.total", "addicts.total", "ongoing.total", "post_rehab.ongoing",
            "flow.new", "flow.rehab_started", "flow.support", "flow.closed",
            "quota.home.achieved", "quota.home.target"} <= keys
    for key in keys:
        assert key.startswith(("flow.", "persons.", "addicts.", "ongoing.", "methadone.",
                               "post_rehab.", "quota.")), key
    monthly = [k for k in keys if k.startswith(("flow.rehab_abandoned", "flow.voluntary",
                                                "flow.post_rehab_ended", "flow.support"))]
    assert monthly and all(k.startswith("flow.") for k in monthly)
