from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ..forms import BaseForm, VNDateField
from ..treatment.vocab import REHAB_FORMS


class DeadlineForm(BaseForm):
    title = StringField("Nội dung mục tiêu", render_kw={"size": 60})
    form = SelectField("Hình thức", choices=[SelectChoice(k, v) for k, v in REHAB_FORMS.items()],
                       default="detox")
    at_least = IntegerField("Mỗi xã ít nhất (người)", default=1,
                            validators=[InputRequired("Vui lòng nhập số người."),
                                        NumberRange(min=1, max=100000)])
    start_date = VNDateField("Tính từ ngày", validators=[Optional()])
    deadline = VNDateField("Hạn hoàn thành (đến hết ngày)")
