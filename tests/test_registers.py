"""The commune's yearly registers Sổ 01–05-SCN: a year's filtered list (opened 01/01, closed
31/12) with STT and the register's columns, as a print view and an Excel file that
LibreOffice opens; a future year, a non-commune, Sổ 03 after 2021 refused with a message;
scoped; every print and export recorded with the persons it showed."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
from libreoffice import convert
from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry.services import add_event, save_person, validate_event, validate_person
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.treatment.services import (end_episode, start_episode, validate_episode,
                                       validate_episode_end)
from webapp.units.models import Unit


def person_in_rehab(app, name: str, form: str, start: date, end: date | None = None):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "xa"))
        commune = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        data = {"full_name": name, "sex": "M", "birth_year": 1990, "unit": commune}
        assert validate_person(data, user) == {}
        person = save_person(None, data, user)
        event = {"event_date": date(start.year, 1, 2), "addicted": True, "facility": "TTYT"}
        assert validate_event(person, EventKind.DETERMINATION, event) == {}
        add_event(person, EventKind.DETERMINATION, event, user)
        episode_data = {"form": form, "start_date": start, "decision_number": "12/QĐ-UBND"}
        assert validate_episode(person, episode_data, date(2026, 12, 1)) == {}
        episode = start_episode(person, episode_data, user)
        db.session.flush()
        if end:
            ending = {"end_date": end, "outcome": "completed"}
            assert validate_episode_end(episode, ending, date(2026, 12, 1)) == {}
            end_episode(episode, ending, user)
        db.session.commit()


def test_the_home_register_lists_the_years_entries_with_stt(app, login_as):
    person_in_rehab(app, "Lò Văn Một", "home", date(2025, 2, 3), date(2025, 8, 4))
    person_in_rehab(app, "Lò Văn Hai", "home", date(2024, 12, 20))  # last year's register
    person_in_rehab(app, "Lò Văn Ba", "community", date(2025, 3, 1))
    client = login_as("xa")
    page = client.get("/registers/99101/2025/01").get_data(as_text=True)
    assert "SỔ THEO DÕI CAI NGHIỆN MA TÚY TỰ NGUYỆN TẠI GIA ĐÌNH" in page
    assert "Lò Văn Một" in page and "Lò Văn Hai" not in page and "Lò Văn Ba" not in page
    assert "03/02/2025" in page and "Tổng số: 1 người." in page
    book = openpyxl.load_workbook(io.BytesIO(client.get("/registers/99101/2025/01.xlsx").data))
    ws = book.active
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "STT" in values and "Lò Văn Một" in values
    completed = client.get("/registers/99101/2025/05").get_data(as_text=True)
    assert "Lò Văn Một" in completed and "04/08/2025" in completed


def test_every_register_converts_with_libreoffice(app, login_as, tmp_path):
    person_in_rehab(app, "Lò Văn Một", "community", date(2021, 2, 3), date(2021, 9, 4))
    client = login_as("xa")
    for code in ("01", "02", "03", "04", "05"):
        response = client.get(f"/registers/99101/2021/{code}.xlsx")
        assert response.status_code == 200, code
        path = tmp_path / f"so-{code}.xlsx"
        path.write_bytes(response.data)
        assert convert(path, tmp_path, "pdf").stat().st_size > 0


def test_refusals_a_future_year_sổ_03_after_2021_a_district(login_as):
    client = login_as("xa")
    future = today_local().year + 1
    response = client.get(f"/registers/99101/{future}/01")
    assert response.status_code == 422 and f"Năm {future} chưa đến" in response.get_data(
        as_text=True)
    assert client.get(f"/registers/99101/{future}/01.xlsx").status_code == 422
    abolished = client.get("/registers/99101/2022/03")
    assert abolished.status_code == 422 and "đã bãi bỏ" in abolished.get_data(as_text=True)
    assert "03-SCN" not in client.get("/registers/99101/2022/").get_data(as_text=True)
    assert "03-SCN" in client.get("/registers/99101/2021/").get_data(as_text=True)
    district = login_as("huyen").get("/registers/991/2025/01")
    assert district.status_code == 422 and "cấp xã" in district.get_data(as_text=True)


def test_registers_are_scoped_and_their_exports_recorded(app, login_as):
    person_in_rehab(app, "Lò Văn Một", "home", date(2025, 2, 3))
    assert login_as("xa2").get("/registers/99101/2025/01").status_code == 404
    assert login_as("huyen").get("/registers/99101/2025/01.xlsx").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "Register"))
        assert event.action == "export" and event.changes["rows"] == 1
        assert event.changes["persons"] == 1
