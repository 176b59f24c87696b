"""At the browser: an officer opens a person under management, prints Mẫu 07 with a number
and a date, and the Word document downloads."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.units.models import Unit

pytestmark = pytest.mark.e2e


@pytest.fixture
def managed(app, demo):
    today = today_local()
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        person = services.save_person(None, {"full_name": "Mùa A Páo", "sex": "M",
                                             "birth_year": 1991, "unit": unit,
                                             "birth_date": date(1991, 3, 2)}, xa)
        services.add_event(person, EventKind.POSITIVE_TEST,
                           {"event_date": today - timedelta(days=20)}, xa)
        data = {"event_date": today - timedelta(days=18), "doc_number": "7/QĐ-UBND"}
        assert services.validate_event(person, EventKind.MANAGEMENT, data) == {}
        services.add_event(person, EventKind.MANAGEMENT, data, xa)
        db.session.commit()
        return person.id


def test_an_officer_prints_mau_07_and_the_docx_downloads(page, sign_in, managed, tmp_path):
    sign_in(page, "xa")
    page.goto(f"/persons/{managed}")
    offer = page.locator("#print-forms .print-offer").filter(has_text="Mẫu 07").first
    offer.get_by_label("Số").fill("21/QĐ-UBND")
    offer.get_by_label("Ngày ký (dd/mm/yyyy)").fill(today_local().strftime("%d/%m/%Y"))
    offer.get_by_label("Người ký").fill("Giàng A Sử")
    with page.expect_download() as info:
        offer.get_by_role("button", name="In Mẫu 07 (.docx)").click()
    download = info.value
    assert download.suggested_filename.startswith("mau-07-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    doc = Document(path)
    text = "\n".join([p.text for p in doc.paragraphs] + [
        cell.text for table in doc.tables for row in table.rows for cell in row.cells])
    assert "Mùa A Páo" in text and "21/QĐ-UBND" in text and "Giàng A Sử" in text
