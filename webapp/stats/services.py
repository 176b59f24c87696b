"""Yearly statistics in the shape of the seed report's section II.2.1, and the drafted paragraph.

The numbers are the monthly figures (`reports.figures.compute`) at each year's end — or at the
end of the current month for the current year — so statistics, monthly reports and Excel agree.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..formatting import vn_number
from ..reports.figures import as_values, compute, quota_label
from ..timeutil import today_local
from ..treatment.vocab import REHAB_FORMS
from ..units.models import Unit

MAX_YEARS = 10
FORM_PHRASES = {
    "home": "Cai nghiện tự nguyện tại gia đình",
    "community": "Cai nghiện tự nguyện tại cộng đồng",
    "facility": "Cai nghiện tự nguyện tại cơ sở",
    "compulsory": "Cai nghiện bắt buộc",
    "detox": "Điều trị cắt cơn",
}


@dataclass
class YearStats:
    year: int
    as_of_month: int
    values: dict[str, int]
    labels: dict[str, str]

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
        if not raw:
            return default
        if not raw.isdigit() or not 2000 <= int(raw) <= today.year:
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
    today = today or today_local()
    out = []
    for year in range(first, last + 1):
        month = 12 if year < today.year else today.month
        rows = compute(unit, year, month)
        labels = {r.key: r.label for r in rows if r.value is not None}
        out.append(YearStats(year, month, as_values(rows), labels))
    return out


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


