"""The fast reading (python-calamine) gives exactly what openpyxl's reading gives, and leaves
to openpyxl the files only it reads right (formulas, error cells, far-away cells)."""
from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from io import BytesIO

import pytest
from xlsx_files import HEADERS, person_row, xlsx

from webapp.imports import reader


def both(data: bytes):
    archive = zipfile.ZipFile(BytesIO(data))
    return reader._read_fast(data, archive), reader._read_openpyxl(data, archive)


def as_dict(found: reader.ReadResult) -> dict:
    return {"sheet": found.sheet, "header_line": found.header_line, "columns": found.columns,
            "extra": found.extra, "rows": found.rows, "notices": found.notices}


def test_a_typical_file_reads_the_same_both_ways():
    rows = [person_row(birth=date(1990, 3, 7), id_number="014090001234",
                       determination_date=datetime(2024, 5, 6), status="Nghiện"),
            person_row(full_name="  Lò  Văn   Ún ", birth=1985, unit_code=99101,
                       address="Bản Mé\nTổ 3"),
            person_row(full_name="Cà Thị Inh", birth="07/03/1991", notes=2.5),
            {},  # an empty row in the middle
            dict(zip([c for c in person_row()], [h for h in HEADERS])),  # not the header
            person_row(full_name="Nguyễn Văn An", sex="Nam", management_date=time(10, 30))]

    def decorate(ws):
        ws.append(HEADERS)  # the header repeated, as lists printed page by page
        ws.append(["Tổng cộng: 5 người"])
        last = ws.max_row
        ws.merge_cells(start_row=last, start_column=1, end_row=last, end_column=14)
        ws.cell(row=ws.max_row + 1, column=2, value=True)
    data = xlsx(rows, title_rows=2, sheet=decorate)
    fast, slow = both(data)
    assert fast is not None
    assert as_dict(fast) == as_dict(slow)
    assert fast.header_line == 3 and fast.notices  # the note row below the table


def test_merged_data_cells_and_extra_columns_read_the_same_both_ways():
    data = xlsx([person_row(address=f"Bản {n}") for n in range(5)],
                headers=HEADERS + ["Số điện thoại"],
                sheet=lambda ws: ws.merge_cells("H2:H4"))
    fast, slow = both(data)
    assert fast is not None and as_dict(fast) == as_dict(slow)
    assert any(r.get("problems") for r in fast.rows)


def test_a_merged_header_is_refused_the_same_way():
    data = xlsx([person_row()], sheet=lambda ws: ws.merge_cells("B1:C1"))
    archive = zipfile.ZipFile(BytesIO(data))
    with pytest.raises(reader.FileRefused) as fast:
        reader._read_fast(data, archive)
    with pytest.raises(reader.FileRefused) as slow:
        reader._read_openpyxl(data, archive)
    assert fast.value.message == slow.value.message


@pytest.mark.parametrize("cell", ["=1+2", "far"])
def test_formulas_and_far_away_cells_are_left_to_openpyxl(cell):
    def put(ws):
        if cell == "far":
            ws["A25000"] = "x"
        else:
            ws["B2"] = cell
    data = xlsx([person_row()], sheet=put)
    fast, slow = both(data)
    assert fast is None
    assert slow.rows
