"""Yearly statistics in the shape of the seed report's section II.2.1, and the drafted paragraph.

The numbers are the monthly figures (`reports.figures.compute`) at each year's end — or at the
end of the current month for the current year — so statistics, monthly reports and Excel agree.
Each year is counted with the rule in force on that day: before the date of the setting
`addicts_determined_only_from` suspected persons count among addicts (the seed's 2021: 1.186),
from it only determined addicts do (2022: 481); a range across that date says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from .. import settings
from ..extensions import db, keep_counted
from ..forms import input_problem, query_problems
from ..formatting import vn_date, vn_number
from ..reports.figures import as_values, compute, month_bounds, quota_label
from ..timeutil import now_utc, today_local
from ..treatment.vocab import REHAB_FORMS
from ..units.models import Level, Unit
from .models import YearFigures

MAX_YEARS = 10
FORM_PHRASES = {
    "home": "Cai nghiện tự nguyện tại gia đình",
    "community": "Cai nghiện tự nguyện tại cộng đồng",
    "facility": "Cai nghiện tự nguyện tại cơ sở",
    "compulsory": "Cai nghiện bắt buộc",
    "detox": "Điều trị cắt cơn",
}
# The legal basis of the rule change, as the seed report cites it; its date is the setting.
DETERMINED_ONLY_BASIS = (
    "Luật Phòng, chống ma túy năm 2021; Nghị định số 105/2021/NĐ-CP ngày 04/12/2021 của Chính "
    "phủ quy định chi tiết và hướng dẫn thi hành một số điều của Luật Phòng, chống ma túy; Nghị "
    "định số 109/2021/NĐ-CP ngày 08/12/2021 của Chính phủ về quy định cơ sở y tế đủ điều kiện xác "
    "định tình trạng nghiện ma túy và hồ sơ, trình tự, thủ tục xác định tình trạng nghiện ma túy")
DETERMINED_ONLY_RULE = (
    "Những người được nghi nghiện hoặc nghi sử dụng trái phép chất ma túy phải có hồ sơ quản lý "
    "và được cơ sở Y tế xác định tình trạng nghiện ma túy và có kết luận là “Nghiện ma túy” thì "
    "mới được coi là người nghiện ma túy")


@dataclass
class YearStats:
    year: int
    as_of_month: int
    values: dict[str, int]
    labels: dict[str, str]
    # Counted under the old rule: suspected persons are among the addicts of section II.
    suspected_included: bool = False
    counted_at: datetime | None = None  # read from YearFigures: when it was counted

    def parts(self, group: str) -> list[tuple[str, int]]:
        """(label, count) of one breakdown, in report order, without the "Chưa rõ" bucket
        when it is empty."""
        prefix = f"addicts.{group}."
        out = []
        for key, label in self.labels.items():
            if key.startswith(prefix):
                value = self.values[key]
                if key.endswith(".unknown") and not value:
                    continue
                out.append((label.split(": ", 1)[-1], value))
        return out

    def quota(self, form: str) -> tuple[int, int]:
        return (self.values.get(f"quota.{form}.achieved", 0),
                self.values.get(f"quota.{form}.target", 0))


def parse_years(args, today=None) -> tuple[int, int, dict[str, str]]:
    today = today or today_local()
    errors: dict[str, str] = {}
    default_from, default_to = today.year - 2, today.year

    def year(name: str, default: int) -> int:
        raw = (args.get(name) or "").strip()
        problem = query_problems().get(name) or input_problem(raw)
        if problem:
            errors[name] = problem
            return default
        if not raw:
            return default
        # ASCII digits only: "²".isdigit() is True but int("²") fails.
        if not (raw.isascii() and raw.isdigit()) or not 2000 <= int(raw) <= today.year:
            errors[name] = f"Năm “{raw[:10]}” không hợp lệ (từ 2000 đến {today.year})."
            return default
        return int(raw)

    first, last = year("from", default_from), year("to", default_to)
    if first > last:
        errors["to"] = "Năm kết thúc phải từ năm bắt đầu trở đi."
        first, last = default_from, default_to
    if last - first + 1 > MAX_YEARS:
        errors["from"] = f"Chỉ xem tối đa {MAX_YEARS} năm một lần."
        first = last - MAX_YEARS + 1
    return first, last, errors


def yearly(unit: Unit, first: int, last: int, today=None) -> list[YearStats]:
    """Each year's figures. A past year of a district, province or the country is read from
    `YearFigures` while younger than `dashboard_cache_hours` (else counted and kept; its
    `counted_at` says when); a commune's, and the current year, are counted live."""
    today = today or today_local()
    keeps = unit.level != Level.COMMUNE
    kept = _kept_years(unit, first, min(last, today.year - 1)) if keeps else {}
    fresh_after = now_utc() - timedelta(hours=settings.get("dashboard_cache_hours"))
    out = []
    for year in range(first, last + 1):
        month = 12 if year < today.year else today.month
        old_rule = settings.addicts_include_suspected(month_bounds(year, month)[1])
        found, counted_at = kept.get((year, month, old_rule)), None
        if found is not None and found.computed_at >= fresh_after:
            rows, counted_at = found.rows, found.computed_at
        else:
            rows = [r.as_list() for r in compute(unit, year, month,
                                                   suspected_as_addicts=old_rule, flows=False)]
            if keeps and year < today.year:  # the caller commits
                keep_counted(found, YearFigures, unit_id=unit.id, year=year, month=month,
                             suspected_included=old_rule, rows=rows, computed_at=now_utc())
        labels = {key: label for key, label, _, value in rows if value is not None}
        out.append(YearStats(year, month, as_values(rows), labels, old_rule, counted_at))
    return out


