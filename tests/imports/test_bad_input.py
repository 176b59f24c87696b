"""Every kind of bad file and bad cell: a clear Vietnamese message on the preview, nothing
written, never a server error."""
from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from xlsx_files import HEADERS, person_row, upload, upload_and_check, xlsx

from webapp.extensions import db
from webapp.imports import legacy, reader
from webapp.registry.models import Person
from webapp.timeutil import today_local


def nobody_written(app) -> bool:
    with app.app_context():
        return db.session.scalar(select(func.count(Person.id))) == 0


def refused(client, data: bytes, name: str = "danh-sach.xlsx") -> str:
    """Upload a file that cannot be imported; the job page says why."""
    _, page = upload_and_check(client, data, name)
    assert 'id="import-refused"' in page, page[-3000:]
    assert "Xác nhận nhập" not in page
    return page


def bad_cells(client, rows, **kwargs) -> str:
    _, page = upload_and_check(client, xlsx(rows, **kwargs))
    assert 'id="import-errors"' in page
    assert "Xác nhận nhập" not in page
    return page


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


# --- Files that are not an xlsx ---------------------------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("danh-sach.xlsx", reader.OLE + b"\x00" * 2000, "tệp Excel đời cũ (.xls"),
    ("danh-sach.xls", reader.OLE + b"\x00" * 2000, "Lưu thành"),
    ("danh-sach.csv", "Họ và tên,Ngày sinh,Giới tính\nLò Văn Pọm,1990,Nam\n".encode(),
     "văn bản (CSV hoặc TXT)"),
    ("danh-sach.xlsx", legacy.encode(
        "Họ và tên;Ngày sinh\nLò Văn Pọm;1990\n", legacy.TCVN3).encode("latin-1"),
     "văn bản (CSV hoặc TXT)"),
    ("danh-sach.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "tệp PDF"),
    ("danh-sach.xlsx", b"", "Tệp tải lên rỗng (0 byte)"),
    ("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 100, "không phải định dạng Excel .xlsx"),
    ("danh-sach.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50, "Tệp bị hỏng"),
    ("danh-sach.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}),
     "tệp Word (.docx)"),
    ("danh-sach.zip", _zip({"readme.txt": b"hello"}), "không phải tệp Excel .xlsx"),
    ("danh-sach.ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                            "content.xml": b"<x/>"}), "OpenDocument (.ods)"),
    ("danh-sach.xlsx", _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<oops"}),
     "Không đọc được tệp Excel"),
])
def test_a_file_that_is_not_an_xlsx_gets_a_clear_message(app, login_as, name, data, message):
    page = refused(login_as("xa"), data, name)
    assert message in page
    assert nobody_written(app)


def test_a_zip_bomb_is_refused_before_it_is_opened(app, login_as):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"\x00" * (1 << 20)
            for _ in range(120):  # 120 MB of zeros, about 120 KB packed
                sheet.write(block)
    data = out.getvalue()
    assert len(data) < 1 << 20
    page = refused(login_as("xa"), data)
    assert "dung lượng khi giải nén quá lớn" in page
    assert nobody_written(app)


def test_a_dense_zip_bomb_under_the_size_cap_is_refused_by_its_ratio():
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b" " * (30 << 20)})
    with pytest.raises(reader.FileRefused, match="giải nén quá lớn"):
        reader.check_container(data)


def test_a_file_over_20_mb_is_refused(app, login_as):
    client = login_as("xa")
    response = upload(client, b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024 + 10))
    assert response.status_code == 413
    assert "Tệp lớn hơn 20 MB" in response.get_data(as_text=True)
    with pytest.raises(reader.FileRefused, match="lớn hơn 20 MB"):
        reader.check_container(b"PK\x03\x04" + b"\x00" * (21 * 1024 * 1024))
    assert nobody_written(app)


