"""What the law asks next, on the worklist and on the person's page ("Việc cần làm").

A term that ended asks for the end-of-term record (Mẫu 10) from the day after its end; a user
without a decision, or with a new use after the term, asks for a decision (Mẫu 07); a new
positive test during a term asks for a new decision; a positive test while under post-rehab
management asks for a determination and a relapse record, until a determination is recorded.
The worklist counts with the same SQL the list filters with; the page says the same in words.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.main.worklist import worklist
from webapp.registry import corrections
from webapp.registry import services
from webapp.registry.models import Person
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.treatment import services as treatment
from webapp.units.models import Unit

TODAY = today_local()
DAY = timedelta(days=1)
MAU_10 = "Đã hết thời hạn quản lý, chờ lập biên bản kết thúc (Mẫu 10)"


def d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- Building files -----------------------------------------------------------------------------

def account(username: str = "xa") -> User:
    return db.session.scalar(select(User).where(User.username == username))


def register(name: str) -> Person:
    unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
    data = {"full_name": name, "sex": "M", "birth_year": 1990, "unit": unit}
    assert services.validate_person(data, account()) == {}
    return services.save_person(None, data, account())


def record(person: Person, kind: EventKind, on: date, **data):
    data["event_date"] = on
    if kind == EventKind.MANAGEMENT:
        data.setdefault("doc_number", "1/QĐ-UBND")
    if kind == EventKind.DETERMINATION:
        data.setdefault("addicted", True)
        data.setdefault("facility", "Trung tâm Y tế huyện")
    assert services.validate_event(person, kind, data) == {}
    event = services.add_event(person, kind, data, account())
    db.session.flush()
    return event


def managed(name: str, term_end: date, decided: date | None = None) -> Person:
    """A user tested positive, then under a decision until `term_end`."""
    decided = decided or term_end - relativedelta(years=1)
    person = register(name)
    record(person, EventKind.POSITIVE_TEST, decided - 2 * DAY)
    record(person, EventKind.MANAGEMENT, decided, term_end=term_end)
    return person


def under_post_rehab(name: str):
    """An addict after a completed home rehab, under post-rehab management since 190 days."""
    person = register(name)
    record(person, EventKind.DETERMINATION, TODAY - 400 * DAY)
    episode = {"form": "home", "start_date": TODAY - 390 * DAY}
    assert treatment.validate_episode(person, episode) == {}
    started = treatment.start_episode(person, episode, account())
    db.session.flush()
    end = {"end_date": TODAY - 200 * DAY, "outcome": "completed"}
    assert treatment.validate_episode_end(started, end) == {}
    term = treatment.end_episode(started, end, account())
    db.session.flush()
    decision = {"decision_number": "51/QĐ-UBND", "signer": "Chủ tịch UBND xã",
                "decision_date": TODAY - 190 * DAY}
    assert treatment.validate_confirm(term, decision) == {}
    treatment.confirm_post_rehab(term, decision)
    db.session.flush()
    assert term.status == "active" and term.start_date == TODAY - 190 * DAY
    return person, term


def drug_test(term, on: date, positive: bool):
    data = {"kind": "drug_test", "on": on, "positive": positive}
    assert treatment.validate_activity(term, data) == {}
    activity = treatment.add_activity(term, data, account())
    db.session.flush()
    return activity


# --- Reading the worklist -----------------------------------------------------------------------

@pytest.fixture
def officer(app, demo):
    with app.test_request_context():
        yield account()


def due(user, today: date = TODAY) -> dict[str, int]:
    db.session.commit()
    return {item.url.split("due=")[-1]: item.count
            for item in worklist(user, today) if "due=" in item.url}


def steps(person: Person, today: date = TODAY) -> list[str]:
    return services.next_steps(person, today)


# --- The end of a term --------------------------------------------------------------------------

def test_a_term_that_ended_yesterday_asks_for_mau_10_and_one_ending_today_does_not(officer):
    ended = managed("Lò Văn Hôm Qua", TODAY - DAY)
    ending = managed("Lò Văn Hôm Nay", TODAY)
    assert due(officer) == {"management_overdue": 1, "management_soon": 1}
    assert steps(ended) == [f"Đã hết thời hạn quản lý ngày {d(TODAY - DAY)} mà không phát hiện "
                            "sử dụng mới: lập biên bản kết thúc (Mẫu 10) và đưa ra khỏi danh sách."]
    assert steps(ending) == []
    assert due(officer, TODAY + DAY) == {"management_overdue": 2}  # tomorrow both have ended


def test_the_end_of_term_record_takes_the_person_off_the_worklist(officer):
    ended = managed("Lò Văn Hết Hạn", TODAY - 10 * DAY)
    assert due(officer) == {"management_overdue": 1}
    record(ended, EventKind.CLOSING, TODAY, reason="term_ended")
    assert due(officer) == {}
    assert steps(ended) == []


def test_a_new_use_after_the_term_asks_for_a_new_decision_not_the_end_record(officer):
    person = managed("Lò Văn Tái", TODAY - 10 * DAY)
    record(person, EventKind.POSITIVE_TEST, TODAY - 9 * DAY)  # the day after the term's end
    assert due(officer) == {"user_no_decision": 1}
    assert steps(person) == [f"Phát hiện sử dụng trái phép ngày {d(TODAY - 9 * DAY)}, sau khi hết "
                             "thời hạn quản lý: cần quyết định quản lý mới (Mẫu 07)."]
    record(person, EventKind.MANAGEMENT, TODAY - 7 * DAY, term_end=TODAY + 358 * DAY)
    assert due(officer) == {}
    assert steps(person) == []


def test_a_use_during_the_term_never_answered_asks_for_a_decision_once_the_term_is_over(
        officer):
    person = managed("Lò Văn Quên", TODAY - DAY)
    record(person, EventKind.POSITIVE_TEST, TODAY - 30 * DAY)
    assert due(officer, TODAY - DAY)["new_use_in_term"] == 1  # the term's last day
    assert "management_overdue" not in due(officer, TODAY - DAY)
    assert due(officer) == {"user_no_decision": 1}  # not Mẫu 10, and listed once
    assert steps(person) == [f"Phát hiện sử dụng trái phép ngày {d(TODAY - 30 * DAY)}, trong "
                             f"thời hạn quản lý (hết ngày {d(TODAY - DAY)}) mà chưa có quyết "
                             "định mới: cần quyết định quản lý mới (Mẫu 07)."]


def test_a_positive_test_on_the_terms_last_day_is_a_use_during_the_term(officer):
    person = managed("Lò Văn Cuối", TODAY)
    record(person, EventKind.POSITIVE_TEST, TODAY)
    assert due(officer)["new_use_in_term"] == 1
    assert due(officer, TODAY + DAY) == {"user_no_decision": 1}
    assert steps(person, TODAY + DAY)[0].startswith(
        f"Phát hiện sử dụng trái phép ngày {d(TODAY)}, trong thời hạn quản lý")


# --- Users without a decision -------------------------------------------------------------------

def test_a_user_with_only_a_positive_test_asks_for_a_decision(officer):
    person = register("Lò Văn Chờ")
    record(person, EventKind.POSITIVE_TEST, TODAY - 2 * DAY)
    assert due(officer) == {"user_no_decision": 1}
    assert steps(person) == [
        "Chưa có quyết định quản lý người sử dụng trái phép chất ma túy: lập quyết định quản lý "
        "(Mẫu 07) trong 3 ngày làm việc kể từ ngày có kết quả xét nghiệm."]
    record(person, EventKind.MANAGEMENT, TODAY, term_end=TODAY + 365 * DAY)
    assert due(officer) == {}


def test_a_suspected_person_asks_for_nothing(officer):
    register("Lò Văn Nghi")
    assert due(officer) == {}


# --- A new use during the term ------------------------------------------------------------------

def test_a_new_positive_test_during_the_term_asks_for_a_new_decision(officer):
    decided = TODAY - 100 * DAY
    person = managed("Lò Văn Mới", decided + relativedelta(years=1), decided)
    record(person, EventKind.POSITIVE_TEST, decided)  # the decision's own day: not a new use
    assert due(officer) == {}
    new = record(person, EventKind.POSITIVE_TEST, TODAY - 5 * DAY)
    assert due(officer) == {"new_use_in_term": 1}
    assert steps(person) == [f"Có kết quả xét nghiệm dương tính mới ngày {d(TODAY - 5 * DAY)} trong "
                             "thời hạn quản lý: cần quyết định quản lý mới (thời hạn tính lại từ "
                             "đầu)."]
    assert corrections.void(new, "Nhầm phiếu xét nghiệm", account()) == {}
    assert due(officer) == {}
    assert steps(person) == []


def test_a_new_decision_answers_the_new_use(officer):
    decided = TODAY - 100 * DAY
    person = managed("Lò Văn Lại", decided + relativedelta(years=1), decided)
    record(person, EventKind.POSITIVE_TEST, TODAY - 5 * DAY)
    record(person, EventKind.MANAGEMENT, TODAY - 3 * DAY, term_end=TODAY + 362 * DAY)
    assert due(officer) == {}
    assert steps(person) == []


# --- Positive while under post-rehab management -------------------------------------------------

def test_a_positive_drug_test_during_post_rehab_asks_for_a_determination(officer):
    person, term = under_post_rehab("Lò Văn Sau Cai")
    drug_test(term, TODAY - 20 * DAY, positive=False)
    assert "post_rehab_positive" not in due(officer)
    drug_test(term, TODAY - 10 * DAY, positive=True)
    assert due(officer)["post_rehab_positive"] == 1
    relapse = (f"Xét nghiệm dương tính ngày {d(TODAY - 10 * DAY)} khi đang quản lý sau cai: cần "
               "xác định tình trạng nghiện và lập biên bản tái nghiện.")
    assert steps(person) == [relapse]
    record(person, EventKind.DETERMINATION, TODAY - 5 * DAY)  # the relapse is determined
    assert "post_rehab_positive" not in due(officer)
    assert steps(person) == []


def test_a_positive_test_on_the_timeline_during_post_rehab_counts_from_the_terms_first_day(
        officer):
    person, term = under_post_rehab("Lò Văn Dương")
    record(person, EventKind.POSITIVE_TEST, term.start_date - DAY)  # not yet under management
    assert "post_rehab_positive" not in due(officer)
    record(person, EventKind.POSITIVE_TEST, term.start_date)
    assert due(officer)["post_rehab_positive"] == 1
    assert steps(person) == [f"Xét nghiệm dương tính ngày {d(term.start_date)} khi đang quản lý "
                             "sau cai: cần xác định tình trạng nghiện và lập biên bản tái nghiện."]


def test_a_voided_positive_drug_test_asks_for_nothing(officer):
    person, term = under_post_rehab("Lò Văn Hủy")
    activity = drug_test(term, TODAY - 10 * DAY, positive=True)
    assert due(officer)["post_rehab_positive"] == 1
    assert corrections.void(activity, "Ghi nhầm kết quả", account()) == {}
    assert "post_rehab_positive" not in due(officer)
    assert steps(person) == []


# --- The same, as the officer reads it ----------------------------------------------------------

def test_the_home_page_and_the_person_page_say_what_is_due(app, login_as):
    with app.app_context():
        ended = managed("Lò Văn Hôm Qua", TODAY - DAY).id
        waiting = register("Lò Văn Chờ")
        record(waiting, EventKind.POSITIVE_TEST, TODAY - 2 * DAY)
        person, term = under_post_rehab("Lò Văn Sau Cai")
        drug_test(term, TODAY - 10 * DAY, positive=True)
        db.session.commit()
        waiting, relapsed = waiting.id, person.id
    client = login_as("xa")
    home = client.get("/").get_data(as_text=True)
    assert f"{MAU_10}: 1 người" in home
    assert "Người sử dụng trái phép chưa có quyết định quản lý: 1 người" in home
    assert ("Dương tính khi đang quản lý sau cai, cần xác định tình trạng nghiện và lập biên bản "
            "tái nghiện: 1 người") in home

    listed = client.get("/persons/?due=management_overdue").get_data(as_text=True)
    assert "Lò Văn Hôm Qua" in listed and "Lò Văn Chờ" not in listed

    page = client.get(f"/persons/{ended}").get_data(as_text=True)
    assert "Việc cần làm: Đã hết thời hạn quản lý ngày" in page and "(Mẫu 10)" in page
    assert "Hết thời hạn quản lý, chờ xác nhận (Mẫu 10)" in page  # the status of the day
    page = client.get(f"/persons/{waiting}").get_data(as_text=True)
    assert "Việc cần làm: Chưa có quyết định quản lý" in page
    page = client.get(f"/persons/{relapsed}").get_data(as_text=True)
    assert "Việc cần làm: Xét nghiệm dương tính ngày" in page and "biên bản tái nghiện" in page


def test_another_persons_positive_test_or_determination_says_nothing_of_this_term(officer):
    """The checks look at the person under the term, not at anyone's timeline."""
    person, term = under_post_rehab("Lò Văn Một Mình")
    other = register("Cà Văn Khác")
    record(other, EventKind.POSITIVE_TEST, TODAY - 2 * DAY)
    assert "post_rehab_positive" not in due(officer)
    record(person, EventKind.POSITIVE_TEST, TODAY - DAY)
    assert due(officer)["post_rehab_positive"] == 1
    record(other, EventKind.DETERMINATION, TODAY)  # someone else's determination answers nothing
    assert due(officer)["post_rehab_positive"] == 1
