"""Rules of rehabilitation, methadone and post-rehab management (treatment/services.py).

One rule per test, at its boundary, with the database and the demo province. Every call is
given a fixed `today`, so the dates below never drift into the future.
"""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from webapp import settings
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry.models import Person
from webapp.registry.services import (RegistryError, add_event, save_person, validate_event,
                                      validate_person)
from webapp.registry.vocab import EventKind
from webapp.settings.models import Setting
from webapp.treatment.models import PostRehabTerm, RehabEpisode
from webapp.treatment.services import (add_activity, confirm_post_rehab, dismiss_post_rehab,
                                       end_episode, end_post_rehab, refresh_treatment,
                                       start_episode, start_methadone, stop_methadone,
                                       term_rule, validate_activity, validate_confirm,
                                       validate_episode, validate_episode_end,
                                       validate_methadone, validate_methadone_stop,
                                       validate_post_rehab_end)
from webapp.units.models import Unit

TODAY = date(2025, 12, 31)
DETERMINED = date(2024, 1, 15)
# 01/03 + 5 months = 01/8, and August has 31 days: "5 months + 30 days" is one day short of 6.
START = date(2024, 3, 1)
ADULT = date(1990, 5, 10)

pytestmark = pytest.mark.usefixtures("demo", "ctx")


# --- Helpers ------------------------------------------------------------------------------------

def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str = "xa") -> User:
    return db.session.scalar(select(User).where(User.username == username))


def record(person: Person, kind: EventKind, **data) -> None:
    assert validate_event(person, kind, data, TODAY) == {}
    add_event(person, kind, data, account())


def register(born: date = ADULT, determined: date | None = DETERMINED, code: str = "99101",
             full_name: str = "Nguyễn Văn An") -> Person:
    """A person of `code`, determined addicted on `determined` (None: no event at all)."""
    data = {"full_name": full_name, "sex": "M", "birth_date": born, "birth_year": born.year,
            "unit": unit(code), "ethnicity": "01", "main_drug": "heroin"}
    assert validate_person(data, account(), TODAY) == {}
    person = save_person(None, data, account())
    if determined is not None:
        record(person, EventKind.DETERMINATION, event_date=determined, addicted=True,
               facility="Trung tâm Y tế huyện", doc_number="15/KL-TTYT")
    db.session.flush()
    return person


def episode_data(form: str = "home", start: date = START, **changes) -> dict:
    """The episode form as it reaches the service (planned_end empty: the default term)."""
    data = {"form": form, "start_date": start, "planned_end": None, "facility": None,
            "decision_number": None, "decision_date": None, "decided_by": None, "note": None}
    if form == "compulsory":
        data.update(decision_number="12/2024/QĐ-TA", decision_date=start,
                    decided_by="Tòa án nhân dân huyện Mai Châu", facility="Cơ sở cai nghiện số 1")
    data.update(changes)
    return data


def check(person: Person, form: str = "home", start: date = START, **changes) -> dict:
    return validate_episode(person, episode_data(form, start, **changes), TODAY)


def begin(person: Person, form: str = "home", start: date = START, **changes) -> RehabEpisode:
    data = episode_data(form, start, **changes)
    assert validate_episode(person, data, TODAY) == {}
    episode = start_episode(person, data, account())
    db.session.flush()
    return episode


def finish(episode: RehabEpisode, end: date | None = None, outcome: str = "completed"):
    data = {"end_date": end or episode.planned_end, "outcome": outcome, "note": None}
    assert validate_episode_end(episode, data, TODAY) == {}
    suggestion = end_episode(episode, data, account())
    db.session.flush()
    return suggestion


def methadone(person: Person, start: date = START):
    data = {"facility": "Cơ sở điều trị Methadone huyện", "start_date": start, "note": None}
    assert validate_methadone(person, data, TODAY) == {}
    period = start_methadone(person, data, account())
    db.session.flush()
    return period


def stop(period, end: date, reason: str = "completed"):
    data = {"end_date": end, "stop_reason": reason}
    assert validate_methadone_stop(period, data, TODAY) == {}
    suggestion = stop_methadone(period, data, account())
    db.session.flush()
    return suggestion


