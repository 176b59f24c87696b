"""Spending entries (kinh phí) and their yearly summary by source and category.

Amounts are exact integers of đồng, parsed from what officers type ("65.900.000",
"65 900 000", "65900000đ"); anything fractional, negative or absurd is refused. The summary is
one grouped query over the unit's subtree (its own entries and those of every unit below it),
so a district's figure is the sum of its communes' and its own, and the page, the drafted
paragraph, the annex and the December report read the same numbers.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import extract, func, select
from sqlalchemy.orm import contains_eager, selectinload

from .. import settings
from ..auth.models import Role, User
from ..extensions import db
from ..formatting import vn_date, vn_money
from ..forms import DateParseError, input_problem, parse_vn_date
from ..official import province_code
from ..scoping import may_keep_books, restrict, scoped_persons
from ..timeutil import today_local
from ..units.models import Unit, under
from ..vntext import nfc
from .models import Activity, FundingEntry
from .vocab import CATEGORIES, REPORT_FIELDS, SOURCES

FIRST_YEAR = 2000
# No single spending of a commune or district programme comes near this; a typo does.
MAX_AMOUNT = 100_000_000_000
MAX_QUANTITY = 100_000
DESCRIPTION_MAX = 300

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CURRENCY = re.compile(r"(đồng|đ|vnđ|vnd)$", re.IGNORECASE)
_GROUPED = re.compile(r"^[0-9]{1,3}(\.[0-9]{3})+$")
_PLAIN = re.compile(r"^[0-9]+$")


class FundingError(ValueError):
    """Nothing was saved; `errors` maps each field to its Vietnamese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values()), ""))
        self.errors = errors


# --- Amounts ------------------------------------------------------------------------------------

AMOUNT_HINT = "Nhập số đồng nguyên, ví dụ 65.900.000 hoặc 65 900 000."


def parse_amount(text: str | None) -> int:
    """"65.900.000", "65 900 000", "65900000", "65.900.000đ" → 65900000; ValueError with the
    Vietnamese reason otherwise."""
    raw = nfc(text or "").strip()
    if not raw:
        raise ValueError("Vui lòng nhập số tiền.")
    compact = _CURRENCY.sub("", _SPACES.sub("", raw).lower()).rstrip()
    if compact.startswith(("-", "−")):
        raise ValueError("Số tiền không được âm.")
    compact = compact.lstrip("+")
    if _PLAIN.match(compact):
        value = int(compact)
    elif _GROUPED.match(compact):
        value = int(compact.replace(".", ""))
    elif re.match(r"^[0-9.]*[,.][0-9]{1,2}$", compact) or "," in compact:
        raise ValueError("Số tiền phải là số đồng nguyên, không có phần lẻ (dấu chấm ngăn cách "
                         "hàng nghìn: 65.900.000).")
    else:
        raise ValueError(f"“{raw[:30]}” không phải số tiền. {AMOUNT_HINT}")
    if value <= 0:
        raise ValueError("Số tiền phải lớn hơn 0.")
    if value > MAX_AMOUNT:
        raise ValueError(f"Số tiền quá lớn (tối đa {vn_money(MAX_AMOUNT)} một khoản chi); "
                         "vui lòng kiểm tra lại.")
    return value


# --- Rates of Circular 62/2022 (dated settings) --------------------------------------------------

@dataclass(frozen=True)
class Rate:
    category: str
    amount: int          # đồng per `per`
    per: str             # "hồ sơ", "người/buổi họp"
    ceiling: bool = False  # "tối đa": the amount is the most the circular allows

    @property
    def label(self) -> str:
        return f"{'tối đa ' if self.ceiling else ''}{vn_money(self.amount)}/{self.per}"


def rates_on(day: date, unit: Unit | None = None) -> dict[str, Rate]:
    """The rates in force on `day` for the unit's province, by category."""
    province = province_code(unit) if unit is not None else None
    table = settings.dated("funding_rates", day, province) or {}
    base = settings.dated("base_salary", day, province)
    out = {}
    for category, spec in table.items():
        if category not in CATEGORIES:
            continue
        if "amount" in spec:
            amount = int(spec["amount"])
        elif "base_percent" in spec and base:
            amount = int(base) * int(spec["base_percent"]) // 100
        else:
            continue
        out[category] = Rate(category, amount, spec.get("per", ""), bool(spec.get("ceiling")))
    return out


