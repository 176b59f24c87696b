"""Correcting or voiding ("ghi nhầm") an entry of a file, through the services and the pages.

A change needs a reason, is refused when it would leave the file contradicting itself (nothing
is half-written), is kept in the audit with old → new and the reason, and is followed by the
state, the periods, the treatment and the figures. Voiding the closing of a file reopens it.
Only the officer of the commune keeping the file may do it, on a form that is not stale.
"""
from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import corrections
from webapp.registry.models import Person, PersonEvent, PersonPeriod
from webapp.registry.services import add_event, save_person, validate_event, validate_person
from webapp.registry.vocab import EventKind
from webapp.reports.figures import as_values, compute
from webapp.treatment.models import RehabEpisode
from webapp.treatment.services import (end_episode, start_episode, validate_episode,
                                       validate_episode_end)
from webapp.units.models import Unit

BORN = date(1990, 5, 10)
DETERMINED = date(2025, 1, 10)
REHAB = date(2025, 2, 1)

pytestmark = pytest.mark.usefixtures("demo")


# --- Building a file ----------------------------------------------------------------------------

def unit(code: str = "99101") -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str = "xa") -> User:
    return db.session.scalar(select(User).where(User.username == username))


def register(full_name: str = "Lò Văn An") -> Person:
    data = {"full_name": full_name, "sex": "M", "birth_date": BORN, "birth_year": BORN.year,
            "unit": unit(), "ethnicity": "01", "occupation_group": "agri", "main_drug": "heroin"}
    assert validate_person(data, account()) == {}
    return save_person(None, data, account())


def record(person: Person, kind: EventKind, on: date, **data) -> PersonEvent:
    data["event_date"] = on
    if kind == EventKind.DETERMINATION:
        data.setdefault("addicted", True)
        data.setdefault("facility", "Trung tâm Y tế huyện Tân Lập")
    assert validate_event(person, kind, data) == {}
    event = add_event(person, kind, data, account())
    db.session.flush()
    return event


def begin(person: Person, form: str = "home", start: date = REHAB) -> RehabEpisode:
    data = {"form": form, "start_date": start}
    assert validate_episode(person, data) == {}
    episode = start_episode(person, data, account())
    db.session.flush()
    return episode


def finish(episode: RehabEpisode, end: date, outcome: str = "abandoned"):
    data = {"end_date": end, "outcome": outcome}
    assert validate_episode_end(episode, data) == {}
    suggestion = end_episode(episode, data, account())
    db.session.flush()
    return suggestion


def addict(full_name: str = "Lò Văn An") -> Person:
    person = register(full_name)
    record(person, EventKind.DETERMINATION, DETERMINED)
    return person


def figures(year: int, month: int) -> dict[str, int]:
    return as_values(compute(unit(), year, month))


def updates(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == object_id,
        AuditEvent.action == "update").order_by(AuditEvent.id)))


# --- Reading the pages --------------------------------------------------------------------------

class _Forms(HTMLParser):
    """Every form's action and the values it would send as it stands (inputs, selected options,
    textareas)."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            self._form[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self._form.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._form[self._textarea] = self._form[self._textarea].strip("\n")
            self._textarea = None


def forms_of(html: str) -> dict[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def text(response) -> str:
    return response.get_data(as_text=True)


def entry_url(pid: int, kind: str, eid: int) -> str:
    return f"/persons/{pid}/entries/{kind}/{eid}"


def opened(client, pid: int, kind: str, eid: int) -> tuple[dict, dict]:
    """(correction form, void form) as the entry's page fills them in."""
    page = client.get(entry_url(pid, kind, eid))
    assert page.status_code == 200
    forms = forms_of(text(page))
    return forms.get(entry_url(pid, kind, eid) + "/correct"), forms[entry_url(pid, kind, eid) + "/void"]


def field_error(html: str, name: str) -> str:
    """The error shown beside the field `name` (empty if it has none)."""
    match = re.search(rf'<div class="field has-error">\s*<label for="{re.escape(name)}">.*?</div>',
                      html, re.S)
    return match.group(0) if match else ""


# --- Services: reasons, refusals, what follows a change ----------------------------------------