def decision(on: date, **changes) -> dict:
    data = {"decision_number": "51/QĐ-UBND", "decision_date": on,
            "signer": "Chủ tịch UBND xã Lò Văn Hùng"}
    data.update(changes)
    return data


def confirm(term: PostRehabTerm, on: date) -> PostRehabTerm:
    data = decision(on)
    assert validate_confirm(term, data, TODAY) == {}
    confirm_post_rehab(term, data)
    db.session.flush()
    return term


def active_term(person: Person | None = None, decided: date = date(2024, 9, 10)) -> PostRehabTerm:
    """A confirmed post-rehab term after a completed home rehab 01/03–01/9/2024."""
    person = person or register()
    term = finish(begin(person), date(2024, 9, 1))
    return confirm(term, decided)


def ending(term: PostRehabTerm, on: date, reason: str = "completed",
           certificate: str | None = "54/GCN-UBND") -> dict:
    return validate_post_rehab_end(
        term, {"ended_on": on, "end_reason": reason, "certificate_number": certificate}, TODAY)


def activity(term: PostRehabTerm, on: date, kind: str = "contact") -> dict:
    return validate_activity(term, {"kind": kind, "on": on, "positive": None, "note": None}, TODAY)


# --- Default terms --------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["home", "community", "facility"])
def test_voluntary_rehab_defaults_to_6_months(form):
    person = register()
    assert term_rule(form, person, START) == ("months", 6, 6, 12)
    assert begin(person, form).planned_end == date(2024, 9, 1)


def test_compulsory_rehab_of_an_adult_defaults_to_12_months():
    person = register()
    assert term_rule("compulsory", person, START) == ("months", 12, 12, 24)
    assert begin(person, "compulsory").planned_end == date(2025, 3, 1)


def test_compulsory_rehab_of_a_16_year_old_defaults_to_6_months():
    person = register(born=date(2007, 6, 1))  # 16 on 01/3/2024
    assert term_rule("compulsory", person, START) == ("months", 6, 6, 12)
    assert begin(person, "compulsory").planned_end == date(2024, 9, 1)


def test_detox_defaults_to_15_days():
    person = register()
    assert term_rule("detox", person, START)[:3] == ("days", 1, 15)
    assert begin(person, "detox").planned_end == date(2024, 3, 16)


def test_the_planned_end_is_computed_only_when_not_given():
    person = register()
    data = episode_data(planned_end=None)
    assert validate_episode(person, data, TODAY) == {}
    assert data["planned_end"] == START + relativedelta(months=6)
    given = episode_data(planned_end=date(2024, 11, 15))
    assert validate_episode(person, given, TODAY) == {}
    assert given["planned_end"] == date(2024, 11, 15)


# --- Legal ranges ----------------------------------------------------------------------------

def test_voluntary_rehab_shorter_than_6_months_is_refused():
    person = register()
    short = START + relativedelta(months=5) + timedelta(days=30)
    assert short == START + relativedelta(months=6) - timedelta(days=1)
    errors = check(person, planned_end=short)
    assert "từ 6 đến 12 tháng" in errors["planned_end"]


def test_voluntary_rehab_of_exactly_6_months_is_accepted():
    assert check(register(), planned_end=START + relativedelta(months=6)) == {}


def test_voluntary_rehab_of_exactly_12_months_is_accepted():
    assert check(register(), "community", planned_end=START + relativedelta(months=12)) == {}


def test_voluntary_rehab_longer_than_12_months_is_refused():
    errors = check(register(), "facility",
                   planned_end=START + relativedelta(months=12) + timedelta(days=1))
    assert errors["planned_end"] == ("Thời hạn tại cơ sở đối với người thành niên là "
                                     "từ 6 đến 12 tháng.")


def test_compulsory_rehab_of_an_adult_runs_12_to_24_months():
    person = register()
    assert "từ 12 đến 24 tháng" in check(
        person, "compulsory", planned_end=START + relativedelta(months=12) - timedelta(days=1)
    )["planned_end"]
    assert check(person, "compulsory", planned_end=START + relativedelta(months=12)) == {}
    assert check(person, "compulsory", planned_end=START + relativedelta(months=24)) == {}
    assert "planned_end" in check(
        person, "compulsory", planned_end=START + relativedelta(months=24) + timedelta(days=1))


