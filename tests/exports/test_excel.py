"""The common look of every workbook (webapp/exports/excel.py), and every workbook the product
makes opening cleanly: converted by LibreOffice headless without error and read back with
openpyxl, the header block, fonts, number formats, frozen panes, autofilter and A4 set-up
survive.

LibreOffice: `apt-get install libreoffice-calc-nogui`. Without `soffice` the conversion tests
are skipped, except when the environment variable CI is set: then they fail.
"""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert
import xlsxwriter
from sqlalchemy import select

from webapp.auth.models import User
from webapp.exports import excel
from webapp.exports.excel import Column
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.reports.figures import compute
from webapp.reports.models import MonthlySubmission
from webapp.timeutil import today_local
from webapp.units.models import Unit

FONT = "Times New Roman"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
DATE_FORMAT = "dd/mm/yyyy"
MONEY_FORMAT = excel.NUM_FORMATS["money"]  # locale-proof: literal dots


# --- The common look, unit by unit --------------------------------------------------------------

def commune() -> Unit:
    district = Unit(code="991", name="Huyện Tân Lập", kind="huyen", level="district",
                    path="/99/991/")
    return Unit(code="99101", name="Xã Tân Hòa", kind="xa", level="commune",
                path="/99/991/99101/", parent=district)


def build(constant_memory: bool, rows=(), **options):
    book = excel.Workbook(constant_memory=constant_memory, title="Thử")
    sheet = book.sheet("Danh sách: thử/[1]?", commune(), "DANH SÁCH THỬ", ["Tháng 01/2025"],
                       [Column("Họ và tên", 24), Column("Ngày sinh", 12, "date"),
                        Column("Số định danh cá nhân", 16, "id"), Column("Số người", 10, "int"),
                        Column("Kinh phí", 16, "money")], issued_on=date(2025, 2, 3), **options)
    for values in rows:
        sheet.row(values)
    sheet.row(["Tổng cộng", None, None, 2, 65_900_000], style="total")
    sheet.note("Ghi chú dài " * 400)
    sheet.signatures(("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"),
                     ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"))
    return openpyxl.load_workbook(book.close())


@pytest.mark.parametrize("constant_memory", [False, True])
def test_the_header_block_table_and_formats(ctx, constant_memory):
    wb = build(constant_memory, rows=[
        ["Lò Văn Pọm", date(1990, 5, 10), "001090000123", 1, 1_280_000],
        ["=HYPERLINK(\"http://x\")", 1988, "012345678901", 1_280, None],
    ], autofilter=True)
    ws = wb.worksheets[0]
    assert ws.title.startswith("Danh sách- thử-") and not set("[]:*?/\\") & set(ws.title)
    # 02/2025: the labour sector's time, so the commune's people's committee issues it.
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN HUYỆN TÂN LẬP"
    assert ws["A2"].value == "ỦY BAN NHÂN DÂN XÃ TÂN HÒA" and ws["A3"].value == "Số:       /BC-UBND"
    assert ws["C1"].value == MOTTO and ws["C2"].value == MOTTO_SUB
    assert ws["C3"].value == "Tân Hòa, ngày 03 tháng 02 năm 2025"
    assert ws["A5"].value == "DANH SÁCH THỬ" and ws["A6"].value == "Tháng 01/2025"
    assert {"A1:B1", "C1:E1", "A5:E5"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[8]] == ["Họ và tên", "Ngày sinh", "Số định danh cá nhân",
                                        "Số người", "Kinh phí"]
    assert ws.freeze_panes == "A9"
    assert ws.print_title_rows == "$8:$8"
    assert ws.auto_filter.ref == "A8:E10"  # the data rows; not the total below them
    pom = ws[9]
    assert pom[1].value == datetime(1990, 5, 10) and pom[1].number_format == DATE_FORMAT
    assert pom[2].value == "001090000123" and pom[2].data_type == "s"
    assert pom[2].number_format == "@"
    assert pom[3].number_format == excel.NUM_FORMATS["int"]
    assert pom[4].value == 1_280_000 and pom[4].number_format == MONEY_FORMAT
    other = ws[10]
    assert other[0].value == "=HYPERLINK(\"http://x\")" and other[0].data_type == "s"
    assert other[1].value == 1988 and other[1].number_format == "0"
    assert ws["A11"].value == "Tổng cộng" and ws["A11"].font.b
    assert ws["E11"].number_format == MONEY_FORMAT
    # The long note is cut into rows no taller than Excel allows.
    heights = [ws.row_dimensions[r].height for r in range(12, ws.max_row + 1)
               if ws.row_dimensions[r].height]
    assert heights and max(heights) <= 409
    for row in ws.iter_rows():
        for cell in row:
            if cell.value not in (None, ""):
                assert cell.font.name == FONT, cell.coordinate
    assert int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # One page wide (1 is the default, so it may be left out), as many pages tall as needed.
    assert int(ws.page_setup.fitToWidth or 1) == 1 and int(ws.page_setup.fitToHeight) == 0


def test_a_constant_memory_workbook_is_a_temporary_file_and_rows_go_in_order(ctx):
    book = excel.Workbook(constant_memory=True)
    assert not isinstance(book.stream, BytesIO) and book.stream.fileno() >= 0
    assert book.wb.constant_memory
    sheet = book.sheet("Danh sách", commune(), "T", "P", [("A", 10), ("B", 10)])
    for i in range(3):
        sheet.row([f"dòng {i}", i])
    stream = book.close()
    ws = openpyxl.load_workbook(stream).worksheets[0]
    assert [ws.cell(r, 1).value for r in (9, 10, 11)] == ["dòng 0", "dòng 1", "dòng 2"]
    assert ws["A1"].value == "CÔNG AN HUYỆN TÂN LẬP" and ws["B1"].value == MOTTO  # header kept
    stream.close()


def test_sheet_names_are_valid_and_unique():
    name = excel.sheet_name("Báo cáo tháng 10/2025 [nháp]: *?")
    assert name.startswith("Báo cáo tháng 10-2025 -nháp-") and len(name) <= 31
    assert not set("[]:*?/\\") & set(name)
    assert len(excel.sheet_name("Tổng hợp " * 10)) <= 31
    assert excel.sheet_name("Theo đơn vị", ["theo đơn vị"]) == "Theo đơn vị (2)"
    assert excel.sheet_name("'") == "Trang tính"


def test_a_province_sheet_is_headed_by_the_police_under_the_ministry(ctx):
    province = Unit(code="99", name="Tỉnh Mai Sơn", kind="tinh", level="province", path="/99/")
    book = excel.Workbook()
    book.sheet("Tỉnh", province, "T", "P", [("A", 20), ("B", 20)], issued_on=date(2026, 3, 1),
               number="7")
    ws = openpyxl.load_workbook(book.close()).worksheets[0]
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == [
        "BỘ CÔNG AN", "CÔNG AN TỈNH MAI SƠN", "Số: 7/BC-CAT-PC04"]
    assert ws.cell(3, 2).value == "Mai Sơn, ngày 01 tháng 03 năm 2026"


def test_a_wide_sheet_keeps_its_header_block_on_the_first_page(ctx):
    book = excel.Workbook()
    book.sheet("Rộng", commune(), "T", "P", [("C", 12)] * 40, landscape=True, fit_width=False)
    ws = openpyxl.load_workbook(book.close()).worksheets[0]
    spans = {str(r) for r in ws.merged_cells.ranges}
    last = max(r.max_col for r in ws.merged_cells.ranges)
    assert 12 * last <= excel.PAGE_WIDTH[True] + 12
    assert any(s.startswith("A5:") for s in spans)
    assert ws.page_setup.orientation == "landscape"


def test_a_wrapped_text_row_is_given_its_height():
    assert excel.estimate_lines("ngắn", 20) == 1
    assert excel.estimate_lines("một hai ba bốn năm sáu bảy tám chín mười", 12) >= 3
    assert excel.estimate_lines("dòng một\ndòng hai", 40) == 2
    assert excel.estimate_lines("x" * 100, 10) >= 10


# --- Every workbook the product makes, through LibreOffice ------------------------------------

def libreoffice_roundtrip(path: Path, tmp_path: Path) -> Path:
    return convert(path, tmp_path)


@pytest.fixture
def report_period():
    """December of last year: a past month whose report carries the year-end figures."""
    return today_local().year - 1, 12


@pytest.fixture
def registry_data(app, demo):
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        for name, id_number, birth in (("Lò Văn Pọm", "001090000123", date(1990, 5, 10)),
                                       ("Quàng Thị Ban", None, None)):
            data = {"full_name": name, "sex": "M", "birth_year": 1988, "unit": unit,
                    "id_number": id_number, "birth_date": birth,
                    **({"birth_year": birth.year} if birth else {})}
            assert services.validate_person(data, xa) == {}
            person = services.save_person(None, data, xa)
            event = {"event_date": date(2024, 1, 15), "addicted": True, "facility": "TTYT"}
            assert services.validate_event(person, EventKind.DETERMINATION, event) == {}
            services.add_event(person, EventKind.DETERMINATION, event, xa)
        db.session.commit()


@pytest.fixture
def submissions(app, demo, registry_data, report_period):
    """The commune's December report approved (with year-end money), the district's a draft."""
    year, month = report_period
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(select(Unit))}
        rows = [r.as_list() for r in compute(units["99101"], year, month)]
        db.session.add(MonthlySubmission(
            unit_id=units["99101"].id, year=year, month=month, status="approved",
            snapshot=rows, work_done="Đã rà soát danh sách.\nĐã tổ chức cai nghiện.",
            difficulties="Thiếu kinh phí " * 120, proposals=None, staff_count=3,
            funding_local=65_900_000, funding_contribution=1_280_000, funding_other=0))
        db.session.commit()


