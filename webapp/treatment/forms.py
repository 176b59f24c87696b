from __future__ import annotations

from wtforms import StringField, TextAreaField

from ..forms import BaseForm, VNDateField
from ..registry.forms import CodeSelect
from .vocab import ACTIVITY_KINDS, METHADONE_STOPS, OUTCOMES, POST_REHAB_STOPS, REHAB_FORMS


class _Form(BaseForm):
    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            field = getattr(self, key, None)
            if field is None:
                field = next(iter(self))
            field.errors = list(field.errors) + [message]

    def to_data(self) -> dict:
        return {name: (field.parsed if isinstance(field, VNDateField) else field.data)
                for name, field in self._fields.items() if name != "csrf_token"}


class EpisodeForm(_Form):
    form = CodeSelect("Hình thức", REHAB_FORMS)
    start_date = VNDateField("Ngày bắt đầu")
    planned_end = VNDateField("Dự kiến kết thúc (để trống: theo thời hạn mặc định)")
    facility = StringField("Nơi cai nghiện / cơ sở")
    decision_number = StringField("Số quyết định")
    decision_date = VNDateField("Ngày quyết định")
    decided_by = StringField("Người ký / Tòa án")
    note = TextAreaField("Ghi chú", render_kw={"rows": 2})


class EpisodeEndForm(_Form):
    end_date = VNDateField("Ngày kết thúc")
    outcome = CodeSelect("Kết quả", OUTCOMES)
    note = TextAreaField("Ghi chú", render_kw={"rows": 2})


class MethadoneForm(_Form):
    facility = StringField("Cơ sở điều trị")
    start_date = VNDateField("Ngày bắt đầu")
    note = TextAreaField("Ghi chú", render_kw={"rows": 2})


class MethadoneStopForm(_Form):
    end_date = VNDateField("Ngày dừng")
    stop_reason = CodeSelect("Lý do", METHADONE_STOPS)


class ConfirmForm(_Form):
    decision_number = StringField("Số quyết định (Mẫu 51)")
    decision_date = VNDateField("Ngày quyết định")
    signer = StringField("Người ký")


class ActivityForm(_Form):
    kind = CodeSelect("Hoạt động", ACTIVITY_KINDS)
    on = VNDateField("Ngày")
    positive = CodeSelect("Kết quả xét nghiệm (nếu có)", {"1": "Dương tính", "0": "Âm tính"})
    note = TextAreaField("Ghi chú", render_kw={"rows": 2})

    def to_data(self) -> dict:
        data = super().to_data()
        data["positive"] = {"1": True, "0": False}.get(data["positive"])
        return data


class PostRehabEndForm(_Form):
    ended_on = VNDateField("Ngày kết thúc")
    end_reason = CodeSelect("Kết thúc do", {"completed": "Hết thời hạn, cấp giấy chứng nhận (Mẫu 54)",
                                            **POST_REHAB_STOPS})
    certificate_number = StringField("Số giấy chứng nhận")
