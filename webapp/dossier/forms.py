from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..forms import BaseForm, VNDateField
from ..registry.forms import CodeSelect
from .vocab import CONDITIONS, CONTACT_KINDS, PROCEDURES, TEST_RESULTS

FILE_LABEL = "Bản quét (PDF, JPEG hoặc PNG)"


class _Form(BaseForm):
    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            field = getattr(self, key, None)
            if field is None:
                field = next(f for f in self if f.type != "CSRFTokenField")
            field.errors = list(field.errors) + [message]

    def to_data(self) -> dict:
        return {name: (field.parsed if isinstance(field, VNDateField) else field.data)
                for name, field in self._fields.items()
                if name != "csrf_token" and field.type != "FileField"}


class DocumentForm(_Form):
    form_code = CodeSelect("Văn bản (mẫu)")
    number = StringField("Số văn bản")
    doc_date = VNDateField("Ngày văn bản")
    signer = StringField("Người ký")
    note = TextAreaField("Ghi chú", render_kw={"rows": 2})
    file = FileField(FILE_LABEL)

    def bind(self, dossier, selected: str | None = None) -> "DocumentForm":
        self.form_code.choices = [SelectChoice(c, f"Mẫu {c}" if c[:1].isdigit() else c)
                                  for c in dossier.codes]
        if selected and not self.form_code.raw_data:
            self.form_code.data = selected
        return self


class AttachForm(_Form):
    file = FileField(FILE_LABEL)


class NoteForm(_Form):
    contact_kind = CodeSelect("Hình thức", CONTACT_KINDS)
    on = VNDateField("Ngày")
    contact_by = StringField("Người thực hiện")
    positive = CodeSelect("Kết quả xét nghiệm (nếu là xét nghiệm)", TEST_RESULTS)
    note = TextAreaField("Nội dung", render_kw={"rows": 2})

    def to_data(self) -> dict:
        data = super().to_data()
        data["positive"] = {"1": True, "0": False}.get(data.get("positive") or "")
        return data


class RequirementForm(_Form):
    procedure = CodeSelect("Thủ tục", PROCEDURES)
    form_code = StringField("Mẫu (mã; nhiều mẫu thay thế nhau: 22/23/24)")
    label = StringField("Tên văn bản")
    condition = CodeSelect("Khi nào phải có", CONDITIONS)
    valid_from = VNDateField("Áp dụng từ ngày (để trống: từ trước)")
    valid_to = VNDateField("Đến hết ngày trước (để trống: chưa hết hiệu lực)")


class EndRequirementForm(_Form):
    valid_to = VNDateField("Hết hiệu lực từ ngày")
