"""The shape of every document that leaves the office (Decree 30/2020/NĐ-CP, Appendix I).

One place computes what heads a report, a register or a decision, so the Excel files, the
print views and the Word documents can never disagree:

* the issuing body: the authority above it (regular capitals) and the body itself (bold
  capitals), from the unit, the document's date and the dated, per-province setting
  `issuing_agency` — the labour sector until 28/02/2025, the police from 01/3/2025 by default,
  so a 2022 report prints "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" and a 2026 one
  "CÔNG AN HUYỆN …";
* the số/ký hiệu line ("Số: 12/BC-CAX", or blanks to fill in by hand);
* the national motto, the place-and-date line (the place name only: "Tân Hòa, ngày …");
* the statistical-form header of Circular 05/2011 (Biểu số, ban hành kèm theo, đơn vị báo cáo,
  đơn vị nhận báo cáo);
* the signature blocks and the recipients (nơi nhận).

Nothing here prints a workflow status: a form is the same document whatever its state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import settings
from .units.models import NATIONAL_PLACE, Level, Unit

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

AGENCIES = {
    "labour": "Ngành Lao động - Thương binh và Xã hội",
    "police": "Công an",
    "committee": "Ủy ban nhân dân",
}

# The prefixes an administrative unit's name starts with ("Xã Tân Hòa" → "Tân Hòa").
_PLACE_PREFIXES = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Huyện", "Quận",
                   "Tỉnh", "Xã")

NATIONAL = Level.NATIONAL  # the ministry (C04) above the provinces

# The statistical forms (Circular 05/2011/TT-BLĐTBXH) and the registers (Sổ …-SCN).
CIRCULAR = "Thông tư số 05/2011/TT-BLĐTBXH"
FORMS = {
    "01-BCN": "Biểu số 01-BCN",
    "03-BCN": "Biểu số 03-BCN",
    "04-BCN": "Biểu số 04-BCN",
}


def place_name(unit: Unit) -> str:
    """ "Xã Tân Hòa" → "Tân Hòa", for "Tân Hòa, ngày … tháng … năm …"."""
    if unit.level == NATIONAL:
        return NATIONAL_PLACE
    for prefix in _PLACE_PREFIXES:
        if unit.name.startswith(prefix + " "):
            return unit.name[len(prefix) + 1:]
    return unit.name


def place_date(unit: Unit, day: date | None) -> str:
    """The place and date line under the motto; dots to fill in by hand when `day` is None."""
    if day is None:
        return f"{place_name(unit)}, ngày ….. tháng ….. năm ……."
    return f"{place_name(unit)}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _lower_first(name: str) -> str:
    """ "Xã Tân Hòa" → "xã Tân Hòa", inside a longer name."""
    return name[:1].lower() + name[1:]


def province_code(unit: Unit) -> str | None:
    """The code of the province the unit lies in (itself for a province)."""
    node = unit
    while node is not None and node.level not in (Level.PROVINCE, NATIONAL):
        node = node.parent
    return node.code if node is not None and node.level == Level.PROVINCE else None


def agency_on(unit: Unit, day: date) -> str:
    """Which agency issues the unit's documents on `day` (a key of AGENCIES)."""
    value = settings.dated("issuing_agency", day, province_code(unit))
    return value if value in AGENCIES else "police"


def _ministry(agency: str) -> str:
    """The national body a province reports to, in running text."""
    return ("Cục Cảnh sát điều tra tội phạm về ma túy, Bộ Công an" if agency == "police"
            else "Bộ Lao động - Thương binh và Xã hội")


def _is_top(unit: Unit) -> bool:
    return unit.level == NATIONAL


def body_name(unit: Unit, day: date, agency: str | None = None) -> str:
    """The name of the body that issues the unit's documents, in running text:
    "Công an xã Tân Hòa", "Phòng Lao động - Thương binh và Xã hội huyện Mai Sơn".
    `agency` overrides the dated setting ("committee" for a chairman's decision)."""
    agency = agency or agency_on(unit, day)
    own = _lower_first(unit.name)
    if _is_top(unit):
        return _ministry(agency)
    if agency == "police":
        return f"Công an {own}"
    if agency == "labour" and unit.level == Level.DISTRICT:
        return f"Phòng Lao động - Thương binh và Xã hội {own}"
    if agency == "labour" and unit.level == Level.PROVINCE:
        return f"Sở Lao động - Thương binh và Xã hội {own}"
    return f"Ủy ban nhân dân {own}"


def _issuer_lines(unit: Unit, day: date, agency: str | None = None) -> tuple[str | None, str]:
    """(authority above, issuing body) in capitals."""
    agency = agency or agency_on(unit, day)
    own, parent = unit.name.upper(), unit.parent
    if _is_top(unit):
        return (("BỘ CÔNG AN", "CỤC CẢNH SÁT ĐIỀU TRA TỘI PHẠM VỀ MA TÚY") if agency == "police"
                else (None, "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"))
    if agency == "police":
        above = ("BỘ CÔNG AN" if parent is None or unit.level == Level.PROVINCE
                 else f"CÔNG AN {parent.name.upper()}")
        return above, f"CÔNG AN {own}"
    if agency == "labour" and unit.level == Level.DISTRICT:
        return f"ỦY BAN NHÂN DÂN {own}", "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
    if agency == "labour" and unit.level == Level.PROVINCE:
        return f"ỦY BAN NHÂN DÂN {own}", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
    # A people's committee: under its parent's committee (a province's has none above it).
    above = (f"ỦY BAN NHÂN DÂN {parent.name.upper()}"
             if parent is not None and parent.level != NATIONAL else None)
    return above, f"ỦY BAN NHÂN DÂN {own}"