def test_compulsory_rehab_of_a_minor_runs_6_to_12_months():
    person = register(born=date(2007, 6, 1))
    errors = check(person, "compulsory",
                   planned_end=START + relativedelta(months=12) + timedelta(days=1))
    assert errors["planned_end"] == ("Thời hạn bắt buộc đối với người từ 12 đến dưới 18 tuổi "
                                     "là từ 6 đến 12 tháng.")
    assert check(person, "compulsory", planned_end=START + relativedelta(months=6)) == {}
    assert check(person, "compulsory", planned_end=START + relativedelta(months=12)) == {}
    assert "planned_end" in check(
        person, "compulsory", planned_end=START + relativedelta(months=6) - timedelta(days=1))


def test_a_person_who_turns_18_on_the_start_date_counts_as_adult():
    person = register(born=date(2006, 3, 1))
    assert term_rule("compulsory", person, START) == ("months", 12, 12, 24)
    assert begin(person, "compulsory").planned_end == date(2025, 3, 1)


def test_a_person_who_turns_18_the_day_after_the_start_is_still_a_minor():
    person = register(born=date(2006, 3, 2))
    assert term_rule("compulsory", person, START) == ("months", 6, 6, 12)


# --- Bad input --------------------------------------------------------------------------------

def test_a_planned_end_before_the_start_is_refused():
    assert "planned_end" in check(register(), planned_end=START - timedelta(days=1))


def test_an_episode_cannot_end_before_it_started():
    episode = begin(register())
    errors = validate_episode_end(
        episode, {"end_date": START - timedelta(days=1), "outcome": "abandoned"}, TODAY)
    assert errors == {"end_date": "Ngày kết thúc không được trước ngày bắt đầu."}


def test_an_episode_may_end_on_the_day_it_started():
    episode = begin(register())
    assert validate_episode_end(episode, {"end_date": START, "outcome": "abandoned"}, TODAY) == {}


def test_an_episode_cannot_start_before_the_person_was_born():
    person = register()
    errors = check(person, start=ADULT - timedelta(days=1))
    assert errors["start_date"] == "Ngày bắt đầu không được trước ngày sinh của người này."


def test_an_episode_cannot_start_after_the_person_left_the_lists():
    person = register()
    record(person, EventKind.CLOSING, event_date=date(2024, 2, 1), reason="moved_away")
    errors = check(person)
    assert "ra khỏi danh sách quản lý (01/02/2024)" in errors["start_date"]


def test_an_episode_cannot_start_in_the_future():
    errors = check(register(), start=TODAY + timedelta(days=1))
    assert errors["start_date"] == "Ngày bắt đầu không được sau ngày hôm nay."


def test_an_episode_may_start_today():
    assert check(register(), "detox", start=TODAY) == {}


def test_an_episode_cannot_start_before_the_person_was_determined_addicted():
    person = register(determined=START)
    assert "xác định nghiện" in check(person, start=START - timedelta(days=1))["start_date"]
    assert check(person, start=START) == {}


def test_a_suspected_person_cannot_start_rehab():
    errors = check(register(determined=None))
    assert "xác định nghiện" in errors["start_date"]


def test_an_illegal_user_cannot_start_rehab():
    person = register(determined=None)
    record(person, EventKind.POSITIVE_TEST, event_date=date(2024, 1, 10), facility="TTYT")
    record(person, EventKind.MANAGEMENT, event_date=date(2024, 1, 12), doc_number="05/QĐ-UBND")
    assert "xác định nghiện" in check(person)["start_date"]


def test_a_person_determined_not_addicted_cannot_start_rehab():
    person = register(determined=None)
    record(person, EventKind.DETERMINATION, event_date=DETERMINED, addicted=False,
           facility="TTYT")
    assert "start_date" in check(person)


def test_compulsory_rehab_needs_the_court_decision_number_and_the_court():
    errors = check(register(), "compulsory", decision_number=None, decided_by="  ")
    assert errors == {"decision_number": "Vui lòng nhập số quyết định của Tòa án.",
                      "decided_by": "Vui lòng nhập Tòa án ra quyết định."}


def test_an_ongoing_episode_of_the_same_form_is_not_doubled():
    person = register()
    begin(person)
    errors = check(person, start=START + relativedelta(months=2))
    assert errors["start_date"] == ("Trùng thời gian với đợt tại gia đình từ 01/03/2024 (đang cai): "
                                    "mỗi lúc chỉ một đợt cai nghiện.")


