"""The base of every form: WTForms' built-in messages in Vietnamese.

WTForms ships no Vietnamese catalogue, so the messages a user can meet are translated here;
a form-specific message given to a validator always takes precedence.
"""
from __future__ import annotations

from flask_wtf import FlaskForm

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