def _kept_years(unit: Unit, first: int, last: int) -> dict[tuple[int, int, bool], YearFigures]:
    if first > last:
        return {}
    return {(k.year, k.month, k.suspected_included): k for k in db.session.scalars(
        select(YearFigures).where(YearFigures.unit_id == unit.id,
                                  YearFigures.year.between(first, last)))}


def counted_at(stats: list[YearStats]) -> datetime | None:
    """When the kept years shown were counted (the oldest), or None when all are live."""
    return min((s.counted_at for s in stats if s.counted_at), default=None)


def _people(n: int) -> str:
    return f"{vn_number(n)} người"


def _join(parts: list[tuple[str, int]], lower_after_first: bool = False) -> str:
    items = []
    for i, (label, value) in enumerate(parts):
        if lower_after_first and i and label != "Heroin":
            label = label[0].lower() + label[1:]
        items.append(f"{label}: {_people(value)}")
    return "; ".join(items)


def paragraph(stats: YearStats) -> str:
    """The seed's wording, ready to paste:
    "- Năm 2020: Tổng số người nghiện ma túy là 1.280 người, trong đó: ..."."""
    nonzero = lambda parts: [p for p in parts if p[1]]  # noqa: E731
    when = f"Năm {stats.year}" if stats.as_of_month == 12 else \
        f"Năm {stats.year} (tính đến tháng {stats.as_of_month:02d}/{stats.year})"
    lines = [f"- {when}: Tổng số người nghiện ma túy là "
             f"{_people(stats.values.get('addicts.total', 0))}, trong đó:",
             f"+ {_join(stats.parts('sex'))}.",
             f"+ Phân theo độ tuổi: {_join(nonzero(stats.parts('age'))) or 'không có'}.",
             f"+ Phân theo nghề nghiệp: {_join(nonzero(stats.parts('occupation'))) or 'không có'}.",
             "+ Hình thức sử dụng các loại ma túy: "
             f"{_join(nonzero(stats.parts('drug')), lower_after_first=True) or 'không có'}."]
    return "\n".join(lines)