def test_voiding_needs_a_reason_and_a_voided_entry_cannot_be_voided_again(ctx):
    person = addict()
    determination = person.events[0]
    for reason in (None, "", "   \n"):
        assert corrections.void(determination, reason, account()) == {
            "why": "Vui lòng nhập lý do hủy (ghi nhầm)."}
    assert corrections.void(determination, "x" * 501, account()) == {
        "why": "Lý do tối đa 500 ký tự."}
    assert determination.voided_at is None and person.state == "addict"

    assert corrections.void(determination, "x" * 500, account()) == {}
    assert determination.voided_at is not None and determination.voided_by_id == account().id
    assert person.state == "suspected"  # the file is derived again at once
    assert corrections.void(determination, "Lần nữa", account()) == {
        "why": "Mục này đã được hủy trước đó."}
    assert corrections.correct(determination, {"event_date": DETERMINED, "addicted": False},
                               "Sửa", account()) == {
        "why": "Mục này đã bị hủy (ghi nhầm); không sửa được."}


def test_a_correction_needs_a_reason_and_a_change(ctx):
    test = record(register(), EventKind.POSITIVE_TEST, date(2025, 3, 1))
    data = {"event_date": date(2025, 3, 5), "facility": None, "doc_number": None, "note": None}
    assert corrections.correct(test, dict(data), "  ", account())["why"] == (
        "Vui lòng nhập lý do sửa.")
    same = {**data, "event_date": date(2025, 3, 1)}
    assert corrections.correct(test, same, "Sửa", account()) == {
        "why": "Không có thông tin nào thay đổi."}
    assert test.event_date == date(2025, 3, 1) and test.corrected_at is None
    assert corrections.correct(test, dict(data), "Ghi nhầm ngày", account()) == {}
    assert test.event_date == date(2025, 3, 5) and test.correction_reason == "Ghi nhầm ngày"


def test_a_voided_episode_no_longer_counts_as_in_rehab(ctx):
    person = addict()
    episode = begin(person)
    db.session.commit()
    before = figures(2025, 3)
    assert (before["ongoing.total"], before["ongoing.home"]) == (1, 1)
    assert figures(2025, 2)["flow.rehab_started"] == 1
    assert person.treatment == "in_rehab"

    assert corrections.void(episode, "Ghi nhầm người", account()) == {}
    db.session.commit()
    db.session.expire_all()
    after = figures(2025, 3)
    assert (after["ongoing.total"], after["ongoing.home"]) == (0, 0)
    assert figures(2025, 2)["flow.rehab_started"] == 0
    assert after["quota.home.achieved"] == 0
    assert db.session.get(Person, person.id).treatment is None
    assert after["persons.addict"] == 1  # the person is still an addict, just not in rehab


def test_voiding_a_completed_rehab_takes_its_post_rehab_suggestion_with_it(ctx):
    person = addict()
    suggestion = finish(begin(person), date(2025, 8, 1), "completed")
    assert suggestion is not None and suggestion.status == "suggested"
    assert corrections.void(suggestion.episode, "Nhập trùng", account()) == {}
    assert suggestion.voided_at is not None and suggestion.void_reason == "Nhập trùng"


def test_voiding_the_determination_an_episode_depends_on_is_refused_and_changes_nothing(ctx):
    person = addict()
    begin(person)
    db.session.commit()
    determination = person.events[0]

    errors = corrections.void(determination, "Nhầm kết luận", account())
    assert errors["start_date"] == "Bắt đầu cai nghiện khi chưa có kết luận “có nghiện”."
    assert errors["why"].startswith("Không thể lưu vì hồ sơ sẽ mâu thuẫn: ")
    assert "Bắt đầu cai nghiện khi chưa có kết luận" in errors["why"]
    assert determination.voided_at is None and determination.void_reason is None
    assert person.state == "addict"
    db.session.rollback()
    assert db.session.get(PersonEvent, determination.id).voided_at is None
    assert updates("PersonEvent", determination.id) == []

    # Void the episode first (it was the mistake), and the determination can go too.
    assert corrections.void(person.episodes[0], "Ghi nhầm", account()) == {}
    assert corrections.void(determination, "Nhầm kết luận", account()) == {}
    assert person.state == "suspected"


def test_correcting_the_determination_to_not_addicted_under_an_episode_is_refused(ctx):
    person = addict()
    begin(person)
    db.session.commit()
    determination = person.events[0]
    data = {"event_date": DETERMINED, "addicted": False, "facility": "Trung tâm Y tế huyện",
            "doc_number": None, "note": None}
    errors = corrections.correct(determination, data, "Sai kết luận", account())
    assert errors["start_date"] == "Bắt đầu cai nghiện khi chưa có kết luận “có nghiện”."
    assert determination.addicted is True and determination.corrected_at is None  # undone
    assert determination.facility == "Trung tâm Y tế huyện Tân Lập"
    db.session.rollback()
    assert db.session.get(PersonEvent, determination.id).addicted is True


