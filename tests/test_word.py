"""The Word layout (webapp/documents/word.py): Decree 30/2020 heading, A4, Times New Roman, the
closing with nơi nhận and signature; the file opens in LibreOffice."""
from __future__ import annotations

from datetime import date

import docx
import pytest
from docx.shared import Mm

from libreoffice import convert
from webapp import official
from webapp.documents.word import OfficialDocument
from webapp.units.models import Unit


@pytest.fixture
def commune(ctx):
    district = Unit(code="991", name="Huyện Tân Lập", kind="huyen", level="district",
                    path="/99/991/")
    return Unit(code="99101", name="Xã Tân Hòa", kind="xa", level="commune",
                path="/99/991/99101/", parent=district)


def build(commune, tmp_path):
    head = official.heading(commune, date(2026, 7, 2), kind="QĐ", number="15")
    document = OfficialDocument(head, "QUYẾT ĐỊNH", "Về việc quản lý người sử dụng trái phép "
                                "chất ma túy")
    document.runs([("Điều 1. ", True, False), ("Quản lý ông Lò Văn Pọm.", False, False)])
    document.table(["STT", "Họ và tên", "Vai trò"], [[1, "Quàng Văn A", "Tổ trưởng"]])
    document.closing(official.Signature("CHỦ TỊCH", "", "Lò Văn B", "TM. ỦY BAN NHÂN DÂN"),
                     official.recipients(commune, date(2026, 7, 2), "Như Điều 3"))
    path = tmp_path / "qd.docx"
    path.write_bytes(document.save().read())
    return path


def test_a_word_document_has_the_official_heading_on_a4_in_times_new_roman(commune, tmp_path):
    doc = docx.Document(build(commune, tmp_path))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 15
    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text] == [
        "CÔNG AN HUYỆN TÂN LẬP", "CÔNG AN XÃ TÂN HÒA", "Số: 15/QĐ-CAX"]
    assert [p.text for p in right.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Tân Hòa, ngày 02 tháng 07 năm 2026"]
    fonts = {run.font.name for p in doc.paragraphs for run in p.runs if run.text}
    assert fonts == {"Times New Roman"}
    closing = doc.tables[-1].rows[0].cells
    assert "- Công an huyện Tân Lập;" in [p.text for p in closing[0].paragraphs]
    assert [p.text for p in closing[1].paragraphs if p.text] == [
        "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lò Văn B"]
    assert Mm(1) < doc.tables[0].rows[0].cells[0].width


def test_a_word_document_converts_with_libreoffice(commune, tmp_path):
    pdf = convert(build(commune, tmp_path), tmp_path, "pdf")
    assert pdf.stat().st_size > 1000
