"""Vietnamese display formats: dd/mm/yyyy, 1.280, 65.900.000đ.

Written by hand on purpose: each is one line, and Babel's Vietnamese currency format
("65.900.000 ₫") is not the form official documents use ("65.900.000đ").
"""
from __future__ import annotations

from datetime import date, datetime

from .timeutil import to_local


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M %d/%m/%Y")


def vn_number(value: int | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        whole, _, frac = f"{value:,.1f}".partition(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def percent(part: int, whole: int) -> int | None:
    """part/whole in whole percent, rounded half up in integers (Python's round() would give
    12 for 12.5); None when there is nothing to divide by."""
    if not whole:
        return None
    return (part * 200 + whole) // (2 * whole)


def vn_money(value: int | None) -> str:
    if value is None:
        return ""
    return vn_number(value) + "đ"


def vn_iso_date(value: str | None) -> str:
    """A date stored as an ISO string (JSON settings) as dd/mm/yyyy; "" for None."""
    return vn_date(date.fromisoformat(value)) if value else ""


def register(app) -> None:
    app.jinja_env.filters.update(
        vn_date=vn_date, vn_datetime=vn_datetime, vn_number=vn_number, vn_money=vn_money,
        vn_iso_date=vn_iso_date,
    )