def test_after_a_death_nothing_can_be_recorded_until_the_closing_is_voided(ctx):
    person = addict()
    death = record(person, EventKind.CLOSING, date(2025, 6, 1), reason="death")
    db.session.commit()
    later = {"event_date": date(2025, 7, 1)}
    assert validate_event(person, EventKind.POSITIVE_TEST, dict(later))["event_date"] == (
        "Hồ sơ đã đưa ra khỏi danh sách vì lý do “chết”; không thể ghi thêm.")
    assert person.state == "closed" and person.closed_reason == "death"

    assert corrections.void(death, "Nhầm người đã chết", account()) == {}
    db.session.commit()
    db.session.expire_all()
    reopened = db.session.get(Person, person.id)
    assert reopened.state == "addict" and reopened.closed_reason is None
    assert validate_event(reopened, EventKind.POSITIVE_TEST, dict(later)) == {}
    periods = db.session.scalars(select(PersonPeriod).where(
        PersonPeriod.person_id == person.id).order_by(PersonPeriod.start_date)).all()
    assert [(p.state, p.end_date) for p in periods][-1] == ("addict", None)


def test_an_event_date_cannot_be_corrected_to_before_birth_or_into_the_future(ctx):
    test = record(register(), EventKind.POSITIVE_TEST, date(2025, 3, 1))
    base = {"facility": None, "doc_number": None, "note": None}
    errors = corrections.correct(test, {**base, "event_date": date(1990, 5, 9)}, "Sửa ngày",
                                 account())
    assert errors["event_date"] == "Ngày không được trước ngày sinh của người này."
    errors = corrections.correct(test, {**base, "event_date": date(2099, 1, 1)}, "Sửa ngày",
                                 account())
    assert errors["event_date"] == "Ngày không được sau ngày hôm nay."
    assert test.event_date == date(2025, 3, 1) and test.corrected_at is None


def test_a_management_decision_cannot_be_corrected_to_end_before_it_starts(ctx):
    person = register()
    record(person, EventKind.POSITIVE_TEST, date(2025, 3, 1))
    decision = record(person, EventKind.MANAGEMENT, date(2025, 3, 3), doc_number="1/QĐ",
                      term_end=date(2026, 3, 3))
    data = {"event_date": date(2025, 3, 3), "doc_number": "1/QĐ", "signer": None,
            "term_end": date(2025, 3, 3), "note": None}
    errors = corrections.correct(decision, data, "Sửa hạn", account())
    assert errors["term_end"] == "Ngày hết hạn quản lý phải sau ngày quyết định."
    assert decision.term_end == date(2026, 3, 3)


# --- Pages --------------------------------------------------------------------------------------

@pytest.fixture
def two_episodes(app):
    """An addict with a home rehab 01/02–01/08/2025 (abandoned) and a community rehab from
    01/09/2025 (still going): (person id, second episode id)."""
    with app.app_context():
        person = addict()
        finish(begin(person), date(2025, 8, 1))
        second = begin(person, "community", date(2025, 9, 1))
        db.session.commit()
        return person.id, second.id


