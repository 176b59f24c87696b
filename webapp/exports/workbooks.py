"""The workbooks the product makes, all through the common look of `excel.py`."""
from __future__ import annotations

from io import BytesIO

from ..reports import services as reports
from ..reports.figures import as_values
from ..reports.models import STATUS_LABELS
from ..units.models import Unit
from . import excel


def report_rows(unit: Unit, year: int, month: int):
    """The rows the screen shows: the frozen snapshot once sent, else the live figures."""
    sub = reports.submission_for(unit, year, month)
    if sub is not None and sub.frozen and sub.snapshot:
        return sub, sub.snapshot
    return sub, [r.as_list() for r in reports.live_rows(unit, year, month)[0]]


def report_workbook(unit: Unit, year: int, month: int) -> BytesIO:
    sub, rows = report_rows(unit, year, month)
    status = STATUS_LABELS[sub.status if sub else "missing"]
    book = excel.Workbook()
    title = "BÁO CÁO KẾT QUẢ CÔNG TÁC CAI NGHIỆN MA TÚY, QUẢN LÝ SAU CAI"
    period = f"Tháng {month:02d}/{year} (Biểu 01-BCN) — {status}"
    sheet = book.sheet("Báo cáo tháng", unit, title, period, columns=[
        ("Chỉ tiêu", 70), ("Số liệu", 14)])
    for key, label, level, value in rows:
        sheet.row([("  " * max(level - 1, 0)) + label, value], heading=level == 0)
    children = reports.aggregate(unit, year, month).children if unit.level != "commune" \
        and reports.reporting_children(unit, year, month) else []
    if children:
        figure_rows = [r for r in rows if r[3] is not None]
        detail = book.sheet("Theo đơn vị", unit, title, period, columns=[("Đơn vị", 28)] + [
            (label, 12) for _, label, _, _ in figure_rows], landscape=True)
        totals = as_values(rows)
        for line in children:
            values = line.values or {}
            detail.row([line.unit.name] + [values.get(key) for key, *_ in figure_rows])
        detail.row(["Tổng cộng"] + [totals.get(key) for key, *_ in figure_rows], total=True)
    return book.close()
