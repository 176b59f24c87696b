"""The monthly report (Biểu 01-BCN) as the document that leaves the office.

One function, `monthly_document`, decides every line of the form: the heading and số/ký hiệu,
the Circular 05/2011 lines, the title and period, the table (STT, indicator, unit of measure,
figure, note), the December section, the narrative, the signature blocks with names and the
recipients. The Excel file (exports/workbooks.py) and the print view (reports/print.html)
both write this object, so they say exactly the same thing. No workflow status is printed:
a form is the same document whatever its state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .. import official
from ..formatting import vn_date, vn_money, vn_number
from ..timeutil import to_local, today_local
from ..units.models import Unit
from . import services
from .figures import as_values, month_bounds, quota_label
from .models import MonthlySubmission

TITLE = "BÁO CÁO KẾT QUẢ CÔNG TÁC CAI NGHIỆN MA TÚY, QUẢN LÝ SAU CAI"
_NUMBERED = re.compile(r"^([IVXLC]+)\.\s+(.*)$")
NARRATIVE = (("work_done", "Kết quả công tác trong tháng"), ("difficulties", "Khó khăn, vướng mắc"),
             ("proposals", "Đề xuất, kiến nghị"))
YEAR_END = (("staff_count", "Số cán bộ làm công tác cai nghiện (cuối năm)", "Người", "int"),
            ("funding_local", "Kinh phí năm: ngân sách địa phương", "Đồng", "money"),
            ("funding_contribution", "Kinh phí năm: đóng góp của người cai nghiện, gia đình",
             "Đồng", "money"),
            ("funding_other", "Kinh phí năm: nguồn khác", "Đồng", "money"))
EMPTY_TEXT = "(Không có nội dung.)"


def measure(key: str) -> str:
    """The unit of measure of a row: contacts for support given, persons otherwise."""
    return "Lượt" if key.startswith("flow.support") and not key.startswith(
        "flow.support_persons") else "Người"


@dataclass(frozen=True)
class Line:
    """One row of the form's table. `style`: "section" (a heading), None (a figure, level 1
    or 2). `shown` is the figure as printed (1.280, 65.900.000đ); `note` the Ghi chú column."""

    number: str
    label: str
    unit: str = ""
    value: int | None = None
    kind: str = "int"
    note: str | None = None
    level: int = 1
    style: str | None = None

    @property
    def shown(self) -> str:
        if self.value is None:
            return ""
        return vn_money(self.value) if self.kind == "money" else vn_number(self.value)


@dataclass
class MonthlyDocument:
    unit: Unit
    year: int
    month: int
    sub: MonthlySubmission | None
    issued: date
    head: official.Heading
    form_lines: list[str]
    title: str
    period: str
    lines: list[Line]
    narrative: list[tuple[str, str]] = field(default_factory=list)
    signatures: tuple = ()
    recipients: official.Recipients | None = None
    empty: str | None = None  # instead of the table: nothing approved below yet


def period_line(year: int, month: int) -> str:
    first, last = month_bounds(year, month)
    return (f"Biểu 01-BCN · Tháng {month:02d}/{year} (từ ngày {vn_date(first)} "
            f"đến ngày {vn_date(last)})")


def issued_on(sub: MonthlySubmission | None) -> date:
    """The date of the document: the day it was sent, else today (a draft being printed)."""
    sent = sub.submitted_at if sub is not None and sub.frozen and sub.submitted_at else None
    return to_local(sent).date() if sent else today_local()


def table_lines(rows, year_end: dict | None, year: int) -> list[Line]:
    """The table: sections numbered I, II…, figures 1, 2… within a section, parts indented;
    quota progress in the note column ("90/90 (100%)"); the December section when given."""
    values = as_values(rows)
    lines, number = [], 0
    for key, label, level, value in rows:
        if level == 0:
            match = _NUMBERED.match(label)
            numeral, text = match.groups() if match else ("", label)
            lines.append(Line(numeral, text, level=0, style="section"))
            number = 0
        elif level == 1:
            number += 1
            note = None
            if key.endswith(".achieved"):
                note = quota_label(value, values.get(key[:-len(".achieved")] + ".target", 0))
            lines.append(Line(str(number), label, measure(key), value, note=note))
        else:
            lines.append(Line("", label, measure(key), value, level=2))
    if year_end is not None:
        lines.append(Line("VI", f"Nhân lực, kinh phí năm {year}", level=0, style="section"))
        for i, (name, label, unit, kind) in enumerate(YEAR_END, start=1):
            lines.append(Line(str(i), label, unit, year_end.get(name), kind))
    return lines


def monthly_document(unit: Unit, year: int, month: int,
                     sub: MonthlySubmission | None = None, rows=None) -> MonthlyDocument:
    if rows is None:
        sub, rows = report_rows(unit, year, month)
    last = month_bounds(year, month)[1]
    issued = issued_on(sub)
    number = sub.document_number if sub is not None else None
    year_end = services.year_end_values(unit, year, sub) if month == 12 else None
    narrative = [(label, (getattr(sub, name) if sub is not None else None) or EMPTY_TEXT)
                 for name, label in NARRATIVE]
    preparer = sub.submitted_by.full_name if sub is not None and sub.frozen and \
        sub.submitted_by is not None else None
    left, right = official.report_signatures(preparer, unit.head_name)
    if unit.head_title:
        right = official.Signature(right.title, right.hint, right.name, unit.head_title.upper())
    empty = services.NO_APPROVED_DATA if services.awaits_approved_data(
        unit, year, month, sub) else None
    return MonthlyDocument(
        unit=unit, year=year, month=month, sub=sub, issued=issued, empty=empty,
        head=official.heading(unit, last, number=number, dated=issued),
        form_lines=official.form_lines("01-BCN", unit, last), title=TITLE,
        period=period_line(year, month),
        lines=[] if empty else table_lines(rows, year_end, year),
        narrative=narrative, signatures=(left, right),
        recipients=official.recipients(unit, last))


def signatures_of(unit: Unit, preparer: str | None = None, maker: str = "NGƯỜI LẬP BIỂU"):
    """The two blocks: who drew the document up, and the head of the unit with the name and
    title the unit recorded (units/detail)."""
    left, right = official.report_signatures(preparer, unit.head_name)
    if maker != left.title:
        left = official.Signature(maker, left.hint, left.name)
    if unit.head_title:
        right = official.Signature(right.title, right.hint, right.name, unit.head_title.upper())
    return left, right


def report_rows(unit: Unit, year: int, month: int):
    """The rows the form shows: the frozen snapshot once sent, else the live figures."""
    sub = services.submission_for(unit, year, month)
    if sub is not None and sub.frozen and sub.snapshot:
        return sub, sub.snapshot
    return sub, [r.as_list() for r in services.live_rows(unit, year, month)[0]]