def _symbol(unit: Unit, day: date, agency: str | None = None) -> str:
    """The issuing body's part of the ký hiệu: "CAX", "LĐTBXH", "UBND"."""
    agency = agency or agency_on(unit, day)
    if _is_top(unit):
        return "C04" if agency == "police" else "LĐTBXH"
    if agency == "police":
        return {Level.COMMUNE: "CAX", Level.DISTRICT: "CAH"}.get(unit.level, "CAT-PC04")
    if agency == "labour" and unit.level == Level.DISTRICT:
        return "LĐTBXH"
    if agency == "labour" and unit.level == Level.PROVINCE:
        return "SLĐTBXH"
    return "UBND"


def number_line(unit: Unit, day: date, kind: str = "BC", number: str | None = None,
                agency: str | None = None) -> str:
    """ "Số: 12/BC-CAX"; without a number, room to write it by hand ("Số:      /BC-CAX").
    `kind` is the document type's abbreviation: BC report, QĐ decision, TB notice, GCN
    certificate."""
    return f"Số: {number.strip() if number and number.strip() else ' ' * 6}/{kind}-{_symbol(unit, day, agency)}"


@dataclass(frozen=True)
class Heading:
    """What heads a document: left, the issuing body and its số/ký hiệu; right, the motto and
    the place-and-date line."""

    above: str | None   # regular capitals; None when the body has no authority above it
    issuer: str         # bold capitals
    number: str         # "Số: 12/BC-CAX"
    place_date: str     # italic
    agency: str         # a key of AGENCIES
    motto: tuple[str, str] = MOTTO

    @property
    def left(self) -> list[str]:
        return [line for line in (self.above, self.issuer) if line]


def heading(unit: Unit, day: date, *, kind: str = "BC", number: str | None = None,
            dated: date | None | bool = True, agency: str | None = None) -> Heading:
    """The heading of a document of `unit` whose rules are those of `day` (a report's
    period end, a decision's date). `dated`: True prints `day` after the place name, a date
    prints that date, None or False leaves dots to fill in. `agency` (a key of AGENCIES)
    overrides the dated setting: a commune chairman's decision is the committee's."""
    above, issuer = _issuer_lines(unit, day, agency)
    shown = day if dated is True else (dated or None)
    return Heading(above=above, issuer=issuer,
                   number=number_line(unit, day, kind, number, agency),
                   place_date=place_date(unit, shown), agency=agency or agency_on(unit, day))


def receiver(unit: Unit, day: date) -> str | None:
    """The body a unit reports to (its parent's issuing body), in running text; None for the
    top of the tree when there is no ministry unit above it."""
    parent = unit.parent
    if parent is not None:
        return body_name(parent, day)
    if unit.level == Level.PROVINCE:
        return _ministry(agency_on(unit, day))
    return None


def form_lines(form: str, unit: Unit, day: date) -> list[str]:
    """The statistical-form header of Circular 05/2011 (top right of a Biểu): its number,
    the circular, the reporting and the receiving body."""
    lines = [FORMS.get(form, f"Biểu số {form}"), f"Ban hành kèm theo {CIRCULAR}",
             f"Đơn vị báo cáo: {body_name(unit, day)}"]
    to = receiver(unit, day)
    if to:
        lines.append(f"Đơn vị nhận báo cáo: {to}")
    return lines


@dataclass(frozen=True)
class Signature:
    title: str                 # "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "CHỦ TỊCH"
    hint: str = "(Ký, ghi rõ họ tên)"
    name: str | None = None    # printed under the space left for the signature
    above: str | None = None   # "TM. ỦY BAN NHÂN DÂN", "KT. TRƯỞNG CÔNG AN"


def report_signatures(preparer: str | None = None, head: str | None = None
                      ) -> tuple[Signature, Signature]:
    """The two blocks under every statistical form: who drew it up and the head of the unit."""
    return (Signature("NGƯỜI LẬP BIỂU", name=preparer or None),
            Signature("THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên, đóng dấu)", name=head or None))


@dataclass(frozen=True)
class Recipients:
    lines: list[str] = field(default_factory=list)

    @property
    def printed(self) -> list[str]:
        """ "- Công an huyện Mai Sơn;" … "- Lưu: VT." as they are printed."""
        return [f"- {line};" for line in self.lines] + ["- Lưu: VT."]


def recipients(unit: Unit, day: date, *others: str) -> Recipients:
    """Nơi nhận of a report: the body it is sent to, then any others."""
    to = receiver(unit, day)
    return Recipients([line for line in (to, *others) if line])
