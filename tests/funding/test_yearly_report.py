"""The yearly report drafted: typed sections saved (and safe against a stale edit), the drafted
sections from the data, the Word document (opens in LibreOffice, holds the drafted paragraphs)
and its Excel annexes."""
from __future__ import annotations

import io
import re

import docx
import openpyxl
from sqlalchemy import select

from libreoffice import convert
from webapp.extensions import db
from webapp.funding.models import YearlyReport

from seed_figures import SEED_PARAGRAPH

RANGE = "unit=991&from=2020&to=2022"


def version_of(html: str) -> str:
    return re.search(r'name="version"[^>]*value="([^"]*)"', html).group(1)


def test_the_page_drafts_the_outline_from_the_data(login_as, seed_funding):
    page = login_as("huyen").get(f"/yearly/?{RANGE}").get_data(as_text=True)
    for heading in ("I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN", "II. KẾT QUẢ THỰC HIỆN",
                    "2.1. Tình hình người nghiện ma túy", "4. Kinh phí thực hiện",
                    "5. Công tác thanh tra, kiểm tra, giám sát", "III. ĐÁNH GIÁ CHUNG",
                    "IV. KIẾN NGHỊ, ĐỀ XUẤT"):
        assert heading in page
    assert "Từ năm 2020 đến năm 2022 tổng kinh phí thực hiện công tác cai nghiện ma túy là " \
           "168.800.000đ. Cụ thể:" in page
    assert "- Năm 2020: Tổng số người nghiện ma túy là 0 người, trong đó:" in page
    # No drug-free criteria were in force before 2025.
    assert "Chưa có đánh giá xã, phường không ma túy trong thời gian báo cáo." in page


def test_typed_sections_are_saved_and_a_stale_edit_is_refused(login_as, app, seed_funding):
    client = login_as("huyen")
    page = client.get(f"/yearly/?{RANGE}").get_data(as_text=True)
    first = {"version": version_of(page), "situation": "Huyện có 18 xã, 01 thị trấn.",
             "difficulties": "Địa hình miền núi.", "assessment": "", "proposals": "Hỗ trợ 100%."}
    assert client.post(f"/yearly/?{RANGE}", data=first).status_code == 303
    page = client.get(f"/yearly/?{RANGE}").get_data(as_text=True)
    assert "Huyện có 18 xã, 01 thị trấn." in page
    current = version_of(page)

    # A second tab still holding the first page's version saves over nothing.
    stale = client.post(f"/yearly/?{RANGE}", data={**first, "situation": "Bản cũ"})
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Báo cáo vừa được người khác lưu" in body and "Bản cũ" in body
    assert version_of(body) == current  # saving again now overwrites, knowingly
    with app.app_context():
        report = db.session.scalar(select(YearlyReport))
        assert report.situation == "Huyện có 18 xã, 01 thị trấn."


def test_a_section_with_a_control_character_is_refused(login_as, app, demo):
    client = login_as("huyen")
    response = client.post(f"/yearly/?{RANGE}", data={"version": "", "situation": "a\x00b"})
    assert response.status_code == 422
    assert "ký tự điều khiển" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(YearlyReport)) is None


def test_a_commune_reads_but_does_not_write_its_districts_report(login_as, demo):
    client = login_as("xa")
    assert "Không có đơn vị mã “991”" in client.get(f"/yearly/?{RANGE}").get_data(as_text=True)
    response = login_as("tinh").post(f"/yearly/?{RANGE}", data={"situation": "x"})
    assert response.status_code == 422
    assert "Chỉ cán bộ của đơn vị mới soạn báo cáo" in response.get_data(as_text=True)


def test_the_word_document_holds_the_drafted_paragraphs_and_opens_in_libreoffice(
        login_as, app, seed_funding, tmp_path):
    client = login_as("huyen")
    client.post(f"/yearly/?{RANGE}", data={"version": "", "situation": "Huyện có 18 xã.",
                                           "proposals": "Đề nghị hỗ trợ kinh phí."})
    response = client.post(f"/yearly/report.docx?{RANGE}", data={"number": "125"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("bao-cao-991-2020-2022.docx")
    path = tmp_path / "report.docx"
    path.write_bytes(response.data)
    document = docx.Document(path)
    texts = [p.text for p in document.paragraphs]
    start = texts.index("Từ năm 2020 đến năm 2022 tổng kinh phí thực hiện công tác cai nghiện "
                        "ma túy là 168.800.000đ. Cụ thể:")
    assert "\n".join(texts[start:start + 13]) == SEED_PARAGRAPH
    assert "Huyện có 18 xã." in texts and "Đề nghị hỗ trợ kinh phí." in texts
    assert "(Chưa nhập nội dung.)" in texts  # the difficulties were left empty
    heading = [p.text for p in document.tables[0].rows[0].cells[0].paragraphs if p.text]
    assert heading[-1].startswith("Số: 125/BC-")
    assert {r.font.name for p in document.paragraphs for r in p.runs if r.text} == {
        "Times New Roman"}
    with app.app_context():
        assert db.session.scalar(select(YearlyReport)).number == "125"
    pdf = convert(path, tmp_path, "pdf")
    assert pdf.stat().st_size > 5000


def test_a_bad_report_number_is_refused(login_as, demo):
    response = login_as("huyen").post(f"/yearly/report.docx?{RANGE}", data={"number": "12/../x"})
    assert response.status_code == 422
    assert "Số báo cáo chỉ gồm chữ số" in response.get_data(as_text=True)


def test_bieu_01_has_each_form_for_each_year(login_as, demo):
    response = login_as("huyen").get(f"/yearly/bieu-01.xlsx?{RANGE}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Biểu số 01"]
    rows = list(sheet.iter_rows(values_only=True))
    assert "BIỂU SỐ 01: KẾT QUẢ CAI NGHIỆN MA TÚY" in [r[0] for r in rows]
    assert "Cai nghiện bắt buộc" in [r[1] for r in rows]
    header = [r[0] for r in rows].index("STT")
    assert [v for v in rows[header - 1] if v] == ["Năm 2020", "Năm 2021", "Năm 2022"]
    assert rows[header][2:5] == ("Chỉ tiêu", "Thực hiện", "Tỷ lệ")