def test_an_ongoing_episode_past_its_planned_end_still_blocks_the_same_form():
    person = register()
    begin(person)  # planned to end 01/9/2024, never closed
    assert "start_date" in check(person, start=date(2024, 10, 1))


def test_an_ended_episode_of_the_same_form_overlapping_in_dates_is_refused():
    person = register()
    finish(begin(person), date(2024, 5, 1), "abandoned")
    errors = check(person, "home", start=date(2024, 5, 1))
    assert errors["start_date"] == ("Trùng thời gian với đợt tại gia đình từ 01/03/2024: mỗi lúc "
                                    "chỉ một đợt cai nghiện.")
    # ... and an episode that would end on the first one's first day overlaps too.
    assert "start_date" in check(person, "home", start=date(2023, 9, 1),
                                 planned_end=START)


def test_a_new_episode_of_the_same_form_may_start_the_day_after_the_last_ended():
    person = register()
    finish(begin(person), date(2024, 5, 1), "abandoned")
    assert check(person, "home", start=date(2024, 5, 2)) == {}


def test_one_episode_at_a_time_whatever_the_form():
    person = register()
    begin(person, "home")
    errors = check(person, "community", start=START + timedelta(days=10))
    assert errors["start_date"].endswith("mỗi lúc chỉ một đợt cai nghiện.")
    assert "start_date" in check(person, "compulsory", start=START + timedelta(days=10),
                                 decision_number="1/QĐ-TA", decided_by="TAND")


def test_detox_inside_a_voluntary_episode_follows_the_setting(app):
    from webapp.settings.models import Setting

    person = register()
    begin(person, "home")
    assert check(person, "detox", start=START + timedelta(days=10)) == {}
    db.session.add(Setting(key="detox_inside_voluntary", value=0))
    db.session.flush()
    settings.forget()
    assert "start_date" in check(person, "detox", start=START + timedelta(days=10))


def test_an_ended_episode_cannot_be_ended_again():
    episode = begin(register())
    finish(episode, date(2024, 9, 1))
    errors = validate_episode_end(episode, {"end_date": date(2024, 9, 2),
                                            "outcome": "completed"}, TODAY)
    assert errors == {"end_date": "Đợt cai nghiện này đã kết thúc."}


@pytest.mark.parametrize("outcome", [None, "", "finished"])
def test_ending_an_episode_needs_a_known_outcome(outcome):
    episode = begin(register())
    errors = validate_episode_end(episode, {"end_date": date(2024, 9, 1), "outcome": outcome},
                                  TODAY)
    assert errors == {"outcome": "Vui lòng chọn kết quả."}


# --- Post-rehab opening -----------------------------------------------------------------------

@pytest.mark.parametrize("form", ["home", "community", "facility"])
def test_completed_voluntary_rehab_suggests_12_months_of_post_rehab(form):
    person = register()
    episode = begin(person, form)
    term = finish(episode, date(2024, 9, 1))
    assert (term.status, term.months, term.episode) == ("suggested", 12, episode)
    assert (term.start_date, term.end_date) == (date(2024, 9, 1), date(2025, 9, 1))


def test_completed_methadone_suggests_12_months_of_post_rehab():
    person = register()
    period = methadone(person)
    term = stop(period, date(2025, 3, 1))
    assert (term.status, term.months, term.methadone) == ("suggested", 12, period)
    assert term.end_date == date(2026, 3, 1)


@pytest.mark.parametrize("reason", ["dropped", "moved", "prison"])
def test_methadone_stopped_otherwise_suggests_nothing(reason):
    person = register()
    assert stop(methadone(person), date(2025, 3, 1), reason) is None
    assert person.post_rehab_terms == []


def test_completed_compulsory_rehab_of_an_adult_suggests_24_months():
    term = finish(begin(register(), "compulsory"), date(2025, 3, 1))
    assert (term.months, term.end_date) == (24, date(2027, 3, 1))


def test_completed_compulsory_rehab_of_a_minor_suggests_12_months():
    person = register(born=date(2006, 6, 1))  # 17 at the start, 18 at the end
    episode = begin(person, "compulsory")
    term = finish(episode, date(2024, 12, 1))
    assert (term.months, term.end_date) == (12, date(2025, 12, 1))


