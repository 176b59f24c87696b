"""What a Biểu 03-BCN or 04-BCN says on paper, computed once for the Excel file and the print
view (so they cannot disagree): the official heading (webapp/official.py) dated by the
period's end, the form lines, the title, a table with the units as rows and the indicator
groups as grouped columns, the total, the notes below it and the signature blocks. The
workflow status is never part of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .. import official
from ..formatting import vn_date, vn_number
from ..timeutil import to_local, today_local
from ..units.models import Unit
from . import periodic
from .periodic_models import PeriodicSubmission

TITLE = "BÁO CÁO KẾT QUẢ CÔNG TÁC CAI NGHIỆN MA TÚY, QUẢN LÝ SAU CAI"


@dataclass
class Document:
    unit: Unit
    form: str
    head: official.Heading
    form_lines: list[str]
    title: str
    periods: list[str]
    groups: list[tuple[str, int, int]]   # (label, first column, last column)
    columns: list[tuple[str, float, str]]  # (label, width, kind)
    rows: list[list]
    total: list
    notes: list[str] = field(default_factory=list)
    signatures: tuple = ()
    issued_on: date | None = None
    rules_on: date | None = None
    number: str | None = None


def cell_text(value) -> str:
    """A cell as the print view shows it (the Excel file shows the same number formatted)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return vn_number(value)
    return str(value)


def build(unit: Unit, form: str, year: int, period: str, sub: PeriodicSubmission | None,
          view: dict) -> Document:
    first, last = periodic.bounds(year, period)
    sent = sub.submitted_at if sub is not None and sub.frozen and sub.submitted_at else None
    issued = to_local(sent).date() if sent else today_local()  # as the Excel file dates it
    number = sub.number if sub is not None else None
    by_months = periodic.from_months(unit, form)
    columns = [("STT", 5, "center"), ("Đơn vị", 22, "text")]
    groups = []
    for label, keys in periodic.TABLE:
        start = len(columns)
        columns.extend((short, 7.5, "int") for _, short in keys)
        groups.append((label, start, len(columns) - 1))
    columns.append(("Không có người nghiện (cuối kỳ)" if by_months
                    else "Số xã không có người nghiện (cuối kỳ)", 11,
                    "center" if by_months else "int"))
    rows, totals = [], {}
    for i, line in enumerate(view["lines"], start=1):
        values = line["values"] or {}
        for key in periodic.TABLE_KEYS:
            if key in values:
                totals[key] = totals.get(key, 0) + values[key]
        mark = line["no_addicts"]
        mark = ("x" if mark else "") if by_months else mark
        rows.append([i, line["name"]] + [values.get(key) for key in periodic.TABLE_KEYS]
                    + [mark])
    count = len(view["no_addicts"])
    total = ["", "Tổng cộng"] + [totals.get(key, 0) for key in periodic.TABLE_KEYS] + [count]
    notes = [f"Số xã, phường, thị trấn không có người nghiện ma túy đến ngày {vn_date(last)}: "
             f"{vn_number(count)}/{vn_number(view['communes'])}"
             + (": " + "; ".join(_commune(c, by_months) for c in view["no_addicts"]) + "."
                if count else ".")]
    if view["unknown"]:
        notes.append(f"Chưa xác định được (chưa có số liệu tháng {last.month:02d}/{last.year} "
                     f"được duyệt): {vn_number(len(view['unknown']))} xã, phường, thị trấn.")
    missing = periodic.incomplete(view)
    if missing:
        notes.append("Báo cáo chưa được duyệt, không cộng vào biểu: "
                     + "; ".join(periodic.missing_text(line) for line in missing) + ".")
    if sub is not None and sub.note:
        notes.append(f"Giải trình: {sub.note}")
    if sub is not None and sub.remarks:
        notes.append(f"Ghi chú: {sub.remarks}")
    return Document(
        unit=unit, form=form,
        head=official.heading(unit, last, number=number, dated=issued),
        form_lines=official.form_lines(form, unit, last),
        title=f"{TITLE} {periodic.period_label(year, period).upper()}",
        periods=[f"Biểu {form} · " + periodic.period_line(year, period)],
        groups=groups, columns=columns, rows=rows, total=total, notes=notes,
        signatures=official.report_signatures(),
        issued_on=issued, rules_on=last, number=number)


def _commune(entry: dict, by_months: bool) -> str:
    return entry["name"] if by_months else f"{entry['name']} ({entry['parent']})"


def fit_pages(rows: int) -> int:
    """Pages tall the table is scaled into (0: as many as it takes): a long table of units
    is shrunk onto a few A4 landscape pages rather than run on for a dozen."""
    return 0 if rows <= 30 else -(-(rows + 25) // 45)