def plain(number_format: str) -> str:
    """A number format as it reads: LibreOffice writes "đ" as \\đ and dd/mm/yyyy as DD/MM/YYYY."""
    return number_format.replace('"', "").replace("\\", "").lower()


def header_row(ws, first: str) -> int:
    return next(r for r in range(1, 30) if ws.cell(r, 1).value == first)


def texts(ws, last_row: int) -> list[str]:
    return [str(c.value) for row in ws.iter_rows(max_row=last_row) for c in row
            if c.value not in (None, "")]


def check_common_look(ws, first_header: str, header_rows: int = 1, freeze_column: str = "A",
                      converted: bool = False):
    """What every sheet has: the header block, TNR, frozen header, A4, header repeated.

    LibreOffice headless has no window, so it writes no frozen panes (a view setting) into the
    files it converts: those are checked on our own file only."""
    top = header_row(ws, first_header)
    head = texts(ws, top - 1)
    assert MOTTO in head and MOTTO_SUB in head
    assert any(", ngày " in t and " tháng " in t and " năm " in t for t in head)
    if not converted:
        assert ws.freeze_panes == f"{freeze_column}{top + 1}"
    assert int(ws.page_setup.paperSize) == 9
    first_repeated = top - header_rows + 1
    assert ws.print_title_rows == f"${first_repeated}:${top}"
    for row in ws.iter_rows(max_row=min(ws.max_row, 400)):
        for cell in row:
            if cell.value not in (None, ""):
                assert cell.font.name == FONT, (ws.title, cell.coordinate)
    return top


