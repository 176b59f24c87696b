"""Rules of the registry (registry/services.py), with the database and the demo province.

Persons: validation, saving, versions and the change log, duplicates. The timeline: events and
the state they derive. Moving between communes: request, accept / refuse, cancel. Scoping.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry.models import PERSON_FIELDS, Person, PersonEvent
from webapp.registry.services import (RegistryError, StaleEdit, add_event, cancel_transfer,
                                      decide_transfer, find_duplicates, request_transfer,
                                      save_person, validate_event, validate_person)
from webapp.registry.vocab import EventKind, State
from webapp.scoping import get_person_or_404, scoped_transfers
from webapp.timeutil import today_local
from webapp.units.models import Unit
from webapp.units.services import add_unit, merge_unit

ID_MESSAGE = "Số định danh cá nhân phải gồm 12 chữ số."


# --- Helpers ------------------------------------------------------------------------------------

def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def person_data(**changes) -> dict:
    """A valid person of Xã Tân Hòa (99101), as the form hands it to the service."""
    data = {
        "full_name": "Nguyễn Văn An", "other_names": None, "sex": "M", "birth_date": None,
        "birth_year": 1990, "id_number": None, "ethnicity": "01", "occupation": None,
        "occupation_group": None, "unit": unit("99101"), "address": "Bản Nà Sản",
        "current_address": None, "phone": None, "family_contact": None, "main_drug": "heroin",
        "other_drugs": None, "injecting": False, "notes": None,
    }
    data.update(changes)
    return data


def errors_for(username: str = "xa", today: date | None = None, **changes) -> dict:
    return validate_person(person_data(**changes), account(username), today)


def register(username: str = "xa", unit_code: str = "99101", **changes) -> Person:
    """Validate and save a new person as `username`; committed."""
    user = account(username)
    data = person_data(unit=unit(unit_code), **changes)
    assert validate_person(data, user) == {}
    person = save_person(None, data, user)
    db.session.commit()
    return person


def form_of(person: Person, **changes) -> dict:
    """The edit form of a person, unchanged unless told."""
    data = {name: getattr(person, name) for name in PERSON_FIELDS if name != "unit_id"}
    data["unit"] = person.unit
    data.update(changes)
    return data


def edit(person: Person, username: str = "xa", expected_version: int | None = None,
         **changes) -> Person:
    user = account(username)
    data = form_of(person, **changes)
    assert validate_person(data, user) == {}
    saved = save_person(person, data, user, expected_version)
    db.session.commit()
    return saved


def record(person: Person, kind: EventKind, username: str = "xa", **data) -> PersonEvent:
    """Validate and add an event; committed."""
    assert validate_event(person, kind, data) == {}
    event = add_event(person, kind, data, account(username))
    db.session.commit()
    return event


def person_updates(person: Person) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "Person", AuditEvent.object_id == person.id,
        AuditEvent.action == "update").order_by(AuditEvent.id)))


@pytest.fixture
def acting_as(app):
    """Run service calls as a signed-in user, so the change log names them."""
    @contextmanager
    def act(username: str):
        with app.test_request_context():
            login_user(account(username))
            yield
    return act


@pytest.fixture
def user_in_99101(demo, ctx):
    """A person of Xã Tân Hòa under a management decision (an illegal user)."""
    person = register()
    record(person, EventKind.POSITIVE_TEST, event_date=date(2024, 1, 10), facility="TTYT huyện")
    record(person, EventKind.MANAGEMENT, event_date=date(2024, 1, 12), doc_number="05/QĐ-UBND")
    return person


# --- validate_person: refused input ------------------------------------------------------------

def test_a_person_without_a_name_cannot_be_registered(demo, ctx):
    assert errors_for(full_name="") == {"full_name": "Vui lòng nhập họ và tên."}
    assert errors_for(full_name="   ") == {"full_name": "Vui lòng nhập họ và tên."}


@pytest.mark.parametrize("id_number", ["12345", "00109001234a", "0010900123456"])
def test_an_id_number_must_have_exactly_12_digits(demo, ctx, id_number):
    assert errors_for(id_number=id_number) == {"id_number": ID_MESSAGE}


@pytest.mark.parametrize("id_number", [
    pytest.param("001090012345\n"),
    pytest.param("００１０９００１２３４５"),
], ids=["trailing-newline", "full-width-digits"])
def test_an_id_number_is_twelve_ascii_digits_and_nothing_else(demo, ctx, id_number):
    data = person_data(id_number=id_number)
    errors = validate_person(data, account("xa"))
    assert errors.get("id_number") == ID_MESSAGE or data["id_number"] == "001090012345"


def test_an_id_number_typed_with_spaces_is_accepted_and_stored_without_them(demo, ctx):
    person = register(id_number="001 090 012 345")
    db.session.expire_all()
    assert db.session.get(Person, person.id).id_number == "001090012345"


def test_a_birth_date_in_the_future_is_refused(demo, ctx):
    tomorrow = today_local() + timedelta(days=1)
    assert "birth" in errors_for(birth_date=tomorrow, birth_year=tomorrow.year)
    assert "birth" in errors_for(birth_year=today_local().year + 1)


def test_a_person_under_12_cannot_be_registered(demo, ctx):
    errors = errors_for(birth_year=today_local().year - 11)
    assert set(errors) == {"birth"}
    assert "12 tuổi" in errors["birth"]


def test_a_person_born_12_years_ago_by_year_only_can_be_registered(demo, ctx):
    assert errors_for(birth_year=today_local().year - 12) == {}


def test_a_person_who_turns_12_today_can_be_registered(demo, ctx):
    born = today_local() - relativedelta(years=12)
    assert errors_for(birth_date=born, birth_year=born.year) == {}


def test_a_person_who_turns_12_tomorrow_cannot_be_registered(demo, ctx):
    born = today_local() - relativedelta(years=12) + timedelta(days=1)
    assert set(errors_for(birth_date=born, birth_year=born.year)) == {"birth"}


def test_notes_longer_than_2000_characters_are_refused(demo, ctx):
    errors = errors_for(notes="x" * 5000)
    assert set(errors) == {"notes"}
    assert "2.000" in errors["notes"]


def test_notes_of_exactly_2000_characters_are_accepted(demo, ctx):
    assert errors_for(notes="x" * 2000) == {}


def test_a_name_typed_with_combining_marks_is_stored_in_nfc(demo, ctx):
    person = register(full_name="Nguye\u0302\u0303n Văn An")
    db.session.expire_all()
    stored = db.session.get(Person, person.id)
    assert stored.full_name == "Nguy\u1ec5n Văn An"
    assert stored.name_folded == "nguyen van an"


def test_html_in_a_field_is_stored_verbatim(demo, ctx):
    markup = '<script>alert("x")</script> & <b>đậm</b>'
    person = register(notes=markup, occupation="<i>Làm ruộng</i>")
    db.session.expire_all()
    stored = db.session.get(Person, person.id)
    assert stored.notes == markup
    assert stored.occupation == "<i>Làm ruộng</i>"


def test_a_commune_officer_cannot_register_a_person_in_another_commune(demo, ctx):
    assert set(errors_for("xa", unit=unit("99201"))) == {"unit"}
    assert set(errors_for("xa", unit=unit("99102"))) == {"unit"}


def test_a_district_cannot_be_a_persons_residence(demo, ctx):
    assert set(errors_for("huyen", unit=unit("991"))) == {"unit"}


def test_a_residence_is_required(demo, ctx):
    assert set(errors_for(unit=None)) == {"unit"}


def test_a_merged_commune_cannot_be_chosen_as_residence(demo, ctx):
    merge_unit(unit("99101"), unit("99102"), on=today_local() - timedelta(days=1))
    db.session.commit()
    errors = errors_for(unit=unit("99101"))
    assert set(errors) == {"unit"}
    assert "sáp nhập" in errors["unit"]


def test_a_commune_merging_tomorrow_can_still_be_chosen(demo, ctx):
    merge_unit(unit("99101"), unit("99102"), on=today_local() + timedelta(days=1))
    db.session.commit()
    assert errors_for(unit=unit("99101")) == {}


# --- save_person: versions and the change log --------------------------------------------------

def test_a_new_person_starts_at_version_1_with_its_derived_fields(demo, ctx):
    person = register()
    assert person.version == 1
    assert person.state == State.SUSPECTED.value
    assert person.born_on == date(1990, 1, 1)
    assert person.created_by_id == account("xa").id


def test_a_change_bumps_the_version_by_one(demo, ctx):
    person = register()
    edit(person, occupation="Làm ruộng")
    assert person.version == 2
    assert db.session.get(Person, person.id).occupation == "Làm ruộng"


def test_saving_an_unchanged_form_keeps_the_version_and_logs_nothing(demo, ctx, acting_as):
    person = register()
    with acting_as("xa"):
        edit(person, expected_version=1)
    db.session.expire_all()
    assert db.session.get(Person, person.id).version == 1
    assert person_updates(person) == []


def test_every_change_is_logged_with_old_and_new_values_and_the_officer(demo, ctx, acting_as):
    person = register(occupation="Làm ruộng")
    with acting_as("xa"):
        edit(person, expected_version=1, occupation="Buôn bán", phone="0912345678")
    [entry] = person_updates(person)
    assert entry.user_id == account("xa").id
    assert entry.changes == {"occupation": ["Làm ruộng", "Buôn bán"],
                             "phone": [None, "0912345678"], "version": [1, 2]}


def test_editing_a_form_opened_before_someone_elses_save_is_refused(demo, ctx, acting_as):
    person = register()
    with acting_as("xa"):
        edit(person, expected_version=1, occupation="Làm ruộng")
    with acting_as("huyen"):
        edit(person, expected_version=2, phone="0912345678")
    assert person.version == 3

    with pytest.raises(StaleEdit) as caught:
        save_person(person, form_of(person, notes="Sửa từ form cũ"), account("xa"),
                    expected_version=1)
    changes = caught.value.changes()
    assert [sorted(set(e.changes) - {"version"}) for e in changes] == [["occupation"], ["phone"]]
    assert [e.user_id for e in changes] == [account("xa").id, account("huyen").id]
    db.session.rollback()
    assert db.session.get(Person, person.id).notes is None


def test_a_stale_edit_lists_only_the_edits_made_after_the_version_seen(demo, ctx, acting_as):
    person = register()
    with acting_as("xa"):
        edit(person, occupation="Làm ruộng")
        edit(person, phone="0912345678")
    with pytest.raises(StaleEdit) as caught:
        save_person(person, form_of(person, notes="x"), account("xa"), expected_version=2)
    assert [sorted(e.changes) for e in caught.value.changes()] == [["phone", "version"]]


# --- find_duplicates ---------------------------------------------------------------------------

def test_the_same_id_number_in_another_district_is_reported_by_commune_only(demo, ctx):
    other = register("xa3", "99201", full_name="Lò Văn Pọm", birth_year=1985,
                     id_number="001090012345")
    [dupe] = find_duplicates(person_data(full_name="lo van pom", id_number="001090012345"),
                             account("xa"))
    assert dupe.reason == "id_number"
    assert dupe.blocking
    assert dupe.person_id == other.id
    assert dupe.unit.code == "99201"
    assert dupe.in_scope is False
    assert dupe.full_name is None


def test_the_same_id_number_alone_outside_the_scope_tells_nothing_but_blocks(demo, ctx):
    """Not an oracle: with another name, not even the commune is told."""
    register("xa3", "99201", full_name="Lò Văn Pọm", birth_year=1985, id_number="001090012345")
    [dupe] = find_duplicates(person_data(id_number="001090012345"), account("xa"))
    assert (dupe.reason, dupe.unit, dupe.full_name, dupe.in_scope) == (
        "id_number_elsewhere", None, None, False)
    assert dupe.blocking


def test_the_same_folded_name_and_birth_year_in_the_province_is_a_possible_duplicate(demo, ctx):
    other = register("xa3", "99201", full_name="Nguyễn Văn An", birth_year=1990)
    [dupe] = find_duplicates(person_data(full_name="nguyen van an", birth_year=1990),
                             account("xa"))
    assert dupe.reason == "name_birth"
    assert not dupe.blocking
    assert dupe.person_id == other.id
    assert dupe.unit.code == "99201"
    assert (dupe.in_scope, dupe.full_name) == (False, None)


def test_a_duplicate_in_scope_shows_the_persons_name(demo, ctx):
    register("xa", "99101")
    [dupe] = find_duplicates(person_data(full_name="NGUYEN VAN AN"), account("huyen"))
    assert (dupe.in_scope, dupe.full_name) == (True, "Nguyễn Văn An")


def test_the_same_name_with_another_birth_year_is_not_a_duplicate(demo, ctx):
    register("xa3", "99201", birth_year=1990)
    assert find_duplicates(person_data(birth_year=1991), account("xa")) == []


def _second_province_person(**changes) -> Person:
    province = add_unit("98", "Tỉnh Khác", "tinh")
    district = add_unit("981", "Huyện Khác", "huyen", province)
    commune = add_unit("98101", "Xã Khác", "xa", district)
    db.session.flush()
    # Created directly: no demo officer has this commune in scope.
    person = save_person(None, person_data(unit=commune, **changes), account("admin"))
    db.session.commit()
    return person


def test_the_same_name_and_birth_year_in_another_province_is_not_a_duplicate(demo, ctx):
    _second_province_person()
    assert find_duplicates(person_data(), account("xa")) == []


def test_the_same_id_number_in_another_province_is_a_duplicate(demo, ctx):
    _second_province_person(full_name="Lò Văn Pọm", id_number="001090012345")
    [dupe] = find_duplicates(person_data(full_name="Lò Văn Pọm", id_number="001090012345"),
                             account("xa"))
    assert (dupe.reason, dupe.unit.code, dupe.full_name) == ("id_number", "98101", None)
    [dupe] = find_duplicates(person_data(id_number="001090012345"), account("xa"))
    assert (dupe.reason, dupe.unit, dupe.blocking) == ("id_number_elsewhere", None, True)


def test_the_person_being_edited_is_not_their_own_duplicate(demo, ctx):
    person = register(id_number="001090012345")
    data = form_of(person)
    assert len(find_duplicates(data, account("xa"))) == 1
    assert find_duplicates(data, account("xa"), exclude_id=person.id) == []


# --- The timeline -------------------------------------------------------------------------------

def test_an_event_cannot_be_dated_in_the_future(demo, ctx):
    person = register()
    today = today_local()
    errors = validate_event(person, EventKind.POSITIVE_TEST,
                            {"event_date": today + timedelta(days=1)})
    assert set(errors) == {"event_date"}
    assert validate_event(person, EventKind.POSITIVE_TEST, {"event_date": today}) == {}


def test_an_event_cannot_be_dated_before_the_persons_birth(demo, ctx):
    person = register(birth_date=date(1990, 5, 10), birth_year=1990)
    errors = validate_event(person, EventKind.POSITIVE_TEST, {"event_date": date(1990, 5, 9)})
    assert set(errors) == {"event_date"}


def test_an_event_cannot_be_dated_before_a_birth_year(demo, ctx):
    person = register(birth_year=1990)
    errors = validate_event(person, EventKind.POSITIVE_TEST, {"event_date": date(1989, 12, 31)})
    assert set(errors) == {"event_date"}


def test_a_determination_needs_a_conclusion_and_a_facility(demo, ctx):
    person = register()
    errors = validate_event(person, EventKind.DETERMINATION, {"event_date": date(2024, 3, 1)})
    assert set(errors) == {"addicted", "facility"}
    ok = {"event_date": date(2024, 3, 1), "addicted": False, "facility": "TTYT huyện"}
    assert validate_event(person, EventKind.DETERMINATION, ok) == {}


@pytest.mark.parametrize("reason", [None, "", "bogus"])
def test_a_closing_needs_a_known_reason(demo, ctx, reason):
    person = register()
    errors = validate_event(person, EventKind.CLOSING,
                            {"event_date": date(2024, 3, 1), "reason": reason})
    assert set(errors) == {"reason"}


def test_a_management_decision_needs_a_number(demo, ctx):
    person = register()
    errors = validate_event(person, EventKind.MANAGEMENT, {"event_date": date(2024, 3, 1)})
    assert set(errors) == {"doc_number"}


def test_no_management_decision_for_a_person_addicted_at_that_date(demo, ctx):
    person = register()
    record(person, EventKind.POSITIVE_TEST, event_date=date(2024, 1, 10))
    record(person, EventKind.DETERMINATION, event_date=date(2024, 2, 1), addicted=True,
           facility="TTYT huyện")
    errors = validate_event(person, EventKind.MANAGEMENT,
                            {"event_date": date(2024, 2, 1), "doc_number": "07/QĐ"})
    assert set(errors) == {"event_date"}
    assert "nghiện" in errors["event_date"]
    # The day before the determination the person was still only a user.
    assert validate_event(person, EventKind.MANAGEMENT,
                          {"event_date": date(2024, 1, 31), "doc_number": "07/QĐ"}) == {}


@pytest.mark.parametrize("reason", ["death", "entry_error"])
def test_nothing_can_be_recorded_after_a_final_closing(demo, ctx, reason):
    person = register()
    record(person, EventKind.POSITIVE_TEST, event_date=date(2024, 1, 10))
    record(person, EventKind.CLOSING, event_date=date(2024, 3, 1), reason=reason)
    for kind, data in [
        (EventKind.POSITIVE_TEST, {"event_date": date(2024, 6, 1)}),
        (EventKind.DETERMINATION, {"event_date": date(2024, 6, 1), "addicted": True,
                                   "facility": "TTYT huyện"}),
        (EventKind.CLOSING, {"event_date": date(2024, 6, 1), "reason": "term_ended"}),
    ]:
        assert set(validate_event(person, kind, data)) == {"event_date"}, kind


def test_a_positive_test_after_the_term_ended_reopens_the_file(demo, ctx):
    person = register()
    record(person, EventKind.POSITIVE_TEST, event_date=date(2023, 1, 10))
    record(person, EventKind.CLOSING, event_date=date(2024, 1, 12), reason="term_ended")
    record(person, EventKind.POSITIVE_TEST, event_date=date(2024, 6, 1))
    assert person.state == State.USER.value


def test_a_closed_file_cannot_be_closed_again(demo, ctx):
    person = register()
    record(person, EventKind.CLOSING, event_date=date(2024, 1, 12), reason="prison")
    errors = validate_event(person, EventKind.CLOSING,
                            {"event_date": date(2024, 2, 1), "reason": "moved_away"})
    assert set(errors) == {"event_date"}


def test_the_default_management_term_is_12_months_from_the_decision(demo, ctx):
    person = register()
    data = {"event_date": date(2024, 3, 15), "doc_number": "07/QĐ"}
    assert validate_event(person, EventKind.MANAGEMENT, data) == {}
    assert data["term_end"] == date(2025, 3, 15)


def test_a_decision_of_29_february_ends_on_28_february_of_the_next_year(demo, ctx):
    person = register()
    data = {"event_date": date(2024, 2, 29), "doc_number": "07/QĐ"}
    assert validate_event(person, EventKind.MANAGEMENT, data) == {}
    assert data["term_end"] == date(2025, 2, 28)


def test_a_term_end_on_or_before_the_decision_is_refused(demo, ctx):
    person = register()
    data = {"event_date": date(2024, 3, 15), "doc_number": "07/QĐ", "term_end": date(2024, 3, 15)}
    assert set(validate_event(person, EventKind.MANAGEMENT, data)) == {"term_end"}


def test_adding_an_event_re_derives_the_stored_state(demo, ctx):
    person = register()
    record(person, EventKind.POSITIVE_TEST, event_date=date(2024, 1, 10))
    record(person, EventKind.MANAGEMENT, event_date=date(2024, 1, 12), doc_number="07/QĐ")
    db.session.expire_all()
    stored = db.session.get(Person, person.id)
    assert (stored.state, stored.state_since, stored.management_until) == (
        "user", date(2024, 1, 10), date(2025, 1, 12))

    record(stored, EventKind.DETERMINATION, event_date=date(2024, 2, 1), addicted=True,
           facility="TTYT huyện")
    db.session.expire_all()
    stored = db.session.get(Person, person.id)
    assert (stored.state, stored.state_since, stored.management_until) == (
        "addict", date(2024, 2, 1), None)


def test_recording_events_does_not_change_the_files_version(user_in_99101):
    db.session.expire_all()
    assert db.session.get(Person, user_in_99101.id).version == 1


# --- Transfers between communes -----------------------------------------------------------------

def test_an_accepted_transfer_moves_the_person_with_their_whole_history(user_in_99101):
    person = user_in_99101
    request = request_transfer(person, unit("99102"), account("xa"), "Chuyển về nhà vợ")
    decide_transfer(request, True, account("xa2"))
    db.session.commit()
    db.session.expire_all()

    person = db.session.get(Person, person.id)
    assert person.unit.code == "99102"
    assert request.status == "accepted"
    assert request.decided_by_id == account("xa2").id
    assert [e.kind for e in person.events] == ["positive_test", "management", "transfer"]
    moved = person.events[-1]
    assert (moved.from_unit.code, moved.to_unit.code) == ("99101", "99102")
    assert moved.event_date == today_local()
    assert person.state == State.USER.value  # a transfer changes where, not what
    assert get_person_or_404(account("xa2"), person.id) is person
    with pytest.raises(NotFound):
        get_person_or_404(account("xa"), person.id)


def test_the_receiving_commune_may_refuse_only_with_a_reason(user_in_99101):
    request = request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    for reason in (None, "", "   "):
        with pytest.raises(RegistryError) as caught:
            decide_transfer(request, False, account("xa2"), reason)
        assert caught.value.field == "reason"
    assert request.status == "pending"

    decide_transfer(request, False, account("xa2"), "Không cư trú tại xã")
    db.session.commit()
    assert request.status == "refused"
    assert request.reason == "Không cư trú tại xã"
    assert user_in_99101.unit.code == "99101"
    assert [e.kind for e in user_in_99101.events] == ["positive_test", "management"]


def test_a_commune_cannot_decide_its_own_request(user_in_99101):
    request = request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    for username in ("xa", "huyen", "xa3"):
        with pytest.raises(RegistryError):
            decide_transfer(request, True, account(username))
    assert request.status == "pending"


def test_a_person_can_have_only_one_pending_transfer(user_in_99101):
    first = request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    with pytest.raises(RegistryError):
        request_transfer(user_in_99101, unit("99103"), account("xa"), None)
    decide_transfer(first, False, account("xa2"), "Không cư trú tại xã")
    assert request_transfer(user_in_99101, unit("99103"), account("xa"), None).status == "pending"


def test_the_new_commune_may_ask_for_the_file_and_the_old_one_decides(user_in_99101):
    request = request_transfer(user_in_99101, unit("99101"), account("xa2"), "Đã chuyển đến",
                               incoming=True)
    assert (request.from_unit.code, request.to_unit.code) == ("99101", "99102")
    with pytest.raises(RegistryError):
        decide_transfer(request, True, account("xa2"))
    decide_transfer(request, True, account("xa"))
    db.session.commit()
    assert user_in_99101.unit.code == "99102"


def test_only_the_requesting_commune_may_cancel(user_in_99101):
    request = request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    with pytest.raises(RegistryError):
        cancel_transfer(request, account("xa2"))
    cancel_transfer(request, account("xa"))
    assert request.status == "cancelled"
    with pytest.raises(RegistryError):
        decide_transfer(request, True, account("xa2"))


def test_a_district_reviewer_cannot_request_a_transfer(user_in_99101):
    with pytest.raises(RegistryError):
        request_transfer(user_in_99101, unit("99102"), account("huyen"), None)


def test_a_commune_cannot_send_a_file_it_does_not_hold(user_in_99101):
    with pytest.raises(RegistryError):
        request_transfer(user_in_99101, unit("99103"), account("xa2"), None)


@pytest.mark.parametrize("code", ["991", "99101"])
def test_a_transfer_goes_to_another_commune(user_in_99101, code):
    with pytest.raises(RegistryError) as caught:
        request_transfer(user_in_99101, unit(code), account("xa"), None)
    assert caught.value.field == "to_unit"


def test_a_closed_person_cannot_be_transferred(user_in_99101):
    record(user_in_99101, EventKind.CLOSING, event_date=date(2024, 3, 1), reason="prison")
    with pytest.raises(RegistryError):
        request_transfer(user_in_99101, unit("99102"), account("xa"), None)


def _person_moves(person: Person) -> list[list]:
    return [e.changes["unit_id"] for e in person_updates(person) if "unit_id" in (e.changes or {})]


def test_an_accepted_transfer_is_in_the_persons_change_log(user_in_99101, acting_as):
    request = request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    with acting_as("xa2"):
        decide_transfer(request, True, account("xa2"))
        db.session.commit()
    assert _person_moves(user_in_99101) == [[unit("99101").id, unit("99102").id]]


def test_the_log_entry_of_an_event_names_the_person(user_in_99101):
    entries = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "PersonEvent", AuditEvent.action == "create")).all()
    assert len(entries) == 2
    assert [e.changes.get("person_id") for e in entries] == [[None, user_in_99101.id]] * 2


def test_a_file_cannot_be_sent_to_a_merged_commune(user_in_99101):
    merge_unit(unit("99102"), unit("99103"), on=today_local() - timedelta(days=1))
    with pytest.raises(RegistryError) as caught:
        request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    assert caught.value.field == "to_unit"


def test_a_person_closed_while_a_transfer_is_pending_cannot_be_accepted(user_in_99101):
    request = request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    record(user_in_99101, EventKind.CLOSING, event_date=date(2024, 3, 1), reason="death")
    with pytest.raises(RegistryError):
        decide_transfer(request, True, account("xa2"))


# --- Scoping -------------------------------------------------------------------------------------

def test_a_commune_officer_cannot_open_another_communes_person(demo, ctx):
    person = register()
    assert get_person_or_404(account("xa"), person.id) is person
    with pytest.raises(NotFound):
        get_person_or_404(account("xa2"), person.id)


def test_an_administrator_does_not_see_case_files(demo, ctx):
    person = register()
    with pytest.raises(NotFound):
        get_person_or_404(account("admin"), person.id)


def test_a_district_reviewer_sees_the_persons_of_its_communes_only(demo, ctx):
    first = register("xa", "99101")
    second = register("xa2", "99102", full_name="Quàng Văn Ba")
    for person in (first, second):
        assert get_person_or_404(account("huyen"), person.id) is person
        assert get_person_or_404(account("tinh"), person.id) is person
        with pytest.raises(NotFound):
            get_person_or_404(account("huyen2"), person.id)


def test_a_pending_transfer_is_seen_by_both_communes_and_their_district_only(user_in_99101):
    request = request_transfer(user_in_99101, unit("99102"), account("xa"), None)
    db.session.commit()

    def sees(username):
        return request in db.session.scalars(scoped_transfers(account(username))).all()

    assert [u for u in ("xa", "xa2", "huyen", "tinh") if not sees(u)] == []
    assert [u for u in ("xa3", "huyen2", "admin") if sees(u)] == []


def test_the_age_is_relativedeltas_count_of_years_on_every_day_even_born_on_29_february():
    from datetime import date, timedelta

    from dateutil.relativedelta import relativedelta

    from webapp.registry.services import age_on

    for born in (date(2000, 2, 29), date(1990, 5, 31), date(1985, 1, 1), date(1999, 12, 31)):
        day = born
        while day < born.replace(year=born.year + 5, day=28):
            assert age_on(day, born) == relativedelta(day, born).years, (born, day)
            day += timedelta(days=1)