def test_completed_detox_suggests_nothing():
    person = register()
    assert finish(begin(person, "detox"), date(2024, 3, 16)) is None
    assert person.post_rehab_terms == []


@pytest.mark.parametrize("outcome", ["abandoned", "relapsed", "to_compulsory", "moved"])
def test_rehab_not_completed_suggests_nothing(outcome):
    person = register()
    assert finish(begin(person), date(2024, 6, 1), outcome) is None
    assert person.post_rehab_terms == []


def test_a_suggestion_is_not_yet_post_rehab_management():
    person = register()
    finish(begin(person), date(2024, 9, 1))
    db.session.commit()
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    [term] = person.post_rehab_terms
    assert term.status == "suggested"
    assert person.treatment is None


@pytest.mark.parametrize("field", ["decision_number", "signer"])
def test_confirming_needs_the_decision_number_and_signer(field):
    term = finish(begin(register()), date(2024, 9, 1))
    errors = validate_confirm(term, decision(date(2024, 9, 10), **{field: " "}), TODAY)
    assert list(errors) == [field]


def test_confirming_needs_a_decision_date():
    term = finish(begin(register()), date(2024, 9, 1))
    assert "decision_date" in validate_confirm(term, decision(None), TODAY)


def test_the_decision_cannot_come_before_the_rehab_ended():
    term = finish(begin(register()), date(2024, 9, 1))
    errors = validate_confirm(term, decision(date(2024, 8, 31)), TODAY)
    assert errors == {"decision_date": "Ngày quyết định không được trước ngày kết thúc cai nghiện."}
    assert validate_confirm(term, decision(date(2024, 9, 1)), TODAY) == {}


def test_the_decision_cannot_be_in_the_future():
    term = finish(begin(register()), date(2024, 9, 1))
    errors = validate_confirm(term, decision(TODAY + timedelta(days=1)), TODAY)
    assert errors == {"decision_date": "Ngày quyết định không được sau ngày hôm nay."}


def test_confirming_runs_the_term_from_the_decision_date():
    person = register()
    term = active_term(person, decided=date(2024, 9, 10))
    assert term.status == "active"
    assert (term.start_date, term.end_date) == (date(2024, 9, 10), date(2025, 9, 10))
    assert (term.decision_number, term.decision_date) == ("51/QĐ-UBND", date(2024, 9, 10))
    assert person.treatment == "post_rehab"


def test_an_adult_compulsory_term_runs_24_months_from_the_decision():
    person = register()
    term = confirm(finish(begin(person, "compulsory"), date(2025, 3, 1)), date(2025, 3, 5))
    assert term.end_date == date(2027, 3, 5)


def test_a_confirmed_term_cannot_be_confirmed_again():
    term = active_term()
    assert validate_confirm(term, decision(date(2024, 9, 12)), TODAY) == {
        "decision_number": "Đề xuất này đã được xử lý."}


def test_a_suggestion_can_be_dismissed():
    person = register()
    term = finish(begin(person), date(2024, 9, 1))
    dismiss_post_rehab(term)
    assert term.status == "dismissed"
    refresh_treatment(person)
    assert person.treatment is None


def test_only_a_suggestion_can_be_dismissed():
    term = active_term()
    with pytest.raises(RegistryError, match="đã được xử lý"):
        dismiss_post_rehab(term)
    assert term.status == "active"
    term2 = finish(begin(register(full_name="Lò Văn Bảy")), date(2024, 9, 1))
    dismiss_post_rehab(term2)
    with pytest.raises(RegistryError):
        dismiss_post_rehab(term2)


# --- Post-rehab end and activities -----------------------------------------------------------

def test_a_term_cannot_be_completed_before_its_end_date():
    term = active_term()  # 10/9/2024 – 10/9/2025
    errors = ending(term, date(2025, 9, 9))
    assert errors["ended_on"].startswith("Chưa hết thời hạn")
    assert "10/09/2025" in errors["ended_on"]


def test_a_term_can_be_completed_on_its_end_date_with_a_certificate():
    person = register()
    term = active_term(person)
    assert ending(term, date(2025, 9, 10)) == {}
    end_post_rehab(term, {"ended_on": date(2025, 9, 10), "end_reason": "completed",
                          "certificate_number": "54/GCN-UBND"})
    assert (term.status, term.certificate_number) == ("completed", "54/GCN-UBND")
    assert person.treatment is None