def check_report(wb, year: int, month: int, district: bool, converted: bool):
    ws = wb["Báo cáo tháng"]
    top = check_common_look(ws, "STT", converted=converted)
    head = texts(ws, top - 1)
    # December of last year: the police's time (from 01/3/2025).
    issuer = (("CÔNG AN TỈNH MAI SƠN", "CÔNG AN HUYỆN TÂN LẬP") if district
              else ("CÔNG AN HUYỆN TÂN LẬP", "CÔNG AN XÃ TÂN HÒA"))
    assert head[:len(issuer)] == list(issuer) or set(issuer) <= set(head)
    assert "BÁO CÁO KẾT QUẢ CÔNG TÁC CAI NGHIỆN MA TÚY, QUẢN LÝ SAU CAI" in head
    assert any(f"Tháng {month:02d}/{year}" in t for t in head)
    assert [ws.cell(top, c).value for c in range(1, 6)] == [
        "STT", "Chỉ tiêu", "Đơn vị tính", "Số liệu", "Ghi chú"]
    figures = {ws.cell(r, 2).value: ws.cell(r, 4) for r in range(top + 1, ws.max_row + 1)
               if isinstance(ws.cell(r, 4).value, (int, float))}
    total = figures["Tổng số người nghiện ma túy"]
    assert total.value == 2 and plain(total.number_format) == plain(excel.NUM_FORMATS["int"])
    assert ws.auto_filter.ref is None
    assert ws.page_setup.orientation == "portrait"
    if not district:
        money = figures["Kinh phí năm: ngân sách địa phương"]
        assert money.value == 65_900_000 and plain(money.number_format) == plain(MONEY_FORMAT)
        body = texts(ws, ws.max_row)
        assert {"Đã rà soát danh sách.", "Đã tổ chức cai nghiện."} <= set(body)  # a row each
        assert "THỦ TRƯỞNG ĐƠN VỊ" in body
    else:
        detail = wb["Theo đơn vị"]
        top = check_common_look(detail, "STT", header_rows=2, freeze_column="C",
                                converted=converted)
        names = [detail.cell(r, 2).value for r in range(top + 1, top + 6)]
        assert names == ["Xã Tân Hòa", "Xã Mường Lạn", "Thị trấn Tân Lập", "Xã Phiêng Cằm",
                         "Tổng cộng"]
        assert detail.cell(top + 1, 3).value == "Đã duyệt"
        assert detail.auto_filter.ref.startswith(f"A{top}:")
        assert detail.page_setup.orientation == "landscape"


