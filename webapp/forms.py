"""The base of every form: WTForms' built-in messages in Vietnamese.

WTForms ships no Vietnamese catalogue, so the messages a user can meet are translated here;
a form-specific message given to a validator always takes precedence.
"""
from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

MESSAGES_VI = {
    "This field is required.": "Vui lòng nhập thông tin này.",
    "Not a valid choice.": "Giá trị đã chọn không hợp lệ.",
    "Invalid Choice: could not coerce.": "Giá trị đã chọn không hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ (định dạng dd/mm/yyyy).",
    "Not a valid datetime value.": "Thời gian không hợp lệ.",
    "Not a valid integer value.": "Vui lòng nhập một số nguyên.",
    "Not a valid decimal value.": "Vui lòng nhập một số.",
    "Not a valid float value.": "Vui lòng nhập một số.",
    "Number must be at least %(min)s.": "Số phải lớn hơn hoặc bằng %(min)s.",
    "Number must be at most %(max)s.": "Số phải nhỏ hơn hoặc bằng %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "Date must be at least %(min)s.": "Ngày phải từ %(min)s trở đi.",
    "Date must be at most %(max)s.": "Ngày không được sau %(max)s.",
    "Field must be equal to %(other_name)s.": "Giá trị phải trùng với %(other_name)s.",
    "Invalid email address.": "Địa chỉ email không hợp lệ.",
    "This field cannot be edited.": "Không được sửa thông tin này.",
    "This field is disabled and cannot have a value.": "Thông tin này không được nhập.",
    "CSRF token missing.": "Phiên làm việc đã hết hạn. Vui lòng tải lại trang.",
    "CSRF token expired.": "Phiên làm việc đã hết hạn. Vui lòng tải lại trang.",
    "Invalid CSRF Token.": "Phiên làm việc đã hết hạn. Vui lòng tải lại trang.",
    "CSRF failed.": "Phiên làm việc đã hết hạn. Vui lòng tải lại trang.",
}


class _Vietnamese:
    def gettext(self, text: str) -> str:
        return MESSAGES_VI.get(text, text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Vietnamese()


def first_invalid(field) -> bool:
    """Jinja test: is `field` the first visible field of its form with an error (to focus it)?"""
    form = getattr(field, "_form", None)  # WTForms keeps the owning form on each bound field
    if form is None:
        return bool(field.errors)
    for candidate in form:
        if candidate.errors and candidate.type not in ("HiddenField", "CSRFTokenField"):
            return candidate is field
    return False


# --- Dates typed the Vietnamese way -------------------------------------------------------------

_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


class DateParseError(ValueError):
    pass


def parse_vn_date(text: str) -> date:
    """`dd/mm/yyyy` (also d/m/yyyy, with - or .) → date, with a Vietnamese error."""
    match = _DMY.match(text or "")
    if not match:
        raise DateParseError("Ngày phải theo dạng dd/mm/yyyy, ví dụ 07/03/2023.")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError(f"Ngày {day:02d}/{month:02d}/{year} không tồn tại.") from None


def parse_birth(text: str) -> tuple[date | None, int]:
    """A full birth date or only the year (records often have only a year)."""
    year = _YEAR.match(text or "")
    if year:
        return None, int(year.group(1))
    born = parse_vn_date(text)
    return born, born.year


class VNDateField(StringField):
    """A text field for dd/mm/yyyy: the same on every browser and keyboard."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy", "inputmode": "numeric",
                                        "autocomplete": "off", "size": 12})
        super().__init__(label, validators, **kwargs)
        self.parsed: date | None = None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, date):
            return self.data.strftime("%d/%m/%Y")
        return self.data or ""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, date):  # not posted: the object's own date stays
            return
        self.data = (self.data or "").strip() or None

    def pre_validate(self, form):
        self.parsed = None
        if self.data is None or isinstance(self.data, date):
            self.parsed = self.data
            return
        try:
            self.parsed = parse_vn_date(self.data)
        except DateParseError as exc:
            raise ValidationError(str(exc)) from None
