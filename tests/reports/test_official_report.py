"""The monthly report as the document that leaves the office: the Excel file and the print view
say the same lines (December included), the số typed and kept, both signers named, no workflow
status on the form, a parent's table of a hundred communes on a few A4 pages, and 1.280 and
65.900.000đ under an English locale."""
from __future__ import annotations

import html as htmllib
import io
import os
import re
import subprocess
from datetime import date, datetime

import openpyxl
import pytest
from libreoffice import SOFFICE, convert
from sqlalchemy import select

from test_report_workflow import (COMPLETE, OFFICER, account, approved, make_person,  # noqa: F401
                                  post, state, submitted, text, unit)
from webapp.exports import workbooks
from webapp.extensions import db
from webapp.reports import document, services
from webapp.reports.figures import compute
from webapp.reports.models import MonthlySubmission
from webapp.units.models import Unit

PERIOD = "2025-10"


def cells(client, code: str, period: str = PERIOD) -> list[str]:
    response = client.get(f"/reports/{period}/{code}.xlsx")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.data))["Báo cáo tháng"]
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def print_text(client, code: str, period: str = PERIOD) -> str:
    response = client.get(f"/reports/{period}/{code}/print")
    assert response.status_code == 200
    body = response.get_data(as_text=True).split('<div class="noprint">')[0]
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_the_print_view_says_every_line_of_the_excel_file_and_no_status(app, login_as,
                                                                       make_person):
    make_person()
    client = login_as("xa")
    assert post(client, "99101", "submit", work_done="Đã rà soát danh sách.",
                document_number="12").status_code == 303
    excel_cells, printed = cells(client, "99101"), print_text(client, "99101")
    for value in excel_cells:
        shown = value
        if re.fullmatch(r"[0-9]+", value):
            shown = f"{int(value):,}".replace(",", ".")
        assert shown in printed, value
    assert "Số: 12/BC-CAX" in excel_cells
    assert "Biểu số 01-BCN" in excel_cells and "NGƯỜI LẬP BIỂU" in excel_cells
    assert "Nơi nhận:" in excel_cells and "- Lưu: VT." in excel_cells
    with app.app_context():
        preparer = account("xa").full_name
    assert preparer in excel_cells and preparer in printed  # the submitting officer
    for status in ("Tình trạng", "Đã gửi", "Bản nháp"):
        assert not any(status in v for v in excel_cells) and status not in printed


def test_the_december_section_is_printed_as_in_the_excel_file(app, login_as, make_person):
    make_person(determined=date(2025, 12, 5))
    client = login_as("xa")
    assert post(client, "99101", "save", period="2025-12", staff_count="3",
                funding_local="65.900.000").status_code == 303
    printed = print_text(client, "99101", "2025-12")
    excel_cells = cells(client, "99101", "2025-12")
    assert "Nhân lực, kinh phí năm 2025" in excel_cells
    assert "Nhân lực, kinh phí năm 2025" in printed and "65.900.000đ" in printed


def test_the_number_is_typed_at_printing_and_kept_on_a_sent_report(app, login_as, make_person):
    make_person()
    submitted(app, login_as, "99101")
    client = login_as("xa")
    version = state(app, "99101")["version"]
    refused = post(client, "99101", "number", document_number="mười hai", version=version)
    assert refused.status_code == 422 and "Số văn bản gồm chữ số" in text(refused)
    assert post(client, "99101", "number", document_number="7", version=version
                ).status_code == 303
    assert "Số: 7/BC-CAX" in cells(client, "99101")
    # The reviewer does not number another unit's report.
    other = post(login_as("huyen"), "99101", "number", document_number="8",
                 version=state(app, "99101")["version"])
    assert other.status_code == 409
    assert "Số: 7/BC-CAX" in print_text(client, "99101")


def test_the_head_of_the_unit_signs_with_name_and_title(app, login_as, make_person):
    make_person()
    with app.app_context():
        commune = unit("99101")
        commune.head_name, commune.head_title = "Vì Văn Thắng", "Trưởng Công an xã"
        db.session.commit()
    client = login_as("xa")
    excel_cells = cells(client, "99101")
    assert {"THỦ TRƯỞNG ĐƠN VỊ", "TRƯỞNG CÔNG AN XÃ", "Vì Văn Thắng"} <= set(excel_cells)
    assert "Vì Văn Thắng" in print_text(client, "99101")