# --- Reading ------------------------------------------------------------------------------------

def get_scoped_or_404(user: User, model, object_id: int):
    """One object of a unit-kept kind (entry, activity) in the user's scope; outside it a 404,
    the attempt recorded as for persons."""
    from flask import abort

    from ..scoping import refused

    found = db.session.scalar(restrict(select(model), user, model.unit_id)
                              .where(model.id == object_id)) if user.role != Role.ADMIN else None
    if found is None:
        unit_id = db.session.scalar(select(model.unit_id).where(model.id == object_id))
        if unit_id is not None:
            refused(model.__name__, object_id, unit_id)
        abort(404)
    return found


def get_entry_or_404(user: User, entry_id: int) -> FundingEntry:
    return get_scoped_or_404(user, FundingEntry, entry_id)


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def entries_for(unit: Unit, year: int) -> list[FundingEntry]:
    """The year's entries of the unit and every unit below it, newest first."""
    first, last = year_bounds(year)
    query = (select(FundingEntry).join(Unit, Unit.id == FundingEntry.unit_id)
             .where(under(Unit.path, unit.path), FundingEntry.spent_on.between(first, last))
             .order_by(FundingEntry.spent_on.desc(), FundingEntry.id.desc())
             .options(contains_eager(FundingEntry.unit), selectinload(FundingEntry.activity)))
    return list(db.session.scalars(query))


@dataclass
class YearTotals:
    year: int
    cells: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, category)
    entries: int = 0

    def by_source(self, source: str) -> int:
        return sum(v for (s, _), v in self.cells.items() if s == source)

    def by_category(self, category: str) -> int:
        return sum(v for (_, c), v in self.cells.items() if c == category)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


