"""Building and changing the administrative tree."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from ..extensions import db
from .models import KINDS, NATIONAL_CODE, NATIONAL_KIND, NATIONAL_NAME, Level, Unit, under


class UnitError(ValueError):
    pass


def add_unit(code: str, name: str, kind: str, parent: Unit | None = None,
             valid_from: date | None = None) -> Unit:
    if kind not in KINDS:
        raise UnitError(f"Loại đơn vị không hợp lệ: {kind}")
    code = code.strip()
    # The ministry is no administrative unit: its code is the agency's ("C04").
    if not (code.isdigit() or (KINDS[kind][0] == Level.NATIONAL and code.isalnum())):
        raise UnitError("Mã đơn vị hành chính chỉ gồm chữ số.")
    unit = Unit(
        code=code,
        name=name.strip(),
        kind=kind,
        level=KINDS[kind][0].value,
        parent=parent,
        path=(parent.path if parent else "/") + code + "/",
        valid_from=valid_from,
    )
    db.session.add(unit)
    return unit


def national_root() -> Unit:
    """The ministry above every province, created the first time a province is loaded."""
    root = db.session.scalar(select(Unit).where(Unit.level == Level.NATIONAL.value,
                                                Unit.parent_id.is_(None)))
    if root is None:
        root = add_unit(NATIONAL_CODE, NATIONAL_NAME, NATIONAL_KIND)
        db.session.flush()
    return root


def move_unit(unit: Unit, new_parent: Unit | None) -> None:
    """Re-parent a unit (e.g. a commune placed directly under its province after 2025)."""
    if new_parent is not None and unit.contains(new_parent):
        raise UnitError("Không thể chuyển đơn vị vào chính đơn vị cấp dưới của nó.")
    old_prefix = unit.path
    new_prefix = (new_parent.path if new_parent else "/") + unit.code + "/"
    unit.parent = new_parent
    db.session.flush()
    # Rewrite the whole subtree's paths in one statement.
    db.session.execute(
        update(Unit)
        .where(under(Unit.path, old_prefix))
        .values(path=new_prefix + db.func.substr(Unit.path, len(old_prefix) + 1))
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def merge_unit(old: Unit, into: Unit, on: date) -> None:
    """Close a unit that was merged; its history (and old reports) stay attached to it."""
    old.valid_to = on
    old.successor = into


def load_official_province(province_code: int) -> tuple[Unit, int]:
    """Load a province and its communes (post-2025 two-tier list) from `vietnam-provinces`.

    Existing units (by code) are updated in place, so running it twice changes nothing.
    """
    from vietnam_provinces import Province, VietNamDivisionType, Ward

    kinds = {
        VietNamDivisionType.TINH: "tinh",
        VietNamDivisionType.THANH_PHO_TRUNG_UONG: "thanh_pho_tw",
        VietNamDivisionType.XA: "xa",
        VietNamDivisionType.PHUONG: "phuong",
        VietNamDivisionType.DAC_KHU: "dac_khu",
    }
    try:
        province = Province.from_code(province_code)
    except ValueError as exc:
        raise UnitError(f"Không có tỉnh/thành phố mã {province_code:02d}.") from exc
    root = _upsert(f"{int(province.code):02d}", province.name, kinds[province.division_type],
                   national_root())
    count = 0
    for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code)):
        _upsert(f"{int(ward.code):05d}", ward.name, kinds[ward.division_type], root)
        count += 1
    return root, count


def _upsert(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        return add_unit(code, name, kind, parent)
    unit.name, unit.kind = name, kind
    if unit.parent_id != (parent.id if parent else None):
        move_unit(unit, parent)
    return unit


POPULATION_MAX = 200_000_000


def parse_population(text: str | None) -> int | None:
    """Inhabitants typed as "12500", "12.500" or "12 500"; "" clears it."""
    raw = (text or "").strip()
    if not raw:
        return None
    digits = raw.replace(".", "").replace(" ", "").replace("\u00a0", "")
    if not (digits.isascii() and digits.isdigit()) or (digits != raw and not
                                                       _grouped(raw)):
        raise UnitError("Dân số phải là số nguyên không âm, ví dụ 12.500.")
    value = int(digits)
    if value > POPULATION_MAX:
        raise UnitError("Dân số quá lớn; vui lòng kiểm tra lại.")
    return value


def _grouped(raw: str) -> bool:
    """Thousands grouped by "." or spaces, three digits to a group."""
    import re

    return re.fullmatch(r"[0-9]{1,3}([. \u00a0][0-9]{3})+", raw) is not None


def set_population(unit: Unit, text: str | None) -> bool:
    """An administrator's change, recorded in the audit log; True when it changed."""
    from ..audit import services as audit

    value = parse_population(text)
    if value == unit.population:
        return False
    audit.record("update", "Unit", unit.id, {"population": [unit.population, value]})
    unit.population = value
    db.session.flush()
    return True