def test_a_parents_december_staff_and_funding_are_its_childrens_sums(app, login_as,
                                                                     make_person):
    make_person("99101", determined=date(2025, 12, 5))
    make_person("99102", "Quàng Văn Ba", determined=date(2025, 12, 5))
    for code, staff, money in (("99101", "2", "10.000.000"), ("99102", "3", "55.900.000")):
        client = login_as(OFFICER[code])
        assert post(client, code, "submit", period="2025-12", staff_count=staff,
                    funding_local=money).status_code == 303
        reviewer = login_as("huyen")
        with app.app_context():
            version = services.submission_for(unit(code), 2025, 12).version
        assert post(reviewer, code, "approve", period="2025-12", version=version
                    ).status_code == 303
    client = login_as("huyen")
    # What the district would type is ignored: its numbers are the sums.
    assert post(client, "991", "save", period="2025-12", staff_count="99").status_code == 303
    with app.app_context():
        sums = services.year_end_values(unit("991"), 2025, None)
        assert sums["staff_count"] == 5 and sums["funding_local"] == 65_900_000
        assert services.submission_for(unit("991"), 2025, 12).staff_count is None
    assert "65.900.000đ" in print_text(client, "991", "2025-12")


# --- A hundred communes; the PC's regional settings --------------------------------------------

def two_tier_province(count: int) -> Unit:
    """A province of `count` communes, each with an approved October report."""
    province = Unit(code="97", name="Tỉnh Thử Nghiệm", kind="tinh", level="province",
                    path="/97/")
    db.session.add(province)
    db.session.flush()
    template = None
    for i in range(count):
        commune = Unit(code=f"97{i:03d}", name=f"Xã Số {i + 1}", kind="xa", level="commune",
                       parent_id=province.id, path=f"/97/97{i:03d}/")
        db.session.add(commune)
        db.session.flush()
        if template is None:
            template = [r.as_list() for r in compute(commune, 2025, 10)]
        rows = [[k, label, level, None if v is None else (1280 if k == "addicts.total" else i)]
                for k, label, level, v in template]
        db.session.add(MonthlySubmission(unit_id=commune.id, year=2025, month=10,
                                         status="approved", snapshot=rows,
                                         submitted_at=datetime(2025, 11, 1, 3)))
    db.session.commit()
    return province


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_a_province_of_a_hundred_communes_prints_its_tables_on_a_few_pages(app, demo,
                                                                          tmp_path):
    with app.app_context():
        province = two_tier_province(100)
        book = openpyxl.load_workbook(workbooks.report_workbook(province, 2025, 10))
        assert book.sheetnames == ["Báo cáo tháng", "Theo đơn vị", "Theo đơn vị - phân tổ"]
        for name in book.sheetnames[1:]:
            ws = book[name]
            assert ws.page_setup.orientation == "landscape"
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
            assert ws.print_title_rows  # header rows repeated on every page
        # Each table alone: the main figures and the breakdown.
        for keep in book.sheetnames[1:]:
            single = openpyxl.load_workbook(workbooks.report_workbook(province, 2025, 10))
            for name in single.sheetnames:
                if name != keep:
                    del single[name]
            path = tmp_path / f"{keep}.xlsx"
            single.save(path)
            pages = pdf_pages(convert(path, tmp_path, "pdf"))
            assert pages <= 4, (keep, pages)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_numbers_read_vietnamese_under_an_english_locale(app, demo, tmp_path):
    with app.app_context():
        province = two_tier_province(3)
        commune = db.session.scalar(select(Unit).where(Unit.code == "97000"))
        sub = services.submission_for(commune, 2025, 10)
        sub.month = 12
        sub.funding_local, sub.staff_count = 65_900_000, 1280
        db.session.commit()
        path = tmp_path / "report.xlsx"
        path.write_bytes(workbooks.report_workbook(commune, 2025, 12).read())
    profile = tmp_path / "english-profile"
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "HOME": str(tmp_path)}
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, env=env, timeout=240)
    shown = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "1.280" in shown and "65.900.000đ" in shown
    assert "1,280" not in shown and "65,900,000" not in shown


# --- The head of the unit, named by the unit or an administrator ------------------------------

def head_of(app, code: str):
    with app.app_context():
        found = unit(code)
        return found.head_name, found.head_title


def test_the_unit_names_its_head_and_another_unit_cannot(app, login_as):
    form = {"head_name": "Vì Văn Thắng", "head_title": "Trưởng Công an xã"}
    assert login_as("xa").post("/units/99101/head", data=form).status_code == 303
    assert head_of(app, "99101") == ("Vì Văn Thắng", "Trưởng Công an xã")
    refused = login_as("huyen").post("/units/99101/head", data={"head_name": "Người khác"})
    assert refused.status_code == 409 and "Chỉ quản trị viên" in text(refused)
    assert login_as("admin").post("/units/99101/head", data={"head_name": "Lò Văn Mới"}
                                  ).status_code == 303
    assert head_of(app, "99101") == ("Lò Văn Mới", None)
    too_long = login_as("xa").post("/units/99101/head", data={"head_name": "A" * 121})
    assert too_long.status_code == 422 and head_of(app, "99101")[0] == "Lò Văn Mới"
