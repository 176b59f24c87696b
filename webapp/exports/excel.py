"""The one look of every workbook: official header, Times New Roman, formats, A4 print set-up.

xlsxwriter writes the files (it streams rows with `constant_memory` for large lists).
"""
from __future__ import annotations

from io import BytesIO

import xlsxwriter

from .. import settings
from ..units.models import Unit

FONT = "Times New Roman"


class Sheet:
    def __init__(self, book: Workbook, name: str, unit: Unit, title: str, period: str,
                 columns: list[tuple[str, int]], landscape: bool = False):
        self.book, self.ws = book, book.wb.add_worksheet(name[:31])
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)
        if landscape:
            self.ws.set_landscape()
        last = max(len(columns) - 1, 1)
        half = max(last // 2, 0)
        f = book.formats
        parent = unit.parent.name if unit.parent else settings.get("agency_name")
        self.ws.merge_range(0, 0, 0, half, parent.upper(), f["head"])
        self.ws.merge_range(1, 0, 1, half, unit.name.upper(), f["head_bold"])
        self.ws.merge_range(0, half + 1, 0, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f["head_bold"])
        self.ws.merge_range(1, half + 1, 1, last, "Độc lập - Tự do - Hạnh phúc", f["head_underline"])
        self.ws.merge_range(3, 0, 3, last, title, f["title"])
        self.ws.merge_range(4, 0, 4, last, period, f["period"])
        for i, (label, width) in enumerate(columns):
            self.ws.set_column(i, i, width)
            self.ws.write(6, i, label, f["th"])
        self.ws.freeze_panes(7, 1)
        self.ws.repeat_rows(6)
        self.next_row = 7
        self.ncols = len(columns)

    def row(self, values: list, heading: bool = False, total: bool = False) -> None:
        f = self.book.formats
        for i, value in enumerate(values):
            if heading:
                fmt = f["section"]
            elif total:
                fmt = f["total_int"] if isinstance(value, int) else f["total"]
            elif isinstance(value, int):
                fmt = f["int"]
            else:
                fmt = f["text"]
            if value is None:
                self.ws.write_blank(self.next_row, i, None, fmt)
            else:
                self.ws.write(self.next_row, i, value, fmt)
        self.next_row += 1


class Workbook:
    def __init__(self, constant_memory: bool = False):
        self.stream = BytesIO()
        self.wb = xlsxwriter.Workbook(self.stream, {"in_memory": True,
                                                    "constant_memory": constant_memory})
        base = {"font_name": FONT, "font_size": 12}
        add = lambda **kw: self.wb.add_format({**base, **kw})  # noqa: E731
        self.formats = {
            "head": add(align="center"), "head_bold": add(align="center", bold=True),
            "head_underline": add(align="center", bold=True, underline=1),
            "title": add(align="center", bold=True, font_size=14),
            "period": add(align="center", italic=True),
            "th": add(bold=True, border=1, align="center", valign="vcenter", text_wrap=True,
                      bg_color="#EEEEEE"),
            "text": add(border=1, text_wrap=True, valign="top"),
            "int": add(border=1, num_format="#,##0"),
            "section": add(border=1, bold=True, bg_color="#F2F2F2"),
            "total": add(border=1, bold=True), "total_int": add(border=1, bold=True,
                                                               num_format="#,##0"),
            "date": add(border=1, num_format="dd/mm/yyyy"),
            "money": add(border=1, num_format='#,##0"đ"'),
        }

    def sheet(self, name, unit, title, period, columns, landscape=False) -> Sheet:
        return Sheet(self, name, unit, title, period, columns, landscape)

    def close(self) -> BytesIO:
        self.wb.close()
        self.stream.seek(0)
        return self.stream
