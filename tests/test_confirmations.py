"""Confirmation before sending a report, approving it, accepting a transfer, closing a file.

Without JavaScript the first POST answers a confirmation page that resends the same fields plus
`confirmed=1`, and changes nothing; only that second POST applies. With htmx the closing form
asks in the browser (hx-confirm) and sends `confirmed=1` itself (hx-vals). A request that would
be refused anyway is refused at once, not confirmed first.
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import date

import pytest
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.models import Person, PersonEvent, TransferRequest
from webapp.registry.vocab import EventKind
from webapp.reports import services as reports
from webapp.units.models import Unit

PERIOD, YEAR, MONTH = "2025-10", 2025, 10
ASKED = "Xác nhận thao tác"


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def addict(app, demo):
    """A person of 99101 determined addicted on 05/10/2025 (all report fields known): the id."""
    with app.app_context():
        data = {"full_name": "Lò Văn An", "sex": "M", "birth_year": 1990, "unit": unit("99101"),
                "ethnicity": "01", "occupation_group": "agri", "main_drug": "heroin"}
        assert registry.validate_person(data, account("xa")) == {}
        person = registry.save_person(None, data, account("xa"))
        event = {"event_date": date(2025, 10, 5), "addicted": True, "facility": "TTYT huyện"}
        assert registry.validate_event(person, EventKind.DETERMINATION, event) == {}
        registry.add_event(person, EventKind.DETERMINATION, event, account("xa"))
        db.session.commit()
        return person.id


def text(response) -> str:
    return response.get_data(as_text=True)


def resent(response, action: str) -> dict[str, str]:
    """The fields the confirmation page posts again to `action` (its CSRF token aside)."""
    page = text(response)
    assert response.status_code == 200 and ASKED in page
    form = re.search(rf'<form method="post" action="{re.escape(action)}">(.*?)</form>', page, re.S)
    assert form, action
    fields = {html_lib.unescape(name): html_lib.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(1))}
    assert fields.pop("csrf_token")  # a fresh token, not the one first posted
    return fields


def submission(app, code: str = "99101") -> dict | None:
    with app.app_context():
        sub = reports.submission_for(unit(code), YEAR, MONTH)
        return None if sub is None else {"status": sub.status, "work_done": sub.work_done,
                                         "version": sub.version,
                                         "thread": [t.action for t in sub.transitions]}


# --- Reports ------------------------------------------------------------------------------------

def test_sending_a_report_is_confirmed_first_and_nothing_is_saved_before(app, login_as, addict):
    client = login_as("xa")
    url = f"/reports/{PERIOD}/99101/submit"
    asked = client.post(url, data={"work_done": "Đã rà soát địa bàn & tổ dân phố \"Bản Mòng\"."})
    fields = resent(asked, url)
    assert "Gửi báo cáo tháng 10/2025 của Xã Tân Hòa lên đơn vị cấp trên?" in text(asked)
    assert fields == {"work_done": "Đã rà soát địa bàn & tổ dân phố \"Bản Mòng\".",
                      "confirmed": "1"}
    assert f'href="/reports/{PERIOD}/99101"' in text(asked)  # back, without doing it
    assert submission(app) is None  # not even a draft

    assert client.post(url, data=fields).status_code == 303
    sent = submission(app)
    assert sent["status"] == "submitted" and sent["thread"] == ["submit"]
    assert sent["work_done"] == "Đã rà soát địa bàn & tổ dân phố \"Bản Mòng\"."


def test_a_report_that_cannot_be_sent_is_refused_without_asking(app, login_as, addict):
    client = login_as("xa")
    response = client.post(f"/reports/{PERIOD}/99101/submit", data={"work_done": "x" * 5001})
    assert response.status_code == 422 and ASKED not in text(response)
    assert submission(app) is None


def test_saving_a_draft_needs_no_confirmation(app, login_as, addict):
    response = login_as("xa").post(f"/reports/{PERIOD}/99101/save", data={"work_done": "Nháp"})
    assert response.status_code == 303
    assert submission(app)["status"] == "draft"


def test_approving_is_confirmed_first(app, login_as, addict):
    url = f"/reports/{PERIOD}/99101/approve"
    assert login_as("xa").post(f"/reports/{PERIOD}/99101/submit",
                               data={"confirmed": "1"}).status_code == 303
    version = submission(app)["version"]
    huyen = login_as("huyen")
    asked = huyen.post(url, data={"version": str(version), "comment": "Đạt"})
    fields = resent(asked, url)
    assert "Duyệt báo cáo tháng 10/2025 của Xã Tân Hòa?" in text(asked)
    assert fields == {"version": str(version), "comment": "Đạt", "confirmed": "1"}
    assert submission(app)["status"] == "submitted"

    assert huyen.post(url, data=fields).status_code == 303
    assert submission(app)["status"] == "approved"
    assert submission(app)["thread"] == ["submit", "approve"]


def test_a_report_not_sent_is_not_approved_nor_confirmed(app, login_as, addict):
    assert login_as("xa").post(f"/reports/{PERIOD}/99101/save",
                               data={"work_done": "Nháp"}).status_code == 303
    response = login_as("huyen").post(f"/reports/{PERIOD}/99101/approve")
    assert response.status_code == 409 and ASKED not in text(response)
    assert submission(app)["status"] == "draft"


def test_returning_a_report_needs_no_confirmation(app, login_as, addict):
    assert login_as("xa").post(f"/reports/{PERIOD}/99101/submit",
                               data={"confirmed": "1"}).status_code == 303
    response = login_as("huyen").post(f"/reports/{PERIOD}/99101/return",
                                      data={"comment": "Thiếu số liệu."})
    assert response.status_code == 303
    assert submission(app)["status"] == "returned"


# --- Transfers ----------------------------------------------------------------------------------

@pytest.fixture
def transfer(app, addict):
    with app.app_context():
        request = registry.request_transfer(db.session.get(Person, addict), unit("99102"),
                                            account("xa"), "Chuyển về nhà vợ")
        db.session.commit()
        return request.id


def transfer_state(app, tid: int) -> tuple[str, str]:
    with app.app_context():
        request = db.session.get(TransferRequest, tid)
        return request.status, request.person.unit.code


def test_accepting_a_transfer_is_confirmed_first(app, login_as, transfer):
    url = f"/persons/transfers/{transfer}/accept"
    xa2 = login_as("xa2")
    asked = xa2.post(url)
    fields = resent(asked, url)
    assert "Tiếp nhận hồ sơ chuyển từ Xã Tân Hòa đến Xã Mường Lạn?" in text(asked)
    assert 'href="/persons/transfers/"' in text(asked)
    assert transfer_state(app, transfer) == ("pending", "99101")

    assert xa2.post(url, data=fields).status_code == 303
    assert transfer_state(app, transfer) == ("accepted", "99102")
    again = xa2.post(url)  # already decided: refused at once, not asked again
    assert again.status_code == 303 and ASKED not in text(again)


def test_refusing_a_transfer_needs_no_confirmation(app, login_as, transfer):
    response = login_as("xa2").post(f"/persons/transfers/{transfer}/refuse",
                                    data={"reason": "Không cư trú tại xã"})
    assert response.status_code == 303
    assert transfer_state(app, transfer) == ("refused", "99101")


# --- Closing a file -----------------------------------------------------------------------------

def closings(app, pid: int) -> int:
    with app.app_context():
        return len(db.session.scalars(select(PersonEvent).where(
            PersonEvent.person_id == pid, PersonEvent.kind == "closing")).all())


def person_state(app, pid: int) -> str:
    with app.app_context():
        return db.session.get(Person, pid).state


def test_closing_a_file_is_confirmed_first(app, login_as, addict):
    url = f"/persons/{addict}/events/closing"
    client = login_as("xa")
    typed = {"closing-event_date": "20/10/2025", "closing-reason": "prison",
             "closing-doc_number": "12/TB", "closing-note": "Án 3 năm"}
    asked = client.post(url, data=typed)
    fields = resent(asked, url)
    assert "Đưa Lò Văn An ra khỏi danh sách quản lý?" in text(asked)
    assert fields == {**typed, "confirmed": "1"}
    assert f'href="/persons/{addict}"' in text(asked)
    assert (person_state(app, addict), closings(app, addict)) == ("addict", 0)

    assert client.post(url, data=fields).status_code == 303
    assert (person_state(app, addict), closings(app, addict)) == ("closed", 1)
    with app.app_context():
        event = db.session.scalar(select(PersonEvent).where(PersonEvent.kind == "closing"))
        assert (event.event_date, event.reason, event.doc_number, event.note) == (
            date(2025, 10, 20), "prison", "12/TB", "Án 3 năm")


def test_a_closing_that_would_be_refused_is_refused_without_asking(app, login_as, addict):
    response = login_as("xa").post(f"/persons/{addict}/events/closing",
                                   data={"closing-event_date": "20/10/2025"})
    assert response.status_code == 422 and ASKED not in text(response)
    assert "Vui lòng chọn lý do đưa ra khỏi danh sách." in text(response)
    assert closings(app, addict) == 0


def test_other_events_are_recorded_without_confirmation(app, login_as, addict):
    response = login_as("xa").post(f"/persons/{addict}/events/positive_test",
                                   data={"positive_test-event_date": "21/10/2025"})
    assert response.status_code == 303


def test_the_htmx_closing_form_asks_in_the_browser_and_sends_the_confirmation(login_as, addict):
    page = text(login_as("xa").get(f"/persons/{addict}"))
    forms = {action: tag for tag, action in re.findall(
        r'(<form method="post" action="([^"]*)"[^>]*>)', page)}
    closing = forms[f"/persons/{addict}/events/closing"]
    assert 'hx-confirm="Đưa người này ra khỏi danh sách quản lý?"' in closing
    assert "hx-vals='{\"confirmed\": \"1\"}'" in closing
    assert f'hx-post="/persons/{addict}/events/closing"' in closing
    for kind in ("positive_test", "management", "determination"):
        assert "hx-confirm" not in forms[f"/persons/{addict}/events/{kind}"], kind
        assert "confirmed" not in forms[f"/persons/{addict}/events/{kind}"], kind


def test_an_htmx_closing_with_the_confirmation_applies_at_once(app, login_as, addict):
    response = login_as("xa").post(f"/persons/{addict}/events/closing", data={
        "closing-event_date": "20/10/2025", "closing-reason": "moved_away", "confirmed": "1"},
        headers={"HX-Request": "true"})
    assert response.status_code == 200 and ASKED not in text(response)
    assert response.headers["HX-Redirect"] == f"/persons/{addict}"
    assert person_state(app, addict) == "closed"
