from __future__ import annotations

import json
import unicodedata

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ..forms import BaseForm, DateParseError, LongSelect, VNDateField, parse_birth
from .vocab import CLOSING_REASONS, DRUGS, ETHNICITY_CODES, OCCUPATION_GROUPS, SEXES

BLANK = SelectChoice("", "— Chọn —")


def _choices(mapping: dict) -> list[SelectChoice]:
    return [BLANK] + [SelectChoice(k, v) for k, v in mapping.items()]


def CodeSelect(label: str, mapping: dict | None = None, **kwargs) -> SelectField:
    """A select of code values; the service checks the value and says what is wrong."""
    return SelectField(label, choices=_choices(mapping) if mapping else [],
                       validate_choice=False, **kwargs)


class BirthField(StringField):
    """Ngày sinh (dd/mm/yyyy) or only the year: many records have only a year."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy hoặc yyyy", "size": 14,
                                        "inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.birth_date = None
        self.birth_year = None

    def pre_validate(self, form):
        self.birth_date = self.birth_year = None
        text = (self.data or "").strip()
        if not text:
            return  # the service reports a missing birth with its own message
        try:
            self.birth_date, self.birth_year = parse_birth(text)
        except DateParseError as exc:
            raise ValidationError(str(exc) + " Hoặc chỉ nhập năm sinh, ví dụ 1990.") from None


class PersonForm(BaseForm):
    full_name = StringField("Họ và tên")
    other_names = StringField("Tên gọi khác")
    sex = CodeSelect("Giới tính", SEXES)
    birth = BirthField("Ngày sinh hoặc năm sinh")
    id_number = StringField("Số định danh cá nhân (CCCD)",
                            render_kw={"inputmode": "numeric", "autocomplete": "off", "size": 16})
    ethnicity = CodeSelect("Dân tộc", ETHNICITY_CODES)
    occupation = StringField("Nghề nghiệp")
    occupation_group = CodeSelect("Nhóm nghề", OCCUPATION_GROUPS)
    unit_code = SelectField("Xã nơi cư trú", choices=[])
    listed_on = VNDateField("Ngày đưa vào danh sách quản lý (theo sổ giấy; để trống: hôm nay)")
    address = StringField("Địa chỉ thường trú (thôn, bản, tổ dân phố)")
    current_address = StringField("Nơi ở hiện tại (nếu khác)")
    phone = StringField("Số điện thoại")
    family_contact = StringField("Người thân liên hệ")
    main_drug = CodeSelect("Loại ma túy sử dụng chính", DRUGS)
    other_drugs = StringField("Ma túy khác")
    injecting = BooleanField("Có tiêm chích")
    notes = TextAreaField("Ghi chú", render_kw={"rows": 3})
    version = HiddenField()
    # The values the form was opened with (JSON): on a stale edit, the fields the user did not
    # touch take the other user's values instead of reverting them (`merge`).
    seen = HiddenField()
    confirm_duplicate = HiddenField()

    EDITED = ("full_name", "other_names", "sex", "birth", "id_number", "ethnicity", "occupation",
              "occupation_group", "unit_code", "listed_on", "address", "current_address",
              "phone", "family_contact", "main_drug", "other_drugs", "injecting", "notes")

    # Form field → service error key, where they differ.
    ERROR_FIELDS = {"birth": "birth", "unit": "unit_code"}

    def to_data(self, units_by_code: dict) -> dict:
        return {
            "full_name": self.full_name.data, "other_names": self.other_names.data,
            "sex": self.sex.data or None, "birth_date": self.birth.birth_date,
            "birth_year": self.birth.birth_year, "id_number": self.id_number.data,
            "ethnicity": self.ethnicity.data or None, "occupation": self.occupation.data,
            "occupation_group": self.occupation_group.data or None,
            "unit": units_by_code.get(self.unit_code.data), "address": self.address.data,
            "current_address": self.current_address.data, "phone": self.phone.data,
            "family_contact": self.family_contact.data, "main_drug": self.main_drug.data or None,
            "other_drugs": self.other_drugs.data, "injecting": self.injecting.data,
            "notes": self.notes.data, "listed_on": self.listed_on.parsed,
        }

    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            field = getattr(self, self.ERROR_FIELDS.get(key, key), None) or self.full_name
            field.errors = list(field.errors) + [message]

    # --- Stale edits ---------------------------------------------------------------------

    def texts(self) -> dict[str, str]:
        """Each edited field as the page shows it, normalised as a browser sends it back
        (a textarea's line breaks come back as CR LF)."""
        return {name: _as_text(self[name]) for name in self.EDITED}

    def remember_seen(self) -> None:
        self.seen.data = json.dumps(self.texts())

    def _seen(self) -> dict[str, str] | None:
        try:
            seen = json.loads(self.seen.data or "")
        except ValueError:
            return None
        if not isinstance(seen, dict) or not all(isinstance(seen.get(n), str)
                                                 for n in self.EDITED):
            return None
        return seen

    def merge(self, current: PersonForm) -> list[str]:
        """After a stale edit: every field the user left as they found it takes its current
        value (`current`, the form filled from the file as it is now), so saving again cannot
        revert what the other user changed; a field both changed keeps the user's value with
        a message beside it. Without the values first seen, the whole form is refilled.
        Returns the fields both changed."""
        seen, typed, now = self._seen(), self.texts(), current.texts()
        both = []
        for name in self.EDITED:
            field, fresh = self[name], current[name]
            if seen is None or typed[name] == seen[name]:
                field.data, field.raw_data = fresh.data, None
                if isinstance(field, BirthField):
                    field.data = now[name]
            elif now[name] != seen[name] and typed[name] != now[name]:
                both.append(name)
                field.errors = list(field.errors) + [
                    "Người khác vừa sửa thông tin này thành "
                    f"“{_shown(fresh, now[name]) or '(trống)'}”; ô này đang giữ giá trị bạn "
                    "nhập. Vui lòng chọn giá trị đúng rồi lưu."]
        self.seen.data = json.dumps(now)
        return both


def _as_text(field) -> str:
    if isinstance(field, BooleanField):
        return "1" if field.data else ""
    value = field._value() if not isinstance(field, SelectField) else field.data
    text = unicodedata.normalize("NFC", str(value or ""))
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _shown(field, text: str) -> str:
    """What a select shows for its value; a text as it is."""
    if isinstance(field, BooleanField):
        return "Có" if text else "Không"
    if isinstance(field, SelectField):
        for choice in field.choices or ():
            value, label = (choice.value, choice.label) if isinstance(choice, SelectChoice) \
                else choice[:2]
            if value == text:
                return label
    return text


class EventForm(BaseForm):
    event_date = VNDateField("Ngày")
    doc_number = StringField("Số văn bản / số phiếu")
    signer = StringField("Người ký / cơ quan ban hành")
    facility = StringField("Cơ sở y tế")
    addicted = CodeSelect("Kết luận", {"1": "Có nghiện", "0": "Không nghiện"})
    term_end = VNDateField("Hết hạn quản lý (để trống: tự tính 12 tháng)")
    reason = CodeSelect("Lý do", CLOSING_REASONS)
    note = TextAreaField("Ghi chú", render_kw={"rows": 2})

    def to_data(self) -> dict:
        return {
            "event_date": self.event_date.parsed, "doc_number": self.doc_number.data,
            "signer": self.signer.data, "facility": self.facility.data,
            "addicted": {"1": True, "0": False}.get(self.addicted.data),
            "term_end": self.term_end.parsed, "reason": self.reason.data or None,
            "note": self.note.data,
        }

    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            field = getattr(self, key, None) or self.event_date
            field.errors = list(field.errors) + [message]


class TransferForm(BaseForm):
    to_unit = SelectField("Chuyển đến xã", choices=[], widget=LongSelect())
    note = TextAreaField("Ghi chú (nơi ở mới, lý do chuyển)", render_kw={"rows": 2})


class DecideTransferForm(BaseForm):
    reason = TextAreaField("Lý do từ chối", render_kw={"rows": 2})
