"""Case notes of supervision during management and post-rehab: a positive test recorded
there is a positive test of the file (same next steps, same worklist items); voiding the
note takes its test away too; bad dates are refused beside the field."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.dossier.models import CaseNote
from webapp.extensions import db
from webapp.main.worklist import worklist
from webapp.registry import corrections
from webapp.registry import services as registry
from webapp.registry.models import Person, PersonEvent
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local


def _post_note(client, managed, kind="management", entry_id=None, **fields):
    entry_id = entry_id or managed["decision_id"]
    prefix = f"note-{kind}-{entry_id}"
    return client.post(f"/persons/{managed['person_id']}/dossier/{kind}/{entry_id}/notes",
                       data={f"{prefix}-{k}": v for k, v in fields.items()})


def _steps(app, person_id):
    with app.app_context():
        return registry.next_steps(db.session.get(Person, person_id))


def _worklist_labels(app, demo):
    with app.test_request_context():
        return [i.label for i in worklist(db.session.get(User, demo["users"]["xa"]))]


def test_a_home_visit_is_recorded_with_who_and_what(app, managed, login_as):
    client = login_as("xa")
    day = (today_local() - timedelta(days=3)).strftime("%d/%m/%Y")
    response = _post_note(client, managed, contact_kind="home_visit", on=day,
                          contact_by="Trưởng thôn Lò Văn Tâm", note="Gia đình hợp tác tốt.")
    assert response.status_code == 303
    page = client.get(f"/persons/{managed['person_id']}").get_data(as_text=True)
    assert "Thăm gia đình" in page and "Trưởng thôn Lò Văn Tâm" in page
    assert "Gia đình hợp tác tốt." in page


def test_a_positive_test_in_the_notes_calls_for_a_new_decision_like_a_timeline_test(
        app, managed, login_as):
    assert _steps(app, managed["person_id"]) == []
    client = login_as("xa")
    day = today_local() - timedelta(days=2)
    response = _post_note(client, managed, contact_kind="drug_test", on=day.strftime("%d/%m/%Y"),
                          contact_by="Công an xã", positive="1")
    assert response.status_code == 303
    with app.app_context():
        tests = db.session.scalars(select(PersonEvent).where(
            PersonEvent.kind == EventKind.POSITIVE_TEST, PersonEvent.event_date == day)).all()
        assert len(tests) == 1
        note = db.session.scalar(select(CaseNote))
        assert note.test_event_id == tests[0].id
    [step] = _steps(app, managed["person_id"])
    assert "Có kết quả xét nghiệm dương tính mới" in step
    assert any(label.startswith("Có kết quả dương tính mới trong thời hạn quản lý")
               for label in _worklist_labels(app, managed))

    with app.app_context():  # voided as "ghi nhầm": its test goes with it
        xa = db.session.get(User, managed["users"]["xa"])
        assert corrections.void(db.session.get(CaseNote, note.id), "Ghi nhầm người", xa) == {}
        db.session.commit()
        assert db.session.get(PersonEvent, tests[0].id).voided
    assert _steps(app, managed["person_id"]) == []


def test_a_negative_test_changes_nothing_on_the_timeline(app, managed, login_as):
    with app.app_context():
        before = db.session.scalar(select(func.count(PersonEvent.id)))
    response = _post_note(login_as("xa"), managed, contact_kind="drug_test",
                          on=today_local().strftime("%d/%m/%Y"), contact_by="Công an xã",
                          positive="0")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(PersonEvent.id))) == before


def test_a_test_without_its_result_and_a_day_before_the_decision_are_refused(
        app, managed, login_as):
    client = login_as("xa")
    response = _post_note(client, managed, contact_kind="drug_test",
                          on=today_local().strftime("%d/%m/%Y"), contact_by="Công an xã")
    assert response.status_code == 422
    assert "Vui lòng chọn kết quả xét nghiệm." in response.get_data(as_text=True)
    early = managed["decided"] - timedelta(days=1)
    response = _post_note(client, managed, contact_kind="phone", on=early.strftime("%d/%m/%Y"),
                          contact_by="Công an xã")
    assert response.status_code == 422
    assert "trước ngày bắt đầu thủ tục" in response.get_data(as_text=True)
    response = _post_note(client, managed, contact_kind="phone", on="2026-13-01",
                          contact_by="Công an xã")
    assert "Ngày phải theo dạng dd/mm/yyyy" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(CaseNote.id))) == 0


def test_a_positive_test_during_post_rehab_asks_for_a_determination(app, seeded, login_as):
    from webapp.treatment import services as treatment

    today = today_local()
    with app.app_context():
        from webapp.units.models import Unit

        xa = db.session.get(User, seeded["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        person = registry.save_person(None, {"full_name": "Cà Văn Pâng", "sex": "M",
                                             "birth_year": 1985, "unit": unit}, xa)
        registry.add_event(person, EventKind.DETERMINATION, {
            "event_date": today - timedelta(days=300), "addicted": True, "facility": "TTYT"}, xa)
        start = {"form": "home", "start_date": today - timedelta(days=290), "planned_end": None}
        assert treatment.validate_episode(person, start) == {}
        episode = treatment.start_episode(person, start, xa)
        end = {"end_date": today - timedelta(days=100), "outcome": "completed"}
        assert treatment.validate_episode_end(episode, end) == {}
        treatment.end_episode(episode, end, xa)
        db.session.flush()
        term = next(t for t in person.post_rehab_terms if t.status == "suggested")
        data = {"decision_number": "3/QĐ", "decision_date": today - timedelta(days=95),
                "signer": "Chủ tịch UBND xã"}
        assert treatment.validate_confirm(term, data) == {}
        treatment.confirm_post_rehab(term, data)
        db.session.commit()
        made = {**seeded, "person_id": person.id}
        term_id = term.id
    assert _steps(app, made["person_id"]) == []
    response = _post_note(login_as("xa"), made, kind="post_rehab", entry_id=term_id,
                          contact_kind="drug_test", on=today.strftime("%d/%m/%Y"),
                          contact_by="Cán bộ xã hội", positive="1")
    assert response.status_code == 303, response.get_data(as_text=True)
    [step] = _steps(app, made["person_id"])
    assert "khi đang quản lý sau cai" in step
    assert any(label.startswith("Dương tính khi đang quản lý sau cai")
               for label in _worklist_labels(app, made))


def test_a_note_is_corrected_with_a_reason_on_the_entry_page(app, managed, login_as):
    client = login_as("xa")
    day = today_local().strftime("%d/%m/%Y")
    _post_note(client, managed, contact_kind="meeting", on=day, contact_by="Bí thư đoàn")
    with app.app_context():
        note_id = db.session.scalar(select(CaseNote.id))
    url = f"/persons/{managed['person_id']}/entries/case_note/{note_id}"
    page = client.get(url)
    assert page.status_code == 200 and "Người thực hiện" in page.get_data(as_text=True)
    import re

    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"',
                            page.get_data(as_text=True)).group(1)
    refused = client.post(url + "/correct", data={"fingerprint": fingerprint, "fix-on": day,
                                                  "fix-contact_by": "Bí thư đoàn xã",
                                                  "fix-why": ""})
    assert refused.status_code == 422 and "Vui lòng nhập lý do sửa." in refused.get_data(as_text=True)
    fixed = client.post(url + "/correct", data={"fingerprint": fingerprint, "fix-on": day,
                                                "fix-contact_by": "Bí thư đoàn xã",
                                                "fix-why": "Ghi thiếu chức danh"})
    assert fixed.status_code == 303
    with app.app_context():
        note = db.session.get(CaseNote, note_id)
        assert note.contact_by == "Bí thư đoàn xã" and note.correction_reason == "Ghi thiếu chức danh"