def test_an_upload_without_a_file_asks_for_one(login_as):
    response = login_as("xa").post("/imports/", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Vui lòng chọn tệp Excel" in response.get_data(as_text=True)


# --- Sheets without a usable header ------------------------------------------------------------

def test_a_sheet_with_no_header_row(app, login_as):
    data = xlsx([person_row()], headers=["Cột A", "Cột B", "Cột C"])
    page = refused(login_as("xa"), data)
    assert "Không tìm thấy dòng tiêu đề trong 10 dòng đầu" in page


def test_a_header_below_the_tenth_row_is_not_looked_for(login_as):
    page = refused(login_as("xa"), xlsx([person_row()], title_rows=10))
    assert "Không tìm thấy dòng tiêu đề" in page


def test_title_rows_above_the_header_are_allowed(login_as):
    _, page = upload_and_check(login_as("xa"), xlsx([person_row()], title_rows=4))
    assert "dòng tiêu đề là dòng 5" in page
    assert "Xác nhận nhập 1 người" in page


def test_missing_required_columns_are_named(login_as):
    headers = [h for h in HEADERS if h not in ("Giới tính", "Mã xã")]
    page = refused(login_as("xa"), xlsx([person_row()], headers=headers))
    assert "Thiếu cột bắt buộc: “Giới tính”, “Mã xã”" in page


def test_merged_header_cells_are_refused(login_as):
    page = refused(login_as("xa"), xlsx([person_row()], title_rows=1,
                                         sheet=lambda ws: ws.merge_cells("B2:C2")))
    assert "Dòng tiêu đề (dòng 2) có ô gộp B2:C2" in page


def test_a_column_twice_is_refused(login_as):
    page = refused(login_as("xa"), xlsx([person_row()], headers=HEADERS + ["Họ và tên"]))
    assert "Cột “Họ và tên” xuất hiện hai lần (cột A và cột O)" in page


def test_a_header_without_data_rows(login_as):
    page = refused(login_as("xa"), xlsx([]))
    assert "không có dòng dữ liệu nào" in page


def test_too_many_rows(login_as, monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 3)
    page = refused(login_as("xa"), xlsx([person_row(full_name=f"Lò Văn {n}") for n in "ABCD"]))
    assert "Tệp có hơn 3 dòng dữ liệu" in page


def test_extra_columns_are_ignored_with_a_notice_and_header_hints_are_understood(login_as):
    headers = [h if h != "Ngày sinh" else "Ngày sinh (dd/mm/yyyy)" for h in HEADERS]
    headers = ["STT"] + [h + " *" if h == "Họ và tên" else h for h in headers] + ["Số điện thoại"]
    row = person_row(STT=1, **{"Số điện thoại": "0912345678", "Họ và tên *": "Lò Văn Pọm",
                               "Ngày sinh (dd/mm/yyyy)": "07/03/1990"})
    _, page = upload_and_check(login_as("xa"), xlsx([row], headers=headers))
    assert "Các cột không có trong mẫu sẽ được bỏ qua: STT (cột A); Số điện thoại (cột P)." in page
    assert "Xác nhận nhập 1 người" in page


# --- Bad cells ----------------------------------------------------------------------------------

def test_formulas_instead_of_values(app, login_as):
    page = bad_cells(login_as("xa"), [person_row(full_name="=CONCATENATE(\"Lò \";\"Văn\")"),
                                      person_row(full_name="Cà Văn Inh", birth="=DATE(1990;1;1)")])
    assert page.count("Ô chứa công thức; vui lòng dán giá trị") == 2
    assert "<td>Dòng 2</td><td>Họ và tên</td>" in page
    assert "<td>Dòng 3</td><td>Ngày sinh</td>" in page
    assert nobody_written(app)


def test_a_date_that_does_not_exist(app, login_as):
    page = bad_cells(login_as("xa"), [person_row(birth="31/02/2021")])
    assert "<td>Dòng 2</td><td>Ngày sinh</td><td>Ngày 31/02/2021 không tồn tại." in page
    page = bad_cells(login_as("xa"), [person_row(status="Nghiện", determination_date="30/02/2024")])
    assert "<td>Ngày xác định nghiện</td><td>Ngày 30/02/2024 không tồn tại." in page


def test_an_unknown_commune_code_and_one_outside_the_scope(login_as):
    page = bad_cells(login_as("xa"), [person_row(unit_code="00000"),
                                      person_row(full_name="Cà Văn Inh", unit_code="99301")])
    assert "Không có xã nào mang mã “00000”" in page
    assert "Phường Đồng Tâm (mã 99301) không thuộc phạm vi của bạn." in page


def test_the_same_person_twice_in_the_file(app, login_as):
    page = bad_cells(login_as("xa"), [
        person_row(), person_row(full_name="Cà Văn Inh", id_number="014090000001"),
        person_row(full_name="  lò  văn pọm "),  # the same after trimming and folding
        person_row(full_name="Cà Văn Ính", id_number="014090000001"),
    ])
    assert ("<td>Dòng 4</td><td>Họ và tên</td>"
            "<td>Trùng với dòng 2 (cùng họ tên, ngày sinh và xã).</td>") in page
    assert ("<td>Dòng 5</td><td>Số định danh cá nhân</td>"
            "<td>Trùng với dòng 3 (cùng số định danh).</td>") in page
    assert nobody_written(app)


@pytest.mark.parametrize("fields, column, message", [
    ({"full_name": None}, "Họ và tên", "Vui lòng nhập họ và tên."),
    ({"sex": "Khác"}, "Giới tính", "Giới tính phải là “Nam” hoặc “Nữ” (đang ghi “Khác”)."),
    ({"birth": None}, "Ngày sinh", "Vui lòng nhập ngày sinh hoặc năm sinh."),
    ({"birth": "năm 90"}, "Ngày sinh", "Ngày phải theo dạng dd/mm/yyyy"),
    ({"birth": str(today_local().year - 5)}, "Ngày sinh", "Người dưới 12 tuổi"),
    ({"id_number": "12345"}, "Số định danh cá nhân", "Số định danh cá nhân phải gồm 12 chữ số."),
    ({"ethnicity": "Kinh tế"}, "Dân tộc", "Dân tộc “Kinh tế” không có trong danh mục"),
    ({"occupation_group": "Công nghiệp"}, "Nhóm nghề", "Nhóm nghề phải là “Nông nghiệp”"),
    ({"main_drug": "Rượu"}, "Loại ma túy", "Loại ma túy phải là một trong"),
    ({"status": None}, "Tình trạng", "Vui lòng nhập tình trạng"),
    ({"status": "Đã cai"}, "Tình trạng", "Tình trạng phải là “Nghiện”, “Sử dụng trái phép”"),
    ({"status": "Nghiện"}, "Ngày xác định nghiện", "Vui lòng nhập ngày xác định nghiện"),
    ({"status": "Nghiện", "determination_date": 2023}, "Ngày xác định nghiện",
     "Vui lòng nhập ngày đầy đủ dạng dd/mm/yyyy (ô chỉ có năm 2023)."),
    ({"status": "Nghiện", "determination_date": (today_local() + timedelta(days=3))
      .strftime("%d/%m/%Y")}, "Ngày xác định nghiện", "Ngày không được sau ngày hôm nay."),
    ({"status": "Sử dụng trái phép"}, "Ngày đưa vào quản lý", "Vui lòng nhập ngày đưa vào quản lý"),
    ({"status": "Sử dụng trái phép", "management_date": "01/01/2024",
      "determination_date": "01/02/2024"}, "Ngày xác định nghiện",
     "Đã xác định nghiện thì ghi Tình trạng là “Nghiện”"),
    ({"determination_date": "01/01/2024"}, "Ngày xác định nghiện",
     "Tình trạng “Nghi nghiện” là chưa có kết luận xác định nghiện"),
    # The listed date, for every status: not in the future, not before birth nor under age.
    ({"management_date": (today_local() + timedelta(days=1)).strftime("%d/%m/%Y")},
     "Ngày đưa vào quản lý", "Ngày không được sau ngày hôm nay."),
    ({"status": "Nghiện", "determination_date": "01/01/2024",
      "management_date": (today_local() + timedelta(days=1)).strftime("%d/%m/%Y")},
     "Ngày đưa vào quản lý", "Ngày không được sau ngày hôm nay."),
    ({"birth": "05/06/1990", "management_date": "04/06/1990"}, "Ngày đưa vào quản lý",
     "Ngày không được trước ngày sinh của người này."),
    ({"birth": "1990", "management_date": "01/01/1995"}, "Ngày đưa vào quản lý",
     "Ngày này người đó chưa đủ 12 tuổi; không thuộc diện quản lý."),
    ({"birth": "1990", "status": "Nghiện", "determination_date": "01/01/1985"},
     "Ngày xác định nghiện", "Ngày không được trước ngày sinh"),
    ({"full_name": "Lò Văn " + "Pọm" * 50}, "Họ và tên", "Tối đa 120 ký tự"),
])
def test_each_bad_cell_is_reported_by_row_and_column(app, login_as, fields, column, message):
    page = bad_cells(login_as("xa"), [person_row(**fields)])
    assert f"<td>Dòng 2</td><td>{column}</td><td>{message}" in page
    assert nobody_written(app)


def test_an_excel_error_value_is_a_bad_cell(login_as):
    def error_cell(ws):
        ws["B2"] = "#N/A"
        ws["B2"].data_type = "e"

    page = bad_cells(login_as("xa"), [person_row()], sheet=error_cell)
    assert "Ô đang báo lỗi #N/A" in page


def test_merged_cells_in_the_data_are_bad_cells(login_as):
    rows = [person_row(full_name=f"Lò Văn {n}") for n in ("Một", "Hai", "Ba")]
    page = bad_cells(login_as("xa"), rows, sheet=lambda ws: ws.merge_cells("H2:H4"))
    assert page.count("Ô đã gộp (H2:H4)") == 3


# --- What is accepted -----------------------------------------------------------------------------

def test_dates_as_excel_dates_text_and_bare_years(app, login_as):
    client = login_as("xa")
    _, page = upload_and_check(client, xlsx([
        person_row(full_name="Lò Văn Một", birth=datetime(1990, 3, 7)),
        person_row(full_name="Lò Văn Hai", birth="7/3/1991"),
        person_row(full_name="Lò Văn Ba", birth=1992),
        person_row(full_name="Lò Văn Bốn", birth=" 1993 "),
        person_row(full_name="Lò Văn Năm", birth="1994-03-07"),
        person_row(full_name="Lò Văn Sáu", birth=34765),  # a date that lost its format
        person_row(full_name="Lò Văn Bảy", birth="07.03.1996"),
    ]))
    assert "Xác nhận nhập 7 người" in page
    assert "Ô dạng số 34765 được hiểu là ngày 07/03/1995" in page
    assert "07/03/1990" in page and "07/03/1991" in page and "07/03/1994" in page


def test_values_are_trimmed_nfc_and_codes_keep_their_zeros(app, login_as):
    client = login_as("xa")
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name=f"  {nfd}  ", sex=" nữ ", id_number=14090001234, ethnicity="thai",
                   occupation_group="nong nghiep", main_drug="HEROIN", unit_code=99101),
    ]))
    assert "Xác nhận nhập 1 người" in page
    assert "Unicode tổ hợp → Unicode dựng sẵn (NFD → NFC)" in page
    assert "Ô dạng số 14090001234 đã được thêm số 0 ở đầu thành 014090001234" in page
    login_as("xa").post(f"/imports/{job_id}/confirm")
    with app.app_context():
        person = db.session.scalar(select(Person))
        assert person.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hoà")
        assert (person.sex, person.id_number, person.ethnicity, person.occupation_group,
                person.main_drug) == ("F", "014090001234", "03", "agri", "heroin")


def test_notes_below_the_table_are_not_persons(login_as):
    def footer(ws):
        ws.append([])
        ws.append(["Tổng số: 1 người."])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=14)

    _, page = upload_and_check(login_as("xa"), xlsx([person_row()], sheet=footer))
    assert "Các dòng ghi chú có ô gộp (dòng 4)" in page
    assert "Xác nhận nhập 1 người" in page


@pytest.mark.parametrize("value, message", [
    ("Lò Văn \u202ePọm", "đảo chiều hiển thị văn bản"),
    ("\u200b\u200d", "Chỉ có ký tự vô hình"),
])
def test_bidi_overrides_and_invisible_only_cells_are_bad_cells(app, login_as, value, message):
    # (NUL cannot even be written into an xlsx by openpyxl; tests/test_input_hygiene.py
    # checks it on the rows as read.)
    page = bad_cells(login_as("xa"), [person_row(), person_row(full_name=value)])
    assert f"<td>Dòng 3</td><td>Họ và tên</td><td>Có ký tự" in page or \
        f"<td>Dòng 3</td><td>Họ và tên</td><td>Chỉ có" in page
    assert message in page
    assert nobody_written(app)