def check_registry(wb, converted: bool):
    ws = wb.worksheets[0]
    assert ws.title == "Danh sách đối tượng"
    top = check_common_look(ws, "Họ và tên", freeze_column="B", converted=converted)
    head = texts(ws, top - 1)
    assert "BỘ CÔNG AN" in head and "CÔNG AN TỈNH MAI SƠN" in head
    assert "DANH SÁCH NGƯỜI TRONG HỒ SƠ QUẢN LÝ (TẤT CẢ TÌNH TRẠNG)" in head
    header = [c.value for c in ws[top]]
    col = {name: i + 1 for i, name in enumerate(header) if name}
    rows = {ws.cell(r, 1).value: r for r in (top + 1, top + 2)}
    pom = rows["Lò Văn Pọm"]
    birth = ws.cell(pom, col["Ngày sinh"])
    assert birth.value == datetime(1990, 5, 10)
    assert plain(birth.number_format) == DATE_FORMAT
    id_cell = ws.cell(pom, col["Số định danh cá nhân"])
    assert id_cell.value == "001090000123" and id_cell.data_type == "s"
    determined = ws.cell(pom, col["Ngày xác định nghiện"])
    assert determined.value == datetime(2024, 1, 15)
    assert plain(determined.number_format) == DATE_FORMAT
    assert ws.cell(rows["Quàng Thị Ban"], col["Ngày sinh"]).value == 1988
    assert ws.auto_filter.ref == f"A{top}:S{top + 2}"
    assert ws.page_setup.orientation == "landscape"


@pytest.mark.parametrize("which", ["commune report", "district report", "registry"])
def test_every_workbook_opens_cleanly_in_libreoffice_and_reads_back(
        login_as, submissions, report_period, tmp_path, which):
    year, month = report_period
    period = f"{year}-{month:02d}"
    if which == "registry":
        response = login_as("tinh").get("/persons/export.xlsx?state=all")
    elif which == "commune report":
        response = login_as("xa").get(f"/reports/{period}/99101.xlsx")
    else:
        response = login_as("huyen").get(f"/reports/{period}/991.xlsx")
    assert response.status_code == 200
    path = tmp_path / f"{which.replace(' ', '-')}.xlsx"
    path.write_bytes(response.data)

    def check(wb, converted: bool):
        if which == "registry":
            check_registry(wb, converted)
        else:
            check_report(wb, year, month, which == "district report", converted)

    original = openpyxl.load_workbook(path)
    check(original, converted=False)
    converted = openpyxl.load_workbook(libreoffice_roundtrip(path, tmp_path))
    assert converted.sheetnames == original.sheetnames
    check(converted, converted=True)


def test_the_report_route_answers_404_for_a_bad_period_or_a_unit_out_of_scope(login_as):
    client = login_as("xa")
    assert client.get("/reports/2025-13/99101.xlsx").status_code == 404
    assert client.get("/reports/2025-10/99102.xlsx").status_code == 404
    assert client.get("/reports/2025-10/99101.xlsx").status_code == 200


