"""The base of every form: WTForms' built-in messages in Vietnamese.

WTForms ships no Vietnamese catalogue, so the messages a user can meet are translated here;
a form-specific message given to a validator always takes precedence.
"""
from __future__ import annotations

import re
from datetime import date

from flask import g, has_request_context, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from markupsafe import Markup, escape
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import Select

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


# --- Input hygiene: characters no field may hold --------------------------------------------
#
# NUL and the other C0/C1 control characters (PostgreSQL refuses NUL in text: a 500 otherwise;
# SQLite would store it), bidi overrides, embeddings and isolates (they make a name or an
# address display reversed: "Trojan Source"), and values made only of zero-width characters
# (a name that looks empty but is not). Multi-line fields keep their line breaks and tabs.

CONTROL_MESSAGE = ("Có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL); vui lòng xóa rồi "
                   "nhập lại.")
BIDI_MESSAGE = ("Có ký tự ẩn làm đảo chiều hiển thị văn bản; vui lòng xóa rồi nhập lại "
                "(thường do dán từ nơi khác).")
INVISIBLE_MESSAGE = ("Chỉ có ký tự vô hình (không có chữ nào); vui lòng nhập nội dung hoặc "
                     "để trống.")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH = r"\u200b-\u200d\u2060\ufeff"
_INVISIBLE = re.compile(rf"^[\s{_ZERO_WIDTH}]*[{_ZERO_WIDTH}][\s{_ZERO_WIDTH}]*$")


def input_problem(value, multiline: bool = False) -> str | None:
    """The Vietnamese message for a typed value no field may hold, or None when it is fine."""
    if not isinstance(value, str) or not value:
        return None
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        return CONTROL_MESSAGE
    if _BIDI.search(value):
        return BIDI_MESSAGE
    if _INVISIBLE.match(value):
        return INVISIBLE_MESSAGE
    return None


def scrub(value: str, multiline: bool = False) -> str:
    """The value without the refused characters: what the refused field shows again."""
    value = (_CONTROL_MULTILINE if multiline else _CONTROL).sub("", value)
    value = _BIDI.sub("", value)
    return "" if _INVISIBLE.match(value) else value


def query_problems() -> dict[str, str]:
    """{name: message} of the query-string values `clean_query_string` refused."""
    return dict(g.get("query_problems") or {}) if has_request_context() else {}


def clean_query_string() -> None:
    """Before every request: a query-string value no field may hold is replaced by "" (so no
    filter, lookup or log can carry it to the database) and its message kept for the page
    (`query_problems()`): the registry list and the statistics show it beside the filter."""
    args = request.args
    problems = {}
    for name, value in args.items(multi=True):
        problem = input_problem(value) or input_problem(name)
        if problem:
            problems.setdefault(name, problem)
    if problems:
        g.query_problems = problems
        request.args = ImmutableMultiDict(
            [(scrub(k), "" if (input_problem(v) or input_problem(k)) else v)
             for k, v in args.items(multi=True)])


class BaseForm(FlaskForm):
    """Every form of the app. Besides the Vietnamese messages, every field's typed value is
    checked with `input_problem` as the form is built: a refused value never reaches `.data`
    (it is None, so even a view that forgot to validate stores nothing of it), and `validate()`
    shows the message beside the field."""

    class Meta:
        def get_translations(self, form):
            return _Vietnamese()

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data, extra_filters, **kwargs)
        self.input_problems: dict[str, str] = {}
        for field in self._fields.values():
            multiline = isinstance(field, TextAreaField)
            for raw in field.raw_data or ():
                problem = input_problem(raw, multiline)
                if problem:
                    self.input_problems[field.name] = problem
                    field.data = None
                    field.raw_data = [scrub(r, multiline) if isinstance(r, str) else r
                                      for r in field.raw_data]
                    break

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self._fields.values():
            if field.name in self.input_problems:
                field.errors = [self.input_problems[field.name]]
                ok = False
        return ok

    def input_error(self) -> str | None:
        """The first refused value's message (for views that show one message, not a form)."""
        return next(iter(self.input_problems.values()), None)


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

# ASCII digits only: `\d` would take "٣" (Arabic-Indic three) for 3.
_DMY = re.compile(r"^\s*([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})\s*$")
_YEAR = re.compile(r"^\s*([0-9]{4})\s*$")
MIN_YEAR, MAX_YEAR = 1000, 9998  # past 9998, adding a term to the date would overflow
YEAR_MESSAGE = f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}."


class DateParseError(ValueError):
    pass


def parse_vn_date(text: str) -> date:
    """`dd/mm/yyyy` (also d/m/yyyy, with - or .) → date, with a Vietnamese error."""
    match = _DMY.match(text or "")
    if not match:
        raise DateParseError("Ngày phải theo dạng dd/mm/yyyy, ví dụ 07/03/2023.")
    day, month, year = (int(g) for g in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateParseError(YEAR_MESSAGE)
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError(f"Ngày {day:02d}/{month:02d}/{year} không tồn tại.") from None


def parse_birth(text: str) -> tuple[date | None, int]:
    """A full birth date or only the year (records often have only a year)."""
    year = _YEAR.match(text or "")
    if year:
        if not MIN_YEAR <= int(year.group(1)) <= MAX_YEAR:
            raise DateParseError(YEAR_MESSAGE)
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


class LongSelect(Select):
    """A select whose plain options (a value, a label, perhaps selected) are written directly:
    WTForms builds each option's attributes through its generic `html_params`, which for the
    hundred communes of a province cost more than the rest of the page's forms. The same HTML."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        selected = " selected" if choice.selected else ""
        return Markup(f'<option{selected} value="{escape(choice.value)}">'
                      f"{escape(choice.label or choice.value)}</option>")