def test_completing_a_term_needs_the_certificate_number():
    errors = ending(active_term(), date(2025, 9, 10), certificate=None)
    assert errors == {"certificate_number": "Vui lòng nhập số giấy chứng nhận (Mẫu 54)."}


def test_a_relapse_ends_the_term_early():
    person = register()
    term = active_term(person)
    assert ending(term, date(2024, 12, 1), "relapsed", None) == {}
    end_post_rehab(term, {"ended_on": date(2024, 12, 1), "end_reason": "relapsed"})
    assert (term.status, term.end_reason) == ("stopped", "relapsed")
    assert person.treatment is None


def test_an_early_stop_cannot_come_before_the_term_started():
    errors = ending(active_term(), date(2024, 9, 9), "relapsed", None)
    assert errors == {"ended_on": "Ngày kết thúc không được trước ngày bắt đầu."}


def test_ending_needs_a_known_reason():
    assert "end_reason" in ending(active_term(), date(2024, 12, 1), "bored", None)


def test_only_an_active_term_can_be_ended():
    term = finish(begin(register()), date(2024, 9, 1))
    assert list(ending(term, date(2025, 9, 2))) == ["ended_on"]


def test_activities_are_recorded_while_the_term_is_active():
    term = active_term()
    assert activity(term, date(2024, 9, 10), "drug_test") == {}
    add_activity(term, {"kind": "drug_test", "on": date(2024, 9, 10), "positive": False},
                 account())
    db.session.flush()
    assert [a.kind for a in term.activities] == ["drug_test"]


def test_no_activity_before_the_term_started():
    errors = activity(active_term(), date(2024, 9, 9))
    assert errors == {"on": "Ngày không được trước ngày bắt đầu quản lý sau cai."}


def test_no_activity_on_a_suggestion():
    term = finish(begin(register()), date(2024, 9, 1))
    assert activity(term, date(2024, 9, 20)) == {
        "kind": "Chỉ ghi hoạt động khi đang quản lý sau cai."}


def test_no_activity_after_the_term_ended():
    term = active_term()
    end_post_rehab(term, {"ended_on": date(2024, 12, 1), "end_reason": "relapsed"})
    assert "kind" in activity(term, date(2024, 11, 1))


# --- The person's current treatment -----------------------------------------------------------

def test_a_person_is_in_rehab_while_an_episode_is_ongoing():
    person = register()
    assert person.treatment is None
    episode = begin(person)
    assert person.treatment == "in_rehab"
    finish(episode, date(2024, 6, 1), "abandoned")
    assert person.treatment is None


def test_a_person_is_on_methadone_while_treated():
    person = register()
    period = methadone(person)
    assert person.treatment == "methadone"
    stop(period, date(2024, 6, 1), "dropped")
    assert person.treatment is None


def test_rehab_wins_over_methadone():
    person = register()
    methadone(person)
    episode = begin(person, "detox", start=date(2024, 4, 1))
    assert person.treatment == "in_rehab"
    finish(episode, date(2024, 4, 10))
    assert person.treatment == "methadone"


def test_a_person_is_under_post_rehab_management_while_a_confirmed_term_is_active():
    person = register()
    active_term(person)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, person.id).treatment == "post_rehab"


# --- Settings ---------------------------------------------------------------------------------

def test_a_new_default_term_applies_to_new_episodes_only():
    first = register()
    before = begin(first)
    db.session.commit()
    terms = copy.deepcopy(settings.DEFAULTS["rehab_terms"])
    terms["home"]["adult"] = [6, 9, 12]
    terms["home"]["minor"] = [6, 9, 12]
    db.session.add(Setting(key="rehab_terms", value=terms))
    db.session.commit()
    settings.forget()

    after = begin(register(full_name="Lò Văn Bảy"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(RehabEpisode, after.id).planned_end == date(2024, 12, 1)
    assert db.session.get(RehabEpisode, before.id).planned_end == date(2024, 9, 1)
    assert begin(register(full_name="Cà Văn Tám"), "community").planned_end == date(2024, 9, 1)