def test_xlsxwriter_refuses_what_excel_would_repair():
    """The guard the module relies on: overlapping merges raise instead of corrupting."""
    wb = xlsxwriter.Workbook(BytesIO(), {"in_memory": True})
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 0, 2, "a")
    with pytest.raises(Exception):
        ws.merge_range(0, 1, 0, 3, "b")
    wb.close()


OTHER_WORKBOOKS = {  # the other downloads, made by their own modules with the same look
    "import template": ("xa", "/imports/template.xlsx"),
    "yearly statistics": ("tinh", "/stats/export.xlsx?unit=99&from={last}&to={year}"),
    "half-year 03-BCN": ("huyen", "/periodic/{year}-H1/03-BCN/991.xlsx"),
    "year 04-BCN": ("tinh", "/periodic/{last}-Y/04-BCN/99.xlsx"),
}


@pytest.mark.parametrize("which", sorted(OTHER_WORKBOOKS))
def test_the_other_workbooks_have_the_common_look_and_open_cleanly(
        app, login_as, registry_data, tmp_path, which):
    from werkzeug.exceptions import NotFound

    username, url = OTHER_WORKBOOKS[which]
    year = today_local().year
    url = url.format(year=year, last=year - 1)
    try:
        app.url_map.bind("localhost").match(url.split("?")[0])
    except NotFound:
        pytest.skip(f"{url} does not exist yet")
    response = login_as(username).get(url)
    assert response.status_code == 200
    path = tmp_path / f"{which.replace(' ', '-')}.xlsx"
    path.write_bytes(response.data)
    for wb in (openpyxl.load_workbook(path),
               openpyxl.load_workbook(libreoffice_roundtrip(path, tmp_path))):
        for ws in wb.worksheets:
            head = texts(ws, 3)
            assert MOTTO in head and MOTTO_SUB in head, ws.title
            assert int(ws.page_setup.paperSize) == 9, ws.title
            for row in ws.iter_rows(max_row=min(ws.max_row, 200)):
                for cell in row:
                    if cell.value not in (None, ""):
                        assert cell.font.name == FONT, (ws.title, cell.coordinate)


def test_many_rows_at_once_write_the_same_cells_as_row_by_row():
    """`Sheet.rows` (the registry export's fast path) writes exactly what `Sheet.row` does:
    values, number formats, borders, wrapping and the height of a row with a long text."""
    rows = [["Nguyễn Văn An", date(1990, 3, 7), "014090001234", 3, 1_280_000],
            ["Lò Thị Ún " + "rất dài " * 12, 1990, None, None, ""],
            ["Có", True, "", 2.5, None], ["Tỷ", None, None, 1_000_000_000, 12_500_000_000],
            ["Ngắn"]]

    def workbook(many: bool):
        book = excel.Workbook(constant_memory=True, title="Thử")
        sheet = book.sheet("Danh sách", commune(), "DANH SÁCH THỬ", ["Tháng 01/2025"],
                           [Column("Họ và tên", 24), Column("Ngày sinh", 12, "date"),
                            Column("Số định danh cá nhân", 16, "id"),
                            Column("Số người", 10, "int"), Column("Kinh phí", 16, "money")],
                           issued_on=date(2025, 2, 3))
        first = sheet.next_row
        if many:
            assert sheet.rows(rows) == len(rows)
        else:
            for values in rows:
                sheet.row(values)
        return openpyxl.load_workbook(book.close()).active, first

    (one, first), (many, _) = workbook(False), workbook(True)

    def cells(ws):
        return [[(c.value, c.number_format, c.border.left.style, c.alignment.wrap_text,
                  c.alignment.horizontal) for c in row]
                for row in ws.iter_rows(min_row=first + 1, max_row=first + len(rows),
                                        max_col=5)]
    assert cells(many) == cells(one)
    assert [many.row_dimensions[first + 1 + i].height for i in range(len(rows))] == \
        [one.row_dimensions[first + 1 + i].height for i in range(len(rows))]
    assert one.row_dimensions[first + 2].height > 20  # the long name's row is taller
    too_wide = excel.Workbook().sheet("x", commune(), "X", "", [Column("A"), Column("B")])
    with pytest.raises(ValueError):
        too_wide.rows([["a", "b", "c"]])
