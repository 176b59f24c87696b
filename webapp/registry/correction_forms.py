"""The form to correct or void one entry: its correctable fields, prefilled, plus the reason."""
from __future__ import annotations

from datetime import date

from wtforms import StringField, TextAreaField

from ..forms import BaseForm, VNDateField
from ..treatment.vocab import ACTIVITY_KINDS, METHADONE_STOPS, OUTCOMES, REHAB_FORMS
from .forms import CodeSelect
from .vocab import CLOSING_REASONS

YES_NO = {"addicted": {"1": "Có nghiện", "0": "Không nghiện"},
          "positive": {"1": "Dương tính", "0": "Âm tính"}}


# Fields of entries other packages register (registry.corrections.register): name -> factory.
FIELD_FACTORIES: dict = {}


def _field(name: str):
    if name in FIELD_FACTORIES:
        return FIELD_FACTORIES[name]()
    dates = {"event_date": "Ngày", "term_end": "Hết hạn quản lý", "start_date": "Ngày bắt đầu",
             "planned_end": "Dự kiến kết thúc", "decision_date": "Ngày quyết định",
             "end_date": "Ngày kết thúc / dừng", "ended_on": "Ngày kết thúc", "on": "Ngày"}
    if name in dates:
        return VNDateField(dates[name])
    choices = {"form": ("Hình thức", REHAB_FORMS), "outcome": ("Kết quả", OUTCOMES),
               "stop_reason": ("Lý do dừng", METHADONE_STOPS), "kind": ("Hoạt động", ACTIVITY_KINDS),
               "reason": ("Lý do đưa ra khỏi danh sách", CLOSING_REASONS),
               "addicted": ("Kết luận", YES_NO["addicted"]),
               "positive": ("Kết quả xét nghiệm (nếu có)", YES_NO["positive"])}
    if name in choices:
        return CodeSelect(*choices[name])
    if name == "note":
        return TextAreaField("Ghi chú", render_kw={"rows": 2})
    texts = {"doc_number": "Số văn bản / số phiếu", "signer": "Người ký",
             "facility": "Cơ sở", "decision_number": "Số quyết định",
             "decided_by": "Người ký / Tòa án", "certificate_number": "Số giấy chứng nhận"}
    return StringField(texts[name])


class _Base(BaseForm):
    why = TextAreaField("Lý do sửa", render_kw={"rows": 2, "required": True})

    def to_data(self) -> dict:
        data = {}
        for name, field in self._fields.items():
            if name in ("csrf_token", "why"):
                continue
            value = field.parsed if isinstance(field, VNDateField) else field.data
            if name in YES_NO:
                value = {"1": True, "0": False}.get(value)
            data[name] = value if value != "" else None
        return data

    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            field = self._fields.get(key) or self.why
            field.errors = list(field.errors) + [message]


def correction_form(entry, fields: tuple[str, ...], formdata=None):
    """A form of `fields`, prefilled with the entry's values when nothing was posted."""
    cls = type("CorrectionForm", (_Base,), {name: _field(name) for name in fields})
    form = cls(formdata=formdata, prefix="fix")
    if formdata is None:
        for name in fields:
            value = getattr(entry, name)
            if name in YES_NO:
                value = {True: "1", False: "0"}.get(value, "")
            form[name].data = value if isinstance(value, date) or value is not None else ""
    return form


class VoidForm(BaseForm):
    why = TextAreaField("Lý do hủy (ghi nhầm)", render_kw={"rows": 2, "required": True})
