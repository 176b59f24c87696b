"""Every monthly figure leads to the persons behind it, and a sent report keeps its lists.

The live list is the figure's own definition (one SQL for both); submitting freezes the lists
with the figures, so what a reviewer opens later is what was counted, whatever the registry
says since (drift). Beside each figure: last month's value; a jump beyond the settings'
threshold and a person counted in two rehab forms at once are warned about, to the officer
and to the reviewer alike.

    99101 (Xã Tân Hòa, officer xa), October 2025:
      A1  addict determined 05/09, home rehab from 10/09 (still going)
      A2  addict determined 05/10
      A3  addict determined 06/10, community rehab from 08/10
      U1  positive test 02/10, no decision yet
      S1  on the lists since 01/09, nothing recorded (suspected)
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from webapp import settings
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import corrections
from webapp.registry import services as registry
from webapp.registry.models import Person
from webapp.registry.vocab import EventKind
from webapp.reports import services
from webapp.reports.figures import as_values, compute, compute_with_members
from webapp.settings.models import Setting
from webapp.treatment.models import RehabEpisode
from webapp.treatment.services import start_episode, validate_episode
from webapp.units.models import Unit

PERIOD, YEAR, MONTH = "2025-10", 2025, 10
KNOWN = {"ethnicity": "01", "occupation_group": "agri", "main_drug": "heroin"}
OFFICER = {"99101": "xa", "99102": "xa2", "99201": "xa3"}

pytestmark = pytest.mark.usefixtures("demo")


# --- Building the registry ----------------------------------------------------------------------

def unit(code: str = "99101") -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str = "xa") -> User:
    return db.session.scalar(select(User).where(User.username == username))


def register(name: str, code: str = "99101", sex: str = "M", **fields) -> Person:
    data = {"full_name": name, "sex": sex, "birth_year": 1990, "unit": unit(code), **KNOWN,
            **fields}
    assert registry.validate_person(data, account(OFFICER[code])) == {}
    return registry.save_person(None, data, account(OFFICER[code]))


def record(person: Person, kind: EventKind, on: date, **data) -> None:
    data["event_date"] = on
    if kind == EventKind.DETERMINATION:
        data.setdefault("addicted", True)
        data.setdefault("facility", "Trung tâm Y tế huyện Tân Lập")
    if kind == EventKind.MANAGEMENT:
        data.setdefault("doc_number", "1/QĐ-UBND")
    assert registry.validate_event(person, kind, data) == {}
    registry.add_event(person, kind, data, account(OFFICER[person.unit.code]))


def addict(name: str, on: date, code: str = "99101", **fields) -> Person:
    person = register(name, code, **fields)
    record(person, EventKind.DETERMINATION, on)
    return person


def rehab(person: Person, form: str, start: date) -> RehabEpisode:
    db.session.flush()
    data = {"form": form, "start_date": start}
    assert validate_episode(person, data) == {}
    episode = start_episode(person, data, account())
    db.session.flush()
    return episode


def build() -> dict[str, int]:
    a1 = addict("Lò Văn Một", date(2025, 9, 5))
    a2 = addict("Cà Thị Hai", date(2025, 10, 5), sex="F")
    a3 = addict("Quàng Văn Ba", date(2025, 10, 6))
    u1 = register("Lường Văn Bốn")
    record(u1, EventKind.POSITIVE_TEST, date(2025, 10, 2))
    s1 = register("Tòng Văn Năm", listed_on=date(2025, 9, 1))
    db.session.flush()
    rehab(a1, "home", date(2025, 9, 10))
    rehab(a3, "community", date(2025, 10, 8))
    db.session.commit()
    return {"A1": a1.id, "A2": a2.id, "A3": a3.id, "U1": u1.id, "S1": s1.id}


@pytest.fixture
def people(app):
    with app.app_context():
        return build()


def submit(code: str = "99101", year: int = YEAR, month: int = MONTH, **form):
    form.setdefault("warning_comment", "Đã kiểm tra.")
    sub = services.submit(unit(code), year, month, form, account(OFFICER[code]))
    db.session.commit()
    return sub


def members(key: str, code: str = "99101", year: int = YEAR, month: int = MONTH):
    ids, frozen = services.figure_members(unit(code), year, month, key)
    return set(ids), frozen


def text(response) -> str:
    return response.get_data(as_text=True)


def figure_url(key: str, code: str = "99101", period: str = PERIOD) -> str:
    return f"/reports/{period}/{code}/figures/{key}"


# --- The live list is what is counted ---------------------------------------------------------

PERSON_FIGURES = ("persons.total", "persons.addict", "persons.user", "persons.user.pending",
                  "persons.suspected", "addicts.total", "addicts.sex.M", "addicts.sex.F",
                  "addicts.drug.heroin", "ongoing.total", "ongoing.home", "ongoing.community",
                  "flow.determined", "flow.rehab_started")


def test_the_live_list_of_a_person_figure_is_exactly_the_persons_counted(app, people):
    with app.app_context():
        rows, lists = compute_with_members(unit(), YEAR, MONTH)
        values = as_values(rows)
        for key in PERSON_FIGURES:
            assert len(lists.get(key, [])) == values[key], key
        p = people
        assert set(lists["persons.addict"]) == {p["A1"], p["A2"], p["A3"]}
        assert set(lists["persons.total"]) == set(p.values())
        assert lists["ongoing.home"] == [p["A1"]]
        assert set(lists["ongoing.total"]) == {p["A1"], p["A3"]}
        assert lists["persons.user.pending"] == [p["U1"]]
        assert lists["persons.suspected"] == [p["S1"]]
        assert set(lists["flow.determined"]) == {p["A2"], p["A3"]}  # A1 was in September
        assert "persons.user.decided" not in lists  # a zero figure has nobody to list
        assert members("persons.addict") == ({p["A1"], p["A2"], p["A3"]}, False)


def test_the_figure_page_lists_the_names_for_the_officer_and_the_reviewer(app, login_as, people):
    for username in ("xa", "huyen", "tinh"):
        page = login_as(username).get(figure_url("persons.addict"))
        assert page.status_code == 200, username
        html = text(page)
        assert "<h1>Người nghiện ma túy: 3</h1>" in html
        for name in ("Lò Văn Một", "Cà Thị Hai", "Quàng Văn Ba"):
            assert name in html, (username, name)
        assert "Lường Văn Bốn" not in html and "Tòng Văn Năm" not in html
        assert "Danh sách tính trực tiếp từ sổ quản lý" in html
        assert f'href="/persons/{people["A1"]}"' in html
    # The names are in Vietnamese order of the given name: Ba, Hai, Một.
    html = text(login_as("xa").get(figure_url("persons.addict")))
    assert html.index("Quàng Văn Ba") < html.index("Cà Thị Hai") < html.index("Lò Văn Một")
    # The submission page links each non-zero count to its list.
    report = text(login_as("xa").get(f"/reports/{PERIOD}/99101"))
    assert f'href="{figure_url("persons.addict")}"' in report
    assert f'href="{figure_url("persons.user.decided")}"' not in report  # zero: no link


def test_a_quota_target_an_unknown_key_or_a_unit_out_of_scope_has_no_list(app, login_as, people):
    xa = login_as("xa")
    for key in ("quota.home.target", "quota.compulsory.target", "nothing", "s1", "persons"):
        assert xa.get(figure_url(key)).status_code == 404, key
    assert xa.get(figure_url("quota.home.achieved")).status_code == 200
    assert xa.get(figure_url("persons.addict", period="2025-13")).status_code == 404
    assert login_as("xa2").get(figure_url("persons.addict")).status_code == 404
    assert login_as("huyen2").get(figure_url("persons.addict")).status_code == 404
    assert login_as("admin").get(figure_url("persons.addict")).status_code == 403


def test_opening_a_list_of_persons_is_recorded(app, demo, login_as, people):
    assert login_as("huyen").get(figure_url("ongoing.total")).status_code == 200
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "view_list", AuditEvent.user_id == demo["users"]["huyen"])).one()
        assert entry.object_type == "Person"
        assert entry.changes == {"figure": "ongoing.total", "period": PERIOD, "unit": "99101",
                                 "rows": 2, "total": 2, "persons": 2}


# --- Frozen lists -------------------------------------------------------------------------------

def test_the_frozen_list_stays_when_the_registry_changes_after_submitting(app, login_as, people):
    p = people
    with app.app_context():
        sub = submit()
        assert set(sub.snapshot_persons["persons.addict"]) == {p["A1"], p["A2"], p["A3"]}
        # After sending: A2 turns out to have gone to prison on 20/10, A3's rehab was a mistake.
        record(db.session.get(Person, p["A2"]), EventKind.CLOSING, date(2025, 10, 20),
               reason="prison")
        episode = db.session.get(Person, p["A3"]).episodes[0]
        assert corrections.void(episode, "Ghi nhầm", account()) == {}
        db.session.commit()

        assert members("persons.addict") == ({p["A1"], p["A2"], p["A3"]}, True)
        assert members("ongoing.total") == ({p["A1"], p["A3"]}, True)
        live = as_values(compute(unit(), YEAR, MONTH))
        assert (live["persons.addict"], live["ongoing.total"]) == (2, 1)
        drift = services.drift(services.submission_for(unit(), YEAR, MONTH))
        assert drift["persons.addict"] == 2 and drift["ongoing.total"] == 1
        assert drift["flow.closed"] == 1

    html = text(login_as("huyen").get(figure_url("persons.addict")))
    assert "<h1>Người nghiện ma túy: 3</h1>" in html
    assert "Danh sách người được tính khi báo cáo được chốt" in html
    for name in ("Lò Văn Một", "Cà Thị Hai", "Quàng Văn Ba"):
        assert name in html
    assert "Đã đưa ra khỏi danh sách quản lý" in html  # A2's state today, beside her name
    html = text(login_as("huyen").get(figure_url("ongoing.total")))
    assert "Quàng Văn Ba" in html and "<h1>Đang cai nghiện: 2</h1>" in html


def test_the_districts_list_is_its_approved_communes_frozen_lists(app, login_as, people):
    with app.app_context():
        submit()
    assert login_as("huyen").post(f"/reports/{PERIOD}/99101/approve",
                                  data={"confirmed": "1"}).status_code == 303
    with app.app_context():
        late = addict("Điêu Văn Muộn", date(2025, 10, 25))  # entered after the approval
        db.session.commit()
        assert members("persons.addict", "991") == (
            {people["A1"], people["A2"], people["A3"]}, True)
        assert late.id not in members("persons.addict", "99101")[0]
    html = text(login_as("huyen").get(figure_url("persons.addict", "991")))
    assert "Cà Thị Hai" in html and "Điêu Văn Muộn" not in html


def test_a_person_moved_out_of_the_reviewers_scope_is_counted_as_hidden(app, login_as, people):
    with app.app_context():
        submit()
        moved = db.session.get(Person, people["A1"])
        transfer = registry.request_transfer(moved, unit("99201"), account("xa"), None)
        registry.decide_transfer(transfer, True, account("xa3"))
        db.session.commit()
    for username in ("huyen", "xa"):
        html = text(login_as(username).get(figure_url("persons.addict")))
        assert "Lò Văn Một" not in html, username
        assert "Cà Thị Hai" in html and "Quàng Văn Ba" in html
        assert "1 người được tính hiện không thuộc phạm vi xem của bạn" in html
    html = text(login_as("tinh").get(figure_url("persons.addict")))  # the province still sees him
    assert "Lò Văn Một" in html and "không thuộc phạm vi xem" not in html


# --- Last month, jumps, double counts -----------------------------------------------------------

def figure_row(html: str, label: str) -> tuple[str, str]:
    """(this month, last month) as the submission page shows them for the row `label`."""
    match = re.search(rf"<td>{re.escape(label)}</td>\s*<td class=\"num\">\s*(?:<a [^>]*>)?"
                      rf"(\d+)(?:</a>)?</td>\s*<td class=\"num muted\">(\d*)</td>", html)
    assert match, label
    return match.groups()


def test_last_months_value_is_shown_beside_each_figure_as_it_was_sent(app, login_as, people):
    html = text(login_as("xa").get(f"/reports/{PERIOD}/99101"))
    assert "Tháng trước" in html
    assert figure_row(html, "Người nghiện ma túy") == ("3", "1")  # September: A1 only
    assert figure_row(html, "Đang cai nghiện") == ("2", "1")

    with app.app_context():
        submit(month=9)  # September sent with 1 addict
        addict("Điêu Văn Muộn", date(2025, 9, 20))  # then a September determination typed late
        db.session.commit()
        assert as_values(compute(unit(), YEAR, 9))["persons.addict"] == 2
        assert services.previous_values(unit(), YEAR, MONTH)["persons.addict"] == 1
    html = text(login_as("huyen").get(f"/reports/{PERIOD}/99101"))
    assert figure_row(html, "Người nghiện ma túy") == ("4", "1")  # as September was sent


def test_a_jump_beyond_the_threshold_is_warned_to_the_officer_and_the_reviewer(app, login_as):
    with app.app_context():
        for i, name in enumerate(("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba", "Lò Văn Bốn")):
            addict(name, date(2025, 10, 1 + i))
        db.session.commit()
    jump = "Số người nghiện thay đổi nhiều so với tháng trước: 0 → 5."
    assert "thay đổi nhiều so với tháng trước" not in text(
        login_as("xa").get(f"/reports/{PERIOD}/99101"))  # 4 is under the 5-person minimum
    with app.app_context():
        addict("Lò Văn Năm", date(2025, 10, 9))
        db.session.commit()
    xa = login_as("xa")
    assert f"Cảnh báo: {jump}" in text(xa.get(f"/reports/{PERIOD}/99101"))
    refused = xa.post(f"/reports/{PERIOD}/99101/submit", data={"confirmed": "1"})
    assert refused.status_code == 422
    assert xa.post(f"/reports/{PERIOD}/99101/submit", data={
        "confirmed": "1", "warning_comment": "Đợt rà soát tháng 10."}).status_code == 303
    html = text(login_as("huyen").get(f"/reports/{PERIOD}/99101"))
    assert f"Cảnh báo: {jump}" in html and "Đợt rà soát tháng 10." in html


@pytest.mark.parametrize("before, now, warned", [
    (0, 4, False), (0, 5, True),        # at least 5 persons
    (20, 26, False), (20, 27, True),    # and more than 30 % of last month
    (10, 5, True),                       # either way
])
def test_a_jump_is_more_than_the_share_and_at_least_the_minimum(ctx, before, now, warned):
    found = services.comparison_warnings({"addicts.total": now}, {"addicts.total": before})
    assert bool(found) == warned
    if warned:
        assert found == [f"Số người nghiện thay đổi nhiều so với tháng trước: {before} → {now}."]


def test_without_last_month_nothing_is_compared(ctx):
    assert services.comparison_warnings({"addicts.total": 50}, {}) == []
    assert services.comparison_warnings({"addicts.total": 50}, None) == []


def overlapping(person_id: int, form: str, start: date, end: date | None = None) -> RehabEpisode:
    """A second episode written straight into the table, as old data could have it."""
    episode = RehabEpisode(person_id=person_id, unit_id=unit().id, form=form, start_date=start,
                           planned_end=date(2026, 3, 1), end_date=end)
    db.session.add(episode)
    db.session.commit()
    return episode


DOUBLE = ("1 người được tính ở hai hình thức cai nghiện cùng lúc; vui lòng kiểm tra và hủy đợt "
          "ghi nhầm.")


def test_a_person_in_two_rehab_forms_at_once_is_warned_about(app, login_as, people):
    with app.app_context():
        assert services.double_rehab(unit(), YEAR, MONTH) == 0
        mistaken = overlapping(people["A1"], "community", date(2025, 9, 15))
        assert services.double_rehab(unit(), YEAR, MONTH) == 1
        assert services.double_rehab(unit(), YEAR, 8) == 0  # not yet in August
        eid = mistaken.id
    assert f"Cảnh báo: {DOUBLE}" in text(login_as("xa").get(f"/reports/{PERIOD}/99101"))
    with app.app_context():
        sub = submit()
        assert services.double_rehab(unit(), YEAR, MONTH, sub.snapshot_persons) == 1
    assert f"Cảnh báo: {DOUBLE}" in text(login_as("huyen").get(f"/reports/{PERIOD}/99101"))

    with app.app_context():  # the mistaken episode is voided: the registry no longer doubles
        episode = db.session.get(RehabEpisode, eid)
        episode.voided_at, episode.void_reason = episode.created_at, "Ghi nhầm"
        db.session.commit()
        assert services.double_rehab(unit(), YEAR, MONTH) == 0
        assert services.double_rehab(unit(), YEAR, 11) == 0


def test_an_episode_ended_before_the_months_end_is_not_a_double_count(app, people):
    with app.app_context():
        overlapping(people["A1"], "community", date(2025, 9, 15), end=date(2025, 10, 31))
        assert services.double_rehab(unit(), YEAR, MONTH) == 0  # ended on the last day
        assert services.double_rehab(unit(), YEAR, 9) == 1


def test_detox_inside_a_voluntary_rehab_is_a_double_count_only_if_the_settings_say_so(app,
                                                                                     people):
    with app.app_context():
        overlapping(people["A1"], "detox", date(2025, 10, 20))
        assert services.double_rehab(unit(), YEAR, MONTH) == 0
        _, lists = compute_with_members(unit(), YEAR, MONTH)
        assert services.double_rehab(unit(), YEAR, MONTH, lists) == 0
        db.session.add(Setting(key="detox_inside_voluntary", value=0))
        db.session.commit()
        settings.forget()
        assert services.double_rehab(unit(), YEAR, MONTH) == 1
        assert services.double_rehab(unit(), YEAR, MONTH, lists) == 1


# --- Users with and without a decision, terms that ended ----------------------------------------

def test_the_month_separates_decided_and_pending_users_and_leaves_expired_terms_out(app):
    with app.app_context():
        decided = register("Lò Văn Quyết")  # term ends on the month's last day
        record(decided, EventKind.POSITIVE_TEST, date(2024, 10, 20))
        record(decided, EventKind.MANAGEMENT, date(2024, 11, 1), term_end=date(2025, 10, 31))
        expired = register("Lò Văn Hết")  # term ended the day before
        record(expired, EventKind.POSITIVE_TEST, date(2024, 10, 20))
        record(expired, EventKind.MANAGEMENT, date(2024, 10, 30), term_end=date(2025, 10, 30))
        pending = register("Lò Văn Chờ")
        record(pending, EventKind.POSITIVE_TEST, date(2025, 10, 2))
        db.session.commit()

        rows, lists = compute_with_members(unit(), YEAR, MONTH)
        v = as_values(rows)
        assert (v["persons.user"], v["persons.user.decided"], v["persons.user.pending"]) == (
            2, 1, 1)
        assert v["persons.user_expired"] == 1
        assert v["persons.total"] == 2  # the expired term is not counted among those managed
        assert lists["persons.user.decided"] == [decided.id]
        assert lists["persons.user.pending"] == [pending.id]
        assert lists["persons.user_expired"] == [expired.id]
        assert set(lists["persons.total"]) == {decided.id, pending.id}
        assert services.checks(rows, None, YEAR, MONTH)[0] == []  # the parts add up

        september = as_values(compute(unit(), YEAR, 9))
        assert (september["persons.user.decided"], september["persons.user_expired"]) == (2, 0)
        november = as_values(compute(unit(), YEAR, 11))
        assert (november["persons.user.decided"], november["persons.user_expired"]) == (0, 2)
        assert november["persons.total"] == 1


def test_a_use_during_the_term_left_unanswered_is_counted_as_waiting_for_a_decision(app):
    with app.app_context():
        person = register("Lò Văn Quên")
        record(person, EventKind.POSITIVE_TEST, date(2024, 10, 20))
        record(person, EventKind.MANAGEMENT, date(2024, 10, 30), term_end=date(2025, 10, 30))
        record(person, EventKind.POSITIVE_TEST, date(2025, 6, 1))  # no new decision followed
        db.session.commit()
        september = as_values(compute(unit(), YEAR, 9))
        assert (september["persons.user.decided"], september["persons.user.pending"]) == (1, 0)
        october = as_values(compute(unit(), YEAR, MONTH))
        assert (october["persons.user.pending"], october["persons.user_expired"]) == (1, 0)
        assert october["persons.total"] == 1  # still managed: not an end without new use
