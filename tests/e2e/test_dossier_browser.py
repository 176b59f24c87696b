"""At the browser: an officer opens a person with an incomplete dossier from the worklist,
attaches the missing Mẫu 07 scan (a small valid PDF), the dossier shows complete, and the
printed Mẫu 07 downloads as a Word document with the person's name and the number."""
from __future__ import annotations

from datetime import timedelta

import pytest
from docx import Document
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.auth.models import User
from webapp.dossier import services as dossier
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.units.models import Unit

pytestmark = pytest.mark.e2e

# A one-page PDF, as small as a scanner could make it.
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
       b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


@pytest.fixture
def missing_07(app, demo, tmp_path, monkeypatch):
    """A user under management whose file has Mẫu 03, 05 and 06 but not the decision's scan."""
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(tmp_path / "attachments"))
    tested = today_local() - timedelta(days=20)
    with app.app_context():
        dossier.seed_defaults()
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        person = services.save_person(None, {"full_name": "Quàng Thị Ban", "sex": "F",
                                             "birth_year": 1996, "unit": unit}, xa)
        services.add_event(person, EventKind.POSITIVE_TEST,
                           {"event_date": tested, "facility": "Trạm Y tế xã"}, xa)
        decision = {"event_date": tested + timedelta(days=2), "doc_number": "21/QĐ-UBND",
                    "signer": "Chủ tịch UBND xã", "term_end": None}
        assert services.validate_event(person, EventKind.MANAGEMENT, decision) == {}
        event = services.add_event(person, EventKind.MANAGEMENT, decision, xa)
        db.session.flush()
        found = dossier.dossier(person, "management", event.id)
        for code in ("03", "05", "06"):
            data = {"form_code": code, "doc_date": tested + timedelta(days=1)}
            assert dossier.validate_document(found, data) == {}
            dossier.add_document(person, found, data, xa)
        db.session.commit()
        return {"person_id": person.id, "decided": decision["event_date"],
                "folder": tmp_path / "attachments"}


def test_an_officer_attaches_the_missing_decision_scan_and_the_dossier_is_complete(
        page, sign_in, missing_07, tmp_path):
    scan = tmp_path / "quyet-dinh-21.pdf"
    scan.write_bytes(PDF)
    sign_in(page, "xa")
    page.get_by_role("link", name="Hồ sơ còn thiếu giấy tờ: 1 hồ sơ của 1 người").click()
    row = page.locator("#incomplete tbody tr", has_text="Quàng Thị Ban")
    expect(row).to_contain_text("(Mẫu 07)")
    row.get_by_role("link", name="Quàng Thị Ban").click()

    section = page.locator("#dossier")
    expect(section).to_contain_text("Còn thiếu 1 văn bản")
    missing = section.locator("tr.missing-doc", has_text="(Mẫu 07)")
    missing.get_by_text("Ghi văn bản này, đính kèm bản quét").click()
    form = missing.locator("details[open] form")
    form.get_by_label("Số văn bản").fill("21/QĐ-UBND")
    form.get_by_label("Ngày văn bản").fill(missing_07["decided"].strftime("%d/%m/%Y"))
    form.get_by_label("Người ký").fill("Chủ tịch UBND xã")
    form.get_by_label("Bản quét (PDF, JPEG hoặc PNG)").set_input_files(str(scan))
    form.get_by_role("button", name="Lưu văn bản").click()

    expect(page.get_by_text("Đã ghi văn bản vào hồ sơ kèm bản quét.")).to_be_visible()
    expect(section).to_contain_text("Đủ hồ sơ")
    expect(section).not_to_contain_text("Thiếu")
    expect(section.get_by_role("link", name="Bản quét PDF (1 KB)")).to_be_visible()
    assert [p.read_bytes() for p in missing_07["folder"].rglob("*.bin")] == [PDF]

    # The same decision, printed from the file: no retyping in Word.
    offer = page.locator("#print-forms .print-offer").filter(has_text="Mẫu 07").first
    offer.get_by_label("Số").fill("21/QĐ-UBND")
    offer.get_by_label("Ngày ký (dd/mm/yyyy)").fill(missing_07["decided"].strftime("%d/%m/%Y"))
    offer.get_by_label("Người ký").fill("Giàng A Sử")
    with page.expect_download() as info:
        offer.get_by_role("button", name="In Mẫu 07 (.docx)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    doc = Document(path)
    text = "\n".join([p.text for p in doc.paragraphs] + [
        cell.text for table in doc.tables for row in table.rows for cell in row.cells])
    assert "Quàng Thị Ban" in text and "21/QĐ-UBND" in text