def test_correcting_an_episode_into_an_overlap_is_refused_beside_the_date(app, login_as,
                                                                        two_episodes):
    pid, eid = two_episodes
    client = login_as("xa")
    form, _ = opened(client, pid, "episode", eid)
    assert form["fix-start_date"] == "01/09/2025" and form["fix-form"] == "community"
    response = client.post(entry_url(pid, "episode", eid) + "/correct",
                           data={**form, "fix-start_date": "01/07/2025", "fix-why": "Sai ngày"})
    assert response.status_code == 422
    beside = field_error(text(response), "fix-start_date")
    assert "Trùng thời gian với đợt tại gia đình từ 01/02/2025: mỗi lúc chỉ một đợt cai nghiện." \
        in beside
    with app.app_context():
        episode = db.session.get(RehabEpisode, eid)
        assert episode.start_date == date(2025, 9, 1)
        assert episode.corrected_at is None and episode.correction_reason is None
        assert updates("RehabEpisode", eid) == []

    # The day after the first one ended is free.
    response = client.post(entry_url(pid, "episode", eid) + "/correct",
                           data={**form, "fix-start_date": "02/08/2025", "fix-why": "Sai ngày"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(RehabEpisode, eid).start_date == date(2025, 8, 2)


def test_a_correction_is_kept_with_old_and_new_values_and_its_reason(app, demo, login_as):
    with app.app_context():
        person = register()
        test = record(person, EventKind.POSITIVE_TEST, date(2025, 3, 1), facility="TTYT xã")
        db.session.commit()
        pid, eid = person.id, test.id
    client = login_as("xa")
    form, _ = opened(client, pid, "event", eid)
    response = client.post(entry_url(pid, "event", eid) + "/correct",
                           data={**form, "fix-event_date": "05/03/2025",
                                 "fix-why": "Ghi nhầm ngày trên phiếu"})
    assert response.status_code == 303
    with app.app_context():
        [entry] = updates("PersonEvent", eid)
        assert entry.user_id == demo["users"]["xa"]
        assert entry.changes["event_date"] == ["2025-03-01", "2025-03-05"]
        assert entry.changes["correction_reason"] == [None, "Ghi nhầm ngày trên phiếu"]
        assert "facility" not in entry.changes  # unchanged fields are not logged
        assert db.session.get(Person, pid).state_since == date(2025, 3, 5)
    page = text(client.get(f"/persons/{pid}"))
    assert "Đã sửa" in page and "Phạm Thị Lan: Ghi nhầm ngày trên phiếu" in page
    assert "05/03/2025" in page


def test_a_stale_correction_form_is_refused_with_409_and_changes_nothing(app, login_as):
    with app.app_context():
        person = register()
        test = record(person, EventKind.POSITIVE_TEST, date(2025, 3, 1))
        db.session.commit()
        pid, eid = person.id, test.id
    client = login_as("xa")
    form, void_form = opened(client, pid, "event", eid)
    with app.app_context():  # someone else corrects the entry meanwhile
        entry = db.session.get(PersonEvent, eid)
        assert corrections.correct(entry, {"event_date": date(2025, 3, 2), "facility": None,
                                           "doc_number": None, "note": None},
                                   "Sửa lần 1", account()) == {}
        db.session.commit()

    response = client.post(entry_url(pid, "event", eid) + "/correct",
                           data={**form, "fix-event_date": "09/03/2025", "fix-why": "Sửa lần 2"})
    assert response.status_code == 409
    assert "Mục này vừa được sửa hoặc hủy bởi thao tác khác" in text(response)
    assert forms_of(text(response))[entry_url(pid, "event", eid) + "/correct"][
        "fix-event_date"] == "02/03/2025"  # refilled with what it is now
    response = client.post(entry_url(pid, "event", eid) + "/void",
                           data={**void_form, "void-why": "Hủy", "confirmed": "1"})
    assert response.status_code == 409
    for fingerprint in ("", "0000000000000000"):
        response = client.post(entry_url(pid, "event", eid) + "/void",
                               data={"fingerprint": fingerprint, "void-why": "Hủy",
                                     "confirmed": "1"})
        assert response.status_code == 409
    with app.app_context():
        entry = db.session.get(PersonEvent, eid)
        assert (entry.event_date, entry.correction_reason, entry.voided_at) == (
            date(2025, 3, 2), "Sửa lần 1", None)
        assert len(updates("PersonEvent", eid)) == 1


def test_only_the_officer_of_the_commune_keeping_the_file_opens_its_entries(app, login_as):
    with app.app_context():
        person = addict()
        other = addict("Lò Văn Khác")
        db.session.commit()
        pid, eid, other_eid = person.id, person.events[0].id, other.events[0].id
    urls = [("get", entry_url(pid, "event", eid)),
            ("post", entry_url(pid, "event", eid) + "/correct"),
            ("post", entry_url(pid, "event", eid) + "/void")]
    xa2 = login_as("xa2")
    for method, url in urls:
        assert getattr(xa2, method)(url, data={"confirmed": "1"}).status_code == 404, url
    for reviewer in ("huyen", "tinh"):
        client = login_as(reviewer)
        for method, url in urls:
            assert getattr(client, method)(url, data={"confirmed": "1"}).status_code == 403, url
    xa = login_as("xa")
    assert xa.get(entry_url(pid, "event", other_eid)).status_code == 404  # another person's
    assert xa.get(entry_url(pid, "nothing", eid)).status_code == 404
    assert xa.get(entry_url(pid, "event", eid)).status_code == 200
    with app.app_context():
        assert db.session.get(PersonEvent, eid).voided_at is None


def test_voiding_without_javascript_asks_first_and_only_the_confirmation_applies(app, login_as):
    with app.app_context():
        person = register()
        test = record(person, EventKind.POSITIVE_TEST, date(2025, 3, 1))
        db.session.commit()
        pid, eid = person.id, test.id
    client = login_as("xa")
    _, form = opened(client, pid, "event", eid)

    refused = client.post(entry_url(pid, "event", eid) + "/void", data={**form, "void-why": " "})
    assert refused.status_code == 422
    assert "Vui lòng nhập lý do hủy (ghi nhầm)." in field_error(text(refused), "void-why")

    asked = client.post(entry_url(pid, "event", eid) + "/void",
                        data={**form, "void-why": "Nhập nhầm người"})
    assert asked.status_code == 200 and "Xác nhận thao tác" in text(asked)
    resent = forms_of(text(asked))[entry_url(pid, "event", eid) + "/void"]
    assert resent["void-why"] == "Nhập nhầm người" and resent["confirmed"] == "1"
    assert resent["fingerprint"] == form["fingerprint"]
    with app.app_context():
        assert db.session.get(PersonEvent, eid).voided_at is None
        assert db.session.get(Person, pid).state == "user"

    assert client.post(entry_url(pid, "event", eid) + "/void", data=resent).status_code == 303
    with app.app_context():
        entry = db.session.get(PersonEvent, eid)
        assert entry.voided_at is not None and entry.void_reason == "Nhập nhầm người"
        assert db.session.get(Person, pid).state == "suspected"


def test_a_reason_the_form_refuses_is_never_confirmed_into_a_void(app, login_as):
    with app.app_context():
        person = register()
        test = record(person, EventKind.POSITIVE_TEST, date(2025, 3, 1))
        db.session.commit()
        pid, eid = person.id, test.id
    client = login_as("xa")
    _, form = opened(client, pid, "event", eid)
    for confirmed in ("", "1"):
        response = client.post(entry_url(pid, "event", eid) + "/void", data={
            **form, "void-why": "Nhập\u202enhầm", "confirmed": confirmed})
        assert response.status_code == 422
        with app.app_context():
            assert db.session.get(PersonEvent, eid).voided_at is None


def test_the_voided_entry_stays_on_the_file_struck_through_with_who_and_why(app, login_as):
    with app.app_context():
        person = addict()
        episode = begin(person)
        db.session.commit()
        pid, eid = person.id, episode.id
    client = login_as("xa")
    _, form = opened(client, pid, "episode", eid)
    assert client.post(entry_url(pid, "episode", eid) + "/void",
                       data={**form, "void-why": "ghi nhầm", "confirmed": "1"}).status_code == 303

    for username in ("xa", "huyen"):
        page = text(login_as(username).get(f"/persons/{pid}"))
        row = re.search(r'<tr class="voided">.*?</tr>', page, re.S)
        assert row, username
        assert "Cai nghiện tự nguyện tại gia đình" in row.group(0)
        assert "Đã hủy (ghi nhầm)" in row.group(0)
        assert "Phạm Thị Lan: ghi nhầm" in row.group(0)
        assert "Sửa / hủy" not in row.group(0)
        assert 'class="state treat"' not in page  # no longer "in rehab"

    client = login_as("xa")
    page = text(client.get(entry_url(pid, "episode", eid)))
    assert "Mục này đã được hủy (ghi nhầm)" in page and "bởi Phạm Thị Lan: ghi nhầm" in page
    assert "/correct" not in page and "/void" not in page  # nothing left to do with it
    response = client.post(entry_url(pid, "episode", eid) + "/correct", data={
        "fingerprint": current_fingerprint(app, eid), "fix-why": "Sửa",
        "fix-form": "home", "fix-start_date": "02/02/2025"})
    assert response.status_code == 422
    assert "Mục này đã được hủy (ghi nhầm)" in text(response)  # and why it cannot change
    with app.app_context():
        assert db.session.get(RehabEpisode, eid).start_date == REHAB


def current_fingerprint(app, eid: int) -> str:
    from webapp.registry.routes import _fingerprint

    with app.app_context():
        return _fingerprint(db.session.get(RehabEpisode, eid))


def test_voiding_the_closing_reopens_the_file_on_its_page(app, login_as):
    with app.app_context():
        person = addict()
        death = record(person, EventKind.CLOSING, date(2025, 6, 1), reason="death")
        db.session.commit()
        pid, eid = person.id, death.id
    client = login_as("xa")
    page = text(client.get(f"/persons/{pid}"))
    assert f'action="/persons/{pid}/events/positive_test"' not in page  # final: nothing to add
    assert "Mở lại hồ sơ" in page
    _, form = opened(client, pid, "event", eid)
    response = client.post(entry_url(pid, "event", eid) + "/void",
                           data={**form, "void-why": "Nhầm người", "confirmed": "1"})
    assert response.status_code == 303
    page = text(client.get(f"/persons/{pid}"))
    assert "Đã mở lại hồ sơ." in page
    assert f'action="/persons/{pid}/events/positive_test"' in page
    assert 'id="person-state">Người nghiện ma túy<' in page