def rule_note(before: YearStats, after: YearStats) -> str:
    """The seed's explanation of the drop between the last year under the old rule and the
    first under the new one (1.186 → 481), with this registry's numbers."""
    was, now = before.values.get("addicts.total", 0), after.values.get("addicts.total", 0)
    basis = (f"{DETERMINED_ONLY_BASIS} có hiệu lực từ ngày "
             f"{vn_date(settings.determined_only_from())}. {DETERMINED_ONLY_RULE}")
    if was > now:
        return (f"(Lý do số liệu người nghiện ma túy từ {_people(was)} năm {before.year} giảm "
                f"xuống còn {_people(now)} năm {after.year} (giảm {_people(was - now)} - số người "
                f"này được hiểu là đang nghi nghiện và nghi sử dụng trái phép chất ma túy) là do "
                f"{basis}).")
    # No drop to explain, but the two years are still counted differently.
    return (f"(Số liệu người nghiện ma túy năm {before.year} ({_people(was)}) tính cả người nghi "
            f"nghiện; từ năm {after.year} ({_people(now)}) chỉ tính người đã được xác định tình "
            f"trạng nghiện, do {basis}).")


def paragraphs(stats: list[YearStats]) -> list[str]:
    """Each year's paragraph; where the years shown cross the rule change, the explanation
    follows the first year under the new rule, as in the seed report."""
    out = []
    for i, year in enumerate(stats):
        out.append(paragraph(year))
        if i and stats[i - 1].suspected_included and not year.suspected_included:
            out.append(rule_note(stats[i - 1], year))
    return out


def rule_caption(stats: list[YearStats]) -> str | None:
    """One line under the table when some year shown is counted under the old rule."""
    old = [s.year for s in stats if s.suspected_included]
    if not old:
        return None
    years = ", ".join(str(y) for y in old)
    return (f"Năm {years}: số người nghiện ma túy tính theo quy định trước ngày "
            f"{vn_date(settings.determined_only_from())}, gồm cả người nghi nghiện.")


def rehab_paragraph(stats: YearStats) -> str:
    """"Năm 2020: 36/30 người đạt 120% KH giao" for each form with a quota or a result."""
    parts = []
    for form in REHAB_FORMS:
        achieved, target = stats.quota(form)
        if not achieved and not target:
            continue
        if target:
            pct = round(achieved * 100 / target)
            parts.append(f"{FORM_PHRASES[form]}: {vn_number(achieved)}/{vn_number(target)} "
                         f"người đạt {pct}% KH giao")
        else:
            parts.append(f"{FORM_PHRASES[form]}: {_people(achieved)} (chưa giao chỉ tiêu)")
    return f"Năm {stats.year}: " + ("; ".join(parts) if parts else "chưa có kết quả") + "."


def table(stats: list[YearStats]) -> list[tuple[str, int, list]]:
    """Rows of the section II.2.1 table: (label, level, [value per year]); quotas as labels."""
    if not stats:
        return []
    first = stats[0]
    rows = [("Tổng số người nghiện ma túy", 0, [s.values.get("addicts.total", 0) for s in stats])]
    if any(s.suspected_included for s in stats):
        # Both counts for years under the old rule, so the series can be compared.
        since = vn_date(settings.determined_only_from())
        rows.append((f"Trong đó: nghi nghiện (tính theo quy định trước {since})", 1,
                     [s.values.get("persons.suspected", 0) if s.suspected_included else "—"
                      for s in stats]))
        rows.append(("Trong đó: đã được xác định tình trạng nghiện", 1,
                     [s.values.get("persons.addict", 0) for s in stats]))
    for group, title in (("sex", "Giới tính"), ("age", "Độ tuổi"), ("occupation", "Nghề nghiệp"),
                         ("drug", "Loại ma túy"), ("ethnicity", "Dân tộc")):
        rows.append((title, 0, None))
        keys = [k for k in first.labels if k.startswith(f"addicts.{group}.")]
        for key in keys:
            values = [s.values.get(key, 0) for s in stats]
            if key.endswith(".unknown") and not any(values):
                continue
            rows.append((first.labels[key].split(": ", 1)[-1], 1, values))
    rows.append(("Kết quả cai nghiện so với chỉ tiêu (Biểu số 01)", 0, None))
    for form in REHAB_FORMS:
        cells = [quota_label(*s.quota(form)) for s in stats]
        if any(s.quota(form) != (0, 0) for s in stats):
            rows.append((FORM_PHRASES[form], 1, cells))
    return rows


