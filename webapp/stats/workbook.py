"""The yearly statistics as Excel, in the common look of `exports.excel`."""
from __future__ import annotations

from io import BytesIO

from ..exports import excel
from ..units.models import Unit


def stats_workbook(unit: Unit, first: int, last: int, table, paragraphs,
                   caption: str | None = None) -> BytesIO:
    book = excel.Workbook()
    years = list(range(first, last + 1))
    sheet = book.sheet("Thống kê theo năm", unit,
                       "SỐ LIỆU NGƯỜI NGHIỆN MA TÚY VÀ KẾT QUẢ CAI NGHIỆN",
                       f"Từ năm {first} đến năm {last}",
                       columns=[("Chỉ tiêu", 48)] + [(f"Năm {y}", 16, "int") for y in years])
    for label, level, values in table:
        if values is None:
            sheet.row([label], style="section")
        else:
            sheet.row([label] + list(values), indent=[level])
    if caption:
        sheet.note(caption)
    sheet.blank()
    sheet.note("Đoạn văn soạn sẵn (mục II.2.1):")
    for paragraph in paragraphs:
        for line in paragraph.split("\n"):
            sheet.note(line)
    return book.close()
