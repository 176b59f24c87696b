from __future__ import annotations

from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from ..forms import BaseForm, VNDateField
from .models import KINDS, METRICS
from .services import TARGET_KINDS


class EntryForm(BaseForm):
    met = RadioField("Kết quả", choices=[SelectChoice("1", "Đạt"), SelectChoice("0", "Không đạt")],
                     validators=[Optional()])
    evidence = TextAreaField("Căn cứ (nội dung)", validators=[Optional()])
    reference = StringField("Số, ký hiệu văn bản làm căn cứ", validators=[Optional()])

    @property
    def met_value(self) -> bool | None:
        return {"1": True, "0": False}.get(self.met.data)


class TargetForm(BaseForm):
    kind = SelectField("Đăng ký theo", choices=[SelectChoice(k, v) for k, v in TARGET_KINDS.items()])
    amount = StringField("Chỉ tiêu", render_kw={"inputmode": "numeric", "size": 6})


class CriterionForm(BaseForm):
    label = TextAreaField("Nội dung tiêu chí")
    kind = SelectField("Loại", choices=[SelectChoice(k, v) for k, v in KINDS.items()])
    metric = SelectField("Số liệu (tiêu chí tính từ dữ liệu)", choices=[SelectChoice("", "—")]
                         + [SelectChoice(k, v) for k, v in METRICS.items()],
                         validators=[Optional()])
    threshold = IntegerField("Ngưỡng (đạt khi không vượt quá)",
                             validators=[Optional(), NumberRange(min=0, max=100000)])
    valid_from = VNDateField("Hiệu lực từ ngày", validators=[Optional()])
    valid_to = VNDateField("Hết hiệu lực từ ngày", validators=[Optional()])
