"""A register as an Excel file: the official heading, STT and the register's columns, A4
landscape one page wide, header row repeated."""
from __future__ import annotations

from io import BytesIO

from ..reports.document import signatures_of
from ..exports import excel
from ..exports.excel import Column
from ..timeutil import today_local
from ..units.models import Unit
from .services import PERSON_COLUMNS, Register

KIND = {"center": "center", "text": "text"}


def register_workbook(unit: Unit, register: Register, year: int, rows: list[list]) -> BytesIO:
    columns = [Column(label, width, "date" if "Ngày" in label or label in ("Từ ngày", "Đến ngày",
                                                                          "Dự kiến kết thúc")
                      else "year" if label == "Năm sinh" else KIND[kind])
               for label, width, kind in PERSON_COLUMNS + register.columns]
    today = today_local()
    book = excel.Workbook(title=f"Sổ {register.code}-SCN năm {year} — {unit.name}")
    sheet = book.sheet(f"Sổ {register.code}-SCN {year}", unit, register.title,
                       [f"Mẫu sổ {register.code}-SCN · Năm {year} (mở sổ ngày 01/01/{year}, "
                        f"khóa sổ ngày 31/12/{year})"], columns, landscape=True,
                       issued_on=today, numbered=False)
    for i, cells in enumerate(rows, start=1):
        sheet.row([i] + cells)
    sheet.blank()
    sheet.note(f"Tổng số: {len(rows)} người.", "heading")
    sheet.signatures(*signatures_of(unit, maker="NGƯỜI LẬP SỔ"))
    return book.close()
