"""The yearly report (báo cáo năm, or over a range of years) drafted in the seed report's outline.

The officer writes four sections (situation, difficulties, assessment, proposals), stored per
unit and year range; everything else is drafted from the data: documents and activities
(II.1), the statistics paragraph and the rehab results against quotas (II.2, the same
paragraphs as /stats/), funding (II.3–II.4), inspections (II.5). It downloads as a Word
document in the layout of Decree 30/2020, with Biểu số 01 and Phụ lục 02 as Excel annexes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import official
from ..auth.models import User
from ..documents.word import OfficialDocument
from ..drugfree import services as drugfree
from ..exports import excel
from ..extensions import db
from ..formatting import vn_money
from ..scoping import may_keep_books
from ..stats import services as stats
from ..treatment.vocab import REHAB_FORMS
from ..units.models import Unit
from ..vntext import nfc
from . import activities, services
from .models import YearlyReport
from .services import FundingError
from .vocab import CATEGORIES, SOURCES, SHORT_SOURCES

TYPED = {
    "situation": "Đặc điểm, tình hình chung của địa phương, đơn vị",
    "difficulties": "Những thuận lợi, khó khăn trong quá trình triển khai thực hiện",
    "assessment": "Đánh giá chung (kết quả đạt được; tồn tại, hạn chế và nguyên nhân)",
    "proposals": "Kiến nghị, đề xuất",
}
TYPED_MAX = 20_000
NUMBER_MAX = 20


def stored(unit: Unit, first: int, last: int) -> YearlyReport | None:
    return db.session.scalar(select(YearlyReport).where(
        YearlyReport.unit_id == unit.id, YearlyReport.first_year == first,
        YearlyReport.last_year == last))


class StaleReport(Exception):
    """Someone saved the sections since this page was opened."""


def _version(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def save_sections(user: User, unit: Unit, first: int, last: int, data: dict) -> YearlyReport:
    """Store the typed sections; FundingError for bad text, StaleReport when the stored ones
    changed since `data["version"]` was read (nothing is written then)."""
    from ..forms import input_problem

    if not may_keep_books(user, unit):
        raise FundingError({"unit": "Chỉ cán bộ của đơn vị mới soạn báo cáo của đơn vị."})
    errors, values = {}, {}
    for name in TYPED:
        raw = data.get(name)
        problem = input_problem(raw, multiline=True)
        text = nfc(str(raw or "")).strip()
        if problem:
            errors[name] = problem
        elif len(text) > TYPED_MAX:
            errors[name] = f"Tối đa {TYPED_MAX:,} ký tự.".replace(",", ".")
        else:
            values[name] = text or None
    if errors:
        raise FundingError(errors)
    report = stored(unit, first, last)
    expected = _version(data.get("version"))
    if report is None:
        if expected:  # it was deleted, or the page came from another range
            raise StaleReport()
        report = YearlyReport(unit_id=unit.id, first_year=first, last_year=last)
        db.session.add(report)
    elif expected != report.version:
        raise StaleReport()
    for name, value in values.items():
        setattr(report, name, value)
    report.updated_by_id = user.id
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleReport() from None
    return report


def store_number(user: User, unit: Unit, first: int, last: int, number: str | None) -> str | None:
    """The số of the report typed on download, kept with the report (None: left blank)."""
    from ..forms import input_problem

    text = nfc(str(number or "")).strip()
    if input_problem(text) or len(text) > NUMBER_MAX or (text and not text.replace(" ", "").isalnum()):
        raise FundingError({"number": "Số báo cáo chỉ gồm chữ số (tối đa 20 ký tự), ví dụ 125."})
    if not may_keep_books(user, unit):
        return text or None
    report = stored(unit, first, last)
    if report is None:
        report = YearlyReport(unit_id=unit.id, first_year=first, last_year=last)
        db.session.add(report)
    if report.number != (text or None):
        report.number = text or None
        report.updated_by_id = user.id
    db.session.flush()
    return text or None


def period_words(first: int, last: int) -> str:
    return f"năm {first}" if first == last else f"giai đoạn {first} – {last}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- The draft ----------------------------------------------------------------------------------

@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    typed: str | None = None   # the key of a typed section, shown as a text box on the page
    level: int = 1             # 0: I., II. …; 1: 1., 2. …; 2: 2.1 …


@dataclass
class Draft:
    unit: Unit
    first: int
    last: int
    sections: list[Section]
    report: YearlyReport | None
    funding: services.Summary
    stats: list

    @property
    def period(self) -> str:
        return period_words(self.first, self.last)

    @property
    def subtitle(self) -> str:
        return (f"Kết quả công tác cai nghiện ma túy và quản lý sau cai nghiện ma túy trên địa "
                f"bàn {self.unit.name[:1].lower() + self.unit.name[1:]} {self.period}")

    def text(self, name: str) -> str:
        return (getattr(self.report, name) or "") if self.report is not None else ""


def category_paragraph(result: services.Summary) -> list[str]:
    """Section II.3: what the money was spent on, over the whole range."""
    if not result.total:
        return [f"Chưa ghi nhận khoản chi nào cho công tác cai nghiện ma túy trong "
                f"{period_words(result.first, result.last)}."]
    parts = [f"{label}: {vn_money(result.category_total(code))}"
             for code, label in CATEGORIES.items() if result.category_total(code)]
    sources = [f"{SHORT_SOURCES[s]}: {vn_money(result.source_total(s))}"
               for s in SOURCES if result.source_total(s)]
    return ["Kinh phí đã chi theo nội dung: " + "; ".join(parts) + ".",
            "Theo nguồn: " + "; ".join(sources) + "."]


def _lines(paragraphs: list[str]) -> list[str]:
    """One printed paragraph per line (the statistics paragraph is several lines)."""
    return [line for paragraph in paragraphs for line in paragraph.split("\n") if line]


def draft(unit: Unit, first: int, last: int) -> Draft:
    report = stored(unit, first, last)
    years = activities.counts(unit, first, last)
    funding = services.summary(unit, first, last)
    figures = stats.yearly(unit, first, last)
    sections = [
        Section("I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN", level=0),
        Section("1. " + TYPED["situation"], typed="situation"),
        Section("2. " + TYPED["difficulties"], typed="difficulties"),
        Section("II. KẾT QUẢ THỰC HIỆN", level=0),
        Section("1. Công tác lãnh đạo, chỉ đạo, ban hành văn bản; tuyên truyền, tập huấn"),
        Section("1.1. Văn bản chỉ đạo, hướng dẫn đã ban hành",
                activities.documents_paragraphs(years), level=2),
        Section("1.2. Công tác tuyên truyền, tập huấn, họp Ban chỉ đạo",
                activities.activity_paragraphs(years), level=2),
        Section(f"2. Kết quả cụ thể {'năm ' + str(first) if first == last else f'{last - first + 1} năm ({first}-{last})'}"),
        Section("2.1. Tình hình người nghiện ma túy", _lines(stats.paragraphs(figures)), level=2),
        Section("2.2. Kết quả cai nghiện qua các năm (Có biểu số 01 kèm theo)",
                [stats.rehab_paragraph(s) for s in figures], level=2),
        Section("3. Kết quả thực hiện các quy định về quản lý và sử dụng kinh phí",
                category_paragraph(funding)),
        Section("4. Kinh phí thực hiện",
                services.paragraphs(funding) + ["(Có phụ lục 02 chi tiết kèm theo)"]),
        Section("5. Công tác thanh tra, kiểm tra, giám sát", activities.inspection_paragraphs(years)),
        Section("6. Xây dựng xã, phường không ma túy",
                drugfree.report_paragraphs(unit, first, last)),
        Section("III. ĐÁNH GIÁ CHUNG", typed="assessment", level=0),
        Section("IV. KIẾN NGHỊ, ĐỀ XUẤT", typed="proposals", level=0),
    ]
    return Draft(unit, first, last, sections, report, funding, figures)


def docx(result: Draft, day: date, number: str | None = None) -> BytesIO:
    """The Word document: official heading (kind BC), the outline, the closing."""
    head = official.heading(result.unit, day, kind="BC", number=number, dated=day)
    document = OfficialDocument(head, "BÁO CÁO", result.subtitle,
                                core_title=f"Báo cáo {result.period}")
    body = official.body_name(result.unit, day)
    document.paragraph(f"{body} báo cáo kết quả công tác cai nghiện ma túy, quản lý sau cai "
                       f"nghiện ma túy {result.period}, cụ thể như sau:")
    for section in result.sections:
        document.paragraph(section.heading, bold=True, indent=section.level > 0,
                           italic=section.level == 2)
        lines = section.lines
        if section.typed:
            text = result.text(section.typed)
            lines = [line.strip() for line in text.splitlines() if line.strip()] or [
                "(Chưa nhập nội dung.)"]
        for line in lines:
            document.paragraph(line)
    document.paragraph(f"Trên đây là báo cáo kết quả công tác cai nghiện ma túy, quản lý sau cai "
                       f"nghiện ma túy {result.period} của {body}./.")
    document.closing(official.report_signatures()[1], official.recipients(result.unit, day))
    return document.save()


# --- Excel annexes ------------------------------------------------------------------------------

def bieu01(unit: Unit, first: int, last: int, day: date) -> BytesIO:
    """Biểu số 01: rehab results against quotas, by form and year."""
    figures = stats.yearly(unit, first, last)
    book = excel.Workbook(title="Biểu số 01")
    years = [s.year for s in figures]
    columns = [("STT", 6, "center"), ("Hình thức cai nghiện", 40, "text")]
    groups = []
    for i, y in enumerate(years):
        columns += [("Chỉ tiêu", 10, "int"), ("Thực hiện", 10, "int"), ("Tỷ lệ", 9, "center")]
        groups.append((f"Năm {y}", 2 + 3 * i, 4 + 3 * i))
    sheet = book.sheet("Biểu số 01", unit, "BIỂU SỐ 01: KẾT QUẢ CAI NGHIỆN MA TÚY",
                       f"{_capital(period_words(first, last))} (kèm theo báo cáo)",
                       columns, issued_on=day, groups=groups, landscape=len(years) > 2)
    for n, (form, label) in enumerate(stats.FORM_PHRASES.items(), start=1):
        if form not in REHAB_FORMS:
            continue
        row = [n, label]
        for s in figures:
            achieved, target = s.quota(form)
            row += [target, achieved, f"{round(achieved * 100 / target)}%" if target else "—"]
        sheet.row(row)
    sheet.signatures(*official.report_signatures())
    return book.close()


def annex02(funding: services.Summary, day: date) -> BytesIO:
    """Phụ lục 02: funding by year, category and source, then by unit below."""
    period = period_words(funding.first, funding.last)
    book = excel.Workbook(title="Phụ lục 02")
    money = [(SHORT_SOURCES[s], 17, "money") for s in SOURCES]
    sheet = book.sheet("Phụ lục 02", funding.unit,
                       "PHỤ LỤC 02: KINH PHÍ THỰC HIỆN CÔNG TÁC CAI NGHIỆN MA TÚY",
                       f"{_capital(period)} (kèm theo báo cáo)",
                       [("STT", 6, "center"), ("Nội dung chi", 44, "text")] + money
                       + [("Tổng cộng", 17, "money")], issued_on=day)
    roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
    for i, totals in enumerate(funding.years):
        sheet.row([roman[i] if i < len(roman) else str(i + 1), f"Năm {totals.year}"]
                  + [totals.by_source(s) for s in SOURCES] + [totals.total], style="section")
        for n, (code, label) in enumerate(CATEGORIES.items(), start=1):
            amounts = [totals.cells.get((s, code), 0) for s in SOURCES]
            # An empty cell, not 0đ, where nothing was spent: the rows that matter stand out.
            sheet.row([n, label] + [a or None for a in amounts] + [sum(amounts) or None])
    sheet.row(["", f"Tổng cộng {period}"] + [funding.source_total(s) for s in SOURCES]
              + [funding.total], style="total")
    sheet.signatures(*official.report_signatures())
    if funding.children:
        units = book.sheet("Theo đơn vị", funding.unit,
                           "KINH PHÍ THỰC HIỆN CÔNG TÁC CAI NGHIỆN MA TÚY THEO ĐƠN VỊ",
                           _capital(period),
                           [("STT", 6, "center"), ("Đơn vị", 38, "text")] + money
                           + [("Tổng cộng", 17, "money")], issued_on=day)
        for n, (child, years) in enumerate(funding.children, start=1):
            amounts = [sum(y.by_source(s) for y in years) for s in SOURCES]
            units.row([n, child.name] + amounts + [sum(amounts)])
        own = [funding.source_total(s) - sum(sum(y.by_source(s) for y in ys)
                                             for _, ys in funding.children) for s in SOURCES]
        if any(own):
            units.row(["", f"{funding.unit.name} (chi tại cấp mình)"] + own + [sum(own)])
        units.row(["", "Tổng cộng"] + [funding.source_total(s) for s in SOURCES]
                  + [funding.total], style="total")
    return book.close()