@dataclass
class Summary:
    unit: Unit
    first: int
    last: int
    years: list[YearTotals]
    # The same totals for each unit directly below (the roll-up's parts), by unit.
    children: list[tuple[Unit, list[YearTotals]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(y.total for y in self.years)

    def source_total(self, source: str) -> int:
        return sum(y.by_source(source) for y in self.years)

    def category_total(self, category: str) -> int:
        return sum(y.by_category(category) for y in self.years)

    def own_level(self) -> list[int]:
        """Per year, what the unit spent itself (the total less its children's)."""
        return [y.total - sum(ys[i].total for _, ys in self.children)
                for i, y in enumerate(self.years)]

    def cell_total(self, source: str, category: str) -> int:
        return sum(y.cells.get((source, category), 0) for y in self.years)


def summary(unit: Unit, first: int, last: int) -> Summary:
    """Totals by year, source and category over the unit's subtree, and the same for each child
    unit: one grouped query, whatever the number of entries and units."""
    year = extract("year", FundingEntry.spent_on)
    query = (select(Unit.path, year, FundingEntry.source, FundingEntry.category,
                    func.sum(FundingEntry.amount), func.count(FundingEntry.id))
             .join(Unit, Unit.id == FundingEntry.unit_id)
             .where(under(Unit.path, unit.path),
                    FundingEntry.spent_on.between(date(first, 1, 1), date(last, 12, 31)))
             .group_by(Unit.path, year, FundingEntry.source, FundingEntry.category))
    children = list(unit.children)
    own = {y: YearTotals(y) for y in range(first, last + 1)}
    parts = {c.id: {y: YearTotals(y) for y in range(first, last + 1)} for c in children}
    for path, y, source, category, amount, count in db.session.execute(query):
        y, amount = int(y), int(amount)
        for bucket in [own] + [parts[c.id] for c in children if path.startswith(c.path)]:
            cell = bucket[y]
            cell.cells[(source, category)] = cell.cells.get((source, category), 0) + amount
            cell.entries += count
    return Summary(unit, first, last, list(own.values()),
                   [(c, list(parts[c.id].values())) for c in children])


def year_end_amounts(unit: Unit, year: int) -> dict[str, tuple[int, int]]:
    """For the December report: {report field: (amount, number of entries)} for each source
    that has entries in the year over the unit's subtree. A source without entries is absent:
    the report keeps the value typed for it."""
    totals = summary_year(unit, year)
    return {REPORT_FIELDS[source]: value for source, value in totals.items()}


def summary_year(unit: Unit, year: int) -> dict[str, tuple[int, int]]:
    """{source: (amount, entries)} of one year over the subtree, by one grouped query."""
    first, last = year_bounds(year)
    query = (select(FundingEntry.source, func.sum(FundingEntry.amount), func.count(FundingEntry.id))
             .join(Unit, Unit.id == FundingEntry.unit_id)
             .where(under(Unit.path, unit.path), FundingEntry.spent_on.between(first, last))
             .group_by(FundingEntry.source))
    return {source: (int(amount), int(count)) for source, amount, count in
            db.session.execute(query) if source in REPORT_FIELDS}


# --- The seed report's wording (section II.4) ----------------------------------------------------

SUBJECT = "Kinh phí thực hiện công tác cai nghiện ma túy"
NOTHING = {"local": "Không.", "contribution": "Không thực hiện.", "other": "Không."}


def year_paragraph(totals: YearTotals, bullet: str = "* ") -> list[str]:
    """"* Năm 2020: Kinh phí thực hiện công tác cai nghiện ma túy là: 65.900.000đ, trong đó:"
    then one line per source, as the seed report writes them."""
    if not totals.entries:
        return [f"{bullet}Năm {totals.year}: Chưa ghi nhận khoản kinh phí nào cho công tác cai "
                "nghiện ma túy."]
    lines = [f"{bullet}Năm {totals.year}: {SUBJECT} là: {vn_money(totals.total)}, trong đó:"]
    for source, label in SOURCES.items():
        amount = totals.by_source(source)
        lines.append(f"- {label}: {vn_money(amount) if amount else NOTHING[source]}")
    return lines


def paragraphs(result: Summary) -> list[str]:
    """Section II.4: over a range, the total first ("Từ năm 2020 đến năm 2022 tổng kinh phí …
    là 168.800.000đ. Cụ thể:"), then each year."""
    if result.first == result.last:
        return year_paragraph(result.years[0], bullet="")
    lines = [f"Từ năm {result.first} đến năm {result.last} tổng kinh phí thực hiện công tác cai "
             f"nghiện ma túy là {vn_money(result.total)}. Cụ thể:"]
    for totals in result.years:
        lines.extend(year_paragraph(totals))
    return lines


# --- Writing ------------------------------------------------------------------------------------

def _clean(value) -> str:
    return nfc(str(value or "")).strip()


def day_in_year(data: dict, name: str, year: int, today: date, errors: dict, out: dict,
                missing: str) -> None:
    """A dd/mm/yyyy date of `year`, not after today, into out[name]; else errors[name]."""
    if name in errors:
        return
    raw = _clean(data.get(name))
    try:
        day = parse_vn_date(raw)
    except DateParseError as exc:
        errors[name] = str(exc) if raw else missing
        return
    if day.year != year:
        errors[name] = (f"Ngày {vn_date(day)} không thuộc năm {year}: vui lòng chọn năm "
                        f"{day.year} để ghi.")
    elif day > today:
        errors[name] = "Ngày không được sau hôm nay."
    else:
        out[name] = day


def chosen(data: dict, name: str, allowed: dict, errors: dict, out: dict, message: str) -> str:
    """A code from a list into out[name]; else errors[name]. Returns the code as typed."""
    code = _clean(data.get(name))
    if name not in errors:
        if code in allowed:
            out[name] = code
        else:
            errors[name] = message
    return code


def checked_texts(data: dict, names, errors: dict, multiline=()) -> None:
    """The refused characters (forms.input_problem) of the typed values, by field."""
    for name in names:
        problem = input_problem(data.get(name), multiline=name in multiline)
        if problem:
            errors[name] = problem


def validate_entry(user: User, unit: Unit, year: int, data: dict,
                   today: date | None = None) -> dict:
    """The entry's values, or FundingError with a message per field (nothing written)."""
    today = today or today_local()
    errors: dict[str, str] = {}
    out: dict = {}
    checked_texts(data, ("spent_on", "amount", "source", "category", "description", "quantity",
                         "person_id", "activity_id"), errors)
    if not may_keep_books(user, unit):
        errors["unit"] = "Chỉ cán bộ của đơn vị mới ghi kinh phí của đơn vị."
    day_in_year(data, "spent_on", year, today, errors, out, "Vui lòng nhập ngày chi.")
    chosen(data, "source", SOURCES, errors, out,
           "Nguồn kinh phí không hợp lệ; vui lòng chọn trong danh sách.")
    category = chosen(data, "category", CATEGORIES, errors, out,
                      "Nội dung chi không hợp lệ; vui lòng chọn trong danh sách.")
    description = _clean(data.get("description"))
    if "description" not in errors:
        if len(description) > DESCRIPTION_MAX:
            errors["description"] = f"Tối đa {DESCRIPTION_MAX} ký tự."
        else:
            out["description"] = description or CATEGORIES.get(category, "")
    quantity_raw = _clean(data.get("quantity"))
    out["quantity"] = None
    if quantity_raw and "quantity" not in errors:
        if not (quantity_raw.isascii() and quantity_raw.isdigit()) \
                or not 1 <= int(quantity_raw) <= MAX_QUANTITY:
            errors["quantity"] = f"Số lượng là số nguyên từ 1 đến {MAX_QUANTITY:,}.".replace(",", ".")
        else:
            out["quantity"] = int(quantity_raw)
    amount_raw = _clean(data.get("amount"))
    if "amount" not in errors:
        if not amount_raw and out.get("quantity") and "category" in out and "spent_on" in out:
            # No amount typed: the circular's rate times the quantity, when there is a rate.
            rate = rates_on(out["spent_on"], unit).get(out["category"])
            if rate is None:
                errors["amount"] = ("Nội dung chi này không có mức chi gợi ý; vui lòng nhập số "
                                    "tiền.")
            else:
                out["amount"] = rate.amount * out["quantity"]
        else:
            try:
                out["amount"] = parse_amount(amount_raw)
            except ValueError as exc:
                errors["amount"] = str(exc)
    person_raw = _clean(data.get("person_id"))
    out["person_id"] = None
    if person_raw and "person_id" not in errors:
        person = None
        if person_raw.isascii() and person_raw.isdigit() and len(person_raw) < 12:
            from ..registry.models import Person

            person = db.session.scalar(scoped_persons(user).where(
                Person.id == int(person_raw), Person.unit_id.in_(
                    select(Unit.id).where(under(Unit.path, unit.path)))))
        if person is None:
            errors["person_id"] = (f"Không có hồ sơ số {person_raw[:12]} trong địa bàn "
                                   f"{unit.name}.")
        else:
            out["person_id"] = person.id
    activity_raw = _clean(data.get("activity_id"))
    out["activity_id"] = None
    if activity_raw and "activity_id" not in errors:
        found = None
        if activity_raw.isascii() and activity_raw.isdigit() and len(activity_raw) < 12:
            found = db.session.scalar(select(Activity).where(
                Activity.id == int(activity_raw), Activity.unit_id == unit.id))
        if found is None:
            errors["activity_id"] = "Hoạt động đã chọn không thuộc đơn vị."
        else:
            out["activity_id"] = found.id
    if errors:
        raise FundingError(errors)
    return out


def add_entry(user: User, unit: Unit, year: int, data: dict,
              today: date | None = None) -> FundingEntry:
    values = validate_entry(user, unit, year, data, today)
    entry = FundingEntry(unit_id=unit.id, created_by_id=user.id, **values)
    db.session.add(entry)
    db.session.flush()
    return entry


def delete_entry(user: User, entry: FundingEntry) -> None:
    if not may_keep_books(user, entry.unit):
        raise FundingError({"entry": "Chỉ cán bộ của đơn vị mới xóa khoản chi của đơn vị."})
    db.session.delete(entry)  # the audit listener records the deleted values
    db.session.flush()


def activity_choices(unit: Unit, year: int) -> list[tuple[int, str]]:
    first, last = year_bounds(year)
    rows = db.session.execute(select(Activity.id, Activity.held_on, Activity.title).where(
        Activity.unit_id == unit.id, Activity.held_on.between(first, last))
        .order_by(Activity.held_on))
    return [(i, f"{vn_date(d)} – {t[:80]}") for i, d, t in rows]


def by_category_rows(result: Summary) -> list[tuple[str, dict[str, int], int]]:
    """(category label, {source: amount}, total) over the whole range, for the page."""
    rows = []
    for category, label in CATEGORIES.items():
        amounts = {s: result.cell_total(s, category) for s in SOURCES}
        rows.append((label, amounts, sum(amounts.values())))
    return rows


def group_by_year(entries: list[FundingEntry]) -> dict[int, list[FundingEntry]]:
    out: dict[int, list[FundingEntry]] = defaultdict(list)
    for entry in entries:
        out[entry.spent_on.year].append(entry)
    return out
