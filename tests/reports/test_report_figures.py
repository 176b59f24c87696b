"""The monthly figures (reports/figures.py) against a small registry counted by hand.

The registry below is built through the services with explicit dates in 2025; every indicator
of a few chosen months is compared with the count written out next to it.

    99101 (Xã Tân Hòa, officer xa)
      P1  M  born 31/03/2007 (18 on 31/03/2025)  Kinh  agri      heroin
          positive test 10/02, determined addicted 31/03 (the month's last day),
          community rehab from 10/04 (still going)
      P2  F  born 15/06/1990                     Kinh  agri      other
          positive test 20/03, determined addicted 01/04 (the next month's first day)
      P3  M  birth year 1995 only                 ?     ?         ?
          determined 20/01, home rehab 03/02–04/08 completed, post-rehab decided 20/08,
          vocational support 05/09, determined addicted again 10/09 (relapse)
      P4  M  born 1985                           Kinh  agri      heroin     positive test 05/03
      P5  M  born 1985 (file opened 01/02, no event: suspected)
      P6  F  born 01/04/2007 (17 on 31/03)       Thái  non_agri  synthetic
          determined 15/02, closed 20/05 (prison)
      Q2  M  born 07/07/1992                     Kinh  non_agri  heroin
          determined 05/02 in 99101, moved to 99102 on 15/06
    99102 (Xã Mường Lạn, officer xa2)
      Q1  F  born 01/06/1980                     Kinh  agri      cannabis
          determined 10/03, detox 12/03–26/03 completed
    99201 (district 992, officer xa3)
      R1  M  born 1988                           Kinh  agri      heroin     determined 15/03

Quotas 2025: 99101 home 2, community 1; district 991 home 5.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.plans.models import Quota
from webapp.registry.services import add_event, save_person, validate_event, validate_person
from webapp.registry.vocab import CLOSING_REASONS, DRUGS, OCCUPATION_GROUPS, EventKind
from webapp.reports.figures import as_values, compute, quota_label
from webapp.treatment.services import (add_activity, confirm_post_rehab, end_episode,
                                       start_episode, validate_activity, validate_confirm,
                                       validate_episode, validate_episode_end)
from webapp.treatment.vocab import REHAB_FORMS
from webapp.units.models import Unit

TODAY = date(2025, 12, 31)
OFFICER = {"99101": "xa", "99102": "xa2", "99201": "xa3"}

pytestmark = pytest.mark.usefixtures("demo", "ctx")


# --- Building the registry ----------------------------------------------------------------------

def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def record(person, kind: EventKind, on: date, **data) -> None:
    data["event_date"] = on
    if kind == EventKind.DETERMINATION:
        data.setdefault("addicted", True)
        data.setdefault("facility", "Trung tâm Y tế huyện Tân Lập")
    assert validate_event(person, kind, data, TODAY) == {}
    add_event(person, kind, data, account(OFFICER[person.unit.code]))


def register(name: str, code: str, sex: str = "M", born: date | None = None,
             year: int | None = None, opened: date | None = None, **fields):
    user = account(OFFICER[code])
    data = {"full_name": name, "sex": sex, "birth_date": born,
            "birth_year": born.year if born else year, "unit": unit(code), **fields}
    assert validate_person(data, user, TODAY) == {}
    person = save_person(None, data, user)
    if opened is not None:  # the person entered the (paper) lists on that day
        person.listed_on = opened
        db.session.info.setdefault("periods_stale", set()).add(person)
    return person


def rehab(person, form: str, start: date):
    data = {"form": form, "start_date": start}
    assert validate_episode(person, data, TODAY) == {}
    episode = start_episode(person, data, account(OFFICER[person.unit.code]))
    db.session.flush()
    return episode


def finish(episode, end: date):
    data = {"end_date": end, "outcome": "completed"}
    assert validate_episode_end(episode, data, TODAY) == {}
    term = end_episode(episode, data, account(OFFICER[episode.unit.code]))
    db.session.flush()
    return term


def transfer(person, to_code: str, on: date) -> None:
    to = unit(to_code)
    record(person, EventKind.TRANSFER, on, from_unit_id=person.unit_id, to_unit_id=to.id)
    person.unit, person.unit_id = to, to.id


KNOWN = {"ethnicity": "01", "occupation_group": "agri", "main_drug": "heroin"}


def build_registry() -> dict:
    p1 = register("Lò Văn Một", "99101", born=date(2007, 3, 31), **KNOWN)
    record(p1, EventKind.POSITIVE_TEST, date(2025, 2, 10))
    record(p1, EventKind.DETERMINATION, date(2025, 3, 31))

    p2 = register("Cà Thị Hai", "99101", sex="F", born=date(1990, 6, 15),
                  **{**KNOWN, "main_drug": "other"})
    record(p2, EventKind.POSITIVE_TEST, date(2025, 3, 20))
    record(p2, EventKind.DETERMINATION, date(2025, 4, 1))

    p3 = register("Quàng Văn Ba", "99101", year=1995)  # nothing else known
    record(p3, EventKind.DETERMINATION, date(2025, 1, 20))

    p4 = register("Lường Văn Bốn", "99101", year=1985, **KNOWN)
    record(p4, EventKind.POSITIVE_TEST, date(2025, 3, 5))

    register("Tòng Văn Năm", "99101", year=1985, opened=date(2025, 2, 1), **KNOWN)

    p6 = register("Hà Thị Sáu", "99101", sex="F", born=date(2007, 4, 1), ethnicity="03",
                  occupation_group="non_agri", main_drug="synthetic")
    record(p6, EventKind.DETERMINATION, date(2025, 2, 15))
    record(p6, EventKind.CLOSING, date(2025, 5, 20), reason="prison")

    q2 = register("Vì Văn Chuyển", "99101", born=date(1992, 7, 7),
                  **{**KNOWN, "occupation_group": "non_agri"})
    record(q2, EventKind.DETERMINATION, date(2025, 2, 5))

    q1 = register("Điêu Thị Mười", "99102", sex="F", born=date(1980, 6, 1),
                  **{**KNOWN, "main_drug": "cannabis"})
    record(q1, EventKind.DETERMINATION, date(2025, 3, 10))

    r1 = register("Lò Văn Xa", "99201", year=1988, **KNOWN)
    record(r1, EventKind.DETERMINATION, date(2025, 3, 15))
    db.session.flush()

    # Treatment.
    term = finish(rehab(p3, "home", date(2025, 2, 3)), date(2025, 8, 4))
    decision = {"decision_number": "51/QĐ-UBND", "signer": "Chủ tịch UBND xã",
                "decision_date": date(2025, 8, 20)}
    assert validate_confirm(term, decision, TODAY) == {}
    confirm_post_rehab(term, decision)
    db.session.flush()
    support = {"kind": "vocational", "on": date(2025, 9, 5)}
    assert validate_activity(term, support, TODAY) == {}
    add_activity(term, support, account("xa"))
    record(p3, EventKind.DETERMINATION, date(2025, 9, 10))  # relapse

    rehab(p1, "community", date(2025, 4, 10))
    finish(rehab(q1, "detox", date(2025, 3, 12)), date(2025, 3, 26))

    transfer(q2, "99102", date(2025, 6, 15))

    db.session.add_all([Quota(year=2025, unit_id=unit("99101").id, form="home", amount=2),
                        Quota(year=2025, unit_id=unit("99101").id, form="community", amount=1),
                        Quota(year=2025, unit_id=unit("991").id, form="home", amount=5)])
    db.session.commit()
    return {"p3": p3.id, "q2": q2.id}


@pytest.fixture
def registry():
    return build_registry()


def figures(code: str, month: int, year: int = 2025) -> dict[str, int]:
    return as_values(compute(unit(code), year, month))


def part(values: dict, prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}


def bands(values: dict) -> list[int]:
    return [values[f"addicts.age.{i}"] for i in range(5)]


ZERO_FORMS = {form: 0 for form in REHAB_FORMS}


# --- Stock at the month's end -----------------------------------------------------------------

def test_persons_by_state_at_the_end_of_march(registry):
    v = figures("99101", 3)
    # P1 determined on 31/03 counts; P2 determined on 01/04 is still a user in March.
    assert (v["persons.total"], v["persons.addict"], v["persons.user"],
            v["persons.suspected"]) == (7, 4, 2, 1)
    assert v["addicts.total"] == 4  # P1, P3, P6, Q2


def test_a_determination_on_the_first_day_of_the_next_month_counts_in_that_month(registry):
    v = figures("99101", 4)
    assert (v["persons.total"], v["persons.addict"], v["persons.user"],
            v["persons.suspected"]) == (7, 5, 1, 1)


def test_addicts_by_sex(registry):
    assert part(figures("99101", 3), "addicts.sex.") == {"M": 3, "F": 1}
    assert part(figures("99101", 4), "addicts.sex.") == {"M": 3, "F": 2}
    assert part(figures("99102", 3), "addicts.sex.") == {"M": 0, "F": 1}


def test_addicts_by_age_band_on_the_months_last_day(registry):
    v = figures("99101", 3)
    labels = [label for key, label, *_ in (r.as_list() for r in compute(unit("99101"), 2025, 3))
              if key.startswith("addicts.age.")]
    assert labels[3] == "Độ tuổi: Từ 18 đến dưới 30"
    # P6 17 (18 only on 01/04), P1 18 exactly on 31/03, P3 30 (year only: from 01/01/1995),
    # Q2 32.
    assert bands(v) == [0, 0, 1, 1, 2]
    # End of April: P6 and P1 are both 18; P2 34, P3 30, Q2 32.
    assert bands(figures("99101", 4)) == [0, 0, 0, 2, 3]


def test_a_birth_year_alone_counts_from_the_first_of_january(registry):
    # P3 (born "1995") is 30 on 31/01/2025 already, alone on the registry that month.
    v = figures("99101", 1)
    assert v["addicts.total"] == 1
    assert bands(v) == [0, 0, 0, 0, 1]


def test_addicts_by_occupation_group_drug_and_ethnicity_with_unknowns(registry):
    v = figures("99101", 3)  # P1, P3 (nothing known), P6, Q2
    assert part(v, "addicts.occupation.") == {"agri": 1, "non_agri": 2, "unknown": 1}
    assert set(part(v, "addicts.occupation.")) == set(OCCUPATION_GROUPS) | {"unknown"}
    assert part(v, "addicts.drug.") == {"heroin": 2, "synthetic": 1, "cannabis": 0, "other": 0,
                                        "unknown": 1}
    assert set(part(v, "addicts.drug.")) == set(DRUGS) | {"unknown"}
    assert part(v, "addicts.ethnicity.") == {"kinh": 2, "minority": 1, "unknown": 1}
    april = figures("99101", 4)  # P2 (other drug, Kinh, agri) joins
    assert part(april, "addicts.drug.")["other"] == 1
    assert part(april, "addicts.ethnicity.") == {"kinh": 3, "minority": 1, "unknown": 1}
    assert part(april, "addicts.occupation.") == {"agri": 2, "non_agri": 2, "unknown": 1}


def test_every_breakdown_adds_up_to_the_total_of_addicts(registry):
    for month in range(1, 13):
        for code in ("99101", "99102", "991", "99"):
            v = figures(code, month)
            for group in ("sex", "age", "occupation", "drug", "ethnicity"):
                assert sum(part(v, f"addicts.{group}.").values()) == v["addicts.total"], \
                    (code, month, group)


def test_a_closed_person_leaves_the_stock_at_the_end_of_the_month(registry):
    v = figures("99101", 5)  # P6 closed on 20/05
    assert (v["persons.total"], v["persons.addict"], v["persons.user"],
            v["persons.suspected"]) == (6, 4, 1, 1)
    assert v["flow.closed"] == 1 and v["flow.closed.prison"] == 1
    assert sum(v[f"flow.closed.{r}"] for r in CLOSING_REASONS) == 1


# --- Flows within the month -------------------------------------------------------------------

def test_new_on_the_registry_per_month(registry):
    assert figures("99101", 1)["flow.new"] == 1  # P3
    assert figures("99101", 2)["flow.new"] == 4  # P1 (test 10/02), P5 (opened 01/02), P6, Q2
    assert figures("99101", 3)["flow.new"] == 2  # P4, P2
    assert figures("99101", 4)["flow.new"] == 0
    assert figures("99102", 3)["flow.new"] == 1  # Q1
    assert figures("99102", 6)["flow.new"] == 0  # Q2 moved in: not new on the registry


def test_determinations_and_relapses_per_month(registry):
    counts = {m: (figures("99101", m)["flow.determined"], figures("99101", m)["flow.relapsed"])
              for m in range(1, 13)}
    assert counts == {1: (1, 0), 2: (2, 0), 3: (1, 0), 4: (1, 0), 5: (0, 0), 6: (0, 0),
                      7: (0, 0), 8: (0, 0), 9: (1, 1), 10: (0, 0), 11: (0, 0), 12: (0, 0)}
    assert figures("99102", 3)["flow.determined"] == 1
    # The detox Q1 completed in March came after her determination: no relapse.
    assert figures("99102", 3)["flow.relapsed"] == 0


def test_rehab_started_and_completed_per_form(registry):
    march_102 = figures("99102", 3)
    assert part(march_102, "flow.rehab_started.") == {**ZERO_FORMS, "detox": 1}
    assert part(march_102, "flow.rehab_completed.") == {**ZERO_FORMS, "detox": 1}
    assert (march_102["flow.rehab_started"], march_102["flow.rehab_completed"]) == (1, 1)
    assert part(figures("99101", 2), "flow.rehab_started.") == {**ZERO_FORMS, "home": 1}
    april = figures("99101", 4)
    assert part(april, "flow.rehab_started.") == {**ZERO_FORMS, "community": 1}
    assert april["flow.rehab_completed"] == 0
    august = figures("99101", 8)
    assert part(august, "flow.rehab_completed.") == {**ZERO_FORMS, "home": 1}
    assert august["flow.rehab_started"] == 0


def test_rehab_in_progress_at_the_months_end(registry):
    assert part(figures("99101", 3), "ongoing.") == {"total": 1, **ZERO_FORMS, "home": 1}
    assert part(figures("99101", 4), "ongoing.") == {"total": 2, **ZERO_FORMS, "home": 1,
                                                     "community": 1}
    assert part(figures("99101", 8), "ongoing.") == {"total": 1, **ZERO_FORMS, "community": 1}
    assert figures("99102", 3)["ongoing.total"] == 0  # detox ended on 26/03


def test_post_rehab_opened_by_its_decision_date_and_support_given(registry):
    # The suggestion dates from the end of rehab (04/08); the decision of 20/08 opens it.
    august, september = figures("99101", 8), figures("99101", 9)
    assert figures("99101", 7)["flow.post_rehab_opened"] == 0
    assert august["flow.post_rehab_opened"] == 1
    assert september["flow.post_rehab_opened"] == 0
    assert (august["post_rehab.ongoing"], september["post_rehab.ongoing"]) == (1, 1)
    assert figures("99101", 7)["post_rehab.ongoing"] == 0
    assert part(september, "flow.support.") == {"schooling": 0, "vocational": 1, "job": 0,
                                                "loan": 0, "other_support": 0}
    assert september["flow.support"] == 1  # contacts
    assert september["flow.support_persons"] == 1  # and the persons beside them
    assert part(september, "flow.support_persons.") == {"schooling": 0, "vocational": 1,
                                                        "job": 0, "loan": 0, "other_support": 0}


# --- Transfers and the tree -------------------------------------------------------------------

def test_a_transfer_in_mid_month_moves_the_stock_from_that_month_on(registry):
    may_101, may_102 = figures("99101", 5), figures("99102", 5)
    june_101, june_102 = figures("99101", 6), figures("99102", 6)
    assert (may_101["addicts.total"], may_102["addicts.total"]) == (4, 1)  # Q2 still in 99101
    assert (june_101["addicts.total"], june_102["addicts.total"]) == (3, 2)  # moved on 15/06
    assert (june_101["persons.total"], june_102["persons.total"]) == (5, 2)
    assert part(june_102, "addicts.sex.") == {"M": 1, "F": 1}
    # A move is neither a closing for the old commune nor a new person for the new one.
    assert june_101["flow.closed"] == 0 and june_102["flow.new"] == 0
    # The district keeps counting them once.
    assert figures("991", 5)["addicts.total"] == figures("991", 6)["addicts.total"] == 5


def test_the_district_figures_are_the_sum_of_its_communes(registry):
    communes = ("99101", "99102", "99103", "99104")
    for month in range(1, 13):
        district = figures("991", month)
        parts = [figures(code, month) for code in communes]
        for key, value in district.items():
            if key.startswith("quota.") and key.endswith(".target"):
                continue  # each unit has its own quota
            assert value == sum(p[key] for p in parts), (month, key)
    march = figures("991", 3)
    assert march["addicts.total"] == 5  # not R1 of district 992
    assert figures("992", 3)["addicts.total"] == 1
    assert figures("99", 3)["addicts.total"] == 6


# --- Quota --------------------------------------------------------------------------------------

def test_quota_progress_year_to_date(registry):
    january, march, september = figures("99101", 1), figures("99101", 3), figures("99101", 9)
    assert (january["quota.home.achieved"], january["quota.home.target"]) == (0, 2)
    assert (march["quota.home.achieved"], march["quota.community.achieved"]) == (1, 0)
    assert (september["quota.home.achieved"], september["quota.home.target"]) == (1, 2)
    assert (september["quota.community.achieved"], september["quota.community.target"]) == (1, 1)
    assert (september["quota.detox.achieved"], september["quota.detox.target"]) == (0, 0)
    district = figures("991", 9)
    assert (district["quota.home.achieved"], district["quota.home.target"]) == (1, 5)
    assert (district["quota.detox.achieved"], district["quota.detox.target"]) == (1, 0)
    # Another year starts from zero.
    assert figures("99101", 1, year=2026)["quota.home.achieved"] == 0
    assert figures("99101", 1, year=2026)["quota.home.target"] == 0


def test_quota_label():
    assert quota_label(36, 30) == "36/30 (120%)"
    assert quota_label(1, 2) == "1/2 (50%)"
    assert quota_label(0, 5) == "0/5 (0%)"
    assert quota_label(3, 0) == "3/—"


# --- Cost -------------------------------------------------------------------------------------

class Statements:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __call__(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self)


def statements_for(code: str, month: int) -> int:
    target = unit(code)
    compute(target, 2025, month)  # settings read once per context
    with Statements(db.engine) as counter:
        compute(target, 2025, month)
    return counter.count


def test_compute_runs_a_bounded_number_of_statements_whatever_the_registry(registry):
    before = {code: statements_for(code, 9) for code in ("99101", "991", "99")}
    for i in range(15):
        person = register(f"Nguyễn Văn Thêm {i}", "99102", year=1980 + i, **KNOWN)
        record(person, EventKind.DETERMINATION, date(2025, 9, 1 + i))
    db.session.commit()
    after = {code: statements_for(code, 9) for code in ("99101", "991", "99")}
    assert figures("991", 9)["flow.determined"] == 16
    assert after == before
    assert max(after.values()) <= 30
